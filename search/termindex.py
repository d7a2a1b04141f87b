"""A segment's term index as sorted arrays: what Whoosh 3's term file holds, in far fewer bytes.

Whoosh 3 keeps a segment's terms in an on-disk hash table: each term's record carries an
8-byte header and its field number, two 12-byte hash slots point at it, and an 8-byte entry
keeps the order, some 45 bytes a term beside the term and its term info. At 100,000 documents
the term files were 41% of the index, most terms being found in a document or two. Here each
field's terms are stored sorted, one after another, with their ends as 4-byte offsets, and
their term infos the same way: a look-up is a binary search over a memory map. A term info is
Whoosh's own ``W3TermInfo`` bytes, or, for a term whose few postings are inlined, a compact
layout of its own (``inlined_term_infos``: some 20 bytes where Whoosh's pickle took 75; and
``pointer_term_info`` for the others). Matchers and scoring stay Whoosh 3's.
"""

from __future__ import annotations

import io
import mmap
import pickle
import struct
from collections.abc import Iterator
from typing import Any

import numpy as np
from whoosh.codec.base import FieldCursor, TermsReader
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from search.blocks import ALL_ALIKE, ALL_ONE, EACH_FLOAT, FLOAT, gathered, length_bounds, run_starts

MAGIC = b"ESTI1"
_FOOTER = struct.Struct("<Q")  # where the table of contents starts, just before MAGIC at the end
# The first byte of a term info of this index's own (a W3TermInfo's is its inlined flag, 0 or 1). An inlined
# term info gives its weights as a block does (``search.blocks``: all one, all alike or each a float).
_INLINED, _POINTER = 2, 3
_STATISTICS = struct.Struct("<fBBf")  # total weight, least and greatest length byte, greatest weight


def inlined_term_infos(counts: np.ndarray, docs: np.ndarray, weights: np.ndarray, lengths: np.ndarray,
                       values: tuple[bytes, np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray]:
    """The term infos of terms whose few postings are kept in them, all at once: ``counts[i]`` postings each,
    one term's after another in ``docs``, ``weights``, ``lengths`` (length bytes) and ``values``: ``(data, starts,
    ends)``, posting ``j``'s value being ``data[starts[j]:ends[j]]``, or None for a format without values.
    Returns the term infos' bytes one after another and each one's size.

    A term info holds its postings' count, the documents (the first, then gaps), the weights (none when all are
    1, one when all alike), the least nonzero and greatest length bytes, and the values, each after its size.
    Built with array operations over every term: at 100,000 documents there are some 1.8 million of them.
    """
    counts = np.asarray(counts, dtype=np.int64)
    if not len(counts):
        return np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64)
    firsts = run_starts(counts)
    term = np.repeat(np.arange(len(counts)), counts)  # each posting's term
    place = np.arange(len(docs)) - firsts[term]  # each posting's place in its term
    docs = np.asarray(docs, dtype=np.int64)
    gaps = np.diff(docs, prepend=0)
    gaps[firsts] = docs[firsts]
    gap_sizes = _varint_sizes(gaps)
    weights = np.asarray(weights, dtype="<f4")
    first_weights = weights[firsts]
    alike = np.logical_and.reduceat(weights == first_weights[term], firsts)
    kinds = np.where(alike, np.where(first_weights == 1.0, ALL_ONE, ALL_ALIKE), EACH_FLOAT).astype(np.uint8)
    weight_sizes = np.select([kinds == EACH_FLOAT, kinds == ALL_ALIKE], [4 * counts, 4], 0)
    head_sizes = 1 + _varint_sizes(counts)
    weights_at = head_sizes + np.add.reduceat(gap_sizes, firsts)  # where the weights' kind is, in a term info
    bounds_at = weights_at + 1 + weight_sizes  # the length bytes and whether there are values
    sizes = bounds_at + 3
    if values is not None:
        data, starts, ends = values
        value_sizes = np.asarray(ends, dtype=np.int64) - np.asarray(starts, dtype=np.int64)
        value_heads = _varint_sizes(value_sizes)
        sizes += np.add.reduceat(value_heads + value_sizes, firsts)
    infos_at = run_starts(sizes)
    out = np.empty(int(sizes.sum()), dtype=np.uint8)
    out[infos_at] = _INLINED
    _put_varints(out, infos_at + 1, counts, head_sizes - 1)
    _put_varints(out, (infos_at + head_sizes)[term] + _within(gap_sizes, firsts, term), gaps, gap_sizes)
    weights_at += infos_at
    out[weights_at] = kinds
    written = (kinds[term] == EACH_FLOAT) | (kinds[term] == ALL_ALIKE) & (place == 0)
    out[(weights_at[term[written]] + 1 + 4 * place[written])[:, None] + np.arange(4)] = (
        weights[written].view(np.uint8).reshape(-1, 4))
    bounds_at += infos_at
    out[bounds_at], out[bounds_at + 1] = length_bounds(np.asarray(lengths, dtype=np.uint8), firsts)
    out[bounds_at + 2] = values is not None
    if values is not None:
        values_at = (bounds_at + 3)[term] + _within(value_heads + value_sizes, firsts, term)
        _put_varints(out, values_at, value_sizes, value_heads)
        _put_pieces(out, values_at + value_heads, np.frombuffer(data, dtype=np.uint8), starts, value_sizes)
    return out, sizes


def _varint_sizes(numbers: np.ndarray) -> np.ndarray:
    """How many bytes each (non-negative) number takes as a varint."""
    sizes = np.ones(len(numbers), dtype=np.int64)
    rest = np.asarray(numbers, dtype=np.uint64) >> 7
    while rest.any():
        sizes += rest > 0
        rest >>= 7
    return sizes


def _within(sizes: np.ndarray, firsts: np.ndarray, term: np.ndarray) -> np.ndarray:
    """Where each posting's piece (``sizes`` bytes) starts among its term's pieces, placed one after another."""
    starts = run_starts(sizes)
    return starts - starts[firsts][term]


def _places(sizes: np.ndarray) -> np.ndarray:
    """Each byte's place in its piece, pieces of ``sizes`` bytes one after another."""
    return np.arange(int(sizes.sum())) - np.repeat(run_starts(sizes), sizes)


def _put_varints(out: np.ndarray, at: np.ndarray, numbers: np.ndarray, sizes: np.ndarray) -> None:
    """Writes each number as a varint (``sizes``: ``_varint_sizes`` of the numbers) into ``out`` from ``at``."""
    places = _places(sizes)
    septets = np.repeat(np.asarray(numbers, dtype=np.uint64), sizes) >> (7 * places).astype(np.uint64) & 0x7F
    more = places < np.repeat(sizes - 1, sizes)  # a byte with more bytes of its number after it
    out[np.repeat(at, sizes) + places] = septets | more.astype(np.uint64) << 7


def _put_pieces(out: np.ndarray, at: np.ndarray, data: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> None:
    """Copies ``sizes[i]`` bytes of ``data`` from ``starts[i]`` into ``out`` at ``at[i]``."""
    out[np.repeat(at, sizes) + _places(sizes)] = gathered(data, np.asarray(starts), sizes)


def pointer_term_info(weight: float, count: int, min_length: int, max_length: int, max_weight: float, first: int,
                      last: int, offset: int, size: int) -> bytes:
    """A term info pointing at the term's posting blocks (``size`` bytes from ``offset``): Whoosh's statistics,
    the lengths as length bytes, whole numbers as varints (some 25 bytes where Whoosh's took 35)."""
    out = bytearray((_POINTER,))
    _add_varint(out, count)
    out += _STATISTICS.pack(weight, min_length, max_length, max_weight)
    for number in (first, last - first, offset, size):
        _add_varint(out, number)
    return bytes(out)


def read_term_info(value: bytes) -> W3TermInfo:
    """The W3TermInfo of a term info as this index stores it (``inlined_term_infos``, ``pointer_term_info`` or
    Whoosh's own bytes)."""
    if value[0] == _POINTER:
        count, at = _varint(value, 1)
        weight, low, high, max_weight = _STATISTICS.unpack_from(value, at)
        first, at = _varint(value, at + _STATISTICS.size)
        span, at = _varint(value, at)
        info = W3TermInfo(weight, count, byte_to_length(low), byte_to_length(high), max_weight, first, first + span)
        info._offset, at = _varint(value, at)
        info._length = _varint(value, at)[0]
        return info
    if value[0] != _INLINED:
        return W3TermInfo.from_bytes(value)
    count, at = _varint(value, 1)
    ids, doc = [], 0
    for _ in range(count):
        gap, at = _varint(value, at)
        doc += gap
        ids.append(doc)
    kind, at = value[at], at + 1
    if kind == ALL_ONE:
        weights = (1.0,) * count
    elif kind == ALL_ALIKE:
        weights, at = FLOAT.unpack_from(value, at) * count, at + 4
    else:
        weights, at = struct.unpack_from(f"<{count}f", value, at), at + 4 * count
    low, high, has_values, at = value[at], value[at + 1], value[at + 2], at + 3
    values: list[bytes | None] = [None] * count
    for number in range(count if has_values else 0):
        size, at = _varint(value, at)
        values[number], at = value[at:at + size], at + size
    total = FLOAT.unpack(FLOAT.pack(sum(weights)))[0]  # as W3TermInfo stores it, a 4-byte float
    info = W3TermInfo(total, count, byte_to_length(low), byte_to_length(high), max(weights), ids[0], ids[-1])
    info._inlined = (tuple(ids), tuple(weights), tuple(values))
    return info


def _add_varint(out: bytearray, number: int) -> None:
    while number > 0x7F:
        out.append(number & 0x7F | 0x80)
        number >>= 7
    out.append(number)


def _varint(data: bytes, at: int) -> tuple[int, int]:
    number = shift = 0
    while True:
        byte = data[at]
        at += 1
        number |= (byte & 0x7F) << shift
        if byte < 0x80:
            return number, at
        shift += 7


class TermIndexWriter:
    """Takes each field's terms sorted (fields in number order) with their term infos; ``close`` writes the
    table of contents. Whatever the file held before is left in place: the table gives every position."""

    def __init__(self, dbfile: Any, fieldmap: dict[str, int]) -> None:
        self.dbfile = dbfile
        self.fieldmap = fieldmap
        self.sections: dict[int, tuple[int, ...]] = {}
        self._field: int | None = None
        self._terms: list[bytes] = []
        self._values: list[np.ndarray] = []
        self._value_lengths: list[np.ndarray] = []

    def add_sorted(self, fieldnum: int, terms: list[bytes], values: np.ndarray, value_lengths: np.ndarray) -> None:
        """Terms of field ``fieldnum``, sorted and after any given before, with their term infos: ``value_lengths[i]``
        bytes of ``values`` (one after another)."""
        if fieldnum != self._field:
            if self._field is not None and fieldnum < self._field or fieldnum in self.sections:
                raise ValueError(f"field {fieldnum} out of order")
            self._finish_field()
            self._field = fieldnum
        if self._terms and terms and terms[0] <= self._terms[-1]:
            raise ValueError(f"terms out of order: {self._terms[-1]!r} .. {terms[0]!r}")
        self._terms.extend(terms)
        self._values.append(np.asarray(values, dtype=np.uint8))
        self._value_lengths.append(np.asarray(value_lengths, dtype=np.int64))

    def _finish_field(self) -> None:
        if self._field is None or not self._terms:
            return
        count = len(self._terms)
        term_lengths = np.fromiter(map(len, self._terms), dtype=np.int64, count=count)
        start = self.dbfile.tell()
        term_ends = self._write_ends(term_lengths)
        self.dbfile.write(b"".join(self._terms))
        value_ends = self._write_ends(np.concatenate(self._value_lengths))
        self.dbfile.write(np.concatenate(self._values).tobytes())
        self.sections[self._field] = (count, start, term_ends, value_ends)
        self._terms, self._values, self._value_lengths = [], [], []

    def _write_ends(self, lengths: np.ndarray) -> str:
        """Each item's end (the first starting at 0) as 4-byte offsets, or 8-byte past 4 GB; returns the type."""
        kind = "I" if lengths.sum() < 2**32 else "Q"
        self.dbfile.write(np.cumsum(lengths).astype("<u4" if kind == "I" else "<u8").tobytes())
        return kind

    def close(self) -> None:
        self._finish_field()
        contents = self.dbfile.tell()
        self.dbfile.write(pickle.dumps({"fieldmap": self.fieldmap, "sections": self.sections}, 4))
        self.dbfile.write(_FOOTER.pack(contents) + MAGIC)
        self.dbfile.close()


class _Section:
    """One field's sorted terms and term infos, read in place from the file's bytes."""

    def __init__(self, data: memoryview, count: int, start: int, term_ends: str, value_ends: str) -> None:
        self.count = count
        width = struct.calcsize(term_ends)
        self.term_ends = data[start:start + count * width].cast(term_ends)
        self.terms_at = start + count * width
        values_start = self.terms_at + (self.term_ends[-1] if count else 0)
        width = struct.calcsize(value_ends)
        self.value_ends = data[values_start:values_start + count * width].cast(value_ends)
        self.values_at = values_start + count * width
        self.data = data

    def term(self, number: int) -> bytes:
        start = self.term_ends[number - 1] if number else 0
        return bytes(self.data[self.terms_at + start:self.terms_at + self.term_ends[number]])

    def value(self, number: int) -> bytes:
        start = self.value_ends[number - 1] if number else 0
        return bytes(self.data[self.values_at + start:self.values_at + self.value_ends[number]])

    def find(self, term: bytes) -> int:
        """The number of the first term at or after ``term`` (``count`` when there is none)."""
        low, high = 0, self.count
        while low < high:
            middle = (low + high) // 2
            if self.term(middle) < term:
                low = middle + 1
            else:
                high = middle
        return low

    def number_of(self, term: bytes) -> int | None:
        number = self.find(term)
        return number if number < self.count and self.term(number) == term else None

    def release(self) -> None:
        self.term_ends.release()
        self.value_ends.release()


class TermIndexReader(TermsReader):
    """Whoosh's ``TermsReader`` over a ``TermIndexWriter`` file."""

    def __init__(self, codec: Any, dbfile: Any, length: int, postfile: Any) -> None:
        self._codec = codec
        self._postfile = postfile
        self._dbfile = dbfile
        self._map: mmap.mmap | None = None
        if type(getattr(dbfile, "file", None)) is io.BufferedReader and length:
            self._map = mmap.mmap(dbfile.fileno(), 0, access=mmap.ACCESS_READ)
            self._data = memoryview(self._map)
        else:  # a file in memory or inside a compound file
            dbfile.seek(0)
            self._data = memoryview(dbfile.read(length))
        if bytes(self._data[-len(MAGIC):]) != MAGIC:
            raise ValueError("not an essay-search term index")
        contents = _FOOTER.unpack(self._data[-len(MAGIC) - _FOOTER.size:-len(MAGIC)])[0]
        table = pickle.loads(self._data[contents:-len(MAGIC) - _FOOTER.size])
        self._fieldmap: dict[str, int] = table["fieldmap"]
        self._fieldnames = {number: name for name, number in self._fieldmap.items()}
        self._sections = {number: _Section(self._data, *place) for number, place in sorted(table["sections"].items())}

    def _section(self, fieldname: str) -> _Section | None:
        number = self._fieldmap.get(fieldname)
        return None if number is None else self._sections.get(number)

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        section = self._section(term[0])
        return section is not None and section.number_of(term[1]) is not None

    def indexed_field_names(self) -> Any:
        return self._fieldmap.keys()

    def cursor(self, fieldname: str, fieldobj: Any) -> TermCursor:
        return TermCursor(self._section(fieldname), fieldobj)

    def _from(self, fieldname: str | None, prefix: bytes) -> Iterator[tuple[str, _Section, int]]:
        """(field, section, number) of every term from ``prefix`` in ``fieldname`` on, the later fields' after."""
        first = -1 if fieldname is None else self._fieldmap.get(fieldname)
        if first is None:  # as Whoosh: an unknown field sorts after every field
            return
        for number, section in self._sections.items():
            if number < first:
                continue
            name = self._fieldnames[number]
            for term_number in range(section.find(prefix) if number == first else 0, section.count):
                yield name, section, term_number

    def terms(self) -> Iterator[tuple[str, bytes]]:
        return ((name, section.term(number)) for name, section, number in self._from(None, b""))

    def terms_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[str, bytes]]:
        return ((name, section.term(number)) for name, section, number in self._from(fieldname, prefix))

    def items(self) -> Iterator[tuple[tuple[str, bytes], W3TermInfo]]:
        return self.items_from(None, b"")

    def items_from(self, fieldname: str | None, prefix: bytes) -> Iterator[tuple[tuple[str, bytes], W3TermInfo]]:
        return (((name, section.term(number)), read_term_info(section.value(number)))
                for name, section, number in self._from(fieldname, prefix))

    def _info(self, fieldname: str, text: bytes) -> W3TermInfo | None:
        section = self._section(fieldname)
        number = None if section is None else section.number_of(text)
        return None if number is None else read_term_info(section.value(number))

    def term_info(self, fieldname: str, text: bytes) -> W3TermInfo:
        info = self._info(fieldname, text)
        if info is None:
            raise TermNotFound(f"No term {fieldname}:{text!r}")
        return info

    def frequency(self, fieldname: str, text: bytes) -> float:
        """As Whoosh 3's: a KeyError for a term the segment lacks, which its reader turns into 0."""
        info = self._info(fieldname, text)
        if info is None:
            raise KeyError((fieldname, text))
        return info.weight()

    def doc_frequency(self, fieldname: str, text: bytes) -> int:
        info = self._info(fieldname, text)
        if info is None:
            raise KeyError((fieldname, text))
        return info.doc_frequency()

    def matcher(self, fieldname: str, text: bytes, format_: Any, scorer: Any = None) -> Any:
        return self._codec.postings_reader(self._postfile, self.term_info(fieldname, text), format_,
                                           term=(fieldname, text), scorer=scorer)

    def close(self) -> None:
        for section in self._sections.values():
            section.release()
        self._sections = {}
        self._data.release()
        if self._map is not None:
            try:
                self._map.close()
            except BufferError:  # a view still held somewhere: the map closes when it goes
                pass
        self._dbfile.close()
        self._postfile.close()


class TermCursor(FieldCursor):
    """A field's terms in order, as Whoosh's fuzzy matching walks them (``first``, ``find``, ``next``)."""

    def __init__(self, section: _Section | None, fieldobj: Any) -> None:
        self._section = section
        self._fieldobj = fieldobj
        self._number: int | None = None
        self._text: Any = None
        self.first()

    def first(self) -> Any:
        return self._go(0)

    def find(self, term: Any) -> Any:
        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        return self._go(self._section.find(term) if self._section is not None else 0)

    def next(self) -> Any:
        return self._go(self._number + 1) if self._number is not None else None

    def _go(self, number: int) -> Any:
        if self._section is None or number >= self._section.count:
            self._number = self._text = None
            return None
        self._number = number
        self._text = self._fieldobj.from_bytes(self._section.term(number))
        return self._text

    def text(self) -> Any:
        return self._text

    def term_info(self) -> W3TermInfo | None:
        return None if self._number is None else read_term_info(self._section.value(self._number))

    def is_valid(self) -> bool:
        return self._number is not None
