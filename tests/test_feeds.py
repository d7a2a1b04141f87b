"""Subscribe: the Atom feed of a search's newest results, and the OpenSearch description."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from search.indexer import index_paths
from tests.conftest import many_articles
from web import create_app

ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


@pytest.fixture
def client(tmp_path: Path, write_archive: Callable):
    target = tmp_path / "index"
    index_paths(target, [write_archive("many.jsonl", many_articles(30))])
    return create_app({"INDEX_DIR": str(target), "TESTING": True}).test_client()


def test_the_feed_is_atom_and_holds_the_newest_hits_newest_first(client) -> None:
    response = client.get("/search.atom?q=strike")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 20
    updated = [entry.findtext(f"{ATOM}updated") for entry in entries]
    assert updated == sorted(updated, reverse=True)
    assert updated[0].startswith("2005-10-02")  # the newest matching comments
    assert feed.findtext(f"{ATOM}updated") == updated[0]
    all_dates = sorted((document["date"] for document in newest_matches(client, "strike")), reverse=True)
    assert [stamp[:10] for stamp in updated] == [stamp[:10] for stamp in all_dates[:20]]
    first_link = entries[0].find(f"{ATOM}link").get("href")
    assert first_link.startswith("http://localhost/doc/")
    assert client.get(first_link.removeprefix("http://localhost")).status_code == 200
    for entry in entries:
        assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}title")
        assert entry.find(f"{ATOM}author").findtext(f"{ATOM}name")


def newest_matches(client, query: str) -> list[dict]:
    """Every document the query matches, from the API's pages (few comments per article here: none left out)."""
    data = client.get(f"/api/search?q={query}&limit=100").get_json()
    documents = [hit for hit in data["hits"]]
    for page in range(2, data["pages"] + 1):
        documents += client.get(f"/api/search?q={query}&limit=100&page={page}").get_json()["hits"]
    return documents


def test_the_feed_keeps_the_filters(client) -> None:
    feed = ET.fromstring(client.get('/search.atom?q=strike+author:"Ada+Byron"&kind=article').data)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 10
    assert {entry.find(f"{ATOM}author").findtext(f"{ATOM}name") for entry in entries} == {"Ada Byron"}
    self_link = next(link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self")
    assert "Ada+Byron" in self_link and "kind=article" in self_link


def test_control_characters_in_a_document_do_not_break_the_feed(tmp_path: Path, write_archive: Callable) -> None:
    target = tmp_path / "control-index"
    records = [{"title": "Form\x0cfeed", "author": "Ada\x07", "date": "2011-01-01", "body": "A strike\x00 began."}]
    index_paths(target, [write_archive("control.jsonl", records)])
    client = create_app({"INDEX_DIR": str(target), "TESTING": True}).test_client()
    entry = ET.fromstring(client.get("/search.atom?q=strike").data).find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Formfeed" and entry.findtext(f"{ATOM}summary") == "A strike began."


def test_a_bad_query_or_none_gets_a_plain_message(client) -> None:
    response = client.get("/search.atom?q=auther:x")
    assert response.status_code == 400 and "unknown field 'auther'" in response.get_data(as_text=True)
    assert client.get("/search.atom").status_code == 400


def test_the_results_page_links_and_advertises_its_feed(client) -> None:
    page = client.get("/search?q=strike&author=Ada+Byron").get_data(as_text=True)
    head = page[:page.index("</head>")]
    advertised = re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]* href="([^"]+)"', head)
    assert advertised and advertised.group(1) == "/search.atom?q=strike&amp;author=Ada+Byron"
    assert 'href="/search.atom?q=strike&amp;author=Ada+Byron" type="application/atom+xml"' in page
    assert re.search(r'<link rel="search" type="application/opensearchdescription\+xml"[^>]* href="/opensearch.xml"',
                     head)


def test_the_opensearch_description_names_the_search_and_feed_urls(client) -> None:
    response = client.get("/opensearch.xml")
    assert response.mimetype == "application/opensearchdescription+xml"
    description = ET.fromstring(response.data)
    assert description.findtext(f"{OPENSEARCH}ShortName") == "Essay search"
    templates = {url.get("type"): url.get("template") for url in description.findall(f"{OPENSEARCH}Url")}
    assert templates["text/html"] == "http://localhost/search?q={searchTerms}"
    assert templates["application/atom+xml"] == "http://localhost/search.atom?q={searchTerms}"
