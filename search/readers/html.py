"""Saved HTML article pages, read with trafilatura so menus, banners and share buttons stay out.

trafilatura finds the title, the main text and usually the date; the byline and date
lines that old sites print above the text (``By Nicole Colson | November 7, 2003 | Page 12``)
are taken from the first lines of that text. trafilatura hands back a page's comment
section as one undivided blob with no authors or dates, so comments are not indexed:
the page's article is, and a Problem says that comments were left out.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path

import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from search.readers.base import Problem, ReadError, ReadResult, build_thread
from search.readers.dates import parse_date

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

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


def read_html(path: Path, text: str) -> ReadResult:
    if len(text) > _MAX_CHARS:
        raise ReadError(path, None, f"page too large to extract ({len(text) // 1_000_000} MB of text, limit 20 MB)")
    problems: list[Problem] = []
    lowered = text.lower()
    if "<html" in lowered and "</html>" not in lowered:
        last_line = text.count("\n") + 1
        problems.append(
            Problem(path, last_line, "page ends before </html>: the file looks truncated; read what is there")
        )
    tree = load_html(text)
    if tree is None:
        raise ReadError(path, None, "not readable as HTML")
    _unwrap_layout_tables(tree)
    extracted = trafilatura.bare_extraction(
        tree,
        with_metadata=True,
        include_comments=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if extracted is None or not (extracted.text or "").strip():
        raise ReadError(path, None, "no article text found in the page")

    lines = [line.strip() for line in extracted.text.split("\n") if line.strip()]
    title = (extracted.title or "").strip()
    author, line_date, lines = _byline(lines, title)
    while lines and _COUNTER.match(lines[-1]):
        lines.pop()
    if not title:
        title = path.stem
        problems.append(Problem(path, None, f"page has no title; using the file name {title!r}"))
    author = (extracted.author or "").strip() or author
    if not author:
        problems.append(Problem(path, None, "no byline found; indexed without an author"))
    when = line_date or _metadata_date(extracted.date)
    if when is None:
        problems.append(Problem(path, None, "no date found in the page; indexed without a date"))
    if (extracted.comments or "").strip():
        problems.append(
            Problem(path, None, "the page's comment section was left out (it cannot be split into comments)")
        )
    documents, thread_problems = build_thread(
        path, title=title, author=author, date=when, body="\n\n".join(lines), comments=[], url=extracted.url or ""
    )
    return ReadResult(documents, problems + thread_problems)


def _unwrap_layout_tables(tree: HtmlElement) -> None:
    """Turn tables used for page layout into plain blocks so their text keeps its paragraphs.

    Sites from before CSS put the whole page in one table; trafilatura then reads the
    article as a single table cell and runs its paragraphs together.
    """
    for table in tree.xpath("//table[.//p or .//table]"):
        for element in table.iter("table", "thead", "tbody", "tfoot", "tr", "td", "th"):
            element.tag = "div"
            element.attrib.clear()


def _byline(lines: list[str], title: str) -> tuple[str, datetime | None, list[str]]:
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


def _line_date(line: str) -> datetime | None:
    """A line that is only a date, perhaps with a page or issue number: ``November 7, 2003 | Page 12``."""
    match = _DATE_LINE.match(line)
    if not match or not re.search(r"\d{4}", match["date"]):
        return None
    text = match["date"].strip()
    spanish = _SPANISH_DATE.match(text)
    if spanish and spanish[2].lower() in _SPANISH_MONTHS:
        text = f"{spanish[1] or 1} {_SPANISH_MONTHS[spanish[2].lower()]} {spanish[3]}"
    try:
        return parse_date(text)
    except ValueError:
        return None


def _metadata_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        return None
