"""Dates said back: each form of ``date:`` in words, on the page and in the CLI's header line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main
from search.date_echo import date_echoes
from web import create_app


@pytest.mark.parametrize(("query", "meaning"), [
    ("date:2011", "1 January–31 December 2011"),
    ("date:2011-10", "1–31 October 2011"),
    ("date:2011-10-21", "21 October 2011"),
    ("date:2012-2", "1–29 February 2012"),
    ("date:>2011", "after 31 December 2011"),
    ("date:>=2011-10", "from 1 October 2011"),
    ("date:<2011-10-21", "before 21 October 2011"),
    ("date:<=2011", "up to 31 December 2011"),
    ("date:[2011-10-20 to 2011-10-22]", "20–22 October 2011"),
    ("date:[2011-10-20 to 2011-11-03]", "20 October–3 November 2011"),
    ("date:[2010-12-20 to 2011-01-03]", "20 December 2010–3 January 2011"),
    ("date:{2011 to 2013}", "1 January–31 December 2012"),
    ("date:{2011-10-20 to 2011-10-22]", "21–22 October 2011"),
    ("date:[2011 to]", "from 1 January 2011"),
    ("date:{2011 to]", "after 31 December 2011"),
    ("date:[to 2011-02]", "up to 28 February 2011"),
    ("date:[to 2011}", "before 1 January 2011"),
    ("date:{2011 to 2012}", "no day (the range is empty)"),
])
def test_each_date_form_is_said_in_words(query: str, meaning: str) -> None:
    assert [(echo.clause, echo.meaning) for echo in date_echoes(f"strike {query}")] == [(query, meaning)]


def test_dates_inside_a_quoted_phrase_are_words_not_dates() -> None:
    assert [echo.clause for echo in date_echoes('"date:2011" date:2012 -date:2012-05')] == ["date:2012",
                                                                                           "date:2012-05"]


def test_the_results_page_says_the_dates_back(seed_index: Path) -> None:
    client = create_app({"INDEX_DIR": str(seed_index), "TESTING": True}).test_client()
    page = client.get("/search?q=serge+date:2011-10").get_data(as_text=True)
    assert "<code>date:2011-10</code> means 1–31 October 2011" in page
    page = client.get("/search?q=serge+date:%3E2011").get_data(as_text=True)
    assert "<code>date:&gt;2011</code> means after 31 December 2011" in page


def test_the_cli_header_line_says_the_dates_back(seed_index: Path) -> None:
    result = CliRunner().invoke(main, ["search", "serge date:[2011-10-20 to 2011-10-22]", "--index", str(seed_index)])
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0]
    assert header.endswith("· date:[2011-10-20 to 2011-10-22] is 20–22 October 2011")
