"""A timeline counts a date given only to the year or month apart from bars finer than that date.

A year-only date sits in the date column at 1 January; counted in a January bar, that bar's
``date:1911-01`` link would not find it. So each bar's link gives exactly the bar's count, and
the coarser dates are counted beside, each linking to its whole year or month
(``date:1911``, ``date:1911-05``), which holds them and the bars within it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main
from search.indexer import index_paths
from search.results import search
from search.store import IndexHandle
from search.timeline import narrowed, page_timeline, search_timeline, timeline_json
from tests.conftest import article
from web import create_app

RECORDS = [
    article("Only the year", "Ann", "1911", "The strike, some time in the year."),
    article("Only January", "Ann", "1911-01", "The strike, some time in January."),
    article("Only May", "Ann", "1911-05", "The strike, some time in May."),
    article("New Year's Day", "Ann", "1911-01-01", "The strike on the first day of the year."),
    article("A May day", "Ann", "1911-05-20", "The strike on a day in May."),
    article("A July time", "Ann", "1911-07-04T10:00:00Z", "The strike at a time in July."),
    article("A midnight", "Ann", "1911-09-01T00:00:00Z", "The strike at midnight on the first of September."),
]


@pytest.fixture
def index_dir(tmp_path: Path, write_archive: Callable, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = write_archive("precision.jsonl", RECORDS).parent
    target = tmp_path / "index"
    index_paths(target, [folder])
    monkeypatch.setenv("ESSAYS_INDEX", str(target))
    return target


@pytest.fixture
def searcher(index_dir: Path):
    return IndexHandle(index_dir).searcher()


@pytest.mark.parametrize(("query", "granularity", "coarser"), [
    ("strike", "month", [("date:1911", 1)]),
    ("strike date:1911-05", "day", [("date:1911-05", 1)]),
])
def test_every_link_gives_exactly_its_count(searcher, query: str, granularity: str,
                                            coarser: list[tuple[str, int]]) -> None:
    found = search_timeline(searcher, query)
    assert found.granularity == granularity
    assert [(coarse.clause, coarse.count) for coarse in found.coarser] == coarser
    for period in found.periods:
        assert search(searcher, narrowed(query, period), facets=False).total == period.count, period.clause
    for coarse in found.coarser:  # the whole year or month: its bars and the dates given only that finely
        within = sum(period.count for period in found.periods if period.clause.startswith(coarse.clause))
        assert search(searcher, narrowed(query, coarse), facets=False).total == within + coarse.count
    page = search(searcher, query)
    assert found.dated == page.total == sum(entry.count for entry in page.facets["year"])


def test_month_bars_hold_the_months_and_days_but_not_the_year(searcher) -> None:
    months = {period.first.month: period.count for period in search_timeline(searcher, "strike").periods}
    assert (months[1], months[5], months[7], months[9]) == (2, 2, 1, 1)
    assert sum(months.values()) == len(RECORDS) - 1


@pytest.mark.parametrize("query", ["strike", "strike date:1911-05", "january OR may"])
def test_the_results_page_pass_agrees_with_the_standalone_one(searcher, query: str) -> None:
    from_page = page_timeline(search(searcher, query))
    on_its_own = search_timeline(searcher, query)
    assert (from_page.periods, from_page.coarser, from_page.undated) == (
        on_its_own.periods, on_its_own.coarser, on_its_own.undated)


def test_only_coarse_dates_are_shown_by_year(searcher) -> None:
    found = search_timeline(searcher, '"time in the year"')
    assert (found.granularity, [period.count for period in found.periods], found.coarser) == ("year", [1], ())


def test_the_api_the_page_and_the_command_line_show_the_coarser_counts(index_dir: Path) -> None:
    client = create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()
    api = client.get("/api/search?q=strike").get_json()
    assert api["timeline"]["coarser"] == [{"period": "1911", "precision": "year", "count": 1, "clause": "date:1911"}]
    assert api["timeline"] == timeline_json(search_timeline(IndexHandle(index_dir).searcher(), "strike"))
    page = client.get("/search?q=strike").get_data(as_text=True)
    links = [html.unescape(href) for href in re.findall(r'<a href="([^"]+)">1 dated only to the year 1911</a>', page)]
    assert links and client.get(links[0]).get_data(as_text=True).count("Only the year") >= 1
    assert re.search(r'<a href="[^"]+">1911, dated only to the year</a></td><td>1</td>', page)
    output = CliRunner().invoke(main, ["timeline", "strike"]).output
    assert re.search(r"1911 \(year only\) \S* 1", output), output
