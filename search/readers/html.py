"""Saved HTML article pages, read with trafilatura so menus, banners and share buttons stay out.

trafilatura finds the title, the main text and usually the date; the byline and date
lines that old sites print above the text (``By Nicole Colson | November 7, 2003 | Page 12``)
are taken from the first lines of that text.

trafilatura hands back a comment section as one undivided blob with no authors or dates,
so the thread is found with lxml instead, in the markup that Drupal, WordPress and
schema.org microdata give it, split into comments (author, date, body, the comment each
one answers) and cut out of the page before trafilatura sees it. A comment section in
any other markup is left out, and a Problem says so.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from search.documents import DatePrecision
from search.readers.base import Problem, RawComment, ReadError, ReadResult, build_thread, paragraphs
from search.readers.boilerplate import without_site_chrome
from search.readers.dates import date_or_none, fuller_date, given_precision, parse_date
from search.readers.wordpress import LEFT_OUT

_MAX_CHARS = 20_000_000  # trafilatura refuses larger pages; say so instead of returning nothing
_BYLINE = re.compile(
    r"^(?:[Bb]y|Por|(?:Review|Reviewed|Interview|Interviewed|Report) by)\s+"
    r"(?P<name>[A-ZÀ-Þ][^|]{1,80}?)\s*(?:\|\s*(?P<rest>.*))?$"
)
_DATE_LINE = re.compile(
    r"^(?P<date>[^|]{4,40}?)\s*(?:\|\s*(?:Pages?|Páginas?|Issue|Número)\s*\d[\d\s,y-]*(?:and \d+)?\s*)?$", re.IGNORECASE
)
_COUNTER = re.compile(r"^[-•]?\s*[\d,.]+\s+(?:reads|views)$", re.IGNORECASE)
_SPANISH_MONTHS = {
    "enero": "January", "febrero": "February", "marzo": "March", "abril": "April", "mayo": "May",
    "junio": "June", "julio": "July", "agosto": "August", "septiembre": "September",
    "setiembre": "September", "octubre": "October", "noviembre": "November", "diciembre": "December",
}  # fmt: skip
_SPANISH_DATE = re.compile(r"^(?:(\d{1,2}) de )?([a-z]+)(?:-[a-z]+)? de (\d{4})$", re.IGNORECASE)
_HEADER_LINES = 6
# A deck that names its writers in capitals before a reporting verb: "LEE SUSTAR looks at the prospects...",
# "ALAN MAASS, ERIC RUDER and DAVID WHITEHOUSE provide...". A lede also opens with two words in capitals
# ("MOST PEOPLE take it for granted..."), hence the verbs of writing only, the short line and the stop words.
_CAPS_WORD = r"[A-ZÀ-Þ][A-ZÀ-Þ'’.-]*[A-ZÀ-Þ.]"
_CAPS_NAME = rf"{_CAPS_WORD}(?:\s+{_CAPS_WORD}){{1,3}}"
_WRITING_VERBS = (
    "reports?|reported|looks?|examines?|explains?|analy[sz]es?|documents?|argues?|describes?|writes?|wrote|"
    "considers?|assess(?:es)?|reviews?|tells?|talk(?:s|ed)|answers?|profiles?|interviews?|interviewed|recounts?|"
    "discuss(?:es)?|explores?|traces?|exposes?|outlines?|weighs?|responds?|provides?|reflects?|uncovers?|surveys?|"
    "lays? out|presents?|rebuts?|debunks?|tackles?|investigates?|remembers?|pays? tribute|sums? up|"
    "informa|analiza|explica|examina|escribe|reporta|describe|entrevista|relata|cuenta"
)
_DECK = re.compile(rf"^(?P<names>{_CAPS_NAME}(?:(?:,\s+|,?\s+and\s+|\s+y\s+){_CAPS_NAME})*)\s+(?:{_WRITING_VERBS})\b")
_NOT_NAMES = frozenset(
    "A AN THE I IN IF AS SO IT AT ON OF TO WE WHO WHAT WHY HOW MOST SOME MANY ALL ALSO WILL PEOPLE PRESIDENT GOV. "
    "SEN. RECENTLY NEWLY OFFICIAL GOVERNMENT SOCIALIST SOCIALISTS SOCIALISM WORKER WORKERS AMERICAN CONSERVATIVE "
    "STATISTICS SUPPORTERS ACTIVISTS STUDENTS READERS REPORTS REPORT NEW U.S. DOCUMENTS THIS THAT THESE AFTER DOES "
    "ANYONE".split()
)
_DECK_LINES = 3
_MAINTENANCE_NOTE = re.compile(r"^(?:page )?last (?:updated|modified|revised|changed)\b", re.IGNORECASE)
_NOTE_LENGTH = 100
# A contents page lists other pages: a line that is a whole link's text is an entry, and a story list gives
# each linked headline a kicker and a teaser, so one line in four being an entry (and five at least) is a list.
_CONTENTS_ENTRIES = 5
_CONTENTS_SHARE = 4
_HEADLINES = "*[self::h1 or self::h2 or self::h3 or self::b or self::strong]"
_HEADLINE_LENGTH = 150
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")  # tags written inside a <title>, which the browser shows as text
_TITLE_WORD = re.compile(r"[^\W\d_]{4,}")  # the words that say what a title is about
_YEAR = r"1[5-9]\d\d|20\d\d"
_PUBLISHED = re.compile(rf"^(?:(?:Originally |First )?(?:published|written)\b.{{0,120}}?\b(?P<year>{_YEAR})\b(?!\s*-)"
                        rf"|From\b.{{0,100}}\b(?P<from_year>{_YEAR})\.?$)", re.IGNORECASE)
_DECK_LENGTH = 250

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


def read_html(path: Path, text: str) -> ReadResult:
    if len(text) > _MAX_CHARS:
        raise ReadError(path, None, f"page too large to extract ({len(text) // 1_000_000} MB of text, limit 20 MB)",
                        "too large")
    problems: list[Problem] = []
    lowered = text.lower()
    if "<html" in lowered and "</html>" not in lowered:
        last_line = text.count("\n") + 1
        problems.append(
            Problem(path, last_line, "page ends before </html>: the file looks truncated; read what is there",
                    "truncated")
        )
    tree = load_html(text)
    if tree is None:
        raise ReadError(path, None, "not readable as HTML")
    _unwrap_layout_tables(tree)
    _drop_maintenance_notes(tree)
    comments, comment_problems = _comment_thread(path, tree)
    problems.extend(comment_problems)
    linked, emphasised = _texts_of(tree, "a[@href and not(starts-with(@href, '#'))]"), _texts_of(tree, _HEADLINES)
    canonical = _canonical_link(tree)
    # fast: no fallback extractors (readability, jusText). On 150 Socialist Worker pages the output was the
    # same and extraction took 14% less time (benchmarks/reading.py).
    extracted = trafilatura.bare_extraction(
        tree,
        fast=True,
        with_metadata=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if extracted is None or not (extracted.text or "").strip():
        raise ReadError(path, None, "no article text found in the page", "empty file")

    lines = [line.strip() for line in extracted.text.split("\n") if line.strip()]
    title = " ".join(_TAG.sub("", extracted.title or "").split())  # "Message from <I>Socialist Worker</I>"
    headline = _headline(lines, title, emphasised)
    if headline:
        problems.append(Problem(path, None, f"the page's <title> {title!r} is not in its text; using its headline "
                                            f"{headline!r}", "title"))
        title = headline
    author, line_date, lines = _byline(lines, title)
    while lines and _COUNTER.match(lines[-1]):
        lines.pop()
    entries = sum(" ".join(line.split()).casefold() in linked for line in lines)
    if entries >= _CONTENTS_ENTRIES and entries * _CONTENTS_SHARE >= len(lines):
        reason = f"a contents page ({entries} of its {len(lines)} lines are links to other pages), not an essay"
        return ReadResult([], [Problem(path, None, f"{reason}; left out", LEFT_OUT)])
    if not title:  # build_thread titles it from its opening words, marked as made up: a file name says less
        problems.append(Problem(path, None, "page has no title; using its opening words", "title"))
    author = (extracted.author or "").strip() or author or _deck_author(lines)
    if not author:
        problems.append(Problem(path, None, "no byline found; indexed without an author", "author"))
    # trafilatura's date is always a day (YYYY-MM-DD); a date line may give less.
    when, precision = line_date or (date_or_none(extracted.date), "day")
    if when is not None and precision == "year":
        when, precision = fuller_date(when.year, "\n".join(lines[:_HEADER_LINES])) or (when, precision)
    if when is None:
        when, precision = _published(lines) or (None, "")
    if when is None:
        problems.append(Problem(path, None, "no date found in the page; indexed without a date", "date"))
    if (extracted.comments or "").strip():
        problems.append(
            Problem(path, None, "the page's comment section was left out (it cannot be split into comments)",
                    "comments")
        )
    documents, thread_problems = build_thread(
        path, title=title, author=author, date=when, body=without_site_chrome("\n\n".join(lines)), comments=comments,
        url=extracted.url or canonical, date_precision=precision,
    )
    return ReadResult(documents, problems + thread_problems)


def _canonical_link(tree: HtmlElement) -> str:
    """The page's own address from a link marked canonical in its body, as Medium's export writes it
    (``<a class="p-canonical">``) where the page has no ``<link rel="canonical">``; "" when there is none."""
    for href in tree.xpath("//a[contains(concat(' ', normalize-space(@class), ' '), ' p-canonical ')]/@href"):
        if href.startswith(("https://", "http://")):
            return href.strip()
    return ""


def _unwrap_layout_tables(tree: HtmlElement) -> None:
    """Turn tables used for page layout into plain blocks so their text keeps its paragraphs.

    Sites from before CSS put the whole page in one table; trafilatura then reads the
    article as a single table cell and runs its paragraphs together.
    """
    for table in tree.xpath("//table[.//p or .//table]"):
        for element in table.iter("table", "thead", "tbody", "tfoot", "tr", "td", "th"):
            element.tag = "div"
            element.attrib.clear()


def _texts_of(tree: HtmlElement, xpath: str) -> set[str]:
    """The whole texts of the elements ``xpath`` finds (links to other pages; headings and bold lines), folded."""
    return {" ".join(element.text_content().split()).casefold() for element in tree.xpath(f"//{xpath}")} - {""}


def _headline(lines: list[str], title: str, emphasised: set[str]) -> str:
    """The headline the text opens with, where the page's <title> is about something else.

    A page saved with another page's <title> (Socialist Worker's ``372_04_CiceroMayor.php``
    carries ``372_04_BloodyTexas.php``'s) still shows its own headline, set as a heading or in
    bold, as the first line of the article: that is what a reader takes for its title. A <title>
    whose words the text uses ("Obituary: Joe Strummer") is kept, and so is a kicker in capitals.
    """
    if not lines or not title:
        return ""
    first = " ".join(lines[0].split())
    if (len(first) > _HEADLINE_LENGTH or first.endswith((",", ":", ".")) or first.isupper()
            or first.casefold() not in emphasised):
        return ""
    used = set(_TITLE_WORD.findall(" ".join(lines).casefold()))
    words = _TITLE_WORD.findall(title.casefold())
    return first if words and 2 * sum(word in used for word in words) < len(words) else ""


def _drop_maintenance_notes(tree: HtmlElement) -> None:
    """Remove "Last updated on 16.10.2006" notes: the date a page was last edited is not when the text appeared,
    yet trafilatura takes it for the article's date when the page gives no other."""
    for element in list(tree.iter("p", "div", "span", "small", "font", "address", "footer", "td")):
        text = " ".join(element.text_content().split())
        if len(text) < _NOTE_LENGTH and _MAINTENANCE_NOTE.match(text) and element.getparent() is not None:
            element.drop_tree()


def _byline(lines: list[str], title: str) -> tuple[str, tuple[datetime, DatePrecision] | None, list[str]]:
    """Take the headline, ``By NAME`` and date lines from the top of the text."""
    author, when = "", None
    kept = []
    for number, line in enumerate(lines):
        if number >= _HEADER_LINES:
            kept.extend(lines[number:])
            break
        if title and " ".join(line.split()).casefold() == " ".join(title.split()).casefold():
            continue
        byline = _BYLINE.match(line)
        if byline and not author:
            author = byline["name"].strip()
            rest = (byline["rest"] or "").strip()
            when = when or (_line_date(rest) if rest else None)
            continue
        line_date = _line_date(line) if when is None else None
        if line_date is not None:
            when = line_date
            continue
        kept.append(line)
    return author, when, kept


def _deck_author(lines: list[str]) -> str:
    """Writers named in capitals at the start of a short deck line near the top: "NICOLE COLSON reports on ..."."""
    for line in lines[:_DECK_LINES]:
        deck = _DECK.match(line)
        if not deck or len(line) > _DECK_LENGTH:
            continue
        names = re.split(r",\s+(?:and\s+)?|\s+and\s+|\s+y\s+", deck["names"])
        if any(set(name.split()) & _NOT_NAMES or name.endswith(("'S", "'", "’S")) for name in names):
            continue
        shown = [name.title() for name in names]
        return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
    return ""


def _published(lines: list[str]) -> tuple[datetime, DatePrecision] | None:
    """The year of a publication note atop the text ("Originally published in early 1885.", "First published:
    Nauchnoye Obozreniye, Nos.3 & 4, 1898.", "From Forward, 26 July 1913."), which archives of old texts print."""
    for line in lines[:_HEADER_LINES]:
        note = _PUBLISHED.match(line)
        if note:
            year = int(note["year"] or note["from_year"])
            return fuller_date(year, line) or (datetime(year, 1, 1), "year")  # the day only from the note itself
    return None


def _line_date(line: str) -> tuple[datetime, DatePrecision] | None:
    """A line that is only a date, perhaps with a page or issue number: ``November 7, 2003 | Page 12``, and how
    much of a date it gives."""
    match = _DATE_LINE.match(line)
    if not match or not re.search(r"\d{4}", match["date"]):
        return None
    text = match["date"].strip()
    spanish = _SPANISH_DATE.match(text)
    if spanish and spanish[2].lower() in _SPANISH_MONTHS:
        text = f"{spanish[1] or ''} {_SPANISH_MONTHS[spanish[2].lower()]} {spanish[3]}".strip()
    when = date_or_none(text)
    return None if when is None else (when, given_precision(text))


# Comment threads -------------------------------------------------------------------------------------------------


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Where CMS themes put the thread: Drupal's #comments / .comment-wrapper / section.comments,
# WordPress's #comments / .comments-area / ol.commentlist or ol.comment-list.
_CONTAINERS = " or ".join(
    ["@id='comments'"]
    + [_has_class(name) for name in ("comments", "comment-wrapper", "comments-area", "commentlist", "comment-list")]
)
_MICRODATA_COMMENT = "@itemscope and substring(@itemtype, string-length(@itemtype) - 7) = '/Comment'"
_COMMENTS = f"//*[{_MICRODATA_COMMENT}] | //*[{_CONTAINERS}]//*[{_has_class('comment')}]"

_AUTHOR_PATHS = [
    ".//*[@itemprop='author']",
    f".//*[{_has_class('fn')}]",
    f".//*[{_has_class('comment__author')}]",
    f".//*[{_has_class('username')}]",
    f".//*[{_has_class('comment-author')}]",
]
_DATE_PATHS = [
    ".//*[@itemprop='dateCreated' or @itemprop='datePublished']",
    ".//time",
    " | ".join(
        f".//*[{_has_class(name)}]"
        for name in (
            "comment__time", "comment-time", "comment-date", "comment-metadata", "commentmetadata", "comment-meta",
        )
    ),
]  # fmt: skip
_SUBMITTED = f".//*[{_has_class('submitted')}]"
_BODY_PATHS = [
    ".//*[@itemprop='text']",
    " | ".join(
        f".//*[{_has_class(name)}]"
        for name in (
            "comment-content", "comment__content", "field-name-comment-body", "field--name-comment-body",
            "comment-text",
        )
    ),
    f".//*[{_has_class('comment-body')}]",
    f".//*[{_has_class('content')}]",
]  # fmt: skip
# Inside a comment: its byline, date and links, and whatever share or vote buttons the theme adds.
_BODY_CHROME = " | ".join(
    [".//script", ".//style", ".//form", ".//button", ".//noscript", ".//img", ".//nav",
     ".//*[@itemprop='author' or @itemprop='dateCreated' or @itemprop='datePublished']"]
    + [f".//*[{_has_class(name)}]" for name in (
        "reply", "links", "comment-reply-link", "comment-meta", "comment-metadata", "commentmetadata",
        "comment-author", "comment__author", "comment__meta", "submitted", "username", "fn", "says", "permalink",
        "share", "sharing", "social", "comment-actions", "indented", "children",
    )]
)  # fmt: skip
_CHROME_LINE = re.compile(
    r"^(?:reply|permalink|report(?: abuse)?|flag|like|share|edit|delete|quote"
    r"|(?:log in|login|register)(?: or register)? to (?:post comments|reply))$",
    re.IGNORECASE,
)
_COMMENT_LINKS = ("comment_forbidden", "comment-add", "comment-comments", "comment-new-comments")
_SUBMITTED_TEXT = re.compile(r"^(?:Submitted\s+)?by\s+(?P<name>.+?)\s+on\s+(?P<date>.+?)\.?$", re.IGNORECASE)
_SAYS = re.compile(r"\s*says:?$", re.IGNORECASE)
_BLOCKS = {"p", "div", "blockquote", "li", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "section",
           "article", "table", "tr", "dl", "dt", "dd", "figure", "figcaption", "header", "footer"}  # fmt: skip


@dataclass
class _Found:
    author: str
    dates: list[str]
    body: str


def _comment_thread(path: Path, tree: HtmlElement) -> tuple[list[RawComment], list[Problem]]:
    """Split the page's comment thread into comments and remove it from ``tree``.

    A comment answers the comment it sits inside (WordPress ``ul.children``, nested
    microdata) or, in Drupal, the comment just before the ``div.indented`` holding it.
    """
    matched = tree.xpath(_COMMENTS)
    if not matched:
        return [], []
    members = set(matched)
    found: dict[HtmlElement, _Found] = {}
    stand_in: dict[HtmlElement, HtmlElement] = {}  # a wrapper (li around article.comment) -> the comment inside
    for element in matched:
        author, dates = _author(element, members), _dates(element, members)
        if not author and not dates and any(_owner(other, members) is element for other in matched):
            continue
        found[element] = _Found(author, dates, _body(element, members))
    for element in matched:
        if element not in found:
            inner = next((other for other in matched if other in found and _owner(other, members) is element), None)
            if inner is not None:
                stand_in[element] = inner
    found = {element: item for element, item in found.items() if item.author or item.dates or item.body}
    if not found:
        return [], []

    comments: list[RawComment] = []
    problems: list[Problem] = []
    index_of: dict[HtmlElement, int] = {}
    for element, item in found.items():
        line = element.sourceline
        who = item.author or "an anonymous commenter"
        if not item.author:
            problems.append(Problem(path, line, "comment has no author; indexed without one", "author"))
        when, precision = None, ""
        for text in item.dates:
            try:
                when, precision = parse_date(text), given_precision(text)
                break
            except ValueError:
                continue
        if when is None:
            reason = f"unreadable date {item.dates[0]!r}" if item.dates else "no date"
            problems.append(Problem(path, line, f"comment by {who} has {reason}; indexed without a date", "date"))
        parent = _parent(element, members, stand_in)
        reply_to = index_of.get(parent) if parent is not None else None
        index_of[element] = len(comments)
        wrapper = next((outer for outer, inner in stand_in.items() if inner is element), None)
        comments.append(RawComment(item.author, when, item.body, reply_to, line, _cms_comment_id(element, wrapper),
                                   date_precision=precision))

    _remove_thread(tree, list(found), members)
    return comments, problems


_CMS_COMMENT_ID = re.compile(r"^(?:div-)?(comment-\d+)$")


def _cms_comment_id(element: HtmlElement, wrapper: HtmlElement | None) -> str:
    """The comment's number as the CMS wrote it: WordPress ``li#comment-N`` / ``article#div-comment-N``,
    Drupal's ``<a id="comment-N">`` anchor just before the comment; "" when there is none."""
    candidates = [element, wrapper]
    before = element.getprevious()
    while before is not None and before.tag == "a" and not before.text_content().strip():
        candidates.append(before)
        before = before.getprevious()
    for node in candidates:
        match = _CMS_COMMENT_ID.match((node.get("id") or "") if node is not None else "")
        if match:
            return match[1]
    return ""


def _owner(node: HtmlElement, members: set[HtmlElement]) -> HtmlElement | None:
    """The comment a node belongs to: its nearest enclosing comment element."""
    return next((ancestor for ancestor in node.iterancestors() if ancestor in members), None)


def _own(element: HtmlElement, members: set[HtmlElement], xpath: str) -> list[HtmlElement]:
    """What ``xpath`` finds in this comment and not in the replies nested inside it."""
    return [node for node in element.xpath(xpath) if _owner(node, members) is element and node not in members]


def _text(node: HtmlElement) -> str:
    return " ".join(node.text_content().split())


def _author(element: HtmlElement, members: set[HtmlElement]) -> str:
    for xpath in _AUTHOR_PATHS:
        for node in _own(element, members, xpath):
            names = node.xpath(".//*[@itemprop='name']") if node.get("itemscope") is not None else []
            name = _SAYS.sub("", _text(names[0] if names else node)).strip()
            if name:
                return name
    for node in _own(element, members, _SUBMITTED):
        submitted = _SUBMITTED_TEXT.match(_text(node))
        if submitted:
            return submitted["name"]
    return ""


def _dates(element: HtmlElement, members: set[HtmlElement]) -> list[str]:
    """Every date the comment shows, machine-readable attributes first."""
    dates: list[str] = []
    for xpath in _DATE_PATHS:
        for node in _own(element, members, xpath):
            dates.extend(value for value in (node.get("datetime"), node.get("content"), _text(node)) if value)
            dates.extend(_text(link) for link in node.iter("a"))  # "5 January 2010 at 3:45 pm (Edit)"
    for node in _own(element, members, _SUBMITTED):
        submitted = _SUBMITTED_TEXT.match(_text(node))
        dates.append(submitted["date"] if submitted else _text(node))
    return [value.strip() for value in dates if value.strip()]


def _body(element: HtmlElement, members: set[HtmlElement]) -> str:
    """The comment's text in paragraphs, without its byline, links and buttons or the replies to it."""
    source = next((nodes[0] for xpath in _BODY_PATHS if (nodes := _own(element, members, xpath))), element)
    body = copy.deepcopy(source)
    body.tail = None
    nested = f"{_MICRODATA_COMMENT} or {_has_class('comment')}"
    for node in body.xpath(f".//*[{nested}] | {_BODY_CHROME}"):
        if node.getparent() is not None:
            node.drop_tree()
    return paragraphs([line for line in _lines(body) if not _CHROME_LINE.match(line)])


def _lines(element: HtmlElement) -> list[str]:
    """Text with a blank line between blocks and a line break for each ``<br>``."""
    lines: list[str] = []
    current: list[str] = []

    def end_line(blank: bool) -> None:
        text = " ".join("".join(current).split())
        current.clear()
        if text:
            lines.append(text)
        if blank and lines and lines[-1]:
            lines.append("")

    def walk(node: HtmlElement) -> None:
        if not isinstance(node.tag, str):  # an HTML comment or processing instruction
            return
        block = node.tag in _BLOCKS
        if block:
            end_line(True)
        if node.tag == "br":
            end_line(False)
        elif node.text:
            current.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                current.append(child.tail)
        if block:
            end_line(True)

    walk(element)
    end_line(False)
    return lines


def _parent(element: HtmlElement, members: set[HtmlElement], stand_in: dict) -> HtmlElement | None:
    for ancestor in element.iterancestors():
        if ancestor in members and stand_in.get(ancestor) is not element:  # not the wrapper of this comment
            return stand_in.get(ancestor, ancestor)
        if "indented" in (ancestor.get("class") or "").split():
            before = ancestor.getprevious()
            while before is not None and before not in members:
                before = before.getprevious()
            if before is not None:
                return stand_in.get(before, before)
    return None


def _remove_thread(tree: HtmlElement, comments: list[HtmlElement], members: set[HtmlElement]) -> None:
    """Cut the thread out of the page: its outermost container, or each top-level comment if it has none."""
    targets: list[HtmlElement] = []
    for element in comments:
        containers = element.xpath(f"ancestor::*[{_CONTAINERS}][not(self::body or self::html or self::main)]")
        target = containers[0] if containers else element
        while not containers and (owner := _owner(target, members)) is not None:
            target = owner
        if target not in targets:
            targets.append(target)
    # Drupal's "Log in to post comments" / "Add new comment" links under the article itself.
    targets.extend(tree.xpath(" | ".join(f"//li[{_has_class(name)}]" for name in _COMMENT_LINKS)))
    for target in targets:
        if target.getparent() is not None:
            target.drop_tree()
