"""Searching while another process reindexes: no errors, and each file is seen wholly old or wholly new."""

from __future__ import annotations

import json
import multiprocessing
import re
import subprocess
import sys
from collections import Counter
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from search.indexer import index_paths
from search.inspect import check
from search.results import search
from search.store import IndexHandle
from tests.conftest import article

FILES = 30
ARTICLES_PER_FILE = 10
COMMENTS_PER_ARTICLE = 10
DOCS_PER_FILE = ARTICLES_PER_FILE * (1 + COMMENTS_PER_ARTICLE)
VERSION = re.compile(r"\bversion(\d+)\b")


def write_version(folder: Path, version: int) -> None:
    """Every document of file ``n`` carries the word ``file<n>`` and the same ``version<v>`` in its body.

    A new version changes every body, so the file's comments get new ids and its
    articles are updated: a search showing two versions of one file saw a half-applied change.
    """
    folder.mkdir(exist_ok=True)
    for number in range(FILES):
        records = [
            article(f"Pamphlet {number}-{index}", "Rosa Luxemburg", f"19{10 + index}-03-0{1 + number % 9}",
                    f"file{number} version{version}: on the mass strike, essay {index}.",
                    [{"author": f"Reader {comment}", "date": f"19{10 + index}-04-01",
                      "body": f"file{number} version{version}: reply {comment} to essay {index}."}
                     for comment in range(COMMENTS_PER_ARTICLE)])
            for index in range(ARTICLES_PER_FILE)
        ]
        (folder / f"f{number:02}.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))


def search_until_stopped(index_dir: Path, ready: Event, stop: Event, results: Queue) -> None:
    """Search every file's word in rounds, one searcher per round, until told to stop after a last round.

    Puts the per-round versions seen and every file that showed a mix or a wrong count.
    """
    handle = IndexHandle(index_dir)
    rounds: list[dict[int, list[int]]] = []
    broken: list[str] = []
    while True:
        stopping = stop.is_set()
        searcher = handle.searcher()
        seen: dict[int, list[int]] = {}
        for number in range(FILES):
            page = search(searcher, f"file{number}", pagelen=1000, facets=False, suggestions=False)
            versions = Counter(int(VERSION.search(hit.document.body).group(1)) for hit in page.hits)
            seen[number] = sorted(versions)
            if len(versions) != 1 or len(page.hits) != DOCS_PER_FILE:
                broken.append(f"file{number} at generation {searcher.reader().generation()}: "
                              f"{len(page.hits)} hits, versions {dict(versions)}")
        rounds.append(seen)
        ready.set()
        if stopping:
            break
    results.put({"rounds": rounds, "broken": broken})


@pytest.mark.slow
def test_searches_during_a_reindex_see_each_file_old_or_new(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    write_version(archive, 1)
    assert index_paths(index_dir, [archive]).added["comment"] == FILES * ARTICLES_PER_FILE * COMMENTS_PER_ARTICLE
    context = multiprocessing.get_context("fork")
    ready, stop, results = context.Event(), context.Event(), context.Queue()
    searcher = context.Process(target=search_until_stopped, args=(index_dir, ready, stop, results))
    searcher.start()
    try:
        assert ready.wait(60)
        write_version(archive, 2)
        indexer = subprocess.run([Path(sys.executable).with_name("essays"), "index", str(archive),
                                  "--index", str(index_dir), "--batch", "300"],
                                 capture_output=True, text=True, timeout=120)
        stop.set()
        outcome = results.get(timeout=60)
    finally:
        stop.set()
        searcher.join(60)
    assert searcher.exitcode == 0
    assert indexer.returncode == 0, indexer.stderr
    comments = FILES * ARTICLES_PER_FILE * COMMENTS_PER_ARTICLE
    # Comments keep their ids when their text changes (ids come from author, date and order, not the body).
    assert "added: 0 articles, 0 comments" in indexer.stdout
    assert f"updated: {FILES * ARTICLES_PER_FILE} articles, {comments:,} comments" in indexer.stdout
    assert "removed: 0 articles, 0 comments" in indexer.stdout
    assert outcome["broken"] == []
    rounds = outcome["rounds"]
    assert all(seen == [1] for seen in rounds[0].values())
    assert all(seen == [2] for seen in rounds[-1].values())
    assert check(index_dir) == []
