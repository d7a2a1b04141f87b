"""Authors: counts, timeline, threads and exchanges on a fixture whose threads are known."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.authors import AuthorNotFound, author_profile
from search.cli import main
from search.indexer import index_paths
from search.store import IndexHandle
from tests.conftest import article
from web import create_app

# Who answers whom (in_reply_to is the index of an earlier comment; none: a comment on the article):
#   "Faction" by Alice, 2010:  c0 Bob -> article (Alice); c1 Carol -> c0 (Bob); c2 Bob -> c1 (Carol);
#                              c3 Carol -> c2 (Bob); c4 Alice -> c0 (Bob); c5 ALICE -> article (herself)
#   "Liberty" by Bob, 2013:    c0 Carol -> article (Bob); c1 Alice -> article (Bob); c2 Bob -> c1 (Alice)
THREADS = [
    article("Faction", "Alice", "2010-01-01", "On the mischiefs of faction.", [
        {"author": "Bob", "date": "2010-01-02", "body": "Faction is liberty's price."},
        {"author": "Carol", "date": "2010-01-03", "body": "No, Bob.", "in_reply_to": 0},
        {"author": "Bob", "date": "2010-01-04", "body": "Yes, Carol.", "in_reply_to": 1},
        {"author": "Carol", "date": "2010-01-05", "body": "We differ.", "in_reply_to": 2},
        {"author": "Alice", "date": "2010-01-06", "body": "Bob has a point.", "in_reply_to": 0},
        {"author": "ALICE", "date": "2010-01-07", "body": "Thank you all for reading."},
    ]),
    article("Liberty", "Bob", "2013-06-01", "Liberty is to faction what air is to fire.", [
        {"author": "Carol", "date": "2013-06-02", "body": "A fine image."},
        {"author": "Alice", "date": "2013-06-03", "body": "Madison said it first."},
        {"author": "Bob", "date": "2013-06-04", "body": "He did, Alice.", "in_reply_to": 1},
    ]),
]


@pytest.fixture
def index_dir(tmp_path: Path, write_archive: Callable) -> Path:
    target = tmp_path / "index"
    index_paths(target, [write_archive("threads.jsonl", THREADS)])
    return target


@pytest.fixture
def searcher(index_dir: Path):
    return IndexHandle(index_dir).searcher()


def exchanges(items) -> dict[str, int]:
    return {item.name: item.count for item in items}


def test_counts_threads_and_timeline(searcher) -> None:
    bob = author_profile(searcher, "Bob")
    assert (bob.articles, bob.comments, bob.thread_count) == (1, 3, 2)
    assert bob.timeline.granularity == "year"
    assert [(period.first.year, period.count) for period in bob.timeline.periods] == [
        (2010, 2), (2011, 0), (2012, 0), (2013, 2)]
    assert {part.title: (part.documents, part.started) for part in bob.threads} == {"Faction": (2, False),
                                                                                   "Liberty": (2, True)}


def test_whom_they_reply_to_and_who_replies_to_them(searcher) -> None:
    bob = author_profile(searcher, "Bob")
    assert exchanges(bob.replies_to) == {"Alice": 2, "Carol": 1}
    assert [item.name for item in bob.replies_to] == ["Alice", "Carol"]  # most first
    assert exchanges(bob.replied_by) == {"Carol": 3, "Alice": 2}
    assert [item.name for item in bob.replied_by] == ["Carol", "Alice"]
    carol_replies = next(item for item in bob.replied_by if item.name == "Carol").replies
    assert [reply.body for reply in carol_replies] == ["No, Bob.", "We differ.", "A fine image."]  # oldest first


def test_nobody_is_counted_as_replying_to_themselves(searcher) -> None:
    alice = author_profile(searcher, "alice")
    assert (alice.name, alice.articles, alice.comments) == ("Alice", 1, 3)  # ALICE is the same person
    assert exchanges(alice.replies_to) == {"Bob": 2}  # c4 on Faction, c1 on Bob's Liberty; not her own article
    assert exchanges(alice.replied_by) == {"Bob": 2}  # c0 on her article, c2 answering her c1; Carol answers Bob


def test_a_name_is_found_in_any_case_spacing_or_accents(searcher) -> None:
    assert author_profile(searcher, "  bob ").key == author_profile(searcher, "BOB").key
    assert author_profile(searcher, "BOB").name == "Bob"  # shown as most often written
    assert author_profile(searcher, "Cárol").name == "Carol"


def test_an_unknown_name_gets_close_names(searcher) -> None:
    with pytest.raises(AuthorNotFound, match=r"(?i)no author named 'Carl' in the index \(did you mean Carol\?\)"):
        author_profile(searcher, "Carl")


@pytest.fixture
def client(index_dir: Path):
    return create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()


def test_the_author_page_shows_counts_exchanges_and_links_to_the_replies(client) -> None:
    page = client.get("/author/Bob").get_data(as_text=True)
    assert "<h1>Bob</h1>" in page
    assert re.search(r"1 article,\s+3 comments,\s+in 2 threads", page)
    replied_by = page[page.index('id="author-replied-by"'):page.index('id="author-threads"')]
    assert re.search(r'<a href="/author/Carol">Carol</a>\s*<span class="count">3 replies</span>', replied_by)
    reply_links = re.findall(r'href="(/doc/[^"]+)"', replied_by)
    assert len(reply_links) == 5
    for href in reply_links:
        doc_id = html.unescape(href).split("#")[1] if "#" in href else None
        assert doc_id and client.get(html.unescape(href)).status_code == 200
    assert '<svg class="timeline-chart"' in page


def test_every_author_name_on_a_document_page_links_to_the_author(client, searcher) -> None:
    article_id = author_profile(searcher, "Alice").threads[0].article_id
    page = client.get(f"/doc/{article_id}").get_data(as_text=True)
    names = re.findall(r'<a href="/author/([^"]+)">', page)
    assert {"Alice", "Bob", "Carol"} <= set(names)
    assert client.get("/author/alice").status_code == 200


def test_an_unknown_author_page_is_a_404_saying_so(client) -> None:
    response = client.get("/author/Nobody%20Here")
    assert response.status_code == 404
    assert "No author named" in response.get_data(as_text=True)


def test_the_cli_prints_the_author(index_dir: Path) -> None:
    result = CliRunner().invoke(main, ["author", "bob", "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert "Bob: 1 article, 3 comments, in 2 threads" in result.output
    replies_to = result.output[result.output.index("replies most to:"):result.output.index("most replied to by:")]
    assert "Alice: 2 replies" in replies_to and "Carol: 1 reply" in replies_to
    assert "Carol: 3 replies" in result.output[result.output.index("most replied to by:"):]
    missing = CliRunner().invoke(main, ["author", "Nobody", "--index", str(index_dir)])
    assert missing.exit_code == 1 and "no author named 'Nobody'" in missing.output


def test_only_the_oldest_replies_are_listed_and_the_rest_counted(client, searcher, index_dir: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("search.authors.MAX_REPLIES_SHOWN", 1)
    carol = next(item for item in author_profile(searcher, "Bob").replied_by if item.name == "Carol")
    assert (carol.count, [reply.body for reply in carol.replies]) == (3, ["No, Bob."])
    page = client.get("/author/Bob").get_data(as_text=True)
    replied_by = page[page.index('id="author-replied-by"'):page.index('id="author-threads"')]
    assert re.search(r'<span class="count">3 replies</span>.*?and 2 more\.', replied_by, re.S)
    result = CliRunner().invoke(main, ["author", "bob", "--index", str(index_dir), "--replies", "3"])
    assert "Carol: 3 replies" in result.output and "... 2 more" in result.output
