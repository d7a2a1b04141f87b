"""The Whoosh schema and its analyzers: the one place that says how text is tokenised.

Body and title are indexed twice: stemmed (``body``, ``title``) for ordinary word
search, and as written (``body_exact``, ``title_exact``) for exact phrases,
wildcards, fuzzy terms and spelling suggestions, since Whoosh's fuzzy and
spelling machinery cannot work on stems.

The analyzers are single fused tokenizers rather than Whoosh filter chains: one
pass per token instead of a generator per filter, and a compiled (PyStemmer)
stemmer created lazily so the pickled schema holds no C object.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from array import array
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from whoosh import query
from whoosh.analysis import Composable, Token
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Characters
from whoosh.system import _INT_SIZE, pack_uint, unpack_uint

from search.documents import DatePrecision, Document, fingerprints, utc_instant

STOP_WORDS = frozenset(
    "a an and are as at be by can for from have if in is it may not of on or that the this to us we when will "
    "with yet you your".split()
)
_WORD = re.compile(r"\w+(?:\.\w+)*")
# Joins two values indexed into one field (a title and a comment's heading): the words
# after it sit ``VALUE_GAP`` positions further on, so no phrase matches across the join.
VALUE_BREAK = "\u2029"
VALUE_GAP = 100
# A name's parts: initials and punctuation apart, so "G.V. Plekhanov" is "G V Plekhanov".
_NAME_PART = re.compile(r"[^\W_]+")
_LIGATURES = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l"})  # after lowercasing


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lowercase and strip accents, so ``Günter`` and ``Gunter`` are the same word."""
    word = word.lower()
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word.translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class WordAnalyzer(Composable):
    """Words, lowercased and accent-folded; optionally stop-worded and stemmed (English)."""

    def __init__(self, stem: bool) -> None:
        self.stem = stem
        self._stemmer: Any = None
        self._cache: dict[str, str | None] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"stem": self.stem}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["stem"])

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.stem == self.stem

    __hash__ = None  # type: ignore[assignment]

    def _stem_word(self, word: str) -> str:
        if self._stemmer is None:
            import Stemmer

            self._stemmer = Stemmer.Stemmer("english")
        return self._stemmer.stemWord(word)

    def _index_term(self, word: str) -> str | None:
        """The term a word is indexed as, or None for a stop word; cached, since words repeat."""
        term = self._cache.get(word)
        if term is None and word not in self._cache:
            term = fold(word)
            if self.stem:
                term = None if term in STOP_WORDS or len(term) < 2 else self._stem_word(term)
            if len(self._cache) < 500_000:
                self._cache[word] = term
        return term

    def occurrences(self, value: str) -> dict[str, list[tuple[int, int, int]]]:
        """Each term of a text with its (position, startchar, endchar) list: the indexing fast path.

        Gives the same postings as running the tokenizer, without a Token per word.
        """
        found: dict[str, list[tuple[int, int, int]]] = {}
        index_term = self._index_term
        pos = 0
        next_break = value.find(VALUE_BREAK)
        for match in _WORD.finditer(value):
            if 0 <= next_break < match.start():
                pos += VALUE_GAP
                next_break = value.find(VALUE_BREAK, match.start())
            term = index_term(match.group())
            if term is None:
                continue
            found.setdefault(term, []).append((pos, match.start(), match.end()))
            pos += 1
        return found

    def terms(self, text: str) -> list[str]:
        """The index terms of a text, in order, stop words dropped: what a query word becomes."""
        return [token.text for token in self(text) if not token.stopped]

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: Any):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        matches = [(value, 0)] if not tokenize else ((m.group(), m.start()) for m in _WORD.finditer(value))
        pos = start_pos
        stem = self.stem
        next_break = value.find(VALUE_BREAK) if tokenize else -1
        for word, start in matches:
            if 0 <= next_break < start:
                pos += VALUE_GAP
                next_break = value.find(VALUE_BREAK, start)
            text = fold(word)
            token.stopped = False
            if stem:
                if text in STOP_WORDS or len(text) < 2:
                    if removestops:
                        continue
                    token.stopped = True
                else:
                    text = self._stem_word(text)
            token.text = text
            token.boost = 1.0
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + start + len(word)
            yield token


class CommonPairAnalyzer(WordAnalyzer):
    """Each two neighbouring words of which one is a stop word, as one term (``"of blood"``).

    An exact phrase of common words (``"the right to"``) can then start from these
    rare pairs instead of the huge posting lists of ``the`` and ``to``. Positions are
    those of the first word in the unstemmed field.
    """

    def __init__(self) -> None:
        super().__init__(stem=False)

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()

    def occurrences(self, value: str) -> dict[str, list[tuple[int, int, int]]]:
        found: dict[str, list[tuple[int, int, int]]] = {}
        index_term = self._index_term
        previous, previous_start = "", 0
        for position, match in enumerate(_WORD.finditer(value)):
            word = index_term(match.group())
            if position and (word in STOP_WORDS or previous in STOP_WORDS):
                found.setdefault(f"{previous} {word}", []).append((position - 1, previous_start, match.end()))
            previous, previous_start = word, match.start()
        return found


def common_pairs(words: list[str]) -> list[str]:
    """The pair terms ``CommonPairAnalyzer`` indexes for a phrase's words."""
    return [f"{first} {second}" for first, second in zip(words, words[1:], strict=False)
            if first in STOP_WORDS or second in STOP_WORDS]


class _StatelessAnalyzer(Composable):
    """An analyzer without settings: any two of one class are equal (Whoosh compares schemas field by field)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    __hash__ = None  # type: ignore[assignment]


class AuthorAnalyzer(_StatelessAnalyzer):
    """Name parts, so ``PaulHampton`` matches ``hampton`` and ``"paul hampton"`` like ``Paul Hampton``.

    A camel-cased account name yields its parts at consecutive positions and, when
    indexing, the whole name at the first part's position too; in a query it
    yields only the parts, so ``author:PaulHampton`` also finds the byline.
    """

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: Any):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        pos = start_pos
        words = [(value, 0)] if not tokenize else ((m.group(), m.start()) for m in _NAME_PART.finditer(value))
        for word, start in words:
            parts = _camel_parts(word) if tokenize else []
            whole = [] if parts and mode == "query" else [(word, start, pos)]
            emitted = whole + [(part, start + offset, pos + i) for i, (part, offset) in enumerate(parts)]
            for text, begin, position in emitted:
                token.text = fold(text)
                if keeporiginal:
                    token.original = text
                if positions:
                    token.pos = position
                if chars:
                    token.startchar = start_char + begin
                    token.endchar = start_char + begin + len(text)
                yield token
            pos += max(len(parts), 1)


NO_AUTHOR = "(unknown)"


@lru_cache(maxsize=100_000)
def author_key(name: str) -> str:
    """One key for every spelling of a name: ``PaulHampton``, ``Paul Hampton`` and ``PAUL HAMPTON`` give
    ``paul hampton``, ``G.V. Plekhanov`` and ``G V Plekhanov`` give ``g v plekhanov`` (name parts,
    camel case split, folded); no name gives NO_AUTHOR."""
    parts = [fold(part) for word in _NAME_PART.findall(name) for part, _ in (_camel_parts(word) or [(word, 0)])]
    return " ".join(parts) or NO_AUTHOR


def _camel_parts(word: str) -> list[tuple[str, int]]:
    """``PaulHampton`` -> [("Paul", 0), ("Hampton", 4)]; a word with no inner capital gives []."""
    cuts = [0] + [i for i in range(1, len(word)) if word[i].isupper() and word[i - 1].islower()] + [len(word)]
    if len(cuts) < 3:
        return []
    return [(word[start:end], start) for start, end in zip(cuts, cuts[1:], strict=False)]


# Quotations: every run of QUOTE_SHINGLE words is hashed, and of each QUOTE_WINDOW neighbouring
# hashes the smallest is kept (winnowing). Any run of QUOTE_MIN_RUN words two texts share then
# shares at least one kept hash, so the index holds about 40% of the shingles, not all of them.
# Hashes are cut to QUOTE_HASH_BITS: about a million distinct terms however big the archive, since
# Whoosh spends some 80 bytes on each term; the few unrelated documents sharing a hash are weeded
# out when the candidates are checked word by word (search/quotes.py).
QUOTE_SHINGLE = 5
QUOTE_WINDOW = 4
QUOTE_MIN_RUN = QUOTE_SHINGLE + QUOTE_WINDOW - 1
QUOTE_HASH_BITS = 20
_QUOTE_MASK = (1 << QUOTE_HASH_BITS) - 1


def quote_words(text: str) -> list[tuple[str, int, int]]:
    """The words of a text, lowercased and accent-folded, with their character spans: punctuation ignored."""
    return [(fold(match.group()), match.start(), match.end()) for match in _WORD.finditer(text)]


def shingle_hash(words: Sequence[str]) -> str:
    """The index term of a run of words: a process-independent hash (CRC-32, cut to QUOTE_HASH_BITS) in hex."""
    return f"{zlib.crc32(' '.join(words).encode('utf-8')) & _QUOTE_MASK:05x}"


def quote_fingerprints(text: str) -> set[str]:
    """The winnowed shingle hashes of a text: what the ``quotes`` field indexes."""
    words = [fold(word) for word in _WORD.findall(text)]
    hashes = [zlib.crc32(" ".join(words[start:start + QUOTE_SHINGLE]).encode("utf-8")) & _QUOTE_MASK
              for start in range(len(words) - QUOTE_SHINGLE + 1)]
    if len(hashes) <= QUOTE_WINDOW:
        kept = {min(hashes)} if hashes else set()
    else:
        kept = {min(hashes[start:start + QUOTE_WINDOW]) for start in range(len(hashes) - QUOTE_WINDOW + 1)}
    return {f"{value:05x}" for value in kept}


class FingerprintAnalyzer(_StatelessAnalyzer):
    """A body as its quotation fingerprints (see ``quote_fingerprints``), one token each, no positions."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: Any):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        for term in sorted(quote_fingerprints(value)) if tokenize else [value]:
            token.text = term
            yield token


class FastCharacters(Characters):
    """Whoosh's Characters format, fed from ``WordAnalyzer.occurrences`` and packed as arrays.

    A posting holds its occurrence count, then the positions, start and end
    offsets as three arrays of unsigned ints instead of a pickled tuple per
    occurrence: a phrase check reads the positions, and a snippet the offsets,
    with one C-level copy.
    """

    def word_values(self, value: str, analyzer: Any, **kwargs: Any):
        if not isinstance(analyzer, WordAnalyzer) or kwargs.get("mode") != "index":
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        encode = self.encode
        for term, occurrences in analyzer.occurrences(value).items():
            yield term, len(occurrences), len(occurrences) * boost, encode(occurrences)

    def encode(self, occurrences: list[tuple[int, int, int]]) -> bytes:
        positions, starts, ends = zip(*occurrences, strict=True)
        return pack_uint(len(occurrences)) + array("I", positions + starts + ends).tobytes()

    def _numbers(self, value: bytes, thirds: int) -> tuple[int, array]:
        count = unpack_uint(value[:_INT_SIZE])[0]
        numbers = array("I")
        numbers.frombytes(value[_INT_SIZE:_INT_SIZE + thirds * count * numbers.itemsize])
        return count, numbers

    def decode_positions(self, value: bytes) -> list[int]:
        return self._numbers(value, 1)[1].tolist()

    def decode_characters(self, value: bytes) -> list[tuple[int, int, int]]:
        count, numbers = self._numbers(value, 3)
        return list(zip(numbers[:count], numbers[count:2 * count], numbers[2 * count:], strict=True))

    def combine(self, values: list[bytes]) -> bytes:
        return self.encode(sorted({item for value in values for item in self.decode_characters(value)}))


def _text_field(analyzer: WordAnalyzer, **options: Any) -> TEXT:
    field = TEXT(analyzer=analyzer, chars=True, **options)
    field.format = FastCharacters(field_boost=field.format.field_boost)
    return field


class GivenDate(NamedTuple):
    """A date to index: the moment in UTC, and how much of it the source gave."""

    instant: datetime
    precision: DatePrecision


class CalendarDate(DATETIME):
    """A date indexed as its year, month and day terms (``y2011``, ``m2011-10``, ``d2011-10-21``).

    Only the terms the source gave: a bare year is indexed as its year term alone
    and a month as its year and month, so ``date:1898-01-01`` does not match a
    year-only "1898" while ``date:1898`` and ranges covering the year do.

    A range then becomes a few term ranges (whole years in the middle, months
    and days at the edges) instead of Whoosh's numeric tiers, which expand to
    thousands of terms. Sorting still uses DATETIME's column.
    """

    def index(self, value: GivenDate, **kwargs: Any):
        day = value.instant.date()
        terms = {"year": 1, "month": 2}.get(value.precision, 3)
        for term in (_year_term(day), _month_term(day), _day_term(day))[:terms]:
            yield term.encode("ascii"), 1, 1.0, b""

    def to_bytes(self, value: Any, shift: int = 0) -> bytes:
        if isinstance(value, str) and value[:1] in "ymd":
            return value.encode("ascii")
        return super().to_bytes(value, shift)

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> query.Query:
        parts = qstring.strip().split("-")
        prefix = "ymd"[len(parts) - 1] if 1 <= len(parts) <= 3 else None
        try:
            first, last = _period(qstring)
        except ValueError as error:
            return query.error_query(str(error))
        term = {"y": _year_term, "m": _month_term, "d": _day_term}[prefix or "d"](first)
        return query.Term(fieldname, term, boost=boost) if first <= last else query.NullQuery

    def parse_range(self, fieldname: str, start: str | None, end: str | None, startexcl: bool, endexcl: bool,
                    boost: float = 1.0) -> query.Query:
        """A range of whole periods; an exclusive end (``>2011-10``, ``{...}``) leaves its whole period out."""
        try:
            first = _range_start(start, startexcl)
            last = _range_end(end, endexcl)
        except (ValueError, OverflowError) as error:
            return query.error_query(str(error))
        pieces = [query.TermRange(fieldname, low, high, boost=boost) for low, high in calendar_cover(first, last)]
        return query.Or(pieces) if pieces else query.NullQuery


def _range_start(text: str | None, exclusive: bool) -> date:
    if not text:
        return date(1, 1, 1)
    first, last = _period(text)
    return last + timedelta(days=1) if exclusive else first


def _range_end(text: str | None, exclusive: bool) -> date:
    if not text:
        return date(9999, 12, 31)
    first, last = _period(text)
    return first - timedelta(days=1) if exclusive else last


def _year_term(day: date) -> str:
    return f"y{day.year:04d}"


def _month_term(day: date) -> str:
    return f"m{day.year:04d}-{day.month:02d}"


def _day_term(day: date) -> str:
    return f"d{day.isoformat()}"


def date_period(text: str) -> tuple[date, date]:
    """The first and last day of a date as a query writes it (``2011``, ``2011-10``, ``2011-10-21``)."""
    return _period(text)


def _period(text: str) -> tuple[date, date]:
    """The first and last day of ``2011``, ``2011-10`` or ``2011-10-21``."""
    parts = [int(part) for part in text.strip().split("-")]
    if len(parts) == 1:
        return date(parts[0], 1, 1), date(parts[0], 12, 31)
    if len(parts) == 2:
        return date(parts[0], parts[1], 1), _month_end(date(parts[0], parts[1], 1))
    if len(parts) == 3:
        day = date(*parts)
        return day, day
    raise ValueError(f"not a date: {text!r}")


def _month_end(day: date) -> date:
    if day.month == 12:
        return date(day.year, 12, 31)
    return date(day.year, day.month + 1, 1) - timedelta(days=1)


def calendar_cover(first: date, last: date) -> list[tuple[str, str]]:
    """The fewest (low, high) term ranges of days, months and years covering ``first`` to ``last``.

    Greedy from the start: whole years where a year starts and fits, else whole
    months within the year, else days within the month.
    """
    pieces: list[tuple[str, str]] = []
    while first <= last:
        if (first.month, first.day) == (1, 1) and date(first.year, 12, 31) <= last:
            end_year = last.year if (last.month, last.day) == (12, 31) else last.year - 1
            pieces.append((_year_term(first), f"y{end_year:04d}"))
            edge = date(end_year, 12, 31)
        elif first.day == 1 and _month_end(first) <= last:
            edge = last if last == _month_end(last) else date(last.year, last.month, 1) - timedelta(days=1)
            edge = min(edge, date(first.year, 12, 31))
            pieces.append((_month_term(first), _month_term(edge)))
        else:
            edge = min(last, _month_end(first))
            pieces.append((_day_term(first), _day_term(edge)))
        if edge == date.max:
            break
        first = edge + timedelta(days=1)
    return pieces


STEMMED = WordAnalyzer(stem=True)
EXACT = WordAnalyzer(stem=False)
PAIRS = CommonPairAnalyzer()
AUTHOR = AuthorAnalyzer()
FINGERPRINTS = FingerprintAnalyzer()

# The unstemmed copy of each stemmed text field.
EXACT_FIELD = {"body": "body_exact", "title": "title_exact"}
# The common-word pairs of an unstemmed field, for fast exact phrases.
PAIR_FIELD = {"body_exact": "body_pairs"}
# The kind of the per-file records the indexer keeps beside the documents.
SOURCE_KIND = "source"


def build_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),  # sortable: author exchanges read ids as a column
        kind=ID(stored=True, sortable=True),
        article_id=ID(stored=True, sortable=True),
        parent_id=ID(stored=True, sortable=True),
        source=ID(stored=True),
        position=STORED,
        title=_text_field(STEMMED, stored=True, field_boost=2.0),
        title_exact=_text_field(EXACT),
        heading=_text_field(STEMMED, stored=True),
        title_generated=STORED,
        date_precision=STORED,
        fingerprint=KEYWORD(scorable=False),
        body=_text_field(STEMMED, stored=True),
        body_exact=_text_field(EXACT, spelling=True),
        body_pairs=_text_field(PAIRS),
        quotes=ID(analyzer=FINGERPRINTS),
        author=TEXT(analyzer=AUTHOR, stored=True),
        author_name=ID(sortable=True),
        date=CalendarDate(stored=True, sortable=True),
        year=NUMERIC(sortable=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True),
        url=STORED,
        source_state=STORED,
    )


def document_fields(document: Document) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": document.id,
        "kind": document.kind,
        "article_id": document.article_id,
        "source": document.source,
        "position": document.position,
        # A comment's own heading (a debate point's headline) is searched as part of its title.
        "title": searchable_title(document),
        "_stored_title": document.title,
        EXACT_FIELD["title"]: searchable_title(document),
        "body": document.body,
        EXACT_FIELD["body"]: document.body,
        PAIR_FIELD[EXACT_FIELD["body"]]: document.body,
        "quotes": document.body,
        "author": document.author,
        "author_name": author_key(document.author),
        "_stored_author_name": document.author or NO_AUTHOR,  # the column keeps the spelling, for facets
        "url": document.url,
    }
    if document.parent_id:
        fields["parent_id"] = document.parent_id
    if document.heading:
        fields["heading"] = document.heading
    if document.title_generated:
        fields["title_generated"] = True
    if document.date_precision:
        fields["date_precision"] = document.date_precision
    if document.kind == "article":
        fields["fingerprint"] = " ".join(fingerprints(document))
    if document.date is not None:
        # Terms and the sort column compare moments in UTC; the stored value keeps the offset as given.
        instant = utc_instant(document.date)
        fields["date"] = GivenDate(instant, document.date_precision)
        fields["_stored_date"] = document.date
        fields["year"] = instant.year
    if document.tags:
        fields["tags"] = ",".join(document.tags)
    return fields


def searchable_title(document: Document) -> str:
    """The title words a document is found by: its title, then, past a ``VALUE_BREAK``, its own heading."""
    return f"{document.title}{VALUE_BREAK}{document.heading}" if document.heading else document.title


def stored_document(stored: dict[str, Any]) -> Document:
    """Rebuild a Document from an index hit's stored fields."""
    return Document(
        id=stored["id"],
        kind=stored["kind"],
        title=stored.get("title", ""),
        author=stored.get("author", ""),
        date=stored.get("date"),
        body=stored.get("body", ""),
        article_id=stored.get("article_id", stored["id"]),
        source=stored.get("source", ""),
        position=stored.get("position", 0),
        parent_id=stored.get("parent_id"),
        url=stored.get("url", ""),
        tags=tuple(tag for tag in stored.get("tags", "").split(",") if tag),
        heading=stored.get("heading", ""),
        title_generated=stored.get("title_generated", False),
        date_precision=stored.get("date_precision", ""),
    )
