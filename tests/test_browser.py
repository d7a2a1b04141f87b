"""The search page in a real headless Chromium, served over HTTP as a reader would reach it."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.indexer import index_paths
from tests.conftest import SEED, many_articles
from web import create_app

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over the seed and 30 test articles, served on a free local port in a background thread."""
    from werkzeug.serving import make_server

    folder = tmp_path_factory.mktemp("browser-archive")
    shutil.copy(SEED, folder / SEED.name)
    lines = "".join(json.dumps(record) + "\n" for record in many_articles(30))
    (folder / "many.jsonl").write_text(lines, encoding="utf-8")
    index_dir = folder.parent / "browser-index"
    index_paths(index_dir, [folder])
    server = make_server("127.0.0.1", 0, create_app({"INDEX_DIR": str(index_dir)}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = shutil.which("chromium")
    if executable is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, base_url: str) -> Iterator[object]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


def summary(page) -> object:
    return page.get_by_role("status").filter(has_text=re.compile(r"\d+ hits?"))


def test_type_a_query_and_see_marked_hits(page) -> None:
    page.goto("/")
    page.get_by_label("Search essays and comments").fill("strike")
    page.get_by_label("Search essays and comments").press("Enter")
    expect(summary(page)).to_contain_text("90 hits, page 1 of 9")
    expect(page.get_by_label("Search essays and comments")).to_have_value("strike")
    expect(page.locator(".snippet mark").first).to_have_text(re.compile("strike", re.IGNORECASE))
    assert page.locator("li.group").count() >= 3


def test_a_facet_narrows_and_its_chip_undoes_it(page) -> None:
    page.goto("/search?q=strike")
    page.locator(".facet a", has_text="Ada Byron").click()
    expect(summary(page)).to_contain_text("10 hits")
    chip = page.get_by_role("link", name=re.compile("author: Ada Byron"))
    expect(chip).to_be_visible()
    chip.click()
    expect(summary(page)).to_contain_text("90 hits")


def test_page_through_results(page) -> None:
    page.goto("/search?q=strike&sort=oldest")
    pages = page.get_by_role("navigation", name="Pages")
    pages.get_by_role("link", name="Next").click()
    expect(summary(page)).to_contain_text("page 2 of 9")
    expect(pages.locator("[aria-current=page]")).to_have_text("2")
    pages.get_by_role("link", name="Page 9").click()
    expect(summary(page)).to_contain_text("page 9 of 9")
    expect(pages.get_by_role("link", name="Next")).to_have_count(0)


def test_open_a_document_and_read_its_thread(page) -> None:
    page.goto("/search?q=germs")
    page.get_by_role("link", name="The real Serge").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The real Serge")
    expect(page.get_by_role("heading", name="4 comments")).to_be_visible()
    # Stemmed: "germs" also marks "germ".
    expect(page.locator(".body mark").first).to_have_text(re.compile(r"^germs?$", re.IGNORECASE))
    comments = page.locator(".thread li.comment")
    top, reply = comments.nth(0).bounding_box(), comments.nth(1).bounding_box()
    assert reply["x"] > top["x"], "a reply is indented under what it answers"
    page.get_by_role("link", name="Back to the results").click()
    expect(page.get_by_label("Search essays and comments")).to_have_value("germs")


@pytest.mark.parametrize(("name", "width"), [("desktop", 1280), ("phone", 390)])
def test_screenshots_of_the_results_page(browser, base_url: str, name: str, width: int) -> None:
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900})
    tab = context.new_page()
    tab.goto("/search?q=strike&year=2003")
    expect(summary(tab)).to_be_visible()
    assert tab.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"results-{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    context.close()
    print(f"screenshot: {path}")
