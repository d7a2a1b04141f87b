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

import operator
import re
import threading
import unicodedata
import zlib
from array import array
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import compress, filterfalse
from typing import Any, NamedTuple

import numpy as np
from whoosh import query
from whoosh.analysis import Composable, Token
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Characters, Format, Positions
from whoosh.system import _INT_SIZE, pack_uint, unpack_uint

from search.documents import DatePrecision, Document, fingerprints, utc_instant
from search.sorting import ascending_distinct, stable_order

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


def fold(word: str) -> str:
    """Lowercase and strip accents, so ``Günter`` and ``Gunter`` are the same word."""
    word = word.lower()
    return word if word.isascii() else _without_accents(word)


@lru_cache(maxsize=20_000)  # only words with accents: caching every word held ~25 MB per writer process
def _without_accents(word: str) -> str:
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
        return self._english().stemWord(word)

    def _english(self) -> Any:
        """PyStemmer's English stemmer, made when first needed (a C object: the pickled schema holds none)."""
        if self._stemmer is None:
            import Stemmer

            self._stemmer = Stemmer.Stemmer("english")
        return self._stemmer

    @property
    def kind(self) -> str:
        """Which of a text's postings this analyzer's field holds (``TextWords.columns``)."""
        return "stemmed" if self.stem else "exact"

    def term_of_folded(self, folded: str) -> str | None:
        """The term a folded word is indexed as, or None for a stop word or a single letter (stemmed)."""
        return self.terms_of_folded([folded])[0]

    def terms_of_folded(self, folded: list[str]) -> list[str | None]:
        """``term_of_folded`` of each word, the stems made in one call."""
        if not self.stem:
            return folded
        stemmed = [word not in STOP_WORDS and len(word) >= 2 for word in folded]
        stems = iter(self._english().stemWords(list(compress(folded, stemmed))))
        return [next(stems) if kept else None for kept in stemmed]

    def _index_term(self, word: str) -> str | None:
        """The term a word is indexed as, or None for a stop word; cached, since words repeat."""
        term = self._cache.get(word)
        if term is None and word not in self._cache:
            term = self.term_of_folded(fold(word))
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

    @property
    def kind(self) -> str:
        return "pairs"

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
# Hashes are cut to QUOTE_HASH_BITS; the few unrelated documents sharing a hash are weeded out
# when the candidates are checked word by word (search/quotes.py).
# A hash is indexed as its bucket (all but its last QUOTE_MASK_BITS bits), the posting's value a
# 64-bit mask of the last bits the document holds: at most 16,384 terms in a segment. A term per
# hash made some 300,000 terms in a 10,000-document segment at about 146 bytes each, 40% of the index.
QUOTE_SHINGLE = 5
QUOTE_WINDOW = 4
QUOTE_MIN_RUN = QUOTE_SHINGLE + QUOTE_WINDOW - 1
QUOTE_HASH_BITS = 20
QUOTE_MASK_BITS = 6
QUOTE_MASK_TYPE = np.dtype("<u8")  # a posting's value: bit n set when the document holds the bucket's hash n
_QUOTE_MASK = (1 << QUOTE_HASH_BITS) - 1


def quote_words(text: str) -> list[tuple[str, int, int]]:
    """The words of a text, lowercased and accent-folded, with their character spans: punctuation ignored."""
    return [(fold(match.group()), match.start(), match.end()) for match in _WORD.finditer(text)]


# How a run of words is hashed. 1: a CRC-32 of the words joined by spaces (indexes written before the second);
# 2: each word's CRC-32 combined in numpy (``_combined``), which took the fingerprints from 12% of a writer's
# time to ~4%. An index's schema says which its fingerprints use (``FingerprintField.hash_version``).
QUOTE_HASH_VERSION = 2
_SHINGLE_BASE = 0x9E3779B97F4A7C15  # odd: the words' hashes are combined as a polynomial in it (mod 2**64)


def shingle_hash(words: Sequence[str], version: int = QUOTE_HASH_VERSION) -> int:
    """The fingerprint of a run of QUOTE_SHINGLE (folded) words: a process-independent hash cut to QUOTE_HASH_BITS
    (``version``: see QUOTE_HASH_VERSION)."""
    return int(shingle_hashes(words, version)[0])


def shingle_hashes(words: Sequence[str], version: int = QUOTE_HASH_VERSION) -> np.ndarray:
    """The fingerprint (``shingle_hash``) of each QUOTE_SHINGLE neighbouring words of ``words``, in order."""
    shingles = max(len(words) - QUOTE_SHINGLE + 1, 0)
    if version == 1:
        runs = (" ".join(words[start:start + QUOTE_SHINGLE]).encode("utf-8") for start in range(shingles))
        return np.fromiter(map(zlib.crc32, runs), dtype=np.int64, count=shingles) & _QUOTE_MASK
    word_hashes = np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words))
    return _combined(word_hashes, shingles)


def _combined(word_hashes: np.ndarray, shingles: int) -> np.ndarray:
    """Each QUOTE_SHINGLE neighbouring words' hash (version 2), from each word's CRC-32."""
    combined = np.zeros(shingles, dtype=np.uint64)
    base = np.uint64(_SHINGLE_BASE)
    for offset in range(QUOTE_SHINGLE):
        combined = combined * base + word_hashes[offset:offset + shingles]  # wraps modulo 2**64
    return _mixed(combined)


def _mixed(combined: np.ndarray) -> np.ndarray:
    """The top QUOTE_HASH_BITS of each number after MurmurHash3's finaliser (so every word's bits count)."""
    mixed = combined ^ (combined >> np.uint64(33))
    mixed *= np.uint64(0xFF51AFD7ED558CCD)
    mixed ^= mixed >> np.uint64(33)
    mixed *= np.uint64(0xC4CEB9FE1A85EC53)
    mixed ^= mixed >> np.uint64(33)
    return (mixed >> np.uint64(64 - QUOTE_HASH_BITS)).astype(np.int64)


def quote_fingerprints(text: str, version: int = QUOTE_HASH_VERSION) -> np.ndarray:
    """The winnowed shingle hashes of a text, ascending: what the ``quotes`` field indexes (``shingle_hash``
    of each run, ``TextWords.fingerprints``)."""
    return text_words(text).fingerprints(version)[1]


def fingerprint_buckets(hashes: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
    """Fingerprints as the ``quotes`` field holds them: the distinct buckets (ascending) and each one's mask."""
    hashes = np.unique(np.fromiter(hashes, dtype=np.int64))
    _, buckets, masks = _bucketed(np.zeros(len(hashes), dtype=np.int64), hashes)
    return buckets, masks


def _bucketed(docs: np.ndarray, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each document's distinct hashes (documents ascending, each one's hashes ascending) as (document, bucket,
    mask) triples."""
    buckets = hashes >> QUOTE_MASK_BITS
    bits = np.left_shift(np.uint64(1), (hashes & ((1 << QUOTE_MASK_BITS) - 1)).astype(np.uint64))
    if not len(hashes):
        return docs, buckets, bits
    firsts = np.flatnonzero(np.concatenate(([True], (buckets[1:] != buckets[:-1]) | (docs[1:] != docs[:-1]))))
    return docs[firsts], buckets[firsts], np.bitwise_or.reduceat(bits, firsts)


def bucket_term(bucket: int) -> str:
    """The ``quotes`` term of a fingerprint bucket."""
    return f"{bucket:04x}"


class FingerprintAnalyzer(_StatelessAnalyzer):
    """A body as its quotation fingerprints' buckets (see ``fingerprint_buckets``), one token each, no positions."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: Any):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        buckets = fingerprint_buckets(quote_fingerprints(value))[0].tolist() if tokenize else None
        for term in map(bucket_term, buckets) if tokenize else [value]:
            token.text = term
            yield token


# Set in a posting value's count when its numbers are 2-byte (all below 65,536: any text under some 65,000
# characters): positions and offsets take half the room. A count never reaches it, so values written
# before it existed read the same.
NARROW = 1 << 31


class FastPositions(Positions):
    """Whoosh's Positions format packed as an array: the occurrence count, then the positions as unsigned ints
    (2-byte where they all fit, ``NARROW``).

    A phrase check reads the positions with one C-level copy instead of unpickling deltas.
    """

    def encode(self, positions: Sequence[int]) -> bytes:
        return _packed(len(positions), positions)

    def _numbers(self, value: bytes, lists: int) -> tuple[int, array]:
        count = unpack_uint(value[:_INT_SIZE])[0]
        numbers = array("H" if count & NARROW else "I")
        count &= NARROW - 1
        numbers.frombytes(value[_INT_SIZE:_INT_SIZE + lists * count * numbers.itemsize])
        return count, numbers

    def decode_positions(self, value: bytes) -> list[int]:
        return self._numbers(value, 1)[1].tolist()

    def decode_frequency(self, value: bytes) -> int:
        return unpack_uint(value[:_INT_SIZE])[0] & (NARROW - 1)

    def combine(self, values: list[bytes]) -> bytes:
        return self.encode(sorted({position for value in values for position in self.decode_positions(value)}))


class FastCharacters(FastPositions, Characters):
    """Whoosh's Characters format packed as arrays: the count, then the positions, start and end offsets.

    A snippet reads the offsets with one C-level copy instead of a pickled tuple per occurrence.
    """

    def encode(self, occurrences: list[tuple[int, int, int]]) -> bytes:
        positions, starts, ends = zip(*occurrences, strict=True)
        return _packed(len(occurrences), positions + starts + ends)

    def decode_characters(self, value: bytes) -> list[tuple[int, int, int]]:
        count, numbers = self._numbers(value, 3)
        return list(zip(numbers[:count], numbers[count:2 * count], numbers[2 * count:], strict=True))

    def combine(self, values: list[bytes]) -> bytes:
        return self.encode(sorted({item for value in values for item in self.decode_characters(value)}))


def _packed(count: int, numbers: Sequence[int]) -> bytes:
    if max(numbers, default=0) < 65536:
        return pack_uint(count | NARROW) + array("H", numbers).tobytes()
    return pack_uint(count) + array("I", numbers).tobytes()


class ColumnIndexed:
    """A field that gives a run of documents' postings column by column (``index_batch``), for the batch writer;
    Whoosh's own ``index`` (its writer, merges) reads the same columns, so both write the same postings."""

    format: Any

    def index_batch(self, values: Sequence[Any]) -> FieldColumns:
        """The postings of documents holding ``values`` (each a document's, in order)."""
        raise NotImplementedError

    def index(self, value: str, **kwargs: Any):
        """Whoosh's (term, frequency, weight, value) per term."""
        columns = self.index_batch([value])
        boost, offset = self.format.field_boost, 0
        for term, count, length in zip(columns.terms_of(columns.keys), columns.frequencies.tolist(),
                                       columns.value_lengths.tolist(), strict=True):
            yield term, count, count * boost, columns.values[offset:offset + length]
            offset += length


class IndexedText(ColumnIndexed, TEXT):
    """A text field whose postings come from ``texts_words``: a body is read once for all its fields.

    With ``chars`` its postings also hold character offsets, which highlights and snippets read;
    without, positions only (phrase checks), and highlights analyse the shown documents' stored
    text again (``TextWords.occurrences``).
    """

    def __init__(self, analyzer: WordAnalyzer, chars: bool = False, **options: Any) -> None:
        super().__init__(analyzer=analyzer, chars=chars, **options)
        self.format = (FastCharacters if chars else FastPositions)(field_boost=self.format.field_boost)

    def index_batch(self, values: Sequence[str]) -> FieldColumns:
        return texts_words(values).columns(self.analyzer.kind, self.format.supports("characters"))


class Identifier(ColumnIndexed, ID):
    """An ID field (each value one term, as written) indexed a batch of documents at a time."""

    def index_batch(self, values: Sequence[str]) -> FieldColumns:
        for value in values:
            if not isinstance(value, str):
                raise ValueError(f"{value!r} is not a string")
        count = len(values)
        return FieldColumns(np.arange(count), np.arange(count), _TableTerms([value.encode() for value in values]),
                            np.ones(count, dtype=np.int64), np.zeros(count, dtype=np.int64), b"")


class FingerprintMasks(Format):
    """A ``quotes`` posting's value: the mask of the bucket's hashes the document holds (``fingerprint_buckets``)."""

    posting_size = QUOTE_MASK_TYPE.itemsize


class FingerprintField(ColumnIndexed, ID):
    """A body's quotation fingerprints as bucket terms (``bucket_term``), each posting holding its mask."""

    hash_version = 1  # what a schema pickled before versions read as

    def __init__(self) -> None:
        super().__init__(analyzer=FINGERPRINTS)
        self.format = FingerprintMasks(field_boost=self.format.field_boost)
        self.hash_version = QUOTE_HASH_VERSION

    def index_batch(self, values: Sequence[str]) -> FieldColumns:
        docs, buckets, masks = _bucketed(*texts_words(values).fingerprints(self.hash_version))
        return FieldColumns(docs, buckets, _bucket_terms, np.bitwise_count(masks).astype(np.int64),
                            np.full(len(buckets), QUOTE_MASK_TYPE.itemsize, dtype=np.int64),
                            masks.astype(QUOTE_MASK_TYPE).tobytes())


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

    @staticmethod
    def postings_key(value: GivenDate) -> tuple[date, DatePrecision]:
        """What ``index`` reads of a value (the batch writer analyses a key once)."""
        return value.instant.date(), value.precision

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


# --- indexing: each text read once for all of its fields ------------------------------------------------------

_WORD_PIECES = re.compile(f"({_WORD.pattern})")  # split() keeps the words: separator, word, separator, ...
_VOCABULARY_LIMIT = 300_000  # word forms remembered between documents (about 30 MB)
TEXT_SEPARATOR = "\n"  # between texts analysed together (``TextWords``): never inside a word
CACHED_CHARS = 1_000_000  # texts whose words are kept (``_TextCache``): a writer's batch (search.codec.BATCH_CHARS)


class _Vocabulary:
    """Every word form met so far, numbered, with its exact term, stem and stop-word flag by number.

    A text's words become numbers once; each field then groups numbers with numpy
    instead of building a dict of lists per field. The numbering only has to hold
    while one document is written, so the vocabulary starts afresh when it grows too big.
    """

    def __init__(self) -> None:
        self.numbers = _Numbering()
        self.exact_numbers: dict[str, int] = {}
        self.exact_terms: list[bytes] = []
        self._exact_hashes = array("Q")  # each exact term's CRC-32, made when asked (``exact_hashes``)
        self.stem_numbers: dict[str, int] = {}
        self.stem_terms: list[bytes] = []
        # Term keys to terms, one object each (the batch writer tells a vocabulary's keys apart by it).
        self.exact_resolver = _TableTerms(self.exact_terms)
        self.stem_resolver = _TableTerms(self.stem_terms)
        self.pair_resolver = _PairTerms(self.exact_terms)
        self.exact_of = np.zeros(1024, dtype=np.int64)
        self.stem_of = np.zeros(1024, dtype=np.int64)  # -1: a stop word or a single letter, not indexed stemmed
        self.stop_of = np.zeros(1024, dtype=np.bool_)

    def exact_hashes(self) -> np.ndarray:
        """Each exact term's CRC-32 (what version 2 of the shingle hash combines), by term number."""
        hashes = self._exact_hashes
        if len(hashes) < len(self.exact_terms):
            hashes.extend(map(zlib.crc32, self.exact_terms[len(hashes):]))
        return np.frombuffer(hashes, dtype=np.uint64)

    def numbered(self, words: list[str]) -> np.ndarray:
        """The words' numbers, in one pass over them: a new word is numbered as it is met, and the words new to the
        vocabulary get their terms afterwards, together."""
        numbers = self.numbers
        first = len(numbers)
        found = np.fromiter(map(numbers.__getitem__, words), dtype=np.int64, count=len(words))
        if len(numbers) > first:
            self._add(numbers.since(first))
        return found

    def _add(self, words: list[str]) -> None:
        """Words just numbered, in number order: each one's exact term, stem and stop-word flag, a list at a time
        (stems in one call)."""
        end = len(self.numbers)
        first = end - len(words)
        if end > len(self.exact_of):
            size = max(2 * len(self.exact_of), end)
            self.exact_of, self.stem_of = np.resize(self.exact_of, size), np.resize(self.stem_of, size)
            self.stop_of = np.resize(self.stop_of, size)
        exact = list(map(fold, words))
        self.exact_of[first:end] = _term_numbers(exact, self.exact_numbers, self.exact_terms)
        stems = STEMMED.terms_of_folded(exact)
        stemmed = [stem for stem in stems if stem is not None]
        found = iter(_term_numbers(stemmed, self.stem_numbers, self.stem_terms))
        self.stem_of[first:end] = [-1 if stem is None else next(found) for stem in stems]
        self.stop_of[first:end] = [term in STOP_WORDS for term in exact]


class _Numbering(dict[str, int]):
    """Word form -> number, a word not met before taking the next number as it is looked up."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []  # by number

    def __missing__(self, word: str) -> int:
        number = self[word] = len(self.words)
        self.words.append(word)
        return number

    def since(self, first: int) -> list[str]:
        """The words numbered from ``first`` on."""
        return self.words[first:]


def _term_numbers(terms: list[str], numbers: dict[str, int], table: list[bytes]) -> list[int]:
    """Each term's number in ``table`` (its UTF-8 bytes), new ones added."""
    for term in dict.fromkeys(filterfalse(numbers.__contains__, terms)):
        numbers[term] = len(table)
        table.append(term.encode("utf-8"))
    return list(map(numbers.__getitem__, terms))


class _TableTerms:
    """The terms of a vocabulary's numbers."""

    def __init__(self, terms: list[bytes]) -> None:
        self.terms = terms

    def __call__(self, keys: np.ndarray) -> list[bytes]:
        return list(map(self.terms.__getitem__, keys.tolist()))


class _PairTerms(_TableTerms):
    """The pair terms (``b"of blood"``) of keys made of two word numbers (first << 32 | second)."""

    def __call__(self, keys: np.ndarray) -> list[bytes]:
        terms = self.terms
        return [terms[key >> 32] + b" " + terms[key & 0xFFFFFFFF] for key in keys.tolist()]


def _bucket_terms(keys: np.ndarray) -> list[bytes]:
    """The ``quotes`` terms of fingerprint buckets (``bucket_term``)."""
    return [b"%04x" % key for key in keys.tolist()]


class FieldColumns(NamedTuple):
    """One field's postings of a run of documents, column by column, documents in order: what the batch writer
    stores.

    Terms come as numbers (``keys``) and the function that turns numbers into terms, so the writer
    turns each distinct term into bytes once per segment rather than each posting.
    """

    docs: np.ndarray  # each posting's document: its number in the run
    keys: np.ndarray
    terms_of: Callable[[np.ndarray], list[bytes]]
    frequencies: np.ndarray  # occurrences per posting
    value_lengths: np.ndarray  # bytes of each posting's encoded value
    values: bytes  # the encoded values, one after another

    def lengths(self, documents: int) -> np.ndarray:
        """Each of the run's ``documents``' field length: its occurrences."""
        return np.bincount(self.docs, weights=self.frequencies, minlength=documents).astype(np.int64)


class TextWords:
    """The words of one or more texts, analysed together as one string, as numbers: each word's text, position and
    character span. Each field's postings of all the texts come from them in one numpy pass (``columns``), as do
    the texts' quotation fingerprints (``fingerprints``) and the spans of a shown text's matched words
    (``occurrences``).
    """

    def __init__(self, texts: Sequence[str], vocabulary: _Vocabulary) -> None:
        joined = TEXT_SEPARATOR.join(texts)
        pieces = _WORD_PIECES.split(joined)
        words = pieces[1::2]
        count = len(words)
        bounds = np.cumsum(np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)))
        spans = np.fromiter((len(text) + len(TEXT_SEPARATOR) for text in texts), dtype=np.int64, count=len(texts))
        text_starts = np.cumsum(spans) - spans
        starts = bounds[0::2][:count]
        self.vocabulary = vocabulary
        self.docs = np.searchsorted(text_starts, starts, side="right") - 1  # each word's text
        self.starts = starts - text_starts[self.docs]
        self.ends = bounds[1::2] - text_starts[self.docs]
        counts = np.bincount(self.docs, minlength=len(texts))
        self.firsts = np.cumsum(counts) - counts  # each text's first word
        numbers = vocabulary.numbered(words)
        self.exact = vocabulary.exact_of[numbers]
        self.stems = vocabulary.stem_of[numbers]
        self.stops = vocabulary.stop_of[numbers]
        # Words past a VALUE_BREAK (a title's heading) sit VALUE_GAP positions further on (once per gap between
        # words), and a pair never spans one; nor two texts: each text's first word counts as past a break.
        self.breaks = np.zeros(count, dtype=np.bool_)
        self.gaps: np.ndarray | int = 0
        if VALUE_BREAK in joined:
            self.breaks[:] = [VALUE_BREAK in separator for separator in pieces[0:-1:2]]
            for first in self.firsts[counts > 0].tolist():  # only the separator's part in the word's own text
                self.breaks[first] = VALUE_BREAK in joined[text_starts[self.docs[first]]:starts[first]]
            self.gaps = self._within_texts(np.cumsum(self.breaks)) * VALUE_GAP
        self.positions = np.arange(count) - self.firsts[self.docs] + self.gaps
        self.breaks[self.firsts[counts > 0]] = True

    def _within_texts(self, running: np.ndarray) -> np.ndarray:
        """A running count over all the words as counted from each word's own text's start."""
        return running - np.concatenate(([0], running))[self.firsts][self.docs]

    def _stemmed_positions(self) -> np.ndarray:
        """Each word's position in the stemmed field, where stop words take none (meaningless for them)."""
        return self._within_texts(np.cumsum(self.stems >= 0)) - 1 + self.gaps

    def field_words(self, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The terms (as numbers) the stemmed (``"stemmed"``), as-written (``"exact"``) or common-pair (``"pairs"``)
        field indexes, in text order, with their positions and the index of each one's (first) word."""
        if kind == "exact":
            return self.exact, self.positions, np.arange(len(self.exact))
        if kind == "stemmed":
            kept = self.stems >= 0
            return self.stems[kept], self._stemmed_positions()[kept], np.flatnonzero(kept)
        # a pair of neighbours of which one is a stop word, at the first one's position, never across a break
        paired = (self.stops[:-1] | self.stops[1:]) & ~self.breaks[1:]
        first = np.flatnonzero(paired)
        return (self.exact[first] << 32) | self.exact[first + 1], self.positions[first], first

    def columns(self, kind: str, chars: bool) -> FieldColumns:
        """The postings of the stemmed, as-written or common-pair field (see ``field_words``), with ``chars``
        each word's start and end offsets too (never a pair's)."""
        terms, positions, words = self.field_words(kind)
        vocabulary = self.vocabulary
        table = {"exact": vocabulary.exact_resolver, "stemmed": vocabulary.stem_resolver,
                 "pairs": vocabulary.pair_resolver}[kind]
        return _grouped(self.docs[words], terms, table, positions,
                        (self.starts[words], self.ends[words]) if chars else None)

    def fingerprints(self, version: int = QUOTE_HASH_VERSION) -> tuple[np.ndarray, np.ndarray]:
        """The texts' winnowed shingle hashes (``shingle_hash`` of each QUOTE_SHINGLE neighbours, the smallest of
        each QUOTE_WINDOW neighbouring shingles): (text, hash) pairs, texts ascending, each one's hashes distinct
        and ascending."""
        shingles = len(self.exact) - QUOTE_SHINGLE + 1
        if shingles < 1:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if version == 1:  # indexes written before version 2: seldom, so through the words themselves
            terms = self.vocabulary.exact_terms
            hashes = shingle_hashes([terms[number].decode() for number in self.exact.tolist()], version)
        else:
            hashes = _combined(self.vocabulary.exact_hashes()[self.exact], shingles)
        docs = self.docs[:shingles]
        counts = np.bincount(self.docs, minlength=len(self.firsts)) - QUOTE_SHINGLE + 1  # each text's shingles
        own = (np.arange(shingles) - self.firsts[docs]).astype(np.int64)  # a shingle's number in its text
        # A text of more than QUOTE_WINDOW shingles keeps the smallest of each QUOTE_WINDOW neighbours, one of
        # fewer keeps them all.
        windows = max(shingles - QUOTE_WINDOW + 1, 0)
        smallest = np.minimum.reduce([hashes[offset:offset + windows] for offset in range(QUOTE_WINDOW)])
        winnowed = counts[docs] > QUOTE_WINDOW
        chosen = np.where(winnowed[:windows], smallest, hashes[:windows]) if windows else hashes[:0]
        chosen = np.concatenate((chosen, hashes[windows:]))
        kept = np.where(winnowed, own < counts[docs] - QUOTE_WINDOW + 1, own < counts[docs])
        found = ascending_distinct((docs[kept] << QUOTE_HASH_BITS) | chosen[kept])
        return found >> QUOTE_HASH_BITS, found & _QUOTE_MASK

    def occurrences(self, kind: str, terms: Iterable[str]) -> dict[str, list[tuple[int, int, int]]]:
        """Those of ``terms`` the stemmed (``"stemmed"``) or as-written (``"exact"``) field of a single text holds,
        each with its (position, start, end) list in text order: the character spans of a field's words, which its
        postings do not keep. Only the wanted words' positions are worked out."""
        numbers = self.vocabulary.stem_numbers if kind == "stemmed" else self.vocabulary.exact_numbers
        wanted = {number: term for term in terms if (number := numbers.get(term)) is not None}
        if not wanted:
            return {}
        word_terms = self.stems if kind == "stemmed" else self.exact  # a stem of -1 (a stop word) is never wanted
        if len(wanted) <= 8:
            hits = np.zeros(len(word_terms), dtype=np.bool_)
            for number in wanted:
                hits |= word_terms == number
        else:  # a wildcard's many words, by bisection (np.isin sorts both sides every time)
            ordered = np.array(sorted(wanted), dtype=np.int64)
            hits = ordered[np.searchsorted(ordered, word_terms).clip(max=len(ordered) - 1)] == word_terms
        matched = np.flatnonzero(hits)
        if not len(matched):
            return {}
        positions = self._stemmed_positions() if kind == "stemmed" else self.positions
        found: dict[str, list[tuple[int, int, int]]] = {}
        for number, position, start, end in zip(word_terms[matched].tolist(), positions[matched].tolist(),
                                                self.starts[matched].tolist(), self.ends[matched].tolist(),
                                                strict=True):
            found.setdefault(wanted[number], []).append((position, start, end))
        return found


def _grouped(docs: np.ndarray, terms: np.ndarray, table: Callable[[np.ndarray], list[bytes]], positions: np.ndarray,
             spans: tuple[np.ndarray, np.ndarray] | None) -> FieldColumns:
    """Occurrences (``docs`` ascending) grouped by document and term, each posting's value packed as
    ``FastPositions`` (``FastCharacters`` with ``spans``, the start and end offsets) does: the count, then the
    positions (starts, ends), as 2-byte numbers (``NARROW``) where all of the document's in the field fit."""
    if not len(terms):
        empty = np.zeros(0, dtype=np.int64)
        return FieldColumns(empty, empty, table, empty, empty, b"")
    order = _document_term_order(docs, terms)
    docs, terms = docs[order], terms[order]
    firsts = np.flatnonzero(np.concatenate(([True], (terms[1:] != terms[:-1]) | (docs[1:] != docs[:-1]))))
    counts = np.diff(np.append(firsts, len(terms)))
    lists = 1 if spans is None else 3
    # Built in 2-byte units: the count takes 2 (4 bytes, big-endian as ``pack_uint``), each number 1 or 2.
    largest = positions if spans is None else np.maximum(positions, spans[1])
    doc_firsts = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))
    wide_docs = np.maximum.reduceat(largest[order], doc_firsts) >= 65536
    wide = np.repeat(wide_docs, np.diff(np.append(doc_firsts, len(docs))))[firsts]  # per posting
    units = 1 + wide
    sizes = 2 + lists * counts * units
    value_starts = np.cumsum(sizes) - sizes
    values = np.empty(int(sizes.sum()), dtype=np.uint16)
    count_units = np.where(wide, counts, counts | NARROW).astype(">u4").view(np.uint16).reshape(len(firsts), 2)
    values[value_starts] = count_units[:, 0]
    values[value_starts + 1] = count_units[:, 1]
    posting_of = np.repeat(np.arange(len(firsts)), counts)
    occurrence_units = units[posting_of]
    slots = value_starts[posting_of] + 2 + (np.arange(len(terms)) - firsts[posting_of]) * occurrence_units
    step = counts[posting_of] * occurrence_units  # from a position to its start, and on to its end
    numbers = [positions[order]] if spans is None else [positions[order], spans[0][order], spans[1][order]]
    high = np.flatnonzero(occurrence_units == 2) if wide.any() else None
    for part, number in enumerate(numbers):
        at = slots + part * step
        values[at] = number & 0xFFFF  # a 4-byte number is little-endian: low half, then high
        if high is not None:
            values[at[high] + 1] = number[high] >> 16
    return FieldColumns(docs[firsts], terms[firsts], table, counts, 2 * sizes, values.tobytes())


def _document_term_order(docs: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """The order that sorts occurrences by document, then term, each term's in text order."""
    term_bits = int(terms.max()).bit_length()
    if term_bits + int(docs[-1]).bit_length() < 63:  # one key: one sort
        return stable_order((docs << term_bits) | terms)
    return np.lexsort((terms, docs))


class _TextCache:
    """The texts analysed last (up to CACHED_CHARS characters), so a body is read once for its stemmed, exact,
    pair and quotation fields, in one document or a writer's batch of them.

    A server's threads analyse shown documents at once: the lock keeps them from numbering two words alike.
    """

    def __init__(self) -> None:
        self.vocabulary = _Vocabulary()
        self.runs: dict[tuple[int, ...], tuple[Sequence[str], TextWords, int]] = {}
        self.chars = 0
        self.lock = threading.Lock()

    def words(self, texts: Sequence[str]) -> TextWords:
        key = tuple(map(id, texts))
        with self.lock:
            cached = self.runs.get(key)
            if cached is not None and all(map(operator.is_, cached[0], texts)):
                return cached[1]
            if len(self.vocabulary.numbers) > _VOCABULARY_LIMIT:
                self._start_afresh()
            words = TextWords(texts, self.vocabulary)
            size = sum(map(len, texts))
            while self.runs and self.chars + size > CACHED_CHARS:
                self.chars -= self.runs.pop(next(iter(self.runs)))[2]
            self.runs[key] = (list(texts), words, size)
            self.chars += size
            return words

    def forget(self) -> None:
        with self.lock:
            self._start_afresh()

    def forget_texts(self) -> None:
        with self.lock:
            self.runs, self.chars = {}, 0

    def _start_afresh(self) -> None:
        self.vocabulary, self.runs, self.chars = _Vocabulary(), {}, 0


_TEXTS = _TextCache()


def forget_words() -> None:
    """Start the word numbering afresh: a writer calls this once a segment's postings, which hold the numbers
    until they are written, are written. The vocabulary of a whole run held ~50 MB per writer process at
    50,000 documents; a segment's is a fraction of that."""
    _TEXTS.forget()


def forget_texts() -> None:
    """Let go of the texts' words kept (not the numbering): a writer calls this once a batch is written, whose
    texts will not be asked again (some 10 MB of arrays per writer process)."""
    _TEXTS.forget_texts()


def text_words(text: str) -> TextWords:
    """A text's words, for highlights and quotations; the same string object asked again is not read again."""
    return _TEXTS.words([text])


def texts_words(texts: Sequence[str]) -> TextWords:
    """Several texts' words, analysed together, for indexing them; the same texts asked again are not read again."""
    return _TEXTS.words(texts)


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
        id=Identifier(stored=True, unique=True, sortable=True),  # sortable: author exchanges read ids as a column
        kind=Identifier(stored=True, sortable=True),
        article_id=Identifier(stored=True, sortable=True),
        parent_id=Identifier(stored=True, sortable=True),
        source=Identifier(stored=True),
        position=STORED,
        # Character offsets (chars) only where plain words are highlighted: finding those again in every shown
        # document took a one-word page from 7 to 18 CPU ms at 10,000 documents. The as-written fields (phrases,
        # wildcards, fuzzy terms) keep positions only, 11% of the index, and their words are found again in the
        # shown documents (search.results.matched_occurrences; issue 13, measured).
        title=IndexedText(STEMMED, chars=True, stored=True, field_boost=2.0),
        title_exact=IndexedText(EXACT),
        heading=IndexedText(STEMMED, stored=True),
        title_generated=STORED,
        date_precision=STORED,
        fingerprint=KEYWORD(scorable=False),
        body=IndexedText(STEMMED, chars=True, stored=True),
        body_exact=IndexedText(EXACT, spelling=True),
        body_pairs=IndexedText(PAIRS),
        quotes=FingerprintField(),
        author=TEXT(analyzer=AUTHOR, stored=True),
        author_name=Identifier(sortable=True),
        date=CalendarDate(stored=True, sortable=True),
        year=NUMERIC(sortable=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True),
        url=STORED,
        source_state=STORED,
    )


def document_fields(document: Document) -> dict[str, Any]:
    title = searchable_title(document)  # one string for both title fields, so it is read once (``text_words``)
    fields: dict[str, Any] = {
        "id": document.id,
        "kind": document.kind,
        "article_id": document.article_id,
        "source": document.source,
        "position": document.position,
        # A comment's own heading (a debate point's headline) is searched as part of its title.
        "title": title,
        "_stored_title": document.title,
        EXACT_FIELD["title"]: title,
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
