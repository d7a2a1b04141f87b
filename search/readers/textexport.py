"""The archive site's plain-text export: a title, a submission line, an optional byline,
the article body, then comments each opened by a ``Submitted by NAME on DATE`` line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from search.documents import DatePrecision
from search.readers.base import Problem, RawComment, ReadError, ReadResult, build_thread, paragraphs
from search.readers.dates import given_precision, parse_date

_SUBMITTED = re.compile(r"^Submitted by (?P<name>.+?) on (?P<date>.+?)\s*$")
_BYLINE = re.compile(r"^By (?P<name>[^.,;:!?]{2,60})$")
_REPLY = re.compile(r"^In reply to by (?P<name>.+?)\s*$")
_CHROME = (
    re.compile(r"^Add new comment$"),
    re.compile(r"^This website uses cookies\b"),
    re.compile(r"^By continuing to use this website\b"),
    re.compile(r"\bPrivacy Policy\b"),
    re.compile(r"^(Log in|Register) to post comments$"),
)


@dataclass
class _Block:
    """The lines between two submission headers."""

    author: str
    date: datetime | None
    date_precision: DatePrecision
    line: int
    lines: list[str] = field(default_factory=list)


def read_text_export(path: Path, text: str) -> ReadResult:
    lines = text.splitlines()
    problems: list[Problem] = []
    title_line = next((number for number, line in enumerate(lines, 1) if line.strip()), None)
    if title_line is None:
        raise ReadError(path, None, "file has no text", "empty file")
    title = lines[title_line - 1].strip()
    if _SUBMITTED.match(title):
        raise ReadError(path, title_line, "expected a title on the first line, found a 'Submitted by' line")

    blocks: list[_Block] = []
    for number, line in enumerate(lines[title_line:], title_line + 1):
        header = _SUBMITTED.match(line.strip())
        if header:
            blocks.append(_Block(header["name"].strip(), *_date(path, number, header["date"], problems), number))
        elif blocks:
            blocks[-1].lines.append(line)
        elif line.strip():
            raise ReadError(path, number, "expected 'Submitted by NAME on DATE' after the title")
    if not blocks:
        raise ReadError(path, title_line, "no 'Submitted by NAME on DATE' line after the title")

    article, *comment_blocks = blocks
    article_lines = _strip_chrome(article.lines)
    author = article.author
    first = next((i for i, line in enumerate(article_lines) if line.strip()), None)
    if first is not None and (byline := _BYLINE.match(article_lines[first].strip())):
        author = byline["name"].strip()
        article_lines = article_lines[first + 1 :]

    comments = []
    for block in comment_blocks:
        body_lines = _strip_chrome(block.lines)
        reply_to = None
        first = next((i for i, line in enumerate(body_lines) if line.strip()), None)
        if first is not None and (reply := _REPLY.match(body_lines[first].strip())):
            reply_to = reply["name"]
            body_lines = body_lines[first + 1 :]
        comments.append(RawComment(block.author, block.date, paragraphs(body_lines), reply_to, block.line,
                                   date_precision=block.date_precision))

    documents, thread_problems = build_thread(
        path, title=title, author=author, date=article.date, body=paragraphs(article_lines), comments=comments,
        date_precision=article.date_precision,
    )
    return ReadResult(documents, problems + thread_problems)


def _date(path: Path, line: int, text: str, problems: list[Problem]) -> tuple[datetime | None, DatePrecision]:
    """The date and how much of it the line gave (a hand-made export may write only the day)."""
    try:
        return parse_date(text), given_precision(text)
    except ValueError:
        problems.append(Problem(path, line, f"unreadable date {text.strip()!r}; indexed without a date", "date"))
        return None, ""


def _strip_chrome(lines: list[str]) -> list[str]:
    return [line for line in lines if not any(pattern.search(line.strip()) for pattern in _CHROME)]
