"""Movable Type's export format (``.txt``), which TypePad, Hatena Blog and many blog tools also write.

Entries are separated by a line of eight dashes, an entry's sections by a line of five:
first its fields (``TITLE:``, ``AUTHOR:``, ``DATE:``, ``CATEGORY:``, ``TAGS:``...), then
``BODY:``, ``EXTENDED BODY:``, ``EXCERPT:``, ``KEYWORDS:``, and a ``COMMENT:`` or ``PING:``
section for each comment and trackback. Published entries become articles, with the
body and extended body as their text and their comments (which the format does not
thread) in order; drafts, scheduled entries and trackbacks are left out and counted.
Dates are written month first (``01/31/2002 03:31:05 PM``), without an offset.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from search.documents import Document
from search.readers.base import Problem, RawComment, ReadError, ReadResult, build_thread
from search.readers.dates import given_precision, parse_date
from search.readers.records import plain_body
from search.readers.wordpress import LEFT_OUT, counted

_ENTRY_END = "--------"
_SECTION_END = "-----"
_FIELD = re.compile(r"^([A-Z][A-Z0-9_ ]*[A-Z0-9]): ?(.*)$")
_FIRST_FIELDS = {"AUTHOR", "TITLE", "BASENAME", "STATUS", "DATE", "ALLOW COMMENTS", "ALLOW PINGS", "CONVERT BREAKS",
                 "PRIMARY CATEGORY", "CATEGORY", "TAGS", "NO ENTRY", "UNIQUE URL"}
_TEXT_SECTIONS = {"BODY", "EXTENDED BODY"}
_LEFT_OUT_STATUS = {"draft": "draft entry", "future": "scheduled entry", "review": "entry awaiting review",
                    "unpublish": "unpublished entry"}


@dataclass
class _Entry:
    line: int
    fields: dict[str, list[str]] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)
    comments: list[RawComment] = field(default_factory=list)
    pings: int = 0

    def first(self, name: str) -> str:
        return (self.fields.get(name) or [""])[0].strip()


def looks_like_movable_type(text: str) -> bool:
    """An export opens with an entry's fields (``AUTHOR:``, ``TITLE:``...) and has a ``-----`` section line."""
    lines = text.lstrip("\ufeff").lstrip().splitlines()[:40]
    match = _FIELD.match(lines[0]) if lines else None
    return match is not None and match[1] in _FIRST_FIELDS and _SECTION_END in lines


def read_movable_type(path: Path, text: str) -> ReadResult:
    problems: list[Problem] = []
    left_out: Counter = Counter()
    documents: list[Document] = []
    entries, closed = _entries(text)
    if not entries:
        raise ReadError(path, 1, "not a Movable Type export: no entry with a TITLE, AUTHOR or DATE field")
    if not closed:
        problems.append(Problem(path, text.rstrip().count("\n") + 1, f"the file looks truncated (its last entry, "
                                f"line {entries[-1].line}, has no closing '{_ENTRY_END}' line); it was read as far as "
                                "it goes", "truncated"))
    for entry in entries:
        status = entry.first("STATUS").lower()
        if status in _LEFT_OUT_STATUS:
            left_out[_LEFT_OUT_STATUS[status]] += 1
            continue
        if entry.pings:
            left_out["trackback"] += entry.pings
        title = entry.first("TITLE")
        body = plain_body("body", "\n\n".join(part for part in entry.text if part.strip()))
        if not title and not body:
            left_out["empty entry"] += 1
            continue
        date = _date(path, entry.line, entry.first("DATE"), f"{title!r}", problems)
        thread, thread_problems = build_thread(
            path, title=title, author=entry.first("AUTHOR"), date=date, body=body, comments=entry.comments,
            tags=_tags(entry), position=len(documents), date_precision=given_precision(entry.first("DATE")))
        documents.extend(thread)
        problems.extend(thread_problems)
    if not documents and not left_out:
        raise ReadError(path, None, "the Movable Type export holds no entries")
    if left_out:
        problems.append(Problem(path, None, f"left out (not published writing): {counted(left_out)}", LEFT_OUT))
    return ReadResult(documents, problems)


def _entries(text: str) -> tuple[list[_Entry], bool]:
    """The entries with their fields, text sections and comments, each with the line it starts on, and whether
    the last one was closed by its separator line (an export cut off part way is not)."""
    entries: list[_Entry] = []
    entry: _Entry | None = None
    section: list[tuple[int, str]] = []
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        if entry is None:
            if not line.strip():
                continue
            entry = _Entry(number)
        if line.rstrip() == _SECTION_END or line.rstrip() == _ENTRY_END:
            _add_section(entry, section)
            section = []
            if line.rstrip() == _ENTRY_END:
                entries.append(entry)
                entry = None
            continue
        section.append((number, line))
    closed = entry is None
    if entry is not None:
        _add_section(entry, section)
        entries.append(entry)
    return [entry for entry in entries if entry.fields or entry.text], closed


def _add_section(entry: _Entry, section: list[tuple[int, str]]) -> None:
    lines = [line for _, line in section]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return
    first = lines[0].rstrip()
    heading = first[:-1] if first.endswith(":") else None
    if heading in _TEXT_SECTIONS:
        entry.text.append("\n".join(lines[1:]).strip())
    elif heading == "COMMENT":
        entry.comments.append(_comment(section[0][0], lines[1:]))
    elif heading == "PING":
        entry.pings += 1
    elif heading is None and not entry.fields and not entry.text:
        for line in lines:
            if match := _FIELD.match(line.rstrip()):
                entry.fields.setdefault(match[1], []).append(match[2])
    # EXCERPT, KEYWORDS and other sections summarise or describe the text: not more of it.


def _comment(line: int, lines: list[str]) -> RawComment:
    """A comment's fields (AUTHOR, DATE, EMAIL, IP, URL) come first, then its text."""
    fields: dict[str, str] = {}
    while lines and (match := _FIELD.match(lines[0].rstrip())) and match[1] in {"AUTHOR", "DATE", "EMAIL", "IP",
                                                                                 "URL"}:
        fields.setdefault(match[1], match[2].strip())
        lines = lines[1:]
    date = _date(None, line, fields.get("DATE", ""), "a comment", None)
    return RawComment(fields.get("AUTHOR", ""), date, plain_body("body", "\n".join(lines).strip()), line=line,
                      date_precision=given_precision(fields.get("DATE", "")) if date else "")


def _date(path: Path | None, line: int, text: str, what: str, problems: list[Problem] | None) -> datetime | None:
    if not text:
        return None
    try:
        return parse_date(text, dayfirst=False)  # the format writes the month first
    except ValueError:
        if problems is not None and path is not None:
            problems.append(Problem(path, line, f"{what}: unreadable date {text!r}; indexed without a date", "date"))
        return None


def _tags(entry: _Entry) -> tuple[str, ...]:
    """Categories, then tags (``TAGS: "Movable Type",foo,bar``: comma separated, quoted where they hold one)."""
    tags = [value.strip() for name in ("PRIMARY CATEGORY", "CATEGORY") for value in entry.fields.get(name, [])]
    for value in entry.fields.get("TAGS", []):
        tags.extend(tag.strip() for row in csv.reader([value]) for tag in row)
    return tuple(dict.fromkeys(tag for tag in tags if tag))
