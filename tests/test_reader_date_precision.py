"""The text export, feed, WordPress and Disqus readers keep how much of a date their source gave.

Each reads its real fixture (times throughout: no precision marked, the time shown) and the same
fixture with every time cut off its dates, as a hand-made export writes them: then each date is a
day, and shows as one, never as "00:00".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from search.readers import read_file
from search.shown_dates import date_text
from tests.conftest import SEED

FIXTURES = Path(__file__).parent / "fixtures"

# Each source, and how to cut the time off each of its dates.
SOURCES = {
    "text export": (SEED, r"(Submitted by .+? on .+?) - \d{2}:\d{2}", r"\1"),
    "atom": (FIXTURES / "feeds" / "pamphletariat.atom", r"(\d{4}-\d{2}-\d{2})T[\d:]+[+-]\d{2}:\d{2}", r"\1"),
    "rss": (FIXTURES / "feeds" / "pamphletariat.rss", r"(\d{1,2} \w{3} \d{4}) [\d:]+ [+-]\d{4}", r"\1"),
    "wordpress": (FIXTURES / "wordpress" / "theme-unit-test-excerpt.xml",
                  r"(<wp:(?:post|comment)_date(?:_gmt)?>(?:<!\[CDATA\[)?\d{4}-\d{2}-\d{2}) [\d:]+", r"\1"),
    "disqus": (FIXTURES / "disqus" / "wpthemetestdata-disqus.xml", r"(<createdAt>\d{4}-\d{2}-\d{2})T[\d:]+Z?", r"\1"),
}


@pytest.mark.parametrize("source", SOURCES)
def test_dates_with_a_time_mark_no_precision(source: str) -> None:
    dated = [document for document in read_file(SOURCES[source][0]).documents if document.date]
    assert dated and all(document.date_precision == "" for document in dated)
    assert all(re.search(r" \d{2}:\d{2}", date_text(document.date, "")) for document in dated)


@pytest.mark.parametrize("source", SOURCES)
def test_a_date_given_only_to_the_day_stays_a_day(source: str, tmp_path: Path) -> None:
    fixture, time_pattern, day_only = SOURCES[source]
    text, cuts = re.subn(time_pattern, day_only, fixture.read_text(encoding="utf-8"))
    assert cuts
    copy = tmp_path / fixture.name
    copy.write_text(text, encoding="utf-8")
    dated = [document for document in read_file(copy).documents if document.date]
    assert dated and all(document.date_precision == "day" for document in dated)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", date_text(document.date, document.date_precision))
               for document in dated)
