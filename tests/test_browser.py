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
import waitress

from search.indexer import index_paths
from tests.conftest import SEED, article, many_articles
from web import create_app
from web.server import waitress_options

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seed, 30 test articles, a long debate and an undated essay, on waitress as `essays serve` runs it."""
    folder = tmp_path_factory.mktemp("browser-archive")
    shutil.copy(SEED, folder / SEED.name)
    for name, records in (("many.jsonl", many_articles(30)), ("kronstadt.jsonl", kronstadt_articles())):
        (folder / name).write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    index_dir = folder.parent / "browser-index"
    index_paths(index_dir, [folder])
    app = create_app({"INDEX_DIR": str(index_dir), "QUERY_LIMITS": {"seconds": 60.0}})  # exact counts, even when busy
    options = waitress_options(app, "127.0.0.1", 0)
    server = waitress.create_server(app, **options)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


KRONSTADT_MATCHES = (3, 40, 41, 77, 120, 121, 122, 123, 124, 125, 126, 199)


def kronstadt_articles() -> list[dict]:
    """A debate with 200 comments, twelve of them on Kronstadt, and an undated essay on Kronstadt."""
    comments = [{"author": f"Reader {n}", "date": "2011-05-02",
                 "body": f"Comment {n} on the sailors at Kronstadt." if n in KRONSTADT_MATCHES
                 else f"Comment {n}: I agree with the motion, and here is why, at some length. " * 3}
                for n in range(200)]
    return [article("A long debate on the revolution", "Ada", "2011-05-01", "The motion: the revolution was betrayed.",
                    comments),
            article("The sailors' rising", "Rosa", "", "An undated essay on Kronstadt and its sailors.")]


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
    expect(summary(page)).to_contain_text("90 hits in 30 articles, page 1 of 3")
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
    expect(summary(page)).to_contain_text("page 2 of 3")
    expect(pages.locator("[aria-current=page]")).to_have_text("2")
    pages.get_by_role("link", name="Page 3").click()
    expect(summary(page)).to_contain_text("page 3 of 3")
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


def test_pages_break_no_content_security_policy(page) -> None:
    """The strict policy (no inline script or style) costs the pages nothing: no violations, indentation intact."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    for url in ("/", "/search?q=strike", "/search?q=auther:x", "/help", "/doc/no-such-id"):
        response = page.goto(url)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.goto("/search?q=germs")
    page.get_by_role("link", name="The real Serge").first.click()
    comments = page.locator(".thread li.comment")
    assert comments.nth(1).bounding_box()["x"] > comments.nth(0).bounding_box()["x"], "replies indented by class"
    assert not [problem for problem in problems if "Content Security Policy" in problem], problems


def test_a_long_thread_lists_its_matching_comments_at_the_top(page) -> None:
    page.goto("/search?q=kronstadt")
    group = page.locator("li.group", has_text="A long debate on the revolution")
    expect(group).to_contain_text("The article itself does not match; 12 of its comments match.")
    expect(group.locator("details.more-comments summary")).to_have_text("9 more matching comments")
    group.get_by_role("heading", level=2).get_by_role("link").click()

    matches = page.get_by_role("navigation", name="12 matching comments")
    expect(matches).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollHeight") > 5 * 900, "a long page"
    listed = matches.get_by_role("link", name=re.compile(r"^Reader \d+"))
    expect(listed).to_have_count(10)
    matches.locator("summary").click()
    expect(listed).to_have_count(12)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "document-matches-top.png"))
    listed.nth(3).click()  # Reader 77, far down the thread
    target = page.locator(".thread li.comment", has_text="Comment 77 on the sailors")
    expect(target).to_be_in_viewport()
    assert page.url.endswith("#" + target.get_attribute("id"))
    expect(target.locator("mark")).to_have_text(re.compile("Kronstadt", re.IGNORECASE))
    page.screenshot(path=str(ARTIFACTS / "document-matching-comments.png"))

    comment_id = target.get_attribute("id")
    target.get_by_role("link", name="Permanent link to this comment").click()
    expect(page).to_have_url(re.compile(rf"/doc/{re.escape(comment_id)}#{re.escape(comment_id)}$"))
    permalinked = page.locator(f'li.comment.target[id="{comment_id}"]')
    expect(permalinked).to_be_in_viewport()
    page.screenshot(path=str(ARTIFACTS / "document-permalink.png"))


def test_the_no_date_facet_is_clickable(page) -> None:
    page.goto("/search?q=kronstadt")
    years = page.locator(".facet", has=page.get_by_role("heading", name="Years"))
    years.get_by_role("link", name=re.compile("no date")).click()
    expect(summary(page)).to_contain_text("1 hit")
    expect(page.get_by_role("link", name=re.compile("year: no date"))).to_be_visible()
    expect(page.locator("li.group .meta").first).to_contain_text("no date")
    expect(page.locator("li.group h2")).to_have_text("The sailors' rising")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "results-no-date.png"), full_page=True)
