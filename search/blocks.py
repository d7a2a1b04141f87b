"""The batch writer's posting blocks: flat arrays where Whoosh 3 pickles Python tuples.

Whoosh 3 writes each block of up to 128 postings as two pickles: its header (count, last
document, greatest weight, compression, least and greatest length byte, some 40 bytes) and its
data (a tuple of document gaps, of weights as 8-byte floats, of values each with a 5-byte
header), zlib-compressed when long. Here a block is a 16-byte header (``BLOCK_HEAD``) and its
data as arrays: the first document, the gaps in 1, 2 or 4 bytes, the weights as none (all 1),
one, a byte each (small whole numbers) or a 4-byte float each, and the values joined (with their
lengths, for a format without a fixed size), zstd-compressed when long. At 10,000 documents the
postings took 31% less room. ``posting_blocks`` writes the blocks of many terms at once, with array
operations over all their postings: what is left to Python is compression and a header per block.

``BlockMatcher`` reads them and hands Whoosh's matcher the same ``_data`` tuple (gaps, weights,
values) its pickles gave, so matching, scoring and the array readers of ``search.postings`` and
``search.bulk`` are Whoosh's own code.
"""

from __future__ import annotations

import struct
import threading
import zlib

import numpy as np
import zstandard
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.util.numeric import byte_to_length

BLOCK_LIMIT = 128  # postings per block, as W3Codec writes them
COMPRESS_FROM = 64  # bytes of block data; below this a compressor's header and set-up cost more than they save
# How a block's data is stored: its header's compression byte. zlib (level 6, a 4 KB window) was written before
# zstd and is still read. At 10,000 documents zstd's level 5 compressed the blocks in 0.57 CPU s where zlib took
# 1.48 s (a fifth of indexing), to 0.2% fewer bytes, and reads them back in 0.16 s where zlib took 0.24 s.
UNCOMPRESSED, ZLIB, ZSTD = 0, 1, 2
# The blocks of 10,000 documents (34.2 MB) at levels -1, 1, 3 and 5: compressed in 0.18, 0.35, 0.36 and 0.59 CPU s
# to 21.5, 18.2, 18.1 and 17.6 MB. Level 3 since stored fields took 3.7 MB less (search.storedcolumn).
ZSTD_LEVEL = 3
_ZSTD = threading.local()  # a compressor and a decompressor per thread: they are not safe to share
# size (of what follows it; negative for a term's last block), last document, greatest weight, count,
# compression (UNCOMPRESSED, ZLIB or ZSTD), least and greatest length byte
BLOCK_HEAD = struct.Struct("<iIfBBBB")
# How a block gives its weights (a byte after the gaps).
ALL_ONE, ALL_ALIKE, EACH_FLOAT, EACH_BYTE = 0, 1, 2, 3
WIDTH_TYPES = {1: np.dtype("u1"), 2: np.dtype("<u2"), 4: np.dtype("<u4")}
_FIRST = struct.Struct("<IB")  # the first document, then the width of the gaps
FLOAT = struct.Struct("<f")  # a weight
# For each width up to 4, a 4-byte word whose first ``width`` bytes are 1 (True): which bytes of a number are written.
_LEADING = (np.arange(4) < np.arange(5)[:, None]).view("<u4").ravel()


def posting_blocks(counts: np.ndarray, docs: np.ndarray, weights: np.ndarray, lengths: np.ndarray,
                   values: tuple[bytes, np.ndarray, np.ndarray] | None, sized_values: bool) -> tuple[bytes, np.ndarray]:
    """Consecutive terms' postings in blocks of BLOCK_LIMIT, joined, and the size of each term's blocks.

    ``counts[i]`` postings each, one term's after another in ``docs`` (ascending in a term), ``weights`` (4-byte
    floats), ``lengths`` (length bytes) and the values (``data``, with each posting's value from ``starts[j]`` to
    ``ends[j]``; None for a format without); ``sized_values`` for a format without a fixed size, whose blocks give
    each value's size. Every block is laid out with array operations over all of them (bounds, widths, weight
    kinds, maxima as segment reductions); what is left block by block is joining two slices, the compressor and
    the header.
    """
    term_blocks = -(-counts // BLOCK_LIMIT)
    term_firsts = run_starts(counts)
    block_firsts = run_starts(term_blocks)  # each term's first block
    block_term = np.repeat(np.arange(len(counts)), term_blocks)
    starts = term_firsts[block_term] + BLOCK_LIMIT * (np.arange(len(block_term)) - block_firsts[block_term])
    sizes = np.minimum(BLOCK_LIMIT, (term_firsts + counts)[block_term] - starts)
    block_of = np.repeat(np.arange(len(starts)), sizes)  # each posting's block
    first = np.zeros(len(docs), dtype=bool)
    first[starts] = True

    # Each part of a block: a lead (the first document; the weights' kind; the width of value sizes), then a
    # number for each posting, of which some leading bytes are written.
    gaps = np.diff(docs.astype(np.int64), prepend=0)
    gaps[first] = 0
    gap_widths = _widths(np.maximum.reduceat(gaps, starts))
    gaps[first] = gap_widths  # where the first posting's gap would be, the gaps' width
    parts = [(docs[starts], 4, gaps, np.where(first, 1, gap_widths[block_of]))]

    greatest, least = np.maximum.reduceat(weights, starts), np.minimum.reduceat(weights, starts)
    kinds = np.select([np.logical_and.reduceat(weights == 1.0, starts),
                       np.logical_and.reduceat(weights == weights[starts][block_of], starts),
                       np.logical_and.reduceat(weights == np.round(weights), starts) & (greatest < 256) & (least >= 0)],
                      [ALL_ONE, ALL_ALIKE, EACH_BYTE], EACH_FLOAT)
    posting_kinds = kinds[block_of]
    as_byte = posting_kinds == EACH_BYTE
    weight_bits = weights.astype("<f4").view("<u4")  # astype copies
    weight_bits[as_byte] = weights[as_byte].astype(np.uint8)
    parts.append((kinds, 1, weight_bits, np.select(
        [posting_kinds == EACH_FLOAT, as_byte, first & (posting_kinds == ALL_ALIKE)], [4, 1, 4], 0)))

    value_bounds = np.zeros(len(starts) + 1, dtype=np.int64)
    joined_values = b""
    if values is not None:
        data, value_starts, value_ends = values
        value_sizes = value_ends.astype(np.int64) - value_starts
        if sized_values:
            value_widths = _widths(np.maximum.reduceat(value_sizes, starts))
            parts.append((value_widths, 1, value_sizes, value_widths[block_of]))
        joined_values = memoryview(gathered(np.frombuffer(data, dtype=np.uint8), value_starts, value_sizes))
        np.cumsum(np.add.reduceat(value_sizes, starts), out=value_bounds[1:])
    packed, packed_bounds = _interleaved(parts, starts, sizes, block_of)  # all but the values

    low, high = length_bounds(lengths, starts)
    last_blocks = np.zeros(len(starts), dtype=bool)
    last_blocks[block_firsts + term_blocks - 1] = True
    written, block_sizes = [], []
    for start, end, value_start, value_end, last_block, last_doc, block_max, count, low_byte, high_byte in zip(
            packed_bounds[:-1].tolist(), packed_bounds[1:].tolist(), value_bounds[:-1].tolist(),
            value_bounds[1:].tolist(), last_blocks.tolist(), docs[starts + sizes - 1].tolist(), greatest.tolist(),
            sizes.tolist(), low.tolist(), high.tolist(), strict=True):
        block = packed[start:end] + joined_values[value_start:value_end]
        compression = UNCOMPRESSED
        if len(block) >= COMPRESS_FROM:
            compression, block = compress(block)
        size = BLOCK_HEAD.size - 4 + len(block)
        written += (BLOCK_HEAD.pack(-size if last_block else size, last_doc, block_max, count, compression,
                                    low_byte, high_byte), block)
        block_sizes.append(4 + size)
    return b"".join(written), np.add.reduceat(np.array(block_sizes, dtype=np.int64), block_firsts)


def compress(data: bytes) -> tuple[int, bytes]:
    """A block's data compressed as blocks are written now: the compression byte (ZSTD) and the bytes (a zstd frame
    of ZSTD_LEVEL, with its size)."""
    compressor = getattr(_ZSTD, "compressor", None)
    if compressor is None:
        compressor = _ZSTD.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=False)
    return ZSTD, compressor.compress(data)


def decompress(data: bytes) -> bytes:
    decompressor = getattr(_ZSTD, "decompressor", None)
    if decompressor is None:
        decompressor = _ZSTD.decompressor = zstandard.ZstdDecompressor()
    return decompressor.decompress(data)


def run_starts(sizes: np.ndarray) -> np.ndarray:
    """Where each of runs of ``sizes`` one after another starts."""
    return np.cumsum(sizes) - sizes


def length_bounds(lengths: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The least nonzero length byte (0 when all are 0) and the greatest of each run of ``lengths`` (length bytes)
    from ``starts``: a block's or a term's, as its header or term info holds them."""
    high = np.maximum.reduceat(lengths, starts)
    low = np.minimum.reduceat(np.where(lengths > 0, lengths, 255), starts)
    low[high == 0] = 0
    return low, high


def gathered(data: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Pieces of ``data`` (bytes, ``sizes[i]`` from ``starts[i]``), one after another.

    Each unit's place in ``data`` is a running sum of steps (1, or a jump at a piece's first unit): one array of
    4-byte numbers instead of several of 8. A unit is 4 or 2 bytes where every piece allows (posting values are
    made of 2-byte numbers), else a byte: half the places or fewer to sum and gather.
    """
    some = sizes > 0
    starts, sizes = starts[some].astype(np.int64), sizes[some].astype(np.int64)
    spread = len(data) | int(np.bitwise_or.reduce(starts, initial=0)) | int(np.bitwise_or.reduce(sizes, initial=0))
    unit = 4 if spread % 4 == 0 else 2 if spread % 2 == 0 else 1
    if unit > 1:
        data, starts, sizes = data.view(WIDTH_TYPES[unit]), starts // unit, sizes // unit
    places = np.ones(int(sizes.sum()), dtype=np.int32 if len(data) < 2**31 else np.int64)
    if len(places):
        places[run_starts(sizes)] = np.diff(starts, prepend=0) - np.concatenate(([0], sizes[:-1] - 1))
    return data[np.cumsum(places, out=places)].view(np.uint8)


def _widths(largest: np.ndarray) -> np.ndarray:
    """The bytes numbers up to ``largest`` take: 1, 2 or 4."""
    return np.where(largest < 0x100, 1, np.where(largest < 0x10000, 2, 4))


def _interleaved(parts: list[tuple[np.ndarray, int, np.ndarray, np.ndarray]], starts: np.ndarray, sizes: np.ndarray,
                 block_of: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Blocks made of ``parts``, one after another in each block, joined; and the blocks' bounds in those bytes.

    A part is a number for each block (its lead, ``lead_width`` bytes) and a number for each posting (of which
    ``widths[j]`` bytes), written little-endian.
    """
    count = len(parts)
    lead_at = count * (starts + np.arange(len(starts)))  # where a block's first part starts: its lead
    at = lead_at[block_of] + np.arange(len(block_of)) - starts[block_of] + 1  # a posting's number in the first part
    numbers = np.empty(count * (len(block_of) + len(starts)), dtype="<u4")
    widths = np.empty(len(numbers), dtype=np.uint8)
    block_bytes = np.zeros(len(starts), dtype=np.int64)
    for part, (leads, lead_width, part_numbers, part_widths) in enumerate(parts):
        shift = part * (sizes + 1)
        numbers[lead_at + shift], widths[lead_at + shift] = leads, lead_width
        place = at + shift[block_of]
        numbers[place], widths[place] = part_numbers, part_widths
        block_bytes += lead_width + np.add.reduceat(part_widths, starts)
    bounds = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(block_bytes, out=bounds[1:])
    return numbers.view(np.uint8)[_LEADING[widths].view(bool)].tobytes(), bounds


class BlockMatcher(W3LeafMatcher):
    """Whoosh 3's posting reader over ``search.blocks`` blocks: only the header and data are read differently."""

    def _read_header(self) -> None:
        self._baseoffset = self._startoffset  # no magic tag before the first block

    def _goto(self, position: int) -> None:
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        size, self._maxid, self._maxweight, self._blocklength, self._compression, low, high = BLOCK_HEAD.unpack(
            self._postfile.get(position, BLOCK_HEAD.size))
        self._lastblock = size < 0
        self._nextoffset = position + 4 + abs(size)
        self._dataoffset = position + BLOCK_HEAD.size
        self._minlength, self._maxlength = byte_to_length(low), byte_to_length(high)

    def _read_data(self) -> None:
        data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        if self._compression == ZSTD:
            data = decompress(data)
        elif self._compression == ZLIB:
            data = zlib.decompress(data)
        count = self._blocklength
        first, width = _FIRST.unpack_from(data)
        at = _FIRST.size + width * (count - 1)
        gaps = [first, *np.frombuffer(data, WIDTH_TYPES[width], count - 1, _FIRST.size).tolist()]
        kind, at = data[at], at + 1
        if kind == ALL_ONE:
            weights = None
        elif kind == ALL_ALIKE:
            weights, at = FLOAT.unpack_from(data, at)[0], at + 4
        elif kind == EACH_BYTE:
            weights, at = np.frombuffer(data, np.uint8, count, at).astype(np.float64).tolist(), at + count
        else:
            weights, at = np.frombuffer(data, "<f4", count, at).astype(np.float64).tolist(), at + 4 * count
        fixed = self._fixedsize
        if fixed is None or fixed < 0:
            value_width, at = data[at], at + 1
            ends = np.cumsum(np.frombuffer(data, WIDTH_TYPES[value_width], count, at)).tolist()
            at += value_width * count
            values = tuple(data[at + start:at + end] for start, end in zip([0, *ends[:-1]], ends, strict=True))
        else:
            values = data[at:at + fixed * count] if fixed else None
        self._data = (gaps, weights, values)


# The matchers that read postings a block at a time (Whoosh's own and this one's): the array readers use their blocks.
BLOCK_READERS = (W3LeafMatcher, BlockMatcher)
