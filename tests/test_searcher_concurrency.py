"""Many threads searching one index at once get the answers a one-at-a-time run gets, during a reindex too."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from search.indexer import index_paths
from search.query import QueryLimits
from search.results import SearchPage, search
from search.store import IndexHandle, open_index, open_searcher
from tests.conftest import article
from web import create_app

AUTHORS = ("AKonsen", "Paul Hampton", "Sharon Smith", "Rosa Luxemburg", "Karl Kautsky")
WORDS = "strike wages union picket council soviet ballot reform party press".split()
QUERIES = [
    ("strike", "relevance"), ("author:AKonsen", "relevance"), ("author:hampton strike", "newest"),
    ("date:[2005 to 2006]", "relevance"), ("date:[2005 to 2006]", "oldest"), ('"general strike"', "relevance"),
    ('"the general strike" OR picket', "newest"), ("wages -union", "relevance"), ("soviet*", "relevance"),
    ("counsil~1", "relevance"), ("kind:comment date:>2007-06", "newest"), ("*", "oldest"),
    ("(ballot OR reform) AND press", "relevance"), ("title:pamphlet", "relevance"),
]
THREADS = 4
ROUNDS = 2
# Correctness, not speed, is under test: on two busy cores a search may take longer than the default budget.
UNHURRIED = QueryLimits(seconds=60)


def records(count: int, seed: int) -> list[dict]:
    """Articles by several authors over several years, each with a few comments, in varied words."""
    rng = random.Random(seed)
    made = []
    for number in range(count):
        words = " ".join(rng.choice(WORDS) for _ in range(30))
        year = 2003 + number % 6
        made.append(article(
            f"Pamphlet {seed}-{number} on the {rng.choice(WORDS)}", AUTHORS[number % len(AUTHORS)],
            f"{year}-{1 + number % 12:02d}-{1 + number % 28:02d}",
            f"The general strike, number {number}. {words}",
            [{"author": AUTHORS[(number + reply) % len(AUTHORS)], "date": f"{year}-12-{1 + reply:02d}",
              "body": f"Reply {reply}: {' '.join(rng.choice(WORDS) for _ in range(12))}"} for reply in range(4)]))
    return made


def answer(page: SearchPage) -> tuple:
    """What a reader sees of a page: counts, the groups and hits in order, and the facets."""
    return (page.total, page.articles, page.partial, [(group.article_id, [hit.id for hit in group.hits])
                                                      for group in page.groups],
            {name: [(facet.value, facet.count) for facet in counts] for name, counts in page.facets.items()})


def run(searcher, text: str, sort: str) -> tuple:
    return answer(search(searcher, text, sort=sort, pagelen=20, limits=UNHURRIED))


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("concurrent")
    for part in range(3):  # three files, so the index has several segments
        (folder / "archive").mkdir(exist_ok=True)
        path = folder / "archive" / f"part{part}.jsonl"
        path.write_text("".join(json.dumps(record) + "\n" for record in records(60, part)))
        index_paths(folder / "index", [path])
    return folder / "index"


def in_threads(work: Callable[[int], None], count: int = THREADS) -> list[BaseException]:
    """Run ``work(n)`` on ``count`` threads started together; the exceptions they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def body(number: int) -> None:
        start.wait()
        try:
            work(number)
        except BaseException as error:  # noqa: BLE001 - every failure is reported by the test
            errors.append(error)

    threads = [threading.Thread(target=body, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_threads_sharing_a_handle_get_the_serial_answers(index_dir: Path) -> None:
    serial_searcher = IndexHandle(index_dir).searcher()
    expected = {query: run(serial_searcher, *query) for query in QUERIES}
    assert expected[("author:AKonsen", "relevance")][0] > 0 and expected[("date:[2005 to 2006]", "relevance")][0] > 0
    handle = IndexHandle(index_dir)
    wrong: list[str] = []

    def work(number: int) -> None:
        order = QUERIES * ROUNDS
        random.Random(number).shuffle(order)
        for query in order:
            got = run(handle.searcher(), *query)
            if got != expected[query]:
                wrong.append(f"{query}: {got[:2]} instead of {expected[query][:2]}")

    assert in_threads(work) == []
    assert wrong == []


def test_each_thread_keeps_its_own_searcher_until_a_commit(index_dir: Path, tmp_path: Path) -> None:
    handle = IndexHandle(index_dir)
    seen: dict[int, tuple] = {}

    def work(number: int) -> None:
        first = handle.searcher()
        seen[number] = (id(first), handle.searcher() is first)

    assert in_threads(work, 4) == []
    assert all(same for _, same in seen.values())
    assert len({searcher_id for searcher_id, _ in seen.values()}) == 4


def test_the_web_app_answers_concurrent_requests_like_serial_ones(index_dir: Path) -> None:
    app = create_app({"TESTING": True, "INDEX_DIR": index_dir, "QUERY_LIMITS": UNHURRIED})
    urls = [f"/api/search?q={text}&sort={sort}" for text, sort in QUERIES]

    def fetch(client, url: str) -> tuple:
        response = client.get(url)
        data = response.get_json()
        return response.status_code, data["total"], [hit["id"] for hit in data["hits"]]

    expected = {url: fetch(app.test_client(), url) for url in urls}
    assert all(status == 200 for status, _, _ in expected.values())
    wrong: list[str] = []

    def work(number: int) -> None:
        client = app.test_client()
        order = urls * ROUNDS
        random.Random(number).shuffle(order)
        for url in order:
            got = fetch(client, url)
            if got != expected[url]:
                wrong.append(f"{url}: {got[:2]} instead of {expected[url][:2]}")

    assert in_threads(work, 4) == []
    assert wrong == []


def test_searches_during_a_reindex_never_fail_nor_go_backwards(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    archive.mkdir()
    (archive / "part0.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records(30, 0)))
    index_paths(index_dir, [archive])
    handle = IndexHandle(index_dir)
    done = threading.Event()
    totals: dict[int, list[int]] = {}

    def work(number: int) -> None:
        if number == 0:  # the writer: three more files, a commit every 50 documents, merging as it goes
            try:
                for part in range(1, 4):
                    (archive / f"part{part}.jsonl").write_text("".join(
                        json.dumps(record) + "\n" for record in records(30, part)))
                    index_paths(index_dir, [archive], batch_docs=50)
            finally:
                done.set()
            return
        seen = totals.setdefault(number, [])
        while not done.is_set():
            page = search(handle.searcher(), "strike", pagelen=5, suggestions=False, limits=UNHURRIED)
            assert not page.partial
            assert {hit.document.article_id for hit in page.hits} == {group.article_id for group in page.groups}
            seen.append(page.total)

    assert in_threads(work, 4) == []
    for seen in totals.values():
        assert seen == sorted(seen), "a total went backwards"
    assert search(handle.searcher(), "strike").articles == 4 * 30


def test_a_searcher_still_reads_its_commit_after_a_merge_deleted_its_files(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    for part in range(2):
        path = archive / f"part{part}.jsonl"
        path.write_text("".join(json.dumps(record) + "\n" for record in records(10, part)))
        index_paths(tmp_path / "index", [path])
    before = set((tmp_path / "index").iterdir())
    searcher = IndexHandle(tmp_path / "index").searcher()  # opened, not used yet
    open_index(tmp_path / "index").optimize()  # one merged segment; the old segments' files are deleted
    assert before - set((tmp_path / "index").iterdir()), "the merge should have removed the old files"
    fresh = IndexHandle(tmp_path / "index").searcher()
    assert run(searcher, "strike", "newest") == run(fresh, "strike", "newest")
    assert [hit.document.title for hit in search(searcher, "strike", limits=UNHURRIED).hits]


def test_a_searcher_keeps_reading_columns_a_merge_has_deleted(tmp_path: Path, write_archive) -> None:
    """A searcher opens every column file of its segments up front (``store.open_searcher``): a commit that merges
    a segment away deletes its files, and stored fields and sort values must not vanish under a running search."""
    index_paths(tmp_path / "index", [write_archive("a.jsonl", [article("On strikes", "Ada", "1906-05-01", "strike")])])
    searcher = open_searcher(open_index(tmp_path / "index"))
    before = run(searcher, "strike", "newest")
    for column in (tmp_path / "index").glob("*.col"):
        column.unlink()  # as a merge's commit deletes them; the open files stay readable
    assert run(searcher, "strike", "newest") == before
    assert searcher.stored_fields(0)["title"] == "On strikes"
