"""Posting lists and field lengths read as arrays (search.postings) equal what Whoosh's own matchers and readers give.

search.postings reads Whoosh 3's block layout through private attributes; these tests pin it on
indexes written by the batch writer and by Whoosh's own writer (which inlines single postings),
in several segments, with deleted documents.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from search import codec, indexer, postings
from search.codec import BLOCK_LIMIT
from search.indexer import index_paths
from search.postings import POSTING_ARRAYS, PostingArrays, segment_postings
from search.store import open_index
from tests.conftest import many_articles
from tests.test_codec import whoosh_writer

FIELDS = ("body", "title", "body_exact", "author")


def _write(folder: Path, name: str, records: list[dict]) -> None:
    (folder / name).write_text("".join(json.dumps(record) + "\n" for record in records))


@pytest.fixture(scope="module", params=["batch writer", "whoosh writer"])
def index_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three files in small batches (several segments); then one file rewritten, so the old segment keeps deletions."""
    root = tmp_path_factory.mktemp("postings")
    archive, index_dir = root / "archive", root / "index"
    archive.mkdir()
    records = many_articles(BLOCK_LIMIT * 2)  # "strike" spans several blocks
    for number in range(3):
        _write(archive, f"part-{number}.jsonl", records[number::3])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(codec, "SMALL_SEGMENT_DOCS", 0)
        patch.setattr(codec, "SMALL_SEGMENT_SHARE", 0)  # each batch's segment left as it is
        if request.param == "whoosh writer":
            patch.setattr(indexer, "batch_writer", whoosh_writer)
        index_paths(index_dir, [archive], batch_docs=150)
        _write(archive, "part-1.jsonl", records[1::6])
        index_paths(index_dir, [archive], batch_docs=150)
    return index_dir


def _whoosh_postings(reader, fieldname: str, term: bytes) -> list[tuple[int, float]]:
    matcher, found = reader.postings(fieldname, term), []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight()))
        matcher.next()
    return found


def test_the_index_has_several_segments_and_deletions(index_dir: Path) -> None:
    with open_index(index_dir).searcher() as searcher:
        segments = segment_postings(searcher)
        assert len(segments) >= 3
        assert sum(len(segment.deleted()) for segment in segments) > 0


def test_every_terms_postings_and_statistics_equal_whooshs(index_dir: Path) -> None:
    compared = 0
    with open_index(index_dir).searcher() as searcher:
        for segment in segment_postings(searcher):
            reader, deleted = segment.reader, set(segment.deleted().tolist())
            for fieldname in FIELDS:
                for term in reader.lexicon(fieldname):
                    text = term.decode("utf-8")
                    info = segment.term_info(fieldname, text)
                    assert info.doc_frequency() == reader.doc_frequency(fieldname, term)
                    docnums, weights = segment.postings(fieldname, text, info)
                    ours = [(int(docnum), float(weight)) for docnum, weight in zip(docnums, weights, strict=True)
                            if int(docnum) not in deleted]
                    assert ours == _whoosh_postings(reader, fieldname, term), (fieldname, text)
                    compared += 1
            assert segment.term_info("body", "no-such-word") is None
    assert compared > 1000


def test_field_lengths_equal_whooshs(index_dir: Path) -> None:
    with open_index(index_dir).searcher() as searcher:
        for segment in segment_postings(searcher):
            for fieldname in FIELDS:
                expected = [max(segment.reader.doc_field_length(docnum, fieldname) or 1, 1)
                            for docnum in range(segment.reader.doc_count_all())]
                assert segment.lengths(fieldname).tolist() == expected


def test_a_term_looked_up_again_comes_from_memory(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_index(index_dir).searcher() as searcher:
        segment = segment_postings(searcher)[0]
        first = segment.term_info("body", "strike")
        monkeypatch.setattr(type(segment.reader), "term_info", _refuse)
        again = segment_postings(searcher)[0].term_info("body", "strike")
        assert again is first and np.array_equal(segment.postings("body", "strike", again)[0],
                                                 segment.postings("body", "strike", first)[0])


def _refuse(*_: object) -> Callable:
    raise AssertionError("looked up in the segment again")


def test_posting_arrays_keep_the_most_recently_used_within_their_budget() -> None:
    cache = PostingArrays(budget_bytes=8 * 160)  # eight lists of ten postings (16 bytes each)

    def arrays(count: int) -> tuple[np.ndarray, np.ndarray]:
        return np.arange(count, dtype=np.int64), np.ones(count)

    for number in range(8):
        cache.put((number,), arrays(10))
    assert cache.get((0,)) is not None  # now the most recently used
    cache.put((8,), arrays(10))
    assert cache.get((1,)) is None  # the least recently used made room
    assert all(cache.get((number,)) is not None for number in (0, 2, 3, 4, 5, 6, 7, 8))
    cache.put(("long",), arrays(11))  # over an eighth of the budget: never kept
    assert cache.get(("long",)) is None


def test_postings_read_again_come_from_memory_and_are_the_same(index_dir: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    POSTING_ARRAYS.clear()
    with open_index(index_dir).searcher() as searcher:
        segment = max(segment_postings(searcher), key=lambda each: each.reader.doc_count_all())
        info = segment.term_info("body", "strike")
        first = segment.postings("body", "strike", info)
        monkeypatch.setattr(postings, "_block_arrays", _refuse)
        again = segment_postings(searcher)[[each.offset for each in segment_postings(searcher)].index(
            segment.offset)].postings("body", "strike", info)
        assert all(np.array_equal(one, other) for one, other in zip(first, again, strict=True))
