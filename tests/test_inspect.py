"""Looking at an index as a whole: stats count live documents, check catches counts that disagree."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index

from search.cli import main
from search.indexer import index_paths, remove
from search.inspect import check, stats
from search.schema import SOURCE_KIND
from search.store import open_index
from tests.conftest import article
from tests.test_indexer import REFORM, STATE, STRIKE, STRIKE_ID, WriteArchive


@pytest.fixture
def archive(tmp_path: Path, write_archive: WriteArchive) -> Path:
    write_archive("strike.jsonl", [STRIKE])
    write_archive("classics.jsonl", [REFORM, STATE])
    return tmp_path / "archive"


@pytest.fixture
def indexed(tmp_path: Path, archive: Path) -> Path:
    index_paths(tmp_path / "index", [archive])
    return tmp_path / "index"


def test_stats_count_live_documents_after_an_edit_and_a_removal(indexed: Path, archive: Path,
                                                               write_archive: WriteArchive) -> None:
    edited = dict(STATE, body="On the withering away of the state, revised.")
    write_archive("classics.jsonl", [REFORM, edited])
    index_paths(indexed, [archive])
    remove(indexed, STRIKE_ID)
    figures = stats(indexed)
    assert figures.documents == {"article": 2, "comment": 1} and figures.sources == 2
    assert figures.authors == 3  # Luxemburg, Lenin and Martov (his comment); Kautsky and Pannekoek went with STRIKE
    assert check(indexed) == []


def test_check_catches_counts_that_disagree_with_live_documents(indexed: Path) -> None:
    with open_index(indexed).searcher() as searcher:
        record = searcher.document(id=f"{SOURCE_KIND}:{(indexed.parent / 'archive' / 'strike.jsonl').resolve()}")
    writer = whoosh_index.open_dir(str(indexed)).writer()
    state = dict(record["source_state"], comments=5)
    writer.update_document(id=record["id"], kind=SOURCE_KIND, source=record["source"], source_state=state)
    writer.commit()
    problems = check(indexed)
    assert "comments disagree: 3 found by search, 3 stored, 6 in the source records" in problems


def test_stats_show_the_date_span_as_far_as_the_sources_gave_it(tmp_path: Path, write_archive: WriteArchive) -> None:
    write_archive("span.jsonl", [article("Of a year", "Ann", "1790", "On a year."),
                                 article("Of a month", "Ann", "1791-05", "On a month.")])
    index_paths(tmp_path / "index", [tmp_path / "archive"])
    output = CliRunner().invoke(main, ["stats", "--index", str(tmp_path / "index")]).output
    assert "dates: 1790 to 1791-05" in output
