"""Saved HTML article pages: metadata, bylines, bodies without site chrome, bad pages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from search.readers import ReadError, read_file

CORPORA = Path(__file__).parent / "fixtures" / "corpora"

PAGE = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Why rent control works | The Daily Argument</title>
<meta property="og:title" content="Why rent control works">
<meta name="author" content="Maria Lopez">
<meta property="article:published_time" content="2019-06-14T08:00:00+00:00">
<link rel="canonical" href="https://argument.example/rent-control">
</head><body>
<div id="cookie-banner">This website uses cookies. Accept all cookies to continue.</div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/politics">Politics</a></li>
<li><a href="/about">About us</a></li></ul></nav>
<article>
<h1>Why rent control works</h1>
<p>Rents in the city rose by forty per cent in five years, while wages barely moved at all.
Tenants who had lived in the same flats for decades were priced out of their neighbourhoods.</p>
<p>Rent stabilisation gives households the security to plan their lives, and the evidence from
cities that adopted it shows that displacement falls without the collapse in supply its critics predicted.</p>
<p>The alternative is a market that treats a home as nothing more than an asset, and the people
living in it as a cost to be minimised by whoever owns the building this year.</p>
</article>
<div class="share">Share on Facebook Share on Twitter Email this article</div>
<footer>Copyright 2019 The Daily Argument. Privacy policy. Terms of use.</footer>
</body></html>
"""


def test_metadata_and_body_without_chrome(tmp_path: Path) -> None:
    path = tmp_path / "rent.html"
    path.write_text(PAGE, encoding="utf-8")
    result = read_file(path)
    (article,) = result.documents
    assert (article.kind, article.title, article.author) == ("article", "Why rent control works", "Maria Lopez")
    assert article.date == datetime(2019, 6, 14)
    assert article.url == "https://argument.example/rent-control"
    assert article.body.startswith("Rents in the city rose by forty per cent")
    assert article.body.count("\n\n") == 2  # three paragraphs
    for chrome in ("cookies", "Home", "Share on", "Copyright", "Privacy"):
        assert chrome not in article.body
    assert result.problems == []


def test_socialist_worker_page_byline_and_date_line() -> None:
    result = read_file(CORPORA / "socialist-worker-us" / "475_12_Iraq.php")
    (article,) = result.documents
    assert (article.title, article.author, article.date) == (
        "Bush's disaster in Iraq",
        "Nicole Colson",
        datetime(2003, 11, 7),
    )
    assert article.body.startswith("New resistance to Washington's deadly occupation\n\nTHE U.S. occupation of Iraq")
    assert "By Nicole Colson" not in article.body and "include" not in article.body
    assert "|" not in article.body
    assert result.problems == []


def test_spanish_date_line_and_missing_byline() -> None:
    result = read_file(CORPORA / "socialist-worker-us" / "Ob-1_03_Maquilas.php")
    (article,) = result.documents
    assert article.title == "Estafados por los patrones de las maquilas"
    assert article.date == datetime(2001, 4, 1)
    assert [p.reason for p in result.problems] == ["no byline found; indexed without an author"]


def test_several_authors_in_one_byline() -> None:
    (article,) = read_file(CORPORA / "socialist-worker-us" / "475_10_NewsReports.php").documents
    assert article.author == "David Thurston, Michael Hardin and Erik Wallenberg"


def test_raw_legacy_byte_is_decoded_and_reported() -> None:
    result = read_file(CORPORA / "socialist-worker-us" / "502_08_Lenin.php")
    (article,) = result.documents
    assert "£877,000" in article.body
    assert result.problems[0].line is not None and result.problems[0].reason.startswith("not valid UTF-8")


def test_idebate_page() -> None:
    html = CORPORA / "idebate-debatabase" / "html"
    result = read_file(html / "africa-asia-house-would-sao-tome-drop-relations-taiwan-favour-mainland.html")
    (article,) = result.documents
    assert article.title == "This House would, as Sao Tome, drop relations with Taiwan in favour of Mainland China"
    assert article.date == datetime(2014, 2, 11)
    assert article.url.startswith("https://idebate.org/debatabase/")
    assert article.body.startswith("There is only one China, but which is it?")
    assert "reads" not in article.body.rsplit("\n\n", 1)[-1]
    for chrome in ("cookie", "Log in", "Share", "Tweet"):
        assert chrome not in article.body
    assert [p.reason for p in result.problems] == ["no byline found; indexed without an author"]


def test_marxists_html_page() -> None:
    (article,) = read_file(CORPORA / "marxists-mia-sample" / "nat-press.html").documents
    assert (article.title, article.author) == ("The Irish Nationalist Press", "James Connolly")
    assert "For some time past the agricultural labourers of Lancashire" in article.body


def test_truncated_page_is_read_with_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "cut.html"
    path.write_text(PAGE[: PAGE.index("<p>The alternative")], encoding="utf-8")
    result = read_file(path)
    assert result.documents[0].title == "Why rent control works"
    truncated = [p for p in result.problems if "truncated" in p.reason]
    assert truncated and truncated[0].line == PAGE[: PAGE.index("<p>The alternative")].count("\n") + 1


def test_page_without_text_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "script-only.htm"
    path.write_text(
        "<html><head><title>Loading</title></head><body><script>render()</script><img src=a.png></body></html>"
    )
    with pytest.raises(ReadError, match="no article text found in the page"):
        read_file(path)


def test_binary_junk_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.html"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ReadError):
        read_file(path)


def test_huge_page_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    path.write_text("<html><body>" + "<p>word </p>" * 2_000_000 + "</body></html>")
    with pytest.raises(ReadError, match="page too large to extract"):
        read_file(path)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252", "latin-1"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"{encoding}.html"
    page = PAGE.replace("Why rent control works", "Café régime rent control").replace('charset="utf-8"', "")
    path.write_bytes(page.encode(encoding))
    result = read_file(path)
    assert result.documents[0].title == "Café régime rent control"
    assert len(result.problems) == (0 if encoding == "utf-8-sig" else 1)
