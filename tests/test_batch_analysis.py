"""Texts analysed together (``TextWords`` of many texts, the batch writer's path) give each text the postings,
positions, offsets and fingerprints it gets alone, from the analyzers' own word-by-word reading."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from search.schema import (
    EXACT,
    QUOTE_HASH_VERSION,
    QUOTE_SHINGLE,
    QUOTE_WINDOW,
    STEMMED,
    STOP_WORDS,
    VALUE_BREAK,
    build_schema,
    fingerprint_buckets,
    fold,
    shingle_hash,
    texts_words,
)

SCHEMA = build_schema()
WORDS = ["the", "Strike", "of", "général", "strikes", "a", "I", "workers'", "U.S.", "3.14", "and", "Œuvre", "to",
         "in", "Serge", "capital", "it's", "co-op", "ß", "_x_"]


def random_text(rng: random.Random, words: int) -> str:
    pieces = []
    for _ in range(words):
        pieces.append(rng.choice(WORDS))
        pieces.append(rng.choice([" ", " ", " ", ", ", ". ", "\n", " — ", f" {VALUE_BREAK} ", "  "]))
    return rng.choice(["", " ", "“", VALUE_BREAK]) + "".join(pieces) + rng.choice(["", ".", VALUE_BREAK, "!\n"])


@pytest.fixture(scope="module")
def texts() -> list[str]:
    rng = random.Random(7)
    found = [random_text(rng, rng.choice([0, 1, 2, 5, 9, 40, 300])) for _ in range(60)]
    found[7] = ""
    found[11] = "... — !"
    found[20] = "strike " * 70_000  # its positions and offsets need 4 bytes: wide amid narrow ones
    found[21] = "word " * 14_000 + "strike"  # offsets past 65,535, positions not: wide only where offsets are kept
    found[33] = f"Title{VALUE_BREAK}"  # a break with no words after it
    return found


def decoded(field_name: str, text_index: int, texts: list[str]) -> dict[bytes, tuple[list, int]]:
    """One text's postings in the field as the batch gives them: each term's decoded numbers and value size."""
    field = SCHEMA[field_name]
    columns = field.index_batch(texts)
    terms = columns.terms_of(columns.keys)
    ends = np.cumsum(columns.value_lengths)
    found = {}
    for at in np.flatnonzero(columns.docs == text_index).tolist():
        value = columns.values[ends[at] - columns.value_lengths[at]:ends[at]]
        numbers = (field.format.decode_characters(value) if field.format.supports("characters")
                   else field.format.decode_positions(value))
        assert field.format.decode_frequency(value) == columns.frequencies[at] == len(numbers)
        found[terms[at]] = ([tuple(item) if isinstance(item, tuple) else item for item in numbers], len(value))
    return found


def pair_occurrences(text: str) -> dict[str, list[tuple[int, int, int]]]:
    """The common-word pairs of a text from its as-written words: neighbours (no VALUE_BREAK between them, which
    puts a gap in the positions) of which one is a stop word, at the first one's position."""
    words = sorted((place, term) for term, places in EXACT.occurrences(text).items() for place in places)
    found: dict[str, list[tuple[int, int, int]]] = {}
    for (first, one), (second, other) in zip(words, words[1:], strict=False):
        if second[0] == first[0] + 1 and (one in STOP_WORDS or other in STOP_WORDS):
            found.setdefault(f"{one} {other}", []).append((first[0], first[1], second[2]))
    return found


@pytest.mark.parametrize(("field_name", "occurrences"), [
    ("body", STEMMED.occurrences), ("body_exact", EXACT.occurrences), ("body_pairs", pair_occurrences),
    ("title", STEMMED.occurrences)])
def test_each_text_gets_the_postings_it_gets_alone(texts: list[str], field_name: str, occurrences) -> None:
    chars = SCHEMA[field_name].format.supports("characters")
    lists = 3 if chars else 1
    for number, text in enumerate(texts):
        expected = {term.encode(): places if chars else [place[0] for place in places]
                    for term, places in occurrences(text).items()}
        got = decoded(field_name, number, texts)
        assert {term: numbers for term, (numbers, _) in got.items()} == expected, number
        largest = max((max(place[0], place[2]) if chars else place[0] for places in occurrences(text).values()
                       for place in places), default=0)
        width = 2 if largest < 65536 else 4
        assert all(size == 4 + width * lists * len(numbers) for numbers, size in got.values()), number


def test_the_lengths_of_a_batch_are_each_texts_word_count(texts: list[str]) -> None:
    columns = SCHEMA["body"].index_batch(texts)
    assert columns.lengths(len(texts)).tolist() == [
        sum(len(places) for places in STEMMED.occurrences(text).values()) for text in texts]


def reference_fingerprints(text: str, version: int) -> set[int]:
    words = [fold(match) for match in re.findall(r"\w+(?:\.\w+)*", text)]
    shingles = [shingle_hash(words[start:start + QUOTE_SHINGLE], version)
                for start in range(len(words) - QUOTE_SHINGLE + 1)]
    if len(shingles) <= QUOTE_WINDOW:
        return set(shingles)
    return {min(shingles[start:start + QUOTE_WINDOW]) for start in range(len(shingles) - QUOTE_WINDOW + 1)}


@pytest.mark.parametrize("version", [1, QUOTE_HASH_VERSION])
def test_each_text_gets_the_fingerprints_it_gets_alone(texts: list[str], version: int,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """In either version of the shingle hash: the first still written into indexes whose schema says so."""
    rng = random.Random(3)
    texts = [*texts, *(random_text(rng, words) for words in (4, 5, 6, 7, 8, 9))]  # around QUOTE_SHINGLE + QUOTE_WINDOW
    docs, hashes = texts_words(texts).fingerprints(version)
    field = build_schema()["quotes"]
    monkeypatch.setattr(field, "hash_version", version)
    columns = field.index_batch(texts)
    for number, text in enumerate(texts):
        expected = reference_fingerprints(text, version)
        assert set(hashes[docs == number].tolist()) == expected, number
        buckets, masks = fingerprint_buckets(expected)
        mine = columns.docs == number
        assert columns.keys[mine].tolist() == buckets.tolist()
        assert np.frombuffer(columns.values, dtype="<u8").reshape(-1)[mine].tolist() == masks.tolist()

