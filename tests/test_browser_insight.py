"""The timeline chart and the author page in a real headless Chromium, with screenshots under tests/artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.test_browser import ARTIFACTS, base_url, browser, page, summary  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_the_chart_is_drawn_and_a_bar_narrows_to_its_count(page) -> None:  # noqa: F811
    page.goto("/search?q=strike")
    chart = page.locator("svg.timeline-chart")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 40, "the chart has room to be read"
    bars = chart.locator("a.bar-link")
    expect(bars).to_have_count(5)
    bar_box = bars.nth(2).locator("rect").bounding_box()
    assert bar_box["height"] > 20, "a bar is drawn to scale, not collapsed"
    label = bars.nth(2).get_attribute("aria-label")
    count = int(re.match(r"2003: (\d+)", label).group(1))
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("figure.timeline").screenshot(path=str(ARTIFACTS / "timeline-chart.png"))
    bars.nth(2).locator("rect").click()
    expect(summary(page)).to_contain_text(f"{count} hits")
    expect(page.get_by_label("Search essays and comments")).to_have_value("strike date:2003")
    expect(page.locator(".date-echo")).to_contain_text("date:2003 means 1 January–31 December 2003")
    expect(page.locator("svg.timeline-chart a.bar-link")).not_to_have_count(0)  # now by month
    page.screenshot(path=str(ARTIFACTS / "timeline-narrowed.png"), full_page=True)


def test_the_counts_table_is_the_charts_text_alternative(page) -> None:  # noqa: F811
    page.goto("/search?q=strike")
    page.get_by_text("Counts by year").click()
    rows = page.locator(".timeline-table tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("2001")


def test_the_author_page_from_a_name_on_a_document(page) -> None:  # noqa: F811
    page.goto("/search?q=strike&author=Ada+Byron&kind=article")
    page.locator("li.group h2 a").first.click()
    page.locator("article.document .meta a", has_text="Ada Byron").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Byron")
    expect(page.locator(".author-counts")).to_contain_text("10 articles")
    replied_by = page.locator("section", has=page.get_by_role("heading", name="Most replied to by"))
    expect(replied_by.get_by_role("link", name="Reader One")).to_be_visible()
    expect(page.locator("svg.timeline-chart")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "author-page.png"), full_page=True)
    replied_by.get_by_text("The replies").first.click()
    replied_by.locator("details a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("on the general strike")


def test_trace_a_passage_pasted_on_a_document_page(page) -> None:  # noqa: F811
    page.goto("/search?q=strike&author=Ada+Byron&kind=article&sort=oldest")
    page.locator("li.group h2 a").first.click()
    page.get_by_label("Where else does this passage appear?").fill(
        "Essay number 0. The general strike is discussed by Ada Byron.")
    page.get_by_role("button", name="Trace it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Where else does this appear")
    # Every essay by Ada Byron says "the general strike is discussed by Ada Byron": eight words in a row.
    expect(page.get_by_role("status").first).to_contain_text("10 documents share this passage")
    first = page.locator(".appearance").first
    expect(first.locator(".badge")).to_have_text(["First seen", "This document"])
    expect(first).to_contain_text("Essay 0 on the general strike")
    page.screenshot(path=str(ARTIFACTS / "quotes-page.png"), full_page=True)
