"""Quotations traced: a passage planted in documents of known dates is found in all, earliest first.

The passage is from The Federalist No. 10 (Madison, 1787), taken from the federalist-antifederalist
corpus (../shared/corpora/federalist-antifederalist/federalist-10.md; public domain).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from click.testing import CliRunner
from whoosh.formats import Existence

from search import schema
from search.cli import main
from search.indexer import index_paths
from search.quotes import QuoteError, trace_document, trace_text
from search.store import IndexHandle, open_index
from tests.conftest import article
from web import create_app

REMEDY = ("It could never be more truly said than of the first remedy, that it was worse than the disease. "
          "Liberty is to faction what air is to fire, an aliment without which it instantly expires.")
PASSAGE = "Liberty is to faction what air is to fire, an aliment without which it instantly expires."
NEAR_COPY = "LIBERTY is to faction -- what air is to fire: an aliment without which it quickly expires!"
METHODS = ("There are two methods of curing the mischiefs of faction: the one, by removing its causes; "
           "the other, by controlling its effects.")

# Written newest first, so the order found is the dates', not the file's.
RECORDS = [
    article("Madison, again", "Dana Critic", "2015-03-03", f"Madison's line bears repeating.\n\n{NEAR_COPY}"),
    article("Air and fire", "Ada Reader", "2011-05-01",
            f"As Madison put it: {PASSAGE.lower()} We still agree, two centuries on."),
    article("The Federalist No. 10", "Publius", "1787-11-22", f"{METHODS}\n\n{REMEDY}", [
        {"author": "Brutus", "date": "1787-11-30",
         "body": f"Publius writes, '{PASSAGE}' Air, then, is what he would keep. I deny it."},
        {"author": "Cato", "date": "1787-12-01", "body": "Faction and liberty; fire and air. A weak image."},
    ]),
    article("Liberty and fire", "Eve Other", "2013-01-01",
            "Liberty is a fire; faction is air. The words are the same, the run of them is not."),
]


@pytest.fixture
def index_dir(tmp_path: Path, write_archive: Callable) -> Path:
    target = tmp_path / "index"
    index_paths(target, [write_archive("quotes.jsonl", RECORDS)])
    return target


@pytest.fixture
def searcher(index_dir: Path):
    return IndexHandle(index_dir).searcher()


def test_the_passage_is_found_in_all_three_earliest_first_and_the_near_copy_too(searcher) -> None:
    report = trace_text(searcher, PASSAGE)
    found = [(item.document.author, item.document.date.year) for item in report.appearances]
    assert found == [("Publius", 1787), ("Brutus", 1787), ("Ada Reader", 2011), ("Dana Critic", 2015)]
    assert [item.first_seen for item in report.appearances] == [True, False, False, False]
    assert report.appearances[-1].words >= 14  # all but the changed word ("quickly")


def test_the_excerpt_marks_the_shared_run(searcher) -> None:
    ada = next(item for item in trace_text(searcher, PASSAGE).appearances if item.document.author == "Ada Reader")
    marked = "".join(text for text, matched in ada.excerpt.parts() if matched)
    assert marked == PASSAGE.lower().rstrip(".")


def test_a_word_left_out_mid_passage_still_makes_one_quotation(searcher) -> None:
    shortened = PASSAGE.replace("fire, an aliment", "fire, aliment")
    ada = next(item for item in trace_text(searcher, shortened).appearances if item.document.author == "Ada Reader")
    assert len(ada.runs) == 1 and ada.runs[0].words >= 14


def test_short_shared_phrases_do_not_count(searcher) -> None:
    report = trace_text(searcher, "Faction is air and liberty is fire, said nobody in the whole archive at all.")
    assert report.appearances == []


def test_a_passage_under_eight_words_is_refused_with_a_reason(searcher) -> None:
    with pytest.raises(QuoteError, match="at least 8 words"):
        trace_text(searcher, "Liberty is to faction what air")


def test_a_document_is_traced_with_itself_marked(searcher) -> None:
    article_id = trace_text(searcher, PASSAGE).appearances[0].document.id
    report = trace_document(searcher, article_id)
    assert report.appearances[0].is_source and report.appearances[0].first_seen
    assert {item.document.author for item in report.appearances} == {"Publius", "Brutus", "Ada Reader",
                                                                      "Dana Critic"}


def test_a_replaced_document_is_found_once(index_dir: Path, write_archive: Callable) -> None:
    changed = [dict(record) for record in RECORDS]
    changed[1] = {**changed[1], "body": changed[1]["body"] + " A line added later."}
    index_paths(index_dir, [write_archive("quotes.jsonl", changed)])
    report = trace_text(IndexHandle(index_dir).searcher(), PASSAGE)
    assert [item.document.author for item in report.appearances].count("Ada Reader") == 1
    assert any(item.document.body.endswith("added later.") for item in report.appearances)


def test_an_index_without_fingerprints_asks_for_a_rebuild(tmp_path: Path, write_archive: Callable) -> None:
    target = tmp_path / "old-index"
    nothing = np.zeros(0, dtype=np.int64)
    with mock.patch.object(schema.TextWords, "fingerprints", return_value=(nothing, nothing)):
        index_paths(target, [write_archive("quotes.jsonl", RECORDS)])
    with pytest.raises(QuoteError, match=r"rebuild it with 'essays index --rebuild'"):
        trace_text(IndexHandle(target).searcher(), PASSAGE)


def test_an_index_with_fingerprints_one_term_each_asks_for_a_rebuild(index_dir: Path) -> None:
    """Indexes written before fingerprints were bucketed hold a term per hash, with no masks: nothing would match."""
    searcher = open_index(index_dir).searcher()  # its own schema, read from the index
    searcher.schema["quotes"].format = Existence()  # as such an index's schema reads
    with pytest.raises(QuoteError, match=r"older form.*rebuild it with 'essays index --rebuild'"):
        trace_text(searcher, PASSAGE)


@pytest.fixture
def client(index_dir: Path):
    return create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()


def test_the_quotes_page_lists_where_it_appears_with_first_seen(client) -> None:
    response = client.get("/quotes", query_string={"text": PASSAGE})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "4 documents share this passage" in page
    first = page.index("First seen")
    assert first < page.index("Brutus") < page.index("Ada Reader") < page.index("Dana Critic")


def test_the_quotes_page_says_why_a_passage_cannot_be_traced(client) -> None:
    response = client.get("/quotes", query_string={"text": "too short"})
    assert response.status_code == 400
    assert "A passage needs at least 8 words to be traced; this one has 2." in response.get_data(as_text=True)


def test_a_comment_quoting_its_article_links_to_the_quoted_paragraph(client, searcher) -> None:
    article_id = trace_text(searcher, PASSAGE).appearances[0].document.id
    page = client.get(f"/doc/{article_id}").get_data(as_text=True)
    assert f'id="{article_id}-p2"' in page  # the remedy paragraph
    links = re.findall(r'<a class="quoted-place" href="#([^"]+)">quotes the article, paragraph (\d+)</a>', page)
    assert links == [(f"{article_id}-p2", "2")]  # Brutus quotes it; Cato only shares words
    assert 'class="quote-box"' in page and 'name="doc"' in page


def test_the_cli_traces_text_and_documents(index_dir: Path, searcher) -> None:
    result = CliRunner().invoke(main, ["quotes", "--text", NEAR_COPY, "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("4 documents share a run of eight words or more")
    dates = re.findall(r"^(\d{4}-\d\d-\d\d)", result.output, flags=re.MULTILINE)
    assert dates == sorted(dates) and len(dates) == 4
    assert "FIRST SEEN" in result.output.split("\n\n")[1]
    article_id = trace_text(searcher, PASSAGE).appearances[0].document.id
    by_id = CliRunner().invoke(main, ["quotes", article_id, "--index", str(index_dir)])
    assert by_id.exit_code == 0 and "THIS DOCUMENT" in by_id.output
    neither = CliRunner().invoke(main, ["quotes", "--index", str(index_dir)])
    assert neither.exit_code == 2 and "give a document ID or --text TEXT" in neither.output


def test_an_index_whose_fingerprints_use_the_first_hash_is_traced_and_added_to_with_it(
        tmp_path: Path, write_archive: Callable, monkeypatch: pytest.MonkeyPatch) -> None:
    """Indexes written before the second shingle hash keep the first: their schema says so, and both the passage's
    fingerprints and those of documents added later are hashed as the index's."""
    first = tmp_path / "first-hash"
    with monkeypatch.context() as patch:
        patch.setattr(schema, "QUOTE_HASH_VERSION", 1)
        index_paths(first, [write_archive("quotes.jsonl", RECORDS[:1])])
    assert IndexHandle(first).searcher().schema["quotes"].hash_version == 1
    index_paths(first, [write_archive("later.jsonl", RECORDS[1:])])  # written by the current code
    found = {item.document.author for item in trace_text(IndexHandle(first).searcher(), PASSAGE).appearances}
    fresh = tmp_path / "second-hash"
    index_paths(fresh, [tmp_path / "archive"])
    assert IndexHandle(fresh).searcher().schema["quotes"].hash_version == schema.QUOTE_HASH_VERSION == 2
    assert found == {item.document.author for item in trace_text(IndexHandle(fresh).searcher(), PASSAGE).appearances}
    assert len(found) > 1
