"""Saved HTML article pages: metadata, bylines, bodies without site chrome, comment threads, bad pages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from search.documents import utc_instant
from search.readers import ReadError, read_file

CORPORA = Path(__file__).parent / "fixtures" / "corpora"
THREADS = Path(__file__).parent / "fixtures" / "html-threads"
CHROME = (
    "cookie",
    "Home",
    "Share",
    "Twitter",
    "Facebook",
    "Copyright",
    "©",
    "Privacy",
    "Log in",
    "Reply",
    "reply",
    "permalink",
    "Report",
    "says",
)

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


def test_spanish_date_line_and_byline_in_the_deck() -> None:
    result = read_file(CORPORA / "socialist-worker-us" / "Ob-1_03_Maquilas.php")
    (article,) = result.documents
    assert article.title == "Estafados por los patrones de las maquilas"
    assert article.date == datetime(2001, 4, 1)
    assert article.author == "Justin Akers"  # "JUSTIN AKERS describe las consecuencias ..."
    assert result.problems == []


@pytest.mark.parametrize(("page", "author"), [
    ("619_11_WSF.php", "Lee Sustar"),  # "LEE SUSTAR looks at the prospects for the World Social Forum ..."
    ("651_05_DreamAct.php", "Justin Akers Chacón and Lee Sustar"),  # "... and LEE SUSTAR analyze an immigration bill"
    ("504_03_Clinton.php", ""),  # "WHAT WE THINK" / "MY LIFE is an extraordinary book ...": no writer named
    ("489_06_WashingtonForSale.php", ""),  # "JOHN KERRY says ...": a lede in capitals, not a byline
])  # fmt: skip
def test_writers_named_in_capitals_in_the_opening_deck(page: str, author: str) -> None:
    """Socialist Worker puts most bylines in the deck above the text; the deck stays part of the body."""
    result = read_file(CORPORA / "socialist-worker-us" / page)
    (article,) = result.documents
    assert article.author == author
    assert ("no byline found; indexed without an author" in [p.reason for p in result.problems]) == (not author)
    if author:
        assert article.body.startswith(author.split()[0].upper())


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


def comments_of(documents: list) -> list[tuple[str, datetime | None, str]]:
    """Each comment's author, moment in UTC (naive) and body."""
    return [(c.author, c.date and utc_instant(c.date), c.body) for c in documents if c.kind == "comment"]


def parents(documents: list) -> list[str | None]:
    """For each comment, the author of the comment it answers."""
    by_id = {d.id: d for d in documents}
    return [by_id[c.parent_id].author if c.parent_id else None for c in documents if c.kind == "comment"]


def assert_article_clean(article, comments: list) -> None:
    for chrome in CHROME:
        assert chrome not in article.body, chrome
    for comment in comments:
        assert comment.body.split("\n")[0] not in article.body
        for chrome in CHROME:
            assert chrome not in comment.body, (chrome, comment.body)


def test_drupal_thread() -> None:
    result = read_file(THREADS / "drupal-land-value-tax.html")
    article, *comments = result.documents
    assert (article.kind, article.title, article.author) == ("article", "The case for a land value tax", "Helen Gray")
    assert article.date == datetime(2011, 10, 18)
    assert article.body.startswith("Every landowner in the country grows richer while they sleep.")
    assert article.body.endswith("would come to market sooner.")
    assert article.body.count("\n\n") == 2
    assert_article_clean(article, comments)
    assert comments_of(result.documents) == [
        ("Tom Baxter", datetime(2011, 10, 18, 11, 2),
         "Farmers would be hit hardest by this. Agricultural land is most of the land in the country.\n\n"
         "How is a tenant farmer supposed to pay a tax on the value of fields he does not even own?"),
        ("Helen Gray", datetime(2011, 10, 18, 12, 40),
         "The tax falls on the owner, not the tenant. Farmland is cheap per acre, "
         "so the bill would be small next to a city centre site."),
        ("Priya Shah", datetime(2011, 10, 19, 8, 15),
         "Henry George made this argument in 1879 and nobody has answered it since."),
    ]  # fmt: skip
    assert parents(result.documents) == [None, "Tom Baxter", None]  # div.indented follows the comment it answers
    assert all(c.article_id == article.id and c.title == article.title for c in comments)
    assert result.problems == []


def test_wordpress_thread() -> None:
    result = read_file(THREADS / "wordpress-four-day-week.html")
    article, *comments = result.documents
    assert (article.title, article.author, article.date) == (
        "A four-day week is within reach",
        "Daniel Okafor",
        datetime(2021, 3, 2),
    )
    assert article.url == "https://leftmargin.example/2021/03/four-day-week/"
    assert article.body.startswith("A century ago the labour movement won the weekend.")
    assert article.body.endswith("a shorter week is one way to claim them back.")
    assert "thoughts on" not in article.body and "Leave a Reply" not in article.body
    assert_article_clean(article, comments)
    assert comments_of(result.documents) == [
        ("Sarah Kemp", datetime(2021, 3, 2, 9, 12, 44),
         "Nurses cannot do a four-day week.\nWho covers the fifth day on a ward?\n\nIt sounds fine for office jobs."),
        ("Daniel Okafor", datetime(2021, 3, 2, 10, 30),
         "More staff on shorter rotas covers it, which is what the Swedish hospital trial did."),
        ("Sarah Kemp", datetime(2021, 3, 2, 11, 5), "And who pays for the extra staff?"),
        ("Gareth Lewis", datetime(2021, 3, 3, 18, 20),
         "Our union won a 32-hour week last year. Nobody wants to go back."),
    ]  # fmt: skip
    assert parents(result.documents) == [None, "Sarah Kemp", "Daniel Okafor", None]  # ul.children nesting
    assert comments[2].parent_id == comments[1].id and comments[1].parent_id == comments[0].id
    assert result.problems == []


def test_microdata_thread_and_comment_without_date() -> None:
    path = THREADS / "microdata-citizens-assemblies.html"
    result = read_file(path)
    article, *comments = result.documents
    assert (article.title, article.author, article.date) == (
        "Let citizens' assemblies decide",
        "Ruth Adebayo",
        datetime(2022, 9, 5),
    )
    assert article.body.startswith("Ireland asked ninety-nine citizens chosen by lot")
    assert article.body.count("\n\n") == 2
    assert "Reader comments" not in article.body
    assert_article_clean(article, comments)
    assert comments_of(result.documents) == [
        ("Mark Fenwick", datetime(2022, 9, 5, 14, 3),
         "Who chooses the experts the assembly hears? That is where the real power lies."),
        ("Ruth Adebayo", datetime(2022, 9, 5, 16, 30),
         "In Ireland a steering group did, and the members could ask for speakers of their own."),
        ("Jo Harris", None, "Sortition is older than elections. Athens used it for most offices."),
    ]  # fmt: skip
    assert parents(result.documents) == [None, "Mark Fenwick", None]
    page = path.read_text()
    line = page[: page.rindex('<div class="comment-box"', 0, page.index("Jo Harris"))].count("\n") + 1
    assert [(p.line, p.reason) for p in result.problems] == [
        (line, "comment by Jo Harris has no date; indexed without a date")
    ]


def test_unreadable_comment_date_is_a_problem_and_the_comment_is_kept(tmp_path: Path) -> None:
    page = (THREADS / "drupal-land-value-tax.html").read_text()
    page = page.replace("on Wed, 19/10/2011 - 08:15", "on the morning after")
    path = tmp_path / "land.html"
    path.write_text(page)
    result = read_file(path)
    assert [c.author for c in result.documents[1:]] == ["Tom Baxter", "Helen Gray", "Priya Shah"]
    assert result.documents[-1].date is None
    (problem,) = result.problems
    assert problem.reason == "comment by Priya Shah has unreadable date 'the morning after'; indexed without a date"
    assert problem.line == page[: page.index('<div class="comment', page.index('id="comment-4415"'))].count("\n") + 1


DRUPAL_8_THREAD = """
<section id="comments" class="comments">
  <h2 class="comments__title">Comments</h2>
  <article data-comment-user-id="12" id="comment-31" class="comment js-comment">
    <footer class="comment__meta">
      <p class="comment__author"><span><a href="/user/12">Alex Moore</a></span></p>
      <p class="comment__time"><time datetime="2019-06-14T10:00:00+01:00">Fri, 06/14/2019 - 10:00</time></p>
    </footer>
    <h3><a href="/comment/31" rel="bookmark">Vienna</a></h3>
    <div class="text-formatted field field--name-comment-body"><p>Vienna has had social housing for a century.</p></div>
    <ul class="links inline comment__links"><li class="comment-reply"><a href="/comment/reply/31">Reply</a></li></ul>
  </article>
  <div class="indented">
    <article data-comment-user-id="0" id="comment-32" class="comment js-comment">
      <footer class="comment__meta">
        <p class="comment__author"><span>Sam Reid</span></p>
        <p class="comment__time"><time datetime="2019-06-14T12:30:00+01:00">Fri, 06/14/2019 - 12:30</time></p>
      </footer>
      <div class="text-formatted field field--name-comment-body"><p>And rents there are half of ours.</p></div>
    </article>
  </div>
</section>
"""


def test_drupal_8_thread_in_a_page(tmp_path: Path) -> None:
    path = tmp_path / "rent.html"
    path.write_text(PAGE.replace("</article>", DRUPAL_8_THREAD + "</article>"), encoding="utf-8")
    result = read_file(path)
    article, *comments = result.documents
    assert article.body.startswith("Rents in the city rose by forty per cent") and article.body.count("\n\n") == 2
    assert "Vienna" not in article.body and "Comments" not in article.body
    assert comments_of(result.documents) == [
        ("Alex Moore", datetime(2019, 6, 14, 9, 0), "Vienna has had social housing for a century."),
        ("Sam Reid", datetime(2019, 6, 14, 11, 30), "And rents there are half of ours."),
    ]
    assert parents(result.documents) == [None, "Alex Moore"]
    assert comments[0].date.isoformat() == "2019-06-14T10:00:00+01:00"  # the offset as the page gave it
    assert result.problems == []


def test_unrecognised_comment_markup_is_left_out_with_a_problem(tmp_path: Path) -> None:
    page = (THREADS / "wordpress-four-day-week.html").read_text()
    for before, after in [
        ('class="comments-area"', 'class="reader-feedback"'),
        ('class="comment-list"', 'class="feedback"'),
        ('class="comment ', 'class="note '),
    ]:
        page = page.replace(before, after)  # fmt: skip
    path = tmp_path / "week.html"
    path.write_text(page)
    result = read_file(path)
    (article,) = result.documents
    assert article.body.endswith("a shorter week is one way to claim them back.")
    assert [p.reason for p in result.problems] == [
        "the page's comment section was left out (it cannot be split into comments)"
    ]


OLD_WORDPRESS_THREAD = """
<div id="comments"><ol class="commentlist">
<li class="comment"><article class="comment"><cite class="fn">Ann Lee</cite> <span class="says">says:</span>
<div class="comment-meta commentmetadata"><a href="#c1">5 January 2010 at 3:45 pm</a> <a href="/edit">(Edit)</a></div>
<p>Berlin froze rents and supply fell.</p><div class="reply"><a href="?replytocom=1">Reply</a></div></article>
<ul class="children"><li class="comment"><article class="comment">
<div class="comment-meta"><a href="#c2">6 January 2010 at 1:00 pm</a></div><p>Supply was falling before.</p>
</article></li></ul>
</li></ol></div>
"""


def test_old_wordpress_wrapper_markup_and_comment_without_author(tmp_path: Path) -> None:
    path = tmp_path / "rent.html"
    page = PAGE.replace("</article>\n", "</article>\n" + OLD_WORDPRESS_THREAD)
    path.write_text(page, encoding="utf-8")
    result = read_file(path)
    article, *comments = result.documents
    assert "Berlin" not in article.body and "Supply" not in article.body
    assert comments_of(result.documents) == [
        ("Ann Lee", datetime(2010, 1, 5, 15, 45), "Berlin froze rents and supply fell."),
        ("", datetime(2010, 1, 6, 13, 0), "Supply was falling before."),
    ]
    assert comments[1].parent_id == comments[0].id
    line = page[: page.index("<article", page.index('class="children"'))].count("\n") + 1
    assert [(p.line, p.reason) for p in result.problems] == [(line, "comment has no author; indexed without one")]


def test_cms_comment_numbers_are_kept_in_comment_ids() -> None:
    """Drupal's <a id="comment-N"> and WordPress's li#comment-N: a comment's id survives edits of its text."""
    drupal = read_file(THREADS / "drupal-land-value-tax.html").documents
    assert [c.id.rsplit(".", 1)[1] for c in drupal[1:]] == ["comment-4410", "comment-4412", "comment-4415"]
    wordpress = read_file(THREADS / "wordpress-four-day-week.html").documents
    assert all(c.id.startswith(f"{wordpress[0].id}.comment-") for c in wordpress[1:])
    assert wordpress[1].id.endswith(".comment-2201")


def test_a_medium_export_takes_its_address_from_the_canonical_link() -> None:
    """Medium's export has no <link rel="canonical">: the post's address is the footer's a.p-canonical."""
    result = read_file(THREADS / "medium-export-general-strike.html")
    (article,) = result.documents
    assert article.url == "https://medium.com/@ann.bee/on-the-general-strike-abc123"
    assert (article.title, article.author) == ("On the General Strike", "Ann Bee")
    assert "mass strike is the method of motion" in article.body and "Canonical link" not in article.body
