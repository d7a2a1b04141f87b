"""Passage search: the documents that best match a text of any length, ranked, as plain data.

A passage is text, not a query: no syntax applies to it. In the spirit of
Lucene's MoreLikeThis, its most informative words are kept (frequency in the
passage times rarity in the index, at most ``MAX_TERMS`` of them, words in
almost every document left out) and ORed over the stemmed body and, more
lightly, the title. Only the best hits are ranked, with Whoosh's block-max
skipping, and nothing counts every weak match: facets are counted over the best
``FACET_DEPTH`` hits.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from search.documents import Document
from search.postings import SegmentPostings, segment_postings
from search.query import DEFAULT_LIMITS, QueryLimits
from search.results import (
    NOT_DOCUMENTS,
    FacetCount,
    Filters,
    Hit,
    facet_counts,
    matched_occurrences,
    merge_spans,
    snippet,
    title_highlights,
)
from search.schema import EXACT, EXACT_FIELD, SOURCE_KIND, STEMMED, fold, stored_document
from search.serialize import hit_json

MAX_PASSAGE_CHARS = 20_000  # longer passages are trimmed at a word boundary
MAX_TERMS = 50  # the most informative words of a passage that are searched (benchmarks/results/relevance.md)
LONG_PASSAGE_WORDS = 1000  # from this many words on, a passage's words said once are left out
MAX_CANDIDATES = 400  # a passage's words looked up in the index at most (3,000 different words took seconds)
MAX_DOC_SHARE = 0.4  # a word in more than this share of documents says little ...
MIN_DOCS_FOR_SHARE = 50  # ... once the index is big enough for shares to mean anything
TITLE_WEIGHT = 0.5  # a passage word in a title counts this much beside the same word in a body
STEMMING = True  # passage words as stems, over body and title; False: as written, over their exact copies
BM25_K1 = 2.0  # BM25's term-frequency saturation ...
BM25_B = 0.9  # ... and length normalisation: both chosen on two draws of seven query sets
FACET_DEPTH = 100  # facets count the authors, years and kinds of this many best hits
MAX_LIMIT = 100
# English function words (the Snowball list, with a few more): they say how a passage is written, not what it is
# about, so they never count as a passage's words, however rare an index makes them look.
PASSAGE_STOP_WORDS = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few
for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him
himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's may me might more
most must mustn't my myself no nor not now of off on once one only or other ought our ours ourselves out over own
same shall shan't she she'd she'll she's should shouldn't so some such than that that's the their theirs them
themselves then there there's these they they'd they'll they're they've this those through thus to too under
until up upon us very was wasn't we we'd we'll we're we've were weren't what what's when when's where where's
which while who who's whom why why's will with won't would wouldn't yet you you'd you'll you're you've your yours
yourself yourselves
aren couldn didn doesn don hadn hasn haven isn ll mustn re shan shouldn ve wasn weren won wouldn
""".split())  # the last line: the pieces a contraction splits into


class PassageError(ValueError):
    """A passage that cannot be searched for, with a message saying why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownDocument(PassageError):
    """``similar ID`` for an id the index does not hold."""


@dataclass(frozen=True)
class PassageTerm:
    """One word kept from the passage: its index term, how the passage writes it, and its weight."""

    term: str
    word: str
    count: int
    weight: float


@dataclass(frozen=True)
class SimilarHit:
    """A hit and the passage's words it shares, most informative first ("why it matched")."""

    hit: Hit
    shared: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.hit.id

    @property
    def document(self) -> Document:
        return self.hit.document


@dataclass
class SimilarPage:
    """The best matches of a passage; ``source`` is the indexed document it came from, if any."""

    source: Document | None
    terms: list[PassageTerm]
    hits: list[SimilarHit]
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    seconds: float = 0.0
    partial: bool = False  # the time limit ran out before every kept word was searched


def similar_to_text(searcher: Searcher, text: str, *, limit: int = 10, filters: Filters | None = None,
                    facets: bool = True, limits: QueryLimits = DEFAULT_LIMITS) -> SimilarPage:
    """The documents most like a passage; raises PassageError for a passage with nothing to search for.

    Stays within ``limits.seconds``: past it, the words not yet searched are left out and the page is partial.
    """
    started = time.perf_counter()
    passage, notices = trim(text)
    page = _similar(searcher, passage, None, limit, filters or Filters(), facets, started + limits.seconds)
    page.notices[:0] = notices
    page.seconds = time.perf_counter() - started
    return page


def similar_to_document(searcher: Searcher, doc_id: str, *, limit: int = 10, filters: Filters | None = None,
                        facets: bool = True, limits: QueryLimits = DEFAULT_LIMITS) -> SimilarPage:
    """The documents most like an indexed article or comment, never the document itself.

    Raises UnknownDocument for an id the index does not hold.
    """
    started = time.perf_counter()
    stored = searcher.document(id=doc_id)
    if stored is None or stored.get("kind") == SOURCE_KIND:
        raise UnknownDocument(f"no article or comment has the id '{doc_id}'")
    source = stored_document(stored)
    # A comment's title is its thread's: it would pull in the thread rather than what the comment says.
    passage, notices = trim(f"{source.title}\n\n{source.body}" if source.kind == "article" else source.body)
    page = _similar(searcher, passage, source, limit, filters or Filters(), facets, started + limits.seconds)
    page.notices[:0] = notices
    page.seconds = time.perf_counter() - started
    return page


def trim(text: str, limit: int = MAX_PASSAGE_CHARS) -> tuple[str, list[str]]:
    """The passage cut to ``limit`` characters at a word boundary, with a notice when it was cut."""
    if len(text) <= limit:
        return text, []
    cut = text.rfind(" ", 0, limit + 1)
    kept = text[:cut if cut > limit // 2 else limit]
    return kept, [f"the passage was trimmed to its first {len(kept):,} characters of {len(text):,}"]


_OPERATOR = re.compile(r"\b(?:AND|OR|NOT)\b|(?<![\w:])[A-Za-z_]+:(?=\S)|[*~]|(?:^|\s)[+-](?=\w)")
PASSAGE_WORDS = 30  # a query of this many words or more with no operator reads as a passage


def looks_like_passage(text: str) -> bool:
    """A long text with no query operator: searching it with every word required would find nothing else."""
    return len(text.split()) >= PASSAGE_WORDS and _OPERATOR.search(text) is None


def passage_terms(searcher: Searcher, text: str, documents: int, exclude: str | None = None) -> list[PassageTerm]:
    """The passage's most informative index terms, best first.

    Weight = frequency in the passage x BM25's idf among the index's ``documents``. Terms found in
    no other document than ``exclude`` cannot find anything and are left out, as are
    terms in more than ``MAX_DOC_SHARE`` of the documents of a sizeable index. In a
    passage of ``LONG_PASSAGE_WORDS`` or more, a word said only once is not what it
    is about (MoreLikeThis' minimum term frequency): that also keeps the look-ups few.
    """
    body, title = passage_fields()
    places = {term: found for term, found in (STEMMED if STEMMING else EXACT).occurrences(text).items()
              if not _only_stop_words(text, found)}
    counts = {term: len(found) for term, found in places.items()}
    segments = segment_postings(searcher)
    own = 1 if exclude else 0
    most = documents * MAX_DOC_SHARE if documents >= MIN_DOCS_FOR_SHARE else documents
    least = 2 if sum(counts.values()) >= LONG_PASSAGE_WORDS else 1
    candidates = [(term, count) for term, count in counts.items() if count >= least] or list(counts.items())
    if len(candidates) > MAX_CANDIDATES:  # each is looked up in every segment: the most repeated, then the longest
        candidates = sorted(candidates, key=lambda item: (-item[1], -len(item[0]), item[0]))[:MAX_CANDIDATES]
    terms: list[tuple[float, str, int]] = []
    for term, count in candidates:
        frequency = _doc_frequency(segments, body, term) or _doc_frequency(segments, title, term)
        if frequency - own < 1 or frequency > most:
            continue
        terms.append((count * idf(documents, frequency), term, count))
    terms.sort(key=lambda item: (-item[0], item[1]))
    return [PassageTerm(term, _usual_form(text, places[term]), count, weight)
            for weight, term, count in terms[:MAX_TERMS]]


def _only_stop_words(text: str, places: list[tuple[int, int, int]]) -> bool:
    """Whether every way the passage writes a term is an English function word."""
    return all(fold(text[start:end]) in PASSAGE_STOP_WORDS for _, start, end in places)


def _doc_frequency(segments: list[SegmentPostings], fieldname: str, term: str) -> int:
    return sum(info.doc_frequency() for segment in segments if (info := segment.term_info(fieldname, term)))


def _usual_form(text: str, places: list[tuple[int, int, int]]) -> str:
    """How the passage most often writes a term, lowercased: what a reader is shown as a shared word."""
    return Counter(text[start:end].lower() for _, start, end in places).most_common(1)[0][0]


def passage_query(terms: Sequence[PassageTerm]) -> wq.Query:
    """The kept terms as a Whoosh query over body and title: what the highlighter marks in a hit."""
    return wq.Or([wq.Term(fieldname, item.term) for item in terms for fieldname in passage_fields()])


def passage_fields() -> tuple[str, str]:
    """The body and title fields a passage's words are searched in (see ``STEMMING``)."""
    return ("body", "title") if STEMMING else (EXACT_FIELD["body"], EXACT_FIELD["title"])


def _similar(searcher: Searcher, passage: str, source: Document | None, limit: int, filters: Filters,
             facets: bool, deadline: float) -> SimilarPage:
    if not passage.strip():
        raise PassageError("the passage is empty: paste or type some text to find documents like it")
    records = set(searcher.docs_for_query(NOT_DOCUMENTS))  # the per-file records kept beside the documents
    documents = max(searcher.doc_count() - len(records), 1)  # what idf and shares count from
    terms = passage_terms(searcher, passage, documents, source.id if source else None)
    if not terms:
        raise PassageError("nothing to search for: the passage has only very common words, or words no other "
                           "document uses")
    limit = max(1, min(limit, MAX_LIMIT))
    excluded = records
    if source is not None:
        excluded.add(searcher.document_number(id=source.id))
    scores, searched = rank(searcher, terms, documents, deadline)
    ranked = _best(searcher, scores, max(limit, FACET_DEPTH) if facets else limit, excluded, filters.query())
    page = SimilarPage(source, terms, _hits(searcher, passage_query(terms), terms, ranked[:limit]))
    if searched < len(terms):
        page.partial = True
        page.notices.append(f"the time limit ran out: only the {searched} most telling of {len(terms)} words "
                            f"were searched")
    if facets:
        page.facets = facet_counts(searcher, [docnum for docnum, _ in ranked])
    return page


def rank(searcher: Searcher, terms: Sequence[PassageTerm], documents: int,
         deadline: float = math.inf) -> tuple[np.ndarray, int]:
    """BM25 scores of every document (by document number; 0 for none), summed term by term over body and title.

    Term-at-a-time over each posting list once, as arrays (``search.postings``): with
    tens of terms, Whoosh's tree of union matchers spends most of its time moving
    between documents, not scoring. Each term counts by its damped frequency in the
    passage (``query_weight``). Terms go best first; past ``deadline`` the rest are
    left out. Returns the scores and how many terms were searched.
    """
    segments = segment_postings(searcher)
    scores = np.zeros(searcher.doc_count_all())
    k1, b = BM25_K1, BM25_B
    fields = [(fieldname, weight, searcher.avg_field_length(fieldname) or 1.0)
              for fieldname, weight in zip(passage_fields(), (1.0, TITLE_WEIGHT), strict=True) if weight]
    searched = 0
    for item in terms:
        if searched and time.perf_counter() > deadline:
            break
        searched += 1
        for fieldname, field_weight, average in fields:
            holders = [(segment, info) for segment in segments
                       if (info := segment.term_info(fieldname, item.term)) is not None]
            frequency = sum(info.doc_frequency() for _, info in holders)
            if not frequency:
                continue
            weight = field_weight * query_weight(item.count) * idf(documents, frequency) * (k1 + 1)
            for segment, info in holders:
                docnums, tf = segment.postings(fieldname, item.term, info)
                norm = k1 * (1 - b + b * segment.lengths(fieldname)[docnums] / average)
                scores[segment.offset + docnums] += weight * tf / (tf + norm)
    for segment in segments:
        scores[segment.offset + segment.deleted()] = 0.0
    return scores, searched


def idf(documents: int, frequency: int) -> float:
    """BM25's inverse document frequency, never negative.

    Whoosh's frequencies still count replaced documents until their segment is merged
    away, so a word in every document can count more documents than there are.
    """
    frequency = min(frequency, documents)
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


def query_weight(count: int) -> float:
    """How much a term's repetition in the passage counts: damped, so one repeated word cannot dominate."""
    return 1 + math.log(count)


def _best(searcher: Searcher, scores: np.ndarray, count: int, excluded: set[int],
          allowed: wq.Query | None) -> list[tuple[int, float]]:
    """The ``count`` best-scored documents not excluded and matching ``allowed``, best first (ties: lower number).

    The filter is checked on the best candidates only, in growing rounds, not on every scored document.
    """
    if excluded:
        scores[np.fromiter(excluded, dtype=np.int64)] = 0.0
    if allowed is None:
        return _top(scores, count)
    size = count * 4
    while True:
        candidates = _top(scores, size)
        passing = _matching(searcher, allowed, sorted(docnum for docnum, _ in candidates))
        chosen = [item for item in candidates if item[0] in passing]
        if len(chosen) >= count or len(candidates) < size:
            return chosen[:count]
        size *= 8


def _top(scores: np.ndarray, count: int) -> list[tuple[int, float]]:
    """The ``count`` highest positive scores as (document number, score), best first, ties by document number."""
    scored = np.flatnonzero(scores > 0)
    if len(scored) > count:
        # Everything scoring at least the count-th best score, so ties at the cut are settled by number.
        cut = np.partition(scores[scored], len(scored) - count)[len(scored) - count]
        scored = scored[scores[scored] >= cut]
    order = np.lexsort((scored, -scores[scored]))[:count]
    return [(int(docnum), float(scores[docnum])) for docnum in scored[order]]


def _matching(searcher: Searcher, allowed: wq.Query, docnums: list[int]) -> set[int]:
    """Which of ``docnums`` (ascending) the query matches, by skipping its matcher along them."""
    matcher = allowed.matcher(searcher, searcher.boolean_context())
    found = set()
    for docnum in docnums:
        if not matcher.is_active():
            break
        matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            found.add(docnum)
    return found


def _hits(searcher: Searcher, query: wq.Query, terms: Sequence[PassageTerm],
          ranked: list[tuple[int, float]]) -> list[SimilarHit]:
    """Hits with the shared words marked in title and snippet."""
    docnums = [docnum for docnum, _ in ranked]
    documents = [stored_document(searcher.stored_fields(docnum)) for docnum in docnums]
    words = {item.term: item.word for item in terms}
    body_field, title_field = passage_fields()
    hits = []
    for (_, score), document, found in zip(ranked, documents,
                                           matched_occurrences(searcher, query, docnums, documents), strict=True):
        shared = tuple(words[item.term] for item in terms
                       if (body_field, item.term) in found or (title_field, item.term) in found)
        title, heading = title_highlights(document, _field_spans(found, title_field))
        body = snippet(document.body, _field_spans(found, body_field))
        hits.append(SimilarHit(Hit(document, score, title, body, heading), shared))
    return hits


def _field_spans(found: dict[tuple[str, str], list[tuple[int, int, int]]], fieldname: str) -> list[tuple[int, int]]:
    return merge_spans(sorted((start, end) for (name, _), places in found.items() if name == fieldname
                         for _, start, end in places))


def similar_json(page: SimilarPage) -> dict[str, object]:
    """The page as JSON-ready data: what the CLI's --json and the API give."""
    return {"source": page.source.id if page.source else None,
            "terms": [{"term": item.term, "word": item.word, "count": item.count, "weight": round(item.weight, 3)}
                      for item in page.terms],
            "notices": page.notices, "seconds": page.seconds,
            "hits": [{**hit_json(item.hit), "shared": list(item.shared)} for item in page.hits],
            "facets": {name: [{"value": facet.value, "count": facet.count} for facet in counts]
                       for name, counts in page.facets.items()}}
