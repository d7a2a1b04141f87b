"""Stored fields compressed with zstd and a dictionary trained per segment (search.storedcolumn).

Every way of reading a document (Whoosh's searcher, the results page's memory-mapped reader, threads of a
server) gives what an index written by Whoosh's own writer (zlib, no dictionary) gives; such an old index still
reads, and merges with new segments. The archive is real prose from the fixture corpora (the seed export, the
Federalist and Anti-Federalist papers, State of the Union addresses, Marxists Internet Archive pages) and
generated articles; the sample kept for training is made small so that this small archive trains a dictionary
and most of its documents come after the sample.
"""

from __future__ import annotations

import json
import shutil
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from whoosh.codec import whoosh3
from whoosh.writing import OPTIMIZE

from search import codec, indexer, storedcolumn
from search.cli import main
from search.codec import batch_writer
from search.indexer import index_paths
from search.results import _stored_fields, search
from search.store import open_index, open_searcher
from tests.conftest import SEED, many_articles
from tests.test_codec import whoosh_writer
from web import create_app

CORPORA = Path(__file__).parent / "fixtures" / "corpora"
REAL_TEXTS = [SEED, *(CORPORA / "federalist-antifederalist").glob("*.md"), *(CORPORA / "sotu").glob("*.json"),
              *(CORPORA / "marxists-mia-sample").glob("*.md")]


@pytest.fixture
def small_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    """A sample small enough that the test archive trains a dictionary and streams most values after it."""
    monkeypatch.setattr(storedcolumn, "SAMPLE_BYTES", 128 * 1024)
    monkeypatch.setattr(storedcolumn, "MIN_SAMPLE_BYTES", 16 * 1024)


def write_archive(folder: Path, texts: list[Path], generated: int) -> Path:
    folder.mkdir(parents=True)
    for path in texts:
        shutil.copy(path, folder / path.name)
    if generated:
        records = many_articles(generated)
        (folder / "generated.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    return folder


@pytest.fixture
def archive(tmp_path: Path, small_sample: None) -> Path:
    return write_archive(tmp_path / "archive", REAL_TEXTS, 150)


def build(index_dir: Path, archive: Path, old: bool = False, zlib_column: bool = False) -> Path:
    """Index the archive with the batch writer; ``old``: with Whoosh's own writer and codec; ``zlib_column``: with
    the batch writer writing Whoosh's zlib column, as it did before search.storedcolumn."""
    with pytest.MonkeyPatch.context() as patch:
        if old:
            patch.setattr(indexer, "batch_writer", whoosh_writer)
        if zlib_column:
            patch.setattr(codec, "STORED_COLUMN", whoosh3.STORED_COLUMN)
        report = index_paths(index_dir, [archive])
    assert not report.failed
    return index_dir


def stored_documents(index_dir: Path) -> dict[str, dict[str, Any]]:
    """Every document's stored fields by id, read by Whoosh's searcher; the results page's reader agrees."""
    searcher = open_searcher(open_index(index_dir))
    numbers = list(range(searcher.doc_count_all()))
    documents = [searcher.stored_fields(number) for number in numbers]
    assert _stored_fields(searcher, numbers) == documents
    return {document["id"]: document for document in documents}


def column_headers(index_dir: Path) -> list[tuple[bool, int]]:
    """Each segment's stored-fields column: (written by search.storedcolumn, its dictionary's length)."""
    headers = []
    for path in sorted(index_dir.glob("*._stored.col")):
        magic, dictionary_length = struct.unpack("<4sI", path.read_bytes()[:8])
        headers.append((magic == storedcolumn.MAGIC, dictionary_length if magic == storedcolumn.MAGIC else 0))
    return headers


def test_documents_read_back_as_from_an_index_written_by_whooshs_writer(archive: Path, tmp_path: Path) -> None:
    new = build(tmp_path / "new", archive)
    old = build(tmp_path / "old", archive, old=True)
    [(written_here, dictionary_length)] = column_headers(new)
    assert written_here and dictionary_length > 0
    assert column_headers(old) == [(False, 0)]
    documents = stored_documents(new)
    assert len(documents) > 400
    assert documents == stored_documents(old)


def test_search_results_and_document_pages_are_the_same_from_both_formats(archive: Path, tmp_path: Path) -> None:
    shown = []
    for index_dir in (build(tmp_path / "new", archive), build(tmp_path / "old", archive, old=True)):
        with open_index(index_dir).searcher() as searcher:
            page = search(searcher, "general strike", pagelen=50)
        hits = [(hit.id, hit.title, hit.snippet, hit.document) for hit in page.hits]
        client = create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()
        documents = [client.get(f"/doc/{hit.id}").get_data(as_text=True) for hit in page.hits[:: len(page.hits) // 5]]
        shown.append((hits, documents))
    assert shown[0] == shown[1]
    assert len(shown[0][0]) >= 50
    assert all("general strike" in document for document in shown[0][1])
    assert CliRunner().invoke(main, ["--index", str(tmp_path / "new"), "check"]).exit_code == 0


def test_old_segments_and_a_new_one_are_read_and_merged_with_every_document(
        tmp_path: Path, small_sample: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Segments of Whoosh's writer and of the batch writer before search.storedcolumn (both zlib), and a new one."""
    monkeypatch.setattr(codec, "SMALL_SEGMENT_DOCS", 0)  # each run's segment kept until the merge below
    first = write_archive(tmp_path / "first", REAL_TEXTS[:4], 100)
    second = write_archive(tmp_path / "second", REAL_TEXTS[4:6], 0)
    third = write_archive(tmp_path / "third", REAL_TEXTS[6:], 0)
    index_dir = build(tmp_path / "index", first, old=True)
    build(index_dir, second, zlib_column=True)
    build(index_dir, third)
    assert sorted(written_here for written_here, _ in column_headers(index_dir)) == [False, False, True]
    together = stored_documents(index_dir)
    alone = {**stored_documents(build(tmp_path / "first-only", first, old=True)),
             **stored_documents(build(tmp_path / "second-only", second)),
             **stored_documents(build(tmp_path / "third-only", third))}
    assert together == alone

    writer = batch_writer(open_index(index_dir), compound=False)
    writer.commit(mergetype=OPTIMIZE)  # every segment merged into one
    [(written_here, dictionary_length)] = column_headers(index_dir)
    assert written_here and dictionary_length > 0
    assert stored_documents(index_dir) == together


def test_a_one_file_reindex_writes_no_dictionary(seed_index: Path, seed_dir: Path) -> None:
    before = stored_documents(seed_index)
    seed = seed_dir / SEED.name
    seed.write_text(seed.read_text().replace("Martyn Hudson", "Martyn Hudson, a historian,", 1))
    index_paths(seed_index, [seed_dir])
    assert (True, 0) in column_headers(seed_index)
    after = stored_documents(seed_index)
    assert after.keys() == before.keys()
    assert any("a historian," in document["body"] for document in after.values())


def test_a_few_long_documents_zstd_cannot_train_on_are_written_without_a_dictionary(tmp_path: Path,
                                                                                    small_sample: None) -> None:
    speeches = write_archive(tmp_path / "archive", sorted((CORPORA / "sotu").glob("*.json")), 0)
    index_dir = build(tmp_path / "index", speeches)
    assert column_headers(index_dir) == [(True, 0)]
    assert stored_documents(index_dir) == stored_documents(build(tmp_path / "old", speeches, old=True))


def test_threads_reading_one_segment_get_the_same_documents(archive: Path, tmp_path: Path) -> None:
    """A zstd decompressor shared by threads garbles values ("Data corruption detected"): each has its own."""
    index_dir = build(tmp_path / "index", archive)
    expected = stored_documents(index_dir)
    index = open_index(index_dir)

    def read() -> list[dict[str, Any]]:
        searcher = open_searcher(index)  # a searcher per thread, as the server keeps them
        numbers = list(range(searcher.doc_count_all()))
        return [document for _ in range(5) for document in _stored_fields(searcher, numbers)]

    with ThreadPoolExecutor(6) as pool:
        readings = [pool.submit(read) for _ in range(6)]
        for reading in readings:
            documents = reading.result()  # raises what the thread raised
            assert len(documents) == 5 * len(expected)
            assert all(expected[document["id"]] == document for document in documents)
