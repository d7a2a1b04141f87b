"""Markdown and text essays with YAML front matter, and the byline/title/date found in the text."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from search.readers import ReadError, read_file

MARXISTS = Path(__file__).parent / "fixtures" / "corpora" / "marxists-mia-sample"

ESSAY = """---
title: "On Liberty of the Press"
author: Cato
date: 1788-01-03
tags: [press, liberty]
---

# On Liberty of the Press

It is the first duty of a free people
to guard the press.

A second paragraph, with a [link](https://example.org){target="new"} in it.
"""


def test_front_matter_fields_and_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "cato.md"
    path.write_text(ESSAY, encoding="utf-8")
    result = read_file(path)
    (essay,) = result.documents
    assert (essay.kind, essay.title, essay.author) == ("article", "On Liberty of the Press", "Cato")
    assert essay.date == datetime(1788, 1, 3)
    assert essay.tags == ("press", "liberty")
    assert essay.body == (
        "On Liberty of the Press\n\n"
        "It is the first duty of a free people\nto guard the press.\n\n"
        "A second paragraph, with a link in it."
    )
    assert result.problems == []


def test_txt_with_front_matter_goes_to_this_reader(tmp_path: Path) -> None:
    path = tmp_path / "cato.txt"
    path.write_text(ESSAY, encoding="utf-8")
    (essay,) = read_file(path).documents
    assert essay.title == "On Liberty of the Press" and essay.author == "Cato"


def test_txt_without_front_matter_stays_with_the_text_export_reader(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text("A title\nSubmitted by Ann on 19 October, 2011 - 10:25\nBody.\n", encoding="utf-8")
    (article,) = read_file(path).documents
    assert (article.title, article.author) == ("A title", "Ann")


def test_missing_title_falls_back_to_the_first_heading(tmp_path: Path) -> None:
    path = tmp_path / "untitled.markdown"
    path.write_text("---\nauthor: Ann\ndate: 2020-05-01\n---\n\n## The Real Title\n\nText.\n", encoding="utf-8")
    result = read_file(path)
    assert result.documents[0].title == "The Real Title"
    assert result.documents[0].body == "Text."
    assert [p.reason for p in result.problems] == [
        "no title in the front matter; using the first heading 'The Real Title'"
    ]


def test_missing_title_without_heading_uses_the_opening_words_marked_as_made_up(tmp_path: Path) -> None:
    """A file name ("1894-sep09", "15") is no title; the opening words, marked as such, tell a reader more."""
    path = tmp_path / "notes-on-tax.md"
    path.write_text("---\nauthor: Ann\ndate: 2020\n---\nJust prose.\n", encoding="utf-8")
    result = read_file(path)
    assert (result.documents[0].title, result.documents[0].title_generated) == ("Just prose.", True)
    assert "using its opening words" in result.problems[0].reason


def test_marxists_page_with_empty_front_matter() -> None:
    result = read_file(MARXISTS / "journalists.md")
    (essay,) = result.documents
    assert essay.title == "Home Rule Journalists and Patriotism"
    assert essay.author == "James Connolly"
    assert essay.date == datetime(1898, 8, 13)
    assert essay.body.startswith("An Object Lesson\n\nWorkers' Republic, 13 August 1898.")
    assert "MIA" not in essay.body.split("\n")[0] and "](" not in essay.body and "{#" not in essay.body
    assert [p.reason for p in result.problems] == [
        "no title in the front matter; using the first heading 'Home Rule Journalists and Patriotism'"
    ]


def test_marxists_name_and_year_byline() -> None:
    (essay,) = read_file(MARXISTS / "herbert-spencer.md").documents
    assert (essay.title, essay.author) == ("A Few Words with Mr Herbert Spencer", "Paul Lafargue")
    assert essay.date == datetime(1884, 1, 1)
    assert essay.body.startswith("Source: To-Day, Jan-June 1884")


def test_marxists_title_in_a_table_box() -> None:
    (essay,) = read_file(MARXISTS / "plekhanov-struggle-index.md").documents
    assert (essay.title, essay.author, essay.date) == (
        "Socialism and the Political Struggle",
        "G.V. Plekhanov",
        datetime(1883, 1, 1),
    )
    assert "+---" not in essay.body


def test_missing_author_and_date_are_problems(tmp_path: Path) -> None:
    path = tmp_path / "bare.md"
    path.write_text("---\ntitle: Bare\n---\nSome text.\n", encoding="utf-8")
    result = read_file(path)
    assert result.documents[0].date is None and result.documents[0].author == ""
    assert [p.reason for p in result.problems] == [
        "no author in the front matter or a byline",
        "no date in the front matter or the opening lines; indexed without a date",
    ]


def test_unreadable_date_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "odd.md"
    path.write_text("---\ntitle: Odd\nauthor: A\ndate: sometime in spring\n---\nText.\n", encoding="utf-8")
    result = read_file(path)
    assert result.documents[0].date is None
    assert (
        result.problems[0].reason == "unreadable date 'sometime in spring' in the front matter; indexed without a date"
    )


def test_invalid_yaml_is_a_read_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.md"
    path.write_text("---\ntitle: ok\ntags: [one, two\n---\nText.\n", encoding="utf-8")
    with pytest.raises(ReadError) as error:
        read_file(path)
    assert error.value.line == 4
    assert error.value.reason.startswith("front matter is not valid YAML")


def test_unclosed_front_matter_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "cut.md"
    path.write_text("---\ntitle: Cut off\nauthor: A\n\nThe text that follows.\n", encoding="utf-8")
    result = read_file(path)
    assert (result.problems[0].line, result.problems[0].reason) == (
        1,
        "front matter opened with '---' is never closed; read as plain text",
    )
    assert "The text that follows." in result.documents[0].body


def test_front_matter_without_text_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "empty-body.md"
    path.write_text("---\ntitle: Nothing\n---\n\n", encoding="utf-8")
    with pytest.raises(ReadError, match="no essay text after the front matter"):
        read_file(path)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252", "latin-1"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"{encoding}.md"
    text = "---\ntitle: Café society\nauthor: Zoé\ndate: 1901-11-23\n---\n\nThe régime fell.\n"
    path.write_bytes(text.encode(encoding))
    result = read_file(path)
    (essay,) = result.documents
    assert (essay.title, essay.author, essay.body) == ("Café society", "Zoé", "The régime fell.")
    assert len(result.problems) == (0 if encoding == "utf-8-sig" else 1)
