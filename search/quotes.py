"""Quotations traced: where else a passage, or a long enough run of it, appears, earliest first.

The index holds each body's winnowed shingle fingerprints (``quotes`` field, see
``search.schema.quote_fingerprints``), so any run of ``QUOTE_MIN_RUN`` words two texts share
leads to a posting lookup, not a scan. The candidates found that way are then checked
word by word: runs are matched on folded words (case, accents and punctuation do not
count) and runs a few words apart are joined, so a dropped or changed word does not
split a quotation.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from whoosh.searching import Searcher

from search.documents import Document, utc_instant
from search.postings import segment_postings
from search.results import Highlight, snippet
from search.schema import (
    QUOTE_MASK_TYPE,
    QUOTE_MIN_RUN,
    QUOTE_SHINGLE,
    SOURCE_KIND,
    FingerprintMasks,
    bucket_term,
    fingerprint_buckets,
    quote_words,
    shingle_hashes,
    stored_document,
)

MAX_PASSAGE_WORDS = 3000  # a longer passage is trimmed to its first words, and the report says so
MAX_CANDIDATES = 300  # documents checked word by word, those sharing most fingerprints first
MAX_GAP = 3  # words a run may skip (a dropped or changed word) and still count as one quotation
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")  # as the document page parts paragraphs

Word = tuple[str, int, int]


class QuoteError(ValueError):
    """A passage that cannot be traced (too short, or an unknown document)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Run:
    """A shared run of words: character spans in the passage searched and in the document holding it."""

    passage_start: int
    passage_end: int
    start: int
    end: int
    words: int


@dataclass(frozen=True)
class Appearance:
    document: Document
    runs: tuple[Run, ...]
    excerpt: Highlight
    first_seen: bool = False
    is_source: bool = False

    @property
    def words(self) -> int:
        return sum(run.words for run in self.runs)


@dataclass
class QuoteReport:
    passage_words: int
    appearances: list[Appearance] = field(default_factory=list)
    trimmed: bool = False
    unchecked: int = 0
    seconds: float = 0.0


def trace_text(searcher: Searcher, text: str, source_id: str | None = None) -> QuoteReport:
    """Every document sharing ``text`` or a run of ``QUOTE_MIN_RUN`` words of it, by date, earliest marked.

    ``source_id`` names the document the passage was taken from, marked as such in the report.
    """
    started = time.perf_counter()
    words = quote_words(text)
    if len(words) < QUOTE_MIN_RUN:
        raise QuoteError(f"a passage needs at least {QUOTE_MIN_RUN} words to be traced; this one has {len(words)}")
    if "quotes" not in searcher.schema or next(iter(searcher.reader().lexicon("quotes")), None) is None:
        raise QuoteError("the index holds no quotation fingerprints (it was built before they were added): "
                         "rebuild it with 'essays index --rebuild'")
    if not isinstance(searcher.schema["quotes"].format, FingerprintMasks):
        raise QuoteError("the index holds quotation fingerprints in an older form, one term each: "
                         "rebuild it with 'essays index --rebuild'")
    report = QuoteReport(min(len(words), MAX_PASSAGE_WORDS), trimmed=len(words) > MAX_PASSAGE_WORDS)
    words = words[:MAX_PASSAGE_WORDS]
    shingles = _shingles(words)
    candidates = _candidates(searcher, [word for word, _, _ in words], searcher.schema["quotes"].hash_version)
    report.unchecked = max(0, len(candidates) - MAX_CANDIDATES)
    appearances = []
    for docnum in candidates[:MAX_CANDIDATES]:
        stored = searcher.stored_fields(docnum)
        if stored.get("kind") == SOURCE_KIND:
            continue
        document = stored_document(stored)
        runs = shared_runs(words, shingles, quote_words(document.body))
        if runs:
            spans = [(run.start, run.end) for run in runs]
            appearances.append(Appearance(document, tuple(runs), snippet(document.body, spans),
                                          is_source=document.id == source_id))
    report.appearances = _by_date(appearances)
    report.seconds = time.perf_counter() - started
    return report


def trace_document(searcher: Searcher, doc_id: str) -> QuoteReport:
    """Where else the runs of a stored document's body appear (the document itself included, marked)."""
    stored = searcher.document(id=doc_id)
    if stored is None or stored.get("kind") == SOURCE_KIND:
        raise QuoteError(f"no article or comment has the id '{doc_id}'")
    return trace_text(searcher, stored.get("body", ""), source_id=doc_id)


def _shingles(words: list[Word]) -> dict[str, list[int]]:
    """Each run of ``QUOTE_SHINGLE`` folded words (joined by spaces) with its starting positions."""
    found: dict[str, list[int]] = {}
    folded = [word for word, _, _ in words]
    for start in range(len(folded) - QUOTE_SHINGLE + 1):
        found.setdefault(" ".join(folded[start:start + QUOTE_SHINGLE]), []).append(start)
    return found


def _candidates(searcher: Searcher, words: list[str], version: int) -> list[int]:
    """Document numbers holding any of the shingles of the passage's (folded) ``words`` as a fingerprint (hashed
    as the index's are: ``version``, ``search.schema.QUOTE_HASH_VERSION``), most shared first.

    Each fingerprint bucket's postings are read once per segment, and a document's shared
    fingerprints counted from its mask. Postings still list documents deleted (replaced)
    since the last merge: those are left out.
    """
    buckets, wanted = fingerprint_buckets(shingle_hashes(words, version))
    docnums: list[np.ndarray] = []
    shared: list[np.ndarray] = []
    for segment in segment_postings(searcher):
        deleted = segment.deleted()
        for bucket, mask in zip(buckets.tolist(), wanted.tolist(), strict=True):
            term = bucket_term(bucket)
            info = segment.term_info("quotes", term)
            if info is None:
                continue
            ids, masks = segment.values("quotes", term, info, QUOTE_MASK_TYPE)
            counts = np.bitwise_count(masks & np.uint64(mask))
            counts[np.isin(ids, deleted)] = 0
            found = np.flatnonzero(counts)
            docnums.append(ids[found] + segment.offset)
            shared.append(counts[found].astype(np.int64))
    if not docnums:
        return []
    found, inverse = np.unique(np.concatenate(docnums), return_inverse=True)
    totals = np.bincount(inverse, weights=np.concatenate(shared)).astype(np.int64)
    return found[np.lexsort((found, -totals))].tolist()


def shared_runs(passage: list[Word], shingles: dict[str, list[int]], document: list[Word]) -> list[Run]:
    """The runs of at least ``QUOTE_MIN_RUN`` words the passage and a document share, in document order.

    ``shingles`` is ``_shingles(passage)``. A shingle found in both marks its words on
    both sides; marked words at most ``MAX_GAP`` apart on both sides form one run.
    """
    folded = [word for word, _, _ in document]
    pairs: set[tuple[int, int]] = set()  # (passage word, document word) aligned by a shared shingle
    for start in range(len(folded) - QUOTE_SHINGLE + 1):
        for passage_start in shingles.get(" ".join(folded[start:start + QUOTE_SHINGLE]), ()):
            pairs.update((passage_start + offset, start + offset) for offset in range(QUOTE_SHINGLE))
    runs: list[list[tuple[int, int]]] = []
    for passage_index, document_index in sorted(pairs, key=lambda pair: (pair[1], pair[0])):
        last = runs[-1][-1] if runs else None
        if (last and 0 <= document_index - last[1] <= MAX_GAP + 1
                and -1 <= passage_index - last[0] <= MAX_GAP + 1):
            runs[-1].append((passage_index, document_index))
        else:
            runs.append([(passage_index, document_index)])
    found = []
    for run in runs:
        document_words = {index for _, index in run}
        if len(document_words) < QUOTE_MIN_RUN:
            continue
        passage_indexes = [index for index, _ in run]
        found.append(Run(passage[min(passage_indexes)][1], passage[max(passage_indexes)][2],
                         document[min(document_words)][1], document[max(document_words)][2], len(document_words)))
    return found


def _by_date(appearances: list[Appearance]) -> list[Appearance]:
    """Oldest first, undated last; the oldest dated one marked as first seen."""
    ordered = sorted(appearances, key=lambda item: (item.document.date is None,
                                                    utc_instant(item.document.date) if item.document.date
                                                    else datetime.min, item.document.id))
    if ordered and ordered[0].document.date is not None:
        first = ordered[0]
        ordered[0] = Appearance(first.document, first.runs, first.excerpt, True, first.is_source)
    return ordered


@dataclass(frozen=True)
class QuotedPlace:
    """Where a comment quotes its article: the span in each, and the article paragraph (from 1) holding it."""

    comment_start: int
    comment_end: int
    article_start: int
    article_end: int
    paragraph: int
    words: int


def quoted_places(article: Document, comment: Document) -> list[QuotedPlace]:
    """The runs of the article a comment quotes, for linking the comment to the quoted place."""
    comment_words = quote_words(comment.body)
    if len(comment_words) < QUOTE_MIN_RUN:
        return []
    runs = shared_runs(comment_words, _shingles(comment_words), quote_words(article.body))
    return [QuotedPlace(run.passage_start, run.passage_end, run.start, run.end,
                        paragraph_number(article.body, run.start), run.words) for run in runs]


def paragraph_number(body: str, offset: int) -> int:
    """The paragraph (from 1, paragraphs parted by blank lines, empty ones not counted) holding ``offset``."""
    number, cursor = 0, 0
    for piece in (piece for piece in _BLANK_LINE.split(body) if piece):
        start = body.find(piece, cursor)
        if start > offset:
            break
        number += 1
        cursor = start + len(piece)
    return max(number, 1)

