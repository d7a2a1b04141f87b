"""The timeline of a search: counts per period equal the facet counts, and each bar narrows to its count."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from search.cli import main
from search.indexer import index_paths
from search.results import Filters, search
from search.store import IndexHandle
from search.timeline import narrowed, page_timeline, search_timeline
from tests.conftest import SEED, article, many_articles
from web import create_app

UNDATED = [article("A strike with no date", "Undated Writer", "", "The strike was called, some time.",
                   [{"author": "Reader One", "body": "An undated comment on the strike."}])]


@pytest.fixture
def index_dir(tmp_path: Path, write_archive: Callable) -> Path:
    """30 dated articles on the strike over five years (two comments each), one undated with a comment, the seed."""
    write_archive("many.jsonl", many_articles(30))
    folder = write_archive("undated.jsonl", UNDATED).parent
    (folder / SEED.name).write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    target = tmp_path / "index"
    index_paths(target, [folder])
    return target


@pytest.fixture
def searcher(index_dir: Path):
    return IndexHandle(index_dir).searcher()


@pytest.mark.parametrize("query", ["strike", "strike OR serge", "kind:comment", "general -paragraph"])
def test_year_counts_equal_the_year_facet_and_undated_are_counted_beside(searcher, query: str) -> None:
    found = search_timeline(searcher, query)
    page = search(searcher, query)
    assert found.granularity == "year"
    facet = {entry.value: entry.count for entry in page.facets["year"]}
    assert {str(period.first.year): period.count for period in found.periods if period.count} == {
        year: count for year, count in facet.items() if year in {str(p.first.year) for p in found.periods}}
    assert found.total == page.total
    undated_in_facet = sum(count for year, count in facet.items() if year not in {str(p.first.year)
                                                                                     for p in found.periods})
    assert found.undated == undated_in_facet


@pytest.mark.parametrize("query", ["strike", "strike date:2003", "serge", "kind:comment"])
def test_a_results_page_gives_the_same_timeline_from_its_own_pass(searcher, query: str) -> None:
    from_page = page_timeline(search(searcher, query))
    on_its_own = search_timeline(searcher, query)
    assert (from_page.periods, from_page.undated) == (on_its_own.periods, on_its_own.undated)


def test_the_undated_documents_are_counted(searcher) -> None:
    found = search_timeline(searcher, "strike")
    assert found.undated == 2  # the undated article and its comment
    assert found.dated == search(searcher, "strike date:[1900 to 2100]").total


@pytest.mark.parametrize(("query", "granularity"), [("strike", "year"), ("strike date:2003", "month"),
                                                    ("serge", "day")])
def test_each_period_narrows_to_exactly_its_count(searcher, query: str, granularity: str) -> None:
    found = search_timeline(searcher, query)
    assert found.granularity == granularity
    assert found.periods, "some dated matches"
    for period in found.periods:
        assert search(searcher, narrowed(query, period), facets=False).total == period.count, period.clause


def test_periods_run_without_gaps_from_first_to_last(searcher) -> None:
    months = search_timeline(searcher, "strike date:2003").periods
    assert [period.clause for period in months] == [f"date:2003-{month:02d}" for month in range(1, 11)]
    assert months[1].count == 0 and months[-1].count == 12  # no essay in February; ten comments in October
    days = search_timeline(searcher, "serge").periods
    assert [period.first.day for period in days] == list(range(days[0].first.day, days[-1].first.day + 1))


def test_filters_apply_as_in_search(searcher) -> None:
    filters = Filters(kinds=("article",))
    assert search_timeline(searcher, "strike", filters).total == search(searcher, "strike", filters=filters).total


def test_a_query_with_or_is_grouped_before_narrowing(searcher) -> None:
    period = search_timeline(searcher, "strike OR serge").periods[0]
    assert narrowed("strike OR serge", period) == f"(strike OR serge) {period.clause}"


@pytest.fixture
def client(tmp_path: Path, write_archive: Callable) -> FlaskClient:
    """The page over the dated articles only (the undated are counted above, in the core)."""
    target = tmp_path / "web-index"
    index_paths(target, [write_archive("many.jsonl", many_articles(30))])
    return create_app({"INDEX_DIR": str(target), "TESTING": True}).test_client()


def bars(page: str) -> list[tuple[str, int]]:
    """Each linked bar of the chart: (href, count from its accessible name)."""
    chart = page[page.index("<svg"):page.index("</svg>")]
    return [(html.unescape(href), int(count))
            for href, count in re.findall(r'<a href="([^"]+)" class="bar-link" aria-label="[^:"]+: (\d+)', chart)]


def hit_count(page: str) -> int:
    return int(re.search(r'class="summary"[^>]*>\s*(\d+) hits?', page).group(1))


def test_the_results_page_draws_the_chart_and_every_bar_narrows_to_its_count(client: FlaskClient) -> None:
    page = client.get("/search?q=strike").get_data(as_text=True)
    assert '<svg class="timeline-chart"' in page
    assert "<script" not in page and 'style="' not in page[page.index("<svg"):page.index("</svg>")]
    linked = bars(page)
    assert [count for _, count in linked] == [18, 18, 18, 18, 18]
    assert "Counts by year" in page  # the text alternative: a table of the same counts
    for href, count in linked:
        narrowed_page = client.get(href).get_data(as_text=True)
        assert hit_count(narrowed_page) == count, href


def test_the_undated_bar_narrows_to_the_undated_documents(index_dir: Path) -> None:
    client = create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()
    page = client.get("/search?q=strike").get_data(as_text=True)
    assert "2 with no date" in page
    undated = [(href, count) for href, count in bars(page) if "year=none" in href]
    assert undated == [("/search?q=strike&year=none", 2)]
    assert hit_count(client.get(undated[0][0]).get_data(as_text=True)) == 2


def test_month_bars_on_the_page_narrow_too(client: FlaskClient) -> None:
    page = client.get("/search?q=strike+date:2003").get_data(as_text=True)
    linked = bars(page)
    assert len(linked) == 7  # ten months, three of them empty and not linked
    for href, count in linked:
        assert hit_count(client.get(href).get_data(as_text=True)) == count


def test_the_api_returns_the_same_counts(client: FlaskClient) -> None:
    data = client.get("/api/search?q=strike").get_json()
    assert data["timeline"]["granularity"] == "year"
    facet = {entry["value"]: entry["count"] for entry in data["facets"]["year"]}
    assert {period["period"]: period["count"] for period in data["timeline"]["periods"]} == facet
    assert data["timeline"]["undated"] == 0
    assert data["timeline"]["dated"] == data["total"] == 90


def test_the_cli_prints_a_bar_chart(index_dir: Path) -> None:
    result = CliRunner().invoke(main, ["timeline", "strike date:2003", "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("18 matches by month") and "date:2003 is 1 January–31 December 2003" in lines[0]
    assert re.fullmatch(r"Oct 2003 █{50} 12", lines[-1])
    assert re.fullmatch(r"Feb 2003\s+0", lines[2])


def test_the_cli_says_what_is_wrong_with_a_bad_query(index_dir: Path) -> None:
    result = CliRunner().invoke(main, ["timeline", "auther:x", "--index", str(index_dir)])
    assert result.exit_code == 1
    assert "bad query: unknown field 'auther'" in result.output
