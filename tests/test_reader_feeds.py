"""RSS and Atom feeds: each item an article, with its date's offset, its link and its text."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from search.joining import link_article_id
from search.readers import ReadError, read_file

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"


def articles(name: str):
    return {document.title: document for document in read_file(FIXTURES / name).documents}


def test_rss_items_become_articles_with_author_tags_and_link():
    found = articles("pamphletariat.rss")
    assert list(found) == ["The Federalist No. 10", "Brutus 1"]
    federalist = found["The Federalist No. 10"]
    assert federalist.author == "Publius"
    assert federalist.tags == ("US Constitution", "Law & Constitution")
    assert federalist.id == link_article_id("https://pamphletariat.github.io/pamphlets/federalist-10/")


def test_rss_dates_keep_their_offset():
    federalist = articles("pamphletariat.rss")["The Federalist No. 10"]
    assert federalist.date.isoformat() == "1787-11-22T09:00:00-05:00"


def test_html_content_becomes_paragraphs_without_scripts():
    federalist = articles("pamphletariat.rss")["The Federalist No. 10"]
    paragraphs = federalist.body.split("\n\n")
    assert len(paragraphs) == 2 and paragraphs[0].startswith("AMONG the numerous advantages")
    assert "track()" not in federalist.body and "<p>" not in federalist.body
    brutus = articles("pamphletariat.rss")["Brutus 1"]  # escaped HTML in <description> only
    assert brutus.body.startswith("When the public is called") and "<p>" not in brutus.body


def test_atom_entries_with_the_feeds_author_as_fallback():
    found = articles("pamphletariat.atom")
    assert found["The Federalist No. 51"].author == "Publius"
    assert found["The Federalist No. 51"].date.utcoffset() == timedelta(hours=-5)
    note = found["An untitled-author note"]
    assert note.author == "Pamphletariat editors"
    assert note.body == "Welcome to the archive of pamphlets: each essay as first printed."


def test_a_feed_in_an_xml_file_is_told_by_its_root(tmp_path):
    copy = tmp_path / "feed.xml"
    copy.write_bytes((FIXTURES / "pamphletariat.atom").read_bytes())
    assert "The Federalist No. 51" in {document.title for document in read_file(copy).documents}


def test_a_truncated_feed_keeps_what_the_lenient_parser_read(tmp_path):
    text = (FIXTURES / "pamphletariat.rss").read_text(encoding="utf-8")
    cut = tmp_path / "cut.rss"
    cut.write_text(text[: text.index("<title>Brutus 1</title>") + 80], encoding="utf-8")
    result = read_file(cut)
    assert "The Federalist No. 10" in {document.title for document in result.documents}
    assert any(problem.kind == "parse" and "not well-formed" in problem.reason for problem in result.problems)


def test_a_feed_without_items_is_a_read_error(tmp_path):
    empty = tmp_path / "empty.rss"
    empty.write_text('<rss version="2.0"><channel><title>Nothing</title></channel></rss>', encoding="utf-8")
    with pytest.raises(ReadError, match="no items"):
        read_file(empty)
