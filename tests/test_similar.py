"""Passage search ("find essays that argue like this", "More like this") through the core, the CLI, the API
and the page, on the seed and on real essays in tests/fixtures/corpora (sources in each folder's SOURCE.md)."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from search import codec
from search.cli import main
from search.indexer import index_paths
from search.postings import SegmentPostings
from search.query import QueryLimits
from search.results import Filters
from search.similar import (
    MAX_CANDIDATES,
    MAX_PASSAGE_CHARS,
    MAX_TERMS,
    PassageError,
    UnknownDocument,
    looks_like_passage,
    similar_to_document,
    similar_to_text,
)
from search.store import IndexHandle
from tests.conftest import SEED, many_articles
from web import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "corpora"
SEED_ARTICLE = "the-real-serge-cf814c56"
# The opening of Federalist No. 10's argument about faction (tests/fixtures/corpora/federalist-antifederalist).
FACTION = ("By a faction, I understand a number of citizens, whether amounting to a majority or a minority of the "
           "whole, who are united and actuated by some common impulse of passion, or of interest, adversed to the "
           "rights of other citizens, or to the permanent and aggregate interests of the community. There are two "
           "methods of curing the mischiefs of faction: the one, by removing its causes; the other, by "
           "controlling its effects.")
# Pasted prose full of what the query language would read as syntax.
AWKWARD = ('However: the (so-called "reforms] of 1921 {were} author: nothing AND OR NOT but a retreat * ~2 ^3 '
           'date:[2011 to] -- "unbalanced quote ( [ ] } kind:essay +plus -minus \\ / : ; NUL\x00 right-to-left \u202e')


@pytest.fixture(scope="module")
def essays(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of real essays: Federalist 10, two Anti-Federalist papers, three marxists.org pages, the seed."""
    folder = tmp_path_factory.mktemp("essays")
    for name in ("federalist-10.md", "brutus-i.md", "centinel-iii.md"):
        shutil.copy(FIXTURES / "federalist-antifederalist" / name, folder / name)
    for name in ("herbert-spencer.md", "journalists.md", "plekhanov-struggle-index.md"):
        shutil.copy(FIXTURES / "marxists-mia-sample" / name, folder / name)
    shutil.copy(SEED, folder / SEED.name)
    index_dir = tmp_path_factory.mktemp("essays-index")
    index_paths(index_dir, [folder])
    return index_dir


def searcher_of(index_dir: Path):
    return IndexHandle(index_dir).searcher()


def title_of(hit) -> str:
    return hit.document.title


# --- the core ---------------------------------------------------------------------------------------------------


def test_a_paragraph_of_an_essay_ranks_that_essay_first(essays: Path) -> None:
    page = similar_to_text(searcher_of(essays), FACTION)
    assert title_of(page.hits[0]) == "The Federalist No. 10"
    assert {"faction", "mischiefs"} <= set(page.hits[0].shared)


def test_a_paragraph_of_the_seed_article_ranks_the_article_first(seed_index: Path) -> None:
    body = searcher_of(seed_index).document(id=SEED_ARTICLE)["body"]
    paragraph = max(body.split("\n\n"), key=len)
    page = similar_to_text(searcher_of(seed_index), paragraph)
    assert page.hits[0].id == SEED_ARTICLE


def test_the_shared_words_are_marked_in_the_snippet(essays: Path) -> None:
    hit = similar_to_text(searcher_of(essays), FACTION).hits[0]
    marked = {piece.lower() for piece, matched in hit.hit.snippet.parts() if matched}
    assert {"citizens", "majority", "minority"} <= marked  # the densest window of shared words
    assert hit.shared == tuple(dict.fromkeys(hit.shared))


@pytest.mark.parametrize("index_name", ["essays", "seed_index"])
def test_similar_to_a_document_never_returns_the_document(index_name: str, request: pytest.FixtureRequest) -> None:
    searcher = searcher_of(request.getfixturevalue(index_name))
    ids = [fields["id"] for fields in searcher.all_stored_fields() if fields.get("kind") in ("article", "comment")]
    assert ids
    for doc_id in ids:
        try:
            page = similar_to_document(searcher, doc_id, limit=100)
        except PassageError:  # a two-word comment may share nothing with any other document
            continue
        assert page.source.id == doc_id
        assert doc_id not in [hit.id for hit in page.hits]


def test_similar_to_a_comment_finds_its_own_thread(seed_index: Path) -> None:
    searcher = searcher_of(seed_index)
    comment = max((fields for fields in searcher.all_stored_fields() if fields.get("kind") == "comment"),
                  key=lambda fields: len(fields["body"]))
    page = similar_to_document(searcher, comment["id"])
    assert SEED_ARTICLE in {hit.document.article_id for hit in page.hits}


def test_an_unknown_id_is_a_clear_error(seed_index: Path) -> None:
    with pytest.raises(UnknownDocument, match="no article or comment has the id 'nope'"):
        similar_to_document(searcher_of(seed_index), "nope")


def test_filters_apply(tmp_path: Path, write_archive: Callable) -> None:
    index_dir = tmp_path / "index"
    index_paths(index_dir, [write_archive("many.jsonl", many_articles(30))])
    searcher = searcher_of(index_dir)
    passage = "The general strike is discussed by Rosa Luxemburg in a reply to the essay on the strike."
    comments = similar_to_text(searcher, passage, limit=50, filters=Filters(kinds=("comment",)))
    assert comments.hits and all(hit.document.kind == "comment" for hit in comments.hits)
    by_rosa = similar_to_text(searcher, passage, limit=50, filters=Filters(authors=("Rosa Luxemburg",)))
    assert by_rosa.hits and {hit.document.author for hit in by_rosa.hits} == {"Rosa Luxemburg"}
    in_2003 = similar_to_text(searcher, passage, limit=50, filters=Filters(years=(2003,), kinds=("article",)))
    assert in_2003.hits and {(hit.document.date.year, hit.document.kind) for hit in in_2003.hits} == {
        (2003, "article")}
    assert len(in_2003.hits) == 6  # every article of 2003 shares the passage's words


def test_replaced_documents_are_not_found_again(tmp_path: Path, write_archive: Callable,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A rewritten file's old documents stay in their segment, deleted: they never score."""
    monkeypatch.setattr(codec, "SMALL_SEGMENT_DOCS", 0)
    monkeypatch.setattr(codec, "SMALL_SEGMENT_SHARE", 0)  # no merge purges them
    index_dir = tmp_path / "index"
    records = many_articles(12)
    archive = write_archive("a.jsonl", records[:6]).parent
    write_archive("b.jsonl", records[6:])
    index_paths(index_dir, [archive])
    old_body = "Mutual aid among the sparrows of the harbour, and the quarrels of its gulls."
    for body in (old_body, "A quite different essay now."):
        records[7]["body"] = body
        write_archive("b.jsonl", records[6:])
        index_paths(index_dir, [archive])
    searcher = searcher_of(index_dir)
    assert searcher.reader().has_deletions()
    assert similar_to_text(searcher, old_body).hits == []  # its words are only in the deleted version
    page = similar_to_text(searcher, "general strike essay", limit=100)
    ids = [hit.id for hit in page.hits]
    assert len(ids) == len(set(ids)) == 36  # each article and comment once, in its current version


def test_facets_count_the_best_hits(tmp_path: Path, write_archive: Callable) -> None:
    index_dir = tmp_path / "index"
    index_paths(index_dir, [write_archive("many.jsonl", many_articles(30))])
    page = similar_to_text(searcher_of(index_dir), "the general strike essay by Karl Kautsky", limit=5)
    kinds = {facet.value: facet.count for facet in page.facets["kind"]}
    assert kinds == {"article": 30, "comment": 60}  # every document: a comment carries its article's title
    assert sum(facet.count for facet in page.facets["year"]) == 90
    assert len(page.hits) == 5


@pytest.mark.parametrize("passage", ["", "   \n\t ", "the of and a to in", "The. Of? AND, (a) [to] \"in\""])
def test_an_empty_or_stop_word_passage_gets_a_clear_message(seed_index: Path, passage: str) -> None:
    with pytest.raises(PassageError) as caught:
        similar_to_text(searcher_of(seed_index), passage)
    assert "empty" in caught.value.message or "only very common words" in caught.value.message


def test_a_100000_character_passage_is_trimmed_with_a_notice_and_answers_quickly(essays: Path) -> None:
    passage = (FACTION + " ") * (100_000 // len(FACTION) + 1)
    started = time.perf_counter()
    page = similar_to_text(searcher_of(essays), passage[:100_000])
    assert time.perf_counter() - started < 10  # generous: it answers in well under a second
    assert len(page.notices) == 1
    assert re.fullmatch(r"the passage was trimmed to its first [\d,]+ characters of 100,000", page.notices[0])
    assert int(re.search(r"first ([\d,]+)", page.notices[0]).group(1).replace(",", "")) <= MAX_PASSAGE_CHARS
    assert title_of(page.hits[0]) == "The Federalist No. 10"


def test_past_the_time_limit_the_best_words_still_answer_and_the_page_says_so(essays: Path) -> None:
    page = similar_to_text(searcher_of(essays), FACTION, limits=QueryLimits(seconds=0))
    assert page.partial and page.hits
    assert re.fullmatch(r"the time limit ran out: only the 1 most telling of \d+ words were searched", page.notices[0])
    assert not similar_to_text(searcher_of(essays), FACTION).partial


@pytest.mark.parametrize("passage", [AWKWARD, FACTION.replace(",", ":"), '"' * 7 + "(((faction", "faction)))]]}}"])
def test_colons_quotes_and_brackets_are_text_not_syntax(essays: Path, passage: str) -> None:
    page = similar_to_text(searcher_of(essays), passage)
    assert page.terms


def test_a_long_query_without_operators_reads_as_a_passage() -> None:
    assert looks_like_passage(FACTION)
    assert not looks_like_passage("faction mischiefs")
    assert not looks_like_passage(FACTION + " author:publius")
    assert not looks_like_passage(FACTION + " AND liberty")
    assert not looks_like_passage(FACTION + " liber*")


# --- the CLI ----------------------------------------------------------------------------------------------------


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_cli_similar_to_an_id(seed_index: Path) -> None:
    result = run("similar", SEED_ARTICLE, "--index", str(seed_index), "--limit", "3")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"3 documents like article {SEED_ARTICLE}")
    assert "shared: " in result.output
    assert f"· {SEED_ARTICLE}\n" not in result.output


def test_cli_similar_to_text_file_and_stdin(essays: Path, tmp_path: Path) -> None:
    passage_file = tmp_path / "passage.txt"
    passage_file.write_text(FACTION, encoding="utf-8")
    for args, stdin in ((["--text", FACTION], None), (["--file", str(passage_file)], None), (["-"], FACTION),
                        (["--file", "-"], FACTION), (["--text", "-"], FACTION)):
        result = run("similar", *args, "--index", str(essays), "--json", input=stdin)
        assert result.exit_code == 0, (args, result.output)
        found = json.loads(result.output)
        assert found["source"] is None
        assert found["hits"][0]["title"] == "The Federalist No. 10"
        assert "faction" in found["hits"][0]["shared"]


def test_cli_search_reads_a_long_query_without_operators_as_a_passage(essays: Path) -> None:
    """As the page does: every word of a pasted paragraph required would find nothing but its source."""
    result = CliRunner().invoke(main, ["search", FACTION, "--index", str(essays), "--nl"])
    assert result.exit_code == 0, result.output
    assert "searched as a passage" in result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert hits[0]["title"] == "The Federalist No. 10" and "faction" in hits[0]["shared"]
    assert [hit["id"] for hit in hits] == [
        hit["id"] for hit in json.loads(run("similar", "--text", FACTION, "--index", str(essays), "--json").output)[
            "hits"]]
    every_word = run("search", "--words", FACTION, "--index", str(essays), "--nl")
    assert every_word.exit_code == 1 and "the limit is 64. To find passages like a pasted paragraph, use passage " \
                                         "search" in every_word.output


def test_cli_reads_a_passage_file_that_is_not_utf8(essays: Path, tmp_path: Path) -> None:
    passage_file = tmp_path / "latin1.txt"
    passage_file.write_bytes(FACTION.replace("By a", "Par une façon, by a").encode("latin-1"))
    result = run("similar", "--file", str(passage_file), "--index", str(essays), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["hits"][0]["title"] == "The Federalist No. 10"


def test_cli_similar_filters(essays: Path) -> None:
    result = run("similar", "--text", FACTION, "--index", str(essays), "--kind", "comment", "--json")
    assert result.exit_code == 0, result.output
    assert {hit["kind"] for hit in json.loads(result.output)["hits"]} <= {"comment"}
    result = run("similar", "--text", FACTION, "--index", str(essays), "--author", "Brutus", "--json")
    assert {hit["author"] for hit in json.loads(result.output)["hits"]} == {"Brutus"}


def test_cli_similar_errors(seed_index: Path) -> None:
    result = run("similar", "--index", str(seed_index))
    assert result.exit_code == 2 and "give a document ID, --text TEXT or --file PATH" in result.output
    result = run("similar", "nope", "--index", str(seed_index))
    assert result.exit_code == 1 and "Error: no article or comment has the id 'nope'" in result.output
    result = run("similar", "--text", "the of and", "--index", str(seed_index))
    assert result.exit_code == 1 and "only very common words" in result.output
    result = run("similar", "--text", AWKWARD, "--index", str(seed_index))
    assert result.exit_code in (0, 1) and "Traceback" not in result.output


def test_cli_trims_a_long_passage_with_a_note(essays: Path) -> None:
    result = run("similar", "-", "--index", str(essays), input=(FACTION + " ") * 300)
    assert result.exit_code == 0, result.output
    assert "note: the passage was trimmed to its first" in result.output


# --- the API and the page ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(essays: Path):
    return create_app({"INDEX_DIR": str(essays), "TESTING": True}).test_client()


def test_api_similar_to_text_and_to_an_id(client) -> None:
    response = client.get("/api/similar", query_string={"text": FACTION, "limit": 3})
    assert response.status_code == 200
    assert response.json["hits"][0]["title"] == "The Federalist No. 10"
    assert len(response.json["hits"]) == 3
    assert "kind" in response.json["facets"]
    federalist = response.json["hits"][0]["id"]
    response = client.get(f"/api/similar/{federalist}")
    assert response.status_code == 200
    assert response.json["source"] == federalist
    assert federalist not in [hit["id"] for hit in response.json["hits"]]
    response = client.post("/api/similar", data={"text": FACTION, "kind": "article"})
    assert response.status_code == 200 and {hit["kind"] for hit in response.json["hits"]} == {"article"}


def test_api_errors_are_json(client) -> None:
    assert client.get("/api/similar/nope").status_code == 404
    response = client.get("/api/similar", query_string={"text": "the of and"})
    assert response.status_code == 400 and "only very common words" in response.json["error"]
    response = client.get("/api/similar", query_string={"text": FACTION, "kind": "essay"})
    assert response.status_code == 400 and "kind must be" in response.json["error"]
    response = client.get("/api/similar", query_string={"text": AWKWARD})
    assert response.status_code in (200, 400) and response.is_json


def test_passage_page_shows_hits_with_shared_words_marked(client) -> None:
    response = client.post("/similar", data={"text": FACTION})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Find essays that argue like this" in page
    first = page.index('class="group similar-hit"')
    assert "The Federalist No. 10" in page[first:first + 800]
    assert "<mark>faction</mark>" in page[first:]


def test_passage_page_narrows_by_facets(client) -> None:
    # The Federalist's words, and a seed comment's ("Year 1", a book by Serge), so both kinds match.
    text = f"{FACTION} A very good book by Serge that repays re-reading."
    page = client.post("/similar", data={"text": text}).get_data(as_text=True)
    assert re.search(r'<input type="checkbox" name="kind" value="comment"', page)
    narrowed = client.post("/similar", data={"text": text, "kind": "comment"}).get_data(as_text=True)
    assert "The Federalist No. 10" not in narrowed.split('class="results"')[1]
    assert re.search(r'name="kind" value="comment" checked', narrowed)
    assert "Only: kind comment" in narrowed


def test_passage_page_messages(client) -> None:
    assert client.get("/similar").status_code == 200
    response = client.get("/similar", query_string={"text": "the of and"})
    assert response.status_code == 400 and "only very common words" in response.get_data(as_text=True)
    response = client.get("/similar", query_string={"text": AWKWARD})
    assert response.status_code in (200, 400)
    response = client.post("/similar", data={"text": FACTION * 120})
    assert response.status_code == 200 and "The passage was trimmed to its first" in response.get_data(as_text=True)


def test_document_page_lists_more_like_this(client) -> None:
    page = client.get(f"/doc/{SEED_ARTICLE}").get_data(as_text=True)
    section = page[page.index('class="more-like-this"'):]
    assert "More like this article" in section
    assert "Shared words: <mark>" in section
    assert f'href="/doc/{SEED_ARTICLE}"' not in section.split("</section>")[0]


def test_a_long_query_in_the_search_box_runs_as_a_passage_saying_so(client) -> None:
    response = client.get("/search", query_string={"q": FACTION})
    assert response.status_code == 302 and response.headers["Location"].startswith("/similar?")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "it was run as a passage" in page and "Search for every word instead" in page
    assert client.get("/search", query_string={"q": FACTION, "mode": "words"}).status_code in (200, 400)
    assert client.get("/search", query_string={"q": "faction"}).status_code == 200


def test_a_passage_of_thousands_of_different_words_looks_up_a_bounded_number(
        essays: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every word of a passage is looked up in every segment: past MAX_CANDIDATES the most repeated and the
    longest are kept, so a hostile passage of all-different words cannot hold a searcher for seconds."""
    searcher = searcher_of(essays)
    words = sorted({term.decode() for term in searcher.reader().lexicon("body_exact") if term.isalpha()})
    assert len(words) > MAX_CANDIDATES * 2
    looked_up = []
    real = SegmentPostings.term_info
    monkeypatch.setattr(SegmentPostings, "term_info",
                        lambda self, fieldname, term: looked_up.append(term) or real(self, fieldname, term))
    page = similar_to_text(searcher, " ".join(words[:MAX_CANDIDATES * 2]), limits=QueryLimits(seconds=60))
    assert page.hits and not page.partial
    segments = len(searcher.leaf_searchers())
    assert len(set(looked_up)) <= MAX_CANDIDATES and len(looked_up) <= 2 * segments * (MAX_CANDIDATES + MAX_TERMS)
