"""Stable sorting of non-negative whole numbers, as numpy's radix sort does it."""

from __future__ import annotations

import numpy as np

_DIGIT_BITS = 16  # numpy sorts 16-bit numbers stably by radix, others by timsort (3 times slower on postings)


def stable_order(keys: np.ndarray) -> np.ndarray:
    """What ``np.argsort(keys, kind="stable")`` gives for non-negative whole numbers: sorted a 16-bit digit at a
    time, lowest first (least significant digit radix sort, one numpy radix pass per digit)."""
    bits = int(keys.max(initial=0)).bit_length()
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    for shift in range(_DIGIT_BITS, bits, _DIGIT_BITS):
        digits = ((keys >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digits[order], kind="stable")]
    return order
