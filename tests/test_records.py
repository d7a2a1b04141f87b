"""One field mapping for JSON Lines, JSON and CSV: other exports' names, HTML and entities in bodies, dates."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

from search.readers import read_file

FIXTURES = Path(__file__).parent / "fixtures"
IDEBATE = FIXTURES / "json" / "idebate" / "entities.jsonl"
SOTU = FIXTURES / "corpora" / "sotu"


def write_lines(path: Path, *records: dict) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def test_entities_in_plain_text_bodies_are_decoded():
    documents = read_file(IDEBATE).documents
    balkans, breakfast, point, counter = documents
    assert "Bosnia & Herzegovina" in balkans.body and "&amp;" not in balkans.body
    assert "BBC News, ‘Q&A; Free school meals" in counter.body and "Q&A;" in breakfast.body
    assert balkans.body.count("\n\n") == 3  # paragraphs as written
    assert counter.parent_id == point.id and breakfast.kind == "article"


def test_other_exports_field_names_are_read(tmp_path):
    path = write_lines(tmp_path / "speeches.jsonl",
                       {"headline": "On the budget", "speaker": "Ada Reyes", "published_at": "2021-03-04T09:30:00Z",
                        "permalink": "https://example.org/budget", "categories": ["economy", "tax"],
                        "full_text": "The budget is a moral document.",
                        "replies": [{"username": "ben", "created_at": "2021-03-05", "content": "Whose morals?"}]})
    article, reply = read_file(path).documents
    assert (article.title, article.author, article.url, article.tags) == (
        "On the budget", "Ada Reyes", "https://example.org/budget", ("economy", "tax"))
    assert article.date == datetime(2021, 3, 4, 9, 30, tzinfo=UTC)
    assert article.body == "The budget is a moral document."
    assert (reply.kind, reply.author, reply.body, reply.date) == ("comment", "ben", "Whose morals?",
                                                                   datetime(2021, 3, 5))


def test_our_own_names_win_over_aliases(tmp_path):
    path = write_lines(tmp_path / "both.jsonl",
                       {"title": "Ours", "headline": "Theirs", "author": "Ann", "by": "bob", "date": "2020-05-01",
                        "year": 1999, "body": "Our body.", "text": "Their text.", "url": "https://a.example/x",
                        "link": "https://b.example/y"})
    (document,) = read_file(path).documents
    assert (document.title, document.author, document.body, document.url) == (
        "Ours", "Ann", "Our body.", "https://a.example/x")
    assert document.date == datetime(2020, 5, 1)


def test_name_is_the_author_unless_something_else_names_one(tmp_path):
    path = write_lines(tmp_path / "names.jsonl",
                       {"name": "Barack Obama", "year": 2016, "text": "Thank you."},
                       {"name": "Essay on taxes", "creator": "Ann", "text": "Taxes are the price of order."})
    speech, essay = read_file(path).documents
    assert (speech.author, speech.title_generated) == ("Barack Obama", True)
    assert (essay.title, essay.author) == ("Essay on taxes", "Ann")


def test_dates_as_epoch_seconds_milliseconds_iso_and_year(tmp_path):
    path = write_lines(tmp_path / "dates.jsonl",
                       {"text": "a", "time": 1700000000}, {"text": "b", "timestamp": 1700000000123},
                       {"text": "c", "created_utc": "1700000000"}, {"text": "d", "year": 1790},
                       {"text": "e", "date": "2011-10-21T10:25:00+01:00"})
    documents = read_file(path).documents
    assert [document.date.isoformat() for document in documents] == [
        "2023-11-14T22:13:20+00:00", "2023-11-14T22:13:20.123000+00:00", "2023-11-14T22:13:20+00:00",
        "1790-01-01T00:00:00", "2011-10-21T10:25:00+01:00"]
    assert [document.date_precision for document in documents] == ["", "", "", "year", ""]


def test_a_year_month_or_day_says_how_much_the_source_gave(tmp_path):
    path = write_lines(tmp_path / "partial.jsonl", {"text": "a", "date": "1950"}, {"text": "b", "date": "1950-03"},
                       {"text": "c", "date": "1950-03-04"}, {"text": "d", "date": "4 March 1950"})
    documents = read_file(path).documents
    assert {document.date for document in documents[1:]} <= {datetime(1950, 3, 1), datetime(1950, 3, 4)}
    assert [document.date_precision for document in documents] == ["year", "month", "day", "day"]


def test_html_bodies_become_paragraphs(tmp_path):
    path = write_lines(tmp_path / "html.jsonl",
                       {"title": "Feed item", "content_html": "<p>First &amp; foremost.</p><p>Second <em>part</em>."
                                                              "</p><script>alert(1)</script>"},
                       {"title": "Markup in a plain field", "body": "One.<br>Two &lt;three&gt;.<p>Four"})
    feed, plain = read_file(path).documents
    assert feed.body == "First & foremost.\n\nSecond part."
    assert plain.body == "One.\nTwo <three>.\n\nFour"


def test_prose_that_names_tags_or_ampersands_stays_as_written(tmp_path):
    body = "The <blockquote> element quotes; R&D and AT&T stay, as does &not without its semicolon."
    (document,) = read_file(write_lines(tmp_path / "prose.jsonl", {"title": "On HTML", "body": body})).documents
    assert document.body == body


def test_a_record_without_a_body_field_is_reported_with_the_fields_it_has(tmp_path):
    path = write_lines(tmp_path / "nobody.jsonl", {"title": "Kept", "text": "Here."},
                       {"headline": "Lost", "abstrakt": "Misspelt field.", "year": 2001})
    result = read_file(path)
    assert [document.title for document in result.documents] == ["Kept"]
    (problem,) = [problem for problem in result.problems if problem.kind == "no body"]
    assert problem.line == 2
    assert problem.reason.startswith("no body: none of body, text, content")
    assert problem.reason.endswith("(found: headline, abstrakt, year); line skipped")


def test_a_csv_with_text_name_year_columns_reads_like_the_speeches(tmp_path):
    speeches = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(SOTU.glob("*.json"))]
    path = tmp_path / "sotu.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["year", "name", "party", "text"])
        writer.writerows([speech["year"], speech["name"], speech["party"], speech["text"]] for speech in speeches)
    result = read_file(path)
    washington, obama = result.documents
    assert result.problems == []
    assert (washington.author, washington.date, washington.tags) == ("George Washington", datetime(1790, 1, 1), ())
    assert washington.title_generated and washington.title.startswith("Fellow-Citizens of the Senate")
    assert (obama.author, obama.tags) == ("Barack Obama", ("Democratic",))
    assert obama.body == speeches[1]["text"]


def test_a_comment_count_is_not_a_list_of_comments(tmp_path):
    path = write_lines(tmp_path / "counted.jsonl",
                       {"title": "Counted", "text": "Body.", "date": "2020", "comments": 12},
                       {"title": "Odd", "text": "Body.", "date": "2020", "replies": "none"})
    result = read_file(path)
    assert [document.kind for document in result.documents] == ["article", "article"]
    assert [(problem.line, problem.reason) for problem in result.problems] == [
        (2, "the article: 'replies' must be a list, found a string; its comments skipped")]
