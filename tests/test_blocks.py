"""Posting blocks (search.blocks) as the batch writer writes them, read back by Whoosh's own matcher.

Terms are written through the batch field writer (search.codec) and read back posting by posting,
with their statistics and each block's header: gaps of 1, 2 and 4 bytes, every way a block gives
its weights, value sizes of 1, 2 and 4 bytes, fixed-size values and none, terms of 9, 128, 129 and
257 postings, blocks compressed and not.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pytest
from whoosh.fields import FieldType
from whoosh.filedb.filestore import RamStorage
from whoosh.formats import Existence, Format
from whoosh.util.numeric import byte_to_length

from search import blocks as blocks_module
from search import codec
from search.blocks import (
    ALL_ALIKE,
    ALL_ONE,
    BLOCK_HEAD,
    BLOCK_LIMIT,
    COMPRESS_FROM,
    EACH_BYTE,
    EACH_FLOAT,
    UNCOMPRESSED,
    ZLIB,
    ZSTD,
    decompress,
    gathered,
)
from search.codec import BatchCodec, FieldPostings
from search.schema import FastPositions, FingerprintMasks

Postings = tuple[np.ndarray, np.ndarray, list[bytes]]  # documents, weights, values


@dataclass
class Block:
    count: int
    last: int
    max_weight: float
    compression: int
    low: int
    high: int
    data_size: int
    gap_width: int
    weight_kind: int
    value_width: int | None


def _length_bytes(docs: int) -> bytearray:
    """A length byte for each document: some zero (no length), the others spread over 1-255."""
    return bytearray(0 if doc % 5 == 0 else 1 + doc * 37 % 255 for doc in range(docs))


def _write_and_read(format_: Format, terms: dict[bytes, Postings], length_bytes: bytearray
                    ) -> dict[bytes, tuple[object, list[tuple[int, float, bytes | None]], list[Block]]]:
    """Writes the terms as one field with the batch field writer; reads back each term's info, its postings (with
    Whoosh's matcher) and its blocks' headers and layouts."""
    batch_codec, storage = BatchCodec(), RamStorage()
    segment = batch_codec.new_segment(storage, "blocks")
    postings = FieldPostings(format_.fixed_value_size())
    for term, (docs, weights, values) in terms.items():
        postings.add_merged(term, docs.tolist(), weights.tolist(), values)
    writer = batch_codec.field_writer(storage, segment)
    writer.write_field("field", FieldType(format_, None), postings, length_bytes)
    writer.close()
    reader = batch_codec.terms_reader(storage, segment)
    postfile = storage.open_file(segment.make_filename(batch_codec.POSTS_EXT))
    found = {}
    for term in terms:
        info = reader.term_info("field", term)
        matcher, read = reader.matcher("field", term, format_), []
        while matcher.is_active():
            read.append((matcher.id(), matcher.weight(), matcher.value()))
            matcher.next()
        blocks = [] if info.is_inlined() else _blocks(postfile, *info.extent(), format_.fixed_value_size() is None)
        found[term] = info, read, blocks
    return found


def _blocks(postfile: object, offset: int, length: int, sized_values: bool) -> list[Block]:
    blocks, at = [], offset
    while at < offset + length:
        size, last, max_weight, count, compression, low, high = BLOCK_HEAD.unpack(postfile.get(at, BLOCK_HEAD.size))
        data = postfile.get(at + BLOCK_HEAD.size, abs(size) - BLOCK_HEAD.size + 4)
        data = {ZSTD: decompress, ZLIB: zlib.decompress}.get(compression, bytes)(data)
        gap_width = data[4]
        kind_at = 5 + gap_width * (count - 1)
        weights_size = {ALL_ONE: 0, ALL_ALIKE: 4, EACH_BYTE: count, EACH_FLOAT: 4 * count}[data[kind_at]]
        value_width = data[kind_at + 1 + weights_size] if sized_values else None
        at += 4 + abs(size)
        assert (size < 0) == (at == offset + length)  # a term's last block says so
        blocks.append(Block(count, last, max_weight, compression, low, high, len(data), gap_width,
                            data[kind_at], value_width))
    return blocks


def _blockwise_total(weights: np.ndarray) -> float:
    """A term's total weight as Whoosh's writer sums it: 8-byte floats a block at a time, stored as a 4-byte float."""
    total = 0.0
    for start in range(0, len(weights), BLOCK_LIMIT):
        total += float(weights[start:start + BLOCK_LIMIT].astype(np.float32).sum(dtype=np.float64))
    return float(np.float32(total))


def _least_nonzero(lengths: np.ndarray) -> int:
    return int(lengths[lengths > 0].min()) if lengths.any() else 0


def _check(terms: dict[bytes, Postings], found: dict, length_bytes: bytearray) -> list[Block]:
    """Every posting, statistic and block header read back as written; returns the blocks."""
    every = []
    for term, (docs, weights, values) in terms.items():
        info, read, blocks = found[term]
        weights = np.asarray(weights, dtype=np.float32)
        assert read == list(zip(docs.tolist(), weights.tolist(), values, strict=True)), term
        lengths = np.frombuffer(bytes(length_bytes), dtype=np.uint8)[docs]
        assert (info.doc_frequency(), info.min_id(), info.max_id()) == (len(docs), docs[0], docs[-1])
        assert (info.weight(), info.max_weight()) == (_blockwise_total(weights), max(0.0, float(weights.max())))
        assert info.min_length() == byte_to_length(_least_nonzero(lengths))
        assert info.max_length() == byte_to_length(int(lengths.max()))
        for number, block in enumerate(blocks):
            part = slice(number * BLOCK_LIMIT, (number + 1) * BLOCK_LIMIT)
            block_lengths = lengths[part]
            assert (block.count, block.last, block.max_weight) == (len(docs[part]), docs[part][-1], weights[part].max())
            assert (block.low, block.high) == (_least_nonzero(block_lengths), block_lengths.max())
            assert (block.compression != UNCOMPRESSED) == (block.data_size >= COMPRESS_FROM)
        assert sum(block.count for block in blocks) == (0 if info.is_inlined() else len(docs))
        every += blocks
    return every


def _postings(gaps: list[int], weights: list[float], values: list[bytes], first: int = 3) -> Postings:
    return np.cumsum([first, *gaps]), np.array(weights), values


def test_every_block_layout_reads_back_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codec, "CHUNK_POSTINGS", 200)  # several chunks, block terms among inlined ones
    counts = list(range(1, 200))
    terms = {
        b"a-nine": _postings([1] * 8, [1.0] * 9, [b""] * 9),  # one block, too small to compress
        b"b-alike": _postings([300] * 127, [2.5] * 128, [b"v" * (number % 5) for number in range(127)] + [b"w" * 300]),
        b"c-inlined": _postings([2] * 3, [1.0] * 4, [b"x"] * 4),
        b"d-counts": _postings([1] * 60 + [70_000] + [1] * 67, counts[:129], [b"yz"] * 129),
        b"e-floats": _postings([5] * 256, [0.5, 300.0] * 64 + [float(number) for number in range(256, 384)] + [1.0],
                               [b"q" * (number % 3) for number in range(256)] + [b"r" * 70_000]),
        b"f-inlined": _postings([1], [3.0, 4.0], [b"", b"s"]),
    }
    length_bytes = _length_bytes(75_000)
    found = _write_and_read(FastPositions(), terms, length_bytes)
    blocks = _check(terms, found, length_bytes)
    assert found[b"c-inlined"][0].is_inlined() and found[b"f-inlined"][0].is_inlined()
    assert [len(found[term][2]) for term in (b"a-nine", b"b-alike", b"d-counts", b"e-floats")] == [1, 1, 2, 3]
    assert {block.gap_width for block in blocks} == {1, 2, 4}
    assert {block.weight_kind for block in blocks} == {ALL_ONE, ALL_ALIKE, EACH_BYTE, EACH_FLOAT}
    assert {block.value_width for block in blocks} == {1, 2, 4}
    assert {block.compression for block in blocks} == {UNCOMPRESSED, ZSTD}


def test_blocks_compressed_with_zlib_as_before_zstd_still_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """Indexes written before blocks were compressed with zstd hold zlib blocks (compression byte ZLIB)."""
    monkeypatch.setattr(blocks_module, "compress", lambda data: (ZLIB, zlib.compress(data, 6, 12)))
    terms = {b"old": _postings([3] * 299, [float(number % 7) for number in range(300)],
                               [b"v" * (number % 9) for number in range(300)])}
    length_bytes = _length_bytes(1000)
    blocks = _check(terms, _write_and_read(FastPositions(), terms, length_bytes), length_bytes)
    assert [block.compression for block in blocks] == [ZLIB] * 3


@pytest.mark.parametrize("format_", [FingerprintMasks(), Existence()], ids=["fixed-size values", "no values"])
def test_fixed_size_values_and_none_read_back_as_written(format_: Format) -> None:
    size = format_.fixed_value_size()
    values = [bytes([number % 256]) * size if size else None for number in range(257)]
    terms = {b"many": _postings([1, 2, 3] * 85 + [1], [1.0, 2.0] * 128 + [7.0], values),
             b"some": _postings([1] * 127, [1.0] * 128, values[:128]),
             b"few": _postings([1] * 8, [1.0] * 9, values[:9])}
    length_bytes = _length_bytes(600)
    blocks = _check(terms, _write_and_read(format_, terms, length_bytes), length_bytes)
    assert [block.count for block in blocks] == [128, 128, 1, 128, 9]


def test_a_terms_total_weight_is_summed_a_block_at_a_time_as_whooshs() -> None:
    """Weights so far apart that 8-byte sums round: the total is what Whoosh's writer gives (44, the last
    block's ones), not what one sum over the term gives."""
    weights = np.ones(300)
    weights[0], weights[200] = 2.0**60, -(2.0**60)
    assert _blockwise_total(weights) == 44.0 != float(np.float32(weights.sum()))
    terms = {b"far": _postings([1] * 299, weights.tolist(), [b""] * 300)}
    length_bytes = _length_bytes(400)
    found = _write_and_read(FastPositions(), terms, length_bytes)
    _check(terms, found, length_bytes)
    assert found[b"far"][0].weight() == 44.0


@pytest.mark.parametrize("unit", [1, 2, 4])
def test_pieces_are_gathered_whatever_their_sizes(unit: int) -> None:
    """Pieces of whole 2- or 4-byte numbers are gathered a number at a time, others a byte at a time: the same
    bytes either way, empty pieces too."""
    generator = np.random.default_rng(unit)
    sizes = generator.integers(0, 9, 500) * unit
    starts = np.cumsum(sizes) - sizes
    data = generator.integers(0, 256, int(sizes.sum()) + 3 * unit, dtype=np.uint8)  # bytes after the last piece
    shuffled = generator.permutation(len(sizes))
    expected = b"".join(data[start:start + size].tobytes()
                        for start, size in zip(starts[shuffled].tolist(), sizes[shuffled].tolist(), strict=True))
    assert gathered(data, starts[shuffled], sizes[shuffled]).tobytes() == expected
    assert gathered(data, starts[:0], sizes[:0]).tobytes() == b""
