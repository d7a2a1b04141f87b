"""The browser door through Flask's test client: every route, as a reader would use it."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from search.indexer import index_paths
from search.store import open_index
from tests.conftest import article, many_articles
from web import create_app

SEED_ARTICLE = "the-real-serge-cf814c56"


# The default time limit (half a second) can cut a search short on a busy test machine; counts here must be exact.
UNHURRIED = {"seconds": 60.0}


def client_for(index_dir: Path) -> FlaskClient:
    return create_app({"INDEX_DIR": str(index_dir), "TESTING": True, "QUERY_LIMITS": UNHURRIED}).test_client()


@pytest.fixture
def seed(seed_index: Path) -> FlaskClient:
    return client_for(seed_index)


@pytest.fixture
def many(tmp_path: Path, write_archive: Callable) -> FlaskClient:
    """30 articles on the general strike by three authors over five years, two comments each."""
    index_dir = tmp_path / "many-index"
    index_paths(index_dir, [write_archive("many.jsonl", many_articles(30))])
    return client_for(index_dir)


def page_text(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def hit_count(page: str) -> int:
    match = re.search(r'class="summary"[^>]*>\s*(\d+) hits?', page)
    assert match, "no hit count on the page"
    return int(match.group(1))


def link(page: str, text_pattern: str) -> str:
    """The href of the first link whose text matches, unescaped as the browser would follow it."""
    match = re.search(rf'<a [^>]*href="([^"]+)"[^>]*>\s*(?:<span[^>]*>)?{text_pattern}', page)
    assert match, f"no link matching {text_pattern!r}"
    return html.unescape(match.group(1))


def doc_ids(page: str) -> list[str]:
    return re.findall(r'href="/doc/([^"?#]+)', page)


def test_search_page_keeps_the_query_and_marks_matched_words(seed: FlaskClient) -> None:
    page = page_text(seed, "/search?q=stalinism")
    assert 'value="stalinism"' in page
    assert hit_count(page) == 1
    assert "<mark>Stalinism</mark>" in page
    assert f'href="/doc/{SEED_ARTICLE}?q=stalinism"' in page
    assert "Paul Hampton" in page and 'datetime="2011-10-19T10:25:00"' in page


def test_the_home_page_is_the_search_page(seed: FlaskClient) -> None:
    page = page_text(seed, "/")
    assert '<label for="q">' in page and 'id="q"' in page
    assert "hits" not in page


def test_text_from_documents_is_escaped(tmp_path: Path, write_archive: Callable) -> None:
    path = write_archive("evil.jsonl", [article("The <b>bold</b> strike", "Mallory", "2012-01-02",
                                                "A strike <script>alert('x')</script> & more.")])
    index_paths(tmp_path / "evil-index", [path])
    client = client_for(tmp_path / "evil-index")
    page = page_text(client, "/search?q=strike")
    assert "<script>" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in page
    assert "The &lt;b&gt;bold&lt;/b&gt; <mark>strike</mark>" in page
    assert "&lt;<mark>script</mark>&gt;alert" in page_text(client, "/search?q=script")
    doc_page = page_text(client, "/doc/" + doc_ids(page)[0] + "?q=strike")
    assert "<script>" not in doc_page and "&lt;script&gt;" in doc_page


def test_comments_show_the_article_they_belong_to(seed: FlaskClient) -> None:
    page = page_text(seed, "/search?q=rabinowitch")
    assert hit_count(page) == 2
    assert "The article itself does not match; 2 of its comments match." in " ".join(page.split())
    assert f'<h2><a href="/doc/{SEED_ARTICLE}?q=rabinowitch">The real Serge</a></h2>' in page
    assert re.search(r'<span class="kind">reply</span>\s*<a href="[^"]+">by PaulHampton</a>', page)
    assert re.search(r'<span class="kind">comment</span>\s*<a href="[^"]+">by guenter</a>', page)


def test_clicking_a_facet_narrows_and_its_chip_undoes_it(many: FlaskClient) -> None:
    page = page_text(many, "/search?q=strike")
    assert hit_count(page) == 90  # each article, its reply on the strike, and both comments by the title
    assert re.search(r'<span class="value">Ada Byron</span>\s*<span class="count">10</span>', page)
    narrowed_url = link(page, r'<span class="value">Ada Byron')
    assert "author=Ada+Byron" in narrowed_url
    narrowed = page_text(many, narrowed_url)
    assert hit_count(narrowed) == 10
    assert 'class="chip"' in narrowed and "author: Ada Byron" in narrowed
    assert '<input type="hidden" name="author" value="Ada Byron">' in narrowed

    by_year = page_text(many, link(narrowed, r'<span class="value">2001'))
    assert hit_count(by_year) == 2  # Ada's essays 0 and 15 are from 2001
    assert "author: Ada Byron" in by_year and "year: 2001" in by_year

    without_author = page_text(many, link(by_year, r"author: Ada Byron"))
    assert "author: Ada Byron" not in without_author and "year: 2001" in without_author
    assert hit_count(without_author) == 18
    assert hit_count(page_text(many, link(without_author, r"year: 2001"))) == 90


def test_kind_facet_and_an_active_facet_link_removes_it(many: FlaskClient) -> None:
    page = page_text(many, "/search?q=strike&kind=article")
    assert hit_count(page) == 30
    assert re.search(r'class="active" aria-current="true">\s*<span class="value">articles', page)
    assert hit_count(page_text(many, link(page, r'<span class="value">articles'))) == 90


def test_matching_comments_are_grouped_under_their_article(tmp_path: Path, write_archive: Callable) -> None:
    comments = [{"author": f"Reader {n}", "date": f"2010-05-0{n + 1}", "body": f"Strike comment {n}."}
                for n in range(5)]
    path = write_archive("thread.jsonl", [article("On the strike", "Ada", "2010-05-01", "The strike began.",
                                                  comments)])
    index_paths(tmp_path / "thread-index", [path])
    page = page_text(client_for(tmp_path / "thread-index"), "/search?q=strike")
    assert hit_count(page) == 6
    assert page.count('<li class="group">') == 1
    shown, hidden = page.split('<details class="more-comments">')
    assert shown.count('class="hit comment"') == 3
    assert "2 more matching comments" in hidden and hidden.count('class="hit comment"') == 2


def group_ids(page: str) -> list[str]:
    """The article of each group on a results page, in order."""
    return re.findall(r'<li class="group">\s*<h2><a href="/doc/([^"?#]+)', page)


def test_pages_through_results_by_article(many: FlaskClient) -> None:
    first = page_text(many, "/search?q=strike")
    assert "90 hits in 30 articles, page 1 of 3" in " ".join(first.split())
    assert re.search(r'aria-label="Page 1" aria-current="page"', first)
    assert "Previous" not in first
    second = page_text(many, link(first, "Next"))
    assert "page 2 of 3" in second and re.search(r'aria-label="Page 2" aria-current="page"', second)
    last = page_text(many, "/search?q=strike&page=3")
    assert "page 3 of 3" in last and "Next" not in last and "Previous" in last
    pages = [group_ids(first), group_ids(second), group_ids(last)]
    assert [len(ids) for ids in pages] == [10, 10, 10]
    assert len({article for ids in pages for article in ids}) == 30, "no article on two pages"


def test_sort_newest_and_oldest(many: FlaskClient) -> None:
    def article_dates(url: str) -> list[str]:
        return re.findall(r'<time datetime="([^"]+)"', page_text(many, url))

    newest = article_dates("/search?q=strike&kind=article&sort=newest")
    oldest = article_dates("/search?q=strike&kind=article&sort=oldest")
    assert len(newest) == 10
    assert newest == sorted(newest, reverse=True) and oldest == sorted(oldest)
    assert newest[0].startswith("2005") and oldest[0].startswith("2001")
    page = page_text(many, "/search?q=strike&sort=oldest&page=2")
    assert re.search(r'href="/search\?q=strike&amp;sort=oldest" aria-current="true">oldest', page)
    assert '<input type="hidden" name="sort" value="oldest">' in page


def test_document_page_shows_the_thread_with_highlights(seed: FlaskClient) -> None:
    page = page_text(seed, f"/doc/{SEED_ARTICLE}?q=germs")
    assert "<h1>The real Serge</h1>" in page
    assert page.count("<mark>germs</mark>") >= 2  # in the article and in a reply, beyond any snippet window
    assert 'href="/search?q=germs"' in page and "Back to the results" in page
    depths = re.findall(r'class="comment[^"]*"\s+id="[^"]+" data-depth="(\d)"', page)
    assert depths == ["0", "1", "0", "1"]
    assert page.count("in reply to guenter") == 2
    assert re.search(r'class="comment indent-\d matched"', page)


def test_document_page_for_a_comment_shows_its_thread(seed: FlaskClient) -> None:
    search_page = page_text(seed, "/search?q=rabinowitch&sort=newest")
    comment_url = link(search_page, "by PaulHampton")
    assert comment_url.startswith(f"/doc/{SEED_ARTICLE}.c") and "sort=newest" in comment_url
    comment_id = comment_url.split("?")[0].removeprefix("/doc/")
    assert comment_url.endswith("#" + comment_id)
    page = page_text(seed, comment_url)
    assert re.search(rf'class="comment indent-\d target matched"\s+id="{re.escape(comment_id)}"', page)
    assert 'href="/search?q=rabinowitch&amp;sort=newest"' in page
    assert "<mark>Rabinowitch</mark>" in page


def test_document_page_without_a_query_has_no_marks(seed: FlaskClient) -> None:
    page = page_text(seed, f"/doc/{SEED_ARTICLE}")
    article_and_thread = page[page.index('<article class="document'):page.index("</article>")] + \
        page[page.index('<section class="thread"'):]
    assert "<mark>" not in article_and_thread and "Back to the results" not in page
    assert re.search(r"<p[^>]*>Serge is undoubtedly part of our tradition.", page)


def test_did_you_mean(seed: FlaskClient) -> None:
    page = page_text(seed, "/search?q=stalinsm")
    assert "No hits for <strong>stalinsm</strong>" in page
    assert 'Did you mean <a href="/search?q=stalinism" rel="nofollow">stalinism</a>' in page


def test_help_page_explains_the_syntax(seed: FlaskClient) -> None:
    page = html.unescape(page_text(seed, "/help"))
    for example in ('"river of blood"', '"germs stalinism"~5', "lenin OR trotsky", "serge NOT kronstadt",
                    "serge -kronstadt", "bolshev*", "stalinsm~1", "author:hampton", "title:serge", "kind:article",
                    "date:2011-10", "date:[2011-10-20 to 2011-10-22]", "date:>2011-10-21", "tag:"):
        assert f"<code>{example}" in page


def test_every_help_example_runs(seed: FlaskClient) -> None:
    for url in re.findall(r'href="(/search\?q=[^"]+)"', page_text(seed, "/help")):
        page_text(seed, html.unescape(url))


def test_api_gives_the_same_hits_as_the_page(many: FlaskClient) -> None:
    url = "?q=strike&author=Reader+One&sort=newest&page=2"
    page = page_text(many, "/search" + url)
    data = many.get("/api/search" + url).get_json()
    assert data["total"] == hit_count(page) == 30
    assert data["page"] == 2 and data["pages"] == 3 and data["sort"] == "newest"
    assert data["filters"] == {"author": ["Reader One"], "year": [], "kind": []}
    api_ids = [hit["id"] for hit in data["hits"]]
    assert len(api_ids) == 10
    # The page links each hit, and heads each group with its article.
    assert set(doc_ids(page)) == set(api_ids) | {hit["article_id"] for hit in data["hits"]}
    assert {hit["author"] for hit in data["hits"]} == {"Reader One"}
    assert data["hits"][0]["highlights"]["snippet"]["matches"]
    assert data["facets"]["author"] == [{"value": "Reader One", "count": 30, "label": "Reader One"}]


def test_api_document(seed: FlaskClient) -> None:
    data = seed.get(f"/api/doc/{SEED_ARTICLE}?q=germs").get_json()
    assert data["article"]["id"] == SEED_ARTICLE and data["article"]["body"].startswith("Martyn Hudson")
    assert [comment["depth"] for comment in data["comments"]] == [0, 1, 0, 1]
    assert "germs" in data["article"]["highlights"]["body"]["matches"]
    assert "highlights" not in seed.get(f"/api/doc/{SEED_ARTICLE}").get_json()["article"]


@pytest.mark.parametrize(("query", "message", "position"), [
    ("auther:x", "unknown field 'auther' (did you mean author?)", 0),
    ('"unclosed', "a quotation mark is not closed", 0),
])
def test_a_bad_query_is_explained(seed: FlaskClient, query: str, message: str, position: int) -> None:
    page = page_text(seed, f"/search?q={query}", status=400)
    assert message[0].upper() + message[1:] in html.unescape(page)
    assert 'role="alert"' in page and 'aria-invalid="true"' in page
    assert f'value="{query}"' in html.unescape(page)
    response = seed.get(f"/api/search?q={query}")
    assert response.status_code == 400
    assert response.get_json() == {"error": message, "position": position}


def test_a_query_starting_with_an_angle_bracket_is_not_a_server_error(seed: FlaskClient) -> None:
    assert seed.get("/search?q=%3Cscript%3E").status_code in (200, 400)


def test_an_empty_api_query_is_an_error(seed: FlaskClient) -> None:
    response = seed.get("/api/search")
    assert response.status_code == 400 and response.get_json()["error"] == "the query is empty"


@pytest.mark.parametrize(("params", "message"), [
    ("page=0", "page must be a whole number from 1 to 1,000, not '0'"),
    ("page=two", "page must be a whole number from 1 to 1,000, not 'two'"),
    ("page=²", "page must be a whole number from 1 to 1,000, not '²'"),
    ("page=1001", "page must be a whole number from 1 to 1,000, not '1001'"),
    ("limit=0", "limit must be a whole number from 1 to 100, not '0'"),
    ("sort=best", "sort must be relevance, newest, oldest, not 'best'"),
    ("year=20x1", "year must be a year such as 2011 (or 'none' for no date), not '20x1'"),
    ("year=99999999999", "year must be a year such as 2011 (or 'none' for no date), not '99999999999'"),
    ("year=²⁰¹¹", "year must be a year such as 2011 (or 'none' for no date), not '²⁰¹¹'"),
    ("kind=essay", "kind must be article or comment, not 'essay'"),
    ("author=x&" * 21, "at most 20 'author' values at once, not 21"),
])
def test_bad_parameters_are_explained(seed: FlaskClient, params: str, message: str) -> None:
    page = page_text(seed, f"/search?q=serge&{params}", status=400)
    assert message[0].upper() + message[1:] in html.unescape(page) and 'value="serge"' in page
    response = seed.get(f"/api/search?q=serge&{params}")
    assert response.status_code == 400 and response.get_json() == {"error": message, "position": None}


def test_an_unknown_id_is_not_found(seed: FlaskClient) -> None:
    page = page_text(seed, "/doc/no-such-essay", status=404)
    assert "No article or comment has the id &#39;no-such-essay&#39;." in page
    response = seed.get("/api/doc/no-such-essay")
    assert response.status_code == 404 and "no-such-essay" in response.get_json()["error"]
    assert "Not found" in page_text(seed, "/no/such/page", status=404)


def test_a_missing_index_says_how_to_build_one(tmp_path: Path) -> None:
    client = client_for(tmp_path / "nowhere")
    for url in ("/", "/search?q=serge", "/doc/anything"):
        page = page_text(client, url, status=503)
        assert "no index at" in page and "essays index" in page
    response = client.get("/api/search?q=serge")
    assert response.status_code == 503 and "essays index" in response.get_json()["error"]
    assert "How to write a query" in page_text(client, "/help")


def test_an_empty_index_says_so(tmp_path: Path) -> None:
    open_index(tmp_path / "empty", create=True)
    page = page_text(client_for(tmp_path / "empty"), "/search?q=serge", status=503)
    assert "is empty" in page and "essays index" in page


def test_the_index_location_can_come_from_the_environment(seed_index: Path, monkeypatch) -> None:
    monkeypatch.setenv("ESSAYS_INDEX", str(seed_index))
    assert hit_count(page_text(create_app({"QUERY_LIMITS": UNHURRIED}).test_client(), "/search?q=stalinism")) == 1


def test_new_documents_are_seen_without_a_new_app(tmp_path: Path, write_archive: Callable) -> None:
    index_dir = tmp_path / "growing"
    index_paths(index_dir, [write_archive("first.jsonl", many_articles(3))])
    client = client_for(index_dir)
    assert hit_count(page_text(client, "/search?q=strike&kind=article")) == 3
    index_paths(index_dir, [write_archive("second.jsonl", many_articles(5, authors=("New Author",),
                                                                         first_year=2020))])
    page = page_text(client, "/search?q=strike&kind=article")
    assert hit_count(page) == 8 and "New Author" in page


def long_thread(comment_count: int, matching: set[int]) -> dict:
    """An article with many comments, the given ones mentioning Kronstadt."""
    comments = [{"author": f"Reader {n}", "date": "2011-05-02",
                 "body": f"Comment {n} on the sailors at Kronstadt." if n in matching else f"Comment {n}: I agree."}
                for n in range(comment_count)]
    return article("A long debate", "Ada", "2011-05-01", "The article itself is about the strike.", comments)


def test_the_matching_comments_are_listed_at_the_top_of_a_long_thread(tmp_path: Path,
                                                                     write_archive: Callable) -> None:
    matching = {3, 40, 41, 77, 120, 121, 122, 123, 124, 125, 126, 199}
    index_paths(tmp_path / "long-index", [write_archive("long.jsonl", [long_thread(200, matching)])])
    client = client_for(tmp_path / "long-index")
    article_id = doc_ids(page_text(client, "/search?q=strike"))[0]
    page = page_text(client, f"/doc/{article_id}?q=kronstadt")
    top, thread = page.split('<section class="thread"')
    assert '<h2 id="matches-heading">12 matching comments</h2>' in top
    listed = re.findall(r'<li><a href="#([^"]+)">Reader (\d+) ·', top)
    assert [int(number) for _, number in listed] == sorted(matching), "in thread order"
    assert "2 more" in top.split("<details>")[1], "ten shown, the rest behind a disclosure"
    assert top.count("<mark>Kronstadt</mark>") == 12
    for comment_id, _ in listed:
        assert f'id="{comment_id}"' in thread, "each links to its place in the thread"
    permalinks = re.findall(r'class="permalink" href="/doc/([^"#]+)#([^"]+)"', thread)
    assert len(permalinks) == 200 and all(doc == anchor for doc, anchor in permalinks)
    comment_page = page_text(client, f"/doc/{permalinks[77][0]}")
    assert re.search(rf'class="comment indent-0 target"\s+id="{re.escape(permalinks[77][0])}"', comment_page)
    assert "matching comment" not in page_text(client, f"/doc/{article_id}"), "no list without a query"
    assert "matching comment" not in page_text(client, f"/doc/{article_id}?q=strike"), "only the article matches"


def test_an_article_whose_title_matches_says_so_and_is_on_one_page_only(tmp_path: Path,
                                                                        write_archive: Callable) -> None:
    debate = article("The death penalty", "Ada", "2010-01-01", "Executions are wrong, says the motion.",
                     [{"author": f"Reader {n}", "date": "2010-01-02", "body": f"On the death penalty, point {n}."}
                      for n in range(25)])
    others = [article(f"Essay {n}", "Rosa", "2009-01-01", "The death penalty again.") for n in range(15)]
    index_paths(tmp_path / "death-index", [write_archive("death.jsonl", [debate, *others])])
    client = client_for(tmp_path / "death-index")
    pages = [page_text(client, f'/search?q="death penalty"&page={number}') for number in (1, 2)]
    groups = [group for page in pages for group in page.split('<li class="group">')[1:]]
    debate_groups = [group for group in groups if "<mark>death</mark> <mark>penalty</mark></a></h2>" in group]
    assert len(debate_groups) == 1, "the debate is on one page only"
    assert "matches in the title" in debate_groups[0]
    assert "does not match" not in debate_groups[0]
    assert "All 25" in " ".join(debate_groups[0].split()), "a link to every matching comment"
    assert all("matches in the text" in group for group in groups if group not in debate_groups)


def test_undated_documents_say_no_date_and_have_a_clickable_facet(tmp_path: Path, write_archive: Callable) -> None:
    records = [article("A dated strike", "Ada", "2011-05-01", "The strike began."),
               article("An undated strike", "Rosa", "", "The strike went on.")]
    index_paths(tmp_path / "undated-index", [write_archive("undated.jsonl", records)])
    client = client_for(tmp_path / "undated-index")
    page = page_text(client, "/search?q=strike")
    assert re.search(r'<span class="value">no date</span>\s*<span class="count">1</span>', page)
    assert "2147483647" not in page
    narrowed_url = link(page, r'<span class="value">no date')
    assert "year=none" in narrowed_url
    narrowed = page_text(client, narrowed_url)
    assert hit_count(narrowed) == 1 and "An undated <mark>" in narrowed and "A dated <mark>" not in narrowed
    assert '<span class="muted">no date</span>' in narrowed
    assert "year: no date" in narrowed and '<input type="hidden" name="year" value="none">' in narrowed
    assert hit_count(page_text(client, link(narrowed, "year: no date"))) == 2
    assert client.get("/api/search?q=strike&year=none").get_json()["total"] == 1


def test_a_search_cut_short_by_the_time_limit_says_the_results_are_partial(seed_index: Path) -> None:
    client = create_app({"INDEX_DIR": str(seed_index), "TESTING": True, "QUERY_LIMITS": {"seconds": 0}}).test_client()
    page = page_text(client, "/search?q=serge")
    assert 'class="notice partial" role="status">These results are partial' in page
    assert client.get("/api/search?q=serge").get_json()["partial"] is True
    assert "results are partial" not in page_text(client_for(seed_index), "/search?q=serge")


def test_a_facet_with_hundreds_of_values_lists_the_commonest(tmp_path: Path, write_archive: Callable) -> None:
    authors = tuple(f"Author {number:02d}" for number in range(60))
    index_paths(tmp_path / "authors-index", [write_archive("authors.jsonl", many_articles(60, authors=authors))])
    page = page_text(client_for(tmp_path / "authors-index"), "/search?q=strike&kind=article")
    authors_facet = page.split('id="facet-author"')[1].split("</section>")[0]
    assert authors_facet.count('<span class="value">Author') == 50
    assert "52 more</summary>" in authors_facet and "and 10 more with fewer matches" in " ".join(authors_facet.split())
