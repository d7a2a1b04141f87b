"""From what a person typed to a Whoosh query, with clear errors.

Plain words search the stemmed title and body, all words required. An exact
phrase (``"river of blood"``), a wildcard (``bolshev*``) and a fuzzy term
(``stalinsm~1``) go to the unstemmed copies of those fields, so they match the
words as written, short words and numbers included; a proximity search
(``"germs stalinism"~5``) stays on the stemmed fields, where it is a "near" search.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from whoosh import matching, qparser, query
from whoosh.qparser import syntax
from whoosh.qparser.plugins import FuzzyTermPlugin, PhrasePlugin, PrefixPlugin, WildcardPlugin
from whoosh.searching import Searcher

from search.documents import KINDS
from search.schema import EXACT_FIELD, PAIR_FIELD, build_schema, common_pairs, fold

FIELD_NAMES = {"author": "author", "title": "title", "kind": "kind", "date": "date", "tags": "tags", "tag": "tags",
               "id": "id", "article": "article_id"}
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "″": '"'})
_FIELD_CLAUSE = re.compile(r'"[^"]*"|(?<![\w:])([A-Za-z_]+):(\[[^\]]*\]?|\{[^}]*\}?|"[^"]*"?|[^\s()]*)')
_DATE = r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?"
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
class ParsedQuery:
    text: str
    query: query.Query


def parse(text: str) -> ParsedQuery:
    """Parse a query as a person typed it; raises QueryError naming what is wrong and where."""
    normalized = text.translate(_QUOTES).strip()
    if not normalized:
        raise QueryError("the query is empty")
    _check_balance(normalized)
    _check_fields(normalized)
    try:
        parsed = _parser().parse(normalized)
    except (IndexError, NotImplementedError) as error:  # Whoosh's parser on a stray sign or operator
        raise QueryError("the query could not be understood: check for a stray +, -, < or > or an operator "
                         "with nothing beside it") from error
    if parsed is query.NullQuery:
        raise QueryError("nothing to search for: the query has only very common words or operators")
    return ParsedQuery(normalized, parsed.accept(_exact_phrase))


def _exact_phrase(node: query.Query) -> query.Query:
    if type(node) is query.Phrase and node.slop <= 1 and node.fieldname in EXACT_FIELD.values():
        return ExactPhrase(node.fieldname, node.words, boost=node.boost, char_ranges=node.char_ranges)
    return node


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
        pieces = _phrase_pieces(self.fieldname, words, PAIR_FIELD.get(self.fieldname) in searcher.schema)
        if any((fieldname, term) not in reader for _, fieldname, term in pieces):
            return matching.NullMatcher()
        found = _PhraseMatcher(lambda: [(offset, query.Term(fieldname, term).matcher(searcher, context))
                                        for offset, fieldname, term in pieces])
        return matching.WrappingMatcher(found, boost=self.boost) if self.boost != 1.0 else found


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


def _check_balance(text: str) -> None:
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
        if field == "kind" and value.lower() not in KINDS:
            raise QueryError(f"kind must be {' or '.join(KINDS)}, not '{value}'", match.start(2))


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


@lru_cache(maxsize=1)
def _parser() -> qparser.QueryParser:
    parser = qparser.MultifieldParser(["title", "body"], build_schema(), group=qparser.AndGroup)
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
    six letters or more), which keeps the walk through the word list short.
    """
    field = EXACT_FIELD["body"]
    corrector = searcher.corrector(field)
    reader = searcher.reader()
    corrected, changed = text.translate(_QUOTES), False
    for word in words_of(text):
        folded = fold(word)
        frequency = reader.doc_frequency(field, folded)
        if frequency > _RARE:
            continue
        candidates = corrector.suggest(folded, limit=3, maxdist=2 if len(folded) > 5 else 1, prefix=1)
        best = max(candidates, key=lambda candidate: reader.doc_frequency(field, candidate), default=None)
        if best and best != folded and reader.doc_frequency(field, best) >= max(1, frequency * _COMMONER):
            corrected = re.sub(rf"(?<![\w:]){re.escape(word)}(?!\w)", best, corrected, count=1)
            changed = True
    return corrected if changed else None
