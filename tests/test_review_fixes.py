"""Defects a reviewer found across the doors: each test checks one fix by what a reader sees."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main
from search.indexer import index_paths
from search.query import QueryError, parse
from web import create_app

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "review"
FENCE_POINT = "this-house-believes-the-mexico-us-border-fence-i-3642aa3c.con01a"
FENCE_COUNTER = "this-house-believes-the-mexico-us-border-fence-i-3642aa3c.con01b"
UNHURRIED = {"seconds": 60.0}


@pytest.fixture(scope="module")
def fence_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real debate whose points carry their own headlines and whose counterpoints have no author or date."""
    folder = tmp_path_factory.mktemp("fence")
    shutil.copy(FIXTURES / "fence.jsonl", folder / "fence.jsonl")
    index_dir = folder / "index"
    index_paths(index_dir, [folder / "fence.jsonl"])
    return index_dir


def essays(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


# 1. A comment's own heading is searched and shown.

@pytest.mark.parametrize("query", ['"serious environmental threat"', 'title:"environmental threat"', "endangers"])
def test_a_point_is_found_by_its_heading(fence_index: Path, query: str) -> None:
    code, output = essays("search", "--index", str(fence_index), "--json", query)
    assert code == 0, output
    hits = json.loads(output)["hits"]
    assert hits[0]["id"] == FENCE_POINT  # the headline's words weigh as a title's
    heading = hits[0]["highlights"]["heading"]
    assert heading["text"] == "The fence is a serious environmental threat and endangers wildlife."
    assert heading["matches"]


def test_show_and_the_page_display_the_heading(fence_index: Path) -> None:
    code, output = essays("show", "--index", str(fence_index), FENCE_POINT)
    assert code == 0, output
    assert "The fence is a serious environmental threat and endangers wildlife." in output
    page = create_app({"INDEX_DIR": str(fence_index), "TESTING": True}).test_client().get(f"/doc/{FENCE_POINT}")
    assert "The fence is a serious environmental threat and endangers wildlife." in html.unescape(page.text)


def test_search_hits_on_the_page_show_the_heading(fence_index: Path) -> None:
    client = create_app({"INDEX_DIR": str(fence_index), "TESTING": True, "QUERY_LIMITS": UNHURRIED}).test_client()
    page = html.unescape(client.get("/search?q=wildlife").text)
    assert "serious environmental threat" in page


@pytest.mark.parametrize("query", ['"justified the fence"', 'title:"justified the fence"'])
def test_a_phrase_does_not_run_from_the_title_into_the_heading(fence_index: Path, query: str) -> None:
    """The debate title ends "... fence is justified", the point's headline starts "The fence is ..."."""
    code, output = essays("search", "--index", str(fence_index), "--json", query)
    assert code == 0, output
    assert FENCE_POINT not in [hit["id"] for hit in json.loads(output)["hits"]]


@pytest.mark.parametrize("query", ['title:"border fence is justified"', 'title:"the fence is a serious"'])
def test_a_phrase_inside_the_title_or_the_heading_matches(fence_index: Path, query: str) -> None:
    code, output = essays("search", "--index", str(fence_index), "--json", query)
    assert code == 0, output
    assert FENCE_POINT in [hit["id"] for hit in json.loads(output)["hits"]]


def test_passage_search_marks_heading_words_in_the_heading_not_past_the_title(fence_index: Path) -> None:
    code, output = essays("similar", "--index", str(fence_index), "--json", "--text",
                          "The fence is a serious environmental threat to the wildlife of the desert.")
    assert code == 0, output
    point = next(hit for hit in json.loads(output)["hits"] if hit["id"] == FENCE_POINT)
    title, heading = point["highlights"]["title"], point["highlights"]["heading"]
    assert all(end <= len(title["text"]) for _, end in title["spans"])
    assert {"environmental", "wildlife"} <= {word.lower() for word in heading["matches"]}


# 6. A reply to an anonymous, undated comment names it by its heading.

def test_reply_lines_name_an_anonymous_parent_by_its_heading(fence_index: Path) -> None:
    code, output = essays("show", "--index", str(fence_index), FENCE_COUNTER)
    assert code == 0, output
    assert "in reply to “The fence is a serious environmental threat and endangers wildlife.”" in output
    assert "in reply to  (" not in output
    page = create_app({"INDEX_DIR": str(fence_index), "TESTING": True}).test_client().get(f"/doc/{FENCE_COUNTER}")
    text = html.unescape(page.text)
    assert "in reply to “The fence is morally wrong and inhumane”" in text
    assert "in reply to unknown author" not in text


# 2. Query errors say what is wrong; negations alone and apostrophes work.

@pytest.mark.parametrize(("query", "message"), [
    ("date:[1788 to 1787]", "the range is reversed: 1788 comes after 1787"),
    ("date:1788-13", "'1788-13' is not a date: a month runs from 1 to 12, not 13"),
    ("date:1788-02-30", "'1788-02-30' is not a date: February 1788 has 29 days, not 30"),
])
def test_impossible_dates_are_named(query: str, message: str) -> None:
    with pytest.raises(QueryError) as raised:
        parse(query)
    assert message in raised.value.message


def test_a_query_of_only_negations_means_everything_except(fence_index: Path) -> None:
    code, everything = essays("search", "--index", str(fence_index), "--json", "*")
    code, without = essays("search", "--index", str(fence_index), "--json", "--", "-wildlife")
    assert code == 0, without
    total, remaining = json.loads(everything)["total"], json.loads(without)["total"]
    code, spelled_out = essays("search", "--index", str(fence_index), "--json", "NOT wildlife")
    assert 0 < remaining < total and remaining == json.loads(spelled_out)["total"]


def test_words_with_an_apostrophe_are_searched(tmp_path: Path, write_archive) -> None:
    path = write_archive("a.jsonl", [{"title": "Notes", "author": "Ann", "date": "2001-01-01",
                                      "body": "We can't wait and don't stop."},
                                     {"title": "Other", "author": "Bob", "date": "2001-01-02",
                                      "body": "We can wait and stop."}])
    index_paths(tmp_path / "index", [path])
    for query in ("can't", "don't"):
        code, output = essays("search", "--index", str(tmp_path / "index"), "--json", query)
        assert code == 0, output
        assert [hit["title"] for hit in json.loads(output)["hits"]] == ["Notes"]


# 3. A pasted paragraph: every door points to passage search.

def test_too_many_words_points_to_passage_search(fence_index: Path) -> None:
    paragraph = " ".join(["fence"] * 130)
    code, output = essays("search", "--index", str(fence_index), "--words", paragraph)
    assert code != 0 and "essays similar -" in output and "/api/similar?text=" in output
    code, output = essays("search", "--index", str(fence_index), paragraph)  # no operator: read as a passage
    assert code == 0 and "searched as a passage" in output
    client = create_app({"INDEX_DIR": str(fence_index), "TESTING": True}).test_client()
    response = client.get("/api/search", query_string={"q": paragraph})
    assert response.status_code == 400 and "essays similar -" in response.json["error"]


# 4. Passage search leaves common words out.

def test_passage_words_leave_function_words_out(fence_index: Path) -> None:
    code, output = essays("similar", "--index", str(fence_index), "--json", FENCE_POINT)
    assert code == 0, output
    words = {term["word"] for term in json.loads(output)["terms"]}
    assert words and not words & {"which", "they", "been", "he", "were", "their", "has", "one", "she", "the"}


# 5. An unknown document on the passage page is a 404.

def test_similar_page_for_an_unknown_id_is_not_found(fence_index: Path) -> None:
    client = create_app({"INDEX_DIR": str(fence_index), "TESTING": True}).test_client()
    assert client.get("/similar?id=nope").status_code == 404
    assert client.get("/similar?doc=nope").status_code == 404


# 7. --index before the command name as well as after it.

def test_index_option_on_the_group(fence_index: Path) -> None:
    before = essays("--index", str(fence_index), "search", "--json", "wildlife")
    after = essays("search", "--index", str(fence_index), "--json", "wildlife")
    assert before[0] == 0, before[1]
    assert json.loads(before[1])["total"] == json.loads(after[1])["total"] > 0


# 8. Authors: spelling variants merge; the author page counts joint bylines as author: does.

def test_initials_with_and_without_points_are_one_author(tmp_path: Path, write_archive) -> None:
    path = write_archive("a.jsonl", [
        {"title": "On socialism", "author": "G.V. Plekhanov", "date": "1895-01-01", "body": "Socialism and history."},
        {"title": "More socialism", "author": "G V  Plekhanov", "date": "1896-01-01", "body": "Socialism again."}])
    index_paths(tmp_path / "index", [path])
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "TESTING": True}).test_client()
    authors = client.get("/api/search", query_string={"q": "socialism"}).json["facets"]["author"]
    assert len(authors) == 1 and authors[0]["count"] == 2


def test_author_page_counts_joint_bylines_like_the_author_query(tmp_path: Path, write_archive) -> None:
    path = write_archive("a.jsonl", [
        {"title": "Alone", "author": "Nicole Colson", "date": "2010-01-01", "body": "A strike."},
        {"title": "Together", "author": "Elizabeth Schulte and Nicole Colson", "date": "2011-01-01",
         "body": "Another strike."}])
    index_paths(tmp_path / "index", [path])
    code, output = essays("search", "--index", str(tmp_path / "index"), "--json", 'author:"nicole colson"')
    assert json.loads(output)["total"] == 2
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "TESTING": True}).test_client()
    page = html.unescape(client.get("/author/Nicole%20Colson").text)
    assert "2 articles" in page and "Nicole Colson" in page
