"""A segment's matches for a query as arrays, whole posting lists at a time.

Whoosh walks a matcher tree one posting at a time in Python: each match costs a
chain of ``is_active``/``id``/``next`` calls, and each score a BM25F call that
reads the document's field length through a column file (30-60 µs a match).
Here each leaf's posting blocks are read whole, BM25F is computed with numpy
over the segment's field lengths (read once and kept, as are its term look-ups:
``search.postings``, which passage search uses too), and the tree's unions,
intersections and exclusions become array operations.

The answers are Whoosh's own: the same documents, and the same floating-point
scores (BM25F in the same operation order, each node's sum made in the tree's
own order). A node this module does not know is walked the Whoosh way, so any
query still runs; its subtree just costs what it always did.
"""

from __future__ import annotations

import math
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import Any, NamedTuple

import numpy as np
from whoosh import collectors
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import binary, mcore, wrappers
from whoosh.reading import TermInfo, TermNotFound
from whoosh.scoring import BM25F, BM25FScorer, WeightingModel, WeightScorer
from whoosh.searching import Searcher

from search.blocks import BLOCK_READERS
from search.postings import SegmentPostings, segment_postings
from search.query import DateTermRange, ExactPhrase, field_terms
from search.store import SEGMENT_CACHE

Found = tuple[np.ndarray, np.ndarray | None]  # document numbers (ascending), their scores (None unscored)

_NO_IDS = np.zeros(0, dtype=np.int64)
_NO_SCORES = np.zeros(0, dtype=np.float64)
_CHECK_EVERY = 256  # postings walked the Whoosh way between looks at the clock


def segment_matches(query: wq.Query, searcher: Searcher, context: Any, scored: bool, deadline: float) -> Found:
    """Every document of one segment (``searcher``, a leaf searcher) that ``query`` matches, ascending, with its
    score as Whoosh's matcher for ``query`` in ``context`` would give it.

    Raises ``whoosh.collectors.TimeLimit`` once ``deadline`` (a ``time.perf_counter`` value) has passed.
    """
    if not searcher.reader().doc_count_all():  # an index with no segment yet
        return _NO_IDS, _NO_SCORES if scored else None
    return _Evaluation(searcher, scored, deadline).query(query, context, None)


def read_ahead(searcher: Searcher, query: wq.Query) -> None:
    """Fill the per-segment caches ``query`` will read (field lengths, date terms) ahead of the search, so
    that, as for the sort columns, a segment's first query does not spend its time budget on them."""
    leaves = list(query.leaves())
    scorable = {leaf.field() for leaf in leaves if leaf.field() in searcher.schema
                and searcher.schema[leaf.field()].scorable}
    ranges = [leaf for leaf in leaves if isinstance(leaf, DateTermRange)]
    for segment in segment_postings(searcher):
        if not segment.reader.doc_count_all():  # an index with no segment yet
            continue
        for fieldname in scorable:
            segment.lengths(fieldname)
        for date_range in ranges:
            field_postings(segment, date_range.fieldname)


class _Evaluation:
    """One segment's query evaluated bottom-up.

    Terms, And, Or, AndNot and word-list queries (ranges, wildcards) are taken
    apart here, in the tree shapes Whoosh's own ``matcher()`` methods would
    build (the same Huffman-like order by estimated size), so sums keep their
    order; for any other query Whoosh's matcher is built and read (``run``).

    ``within``, when given, is an ascending array of the only documents that can
    still matter (what an intersection's other side matched): a node then returns
    its matches among them only, and a leaf skips, unread, every posting block
    holding none of them, as Whoosh's ``skip_to`` does.
    """

    def __init__(self, searcher: Searcher, scored: bool, deadline: float) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.segment = SegmentPostings(self.reader, 0)
        self.deleted = self.segment.deleted()  # documents SegmentReader.postings would filter out
        self.scored = scored
        self.deadline = deadline
        self._sizes: dict[int, tuple[wq.Query, int]] = {}
        self._infos: dict[tuple[str, str | bytes], tuple[str, bytes, Any] | None] = {}
        # Each term's posting blocks read so far, decoded, by position in the postings file: a phrase reads the
        # positions of its candidates from the blocks it has just read their ids from.
        self._blocks: dict[tuple[str, bytes], dict[int, Any]] = {}

    def query(self, q: wq.Query, context: Any, within: np.ndarray | None) -> Found:
        if time.perf_counter() > self.deadline:
            raise collectors.TimeLimit
        kind = type(q)
        if kind is wq.Term:
            return self._term(q, context, within)
        if kind is wq.And or kind is wq.Or and self._plain_or(q):
            subs = q.subqueries
            if not subs:
                return _NO_IDS, _NO_SCORES if self.scored else None
            if len(subs) == 1:  # as CompoundQuery.matcher: the one child alone, its parent's boost unused
                return self.query(subs[0], context, within)
            return self._boosted(self._tree(subs, kind is wq.And, context, within), q.boost)
        if kind is wq.AndNot:
            ids, scores = self.query(q.a, context, within)
            excluded = self._ids_only(lambda: self.query(q.b, self.searcher.boolean_context(), ids))
            keep = ~np.isin(ids, excluded, assume_unique=True)
            return ids[keep], scores[keep] if scores is not None else None
        if kind is ExactPhrase:
            return self._exact_phrase(q, context, within)
        if kind is DateTermRange:
            return self._date_range(q, context, within)
        if isinstance(q, wq.MultiTerm) and kind.matcher is wq.MultiTerm.matcher:
            return self._words(q, context, within)
        if q is wq.NullQuery or kind is wq.NullQuery.__class__:
            return _NO_IDS, _NO_SCORES if self.scored else None
        return self.run(q.matcher(self.searcher, context), within)

    def _plain_or(self, q: wq.Or) -> bool:
        """Whether Whoosh would build this Or as a tree of UnionMatchers (or its scores do not matter)."""
        if q.scale or q.minmatch:
            return False
        return not self.scored or len(q.subqueries) < wq.Or.TOO_MANY_CLAUSES and q.matcher_type in (
            wq.Or.AUTO_MATCHER, wq.Or.DEFAULT_MATCHER)

    def _term(self, q: wq.Term, context: Any, within: np.ndarray | None) -> Found:
        """As Term.matcher: the term's postings, scored by the context's weighting, times the boost."""
        info = self._term_info(q)
        if info is None:
            return _NO_IDS, _NO_SCORES if self.scored else None
        fieldname, text = info[0], info[1]
        weighting = (context.weighting if context else None) or self.searcher.weighting
        if self.scored and type(weighting) is not BM25F:
            return self._boosted(self.run(self.searcher.postings(fieldname, text, weighting=weighting), within),
                                 q.boost)
        # BM25F's figures taken here rather than from a scorer object, which looks the term up three more times.
        figures = _bm25_figures(self.searcher, weighting, fieldname, text) if self.scored else None
        return self._boosted(self._live(*self._scored(term_postings(self.segment, *info), within, figures)), q.boost)

    def _term_info(self, q: wq.Term) -> tuple[str, bytes, Any] | None:
        """(field, term bytes, Whoosh's term info) of a term this segment holds."""
        key = (q.fieldname, q.text)
        if key not in self._infos:
            self._infos[key] = None
            if q.fieldname in self.searcher.schema:
                try:
                    text = self.searcher.schema[q.fieldname].to_bytes(q.text)
                except ValueError:
                    text = None
                info = segment_term_info(self.segment, q.fieldname, text) if text is not None else None
                if info is not None:
                    self._infos[key] = (q.fieldname, text, info)
        return self._infos[key]

    def _live(self, ids: np.ndarray, scores: np.ndarray | None) -> Found:
        """The documents of ``ids`` (and their scores) not deleted."""
        if not len(self.deleted):
            return ids, scores
        keep = ~np.isin(ids, self.deleted, assume_unique=True)
        return ids[keep], scores[keep] if scores is not None else None

    def _exact_phrase(self, q: ExactPhrase, context: Any, within: np.ndarray | None) -> Found:
        """As ExactPhrase.matcher: the documents holding every piece (``q.pieces``) with the pieces lined up,
        scored as the left-leaning intersection of the pieces' terms sums them."""
        if len(q.words) < 2 or any(self._term_info(wq.Term(q.fieldname, word)) is None for word in q.words):
            return self.run(q.matcher(self.searcher, context), within)  # Whoosh's own phrase, as there
        pieces = q.pieces(self.searcher.schema)
        terms = [wq.Term(fieldname, term) for _, fieldname, term in pieces]
        if any(self._term_info(term) is None for term in terms):
            return _NO_IDS, _NO_SCORES if self.scored else None
        found: dict[int, Found] = {}
        for index in sorted(range(len(terms)), key=lambda index: self._size(terms[index])):  # rarest first
            found[index] = self._term(terms[index], context, within)
            within = found[index][0]
        ids = within
        for index in found:
            ids = np.intersect1d(ids, found[index][0], assume_unique=True)
        ids = ids[self._lined_up(pieces, ids)]
        if not self.scored:
            return ids, None
        scores = None
        for index in range(len(terms)):
            piece_ids, piece_scores = found[index]
            these = piece_scores[np.searchsorted(piece_ids, ids)]
            scores = these if scores is None else scores + these
        return self._boosted((ids, scores), q.boost)

    def _lined_up(self, pieces: list[tuple[int, str, str]], ids: np.ndarray) -> np.ndarray:
        """Which of ``ids`` hold every piece at its offset from one common start (a mask over ``ids``).

        Pieces are read rarest first, and a document is dropped as soon as no start is left for it, so the
        commoner pieces' positions are read for fewer documents.
        """
        alive = ids.tolist()
        starts: dict[int, set[int]] = {}
        for number, (offset, fieldname, term) in enumerate(sorted(pieces, key=lambda piece: self._size(
                wq.Term(piece[1], piece[2])))):
            text = term.encode("utf-8")
            positions = dict(values_at(term_postings(self.segment, fieldname, text), alive, "positions",
                                       self._blocks.get((fieldname, text))))
            kept: dict[int, set[int]] = {}
            for docnum in alive:
                shifted = {position - offset for position in positions.get(docnum, ())}
                here = shifted if number == 0 else starts[docnum] & shifted
                if here:
                    kept[docnum] = here
            starts, alive = kept, list(kept)
            if not alive:
                break
        return np.isin(ids, np.array(alive, dtype=np.int64), assume_unique=True)

    def _date_range(self, q: DateTermRange, context: Any, within: np.ndarray | None) -> Found:
        """As MultiTerm.matcher on a range of date terms, read from the segment's date postings held as arrays
        (``field_postings``) instead of one posting reader per day, month or year.

        A date field is not scorable, so each posting scores its weight; a document holds one term of each
        kind, so no two terms of a range share a document and the Or of them sums nothing. Where that does not
        hold, or the weighting is not BM25F, the range goes the general way (``_words``).
        """
        weightings = {type((context.weighting if context else None) or self.searcher.weighting),
                      type(self.searcher.weighting)}  # a lone term's, and those of several (constant score)
        if self.searcher.schema[q.fieldname].scorable or self.scored and weightings != {BM25F}:
            return self._words(q, context, within)
        low, high = q.segment_span(self.reader)
        postings = field_postings(self.segment, q.fieldname)
        ids = postings.ids[postings.starts[low]:postings.starts[high]]
        order = np.argsort(ids, kind="stable")
        ids = ids[order]
        if len(ids) > 1 and (ids[1:] == ids[:-1]).any():
            return self._words(q, context, within)
        weights = postings.weights[postings.starts[low]:postings.starts[high]][order] if self.scored else None
        if q.boost != 1.0 and high - low > 1 and weights is not None:  # one term alone goes unboosted
            weights = weights * q.boost
        return _among(*self._live(ids, weights), within)

    def _words(self, q: wq.MultiTerm, context: Any, within: np.ndarray | None) -> Found:
        """As MultiTerm.matcher: one word alone, else an Or of the words, unscored when ``constantscore``."""
        if isinstance(q, DateTermRange):  # its terms come with their term infos: no look-ups left to do
            terms = q.segment_terms(self.reader)
            self._infos.update(((q.fieldname, word), (q.fieldname, word, info)) for word, info in terms)
            words = [wq.Term(q.fieldname, word) for word, _ in terms if word]
        else:
            words = [wq.Term(q.field(), word) for word in q._btexts(self.reader) if word]
        if len(words) <= 1:
            return self._term(words[0], context, within) if words else (_NO_IDS, _NO_SCORES if self.scored
                                                                         else None)
        if q.constantscore and context is not None:
            context = context.set(weighting=None)
        return self.query(wq.Or(words, boost=q.boost), context, within)

    def _tree(self, subs: list[wq.Query], intersect: bool, context: Any, within: np.ndarray | None) -> Found:
        """And's intersections or Or's unions, paired as ``whoosh.util.make_weighted_tree`` pairs them:
        lightest two first (estimated size, negated for And), ties in the given order."""
        sizes = [self._size(sub) for sub in subs]
        weighted = sorted(((-size if intersect else size), index) for index, size in enumerate(sizes))
        weights = [weight for weight, _ in weighted]
        nodes: list[Any] = [index for _, index in weighted]
        while len(nodes) > 1:
            first, second = nodes.pop(0), nodes.pop(0)
            weight = weights.pop(0) + weights.pop(0)
            at = bisect_right(weights, weight)  # after equal weights, as insort puts it
            weights.insert(at, weight)
            nodes.insert(at, (first, second))

        def size(node: Any) -> float:
            if isinstance(node, int):
                return sizes[node]
            return min(size(node[0]), size(node[1])) if intersect else size(node[0]) + size(node[1])

        def evaluate(node: Any, among: np.ndarray | None) -> Found:
            if isinstance(node, int):
                return self.query(subs[node], context, among)
            a, b = node
            if not intersect:
                return self._union(evaluate(a, among), evaluate(b, among))
            if size(b) < size(a):  # the smaller side first; the other reads only the blocks it can use
                second = evaluate(b, among)
                return self._intersect(evaluate(a, second[0]), second)
            first = evaluate(a, among)
            return self._intersect(first, evaluate(b, first[0]))

        return evaluate(nodes[0], within)

    def _size(self, q: wq.Query) -> int:
        """``q.estimate_size`` for this segment, computed once per query node."""
        key = id(q)
        if key not in self._sizes:
            kind = type(q)
            if kind is wq.And:
                size = min(self._size(sub) for sub in q.subqueries)
            elif kind is wq.Or:
                size = min(sum(self._size(sub) for sub in q.subqueries), self.reader.doc_count())
            elif kind is wq.Term:
                info = self._term_info(q)
                size = info[2].doc_frequency() if info is not None else 0
            elif kind is ExactPhrase:  # as Phrase.estimate_size: its rarest word's
                size = min(self._size(wq.Term(q.fieldname, word)) for word in q.words) if q.words else 0
            else:
                size = q.estimate_size(self.reader)
            self._sizes[key] = (q, size)  # the node kept, so its id is not reused while the query runs
        return self._sizes[key][1]

    @staticmethod
    def _boosted(found: Found, boost: float) -> Found:
        """As a WrappingMatcher with a boost: every score times it."""
        if boost == 1.0 or found[1] is None:
            return found
        return found[0], found[1] * boost

    def run(self, matcher: Any, within: np.ndarray | None) -> Found:
        """What a Whoosh matcher tree matches, its known nodes as array operations, the others walked."""
        if time.perf_counter() > self.deadline:
            raise collectors.TimeLimit
        if not matcher.is_active() or within is not None and not len(within):
            return _NO_IDS, _NO_SCORES if self.scored else None
        kind = type(matcher)
        if kind in BLOCK_READERS or kind is mcore.ListMatcher:
            return self._leaf(matcher, within)
        if kind is binary.UnionMatcher:
            return self._union(self.run(matcher.a, within), self.run(matcher.b, within))
        if kind is binary.IntersectionMatcher:
            a, b = matcher.a, matcher.b
            if _size(b) < _size(a):
                second = self.run(b, within)
                return self._intersect(self.run(a, second[0]), second)
            first = self.run(a, within)
            return self._intersect(first, self.run(b, first[0]))
        if kind is binary.AndNotMatcher:
            ids, scores = self.run(matcher.a, within)
            keep = ~np.isin(ids, self._ids_only(lambda: self.run(matcher.b, ids)), assume_unique=True)
            return ids[keep], scores[keep] if scores is not None else None
        if kind is wrappers.FilterMatcher:
            ids, scores = self.run(matcher.child, within)
            keep = np.isin(ids, np.fromiter(matcher._ids, dtype=np.int64, count=len(matcher._ids)),
                           assume_unique=True, invert=matcher._exclude)
            return ids[keep], scores[keep] * matcher.boost if scores is not None else None
        if kind is wrappers.WrappingMatcher:
            return self._boosted(self.run(matcher.child, within), matcher.boost)
        return self._walk(matcher, within)

    def _ids_only(self, evaluate: Callable[[], Found]) -> np.ndarray:
        scored, self.scored = self.scored, False
        try:
            return evaluate()[0]
        finally:
            self.scored = scored

    @staticmethod
    def _union(first: Found, second: Found) -> Found:
        ids = np.union1d(first[0], second[0])
        if first[1] is None:
            return ids, None
        scores = np.zeros(len(ids), dtype=np.float64)
        scores[np.searchsorted(ids, first[0])] = first[1]
        scores[np.searchsorted(ids, second[0])] += second[1]  # a + b where both match, as UnionMatcher adds
        return ids, scores

    @staticmethod
    def _intersect(first: Found, second: Found) -> Found:
        ids, at_first, at_second = np.intersect1d(first[0], second[0], assume_unique=True, return_indices=True)
        if first[1] is None:
            return ids, None
        return ids, first[1][at_first] + second[1][at_second]  # a + b, as IntersectionMatcher adds

    def _leaf(self, matcher: Any, within: np.ndarray | None) -> Found:
        """A term's remaining postings, scored as its own scorer would: BM25F, or the plain weight."""
        figures = None
        if self.scored:
            scorer = matcher._scorer if type(matcher) is mcore.ListMatcher else matcher.scorer
            if type(scorer) is BM25FScorer:
                figures = Bm25(scorer.idf, scorer.avgfl, scorer.B, scorer.K1)
            elif not (type(scorer) is WeightScorer or scorer is None and type(matcher) is mcore.ListMatcher):
                return self._walk(matcher, within)
        return self._scored(matcher, within, figures)

    def _scored(self, matcher: Any, within: np.ndarray | None, figures: Bm25 | None) -> Found:
        """A leaf's postings with BM25F scores from ``figures``, or their weights as scores (None)."""
        ids, weights = _postings(matcher, self.scored, within, self._blocks.setdefault(matcher.term(), {}))
        if weights is None or figures is None:
            return ids, weights
        lengths = self.segment.lengths(matcher.term()[0])[ids]
        # bm25() of whoosh.scoring, operation for operation, so every score is the same number.
        idf, avgfl, b, k1 = figures
        return ids, idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avgfl)))

    def _walk(self, matcher: Any, within: np.ndarray | None) -> Found:
        """A node this module does not know, walked the Whoosh way (skipping to each of ``within``, if given)."""
        ids: list[int] = []
        scores: list[float] = []
        targets = iter(within.tolist()) if within is not None else None
        count = 0
        while matcher.is_active():
            if count % _CHECK_EVERY == 0 and time.perf_counter() > self.deadline:
                raise collectors.TimeLimit
            count += 1
            if targets is not None:
                target = next(targets, None)
                if target is None:
                    break
                matcher.skip_to(target)
                if not matcher.is_active() or matcher.id() != target:
                    continue
            ids.append(matcher.id())
            if self.scored:
                scores.append(matcher.score())
            matcher.next()
        return np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float64) if self.scored else None


def _size(matcher: Any) -> float:
    """About how many postings a matcher tree reads: enough to choose which side of an intersection goes first."""
    kind = type(matcher)
    if kind is mcore.ListMatcher:
        return len(matcher._ids)
    if kind in BLOCK_READERS:
        length = matcher._length  # bytes of postings (Whoosh leaves it a 1-tuple), a few bytes a posting
        return (length[0] if isinstance(length, tuple) else length) / 4
    if kind is binary.UnionMatcher:
        return _size(matcher.a) + _size(matcher.b)
    if kind is binary.IntersectionMatcher:
        return min(_size(matcher.a), _size(matcher.b))
    if kind is binary.AndNotMatcher:
        return _size(matcher.a)
    if kind is wrappers.FilterMatcher or kind is wrappers.WrappingMatcher:
        return _size(matcher.child)
    return math.inf  # walked one posting at a time: best left to the other side's candidates


def _postings(matcher: Any, weighted: bool, within: np.ndarray | None, blocks: dict[int, Any] | None = None) -> Found:
    """A leaf's remaining document numbers (among ``within``, if given) and, if ``weighted``, their weights:
    a W3 matcher's blocks read whole (skipping those holding none of ``within``; each one read is kept in
    ``blocks``, if given), or a short list inlined in the term info."""
    if type(matcher) is mcore.ListMatcher:
        start = matcher._i
        ids = np.asarray(matcher._ids[start:], dtype=np.int64)
        if not weighted:
            weights = None
        elif matcher._all_weights:
            weights = np.full(len(ids), matcher._all_weights, dtype=np.float64)
        elif matcher._weights:
            weights = np.asarray(matcher._weights[start:], dtype=np.float64)
        else:
            weights = np.ones(len(ids), dtype=np.float64)
        return _among(ids, weights, within)
    ids_read: list[int] = []
    weights_read: list[float] = []
    seen = 0  # how many of ``within`` lie before the current block
    while matcher.is_active():
        if within is not None:
            through = int(np.searchsorted(within, matcher.block_max_id(), "right"))
            if through == seen:  # none of them in this block: leave it unread
                matcher._next_block()
                continue
            seen = through
        ids_read.extend(_block_ids(matcher)[matcher._i:])
        if blocks is not None:
            blocks[matcher._dataoffset] = matcher._data
        if weighted:
            matcher._read_weights()
            weights_read.extend(matcher._weights[matcher._i:])
        matcher._next_block()
    return _among(np.array(ids_read, dtype=np.int64),
                  np.array(weights_read, dtype=np.float64) if weighted else None, within)


def _block_ids(matcher: W3LeafMatcher) -> list[int]:
    """The document numbers of a W3 matcher's current block (Whoosh decodes their deltas with a generator,
    twice as slow as ``accumulate``)."""
    if matcher._ids is None:
        if matcher._data is None:
            matcher._read_data()
        if matcher._byteids:
            matcher._read_ids()
        else:
            matcher._ids = list(accumulate(matcher._data[0]))
    return matcher._ids


def _among(ids: np.ndarray, weights: np.ndarray | None, within: np.ndarray | None) -> Found:
    if within is None:
        return ids, weights
    keep = np.isin(ids, within, assume_unique=True)
    return ids[keep], weights[keep] if weights is not None else None


class FieldPostings(NamedTuple):
    """Every posting of a small field in one segment (dates), term by term in term order: the postings of the
    field's i-th term (``search.query.field_terms``) are ``ids[starts[i]:starts[i + 1]]``, deleted documents
    included."""

    ids: np.ndarray
    weights: np.ndarray
    starts: np.ndarray


def field_postings(segment: SegmentPostings, fieldname: str) -> FieldPostings:
    """A segment's postings of a small field as arrays, read once: a date range then slices them instead of
    opening a posting reader for each of its days, months and years."""

    def build(reader: Any) -> FieldPostings:
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for word, info in zip(*field_terms(reader, fieldname), strict=True):
            found = _postings(term_postings(segment, fieldname, word, info), True, None)
            ids.append(found[0])
            weights.append(found[1])
        starts = np.zeros(len(ids) + 1, dtype=np.int64)
        starts[1:] = np.cumsum([len(part) for part in ids])
        return FieldPostings(np.concatenate(ids) if ids else _NO_IDS, np.concatenate(weights) if weights
                             else _NO_SCORES, starts)

    return SEGMENT_CACHE.get(segment.reader, f"postings:{fieldname}", build)


class Bm25(NamedTuple):
    """What BM25FScorer computes a term's scores from, besides each posting's weight and field length."""

    idf: float
    avgfl: float
    b: float
    k1: float


def _bm25_figures(searcher: Searcher, weighting: BM25F, fieldname: str, text: bytes) -> Bm25 | None:
    """As BM25F.scorer and BM25FScorer's constructor work them out; None where the field is not scorable
    (Whoosh then scores a posting by its weight)."""
    if not searcher.schema[fieldname].scorable:
        return None
    parent = searcher.get_parent()
    # The average length sums every segment's total: worked out once per searcher (a commit's), not per term.
    averages = parent.__dict__.setdefault("_average_field_lengths", {})
    if fieldname not in averages:
        averages[fieldname] = parent.avg_field_length(fieldname) or 1
    return Bm25(_idf(parent, fieldname, text), averages[fieldname], weighting._field_B.get(fieldname, weighting.B),
                weighting.K1)


def _idf(parent: Searcher, fieldname: str, text: bytes) -> float:
    """``parent.idf``, its document frequency summed from the segments' remembered term look-ups (Whoosh's asks
    every segment's term index afresh for each term it has not seen), kept per searcher as Whoosh keeps it."""
    if type(parent.weighting).idf is not WeightingModel.idf:
        return parent.idf(fieldname, text)
    known = parent.__dict__.setdefault("_idfs", {})
    if (fieldname, text) not in known:
        infos = (segment_term_info(segment, fieldname, text) for segment in segment_postings(parent))
        frequency = sum(info.doc_frequency() for info in infos if info is not None)
        known[fieldname, text] = math.log(parent.doc_count_all() / (frequency + 1)) + 1  # WeightingModel.idf's sum
    return known[fieldname, text]


def segment_term_info(segment: SegmentPostings, fieldname: str, text: bytes) -> TermInfo | None:
    """A segment's term info for a term given as bytes, from the segment's remembered look-ups where the term
    is text (every field a query names but numbers)."""
    try:
        return segment.term_info(fieldname, text.decode("utf-8"))
    except UnicodeDecodeError:
        try:
            return segment.reader.term_info(fieldname, text)
        except TermNotFound:
            return None


def term_postings(segment: SegmentPostings, fieldname: str, text: bytes, info: TermInfo | None = None) -> Any:
    """A segment's unscored posting reader for a term, deleted documents included; None without the term."""
    if info is None:
        info = segment_term_info(segment, fieldname, text)
    return None if info is None else segment.matcher(fieldname, text, info)


def values_at(matcher: Any, docnums: list[int], astype: str,
              blocks: dict[int, Any] | None = None) -> Iterator[tuple[int, Any]]:
    """The posting values (decoded as ``astype``) of those of ``docnums`` (ascending) that a term's postings
    hold: blocks before each document skipped unread (those in ``blocks``, already decoded, taken from there),
    the document found in its block by bisection."""
    if type(matcher) is wrappers.FilterMatcher:  # deleted documents left out: none of them is asked for
        matcher = matcher.child
    if type(matcher) not in BLOCK_READERS:
        for docnum in docnums:
            if not matcher.is_active():
                return
            matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                yield docnum, matcher.value_as(astype)
        return
    decode = matcher.format.decoder(astype)
    ids = None  # the current block's document numbers, once read
    for docnum in docnums:
        if ids is None or docnum > matcher._maxid:  # (the block's last document)
            while matcher.is_active() and matcher.block_max_id() < docnum:
                matcher._next_block()
            if not matcher.is_active():
                return
            if blocks and matcher._data is None:
                matcher._data = blocks.get(matcher._dataoffset)
            ids = _block_ids(matcher)
        matcher._i = bisect_left(ids, docnum, matcher._i)
        if ids[matcher._i] == docnum:
            yield docnum, decode(matcher.value())
