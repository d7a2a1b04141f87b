"""Killing or interrupting ``essays index`` mid-run: committed work survives and a rerun finishes the job."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from search.indexer import HOLDER_FILE, index_paths, load_source_states
from search.inspect import check
from search.results import Filters, search
from search.store import IndexHandle, open_index
from tests.conftest import many_articles

FILES = 40
ARTICLES_PER_FILE = 50  # with two comments each: 6,000 documents, a dozen commits at --batch 500
BATCH = 500
ESSAYS = Path(sys.executable).with_name("essays")
TOC = re.compile(r"_MAIN_(\d+)\.toc$")
PART = re.compile(r"part(\d+)\.jsonl$")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crash") / "archive"
    folder.mkdir()
    records = many_articles(FILES * ARTICLES_PER_FILE)
    for number in range(FILES):
        chunk = records[number * ARTICLES_PER_FILE:(number + 1) * ARTICLES_PER_FILE]
        (folder / f"part{number:02}.jsonl").write_text("".join(json.dumps(record) + "\n" for record in chunk))
    return folder


@pytest.fixture(scope="module")
def clean_run(archive: Path) -> dict[str, set[str]]:
    """The documents of each source after one uninterrupted run."""
    index_dir = archive.parent / "clean"
    index_paths(index_dir, [archive], batch_docs=BATCH)
    return documents_by_source(index_dir)


def documents_by_source(index_dir: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    with open_index(index_dir).searcher() as searcher:
        for _, fields in searcher.iter_docs():
            found[fields["source"]].add(fields["id"])
    return dict(found)


def generation(index_dir: Path) -> int:
    """The newest generation, from the table-of-contents files on disk: 0 is the empty index, -1 none at all."""
    names = [TOC.match(path.name) for path in index_dir.glob("_MAIN_*.toc")] if index_dir.exists() else []
    return max((int(match.group(1)) for match in names if match), default=-1)


def start_indexer(archive: Path, index_dir: Path) -> subprocess.Popen:
    return subprocess.Popen([ESSAYS, "index", str(archive), "--index", str(index_dir), "--batch", str(BATCH)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_generation(index_dir: Path, wanted: int, indexer: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while generation(index_dir) < wanted:
        assert indexer.poll() is None, "the indexer finished before it could be stopped"
        assert time.monotonic() < deadline, f"no generation {wanted} within a minute"
        time.sleep(0.005)


def assert_committed_work_is_whole(index_dir: Path, clean: dict[str, set[str]]) -> set[str]:
    """The index is sound, holds exactly the clean run's documents for each source recorded whole, part of
    them for one whose record says it was stopped inside it (batches commit within a file too), and finds
    the first article of each of them and of no other; returns the sources recorded whole."""
    with open_index(index_dir).searcher() as searcher:
        states = load_source_states(searcher)
    partial = {source for source, state in states.items() if state.sha1 == "partial"}
    assert len(partial) <= 1
    assert check(index_dir) == [f"{source}: only part of it is indexed (a run stopped inside it; run 'essays index' "
                                f"again)" for source in partial]
    committed = set(states) - partial
    held = documents_by_source(index_dir)
    for source in committed:
        assert held[source] == clean[source]
    for source in partial:
        assert set() < held[source] < clean[source]
    assert set(held) == set(states)
    searcher = IndexHandle(index_dir).searcher()
    for source in clean:
        first = int(PART.search(source).group(1)) * ARTICLES_PER_FILE
        found = search(searcher, f'"essay number {first}"', filters=Filters(kinds=("article",)), facets=False,
                       suggestions=False)
        assert len(found.hits) == (source in states), source
    return committed


def finish(archive: Path, index_dir: Path, clean: dict[str, set[str]], already: int) -> None:
    """A rerun skips what was committed, indexes the rest and ends equal to a clean run."""
    rerun = subprocess.run([ESSAYS, "index", str(archive), "--index", str(index_dir)], capture_output=True,
                           text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"files: {FILES} found, {FILES - already} read, {already} unchanged, 0 failed" in rerun.stdout
    assert documents_by_source(index_dir) == clean
    assert check(index_dir) == []
    assert not (index_dir / HOLDER_FILE).exists() and not (index_dir / "MAIN.tmp").exists()  # crash leftovers


@pytest.mark.slow
def test_sigkill_after_one_two_and_three_commits_loses_nothing_committed(
        archive: Path, clean_run: dict[str, set[str]], tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    committed: set[str] = set()
    for commits in (1, 2, 3):
        indexer = start_indexer(archive, index_dir)
        wait_for_generation(index_dir, max(generation(index_dir), 0) + commits, indexer)
        indexer.send_signal(signal.SIGKILL)
        assert indexer.wait() == -signal.SIGKILL
        indexer.communicate()
        now = assert_committed_work_is_whole(index_dir, clean_run)
        assert committed < now < set(clean_run)
        committed = now
    finish(archive, index_dir, clean_run, len(committed))


@pytest.mark.slow
def test_sigint_stops_after_the_current_batch_with_a_summary(
        archive: Path, clean_run: dict[str, set[str]], tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    indexer = start_indexer(archive, index_dir)
    wait_for_generation(index_dir, 1, indexer)
    indexer.send_signal(signal.SIGINT)
    out, err = indexer.communicate(timeout=60)
    assert indexer.returncode == 130, err
    assert "interrupted: stopped after the last commit; run 'essays index' again to finish" in err
    assert "Traceback" not in err
    assert f"files: {FILES} found" in out
    committed = assert_committed_work_is_whole(index_dir, clean_run)
    assert 0 < len(committed) < FILES
    finish(archive, index_dir, clean_run, len(committed))


@pytest.mark.slow
def test_sigterm_inside_one_big_file_stops_after_a_batch_and_a_rerun_finishes(tmp_path: Path) -> None:
    """One file of 6,000 documents is not one uncommitted write: SIGTERM stops it like Ctrl-C, after a batch."""
    big = tmp_path / "archive" / "big.jsonl"
    big.parent.mkdir()
    big.write_text("".join(json.dumps(record) + "\n" for record in many_articles(FILES * ARTICLES_PER_FILE)))
    clean = index_paths(tmp_path / "clean", [big.parent], batch_docs=BATCH)
    assert clean.commits > 1 and clean.added["article"] == FILES * ARTICLES_PER_FILE
    index_dir = tmp_path / "index"
    indexer = start_indexer(big.parent, index_dir)
    wait_for_generation(index_dir, 1, indexer)
    indexer.send_signal(signal.SIGTERM)
    out, err = indexer.communicate(timeout=60)
    assert indexer.returncode == 130, err
    assert "interrupted: stopped after the last commit" in err and "Traceback" not in err
    (state,) = load_source_states(open_index(index_dir).searcher()).values()
    assert state.sha1 == "partial" and 0 < state.articles < FILES * ARTICLES_PER_FILE
    assert [path.name for path in index_dir.iterdir() if path.suffix == ".tmp" or "tmp" in path.name] == []
    rerun = subprocess.run([ESSAYS, "index", str(big.parent), "--index", str(index_dir)], capture_output=True,
                           text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert documents_by_source(index_dir) == documents_by_source(tmp_path / "clean")
    assert check(index_dir) == []
