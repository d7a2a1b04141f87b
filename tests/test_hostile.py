"""What an outsider's hostile test does, through every door: odd bytes and characters in archives and in
arguments, queries made of syntax, names with no letters, a pipe named as an archive, and every link of the
pages followed. Each answer is a clear message (a 400 with JSON under /api, a page, a CLI line with exit 1 or 2),
never a 500, a traceback or a wait.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from search.cli import main
from search.indexer import index_paths
from tests.conftest import ROOT, SEED
from web import create_app

SEED_ARTICLE = "the-real-serge-cf814c56"
# A record as some scraped exports write it: a lone surrogate escape (half an emoji) and a NUL escape.
HALF_CHARACTER_LINE = ('{"title": "Broken \\ud83d emoji", "author": "Zed", "date": "2012-03-04", '
                       '"body": "The picket line \\u0000held \\ud800 firm.", "tags": ["odd\\udfff"]}\n')


@pytest.fixture(scope="module")
def odd_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed, a record with half characters and a NUL, and an untitled record opening with a huge word."""
    folder = tmp_path_factory.mktemp("odd-archive")
    (folder / SEED.name).write_bytes(SEED.read_bytes())
    (folder / "odd.jsonl").write_text(HALF_CHARACTER_LINE, encoding="utf-8")
    blob = {"author": "Blob", "date": "2012-05-06", "body": "x" * 100_000 + " then the blob ends here."}
    (folder / "blob.jsonl").write_text(json.dumps(blob) + "\n", encoding="utf-8")
    index_dir = folder.parent / "odd-index"
    index_paths(index_dir, [folder])
    return index_dir


@pytest.fixture(scope="module")
def client(odd_index: Path) -> FlaskClient:
    return create_app({"INDEX_DIR": str(odd_index), "TESTING": True}).test_client()


def invoke(index_dir: Path, *args: str, stdin: bytes | str | None = None):
    return CliRunner().invoke(main, [args[0], "--index", str(index_dir), *args[1:]], input=stdin)


def odd_id(client: FlaskClient) -> str:
    return client.get("/api/search?q=picket").get_json()["hits"][0]["id"]


# --- odd characters stored in an archive ---------------------------------------------------------------------

def test_half_characters_and_nuls_in_a_json_record_are_replaced_and_reported(tmp_path: Path) -> None:
    (tmp_path / "odd.jsonl").write_text(HALF_CHARACTER_LINE, encoding="utf-8")
    result = invoke(tmp_path / "index", "index", str(tmp_path / "odd.jsonl"), "--verbose")
    assert result.exit_code == 0, result.output
    assert re.search(r"\[encoding\] \S*odd\.jsonl:1: a NUL or half a character", result.output)
    shown = json.loads(invoke(tmp_path / "index", "search", "picket", "--json").output)["hits"][0]
    assert shown["title"] == "Broken \ufffd emoji" and shown["tags"] == ["odd\ufffd"]
    assert "The picket line held \ufffd firm." in shown["highlights"]["snippet"]["text"]


def test_binary_files_utf16_without_its_mark_and_nuls_in_text(tmp_path: Path) -> None:
    """A program or an image under an archive's name fails with that reason; UTF-16 saved without its byte-order
    mark is read as UTF-16 (it is valid UTF-8, a NUL after every letter); stray NULs are dropped and reported."""
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "program.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "unmarked.md").write_bytes("---\ntitle: Unmarked\n---\nThe strike went on.\n".encode("utf-16-le"))
    (folder / "stray.md").write_bytes(b"---\ntitle: Stray\n---\nThe\x00 strike\x00 held.\n")
    result = invoke(tmp_path / "index", "index", str(folder), "--verbose")
    assert result.exit_code == 1
    assert re.search(r"failed: \[unsupported\] \S*program\.txt: binary data \(control bytes throughout\)",
                     result.output)
    assert re.search(r"\[encoding\] \S*unmarked\.md:1: UTF-16 without a byte-order mark; decoded as utf-16-le",
                     result.output)
    assert re.search(r"\[encoding\] \S*stray\.md:4: 2 NUL characters in the text; dropped", result.output)
    found = json.loads(invoke(tmp_path / "index", "search", "strike", "--json").output)["hits"]
    assert sorted(hit["title"] for hit in found) == ["Stray", "Unmarked"]
    assert all("\x00" not in hit["highlights"]["snippet"]["text"] for hit in found)


def test_utf16_with_its_mark_is_read_without_a_warning_so_strict_accepts_it(tmp_path: Path) -> None:
    """Excel's "Unicode text" and Notepad's "Unicode" save UTF-16 with a byte-order mark: nothing is wrong with it."""
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "sheet.csv").write_bytes("title,author,date,body\nMarked,Ann Bee,2012-03-04,The café strike.\n"
                                       .encode("utf-16"))
    result = invoke(tmp_path / "index", "index", str(folder), "--strict")
    assert result.exit_code == 0, result.output
    found = json.loads(invoke(tmp_path / "index", "search", "café", "--json").output)["hits"]
    assert [hit["title"] for hit in found] == ["Marked"]


def test_static_site_posts_hugo_toml_jekyll_dates_and_drafts(tmp_path: Path) -> None:
    """Hugo's "+++" TOML header is front matter, not text; a Jekyll post is dated by its file name; drafts are
    left out and counted, as WordPress drafts are; a TOML error names its line in the file."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "strike.md").write_text('+++\ntitle = "On the general strike"\ndate = 2019-05-01T10:00:00+02:00\n'
                                      'author = "Rosa"\ntags = ["strike"]\n+++\n\nThe general strike is a weapon.\n')
    (folder / "2011-10-21-picket.md").write_text("---\nlayout: post\ntitle: The picket\n---\nThe strike held.\n")
    (folder / "draft.md").write_text("---\ntitle: Unfinished\ndraft: true\n---\nA strike not yet written.\n")
    (folder / "broken.md").write_text('+++\ntitle = "x"\ndate = soon\n+++\nThe strike.\n')
    result = invoke(tmp_path / "index", "index", str(folder), "--verbose")
    assert re.search(r"\[left out\] \S*draft\.md: a draft \(draft: true in the front matter\); left out", result.output)
    assert re.search(r"failed: \[parse\] \S*broken\.md:4: front matter is not valid TOML", result.output)
    hits = json.loads(invoke(tmp_path / "index", "search", "strike", "--json").output)["hits"]
    found = {hit["title"]: hit for hit in hits}
    assert sorted(found) == ["On the general strike", "The picket"]
    hugo = found["On the general strike"]
    assert (hugo["author"], hugo["date"], hugo["tags"]) == ("Rosa", "2019-05-01T10:00:00+02:00", ["strike"])
    assert "title =" not in hugo["highlights"]["snippet"]["text"] and found["The picket"]["date"] == "2011-10-21"


REDDIT_THREAD = [
    {"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {
        "id": "abc", "title": "The general strike of 1926", "author": "histbuff", "created_utc": 1319190000.0,
        "selftext": "Nine days in May.", "permalink": "/r/history/comments/abc/the_general_strike/"}}]}},
    {"kind": "Listing", "data": {"children": [
        {"kind": "t1", "data": {"id": "c1", "author": "ann", "body": "Called off too soon.", "created_utc": 1319190100,
                                "parent_id": "t3_abc", "replies": {"kind": "Listing", "data": {"children": [
                                    {"kind": "t1", "data": {"id": "c2", "author": "bob", "body": "They feared more.",
                                                            "created_utc": 1319190200, "parent_id": "t1_c1",
                                                            "replies": ""}},
                                    {"kind": "more", "data": {"count": 3, "children": ["c9"]}}]}}}},
        {"kind": "t1", "data": {"id": "c3", "author": "[deleted]", "body": "[deleted]", "created_utc": 1319190300,
                                "parent_id": "t3_abc", "replies": ""}}]}},
]


def test_a_reddit_thread_as_its_api_gives_it(tmp_path: Path) -> None:
    """The post, its comments threaded as nested, "load more" stubs and deleted leaves left out and counted."""
    (tmp_path / "thread.json").write_text(json.dumps(REDDIT_THREAD), encoding="utf-8")
    result = invoke(tmp_path / "index", "index", str(tmp_path / "thread.json"), "--verbose")
    assert result.exit_code == 0 and "left out: 3 hidden comments, 1 deleted or removed comment" in result.output
    shown = invoke(tmp_path / "index", "show", "abc").output
    assert "by histbuff · 2011-10-21 09:40+00:00 · abc" in shown and "2 comments" in shown
    assert "    bob · 2011-10-21 09:43+00:00 · abc.c2\n    in reply to ann" in shown
    hit = json.loads(invoke(tmp_path / "index", "search", "nine days", "--json").output)["hits"][0]
    assert hit["url"] == "https://www.reddit.com/r/history/comments/abc/the_general_strike/"


def test_a_document_with_half_characters_is_shown_by_every_door(client: FlaskClient, odd_index: Path) -> None:
    doc_id = odd_id(client)
    for url in (f"/doc/{doc_id}", f"/doc/{doc_id}?q=picket", "/search?q=picket", "/search?q=*&sort=newest",
                "/search.atom?q=picket", "/author/zed"):
        response = client.get(url)
        assert response.status_code == 200 and "\ufffd" in response.get_data(as_text=True), url
    for url in (f"/similar?doc={doc_id}", f"/quotes?doc={doc_id}", f"/api/doc/{doc_id}"):
        assert client.get(url).status_code < 500, url
    for args in (("show", doc_id), ("search", "picket"), ("export",), ("author", "Zed")):
        result = invoke(odd_index, *args)
        assert result.exit_code == 0 and result.exception is None, (args, result.output)


def test_pages_never_print_a_half_character_or_a_nul(client: FlaskClient) -> None:
    """Whatever an older index holds: the pages' one output filter drops NULs and replaces half characters."""
    template = client.application.jinja_env.from_string("<p>{{ text }}</p>")
    assert template.render(text="a\x00b\ud800c<") == "<p>ab\ufffdc&lt;</p>"


def test_a_title_from_opening_words_is_never_huge(client: FlaskClient) -> None:
    hit = client.get("/api/search?q=author:blob").get_json()["hits"][0]
    assert hit["title"].startswith("xxxx") and len(hit["title"]) <= 201 and hit["title"].endswith("…")
    assert len(client.get("/search?q=author:blob").get_data()) < 50_000


# --- hostile queries through the three doors ------------------------------------------------------------------

REFUSED = ['"unbalanced', "(foo", "foo)", "AND OR NOT", "NOT NOT NOT a", "author:", 'title:"unterminated',
           "date:2020-02-30", "date:[2020 TO 1990]", "date:99999", "date:0000", "date:(2011 OR 2012)", "kind:essay",
           "word~9", "?", "*a", "a~2", "a" * 10_000, "\x00", "🙂", "e\u0301\u0301", "((((((((((((a))))))))))))",
           "source:x", "' OR 1=1 --"]
ANSWERED = ["*", "te?t*", "serge*", "/regex.*/", "'; DROP TABLE docs; --", "<script>alert(1)</script>",
            "\u202eserge\u202c", "مرحبا", "{{7*7}}", "serge~1", "date:[2011 to]", "date:2000-02-29"]


@pytest.mark.parametrize("query", REFUSED)
def test_a_query_that_cannot_be_run_gets_a_message_at_every_door(client: FlaskClient, odd_index: Path,
                                                                  query: str) -> None:
    api = client.get(f"/api/search?q={quote(query)}")
    assert api.status_code == 400 and api.is_json and api.get_json()["error"]
    page = client.get(f"/search?q={quote(query)}")
    assert page.status_code == 400 and 'id="query-error"' in page.get_data(as_text=True)
    assert 'type="application/atom+xml"' not in page.get_data(as_text=True)  # no feed of a query that fails
    cli = invoke(odd_index, "search", "--", query)
    assert cli.exit_code == 1 and cli.output.startswith("Error: bad query: ") and cli.exception is not None
    assert isinstance(cli.exception, SystemExit)


@pytest.mark.parametrize("query", ANSWERED)
def test_a_strange_but_valid_query_is_answered_at_every_door(client: FlaskClient, odd_index: Path,
                                                             query: str) -> None:
    api = client.get(f"/api/search?q={quote(query)}")
    assert api.status_code == 200 and api.get_json()["total"] >= 0
    assert client.get(f"/search?q={quote(query)}").status_code == 200
    cli = invoke(odd_index, "search", "--", query)
    assert cli.exit_code == 0 and cli.exception is None, cli.output


# --- names, ids and parameters ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["%20", "..", ".", "%00", "%F0%9F%99%82", "%FF", "(unknown)"])
def test_an_author_name_with_no_letters_is_nobody(client: FlaskClient, odd_index: Path, name: str) -> None:
    """Not the page of every unsigned document, which such a name used to open."""
    response = client.get(f"/author/{name}")
    assert response.status_code == 404 and "No author named" in response.get_data(as_text=True)
    assert invoke(odd_index, "author", " ").output == "Error: no author named ' ' in the index\n"


def test_replies_to_unsigned_documents_link_to_no_author_page(tmp_path: Path) -> None:
    """Ada answers an unsigned article: "(unknown)" is listed, not linked to a page that cannot exist."""
    record = {"title": "Unsigned", "body": "An unsigned strike essay.", "date": "2013-01-12",
              "comments": [{"author": "Ada", "date": "2013-01-13", "body": "A reply to nobody in particular."}]}
    (tmp_path / "unsigned.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    index_paths(tmp_path / "index", [tmp_path / "unsigned.jsonl"])
    page = create_app({"INDEX_DIR": str(tmp_path / "index")}).test_client().get("/author/Ada").get_data(as_text=True)
    assert "(unknown)" in page and "/author/(unknown)" not in page and "/author/unknown" not in page


def test_the_similar_api_takes_doc_as_the_page_does(client: FlaskClient) -> None:
    by_path = client.get(f"/api/similar/{SEED_ARTICLE}").get_json()
    assert client.get(f"/api/similar?doc={SEED_ARTICLE}").get_json()["hits"] == by_path["hits"]
    assert client.get(f"/api/similar?id={SEED_ARTICLE}").get_json()["hits"] == by_path["hits"]
    missing = client.get("/api/similar?doc=nope")
    assert missing.status_code == 404 and missing.get_json()["error"] == "no article or comment has the id 'nope'"


def test_there_is_no_year_zero(client: FlaskClient, odd_index: Path) -> None:
    response = client.get("/api/search?q=serge&year=0")
    assert response.status_code == 400 and "year must be a year" in response.get_json()["error"]
    for command in ("search", "timeline"):
        result = invoke(odd_index, command, "serge", "--year", "0")
        assert result.exit_code == 2 and "'0' is neither a year (YYYY) nor 'none'" in result.output


def test_timeline_and_similar_take_year_as_search_does(odd_index: Path) -> None:
    assert invoke(odd_index, "timeline", "serge", "--year", "none").output.startswith("0 matches by year")
    assert invoke(odd_index, "timeline", "serge", "--year", "2011").output.startswith("5 matches by day")
    bad = invoke(odd_index, "similar", "--text", "serge and trotsky", "--year", "soon")
    assert bad.exit_code == 2 and "'soon' is neither a year (YYYY) nor 'none'" in bad.output


# --- bytes that are not UTF-8 on the command line -----------------------------------------------------------------

@pytest.mark.parametrize("command", ["show", "quotes", "similar", "author", "remove"])
def test_a_byte_that_is_not_utf8_in_an_argument_gets_a_message(odd_index: Path, command: str) -> None:
    result = invoke(odd_index, command, os.fsdecode(b"\xff"))
    assert result.exit_code == 1 and result.output.startswith("Error: "), result.output
    assert not isinstance(result.exception, UnicodeError)


def test_a_passage_piped_in_with_odd_bytes_is_read(odd_index: Path) -> None:
    traced = invoke(odd_index, "quotes", "--text", "-", stdin=b"\xff\xfe the weight of his critique")
    assert traced.exit_code == 1 and "needs at least 8 words" in traced.output
    similar = invoke(odd_index, "similar", "-", stdin=b"serge \xff stalinism bolshevism")
    assert similar.exit_code == 0 and "like the passage" in similar.output


def test_a_file_whose_name_is_not_utf8_can_be_removed_by_that_name(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    odd_name = folder / os.fsdecode(b"serge-\xff.txt")
    odd_name.write_bytes(SEED.read_bytes())
    assert invoke(tmp_path / "index", "index", str(folder)).exit_code == 0
    removed = invoke(tmp_path / "index", "remove", str(odd_name))
    assert removed.exit_code == 0 and removed.output == "removed: 1 article, 4 comments\n"


def test_a_pipe_named_as_an_archive_is_refused_at_once(tmp_path: Path) -> None:
    """Reading a FIFO would wait for a writer for ever (and indexing waits out SIGTERM for its batch)."""
    pipe = tmp_path / "feed.md"
    os.mkfifo(pipe)
    result = subprocess.run([sys.executable, "-c", "from search.cli import main; main()", "index", "--index",
                             str(tmp_path / "index"), str(pipe)], capture_output=True, text=True, timeout=60,
                            cwd=ROOT)
    assert result.returncode == 2 and f"'{pipe}' is neither a file nor a folder" in result.stderr


def test_a_passage_from_an_endless_file_is_read_up_to_a_bound(odd_index: Path) -> None:
    result = subprocess.run([sys.executable, "-c", "from search.cli import main; main()", "similar", "--index",
                             str(odd_index), "--file", "/dev/zero"], capture_output=True, text=True, timeout=60,
                            cwd=ROOT)
    assert result.returncode == 1 and result.stderr.startswith("Error: nothing to search for")


# --- every link of the pages ------------------------------------------------------------------------------------

START_PAGES = ["/", "/search?q=serge", "/search?q=*&sort=newest", "/search?q=serge&year=2011&kind=comment",
               "/search?q=%22", "/help", "/similar", f"/doc/{SEED_ARTICLE}?q=germs", "/author/paulhampton",
               f"/quotes?doc={SEED_ARTICLE}"]
_LINK = re.compile(r'(?:href|src|action)="([^"]*)"')


def test_every_link_on_the_pages_leads_somewhere(client: FlaskClient) -> None:
    """Follow every same-site link from a few start pages (at most 400 pages); each answers below 400."""
    seen: set[str] = set()
    queue = list(START_PAGES)
    broken: list[tuple[int, str]] = []
    while queue and len(seen) < 400:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code >= 400 and url not in START_PAGES:
            broken.append((response.status_code, url))
        if response.mimetype != "text/html":
            continue
        for found in _LINK.findall(response.get_data(as_text=True)):
            target = urlsplit(urljoin(url, html.unescape(found)))
            if target.scheme in ("", "http") and target.netloc in ("", "localhost") and target.path:
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    assert len(seen) > 50 and not broken, broken


def test_the_quotes_page_answers_what_it_links_to(client: FlaskClient) -> None:
    """The box alone, a document too short to trace (linked from its page) and an unknown one."""
    assert client.get("/quotes").status_code == 200
    short = client.get(f"/quotes?doc={odd_id(client)}")
    assert short.status_code == 200 and "needs at least 8 words" in short.get_data(as_text=True)
    assert client.get("/quotes?doc=nope").status_code == 404
    assert client.get("/quotes?text=too+short").status_code == 400


def test_pages_escape_what_a_query_carries(client: FlaskClient) -> None:
    payload = '"><script>alert(1)</script>'
    page = client.get(f"/search?q={quote(payload)}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page



def test_a_byte_order_mark_inside_a_record_never_starts_a_title(tmp_path: Path) -> None:
    """Speeches converted from marked files keep the mark in their text: it is invisible, and not part of a title."""
    (tmp_path / "speeches.jsonl").write_text(json.dumps({"author": "A Speaker", "date": "1999-01-01",
                                                         "body": "\ufeffMr. President, the strike goes on."}) + "\n",
                                             encoding="utf-8")
    assert invoke(tmp_path / "index", "index", str(tmp_path / "speeches.jsonl")).exit_code == 0
    shown = json.loads(invoke(tmp_path / "index", "search", "strike", "--json").output)["hits"][0]
    assert shown["title"].startswith("Mr. President") and "\ufeff" not in shown["highlights"]["snippet"]["text"]
