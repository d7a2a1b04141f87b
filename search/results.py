"""Running a query: ranked hits, snippets, facets and threads, as plain data (no HTML).

Snippets and highlights come from the character offsets the stemmed fields' postings
keep, and, for the fields that keep positions only (the as-written ones), from analysing
the shown documents' stored text again (see ``matched_occurrences``).
"""

from __future__ import annotations

import math
import mmap
import pickle
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
from whoosh import collectors
from whoosh import query as wq
from whoosh.searching import Searcher

from search.bulk import read_ahead, segment_matches, term_postings, values_at
from search.coarse_dates import coarse_dates
from search.documents import Document, untitled_title
from search.postings import segment_postings
from search.query import (
    DEFAULT_LIMITS,
    ParsedQuery,
    QueryError,
    QueryLimits,
    author_query,
    check_expansion,
    parse,
    parse_within,
    suggest,
)
from search.schema import (
    EXACT_FIELD,
    NO_AUTHOR,
    SOURCE_KIND,
    STEMMED,
    author_key,
    fold,
    searchable_title,
    stored_document,
    text_words,
)
from search.store import SEGMENT_CACHE
from search.storedcolumn import STORED_COLUMN, StoredColumnReader

Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest")
SNIPPET_CHARS = 240
# The year facet's value, and a Filters year, for documents with no date.
NO_DATE = "none"
NO_DATE_LABEL = "no date"
# Matching comments shown (with snippets) under each article on a page; the rest are counted.
COMMENTS_PER_GROUP = 20
# A spelling suggestion is looked for only when a query finds at most this many documents.
SUGGEST_BELOW = 5
# The source records kept beside the documents: every search and count leaves them out.
NOT_DOCUMENTS = wq.Term("kind", SOURCE_KIND)
# The sortable fields a search reads for every match (see ``_column``).
_COLUMNS = ("article_id", "kind", "year", "date", "author_name")
_ALL_DATES = wq.TermRange("date", "y0000", "y9999")


@dataclass(frozen=True)
class Highlight:
    """A piece of text and the (start, end) spans of matched words in it."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()
    clipped_start: bool = False
    clipped_end: bool = False

    def parts(self) -> list[tuple[str, bool]]:
        """The text cut into (piece, is_match) parts, for a renderer to mark up."""
        parts, cursor = [], 0
        for start, end in self.spans:
            if start > cursor:
                parts.append((self.text[cursor:start], False))
            parts.append((self.text[start:end], True))
            cursor = end
        if cursor < len(self.text):
            parts.append((self.text[cursor:], False))
        return parts


@dataclass(frozen=True)
class Hit:
    document: Document
    score: float | None
    title: Highlight
    snippet: Highlight
    heading: Highlight = Highlight("")  # a comment's own headline, where it has one

    @property
    def id(self) -> str:
        return self.document.id


@dataclass(frozen=True)
class Filters:
    """Narrowing chosen beside the query: facet values, all of which must hold.

    An author matches as ``author:"NAME"`` does, so a facet value finds every
    spelling grouped under it; NO_AUTHOR finds documents with no author. A year
    is a number, or NO_DATE for undated documents.
    """

    authors: tuple[str, ...] = ()
    years: tuple[int | str, ...] = ()
    kinds: tuple[str, ...] = ()

    def query(self) -> wq.Query | None:
        clauses: list[wq.Query] = []
        if self.authors:
            clauses.append(wq.Or([author_query(author) for author in self.authors]))
        if self.kinds:
            clauses.append(wq.Or([wq.Term("kind", kind) for kind in self.kinds]))
        if self.years:
            clauses.append(wq.Or([_year_query(year) for year in self.years]))
        return wq.And(clauses) if clauses else None


def _year_query(year: int | str) -> wq.Query:
    if year == NO_DATE:
        return wq.And([wq.Every(), wq.Not(_ALL_DATES)])
    return wq.Term("date", f"y{int(year):04d}")


@dataclass(frozen=True)
class FacetCount:
    """One facet entry: ``value`` goes back into Filters; ``label`` is what a reader sees."""

    value: str
    count: int
    label: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.value)


@dataclass
class ArticleGroup:
    """One article on a results page: its own hit (if it matched) and its best matching comments.

    ``matching_comments`` counts all of them; ``comments`` holds at most COMMENTS_PER_GROUP.
    """

    article_id: str
    title: str
    article: Hit | None
    comments: list[Hit]
    matching_comments: int = 0

    @property
    def hits(self) -> list[Hit]:
        return ([self.article] if self.article else []) + self.comments


@dataclass
class SearchPage:
    """One page of article groups; ``total`` counts matching documents, ``articles`` the groups.

    ``partial`` is set when collecting hits ran out of time: the page then shows
    what was found by then, and the counts are at least what it says.
    """

    query: str
    total: int
    articles: int
    page: int
    pagelen: int
    groups: list[ArticleGroup]
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    suggestion: str | None = None
    seconds: float = 0.0
    partial: bool = False
    # (date column value, "year"/"month" for a date given only that finely, else "") -> matches, for timelines
    date_counts: Counter[tuple[int, str]] = field(default_factory=Counter)

    @property
    def hits(self) -> list[Hit]:
        """Every hit on the page, group by group, each article's own hit first."""
        return [hit for group in self.groups for hit in group.hits]

    @property
    def pages(self) -> int:
        return max(1, -(-self.articles // self.pagelen))


def search(
    searcher: Searcher,
    text: str | ParsedQuery,
    *,
    page: int = 1,
    pagelen: int = 10,
    sort: Sort = "relevance",
    filters: Filters = Filters(),
    facets: bool = True,
    suggestions: bool = True,
    limits: QueryLimits = DEFAULT_LIMITS,
) -> SearchPage:
    """One page of ``pagelen`` article groups for a query, in one pass over the matches.

    Raises QueryError for a query that cannot be understood or is over the budget
    of ``limits``; running out of the budget's time while collecting matches gives
    a partial page instead.
    """
    started = time.perf_counter()
    parsed = parse_within(searcher, text, limits)
    found = _collect(searcher, parsed.query, sort, filters, facets, limits.seconds)
    articles = found.article_count
    page = min(max(page, 1), max(1, -(-articles // pagelen)))
    shown = found.ranked_groups((page - 1) * pagelen, page * pagelen)
    result = SearchPage(parsed.text, found.total, articles, page, pagelen,
                        _groups(searcher, parsed.query, shown, found), found.facet_counts() if facets else {},
                        partial=found.partial, date_counts=found.dates)
    if suggestions and result.total < SUGGEST_BELOW and not found.partial:
        result.suggestion = _better_spelling(searcher, parsed.text, result.total, filters, limits)
    result.seconds = time.perf_counter() - started
    return result


class _Collected(collectors.Collector):
    """Every match's rank key and article, and the facet counts, gathered in one pass.

    Each segment's matches (with their scores for a relevance sort) are read
    whole posting lists at a time (``search.bulk``), then turned into keys,
    articles and facet counts in bulk from per-segment column lists (see
    ``column``). Stops with TimeLimit once ``deadline`` (a ``time.perf_counter``
    value) passes.
    """

    def __init__(self, sort: Sort, scored: bool, facets: bool, deadline: float) -> None:
        super().__init__()
        self.sort = sort
        self.scored = scored
        self.facets = facets
        self.deadline = deadline
        self.partial = False
        # One entry per match, in three parallel lists: rank key (lower is better), document number, article.
        self.keys: list[float] = []
        self.numbers: list[int] = []
        self.articles: list[str] = []
        self.is_article: set[int] = set()
        self.spellings: Counter[str] = Counter()
        self.years: Counter[int | str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.dates: Counter[tuple[int, str]] = Counter()
        self._coarse: dict[int, str] = {}
        self._docs: list[int] = []
        self._scores: list[float] = []
        self._pending: dict[int, float] = {}
        self._columns: dict[str, list[Any]] = {}

    @property
    def total(self) -> int:
        return len(self.numbers)

    @property
    def article_count(self) -> int:
        return len(set(self.articles))

    def prepare(self, top_searcher: Searcher, q: wq.Query, context: Any) -> None:
        super().prepare(top_searcher, q, context.set(needs_current=True) if self.scored
                        else context.set(weighting=None))

    def set_subsearcher(self, subsearcher: Searcher, offset: int) -> None:
        self._settle()
        # No Whoosh matcher: search.bulk finds the segment's matches from the query itself.
        self.subsearcher, self.offset, self.matcher = subsearcher, offset, None
        reader = subsearcher.reader()
        self._columns = {name: column(reader, name) for name in _COLUMNS}
        self._coarse = coarse_dates(reader) if self.facets else {}

    def collect_matches(self) -> None:
        docs, scores = self._segment_matches()
        self._docs.extend(docs)
        self._scores.extend(scores)

    def matches(self) -> Iterator[int]:
        """The segment's matches, for a FilterCollector to choose among; ``collect`` then takes their scores."""
        docs, scores = self._segment_matches()
        self._pending = dict(zip(docs, scores, strict=True)) if self.scored else {}
        yield from docs

    def _segment_matches(self) -> tuple[list[int], list[float]]:
        """The current segment's matches and (when scored) scores, whole posting lists at a time."""
        try:
            docs, scores = segment_matches(self.q, self.subsearcher, self.context, self.scored, self.deadline)
        except collectors.TimeLimit:
            self.partial = True
            raise
        return docs.tolist(), scores.tolist() if scores is not None else []

    def collect(self, sub_docnum: int) -> None:
        self._docs.append(sub_docnum)
        if self.scored:
            self._scores.append(self._pending[sub_docnum])

    def finish(self) -> None:
        self._settle()
        super().finish()

    def _settle(self) -> None:
        """Turn the current segment's matches into rank keys, articles and facet counts."""
        docs, scores, columns = self._docs, self._scores, self._columns
        self._docs, self._scores = [], []
        if not docs:
            return
        kinds = list(map(columns["kind"].__getitem__, docs))
        if SOURCE_KIND in kinds:  # the indexer's per-file records are never hits
            kept = [index for index, kind in enumerate(kinds) if kind != SOURCE_KIND]
            docs, kinds = [docs[index] for index in kept], [kinds[index] for index in kept]
            scores = [scores[index] for index in kept] if scores else scores
        offset = self.offset
        numbers = [offset + docnum for docnum in docs]
        years = [columns["year"][docnum] for docnum in docs]
        if self.scored:
            keys: list[float] = [-score for score in scores]
        elif self.sort == "relevance":  # every document, unscored: index order
            keys = [0.0] * len(docs)
        else:  # undated documents last, whichever way dates run
            sign = -1 if self.sort == "newest" else 1
            dates = columns["date"]
            keys = [sign * dates[docnum] if 0 < year < 10_000 else math.inf
                    for docnum, year in zip(docs, years, strict=True)]
        self.keys.extend(keys)
        self.numbers.extend(numbers)
        self.articles.extend(map(columns["article_id"].__getitem__, docs))
        self.is_article.update(number for number, kind in zip(numbers, kinds, strict=True) if kind == "article")
        if self.facets:
            self.spellings.update(map(columns["author_name"].__getitem__, docs))
            self.years.update(year if 0 < year < 10_000 else NO_DATE for year in years)
            self.kinds.update(kinds)
            coarse = self._coarse
            self.dates.update((columns["date"][docnum], coarse.get(docnum, "")) for docnum in docs)

    def results(self) -> None:
        raise NotImplementedError("read ranked_groups() and facet_counts()")

    def ranked_groups(self, start: int, end: int) -> list[tuple[str, list[tuple[int, float | None]]]]:
        """The ``start``-th to ``end``-th best articles, each with its matches best first as (document, score).

        An article ranks by its best match; equal keys keep index order.
        """
        keys, articles = self.keys, self.articles
        order = np.argsort(np.asarray(keys, dtype=np.float64), kind="stable")  # as sorted(): ties keep index order
        ranked: list[str] = []
        seen: set[str] = set()
        for index in order.tolist():
            if articles[index] not in seen:
                seen.add(articles[index])
                ranked.append(articles[index])
                if len(ranked) == end:
                    break
        shown: dict[str, list[tuple[int, float | None]]] = {article: [] for article in ranked[start:]}
        wanted = np.fromiter((article in shown for article in articles), dtype=bool, count=len(articles))
        for index in order[wanted[order]].tolist():
            shown[articles[index]].append((self.numbers[index], -keys[index] if self.scored else None))
        return list(shown.items())

    def facet_counts(self) -> dict[str, list[FacetCount]]:
        by_author: dict[str, Counter[str]] = {}
        for spelling, count in self.spellings.items():
            by_author.setdefault(author_key(spelling), Counter())[spelling] += count
        authors = [FacetCount(max(spellings, key=lambda spelling: (spellings[spelling], *_readable(spelling))),
                              sum(spellings.values()))
                   for spellings in by_author.values()]
        years = [FacetCount(str(year), count) for year, count in self.years.items() if year != NO_DATE]
        years.sort(key=lambda facet: int(facet.value), reverse=True)
        if NO_DATE in self.years:
            years.append(FacetCount(NO_DATE, self.years[NO_DATE], NO_DATE_LABEL))
        kinds = [FacetCount(kind, count) for kind, count in self.kinds.items()]
        by_count = lambda facet: (-facet.count, facet.value)  # noqa: E731
        return {"author": sorted(authors, key=by_count), "year": years, "kind": sorted(kinds, key=by_count)}


def _readable(spelling: str) -> tuple[bool, bool, str]:
    """Between spellings used equally often, prefer ``Paul Hampton`` to ``PaulHampton`` and ``PAUL HAMPTON``."""
    return " " in spelling, not spelling.isupper(), spelling


def facet_counts(searcher: Searcher, docnums: Iterable[int]) -> dict[str, list[FacetCount]]:
    """The author, year and kind facets of the given documents, counted as a search counts its matches."""
    counting = _Collected("relevance", scored=False, facets=True, deadline=math.inf)
    counting.prepare(searcher, wq.NullQuery, searcher.boolean_context())
    ordered = sorted(docnums)
    for leaf, offset in searcher.leaf_searchers():
        counting.set_subsearcher(leaf, offset)
        end = offset + leaf.doc_count_all()
        for docnum in ordered:
            if offset <= docnum < end:
                counting.collect(docnum - offset)
    counting.finish()
    return counting.facet_counts()


def _collect(searcher: Searcher, query: wq.Query, sort: Sort, filters: Filters, facets: bool,
             seconds: float) -> _Collected:
    """Run the query, giving collection ``seconds``; reading new segments' columns (and the other per-segment
    values the query needs) does not count against them."""
    for leaf, _ in searcher.leaf_searchers():
        for fieldname in _COLUMNS:
            column(leaf.reader(), fieldname)
    read_ahead(searcher, query)
    deadline = time.perf_counter() + seconds
    collected = _Collected(sort, sort == "relevance" and not isinstance(query, wq.Every), facets, deadline)
    allow = filters.query()
    outer = collectors.FilterCollector(collected, allow=allow) if allow else collected
    try:
        searcher.search_with_collector(query, outer)
    except collectors.TimeLimit:
        collected.partial = True
    return collected


def column(reader: Any, fieldname: str) -> list[Any]:
    """A segment's values of a sortable field as a list, read once per segment.

    A segment written before the field had a column falls back to its stored
    values, or to 0 for a number.
    """

    def build(segment_reader: Any) -> list[Any]:
        count = segment_reader.doc_count_all()
        if segment_reader.has_column(fieldname):
            values = segment_reader.column_reader(fieldname, translate=False).load()  # one read, not one a value
            if fieldname == "date":  # dates stay as their sortable numbers: only their order counts
                return list(values)
            decode = segment_reader.schema[fieldname].from_column_value
            return [decode(value) for value in values]
        if fieldname in ("year", "date"):
            return [0] * count
        if fieldname == "author_name":
            return [segment_reader.stored_fields(docnum).get("author") or NO_AUTHOR for docnum in range(count)]
        return [segment_reader.stored_fields(docnum).get(fieldname) for docnum in range(count)]

    return SEGMENT_CACHE.get(reader, f"column:{fieldname}", build)


def _groups(searcher: Searcher, query: wq.Query, shown: list[tuple[str, list[tuple[int, float | None]]]],
            found: _Collected) -> list[ArticleGroup]:
    """The page's article groups with their hits: the article's own, then its best comments."""
    chosen: list[tuple[str, int | None, list[int], int]] = []
    scores: dict[int, float | None] = {}
    for article_id, members in shown:
        scores.update(members)
        docnums = [docnum for docnum, _ in members]
        article = next((docnum for docnum in docnums if docnum in found.is_article), None)
        comments = [docnum for docnum in docnums if docnum != article]
        chosen.append((article_id, article, comments[:COMMENTS_PER_GROUP], len(comments)))
    wanted = [docnum for _, article, comments, _ in chosen for docnum in ([article] if article is not None else [])
              + comments]
    hits = dict(zip(wanted, _hits(searcher, query, wanted, scores), strict=True))
    groups = []
    for article_id, article, comments, matching in chosen:
        article_hit = hits[article] if article is not None else None
        first = article_hit or hits[comments[0]]
        groups.append(ArticleGroup(article_id, first.document.title, article_hit,
                                   [hits[docnum] for docnum in comments], matching))
    return groups


def _better_spelling(searcher: Searcher, text: str, total: int, filters: Filters,
                     limits: QueryLimits) -> str | None:
    corrected = suggest(searcher, text)
    if corrected is None or corrected == text:
        return None
    try:
        better = parse(corrected, limits)
        check_expansion(searcher, better, limits)
    except QueryError:  # corrected into nothing but common words, or over the budget: no use to offer
        return None
    found = searcher.search(better.query, limit=total + 1, mask=NOT_DOCUMENTS, filter=filters.query(),
                            scored=False)
    return corrected if found.scored_length() > total else None


_HIGHLIGHTED = {"title": ("title", EXACT_FIELD["title"]), "body": ("body", EXACT_FIELD["body"])}
_PLAIN_FIELD = {exact: plain for plain, exact in EXACT_FIELD.items()}
Occurrences = dict[tuple[str, str], list[tuple[int, int, int]]]


_MAX_EXPANSIONS = 200  # words marked per wildcard: more would not change what a reader sees


def _highlight_terms(searcher: Searcher, query: wq.Query) -> set[tuple[str, str]]:
    """The (field, word) pairs a query can match in highlighted fields, wildcards expanded.

    Found once per page from the query itself rather than by Whoosh's per-match term
    tracking (``terms=True``), which slows every search and miscounts filtered results.
    Negated words are left out: they never match a shown hit. A word the index lacks
    stays in (each segment's postings are looked up anyway): asking the whole index
    first costs a look-up in every segment.
    """
    wanted = {field for fields in _HIGHLIGHTED.values() for field in fields}
    reader = searcher.reader()
    pairs: set[tuple[str, str]] = set()
    for leaf in _leaves(query):
        fieldname = getattr(leaf, "fieldname", None)
        if fieldname not in wanted:
            continue
        words = {word.decode("utf-8") if isinstance(word, bytes) else word
                 for _, word in leaf.expanded_terms(reader, phrases=True)}
        pairs.update((fieldname, word) for word in sorted(words)[:_MAX_EXPANSIONS])
    return pairs


def matched_occurrences(searcher: Searcher, query: wq.Query, docnums: Sequence[int],
                        documents: Sequence[Document]) -> list[Occurrences]:
    """Per document (``docnums`` and their stored ``documents``, in the same order), each matched word's
    (position, start, end) list in the highlighted fields.

    Fields whose postings keep character offsets are read from their postings. An as-written
    word (positions only: a wildcard's or a fuzzy term's word) is found through its stem's
    offsets in the plain-word field, keeping the places where the text reads as that word:
    only a phrase's words, whose positions count, and stop words, which the plain-word field
    leaves out, are found by analysing the document's title or body again, as the index did
    (see ``build_schema`` for which field keeps what, and why).
    """
    phrase_words = {(leaf.fieldname, word) for leaf in _leaves(query) if isinstance(leaf, wq.Phrase)
                    for word in leaf.words}
    wanted: set[tuple[str, str]] = set()
    through_stems: dict[tuple[str, str], list[tuple[str, str]]] = {}
    analysed: dict[str, list[str]] = {}
    for fieldname, word in _highlight_terms(searcher, query):
        stemmed = _PLAIN_FIELD.get(fieldname)
        stem = None if stemmed is None or (fieldname, word) in phrase_words else STEMMED.term_of_folded(word)
        if searcher.schema[fieldname].format.supports("characters"):
            wanted.add((fieldname, word))
        elif stem is not None and searcher.schema[stemmed].format.supports("characters"):
            through_stems.setdefault((stemmed, stem), []).append((fieldname, word))
        else:
            analysed.setdefault(fieldname, []).append(word)
    found = _stored_occurrences(searcher, wanted | set(through_stems), docnums)
    for occurrences, document in zip(found, documents, strict=True):
        for key, words in through_stems.items():
            places = occurrences.get(key, []) if key in wanted else occurrences.pop(key, [])
            text = document.body if key[0] == "body" else searchable_title(document)
            for fieldname, word in words:
                if kept := [place for place in places if fold(text[place[1]:place[2]]) == word]:
                    occurrences[fieldname, word] = kept
    if analysed:
        for occurrences, more in zip(found, _analysed_occurrences(searcher, analysed, documents), strict=True):
            occurrences.update(more)
    return found


def _stored_occurrences(searcher: Searcher, terms: set[tuple[str, str]], docnums: Sequence[int]) -> list[Occurrences]:
    """The (field, word) pairs' occurrences in the documents, read from postings with character offsets.

    Segment by segment, one unscored posting reader per word the segment holds,
    walked forward through the documents in order, rather than one per word per
    hit (a fuzzy term can stand for hundreds of words).
    """
    ordered = sorted(set(docnums))
    found: dict[int, Occurrences] = {docnum: {} for docnum in ordered}
    for segment in segment_postings(searcher):
        offset, count = segment.offset, segment.reader.doc_count_all()
        local = [docnum - offset for docnum in ordered if offset <= docnum < offset + count]
        if not local:
            continue
        for fieldname, word in terms:
            matcher = term_postings(segment, fieldname, word.encode("utf-8"))
            if matcher is None:
                continue
            for docnum, characters in values_at(matcher, local, "characters"):
                found[docnum + offset][(fieldname, word)] = characters
    return [found[docnum] for docnum in docnums]


def _analysed_occurrences(searcher: Searcher, wanted: dict[str, list[str]],
                          documents: Sequence[Document]) -> list[Occurrences]:
    """The wanted words of each field (``wanted``) in the documents, found by analysing their stored text again.

    Only these documents are read, and only the wanted words looked for; a text met twice
    (a thread's comments often share their article's title) is read once.
    """
    kinds = {fieldname: searcher.schema[fieldname].analyzer.kind for fieldname in wanted}
    known: dict[tuple[str, str], Occurrences] = {}

    def found_in(text: str, fieldnames: Sequence[str]) -> Occurrences:
        """The text's wanted words in its stemmed and as-written fields (``text_words`` reads it once for both)."""
        key = (fieldnames[0], text)
        if key not in known:
            known[key] = {(fieldname, word): places for fieldname in fieldnames if fieldname in wanted
                          for word, places in text_words(text).occurrences(kinds[fieldname], wanted[fieldname]).items()}
        return known[key]

    title_fields, body_fields = _HIGHLIGHTED["title"], _HIGHLIGHTED["body"]
    return [{**found_in(searchable_title(document), title_fields), **found_in(document.body, body_fields)}
            for document in documents]


def _stored_fields(searcher: Searcher, docnums: list[int]) -> list[dict[str, Any]]:
    """The documents' stored fields, read straight from their segments' columns (``_StoredFields``)."""
    leaves = searcher.leaf_searchers()
    offsets = [offset for _, offset in leaves]
    found = []
    for docnum in docnums:
        leaf, offset = leaves[bisect_right(offsets, docnum) - 1]
        reader = leaf.reader()
        if hasattr(reader, "_perdoc"):
            found.append(SEGMENT_CACHE.get(reader, "stored fields", _StoredFields)[docnum - offset])
        else:
            found.append(searcher.stored_fields(docnum))
    return found


class _StoredFields:
    """A segment's stored fields read through a memory map of their column: a slice, a decompression and an
    unpickling per document. Whoosh's reader seeks and reads the file (two system calls on a shared file
    position) and then re-checks every key against the schema, together half the cost of reading a hit.
    Kept for the segment and shared by threads: the column's ``decompress`` is safe to call from any of them."""

    def __init__(self, reader: Any) -> None:
        self._fallback = reader._perdoc.stored_fields
        self._map: mmap.mmap | None = None
        column = reader._perdoc._cached_reader("_stored", STORED_COLUMN)
        if not isinstance(column, StoredColumnReader):  # no stored fields, or a reader of Whoosh's column
            return
        try:
            self._map = mmap.mmap(column._dbfile.fileno(), 0, access=mmap.ACCESS_READ)
        except (AttributeError, OSError, ValueError):  # a file with no descriptor (in memory), or empty
            return
        self._base, self._offsets, self._lengths = column._basepos, column._offsets, column._lengths
        self._decompress = column.decompress

    def __getitem__(self, docnum: int) -> dict[str, Any]:
        if self._map is None:
            return self._fallback(docnum)
        length = self._lengths[docnum] if docnum < len(self._lengths) else 0
        if not length:
            return {}
        start = self._base + self._offsets[docnum]
        return pickle.loads(self._decompress(self._map[start:start + length]))


def _hits(searcher: Searcher, query: wq.Query, docnums: list[int], scores: dict[int, float | None]) -> list[Hit]:
    documents = [stored_document(stored) for stored in _stored_fields(searcher, docnums)]
    phrases = _phrases(query)
    hits = []
    for docnum, document, found in zip(docnums, documents, matched_occurrences(searcher, query, docnums, documents),
                                       strict=True):
        title, heading = title_highlights(document, _spans(found, _HIGHLIGHTED["title"], phrases))
        body_spans = _spans(found, _HIGHLIGHTED["body"], phrases)
        hits.append(Hit(document, scores.get(docnum), title, snippet(document.body, body_spans), heading))
    return hits


def title_highlights(document: Document, spans: list[tuple[int, int]]) -> tuple[Highlight, Highlight]:
    """The title's and the heading's highlights, from spans over ``searchable_title`` (title, break, heading)."""
    heading_start = len(document.title) + 1
    in_title = tuple(span for span in spans if span[1] <= len(document.title))
    in_heading = tuple((start - heading_start, end - heading_start) for start, end in spans if start >= heading_start)
    return Highlight(document.title, in_title), Highlight(document.heading, in_heading if document.heading else ())


def _phrases(query: wq.Query) -> dict[str, list[tuple[list[str], int]]]:
    """Exact phrases per field, so their words are marked only where they stand together."""
    found: dict[str, list[tuple[list[str], int]]] = {}
    for leaf in _leaves(query):
        if isinstance(leaf, wq.Phrase):
            found.setdefault(leaf.fieldname, []).append((list(leaf.words), leaf.slop))
    return found


def _leaves(query: wq.Query) -> Iterable[wq.Query]:
    if isinstance(query, wq.Not):
        return
    if query.is_leaf():
        yield query
    else:
        for child in query.children():
            yield from _leaves(child)


def _spans(positions: Occurrences, fieldnames: Sequence[str],
           phrases: dict[str, list[tuple[list[str], int]]]) -> list[tuple[int, int]]:
    """Character spans of a document's matched words in the given fields; phrase words only where together."""
    spans: set[tuple[int, int]] = set()
    phrase_words = {(fieldname, word) for fieldname in fieldnames for words, _ in phrases.get(fieldname, [])
                    for word in words}
    for key, occurrences in positions.items():
        if key[0] in fieldnames and key not in phrase_words:
            spans.update((start, end) for _, start, end in occurrences)
    for fieldname in fieldnames:
        for words, slop in phrases.get(fieldname, []):
            spans.update(_phrase_spans([positions.get((fieldname, word), []) for word in words], slop))
    return merge_spans(sorted(spans))


def _phrase_spans(occurrences: list[list[tuple[int, int, int]]], slop: int) -> list[tuple[int, int]]:
    """Spans of every place where the words follow each other within ``slop`` positions.

    Each word's occurrences are in position order, so the next word is found by
    bisection: a long document full of matches costs n log n, not n squared.
    """
    if not occurrences or not all(occurrences):
        return []
    positions = [[position for position, _, _ in following] for following in occurrences]
    spans = []
    for first in occurrences[0]:
        chain = [first]
        for following, at in zip(occurrences[1:], positions[1:], strict=True):
            index = bisect_right(at, chain[-1][0])
            if index == len(at) or at[index] - chain[-1][0] > slop:
                break
            chain.append(following[index])
        else:
            spans.extend((start, end) for _, start, end in chain)
    return spans


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted ``(start, end)`` spans with overlapping ones joined, so no character is marked twice."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, spans: Sequence[tuple[int, int]], width: int = SNIPPET_CHARS) -> Highlight:
    """The window of ``text`` about ``width`` characters wide holding the most matches, cut at spaces."""
    if len(text) <= width:
        return Highlight(text, tuple(spans))
    best_start, best_count, after = 0, 0, 0
    for index, (start, _) in enumerate(spans):  # spans are sorted and disjoint: a sliding window, linear
        after = max(after, index)
        while after < len(spans) and spans[after][1] <= start + width:
            after += 1
        if after - index > best_count:
            best_start, best_count = start, after - index
    if not spans:
        begin = 0
    else:
        begin = max(0, best_start - width // 4)
        begin = text.rfind(" ", 0, begin) + 1 if begin else 0
    end = min(len(text), begin + width)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > begin else end
    window = tuple((s - begin, e - begin) for s, e in spans if s >= begin and e <= end)
    return Highlight(text[begin:end], window, begin > 0, end < len(text))


def thread(searcher: Searcher, doc_id: str) -> tuple[Document, list[tuple[Document, int]]] | None:
    """An article and its comments in reading order with reply depths; None for an unknown id.

    Given a comment's id, the thread of its article is returned.
    """
    stored = searcher.document(id=doc_id)
    if stored is None or stored["kind"] == SOURCE_KIND:
        return None
    article_id = stored["article_id"]
    documents = sorted((stored_document(fields) for fields in searcher.documents(article_id=article_id)),
                       key=lambda document: (document.position, document.date or datetime.min))
    article = next((document for document in documents if document.kind == "article"), None)
    if article is None:
        return None
    comments = [document for document in documents if document.kind == "comment"]
    return article, _threaded(comments)


def reply_label(parent: Document) -> str:
    """What a reply answers, in a few words: its author, else its own heading, else its opening words."""
    if parent.author.strip():
        return parent.author
    return f"“{parent.heading or untitled_title(parent.body)}”"


def _threaded(comments: list[Document]) -> list[tuple[Document, int]]:
    """Replies under what they answer, depth-first, otherwise in reading order."""
    known = {comment.id for comment in comments}
    children: dict[str | None, list[Document]] = {}
    for comment in comments:
        parent = comment.parent_id if comment.parent_id in known else None
        children.setdefault(parent, []).append(comment)
    ordered: list[tuple[Document, int]] = []

    def walk(parent: str | None, depth: int) -> None:
        for child in children.get(parent, []):
            ordered.append((child, depth))
            walk(child.id, depth + 1)

    walk(None, 0)
    return ordered


def all_documents(searcher: Searcher) -> list[Document]:
    """Every article and comment, grouped by article and in reading order (for export)."""
    documents = (stored_document(fields) for _, fields in searcher.iter_docs() if fields.get("kind") != SOURCE_KIND)
    return sorted(documents, key=lambda document: (document.article_id, document.kind != "article",
                                                   document.position))


@dataclass(frozen=True)
class Marked:
    """A whole document's title and body with a query's matched words: for reading, not for a hit list."""

    title: Highlight
    body: Highlight
    heading: Highlight = Highlight("")


def thread_highlights(searcher: Searcher, text: str | ParsedQuery, article_id: str,
                      limits: QueryLimits = DEFAULT_LIMITS) -> dict[str, Marked]:
    """Full-text highlights, by id, of the documents of one article that a query matches.

    A thread page shows whole bodies, which a snippet's window would cut; raises QueryError like ``search``.
    """
    parsed = parse_within(searcher, text, limits)
    # The article's own postings lead the intersection, so a broad query costs no more than the thread.
    results = searcher.search(wq.And([wq.Term("article_id", article_id), parsed.query]), limit=None,
                              mask=NOT_DOCUMENTS, scored=False)
    phrases = _phrases(parsed.query)
    docnums = [result.docnum for result in results]
    documents = [stored_document(result.fields()) for result in results]
    marked = {}
    for document, found in zip(documents, matched_occurrences(searcher, parsed.query, docnums, documents),
                               strict=True):
        title, heading = title_highlights(document, _spans(found, _HIGHLIGHTED["title"], phrases))
        body = Highlight(document.body, tuple(_spans(found, _HIGHLIGHTED["body"], phrases)))
        marked[document.id] = Marked(title, body, heading)
    return marked
