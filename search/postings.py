"""A segment's posting lists and field lengths as numpy arrays, for scoring many terms at once.

Whoosh walks postings with several Python calls per posting, looks a term up in a
segment's hash table once for its statistics and again for its postings, and reads a
field length through a column reader per document. Passage search scores tens of
terms over every document holding them, on indexes of many segments, so here a
segment's term statistics are remembered, a term's postings are read a whole block at
a time, and a field's lengths a whole column at a time.

This reads Whoosh 3's on-disk layout (blocks of delta-coded ids and minified weights,
a byte per document for lengths) through a few private attributes: whoosh-reloaded is
pinned at 2.7.5 and unmaintained, so the layout cannot change under us, and
tests/test_postings.py checks every value against Whoosh's own matchers and readers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader, TermInfo, TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from search.blocks import BLOCK_READERS
from search.store import SEGMENT_CACHE, segment_key

TERMS_REMEMBERED = 20_000  # term look-ups remembered per segment and field, then started afresh
_UNKNOWN = object()
# BM25's length of a document per stored length byte; a document without the field counts as length 1.
_LENGTH_OF_BYTE = np.array([1.0] + [max(byte_to_length(code), 1) for code in range(1, 256)])


class SegmentPostings:
    """One segment of a searcher: its term statistics, postings and field lengths as arrays.

    ``offset`` is the number of the segment's first document in the searcher.
    Postings include deleted documents; ``deleted`` lists them.
    """

    def __init__(self, reader: IndexReader, offset: int) -> None:
        self.reader = reader
        self.offset = offset
        self._known: dict[str, dict[str, TermInfo | None]] = {}

    def term_info(self, fieldname: str, term: str) -> TermInfo | None:
        """The term's statistics in this segment, or None when the segment does not hold it.

        A look-up in Whoosh's term table costs tens of microseconds; a segment never
        changes, so its answers are kept for every later query.
        """
        known = self._known.get(fieldname)
        if known is None:
            known = self._known[fieldname] = SEGMENT_CACHE.get(self.reader, f"term-infos:{fieldname}",
                                                               lambda segment: {})
        info = known.get(term, _UNKNOWN)
        if info is _UNKNOWN:
            try:
                info = self.reader.term_info(fieldname, term)
            except TermNotFound:
                info = None
            if len(known) >= TERMS_REMEMBERED:
                known.clear()
            known[term] = info
        return info  # type: ignore[return-value]

    def postings(self, fieldname: str, term: str, info: TermInfo) -> tuple[np.ndarray, np.ndarray]:
        """The document numbers (in the segment) and frequencies of a term this segment holds."""
        if info.is_inlined():
            ids, weights, _ = info.inlined_postings()
            return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)
        key = (segment_key(self.reader), fieldname, term)
        found = POSTING_ARRAYS.get(key)
        if found is None:
            found = _block_arrays(self.matcher(fieldname, term, info))
            POSTING_ARRAYS.put(key, found)
        return found

    def values(self, fieldname: str, term: str, info: TermInfo, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """The document numbers (in the segment) of a term this segment holds and their posting values, for a
        field whose values are each one number of ``dtype`` (its format's fixed value size)."""
        if info.is_inlined():
            ids, _, values = info.inlined_postings()
            return np.asarray(ids, dtype=np.int64), np.frombuffer(b"".join(values), dtype=dtype)
        matcher = self.matcher(fieldname, term, info)
        if type(matcher) not in BLOCK_READERS:  # not a Whoosh 3 segment: posting by posting
            pairs = list(matcher.items())
            return (np.fromiter((docnum for docnum, _ in pairs), dtype=np.int64, count=len(pairs)),
                    np.frombuffer(b"".join(value for _, value in pairs), dtype=dtype))
        ids: list[np.ndarray] = []
        values: list[bytes] = []
        for block_ids, data in _blocks(matcher):
            ids.append(block_ids)
            values.append(data[2])  # a fixed-size format's values, joined
        return np.concatenate(ids), np.frombuffer(b"".join(values), dtype=dtype)

    def matcher(self, fieldname: str, term: str | bytes, info: TermInfo) -> Any:
        """A posting reader for a term this segment holds, made from its remembered term info (Whoosh's own
        ``postings`` looks the term up again), deleted documents included."""
        terms = getattr(self.reader, "_terms", None)
        if terms is None or not hasattr(terms, "_codec"):  # not a Whoosh 3 segment: Whoosh's own way
            matcher = self.reader.postings(fieldname, term)
            return matcher.child if type(matcher) is FilterMatcher else matcher
        text = term.encode("utf-8") if isinstance(term, str) else term
        return terms._codec.postings_reader(terms._postfile, info, self.reader.schema[fieldname].format,
                                            term=(fieldname, text))

    def lengths(self, fieldname: str) -> np.ndarray:
        """Each document's length in a field, as BM25 reads it (at least 1), kept while the segment is in use."""
        return SEGMENT_CACHE.get(self.reader, f"length-array:{fieldname}", lambda segment: _lengths(segment, fieldname))

    def deleted(self) -> np.ndarray:
        """The segment's deleted documents, by number in the segment."""
        if not self.reader.has_deletions():
            return np.zeros(0, dtype=np.int64)
        return np.fromiter(self.reader.deleted_docs_set, dtype=np.int64)


class PostingArrays:
    """Posting lists read as arrays, the most recently used kept within a memory budget.

    Passages share most of their telling words with other passages (a debate's
    vocabulary), and reading a long list block by block is most of a passage's time.
    """

    def __init__(self, budget_bytes: int) -> None:
        self._arrays: OrderedDict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._budget = budget_bytes
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> tuple[np.ndarray, np.ndarray] | None:
        with self._lock:
            found = self._arrays.get(key)
            if found is not None:
                self._arrays.move_to_end(key)
            return found

    def clear(self) -> None:
        with self._lock:
            self._arrays.clear()
            self._size = 0

    def put(self, key: tuple[Any, ...], arrays: tuple[np.ndarray, np.ndarray]) -> None:
        size = sum(array.nbytes for array in arrays)
        if size > self._budget // 8:  # a list this long would push out too many others
            return
        with self._lock:
            if key in self._arrays:
                return
            self._arrays[key] = arrays
            self._size += size
            while self._size > self._budget:
                _, dropped = self._arrays.popitem(last=False)
                self._size -= sum(array.nbytes for array in dropped)


POSTING_ARRAYS = PostingArrays(64 * 1024 * 1024)


def segment_postings(searcher: Searcher) -> list[SegmentPostings]:
    """The searcher's segments, each with the number of its first document."""
    return [SegmentPostings(leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers()]


def _blocks(matcher: W3LeafMatcher) -> Iterator[tuple[np.ndarray, tuple[Any, Any, Any]]]:
    """A posting list block by block: the block's ids (decoded as ``_read_ids`` does) and its raw data tuple."""
    while matcher.is_active():
        matcher._read_data()
        yield np.cumsum(np.asarray(matcher._data[0], dtype=np.int64)), matcher._data  # each block's ids count from 0
        matcher._next_block()


def _block_arrays(matcher: W3LeafMatcher) -> tuple[np.ndarray, np.ndarray]:
    """A posting list's ids and weights, block by block, decoded as ``_read_ids`` and ``_read_weights`` do."""
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for block_ids, (_, block_weights, _) in _blocks(matcher):
        ids.append(block_ids)
        if block_weights is None or isinstance(block_weights, float):  # every weight 1, or all the same
            weights.append(np.full(len(block_ids), 1.0 if block_weights is None else block_weights))
        else:
            weights.append(np.asarray(block_weights, dtype=np.float64))
    return np.concatenate(ids), np.concatenate(weights)


def _lengths(reader: IndexReader, fieldname: str) -> np.ndarray:
    column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    coded = np.zeros(reader.doc_count_all(), dtype=np.uint8)
    if column is not None:  # the column stops at the last document with the field
        stored = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
        coded[:len(stored)] = stored
    return _LENGTH_OF_BYTE[coded]
