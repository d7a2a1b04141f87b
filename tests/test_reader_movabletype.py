"""Movable Type exports (also TypePad's and Hatena Blog's): entries as articles with their comments."""

from __future__ import annotations

from pathlib import Path

from search.readers import read_file

EXPORT = Path(__file__).parent / "fixtures" / "movabletype" / "export.txt"


def test_published_entries_become_articles_with_body_and_extended_body():
    articles = [document for document in read_file(EXPORT).documents if document.kind == "article"]
    assert [article.title for article in articles] == ["A dummy title", "2件目の記事"]
    dummy = articles[0]
    assert (dummy.author, dummy.tags) == ("Foo Bar", ("Media", "News"))
    assert dummy.date.isoformat() == "2002-01-31T15:31:05"  # month first, 12-hour clock, no offset given
    assert dummy.body.startswith("This is the body.\n\nAnother paragraph here.")
    assert "Here is some more text." in dummy.body
    assert articles[1].tags == ("News", "Product", "Movable Type", "foo", "bar")
    assert "概要はあります" not in articles[1].body  # the excerpt summarises, it is not more text


def test_comments_keep_their_authors_and_dates_and_drafts_and_pings_are_counted():
    result = read_file(EXPORT)
    comments = [document for document in result.documents if document.kind == "comment"]
    assert [(comment.author, comment.date.isoformat()) for comment in comments] == [
        ("Foo", "2002-01-31T15:47:06"), ("Bar", "2002-02-01T04:02:07"), ("Quux", "2002-01-31T16:23:01")]
    assert comments[1].body == "This is the second\ncomment. It goes\nuntil here."
    assert "entry, and here it" not in " ".join(document.body for document in result.documents)
    left_out = next(problem.reason for problem in result.problems if problem.kind == "left out")
    assert "1 trackback" in left_out and "1 draft entry" in left_out


def test_an_export_cut_off_part_way_keeps_its_entries_and_says_where_it_stops(tmp_path):
    text = EXPORT.read_text(encoding="utf-8")
    cut = tmp_path / "export.txt"
    cut.write_text(text[: text.index("EXCERPT:")], encoding="utf-8")
    result = read_file(cut)
    assert [document.title for document in result.documents if document.kind == "article"] == [
        "A dummy title", "2件目の記事"]
    (truncated,) = [problem for problem in result.problems if problem.kind == "truncated"]
    assert truncated.line == text[: text.index("EXCERPT:")].rstrip().count("\n") + 1
