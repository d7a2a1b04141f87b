"""A batch segment writer: a commit's postings kept in flat arrays, written as whole Whoosh 3 blocks.

Whoosh's own writer sends every posting through a pool of Python tuples, sorts them, spills
them to pickled runs on disk, merges the runs back, reads each document's field length
through a column reader per posting, and builds blocks one posting at a time. Here each
field keeps its postings in flat arrays (term number, document, weight, length of the encoded
value); a commit sorts them once by term (numpy, stable, so documents stay in order) and
writes each term's blocks in exactly the layout ``whoosh.codec.whoosh3`` reads. Reading,
matchers, scoring and merging stay Whoosh's own; the segments name the plain ``W3Codec``,
so ``open_dir`` reads an index written here without this module.

When a writer's arrays outgrow ``limitmb`` it closes its segment and starts another, so a
long rebuild keeps memory bounded and still lands in one commit.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterable, Iterator
from itertools import repeat
from multiprocessing import Queue, cpu_count
from pickle import dumps, load
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter, W3PerDocWriter, W3Segment, W3TermInfo
from whoosh.filedb.filetables import _lengths as _KEY_VALUE_LENGTHS
from whoosh.index import FileIndex
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import IndexingError, SegmentWriter

BLOCK_LIMIT = 128  # postings per block, as W3Codec writes them
COMPRESSION = 3  # zlib level, as W3Codec writes it
COMPRESS_FROM = 64  # bytes of pickled block data; below this zlib's header and set-up cost more than they save
# A 4 KB window instead of zlib's 32 KB: blocks are a few KB at most, and setting up the big window
# took about 4 times as long as compressing a 600-byte block (zlib.decompress reads either).
WINDOW_BITS = 12
CHUNK_POSTINGS = 65_536  # postings turned into Python lists at a time when a field is written
_TERM_INFO = W3TermInfo._struct


class BatchCodec(W3Codec):
    """W3Codec whose writers keep what the batch writer needs; its segments name the plain W3Codec."""

    def per_document_writer(self, storage: Any, segment: W3Segment) -> BatchPerDocWriter:
        return BatchPerDocWriter(self, storage, segment)

    def field_writer(self, storage: Any, segment: W3Segment) -> BatchFieldWriter:
        return BatchFieldWriter(self, storage, segment)

    def new_segment(self, storage: Any, indexname: str) -> W3Segment:
        return W3Segment(W3Codec(), indexname)


class BatchPerDocWriter(W3PerDocWriter):
    """Also keeps each field's length byte per document, so blocks get their length bounds without a reader."""

    def __init__(self, codec: W3Codec, storage: Any, segment: W3Segment) -> None:
        super().__init__(codec, storage, segment)
        self.length_bytes: dict[str, bytearray] = {}

    def add_field(self, fieldname: str, fieldobj: Any, value: Any, length: int | None) -> None:
        super().add_field(fieldname, fieldobj, value, length)
        if length:
            column = self.length_bytes.setdefault(fieldname, bytearray())
            column.extend(bytes(self._docnum + 1 - len(column)))
            column[self._docnum] = length_to_byte(length)


class BatchFieldWriter(W3FieldWriter):
    """Writes a field's terms from sorted flat arrays: whole blocks, and the term index in one go."""

    def write_field(self, fieldname: str, fieldobj: Any, postings: FieldPostings, length_bytes: bytearray) -> None:
        self.start_field(fieldname, fieldobj)
        field_prefix = pack_ushort(self._fieldid)
        offset = self._postfile.tell()
        blocks: list[bytes] = []
        entries: list[tuple[bytes, bytes]] = []
        for term, term_blocks, info in postings.sorted_terms(length_bytes):
            size = sum(map(len, term_blocks))
            blocks += term_blocks
            entries.append((field_prefix + term, info + pack_long(offset) + pack_int(size)))
            offset += size
            if len(blocks) > 8192:
                self._postfile.write(b"".join(blocks))
                blocks.clear()
        self._postfile.write(b"".join(blocks))
        self._add_terms(entries)
        self.finish_field()

    def _add_terms(self, entries: list[tuple[bytes, bytes]]) -> None:
        """``OrderedHashWriter.add`` for many sorted keys at once: one write instead of three per key."""
        tindex = self._tindex
        if entries and entries[0][0] <= tindex.lastkey:
            raise ValueError(f"terms out of order: {tindex.lastkey!r} .. {entries[0][0]!r}")
        position = tindex.dbfile.tell()
        hash_of, buckets, key_positions = tindex.hashfn, tindex.buckets, tindex.index
        chunks: list[bytes] = []
        for key, value in entries:
            key_positions.append(position)
            digest = hash_of(key)
            buckets[digest & 255].append((digest, position))
            chunks += (_KEY_VALUE_LENGTHS.pack(len(key), len(value)), key, value)
            position += _KEY_VALUE_LENGTHS.size + len(key) + len(value)
        tindex.dbfile.write(b"".join(chunks))
        if entries:
            tindex.lastkey = entries[-1][0]


class FieldPostings:
    """One field's postings of one segment, in arrival order: flat arrays, one slot per posting."""

    __slots__ = ("term_numbers", "terms", "docs", "weights", "value_lengths", "values", "fixed_size")

    def __init__(self, fixed_size: int | None) -> None:
        self.terms: dict[bytes, int] = {}
        self.term_numbers = array("I")
        self.docs = array("I")
        self.weights = array("f")
        self.value_lengths = array("I")
        self.values = bytearray()
        self.fixed_size = fixed_size

    def add(self, term: bytes, docnum: int, weight: float, value: bytes | None) -> None:
        """One posting of a merged segment; new documents come through ``add_document``."""
        self.term_numbers.append(self.terms.setdefault(term, len(self.terms)))
        self.docs.append(docnum)
        self.weights.append(weight)
        value = b"" if self.fixed_size == 0 else value or b""
        self.value_lengths.append(len(value))
        self.values += value

    def add_document(self, docnum: int, postings: Iterable[tuple[bytes, int, float, bytes | None]],
                     boost: float) -> int:
        """A document's (term, frequency, weight, value) postings in this field; returns the field's length.

        Whole columns at a time (``zip``, ``extend``) rather than four appends per posting.
        """
        postings = tuple(postings)
        if not postings:
            return 0
        terms, frequencies, weights, values = zip(*postings, strict=True)
        known = self.terms
        setdefault = known.setdefault
        self.term_numbers.extend([setdefault(term, len(known)) for term in terms])
        self.docs.extend(repeat(docnum, len(terms)))
        self.weights.extend(weights if boost == 1.0 else [weight * boost for weight in weights])
        if self.fixed_size == 0:
            self.value_lengths.extend(repeat(0, len(terms)))
        else:
            self.value_lengths.extend(map(len, values))
            self.values += b"".join(values)
        return sum(frequencies)

    def nbytes(self) -> int:
        """Roughly the memory these postings take at their peak: the arrays, then the sorted copies made
        when they are written (about 40 bytes a posting and a second copy of the values), and the terms."""
        return 56 * len(self.docs) + 2 * len(self.values) + 120 * len(self.terms)

    def sorted_terms(self, length_bytes: bytearray) -> Iterator[tuple[bytes, list[bytes], bytes]]:
        """Each term in byte order with its encoded blocks and its term info (without the extent).

        Sorting is done on the whole field at once (numpy); the postings become Python
        lists only CHUNK_POSTINGS at a time, which is what bounds the commit's memory.
        """
        terms = sorted(self.terms)
        rank = np.empty(len(terms), dtype=np.uint32)
        rank[np.fromiter((self.terms[term] for term in terms), dtype=np.uint32, count=len(terms))] = np.arange(
            len(terms), dtype=np.uint32)
        ranks = rank[np.frombuffer(self.term_numbers, dtype=np.uint32)]
        order = np.argsort(ranks, kind="stable")
        bounds = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum(np.bincount(ranks, minlength=len(terms)))))
        del rank, ranks
        docs = np.frombuffer(self.docs, dtype=np.uint32)[order]
        weights = np.frombuffer(self.weights, dtype=np.float32)[order]
        ends = np.cumsum(np.frombuffer(self.value_lengths, dtype=np.uint32), dtype=np.uint64)
        starts = np.concatenate((np.zeros(1, dtype=np.uint64), ends[:-1]))[order]
        ends = ends[order]
        del order
        padding = bytes(max(0, int(docs.max(initial=0)) + 1 - len(length_bytes)))
        lengths = np.frombuffer(bytes(length_bytes) + padding, dtype=np.uint8)[docs]
        values = bytes(self.values)
        bound_list = bounds.tolist()
        number = 0
        while number < len(terms):
            first = bound_list[number]
            stop = max(number + 1, int(np.searchsorted(bounds, first + CHUNK_POSTINGS, side="right")) - 1)
            last = bound_list[stop]
            blocks = _TermBlocks(docs[first:last].tolist(), weights[first:last].tolist(), lengths[first:last].tolist(),
                                 starts[first:last].tolist(), ends[first:last].tolist(), values, self.fixed_size)
            single, several = blocks.single, blocks.several
            for term_number in range(number, stop):
                begin, end = bound_list[term_number] - first, bound_list[term_number + 1] - first
                term = terms[term_number]
                yield (term, *single(begin)) if end - begin == 1 else (term, *several(begin, end))
            number = stop


class _TermBlocks:
    """Encodes one term's slice of a field's sorted postings as W3 blocks plus its W3TermInfo bytes."""

    def __init__(self, docs: list[int], weights: list[float], lengths: list[int], starts: list[int],
                 ends: list[int], values: bytes, fixed_size: int | None) -> None:
        self.docs, self.weights, self.lengths = docs, weights, lengths
        self.starts, self.ends, self.values = starts, ends, values
        self.fixed_size = fixed_size

    def _values(self, first: int, last: int) -> tuple[bytes, ...] | bytes | None:
        if self.fixed_size == 0:
            return None
        values = self.values
        found = tuple(values[start:end] for start, end in
                      zip(self.starts[first:last], self.ends[first:last], strict=True))
        return found if self.fixed_size is None else b"".join(found)

    def single(self, at: int) -> tuple[list[bytes], bytes]:
        """The common case, a term in one document: one block, no slicing."""
        doc, weight, length = self.docs[at], self.weights[at], self.lengths[at]
        data = dumps(((doc,), None if weight == 1.0 else weight, self._values(at, at + 1)), 2)
        compression = COMPRESSION if len(data) >= COMPRESS_FROM else 0
        if compression:
            data = zlib.compress(data, compression, WINDOW_BITS)
        info = dumps((1, doc, weight, compression, length, length), 2)
        term_info = _TERM_INFO.pack(False, weight, 1, length, length, weight, doc, doc)
        return [WHOOSH3_HEADER_MAGIC, pack_int(-len(info) - len(data)), info, data], term_info

    def several(self, first: int, last: int) -> tuple[list[bytes], bytes]:
        docs, weights, lengths = self.docs, self.weights, self.lengths
        blocks = [WHOOSH3_HEADER_MAGIC]
        total_weight, max_weight, min_length, max_length = 0.0, 0.0, 0, 0
        for block_start in range(first, last, BLOCK_LIMIT):
            block_end = min(block_start + BLOCK_LIMIT, last)
            ids = docs[block_start:block_end]
            block_weights = weights[block_start:block_end]
            block_lengths = [length for length in lengths[block_start:block_end] if length]
            block_max = max(block_weights)
            if min(block_weights) == block_max:
                mini_weights = None if block_max == 1.0 else block_max
            else:
                mini_weights = tuple(block_weights)
            data = dumps((_deltas(ids), mini_weights, self._values(block_start, block_end)), 2)
            compression = COMPRESSION if len(data) >= COMPRESS_FROM else 0
            if compression:
                data = zlib.compress(data, compression, WINDOW_BITS)
            low = min(block_lengths) if block_lengths else 0
            high = max(block_lengths) if block_lengths else 0
            info = dumps((len(ids), ids[-1], block_max, compression, low, high), 2)
            size = len(info) + len(data)
            blocks += (pack_int(-size if block_end == last else size), info, data)
            total_weight += sum(block_weights)
            max_weight = max(max_weight, block_max)
            if low and (not min_length or low < min_length):
                min_length = low
            max_length = max(max_length, high)
        term_info = _TERM_INFO.pack(False, total_weight, last - first, min_length, max_length, max_weight,
                                    docs[first], docs[last - 1])
        return blocks, term_info


def _deltas(ids: list[int]) -> tuple[int, ...]:
    return (ids[0], *(current - previous for previous, current in zip(ids, ids[1:], strict=False)))


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

    def _field_postings(self, fieldname: str) -> FieldPostings:
        postings = self._postings.get(fieldname)
        if postings is None:
            fixed_size = self.schema[fieldname].format.fixed_value_size()
            postings = self._postings[fieldname] = FieldPostings(fixed_size)
        return postings

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    length = self._field_postings(fieldname).add_document(docnum, field.index(value), fieldboost)
                    if not field.scorable:
                        length = 0
                stored = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
                if field.column_type and stored is not None:
                    perdocwriter.add_column_value(fieldname, field.column_type, field.to_column_value(stored))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        if not self.docnum % 256:
            self._spill_if_over_limit()

    def add_reader(self, reader: Any) -> None:
        """A merged segment's documents and postings; only then may the segment be closed."""
        super().add_reader(reader)
        self._spill_if_over_limit()

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: dict[int, int] | None) -> None:
        """Merged segments' postings go to the same arrays as new documents'."""
        for fieldname, term, docnum, weight, value in self._process_posts(reader.iter_postings(), startdoc, docmap):
            self._field_postings(fieldname).add(term, docnum, weight, value)

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


class BatchSubWriterTask(SubWriterTask):
    """Whoosh's sub-writer process, writing its own segments with the batch writer."""

    def run(self) -> None:
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = BatchSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            writer.cancel()
            return
        self.resultqueue.put((None, [], writer.finished_segments()), timeout=5)

    def _process_file(self, filename: str, doc_count: int) -> None:
        tempstorage = self.writer.temp_storage()
        with tempstorage.open_file(filename).raw_file() as jobs:
            for _ in range(doc_count):
                code, fields = load(jobs)
                self.writer.add_document(**fields)
        tempstorage.delete_file(filename)


class BatchMpWriter(MpWriter, BatchSegmentWriter):
    """Whoosh's multi-process writer, each process writing its own segments (never merged at commit).

    ``limitmb`` is the budget of the whole writer: each sub-writer gets its share.
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
        self._grouping = 0
        self._added_sub = False

    def _new_task(self) -> BatchSubWriterTask:
        task = BatchSubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, True)
        self.tasks.append(task)
        task.start()
        return task

    def commit(self, mergetype: Any = None, optimize: Any = None, merge: Any = None) -> None:
        if not self._added_sub:
            BatchSegmentWriter.commit(self, mergetype=mergetype, optimize=optimize, merge=merge)
            return
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self.jobqueue.put(None)
        finalsegments = self._merge_segments(mergetype, optimize, merge)
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


def batch_writer(index: FileIndex, procs: int = 1, **kwargs: Any) -> BatchSegmentWriter:
    """A writer for ``index`` like ``index.writer(procs=...)``, with the batch segment writer in every process."""
    kwargs.pop("codec", None)
    if procs > 1:
        return BatchMpWriter(index, procs=procs, **kwargs)
    kwargs.pop("multisegment", None)
    return BatchSegmentWriter(index, **kwargs)

