"""``stable_order`` must give exactly numpy's stable argsort: the batch writer's postings and their order depend on
it."""

from __future__ import annotations

import numpy as np
import pytest

from search.sorting import ascending_distinct, distinct, stable_order


@pytest.mark.parametrize(("bits", "dtype"), [(bits, dtype) for dtype in (np.int64, np.uint32, np.uint64)
                                             for bits in (1, 8, 16, 17, 32, 40, 62) if bits <= np.iinfo(dtype).bits])
def test_the_order_of_a_stable_sort(bits: int, dtype: type) -> None:
    generator = np.random.default_rng(bits)
    keys = generator.integers(0, 2 ** bits, 5000, dtype=np.uint64).astype(dtype)
    keys[:1000] = keys[4000:]  # equal keys, whose order must be kept
    assert np.array_equal(stable_order(keys), np.argsort(keys, kind="stable"))


def test_no_keys_and_one_key() -> None:
    assert stable_order(np.zeros(0, dtype=np.int64)).tolist() == []
    assert stable_order(np.array([7], dtype=np.int64)).tolist() == [0]
    assert stable_order(np.array([3, 1, 2, 1, 0], dtype=np.uint32)).tolist() == [4, 1, 3, 2, 0]


@pytest.mark.parametrize("bits", [4, 16, 17, 40, 62])
def test_distinct_keys_as_numpy_gives_them(bits: int) -> None:
    generator = np.random.default_rng(bits)
    keys = generator.integers(0, 2 ** bits, 3000, dtype=np.int64)
    keys[:1000] = keys[2000:]
    found, places = distinct(keys)
    expected, expected_places = np.unique(keys, return_inverse=True)
    assert np.array_equal(found, expected) and np.array_equal(places, expected_places)
    assert np.array_equal(ascending_distinct(keys), expected)
    empty = np.zeros(0, dtype=np.int64)
    assert [part.tolist() for part in distinct(empty)] == [[], []] and ascending_distinct(empty).tolist() == []
