"""The term index's own term infos (search.termindex): every inlined term info written for a batch of terms
reads back as the postings it was given, whatever their gaps, weights, length bytes and values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from whoosh.util.numeric import byte_to_length

from search.termindex import inlined_term_infos, pointer_term_info, read_term_info

# (documents, weights, length bytes, values) of one term each
TERMS = [
    ([0], [1.0], [0], [b""]),  # document 0, one posting
    ([0, 1, 2, 3, 4, 5, 6, 7], [1.0] * 8, [1, 2, 3, 4, 5, 6, 7, 255], [b"a", b"b", b"", b"c", b"", b"d", b"e", b"f"]),
    ([127, 128, 128 + 2**7, 128 + 2**7 + 2**14, 2**21 + 2**14 + 300, 2**28 + 5, 2**32 - 1],  # 1 to 5-byte gaps
     [2.5] * 7, [0, 0, 3, 0, 0, 9, 0], [b"x" * 127, b"y" * 128, b"z" * 16_383, b"w" * 16_384, b"", b"v", b"u"]),
    ([3, 4], [0.25, 300.0], [0, 0], [b"\x00", b"\xff" * 200]),  # every weight different; no length
    ([9, 10, 11], [1.0, 1.0, 2.0], [5, 5, 5], [b"p", b"q", b"r"]),  # the first weight 1, not all
    ([7, 1000], [3.0, 3.0], [200, 1], [b"", b""]),  # all alike; only empty values
    (list(range(40, 40 + 3 * 130, 3)), [float(n) for n in range(130)], [1] * 130, [b"ab"] * 130),  # a 2-byte count
]


def _encode(terms: list[tuple[list[int], list[float], list[int], list[bytes]]],
            value_kind: str) -> tuple[list[bytes], list[list[Any]]]:
    """Each term's term info, the terms written at once, and the values each should read back.

    The values lie in one buffer as the batch writer keeps them: in another order than their terms'
    (here reversed), among other bytes."""
    counts = [len(docs) for docs, _, _, _ in terms]
    values = [value for _, _, _, term_values in terms for value in term_values]
    if value_kind == "fixed":
        values = [bytes((number % 256,)) * 4 for number in range(len(values))]
    data, starts, ends = bytearray(b"before"), [0] * len(values), [0] * len(values)
    for number in reversed(range(len(values))):
        starts[number] = len(data)
        data += values[number] + b"-"
        ends[number] = starts[number] + len(values[number])
    written, sizes = inlined_term_infos(
        np.array(counts), np.array([doc for docs, _, _, _ in terms for doc in docs], dtype=np.uint32),
        np.array([weight for _, weights, _, _ in terms for weight in weights], dtype=np.float32),
        np.array([length for _, _, lengths, _ in terms for length in lengths], dtype=np.uint8),
        None if value_kind == "none" else (bytes(data), np.array(starts, dtype=np.uint32),
                                           np.array(ends, dtype=np.uint32)))
    assert written.dtype == np.uint8 and sizes.sum() == len(written)
    ends_at = np.cumsum(sizes).tolist()
    infos = [written[end - size:end].tobytes() for end, size in zip(ends_at, sizes.tolist(), strict=True)]
    firsts = np.cumsum([0] + counts)[:-1].tolist()
    expected_values = [[None] * count if value_kind == "none" else values[first:first + count]
                       for first, count in zip(firsts, counts, strict=True)]
    return infos, expected_values


@pytest.mark.parametrize("value_kind", ["varying", "fixed", "none"])
def test_inlined_term_infos_written_together_read_back_one_by_one(value_kind: str) -> None:
    infos, expected_values = _encode(TERMS, value_kind)
    assert len(infos) == len(TERMS)
    for info_bytes, (docs, weights, lengths, _), values in zip(infos, TERMS, expected_values, strict=True):
        info = read_term_info(info_bytes)
        assert info.is_inlined()
        assert info.inlined_postings() == (tuple(docs), tuple(weights), tuple(values))
        assert (info.doc_frequency(), info.weight(), info.max_weight()) == (len(docs), sum(weights), max(weights))
        assert (info.min_id(), info.max_id()) == (docs[0], docs[-1])
        nonzero = [length for length in lengths if length]
        assert info.min_length() == byte_to_length(min(nonzero, default=0))
        assert info.max_length() == byte_to_length(max(lengths))


def test_a_term_info_is_the_same_bytes_written_alone_or_among_others() -> None:
    together, _ = _encode(TERMS, "varying")
    assert together == [_encode([term], "varying")[0][0] for term in TERMS]


def test_an_inlined_term_info_keeps_its_layout() -> None:
    """The bytes indexes already hold: count, first document and gaps, weights (none when all are 1, one when all
    alike), least nonzero and greatest length byte, then the values each after its size."""
    assert _encode([([5, 300], [1.0, 1.0], [3, 0], [b"ab", b""])], "varying")[0] == [
        bytes.fromhex("02 02 05 a7 02 00 03 03 01 02 61 62 00")]
    assert _encode([([0], [2.5], [0], [b""])], "none")[0] == [bytes.fromhex("02 01 00 01 00 00 20 40 00 00 00")]


def test_no_terms_give_no_term_infos() -> None:
    written, sizes = inlined_term_infos(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint32),
                                        np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.uint8), None)
    assert (len(written), len(sizes)) == (0, 0)


def test_a_pointer_term_info_reads_back_as_written() -> None:
    info = read_term_info(pointer_term_info(1234.0, 300, 3, 200, 17.0, 5, 2**31 + 9, 2**40, 70_000))
    assert not info.is_inlined() and info.extent() == (2**40, 70_000)
    assert (info.weight(), info.doc_frequency(), info.max_weight(), info.min_id(), info.max_id()) == (
        1234.0, 300, 17.0, 5, 2**31 + 9)
    assert (info.min_length(), info.max_length()) == (byte_to_length(3), byte_to_length(200))
