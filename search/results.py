"""Running a query: ranked hits, snippets, facets and threads, as plain data (no HTML).

Snippets come from the character offsets stored in the postings at index time,
so no stored body is analysed again to show a hit.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from whoosh import query as wq
from whoosh import sorting
from whoosh.searching import Searcher

from search.documents import Document
from search.query import ParsedQuery, QueryError, parse, suggest
from search.schema import EXACT_FIELD, SOURCE_KIND, stored_document

Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest")
SNIPPET_CHARS = 240
_NOT_DOCUMENTS = wq.Term("kind", SOURCE_KIND)
_FACET_FIELDS = {"author": "author_name", "year": "year", "kind": "kind"}


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

    @property
    def id(self) -> str:
        return self.document.id


@dataclass(frozen=True)
class Filters:
    """Narrowing chosen beside the query: facet values, all of which must hold."""

    authors: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()

    def query(self) -> wq.Query | None:
        clauses = [wq.Or([wq.Term(fieldname, value) for value in values])
                   for fieldname, values in (("author_name", self.authors), ("kind", self.kinds)) if values]
        if self.years:
            clauses.append(wq.Or([wq.NumericRange("year", year, year) for year in self.years]))
        return wq.And(clauses) if clauses else None


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass
class SearchPage:
    query: str
    total: int
    page: int
    pagelen: int
    hits: list[Hit]
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    suggestion: str | None = None
    seconds: float = 0.0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.pagelen))


@dataclass
class ArticleGroup:
    """Hits from one article: the article's own hit (if it matched) and its matching comments."""

    article_id: str
    title: str
    article: Hit | None
    comments: list[Hit]


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
) -> SearchPage:
    """One page of hits for a query; raises QueryError for a query that cannot be understood."""
    started = time.perf_counter()
    parsed = text if isinstance(text, ParsedQuery) else parse(text)
    options: dict[str, Any] = {"mask": _NOT_DOCUMENTS, "filter": filters.query()}
    if sort != "relevance":
        options["sortedby"] = sorting.FieldFacet("date", reverse=sort == "newest")
    if facets:
        options["groupedby"] = {name: sorting.FieldFacet(fieldname, maptype=sorting.Count)
                                for name, fieldname in _FACET_FIELDS.items()}
    results = searcher.search_page(parsed.query, max(page, 1), pagelen=pagelen, **options)
    hits = _hits(searcher, parsed.query, list(results), sort == "relevance")
    page_result = SearchPage(parsed.text, len(results), results.pagenum, pagelen, hits,
                             _facet_counts(results.results) if facets else {})
    if suggestions:
        page_result.suggestion = _better_spelling(searcher, parsed.text, page_result.total, filters)
    page_result.seconds = time.perf_counter() - started
    return page_result


def _better_spelling(searcher: Searcher, text: str, total: int, filters: Filters) -> str | None:
    corrected = suggest(searcher, text)
    if corrected is None or corrected == text:
        return None
    try:
        better = parse(corrected)
    except QueryError:  # corrected into nothing but common words: no use to offer
        return None
    found = searcher.search(better.query, limit=1, mask=_NOT_DOCUMENTS, filter=filters.query())
    return corrected if len(found) > total else None


def _facet_counts(results: Any) -> dict[str, list[FacetCount]]:
    counts = {}
    for name in _FACET_FIELDS:
        groups = results.groups(name)
        ordered = sorted(((str(value), count) for value, count in groups.items() if value is not None),
                         key=lambda item: (-item[1], item[0]))
        if name == "year":
            ordered.sort(key=lambda item: item[0], reverse=True)
        counts[name] = [FacetCount(value, count) for value, count in ordered]
    return counts


_HIGHLIGHTED = {"title": ("title", EXACT_FIELD["title"]), "body": ("body", EXACT_FIELD["body"])}
Occurrences = dict[tuple[str, str], list[tuple[int, int, int]]]


_MAX_EXPANSIONS = 200


def _highlight_terms(searcher: Searcher, query: wq.Query) -> set[tuple[str, str]]:
    """The indexed (field, word) pairs a query can match in highlighted fields, wildcards expanded.

    Found once per page from the query itself rather than by Whoosh's per-match term
    tracking (``terms=True``), which slows every search and miscounts filtered results.
    Negated words are left out: they never match a shown hit.
    """
    wanted = {field for fields in _HIGHLIGHTED.values() for field in fields}
    reader = searcher.reader()
    pairs: set[tuple[str, str]] = set()
    for leaf in _leaves(query):
        if getattr(leaf, "fieldname", None) not in wanted:
            continue
        expanded = sorted(leaf.existing_terms(reader, expand=True))[:_MAX_EXPANSIONS]
        pairs.update((fieldname, term.decode("utf-8") if isinstance(term, bytes) else term)
                     for fieldname, term in expanded)
    return pairs


def _occurrences(searcher: Searcher, query: wq.Query, docnums: Iterable[int]) -> dict[int, Occurrences]:
    """Per document, each matched word's (position, start, end) list, read from the stored postings.

    One posting reader per word, walked forward through the documents in order,
    rather than one per word per hit.
    """
    ordered = sorted(docnums)
    found: dict[int, Occurrences] = {docnum: {} for docnum in ordered}
    for fieldname, word in _highlight_terms(searcher, query):
        if not searcher.schema[fieldname].format.supports("characters"):
            continue
        matcher = searcher.postings(fieldname, word)
        for docnum in ordered:
            matcher.skip_to(docnum)
            if not matcher.is_active():
                break
            if matcher.id() == docnum:
                found[docnum][(fieldname, word)] = matcher.value_as("characters")
    return found


def _hits(searcher: Searcher, query: wq.Query, page: list[Any], scored: bool) -> list[Hit]:
    occurrences = _occurrences(searcher, query, (result.docnum for result in page))
    phrases = _phrases(query)
    hits = []
    for result in page:
        document = stored_document(result.fields())
        found = occurrences[result.docnum]
        title = Highlight(document.title, tuple(_spans(found, _HIGHLIGHTED["title"], phrases)))
        body_spans = _spans(found, _HIGHLIGHTED["body"], phrases)
        hits.append(Hit(document, result.score if scored else None, title, snippet(document.body, body_spans)))
    return hits


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
    return _merge(sorted(spans))


def _phrase_spans(occurrences: list[list[tuple[int, int, int]]], slop: int) -> list[tuple[int, int]]:
    """Spans of every place where the words follow each other within ``slop`` positions."""
    if not occurrences or not all(occurrences):
        return []
    spans = []
    for first in occurrences[0]:
        chain = [first]
        for following in occurrences[1:]:
            nxt = next((item for item in following if 0 < item[0] - chain[-1][0] <= slop), None)
            if nxt is None:
                break
            chain.append(nxt)
        else:
            spans.extend((start, end) for _, start, end in chain)
    return spans


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
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
    best_start, best_count = 0, 0
    for index, (start, _) in enumerate(spans):
        count = sum(1 for other, end in spans[index:] if end <= start + width)
        if count > best_count:
            best_start, best_count = start, count
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


def group_by_article(hits: Sequence[Hit]) -> list[ArticleGroup]:
    """Hits gathered under their article, in the order each article first appears."""
    groups: dict[str, ArticleGroup] = {}
    for hit in hits:
        document = hit.document
        group = groups.setdefault(document.article_id, ArticleGroup(document.article_id, document.title, None, []))
        if document.kind == "article":
            group.article = hit
        else:
            group.comments.append(hit)
    return list(groups.values())


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


def thread_highlights(searcher: Searcher, text: str | ParsedQuery, article_id: str) -> dict[str, Marked]:
    """Full-text highlights, by id, of the documents of one article that a query matches.

    A thread page shows whole bodies, which a snippet's window would cut; raises QueryError like ``search``.
    """
    parsed = text if isinstance(text, ParsedQuery) else parse(text)
    results = searcher.search(parsed.query, limit=None, mask=_NOT_DOCUMENTS, filter=wq.Term("article_id", article_id))
    phrases = _phrases(parsed.query)
    occurrences = _occurrences(searcher, parsed.query, (result.docnum for result in results))
    marked = {}
    for result in results:
        document = stored_document(result.fields())
        found = occurrences[result.docnum]
        marked[document.id] = Marked(Highlight(document.title, tuple(_spans(found, _HIGHLIGHTED["title"], phrases))),
                                     Highlight(document.body, tuple(_spans(found, _HIGHLIGHTED["body"], phrases))))
    return marked
