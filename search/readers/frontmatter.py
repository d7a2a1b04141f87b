"""Markdown or plain-text essays with a YAML front-matter header, as static-site archives keep them.

Front matter gives ``title``, ``author``, ``date`` and ``tags``; Hugo's ``+++`` TOML header is read
too, a draft (``draft: true``, Jekyll's ``published: false``) is left out and counted, and a Jekyll
post's ``2011-10-21-title.md`` name dates it when nothing else does. Many converted archives
(marxists.org mirrors) leave it empty and keep the byline, title and date as the first
lines of the text, so whatever the header lacks is looked for there.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import BaseHandler

from search.documents import DatePrecision
from search.readers.base import Problem, ReadError, ReadResult, build_thread, paragraphs
from search.readers.boilerplate import without_site_chrome
from search.readers.dates import date_or_none, fuller_date, given_precision, parse_date
from search.readers.wordpress import LEFT_OUT

_HEADING = re.compile(r"^\|?\s*(?P<level>#{1,6})\s+(?P<text>.+?)\s*(?:#+\s*)?\|?\s*$")
_RULE = re.compile(r"^(?:[-*_]\s*){3,}$")
_BOX = re.compile(r"^\+[-=+]+\+$")  # the border of a pandoc table box
_NAV = re.compile(r"\{#top\}|\\>")
_NAME_YEAR = re.compile(r"^(?P<name>[A-Z][^\d\[\]()#*|]{2,60}?)\s+(?P<year>1[5-9]\d\d|20\d\d)$")
# How far down the opening lines (byline, title, date, source note) reach.
_OPENING_LINES = 40
_MASTHEAD_LINES, _MASTHEAD_LENGTH = 2, 80  # short lines that may stand above the first heading
_CONTENTS_SHARE = 0.5  # of the text that is link text, from which a page is a list of links, not an essay
_WORD = re.compile(r"[^\W\d_]{2}")  # a title has words, not only a number or markup
_NAME_WORD = re.compile(r"^(?:[A-ZÀ-Þ][\w.'’-]*|de|del|della|van|von|der|la|le|y|of)$")
# Markdown and pandoc markup that only gets in the way of searching the text.
_HEADING_MARK = re.compile(r"^#{1,6}[ \t]+", re.MULTILINE)
# Link text stays within its paragraph, and an escaped "\[" in the text opens no link.
_LINK = re.compile(r"(?<!\\)!?\[((?:\\.|[^\]\\\n]|\n(?!\s*\n))*)\]\([^)\s]*\)")
_CELL_BORDER = re.compile(r"\s\|\s")
_LINK_END = re.compile(r"^[^\[\]]*\]\([^)\s]*\)")  # the end of a link begun on the line before
_IMAGE = re.compile(r"(?<!\\)!\[(?:\\.|[^\]\\\n])*\]\([^)\s]*\)")
_SPAN = re.compile(r"(?<!\\)\[((?:\\.|[^\]\\\n]|\n(?!\s*\n))*)\]\{[^}]*\}")
_LINE_BREAK = re.compile(r"[ \t]*\\$", re.MULTILINE)
_FENCE = re.compile(r"^[ \t]*(?:>[ \t]?)*:::.*$", re.MULTILINE)  # pandoc's "::: border" div fences
_QUOTE_MARK = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.MULTILINE)
_ATTRIBUTES = re.compile(r"\{[#.][^}]*\}|\{[^{}]{0,300}=[^{}]{0,300}\}")  # {#top}, {.small}, {width="419" ...}
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>'\"])")
_EMPHASIS = re.compile(r"\*{1,3}|(?<!\w)_{1,3}|_{1,3}(?!\w)")
_DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-")  # a Jekyll post: _posts/2011-10-21-title.md
_TOML_LINE = re.compile(r"at line (\d+)")


class _TomlHandler(BaseHandler):
    """Hugo's ``+++`` TOML front matter, read by the standard library (python-frontmatter wants ``toml`` for it)."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        return tomllib.loads(fm)


@dataclass
class _Header:
    """What the opening lines of an essay say about it, and which lines said it."""

    title: str = ""
    author: str = ""
    date: datetime | None = None
    precision: DatePrecision = ""
    lines: dict[str, set[int]] = field(default_factory=lambda: {"title": set(), "author": set(), "date": set()})
    chrome: set[int] = field(default_factory=set)


def read_frontmatter(path: Path, text: str) -> ReadResult:
    toml = text.lstrip("\ufeff").startswith("+++")
    try:
        post = frontmatter.loads(text, handler=_TomlHandler() if toml else None)
    except tomllib.TOMLDecodeError as error:
        line = _TOML_LINE.search(str(error))
        raise ReadError(path, int(line[1]) + 1 if line else 1, f"front matter is not valid TOML: {error}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ReadError(path, line, f"front matter is not valid YAML: {reason}") from error
    problems: list[Problem] = []
    meta: dict[str, Any] = post.metadata
    content = post.content
    if not meta and content.startswith("---"):
        problems.append(Problem(path, 1, "front matter opened with '---' is never closed; read as plain text"))
        content = content[3:]
    if meta.get("draft") is True or meta.get("published") is False:
        marked = "draft: true" if meta.get("draft") is True else "published: false"
        return ReadResult([], [Problem(path, None, f"a draft ({marked} in the front matter); left out", LEFT_OUT)])

    lines = content.split("\n")
    header = _header(lines)
    drop = set(header.chrome)
    title = _meta_text(meta.get("title"))
    if not title:
        title = header.title  # else build_thread titles it from its opening words, marked as made up
        found = f"the first heading {title!r}" if title else "its opening words"
        problems.append(Problem(path, None, f"no title in the front matter; using {found}", "title"))
        drop |= header.lines["title"]
    author = _meta_text(meta.get("author"))
    if not author:
        author = header.author
        if author:
            drop |= header.lines["author"]
        else:
            problems.append(Problem(path, None, "no author in the front matter or a byline", "author"))
    when, precision = _meta_date(path, meta.get("date"), problems)
    if when is None and (dated_name := _DATED_NAME.match(path.name)):
        when, precision = date_or_none(dated_name[1]), "day"
    if when is None:
        when, precision = header.date, header.precision
        if when is not None:
            drop |= header.lines["date"]
        elif meta.get("date") in (None, ""):
            problems.append(
                Problem(path, None, "no date in the front matter or the opening lines; indexed without a date", "date")
            )
    if when is not None and precision == "year":
        when, precision = fuller_date(when.year, _plain("\n".join(lines[:_OPENING_LINES]))) or (when, precision)

    kept = "\n".join(
        line
        for number, line in enumerate(lines)
        if number not in drop and not _RULE.match(line.strip()) and not _BOX.match(line.strip())
    )
    body = without_site_chrome(paragraphs(_plain(kept).split("\n")))
    linked = _link_share(content)
    if linked >= _CONTENTS_SHARE or (not body and _LINK.search(content)):
        share = f"{linked:.0%} of its text is links to other pages" if body else "only links and pictures"
        reason = f"a contents page ({share}), not an essay"
        return ReadResult([], [Problem(path, None, f"{reason}; left out", LEFT_OUT)])
    if not body:
        raise ReadError(path, None, "no essay text after the front matter", "empty file")
    documents, thread_problems = build_thread(
        path, title=title, author=author, date=when, body=body, comments=[], tags=_tags(meta.get("tags")),
        date_precision=precision,
    )
    return ReadResult(documents, problems + thread_problems)


def _link_share(markdown: str) -> float:
    """How much of the text a reader sees is the text of links: most of it, on a contents page."""
    seen = len("".join(_plain(markdown).split()))
    linked = sum(len("".join(_plain(link[1]).split())) for link in _LINK.finditer(_IMAGE.sub("", markdown)))
    return linked / seen if seen else 0.0


def _header(lines: list[str]) -> _Header:
    """Read title, byline and date from the opening lines, up to the first rule or paragraph of prose.

    Recognised: marxists.org's ``## Author`` / ``# Title`` / ``### (13 August 1898)`` headings
    (a title may sit in a pandoc table box), and a ``Paul Lafargue 1884`` byline line.
    """
    header = _Header()
    headings: list[tuple[int, int, str]] = []
    masthead = 0
    for number, raw in enumerate(lines[:_OPENING_LINES]):
        line = raw.replace("\u00a0", " ").strip()
        if not line:
            continue
        if _RULE.match(line):
            if headings or header.author:
                break
            continue
        if _is_chrome(line):
            header.chrome.add(number)
            continue
        heading = _HEADING.match(line)
        if heading:
            cell = _CELL_BORDER.split(heading["text"])[0]  # a heading in a pandoc grid table ends at its cell
            headings.append((number, len(heading["level"]), _plain(cell).strip()))
            continue
        byline = _NAME_YEAR.match(_plain(line).strip())
        if byline and not header.author and _looks_like_name(byline["name"]):
            header.author, header.date = byline["name"].strip(), parse_date(byline["year"])
            header.precision = "year"
            header.lines["author"] = header.lines["date"] = {number}
            continue
        if not headings and len(line) <= _MASTHEAD_LENGTH and (masthead := masthead + 1) <= _MASTHEAD_LINES:
            continue  # a line above the title ("Vol. IV, No. 24. NEW YORK, ...", "Plekhanov 1898") stays in the text
        break

    h1 = next((number for number, level, _ in headings if level == 1), None)
    dated = False
    for number, level, text in headings:
        when = _heading_date(text)
        if when is not None:
            if not dated:
                (header.date, header.precision), header.lines["date"], dated = when, {number}, True
        elif h1 is not None and level > 1 and number < h1 and not header.author and _looks_like_name(text):
            header.author, header.lines["author"] = text, {number}
        elif not header.title and (h1 is None or number == h1) and _WORD.search(text):
            header.title, header.lines["title"] = text, {number}
    return header


def _is_chrome(line: str) -> bool:
    """Breadcrumb links (``[MIA](../index.htm){#top} \\>``) or the frame of a pandoc table box."""
    if _HEADING.match(line):
        return False
    if _NAV.search(line) or _BOX.match(line) or (line.startswith("|") and line.endswith("|")):
        return True
    return not _ATTRIBUTES.sub("", _LINK.sub("", _LINK_END.sub("", line))).strip(" \\>")


def _heading_date(text: str) -> tuple[datetime, DatePrecision] | None:
    """A heading that is only a date, such as ``(13 August 1898)`` or ``1898``, and how much of it it gives."""
    inner = text.strip().strip("()[]").strip()
    if len(inner) > 40 or not re.search(r"\d{4}", inner):
        return None
    when = date_or_none(inner)
    return None if when is None else (when, given_precision(inner))


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 5 and all(_NAME_WORD.match(word) for word in words)


def _plain(text: str) -> str:
    """Markdown link, span and attribute markup reduced to the words a reader sees; images go."""
    text = _FENCE.sub("", text)
    text = _QUOTE_MARK.sub("", text)
    text = _HEADING_MARK.sub("", text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _SPAN.sub(r"\1", text)
    text = _ATTRIBUTES.sub("", text)
    text = _LINE_BREAK.sub("", text)
    text = _ESCAPE.sub(r"\1", text)
    return _EMPHASIS.sub("", text).rstrip()


def _meta_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item).strip() for item in value if item is not None)
    return str(value).strip()


def _meta_date(path: Path, value: Any, problems: list[Problem]) -> tuple[datetime | None, DatePrecision]:
    """The front matter's date (YAML may have read it as a datetime, a date or a number) and its precision."""
    if value is None or value == "":
        return None, ""
    if isinstance(value, datetime):
        return (value.replace(tzinfo=None) if value.tzinfo is None else parse_date(value.isoformat())), ""
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day), "day"
    try:
        return parse_date(str(value)), given_precision(str(value))
    except ValueError:
        problems.append(
            Problem(path, None, f"unreadable date {str(value)!r} in the front matter; indexed without a date", "date")
        )
        return None, ""


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return ()
    return tuple(str(tag).strip() for tag in value if tag is not None and str(tag).strip())
