"""From what a person typed to a Whoosh query, with clear errors.

Plain words search the stemmed title and body, all words required. An exact
phrase (``"river of blood"``), a wildcard (``bolshev*``) and a fuzzy term
(``stalinsm~1``) go to the unstemmed copies of those fields, so they match the
words as written, short words and numbers included; a proximity search
(``"germs stalinism"~5``) stays on the stemmed fields, where it is a "near" search.

Every query stays within a budget (``QueryLimits``): its length, words and
nesting are checked here, and how many index words its wildcards, fuzzy terms
and ranges stand for is checked against a searcher (``check_expansion``). A
fuzzy term keeps its first letter and needs a word long enough for its edits;
a word may not open with a wildcard, except ``*`` alone, which means every
document.
"""

from __future__ import annotations

import calendar
import difflib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import islice
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import matching, qparser, query
from whoosh.qparser import syntax
from whoosh.qparser.plugins import FuzzyTermPlugin, PhrasePlugin, PrefixPlugin, WildcardPlugin
from whoosh.searching import Searcher

from search.documents import KINDS
from search.schema import AUTHOR, EXACT_FIELD, NO_AUTHOR, PAIR_FIELD, build_schema, common_pairs, fold
from search.store import SEGMENT_CACHE, segment_readers

FIELD_NAMES = {"author": "author", "title": "title", "kind": "kind", "date": "date", "tags": "tags", "tag": "tags",
               "id": "id", "article": "article_id"}
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "″": '"'})
_FIELD_CLAUSE = re.compile(r'"[^"]*"|(?<![\w:])([A-Za-z_]+):(\[[^\]]*\]?|\{[^}]*\}?|"[^"]*"?|[^\s()]*)')
_DATE = r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?"
_NEGATION = re.compile(r"(?:^|(?<=[\s(]))-\S|\bNOT\b")
_CONTRACTION = re.compile(r"(?<![\w'’:])(?P<field>[A-Za-z_]+:)?(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)+)(?![\w'’])")
_PHRASE_FIELDS = {"title", "author"}  # the fields where an apostrophe's pieces can stand as a phrase
_DATE_VALUE = re.compile(rf"(?:[<>]=?)?{_DATE}|[\[{{]\s*(?:{_DATE})?\s*\bto\b\s*(?:{_DATE})?\s*[\]}}]", re.IGNORECASE)


class QueryError(ValueError):
    """A query that cannot be understood; ``position`` is the character where the trouble starts."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return self.message if self.position is None else f"{self.message} (at character {self.position + 1})"


@dataclass(frozen=True)
class QueryLimits:
    """What one query may cost: the same budget for the command line, the page and the API.

    A query over a limit gets a QueryError saying the limit, except the time
    limit: collecting hits stops there and the page is marked partial.
    """

    max_chars: int = 2000  # characters of query text
    max_words: int = 64  # words, field clauses and operators
    max_depth: int = 10  # parentheses inside parentheses
    max_expansion: int = 200  # index words one wildcard, fuzzy term or range may stand for
    max_total_expansion: int = 600  # ... and all of them in one query together
    seconds: float = 0.5  # time for collecting hits; past it the page shows what was found


DEFAULT_LIMITS = QueryLimits()


def query_limits(given: QueryLimits | dict | None) -> QueryLimits:
    """Limits as configured: a QueryLimits, a dict of some of its fields (the rest default), or None."""
    if given is None or isinstance(given, QueryLimits):
        return given or DEFAULT_LIMITS
    unknown = set(given) - set(QueryLimits.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown query limit {', '.join(sorted(unknown))}; "
                         f"the limits are {', '.join(QueryLimits.__dataclass_fields__)}")
    return QueryLimits(**given)


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    query: query.Query


# What a query may name: the documented fields and the index fields they stand for (never ``source`` & co).
SEARCHABLE_FIELDS = frozenset(FIELD_NAMES.values()) | {"title", "body"} | set(EXACT_FIELD.values())
_WORDS_AND_OPERATORS = re.compile(r'[^\s()"]+')
# Fewest letters a word needs for a fuzzy search of one and of two edits.
_FUZZY_MIN_LETTERS = {1: 3, 2: 6}


def parse(text: str, limits: QueryLimits = DEFAULT_LIMITS) -> ParsedQuery:
    """Parse a query as a person typed it; raises QueryError naming what is wrong and where.

    Checks the parts of the budget that need no index (length, words, nesting,
    fuzzy edits); ``check_expansion`` checks the rest against a searcher.
    """
    normalized = text.translate(_QUOTES).strip()
    if not normalized:
        raise QueryError("the query is empty")
    if len(normalized) > limits.max_chars:
        raise QueryError(f"the query is {len(normalized):,} characters long; the limit is {limits.max_chars:,}")
    words = len(_WORDS_AND_OPERATORS.findall(normalized))
    if words > limits.max_words:
        raise QueryError(f"the query has {words:,} words and operators; the limit is {limits.max_words}. To find "
                         f"passages like a pasted paragraph, use passage search: 'essays similar -' with the text "
                         f"on standard input, /similar?text=... in the browser or /api/similar?text=...")
    _check_balance(normalized, limits.max_depth)
    _check_operators(normalized)
    _check_fields(normalized)
    normalized = _FIELD_CLAUSE.sub(_lowercase_field, normalized)
    parsed = _parse_text(_quote_contractions(normalized))
    if parsed is query.NullQuery and _NEGATION.search(normalized):
        # Only negations ("-union"): everything except what they name, as "NOT union" means.
        parsed = _parse_text(f"* {_quote_contractions(normalized)}")
        if not isinstance(parsed, query.AndNot):
            parsed = query.NullQuery
    if parsed is query.NullQuery:
        raise QueryError("nothing to search for: the query has only very common words or operators")
    _check_leaves(parsed, normalized)
    return ParsedQuery(normalized, parsed.accept(_rewrite))


def _parse_text(text: str) -> query.Query:
    if _PLAIN_WORDS.fullmatch(text) and _default_analyzer() is not None:
        return _plain_words(text)
    try:
        return _parser().parse(text)
    except (IndexError, NotImplementedError) as error:  # Whoosh's parser on a stray sign or operator
        raise QueryError("the query could not be understood: check for a stray +, -, < or > or an operator "
                         "with nothing beside it") from error


_PLAIN_WORDS = re.compile(r"[a-z]+(?: [a-z]+)*")


def _plain_words(text: str) -> query.Query:
    """What the parser makes of lowercase words alone (each in the title or the body, all of them required,
    stop words left out), built directly: Whoosh's parser takes 0.2-0.5 ms to come to the same query."""
    clauses = []
    for word in text.split(" "):
        terms = _default_analyzer().terms(word)
        if terms:
            clauses.append(query.Or([query.Term(fieldname, terms[0]) for fieldname in _DEFAULT_FIELDS]))
    return query.And(clauses).normalize() if clauses else query.NullQuery


def _quote_contractions(text: str) -> str:
    """Words with an inner apostrophe (``can't``, ``O'Brien``) as exact phrases, outside quotes.

    Split at the apostrophe, their pieces are often stop words or single letters
    that the stemmed fields leave out, so ``can't`` would find nothing to search.
    """
    def quoted(match: re.Match[str]) -> str:
        field = match["field"] or ""
        if field and FIELD_NAMES.get(field[:-1].lower()) not in _PHRASE_FIELDS:
            return match[0]
        return f'{field}"{match["word"]}"'

    pieces = re.split(r'("[^"]*")', text)
    return "".join(piece if piece.startswith('"') else _CONTRACTION.sub(quoted, piece) for piece in pieces)


def author_query(name: str) -> query.Query:
    """What ``author:"NAME"`` finds (any case, accents folded, ``PaulHampton`` as ``Paul Hampton``);
    NO_AUTHOR finds the documents with no author."""
    if name == NO_AUTHOR:
        return query.Term("author_name", NO_AUTHOR)
    parts = [token.text for token in AUTHOR(name, mode="query")]
    if len(parts) > 1:
        return query.Phrase("author", parts)
    return query.Term("author", parts[0]) if parts else query.NullQuery


def _rewrite(node: query.Query) -> query.Query:
    """Whoosh's nodes replaced by the faster or bounded ones defined here."""
    if type(node) is query.Phrase and node.slop <= 1 and node.fieldname in EXACT_FIELD.values():
        return ExactPhrase(node.fieldname, node.words, boost=node.boost, char_ranges=node.char_ranges)
    if _matches_any_word(node):
        return query.Every()  # "*" alone: every document, with no walk through the word list
    if type(node) is query.FuzzyTerm:
        return FuzzyWords(node.fieldname, node.text, boost=node.boost, maxdist=node.maxdist, prefixlength=1)
    if type(node) is query.Wildcard:
        return CachedWildcard(node.fieldname, node.text, boost=node.boost)
    if type(node) is query.TermRange and node.fieldname == "date":
        return DateTermRange(node.fieldname, node.start, node.end, node.startexcl, node.endexcl, boost=node.boost,
                             constantscore=node.constantscore)
    if isinstance(node, query.Or) and node.subqueries and all(type(child) is query.Every
                                                               for child in node.subqueries):
        return query.Every()
    return node


def _matches_any_word(node: query.Query) -> bool:
    """``*``, ``?*``, ``**`` in the text fields: any word at all, so any document."""
    if node.field() not in ("title", "body", *EXACT_FIELD.values()):
        return False
    if type(node) is query.Every:
        return True
    return type(node) in (query.Wildcard, query.Prefix) and "*" in node.text and not node.text.strip("*?")


def _check_leaves(parsed: query.Query, text: str) -> None:
    """Only documented fields, and fuzzy terms with few enough edits for their length."""
    for leaf in _leaves_of(parsed):
        fieldname = leaf.field()
        if fieldname is not None and fieldname not in SEARCHABLE_FIELDS:
            raise QueryError(f"unknown field '{fieldname}' (fields: {', '.join(sorted(set(FIELD_NAMES)))})",
                             _position(text, f"{fieldname}:"))
        if isinstance(leaf, (query.Wildcard, query.Prefix)) and leaf.text[:1] in ("*", "?") \
                and not _matches_any_word(leaf):
            raise QueryError(f"'{leaf.text}': a word cannot start with * or ? (that would mean reading every word "
                             f"in the index); put at least one letter first, or search for * alone to see every "
                             f"document", _position(text, leaf.text))
        if isinstance(leaf, query.FuzzyTerm):
            edits = int(leaf.maxdist)
            if edits > max(_FUZZY_MIN_LETTERS):
                raise QueryError(f"'{leaf.text}~{edits}': a fuzzy search allows at most "
                                 f"{max(_FUZZY_MIN_LETTERS)} edits", _position(text, f"{leaf.text}~"))
            if edits and len(leaf.text) < _FUZZY_MIN_LETTERS[edits]:  # ~0 is the word itself
                raise QueryError(f"'{leaf.text}~{edits}' is too short for a fuzzy search: ~1 needs a word of "
                                 f"{_FUZZY_MIN_LETTERS[1]} letters or more, ~2 of {_FUZZY_MIN_LETTERS[2]}",
                                 _position(text, f"{leaf.text}~"))


def _leaves_of(node: query.Query) -> Iterator[query.Query]:
    if node.is_leaf():
        yield node
    else:
        for child in node.children():
            yield from _leaves_of(child)


def _position(text: str, piece: str) -> int | None:
    found = text.lower().find(piece.lower())
    return found if found >= 0 else None


def check_expansion(searcher: Searcher, parsed: ParsedQuery, limits: QueryLimits = DEFAULT_LIMITS) -> None:
    """Raise QueryError when a wildcard, fuzzy term or range stands for more index words than the budget.

    An error rather than a silent cut: a query that quietly left out most of
    ``a*`` would give answers that look complete and are not.
    """
    reader = searcher.reader()
    total = 0
    for leaf in _leaves_of(parsed.query):
        if isinstance(leaf, query.MultiTerm) and leaf.field() is not None:
            words = leaf._btexts(reader)
        elif isinstance(leaf, query.Every) and leaf.fieldname:  # author:* and the like
            words = reader.lexicon(leaf.fieldname)
        else:
            continue
        count = sum(1 for _ in islice(words, limits.max_expansion + 1))
        if count > limits.max_expansion:
            raise QueryError(f"'{_shown(leaf)}' stands for more than {limits.max_expansion} different words in "
                             f"the index; make it more precise (more letters before * or ?, fewer edits)",
                             _position(parsed.text, _shown(leaf)))
        total += count
        if total > limits.max_total_expansion:
            raise QueryError(f"the wildcards, fuzzy words and ranges of this query stand for more than "
                             f"{limits.max_total_expansion} different words in the index together; use fewer "
                             f"or more precise ones")


def parse_within(searcher: Searcher, text: str | ParsedQuery, limits: QueryLimits = DEFAULT_LIMITS) -> ParsedQuery:
    """``parse`` and ``check_expansion`` together: what every door that runs a typed query should call."""
    parsed = text if isinstance(text, ParsedQuery) else parse(text, limits)
    check_expansion(searcher, parsed, limits)
    return parsed


def _shown(leaf: query.Query) -> str:
    if isinstance(leaf, query.FuzzyTerm):
        return f"{leaf.text}~{int(leaf.maxdist)}"
    if isinstance(leaf, query.TermRange):
        return f"[{leaf.start} to {leaf.end}]"
    if isinstance(leaf, query.Every):
        return f"{leaf.fieldname}:*"
    return f"{leaf.text}*" if isinstance(leaf, query.Prefix) else str(leaf.text)


def _words_starting(reader: object, fieldname: str, letter: str) -> list[str]:
    """A segment's words in a field that start with ``letter``, read once: walking Whoosh's term index costs
    10-20 µs a word, too slow to repeat for every fuzzy term or wildcard."""

    def build(segment_reader: object) -> list[str]:
        return [word.decode("utf-8") for word in segment_reader.expand_prefix(fieldname, letter)]

    return SEGMENT_CACHE.get(reader, f"words:{fieldname}:{letter}", build)


class FuzzyWords(query.FuzzyTerm):
    """Words within a few edits of a word, starting with its first letter, found in the cached word list.

    Whoosh's own expansion builds a Levenshtein automaton in Python, about two
    seconds a word at 20,000 documents; a typo rarely touches the first letter.
    """

    def _btexts(self, ixreader: object) -> list[bytes]:
        return [word.encode("utf-8") for word in close_words(ixreader, self.fieldname, self.text, int(self.maxdist))]


def close_words(ixreader: object, fieldname: str, word: str, edits: int) -> list[str]:
    """The index's words in a field within ``edits`` edits of ``word`` (a swap of two letters is one) and
    starting with its first letter, from the cached word lists."""
    found: set[str] = set()
    for reader in segment_readers(ixreader):
        found.update(match for match, _, _ in process.extract(word, _words_starting(reader, fieldname, word[:1]),
                                                               scorer=OSA.distance, score_cutoff=edits, limit=None))
    return sorted(found)


class CachedWildcard(query.Wildcard):
    """A wildcard matched against the cached words that start with its first letter."""

    def _btexts(self, ixreader: object) -> list[bytes]:
        pattern = re.compile(self._get_pattern())
        found: set[str] = set()
        for reader in segment_readers(ixreader):
            found.update(word for word in _words_starting(reader, self.fieldname, self.text[:1])
                         if pattern.match(word))
        return [word.encode("utf-8") for word in sorted(found)]


class DateTermRange(query.TermRange):
    """A range of date terms (``date:[2011-10-20 to 2012]`` is a few of these), found by bisection in each
    segment's date terms, listed once: Whoosh walks its term index for them (some 100 µs a term) to count them
    against the budget, again to estimate sizes, and again for every segment's matcher."""

    def _btexts(self, ixreader: object) -> list[bytes]:
        found: set[bytes] = set()
        for reader in segment_readers(ixreader):
            found.update(word for word, _ in self.segment_terms(reader))
        return sorted(found)

    def estimate_size(self, ixreader: object) -> int:
        return sum(info.doc_frequency() for reader in segment_readers(ixreader)
                   for _, info in self.segment_terms(reader))

    def segment_terms(self, reader: object) -> list[tuple[bytes, object]]:
        """The terms in range that one segment holds, with their term infos (as ``reader.term_info`` gives)."""
        words, infos = field_terms(reader, self.fieldname)
        low, high = self.segment_span(reader)
        return list(zip(words[low:high], infos[low:high], strict=True))

    def segment_span(self, reader: object) -> tuple[int, int]:
        """Where the terms in range lie in the segment's sorted terms (``field_terms``): [low, high)."""
        field = reader.schema[self.fieldname]
        try:
            start = b"" if self.start is None else field.to_bytes(self.start)
            end = b"\xff\xff\xff\xff" if self.end is None else field.to_bytes(self.end)
        except ValueError:  # as TermRange: a bound that is no term matches nothing
            return 0, 0
        words, _ = field_terms(reader, self.fieldname)
        low = (bisect_right if self.startexcl else bisect_left)(words, start)
        high = (bisect_left if self.endexcl else bisect_right)(words, end)
        return low, max(low, high)


def field_terms(reader: object, fieldname: str) -> tuple[list[bytes], list[object]]:
    """A segment's terms in a field, sorted, with their term infos, read once (for small fields: dates)."""

    def build(segment_reader: object) -> tuple[list[bytes], list[object]]:
        pairs = list(segment_reader.iter_field(fieldname)) if fieldname in segment_reader.indexed_field_names() \
            else []
        return [word for word, _ in pairs], [info for _, info in pairs]

    return SEGMENT_CACHE.get(reader, f"terms:{fieldname}", build)


class ExactPhrase(query.Phrase):
    """Words next to each other, checked on the postings' packed positions.

    Whoosh's own phrase matcher builds a Span object per word occurrence and is
    several times slower. This one reads, for each pair of neighbouring words of
    which one is common, the pair's postings (``"the right"``, far shorter than
    ``the``'s), and for every other word its own; it keeps a document where all
    of them line up.
    """

    def matcher(self, searcher: Searcher, context: object = None) -> matching.Matcher:
        reader = searcher.reader()
        words = list(self.words)
        if len(words) < 2 or any((self.fieldname, word) not in reader for word in words):
            return super().matcher(searcher, context)
        pieces = self.pieces(searcher.schema)
        if any((fieldname, term) not in reader for _, fieldname, term in pieces):
            return matching.NullMatcher()
        found = _PhraseMatcher(lambda: [(offset, query.Term(fieldname, term).matcher(searcher, context))
                                        for offset, fieldname, term in pieces])
        return matching.WrappingMatcher(found, boost=self.boost) if self.boost != 1.0 else found


    def pieces(self, schema: object) -> list[tuple[int, str, str]]:
        """(offset in the phrase, field, term) of what the phrase is checked on: the common-word pairs, then
        the words no pair covers. A document matches where all of them line up; its score is their sum."""
        return _phrase_pieces(self.fieldname, list(self.words), PAIR_FIELD.get(self.fieldname) in schema)


def _phrase_pieces(fieldname: str, words: list[str], with_pairs: bool) -> list[tuple[int, str, str]]:
    """(offset in the phrase, field, term) for the common-word pairs, then for the words no pair covers."""
    pairs = set(common_pairs(words)) if with_pairs else set()
    pieces, covered = [], set()
    for offset, (first, second) in enumerate(zip(words, words[1:], strict=False)):
        if f"{first} {second}" in pairs:
            pieces.append((offset, PAIR_FIELD[fieldname], f"{first} {second}"))
            covered.update((offset, offset + 1))
    pieces.extend((offset, fieldname, word) for offset, word in enumerate(words) if offset not in covered)
    return pieces


class _PhraseMatcher(matching.WrappingMatcher):
    """The documents where every piece's postings hold a position at the piece's offset from a common start.

    The child is the intersection of the pieces' matchers, so whenever it stands
    on a document, every piece's matcher stands on it too.
    """

    def __init__(self, postings: Callable[[], list[tuple[int, matching.Matcher]]]) -> None:
        self._postings = postings
        self._pieces = postings()
        together = self._pieces[0][1]
        for _, matcher in self._pieces[1:]:
            together = matching.IntersectionMatcher(together, matcher)
        super().__init__(together)
        self._settle()

    def _in_order_here(self) -> bool:
        starts: set[int] | None = None
        for offset, piece in self._pieces:
            shifted = {position - offset for position in piece.value_as("positions")}
            starts = shifted if starts is None else starts & shifted
            if not starts:
                return False
        return True

    def _settle(self) -> None:
        while self.child.is_active() and not self._in_order_here():
            self.child.next()

    def next(self) -> None:
        self.child.next()
        self._settle()

    def skip_to(self, docnum: int) -> None:
        self.child.skip_to(docnum)
        self._settle()

    def all_ids(self):
        while self.is_active():
            yield self.id()
            self.next()

    def copy(self) -> _PhraseMatcher:
        twin = _PhraseMatcher(self._postings)
        if self.is_active():
            twin.skip_to(self.id())
        return twin

    def reset(self) -> None:
        self.child.reset()
        self._settle()

    def skip_to_quality(self, minquality: float) -> int:
        skipped = self.child.skip_to_quality(minquality)
        self._settle()
        return skipped

    def replace(self, minquality: float = 0) -> matching.Matcher:
        return self if self.is_active() else matching.NullMatcher()


def _check_balance(text: str, max_depth: int) -> None:
    if text.count('"') % 2:
        raise QueryError('a quotation mark is not closed', text.rindex('"'))
    depth, in_quote = 0, False
    opened: list[int] = []
    for position, char in enumerate(text):
        if char == '"':
            in_quote = not in_quote
        elif in_quote:
            continue
        elif char == "(":
            depth += 1
            opened.append(position)
            if depth > max_depth:
                raise QueryError(f"parentheses are nested more than {max_depth} deep", position)
        elif char == ")":
            if depth == 0:
                raise QueryError("a closing parenthesis has no opening one", position)
            depth -= 1
            opened.pop()
    if opened:
        raise QueryError("a parenthesis is not closed", opened[-1])


def _check_fields(text: str) -> None:
    for match in _FIELD_CLAUSE.finditer(text):
        name, value = match.group(1), match.group(2)
        if name is None:  # a quoted phrase: a colon inside it is not a field
            continue
        position = match.start()
        field = FIELD_NAMES.get(name.lower())
        if field is None:
            close = difflib.get_close_matches(name.lower(), FIELD_NAMES, n=1)
            hint = f" (did you mean {close[0]}?)" if close else f" (fields: {', '.join(sorted(set(FIELD_NAMES)))})"
            raise QueryError(f"unknown field '{name}'{hint}", position)
        if not value:
            raise QueryError(f"nothing after '{name}:'", position)
        if field == "date" and not _DATE_VALUE.fullmatch(value):
            raise QueryError(f"'{value}' is not a date: write 2011, 2011-10, 2011-10-21, "
                             f"[2011-10-20 to 2011-10-22] or >2011-10-21", match.start(2))
        if field == "date":
            _check_calendar(value, match.start(2))
        if field == "kind" and value.lower() not in KINDS:
            raise QueryError(f"kind must be {' or '.join(KINDS)}, not '{value}'", match.start(2))


def _lowercase_field(match: re.Match[str]) -> str:
    """A field clause with its name (and a kind's value) in lowercase: ``AUTHOR:Hampton``, ``kind:ARTICLE``."""
    name, value = match.group(1), match.group(2)
    if name is None:  # a quoted phrase
        return match.group(0)
    return f"{name.lower()}:{value.lower() if name.lower() == 'kind' else value}"


_PHRASES = re.compile(r'"[^"]*"?')
_OPERATOR_PAIR = re.compile(r"\b(AND|OR|NOT)\s+(AND|OR)\b")


_LONE_SIGN = re.compile(r"(?:^|(?<=[\s(]))([-+])(?=\s|\)|$)")
_ODD_EDITS = re.compile(r"(?<=\w)~(-|\d+\.\d*|\d*\.\d+)")
_EMPTY_RANGE = re.compile(r"\bdate:[\[{]\s*to\s*[\]}]", re.IGNORECASE)


def _check_operators(text: str) -> None:
    """Slips Whoosh would quietly misread: two operators in a row ("a OR OR b", read as AND), a sign apart from
    its word ("- serge", which excluded nothing), fractional or negative edits ("word~1.5", read as ~1), and a
    date range with no date at either end (every dated document)."""
    bare = _PHRASES.sub(lambda phrase: " " * len(phrase.group(0)), text)
    if found := _OPERATOR_PAIR.search(bare):
        raise QueryError(f"'{found.group(1)} {found.group(2)}': two operators in a row; keep one", found.start())
    if found := _LONE_SIGN.search(bare):
        raise QueryError(f"a '{found.group(1)}' must touch the word it applies to, as in {found.group(1)}word",
                         found.start(1))
    if found := _ODD_EDITS.search(bare):
        raise QueryError("a fuzzy search takes a whole number of edits: ~1 or ~2", found.start())
    if found := _EMPTY_RANGE.search(bare):
        raise QueryError("a date range needs a date at one end at least, as in date:[2011 to] or date:[to 2012]",
                         found.start())


def _check_calendar(value: str, position: int) -> None:
    """Each date a real day, month or year, and a range's start no later than its end."""
    spans = []
    for found in re.finditer(_DATE, value):
        year, month, day = ([int(part) for part in found[0].split("-")] + [None, None])[:3]
        try:
            first = date(year, month or 1, day or 1)
            if 0 in (month, day):
                raise ValueError
        except ValueError:
            raise QueryError(f"'{found[0]}' is not a date: {_calendar_problem(year, month, day)}",
                             position + found.start()) from None
        last_month = month or 12
        last = date(year, last_month, day or calendar.monthrange(year, last_month)[1])
        spans.append((found[0], first, last))
    if value.startswith(("[", "{")) and len(spans) == 2 and spans[0][1] > spans[1][2]:
        raise QueryError(f"the range is reversed: {spans[0][0]} comes after {spans[1][0]}; put the earlier date "
                         f"first", position)


def _calendar_problem(year: int, month: int | None, day: int | None) -> str:
    if year < 1:
        return "there is no year 0"
    if month is not None and not 1 <= month <= 12:
        return f"a month runs from 1 to 12, not {month}"
    return f"{date(year, month or 1, 1):%B %Y} has {calendar.monthrange(year, month or 1)[1]} days, not {day}"


class _ExactTextPlugin(qparser.Plugin):
    """Send exact phrases, wildcards and fuzzy terms to the unstemmed fields."""

    def filters(self, parser: qparser.QueryParser):
        return [(self._redirect, 120)]

    def _redirect(self, parser: qparser.QueryParser, group: syntax.GroupNode) -> syntax.GroupNode:
        for node in group:
            if isinstance(node, syntax.GroupNode):
                self._redirect(parser, node)
            elif self._wants_exact(node) and node.fieldname in EXACT_FIELD:
                node.set_fieldname(EXACT_FIELD[node.fieldname], override=True)
        return group

    @staticmethod
    def _wants_exact(node: syntax.SyntaxNode) -> bool:
        if isinstance(node, PhrasePlugin.PhraseNode):
            return node.slop <= 1
        return isinstance(node, (WildcardPlugin.WildcardNode, PrefixPlugin.PrefixNode, FuzzyTermPlugin.FuzzyTermNode))


_DEFAULT_FIELDS = ("title", "body")  # what words without a field search


@lru_cache(maxsize=1)
def _default_analyzer() -> Any | None:
    """The analyzer the default fields share, or None should they ever stop sharing one (every query then
    goes through the parser)."""
    schema = build_schema()
    first, *others = (schema[fieldname].analyzer for fieldname in _DEFAULT_FIELDS)
    return first if all(other == first for other in others) else None


@lru_cache(maxsize=1)
def _parser() -> qparser.QueryParser:
    parser = qparser.MultifieldParser(list(_DEFAULT_FIELDS), build_schema(), group=qparser.AndGroup)
    # Only the documented field names open a field clause: in "title:position:3" the second name is text,
    # so a stored-only or hidden field can never be named, even behind another.
    names = "|".join(sorted(FIELD_NAMES, key=len, reverse=True))
    parser.replace_plugin(qparser.FieldsPlugin(expr=rf"(?<![\w:])(?P<text>{names}):"))
    # Comparisons only right after a field name, so a stray "<" or ">" in the text is just text.
    parser.add_plugin(qparser.GtLtPlugin(expr=r"(?<=:)(?P<rel>(<=|>=|<|>|=<|=>))"))
    # A sign counts only at the start of a word, so "date:2011-10-21" keeps its hyphens.
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?:^|(?<=[\s(]))\+", minusexpr=r"(?:^|(?<=[\s(]))-"))
    parser.add_plugin(qparser.FuzzyTermPlugin())
    parser.add_plugin(qparser.FieldAliasPlugin({"tags": ["tag"], "article_id": ["article"]}))
    parser.add_plugin(_ExactTextPlugin())
    return parser


def words_of(text: str) -> list[str]:
    """The plain words of a query (no field clauses, phrases or operators): what spelling can correct."""
    stripped = _FIELD_CLAUSE.sub(" ", text.translate(_QUOTES))
    return [word for word in re.findall(r"(?<![\w*~-])[^\W\d_]{3,}(?![\w*~])", stripped)
            if word not in {"AND", "OR", "NOT"}]


_RARE = 2  # a word in at most this many documents may be a misspelling ...
_COMMONER = 10  # ... of a close word in at least this many times as many


def suggest(searcher: Searcher, text: str) -> str | None:
    """The query with unknown or rare words replaced by a much commoner close word; None when nothing changes.

    Candidates share the first letter and lie within one edit (two for words of
    six letters or more), found in the cached word lists like a fuzzy term's.
    """
    field = EXACT_FIELD["body"]
    reader = searcher.reader()
    corrected, changed = text.translate(_QUOTES), False
    for word in words_of(text):
        folded = fold(word)
        frequency = reader.doc_frequency(field, folded)
        if frequency > _RARE:
            continue
        candidates = [candidate for candidate in close_words(reader, field, folded, 2 if len(folded) > 5 else 1)
                      if candidate != folded]
        best = min(candidates, default=None, key=lambda candidate: (OSA.distance(folded, candidate),
                                                                    -reader.doc_frequency(field, candidate)))
        if best and best != folded and reader.doc_frequency(field, best) >= max(1, frequency * _COMMONER):
            corrected = re.sub(rf"(?<![\w:]){re.escape(word)}(?!\w)", best, corrected, count=1)
            changed = True
    return corrected if changed else None
