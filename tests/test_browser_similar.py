"""The passage-search page in a real headless Chromium: styled like the search page, usable at phone width."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import waitress

from search.indexer import index_paths
from tests.test_browser import ARTIFACTS, browser  # noqa: F401  (the shared Chromium fixture)
from web import create_app
from web.server import waitress_options

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

FENCE = Path(__file__).resolve().parent / "fixtures" / "review" / "fence.jsonl"
PASSAGE = ("A border fence harms the wildlife of the desert and cuts animals off from water, "
           "while migrants simply cross elsewhere.")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real debate (the Mexico-US border fence, with its points and counterpoints) on waitress."""
    folder = tmp_path_factory.mktemp("similar-archive")
    shutil.copy(FENCE, folder / FENCE.name)
    index_dir = folder.parent / "similar-index"
    index_paths(index_dir, [folder])
    app = create_app({"INDEX_DIR": str(index_dir), "QUERY_LIMITS": {"seconds": 60.0}})
    server = waitress.create_server(app, **waitress_options(app, "127.0.0.1", 0))
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


@pytest.mark.parametrize(("name", "width"), [("page", 1280), ("phone", 390)])
def test_paste_a_passage_and_see_styled_hits(browser, base_url: str, name: str, width: int) -> None:  # noqa: F811
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900})
    tab = context.new_page()
    tab.goto("/similar")
    tab.get_by_label("Paste a passage").fill(PASSAGE)
    tab.get_by_role("button", name="Find similar").click()
    expect(tab.get_by_role("status").filter(has_text="most like this passage")).to_be_visible()
    hits = tab.locator("li.similar-hit")
    assert hits.count() >= 2
    expect(hits.first.locator(".shared mark").first).to_be_visible()
    # The stylesheet reaches the page's own classes: a plain list of hits, borderless facet boxes, a full-width box.
    assert tab.locator("ol.similar").evaluate("list => getComputedStyle(list).listStyleType") == "none"
    assert tab.locator("fieldset.facet").first.evaluate("box => getComputedStyle(box).borderTopWidth") == "0px"
    box = tab.get_by_label("Paste a passage").bounding_box()
    assert box["width"] > min(width, 800) * 0.6, "the passage box spans the column"
    assert tab.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"similar-{name}.png"), full_page=True)
    context.close()
