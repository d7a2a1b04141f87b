"""A batch segment writer: a commit's postings kept in flat arrays, written as whole posting blocks.

Whoosh's own writer sends every posting through a pool of Python tuples, sorts them, spills
them to pickled runs on disk, merges the runs back, reads each document's field length
through a column reader per posting, and builds blocks one posting at a time. Here each
field keeps its postings in flat arrays (term key, document, weight, length of the encoded
value), filled a document's field at a time (``ColumnIndexed`` fields) or a merged block at a
time; a commit sorts them once by term (numpy, stable, so documents stay in order) and writes
each term's postings: a rare term's (most terms) in its term info, the others in blocks
(``search.blocks``). The term index is ``search.termindex``'s sorted arrays instead of Whoosh's
hash table; matchers and scoring stay Whoosh's own.

When a writer's arrays outgrow ``limitmb`` it closes its segment and starts another, so a
long rebuild keeps memory bounded and still lands in one commit.
"""

from __future__ import annotations

import ctypes
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import count, filterfalse, repeat
from multiprocessing import Queue, cpu_count
from pickle import HIGHEST_PROTOCOL, dump, load
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import (
    W3Codec,
    W3FieldWriter,
    W3PerDocReader,
    W3PerDocWriter,
    W3Segment,
    W3TermInfo,
    _lenfield,
)
from whoosh.index import FileIndex
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.reading import SegmentReader
from whoosh.util import random_name
from whoosh.util.numeric import length_to_byte
from whoosh.writing import IndexingError, SegmentWriter

from search.blocks import BLOCK_LIMIT, BlockMatcher, length_bounds, posting_blocks, run_starts
from search.schema import ColumnIndexed, FieldColumns, forget_texts, forget_words
from search.sorting import distinct, stable_order
from search.storedcolumn import STORED_COLUMN
from search.termindex import TermIndexReader, TermIndexWriter, inlined_term_infos, pointer_term_info

CHUNK_POSTINGS = 65_536  # postings gathered and written at a time when a field is written
# Characters of text (every string field, a body once per field that indexes it) analysed together: big enough
# that numpy's per-call costs vanish, small enough that a batch's words stay cached (search.schema.CACHED_CHARS).
BATCH_CHARS = 1_000_000
INDEXED_VALUES = 5_000  # values remembered per field and writer with their postings (``_values_postings``)


class BatchCodec(W3Codec):
    """W3Codec whose writers keep what the batch writer needs, whose term index is ``search.termindex``'s and
    whose posting blocks are ``search.blocks``'."""

    def per_document_writer(self, storage: Any, segment: W3Segment) -> BatchPerDocWriter:
        return BatchPerDocWriter(self, storage, segment)

    def field_writer(self, storage: Any, segment: W3Segment) -> BatchFieldWriter:
        return BatchFieldWriter(self, storage, segment)

    def per_document_reader(self, storage: Any, segment: W3Segment) -> BatchPerDocReader:
        return BatchPerDocReader(storage, segment)

    def postings_reader(self, dbfile: Any, terminfo: W3TermInfo, format_: Any, term: Any = None,
                        scorer: Any = None) -> Any:
        if terminfo.is_inlined():  # a list matcher over the term info's own postings
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return BlockMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

    def terms_reader(self, storage: Any, segment: W3Segment) -> TermIndexReader:
        name = segment.make_filename(self.TERMS_EXT)
        return TermIndexReader(self, storage.open_file(name), storage.file_length(name),
                               segment.open_file(storage, self.POSTS_EXT))


class BatchPerDocReader(W3PerDocReader):
    """Remembers which length columns a segment lacks (the fields that are not scored): Whoosh looked for the file
    on disk at every call, and a merge asks for each document and field. Reads the stored fields as
    ``search.storedcolumn`` writes them (and as Whoosh wrote them before), whichever column Whoosh's code names."""

    def _cached_reader(self, fieldname: str, column: Any) -> Any:
        if fieldname not in self._readers:
            column = STORED_COLUMN if fieldname == "_stored" else column
            self._readers[fieldname] = super()._cached_reader(fieldname, column)
        return self._readers[fieldname]


class BatchPerDocWriter(W3PerDocWriter):
    """Keeps each field's length byte per document in a bytearray, which blocks read for their length bounds and
    which is written at close as the field's length column (the bytes Whoosh's column writer writes, a call per
    document and field); takes a batch's values of a column at once (``add_column_values``)."""

    def __init__(self, codec: W3Codec, storage: Any, segment: W3Segment) -> None:
        super().__init__(codec, storage, segment)
        self.length_bytes: dict[str, bytearray] = {}

    def _create_column(self, fieldname: str, column: Any) -> None:
        """Whoosh's writer creates ``_stored`` with its zlib column: ``search.storedcolumn``'s is written instead."""
        super()._create_column(fieldname, STORED_COLUMN if fieldname == "_stored" else column)

    def add_field(self, fieldname: str, fieldobj: Any, value: Any, length: int | None) -> None:
        if value is not None:
            self._storedfields[fieldname] = value
        if length:
            column = self.length_bytes.setdefault(fieldname, bytearray())
            column.extend(bytes(self._docnum + 1 - len(column)))
            column[self._docnum] = length_to_byte(length)
            self._fieldlengths[fieldname] += length

    def add_documents(self, first: int, stored: Sequence[dict[str, Any]], lengths: dict[str, Sequence[int]]) -> None:
        """A batch's documents, numbered from ``first``: each one's stored fields (empty: none) and each scored
        field's length in each of them (0: none). The same as ``start_doc``, ``add_field`` and ``finish_doc`` a
        document and field at a time, with a call per document (its stored fields) instead of some twenty."""
        if first != self._doccount:
            raise ValueError(f"documents from {first} added after {self._doccount}")
        for fieldname, field_lengths in lengths.items():
            written = bytes(map(length_to_byte, field_lengths)).rstrip(b"\0")  # length_to_byte(0) is 0
            if written:
                column = self.length_bytes.setdefault(fieldname, bytearray())
                column += bytes(first - len(column)) + written
                self._fieldlengths[fieldname] += sum(field_lengths)
        add = self._get_column("_stored").add
        for docnum, fields in enumerate(stored, first):
            if fields:
                add(docnum, fields)
        self._doccount += len(stored)

    def add_column_values(self, fieldname: str, column: Any, values: Iterable[tuple[int, Any]]) -> None:
        """(document, value) pairs of a column, documents ascending."""
        if not self._has_column(fieldname):
            self._create_column(fieldname, column)
        add = self._get_column(fieldname).add
        for docnum, value in values:
            add(docnum, value)

    def close(self) -> None:
        for fieldname, lengths in self.length_bytes.items():
            self._cols.create_file(_lenfield(fieldname)).write(bytes(lengths))
        super().close()


class BatchFieldWriter(W3FieldWriter):
    """Writes a field's terms from sorted flat arrays: whole blocks, and the term index in one go.

    Terms found in few documents (most of them: rare words, common-word pairs, identifiers) keep
    their postings in their term info (``INLINE_POSTINGS``); the others are written block by block.
    """

    def __init__(self, codec: W3Codec, storage: Any, segment: W3Segment) -> None:
        super().__init__(codec, storage, segment)
        self._tindex = TermIndexWriter(self._tindex.dbfile, self._fieldmap)

    def write_field(self, fieldname: str, fieldobj: Any, postings: FieldPostings, length_bytes: bytearray) -> None:
        self.start_field(fieldname, fieldobj)
        postfile = self._postfile
        for chunk in postings.sorted_chunks(length_bytes):
            inlined = chunk.counts <= INLINE_POSTINGS
            inlined_infos, inlined_sizes = chunk.inlined_infos(inlined)
            pointers: list[bytes] = []  # the term infos of the terms with blocks
            if not inlined.all():
                blocks, statistics = chunk.blocks(~inlined, postfile.tell())
                postfile.write(blocks)
                pointers = [pointer_term_info(*term_statistics) for term_statistics in statistics]
            sizes = np.empty(len(chunk.terms), dtype=np.int64)
            sizes[inlined] = inlined_sizes
            sizes[~inlined] = np.fromiter(map(len, pointers), dtype=np.int64, count=len(pointers))
            joined = np.empty(int(sizes.sum()), dtype=np.uint8)
            inlined_bytes = np.repeat(inlined, sizes)
            joined[inlined_bytes] = inlined_infos
            joined[~inlined_bytes] = np.frombuffer(b"".join(pointers), dtype=np.uint8)
            self._tindex.add_sorted(self._fieldid, chunk.terms, joined, sizes)
        self.finish_field()


def _raw(numbers: Any, dtype: type) -> memoryview:
    """``numbers`` as ``dtype``'s bytes, for ``array.frombytes``: no copy where they already are."""
    return memoryview(np.ascontiguousarray(numbers, dtype=dtype)).cast("B")


Posting = tuple[bytes, int, float, bytes | None]  # Whoosh's (term, frequency, weight, value)


class FieldPostings:
    """One field's postings of one segment, in arrival order: flat arrays, one slot per posting."""

    __slots__ = ("keys", "runs", "terms", "docs", "weights", "value_lengths", "values", "fixed_size")

    def __init__(self, fixed_size: int | None) -> None:
        self.terms: dict[bytes, int] = {}
        # Each posting's term: its number in ``terms``, or, in a run of postings from ``add_columns``,
        # a key that run's function turns into the term (once per distinct key, when the field is written).
        self.keys = array("q")
        self.runs: list[tuple[int, Callable[[np.ndarray], list[bytes]] | None]] = []
        self.docs = array("I")
        self.weights = array("f")
        self.value_lengths = array("I")
        self.values = bytearray()
        self.fixed_size = fixed_size

    def add_merged(self, term: bytes, docs: Sequence[int], weights: Sequence[float],
                   values: Sequence[bytes | None]) -> None:
        """A block of a merged segment's postings of one term (documents renumbered); new documents come
        through ``add_document`` and ``add_columns``. Plain sequences: most merged terms have a posting or two,
        for which numpy's arrays cost more than they save."""
        if not docs:  # every posting of the block in a deleted document
            return
        self._run(None)
        self.keys.extend(repeat(self.terms.setdefault(term, len(self.terms)), len(docs)))
        self.docs.extend(docs)
        self.weights.extend(weights)
        self._add_values(values, len(docs))

    def add_documents(self, docnums: Sequence[int], postings: Sequence[Sequence[Posting]],
                      boosts: Sequence[float]) -> list[int]:
        """Documents' (term, frequency, weight, value) postings in this field, each weight times its document's
        ``boosts``; returns each document's field length. Whole columns at a time (``zip``, ``extend``)."""
        counts = list(map(len, postings))
        flat = [posting for document in postings for posting in document]
        if not flat:
            return [0] * len(counts)
        terms, frequencies, weights, values = zip(*flat, strict=True)
        known = self.terms
        setdefault = known.setdefault
        self._run(None)
        self.keys.extend([setdefault(term, len(known)) for term in terms])
        self.docs.extend(np.repeat(np.asarray(docnums, dtype=np.uint32), counts).tolist())
        if any(boost != 1.0 for boost in boosts):
            boosted = np.repeat(boosts, counts).tolist()
            weights = [weight * boost for weight, boost in zip(weights, boosted, strict=True)]
        self.weights.extend(weights)
        self._add_values(values, len(terms))
        return [sum(frequency for _, frequency, _, _ in document) for document in postings]

    def _add_values(self, values: Sequence[bytes | None], count: int) -> None:
        if self.fixed_size == 0:
            self.value_lengths.extend(repeat(0, count))
        else:
            self.value_lengths.extend(map(len, values))
            self.values += b"".join(values)

    def add_columns(self, docnums: np.ndarray, columns: FieldColumns, weights: np.ndarray) -> None:
        """Postings of a run of documents as ``ColumnIndexed.index_batch`` gives them: ``docnums`` are the run's
        documents' numbers, ``weights`` each posting's."""
        if not len(columns.keys):
            return
        self._run(columns.terms_of)
        self.keys.frombytes(_raw(columns.keys, np.int64))
        self.docs.frombytes(_raw(docnums[columns.docs], np.uint32))
        self.weights.frombytes(_raw(weights, np.float32))
        self.value_lengths.frombytes(_raw(columns.value_lengths, np.uint32))
        self.values += columns.values

    def _run(self, terms_of: Callable[[np.ndarray], list[bytes]] | None) -> None:
        if not self.runs or self.runs[-1][1] is not terms_of:
            self.runs.append((len(self.keys), terms_of))

    def _term_numbers(self) -> np.ndarray:
        """Each posting's term number in ``terms``, the runs' keys turned into terms."""
        keys = np.frombuffer(self.keys, dtype=np.int64)
        numbers = keys.copy()
        known = self.terms
        bounds = [start for start, _ in self.runs] + [len(keys)]
        for (start, terms_of), end in zip(self.runs, bounds[1:], strict=True):
            if terms_of is not None:
                unique, inverse = distinct(keys[start:end])
                terms = terms_of(unique)  # distinct, as their keys are
                known.update(zip(filterfalse(known.__contains__, terms), count(len(known))))
                numbers[start:end] = np.fromiter(map(known.__getitem__, terms), dtype=np.int64,
                                                 count=len(terms))[inverse]
        return numbers

    def nbytes(self) -> int:
        """Roughly the memory these postings take at their peak: the arrays, then the sorted copies made
        when they are written (about 40 bytes a posting and a second copy of the values), and the terms."""
        return 60 * len(self.docs) + 2 * len(self.values) + 120 * len(self.terms)

    def sorted_chunks(self, length_bytes: bytearray) -> Iterator[_SortedChunk]:
        """The terms in byte order with their postings, CHUNK_POSTINGS postings (or one term) at a time.

        Sorting is done on the whole field at once (numpy); the postings are encoded a chunk at
        a time. The arrival-order arrays are let go as soon as their sorted copies exist: these
        postings are written once.
        """
        values, self.values = self.values, bytearray()  # no copy: read through numpy
        numbers = self._term_numbers()
        self.keys = array("q")
        terms = sorted(self.terms)
        rank = np.empty(len(terms), dtype=np.uint32)
        rank[np.fromiter(map(self.terms.__getitem__, terms), dtype=np.uint32, count=len(terms))] = np.arange(
            len(terms), dtype=np.uint32)
        ranks = rank[numbers]
        del numbers
        order = stable_order(ranks)
        bounds = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum(np.bincount(ranks, minlength=len(terms)))))
        del rank, ranks
        docs = np.frombuffer(self.docs, dtype=np.uint32)[order]
        weights = np.frombuffer(self.weights, dtype=np.float32)[order]
        self.docs, self.weights = array("I"), array("f")
        offset_type = np.uint32 if len(values) < 2**32 else np.int64
        ends = np.cumsum(np.frombuffer(self.value_lengths, dtype=np.uint32), dtype=offset_type)
        self.value_lengths = array("I")
        starts = np.concatenate((np.zeros(1, dtype=offset_type), ends[:-1]))[order]
        ends = ends[order]
        del order
        padding = bytes(max(0, int(docs.max(initial=0)) + 1 - len(length_bytes)))
        lengths = np.frombuffer(bytes(length_bytes) + padding, dtype=np.uint8)[docs]
        number = 0
        while number < len(terms):
            first = int(bounds[number])
            stop = max(number + 1, int(np.searchsorted(bounds, first + CHUNK_POSTINGS, side="right")) - 1)
            last = int(bounds[stop])
            yield _SortedChunk(terms[number:stop], bounds[number:stop + 1] - first, docs[first:last],
                               weights[first:last], lengths[first:last], starts[first:last], ends[first:last],
                               values, self.fixed_size)
            number = stop


# Terms with at most this many postings are written into the term index itself (``inlined_term_infos``),
# not as a block of their own: most terms are found in few documents. At 10,000 documents, inlining up to
# 8 postings made the index 2% smaller than up to 4 (and 10% smaller than none, with Whoosh's term infos).
INLINE_POSTINGS = 8


# A term's total weight, count, least and greatest length byte, greatest weight, first and last document, and where
# its blocks are and their size: what ``pointer_term_info`` takes.
PointerStatistics = tuple[float, int, int, int, float, int, int, int, int]


class _SortedChunk:
    """Some consecutive terms of a field with their sorted postings, encoded as ``search.blocks`` blocks."""

    def __init__(self, terms: list[bytes], bounds: np.ndarray, docs: np.ndarray, weights: np.ndarray,
                 lengths: np.ndarray, starts: np.ndarray, ends: np.ndarray, values: bytes,
                 fixed_size: int | None) -> None:
        self.terms, self.bounds = terms, bounds
        self.counts = np.diff(bounds)
        self.docs, self.weights, self.lengths = docs, weights, lengths
        self.starts, self.ends, self.values = starts, ends, values
        self.fixed_size = fixed_size

    def inlined_infos(self, inlined: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The term-index entries (``inlined_term_infos``) of the terms marked in ``inlined``: their bytes one
        after another, and each one's size."""
        postings = np.repeat(inlined, self.counts)
        values = None if self.fixed_size == 0 else (self.values, self.starts[postings], self.ends[postings])
        return inlined_term_infos(self.counts[inlined], self.docs[postings], self.weights[postings],
                                  self.lengths[postings], values)

    def blocks(self, selected: np.ndarray, offset: int) -> tuple[bytes, list[PointerStatistics]]:
        """The posting blocks (``search.blocks``) of the terms marked in ``selected``, one term's after another, and
        each term's statistics, with where its blocks are when these bytes are written at ``offset``."""
        counts = self.counts[selected]
        postings = np.repeat(selected, self.counts)
        docs, weights, lengths = self.docs[postings], self.weights[postings], self.lengths[postings]
        values = None if self.fixed_size == 0 else (self.values, self.starts[postings], self.ends[postings])
        blocks, sizes = posting_blocks(counts, docs, weights, lengths, values, self.fixed_size is None)
        firsts = run_starts(counts)
        greatest = np.maximum.reduceat(weights, firsts)
        low, high = length_bounds(lengths, firsts)
        statistics = zip(_total_weights(weights, firsts, counts).tolist(), counts.tolist(), low.tolist(),
                         high.tolist(), np.where(greatest > 0, greatest, 0).tolist(), docs[firsts].tolist(),
                         docs[firsts + counts - 1].tolist(), (offset + run_starts(sizes)).tolist(),
                         sizes.tolist(), strict=True)
        return blocks, list(statistics)


def _total_weights(weights: np.ndarray, firsts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each term's weights (4-byte floats, ``counts[i]`` from ``firsts[i]``) summed as Whoosh's writer sums them: a
    block at a time (BLOCK_LIMIT, as 8-byte floats, numpy's pairwise sum), the blocks' sums one after another.

    A term whose weights' exponents span little enough is summed at once: all its partial sums are exact in 8-byte
    floats (whole numbers, most weights are), so any order gives the same. The others are summed block by block."""
    totals = np.add.reduceat(weights.astype(np.float64), firsts) + 0.0  # from 0.0, as Whoosh's: never -0.0
    nonzero = weights != 0
    exponents = np.frexp(weights)[1]
    span = (np.maximum.reduceat(np.where(nonzero, exponents, -1000), firsts)
            - np.minimum.reduceat(np.where(nonzero, exponents, 1000), firsts))
    # A 4-byte float is a whole number of 2 ** (its exponent - 24); a sum of n of them below n times the largest.
    exact = np.logical_and.reduceat(np.isfinite(weights), firsts) & (span + 24 + np.frexp(counts)[1] <= 53)
    for term in np.flatnonzero(~exact).tolist():
        first, end = int(firsts[term]), int(firsts[term] + counts[term])
        total = 0.0
        for start in range(first, end, BLOCK_LIMIT):
            total += float(weights[start:min(start + BLOCK_LIMIT, end)].sum(dtype=np.float64))
        totals[term] = total
    return totals


def _term_blocks(terms: Any, info: Any, format_: Any) -> Iterator[tuple[Sequence[int], Sequence[float],
                                                                     Sequence[bytes | None]]]:
    """A term's postings in a segment being merged, block by block: ids, weights, values."""
    if info.is_inlined():
        yield info.inlined_postings()
        return
    matcher = terms._codec.postings_reader(terms._postfile, info, format_)
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        matcher._read_values()
        yield matcher._ids, matcher._weights, matcher._values
        matcher._next_block()


def _text_size(fields: dict[str, Any]) -> int:
    return sum(len(value) for value in fields.values() if isinstance(value, str))


class BatchSegmentWriter(SegmentWriter):
    """Whoosh's SegmentWriter with the per-posting pool replaced by per-field flat arrays."""

    def __init__(self, ix: FileIndex, limitmb: int = 128, **kwargs: Any) -> None:
        for name, field in ix.schema.items():
            if field.separate_spelling() or field.vector:
                raise ValueError(f"the batch writer does not write field {name!r}: separate spelling or vectors")
        kwargs["codec"] = BatchCodec()
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.limit_bytes = limitmb * 1024 * 1024
        self._postings: dict[str, FieldPostings] = {}
        self._closed_segments: list[W3Segment] = []
        self._indexed_values: dict[str, dict[tuple[type, Any], list[Posting]]] = {}

    def _field_postings(self, fieldname: str) -> FieldPostings:
        postings = self._postings.get(fieldname)
        if postings is None:
            fixed_size = self.schema[fieldname].format.fixed_value_size()
            postings = self._postings[fieldname] = FieldPostings(fixed_size)
        return postings

    def add_document(self, **fields: Any) -> None:
        self.add_documents([fields])

    def add_documents(self, documents: Sequence[dict[str, Any]]) -> None:
        """Documents (each its fields, as ``add_document`` takes them) in order. Their texts (``ColumnIndexed``
        fields) are analysed BATCH_CHARS at a time: a numpy pass per field and batch, not per field and document."""
        start = 0
        while start < len(documents):
            end, chars = start + 1, _text_size(documents[start])
            while end < len(documents) and chars < BATCH_CHARS:
                chars += _text_size(documents[end])
                end += 1
            self._add_batch(documents[start:end])
            self._spill_if_over_limit()
            start = end

    def _add_batch(self, batch: Sequence[dict[str, Any]]) -> None:
        """A batch's postings and columns a field at a time, then each document's stored fields and lengths."""
        self._check_state()
        schema = self.schema
        names = sorted({name for fields in batch for name in fields if not name.startswith("_")})
        self._check_fields(schema, names)
        docboosts = [self._doc_boost(fields) for fields in batch]
        lengths: dict[str, list[int]] = {}  # each scored field's length in each document
        for name in names:
            field = schema[name]
            holders = [number for number, fields in enumerate(batch) if fields.get(name) is not None]
            docnums = [self.docnum + number for number in holders]
            if field.indexed:
                boosts = [self._field_boost(batch[number], name, docboosts[number]) for number in holders]
                found = self._index_field(name, field, [batch[number][name] for number in holders], docnums, boosts)
                if field.scorable:
                    lengths[name] = [0] * len(batch)
                    for number, length in zip(holders, found, strict=True):
                        lengths[name][number] = length
            if field.column_type:
                stored = [batch[number].get(f"_stored_{name}", batch[number][name]) for number in holders]
                self.perdocwriter.add_column_values(name, field.column_type, [
                    (docnum, field.to_column_value(value)) for docnum, value in zip(docnums, stored, strict=True)
                    if value is not None])
        stored_names = [name for name in names if schema[name].stored]
        self.perdocwriter.add_documents(self.docnum, [_stored_values(fields, stored_names) for fields in batch],
                                        lengths)
        self.docnum += len(batch)
        self._added = True
        forget_texts()

    def _index_field(self, name: str, field: Any, values: list[Any], docnums: list[int],
                     boosts: list[float]) -> list[int]:
        """Documents' postings in one field; returns each one's field length."""
        postings = self._field_postings(name)
        if not isinstance(field, ColumnIndexed):
            return postings.add_documents(docnums, self._values_postings(name, field, values), boosts)
        columns = field.index_batch(values)
        weights = columns.frequencies * field.format.field_boost
        if any(boost != 1.0 for boost in boosts):
            weights = weights * np.asarray(boosts)[columns.docs]
        postings.add_columns(np.asarray(docnums, dtype=np.int64), columns, weights)
        return columns.lengths(len(values)).tolist()

    def _values_postings(self, name: str, field: Any, values: list[Any]) -> list[list[Posting]]:
        """Each value's postings in a field analysed one value at a time (an author, a date, a year): a value met
        before in this writer (most are: authors write many comments, a day has many, and a year thousands) is not
        analysed again. The postings are shared, never changed."""
        known = self._indexed_values.setdefault(name, {})
        if len(known) > INDEXED_VALUES:
            known.clear()
        key_of = getattr(field, "postings_key", _value_key)
        found = []
        for value in values:
            try:
                key = key_of(value)
                postings = known.get(key)
                if postings is None:
                    postings = known[key] = list(field.index(value))
            except TypeError:  # unhashable (a list of keywords): analysed each time
                postings = list(field.index(value))
            found.append(postings)
        return found

    def merge_segments(self, segments: list[W3Segment]) -> None:
        """The documents of committed segments into this writer's, the segments to be dropped at commit."""
        for segment in segments:
            reader = SegmentReader(self.storage, self.schema, segment)
            self.add_reader(reader)
            reader.close()

    def add_reader(self, reader: Any) -> None:
        """A merged segment's documents and postings; only then may the segment be closed."""
        super().add_reader(reader)
        self._spill_if_over_limit()

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: dict[int, int] | None) -> None:
        """Merged segments' postings go to the same arrays as new documents', a whole block at a time.

        Whoosh's ``iter_postings`` takes several Python calls per posting, which made the last
        commit's merge most of a big run. Blocks are read through the W3 matcher's own block
        readers (private, but whoosh-reloaded is pinned; tests/test_codec.py compares merged
        indexes with Whoosh's writer). Deleted documents are left out (``docmap`` lacks them).
        """
        renumbered = None
        if docmap is not None:
            renumbered = [-1] * reader.doc_count_all()
            for old, new in docmap.items():
                renumbered[old] = new
        terms = reader._terms
        for (fieldname, term), info in terms.items():
            if fieldname not in self.schema:
                continue
            postings = self._field_postings(fieldname)
            for ids, weights, values in _term_blocks(terms, info, self.schema[fieldname].format):
                if renumbered is None:
                    postings.add_merged(term, [doc + startdoc for doc in ids], weights, values)
                    continue
                docs = list(map(renumbered.__getitem__, ids))
                if -1 in docs:  # some deleted
                    kept = [at for at, doc in enumerate(docs) if doc >= 0]
                    docs = [docs[at] for at in kept]
                    weights = [weights[at] for at in kept]
                    values = [values[at] for at in kept]
                postings.add_merged(term, docs, weights, values)

    def _spill_if_over_limit(self) -> None:
        if sum(postings.nbytes() for postings in self._postings.values()) > self.limit_bytes:
            self._start_new_segment()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        length_bytes = self.perdocwriter.length_bytes
        for fieldname in sorted(self._postings):
            postings = self._postings.pop(fieldname)  # each field's arrays freed once written
            self.fieldwriter.write_field(fieldname, self.schema[fieldname], postings,
                                         length_bytes.get(fieldname, bytearray()))
        self.fieldwriter.close()
        forget_words()
        return_freed_memory()

    def _start_new_segment(self) -> None:
        """Close the segment being written (its files are only referenced once the commit writes the TOC)."""
        self._closed_segments.append(self._finalize_segment())
        self.newsegment = self.codec.new_segment(self.storage, self.indexname)
        self.perdocwriter = self.codec.per_document_writer(self.storage, self.newsegment)
        self.fieldwriter = self.codec.field_writer(self.storage, self.newsegment)
        self.docnum = self.docbase = 0

    def _finalize_segment(self) -> W3Segment:
        self._flush_segment()
        self._close_segment()
        self._assemble_segment()
        return self.get_segment()

    def finished_segments(self) -> list[W3Segment]:
        """Every segment this writer wrote, the open one closed first."""
        segments = self._closed_segments
        if self.docnum:
            segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._closed_segments = []
        return segments

    def commit(self, mergetype: Any = None, optimize: Any = None, merge: Any = None) -> None:
        self._check_state()
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        self._commit_toc(finalsegments + self.finished_segments())
        self._finish()


def _stored_values(fields: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """A document's stored fields: those of ``names`` (the stored ones, in order) it has, as given to be stored
    (``_stored_NAME``, else the value indexed)."""
    stored = {}
    for name in names:
        if fields.get(name) is not None:
            value = fields.get(f"_stored_{name}", fields[name])
            if value is not None:
                stored[name] = value
    return stored


def _value_key(value: Any) -> tuple[type, Any]:
    """What a field's postings of a value depend on, unless the field says (``postings_key``): the value, of its
    type (1 and True, 2003 and 2003.0 are not the same value to a field)."""
    return type(value), value


_MERGE = "merge"  # a sub-writer's job that is segments to merge, not a file of documents


class BatchSubWriterTask(SubWriterTask):
    """Whoosh's sub-writer process, writing its own segments with the batch writer."""

    def run(self) -> None:
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = BatchSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            if job[0] == _MERGE:
                self.writer.merge_segments(job[1])
            else:
                self._process_file(*job)
        if not self.running:
            writer.cancel()
            return
        self.resultqueue.put((None, [], writer.finished_segments()), timeout=5)

    def _process_file(self, filename: str, _doc_count: int) -> None:
        tempstorage = self.writer.temp_storage()
        with tempstorage.open_file(filename).raw_file() as jobs:
            self.writer.add_documents(load(jobs))  # as ``BatchMpWriter._enqueue`` wrote them
        tempstorage.delete_file(filename)


# Body text (characters) a commit must bring before sub-writer processes start: below it, starting and feeding
# them costs more than they save (a one-file reindex), and the documents are written in this process.
SUBWRITERS_FROM_CHARS = 1_000_000


class BatchMpWriter(MpWriter, BatchSegmentWriter):
    """Whoosh's multi-process writer, each process writing its own segments (never merged at commit).

    ``limitmb`` is the budget of the whole writer: each sub-writer gets its share.
    Documents are buffered until there is enough text to be worth other processes.
    """

    def __init__(self, ix: FileIndex, procs: int | None = None, batchsize: int = 100, limitmb: int = 128,
                 **kwargs: Any) -> None:
        kwargs.pop("multisegment", None)
        BatchSegmentWriter.__init__(self, ix, limitmb=limitmb, **kwargs)
        self.procs = procs or cpu_count()
        self.batchsize = batchsize
        self.subargs = {**kwargs, "limitmb": max(1, limitmb // self.procs)}
        self.multisegment = True
        self.tasks = []
        self.jobqueue = Queue(self.procs * 4)
        self.resultqueue = Queue()
        self.docbuffer = []
        self._buffered_chars = 0
        self._grouping = 0

    add_document = BatchSegmentWriter.add_document  # not MpWriter's: documents go through ``add_documents``

    def add_documents(self, documents: Sequence[dict[str, Any]]) -> None:
        for fields in documents:
            self.docbuffer.append((0, fields))
            self._buffered_chars += len(fields.get("body") or "")
        if len(self.docbuffer) >= self.batchsize and (self.tasks or self._buffered_chars >= SUBWRITERS_FROM_CHARS):
            pending, whole = self.docbuffer, len(self.docbuffer) - len(self.docbuffer) % self.batchsize
            for start in range(0, whole, self.batchsize):
                self.docbuffer = pending[start:start + self.batchsize]
                self._enqueue()
            self.docbuffer = pending[whole:]

    def _enqueue(self) -> None:
        """The buffered documents to a sub-writer as a job file: one pickle of them all, of the newest protocol.
        Whoosh's wrote each document on its own with protocol 2, whose dates pickle through ``codecs.encode``:
        10,000 documents took 0.21 CPU s to write and read back, 0.06 s now."""
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as jobs:
            dump([fields for _, fields in self.docbuffer], jobs, HIGHEST_PROTOCOL)
        if len(self.tasks) < self.procs:
            self._new_task()
        self.jobqueue.put((filename, len(self.docbuffer)))
        self.docbuffer = []

    def merge_segments(self, segments: list[W3Segment]) -> None:
        """With sub-writers running, one of them merges the segments (into one, as this process would), beside the
        others writing their last segments: the merge of a big run's last commit took some 7 s of this process
        at 100,000 documents, after the sub-writers."""
        if self.tasks:
            self.jobqueue.put((_MERGE, segments))
        else:
            BatchSegmentWriter.merge_segments(self, segments)

    def _new_task(self) -> BatchSubWriterTask:
        task = BatchSubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, True)
        self.tasks.append(task)
        task.start()
        return task

    def commit(self, mergetype: Any = None, optimize: Any = None, merge: Any = None) -> None:
        self._check_state()
        if not self.tasks:  # too little for sub-writers: written here
            buffered, self.docbuffer = self.docbuffer, []
            BatchSegmentWriter.add_documents(self, [fields for _, fields in buffered])
        elif self.docbuffer:
            self._enqueue()
        finalsegments = self._merge_segments(mergetype, optimize, merge)  # may hand merges to sub-writers
        for _ in self.tasks:
            self.jobqueue.put(None)
        for task in self.tasks:
            task.join()
        failed = [task.exitcode for task in self.tasks if task.exitcode]
        if failed:  # Whoosh's own writer would commit without that process's documents
            raise IndexingError(f"{len(failed)} writer process(es) failed (exit codes {failed}); nothing committed")
        for _ in self.tasks:
            _, _, segments = self.resultqueue.get(timeout=60)
            finalsegments += segments
        self._commit_toc(finalsegments + self.finished_segments())
        self._finish()


# A segment holding fewer live documents than this share of the biggest one's, or than SMALL_SEGMENT_DOCS,
# is small: a run's last commit merges small ones.
SMALL_SEGMENT_SHARE = 0.5
SMALL_SEGMENT_DOCS = 500  # also what any run may merge, however few documents it wrote (a fraction of a second)

MergePolicy = Callable[[SegmentWriter, list[W3Segment]], list[W3Segment]]


def merge_small_segments(written: int) -> MergePolicy:
    """A merge policy (``commit(mergetype=...)``) for the last commit of a run that wrote ``written`` documents:
    the small segments (or mostly deleted ones), smallest first, merged into the writer's own as long as
    they hold no more documents than the run wrote, or SMALL_SEGMENT_DOCS; it returns the segments left.

    The batch writer's segments are as big as its memory allows, and a merge, bound by the same memory,
    cannot make them bigger. Whoosh's MERGE_SMALL rewrote every segment once there were about twenty (at
    100,000 documents, a third of the run's time in one process, to end with 16 segments instead of 22).
    Bounding a merge by the run's own size keeps a one-file reindex as quick as writing the file, while a
    big run gathers the part-filled segments its batches and small runs left behind.
    """
    def policy(writer: SegmentWriter, segments: list[W3Segment]) -> list[W3Segment]:
        if not segments:
            return segments
        biggest = max(segment.doc_count() for segment in segments)
        small_below = max(SMALL_SEGMENT_SHARE * biggest, SMALL_SEGMENT_DOCS)
        merged, budget = [], max(written, SMALL_SEGMENT_DOCS)
        for segment in sorted((segment for segment in segments if segment.doc_count() < small_below),
                              key=lambda segment: segment.doc_count_all()):
            if segment.doc_count_all() > budget:
                break
            merged.append(segment)
            budget -= segment.doc_count_all()
        if len(merged) < 2:
            return segments
        writer.merge_segments(merged)
        return [segment for segment in segments if segment not in merged]

    return policy


_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MAPPED_FROM = 1024 * 1024  # bytes: blocks this big are mapped afresh and given back when freed


def map_big_blocks() -> None:
    """Have the C allocator (glibc) map every block of MAPPED_FROM bytes and up afresh, and so give it back to the
    system when freed; processes forked later inherit it. glibc otherwise raises that threshold as big blocks are
    freed and from then on keeps them: a writer process kept some 40 MB of its last segment's arrays, and at
    100,000 documents the build's peak was ~30 MB higher in each writer. Mapping blocks of 128 KB and up as well
    cost a fifth of the indexing time in page faults (a batch's arrays). Elsewhere than glibc, nothing is done."""
    try:
        ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, MAPPED_FROM)
    except (OSError, AttributeError):
        pass


def return_freed_memory() -> None:
    """Have the C allocator (glibc) give back the smaller blocks it holds free: once a segment is written."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def batch_writer(index: FileIndex, procs: int = 1, **kwargs: Any) -> BatchSegmentWriter:
    """A writer for ``index`` like ``index.writer(procs=...)``, with the batch segment writer in every process."""
    kwargs.pop("codec", None)
    if procs > 1:
        return BatchMpWriter(index, procs=procs, **kwargs)
    kwargs.pop("multisegment", None)
    return BatchSegmentWriter(index, **kwargs)

