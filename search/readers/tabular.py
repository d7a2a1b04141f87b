"""Spreadsheets of articles saved as CSV or TSV, one row per article or comment.

The header row names the columns, in any order and under any of the names other
exports use (``text,name,year`` reads as body, author and date: see ``records``). A
body column is required; ``title``, ``author``, ``date``, ``url``, ``tags`` (separated
by ``;`` or ``,``) and ``id`` are optional, and an untitled row is titled from its
opening words. A row with an ``article`` value is a comment on the article whose ``id``
or ``url`` it names; its ``in_reply_to`` may name the ``id`` of another comment on it.
A bad row is reported with its line and skipped; the other rows are kept.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.documents import Document
from search.joining import link_article_id, normalise_link
from search.readers.base import Problem, RawComment, ReadError, ReadResult, build_thread
from search.readers.records import (
    ROLES,
    Fields,
    author_of,
    body_of,
    own_id_of,
    record_date,
    tags_of,
    text_of,
)

_ARTICLE = "article"  # the column by which a comment row names its article
_EXCEL_SEPARATOR = re.compile(r"sep=([,;\t|])[ \t]*\r?\n")  # Excel's first line naming the delimiter
_PREAMBLE_LINES = 4  # title and date lines a report may put before its header
_LAST_WORDS = {"title": ("title", "headline"), "body": ("body", "text", "content"), "date": ("date",),
               "author": ("author",)}
_NUMERIC_DATE = re.compile(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\b")
_LONGEST_CELL = 20_000_000  # csv's default limit (128 KB) is shorter than a long essay


@dataclass
class _Article:
    fields: dict[str, Any]  # the arguments of build_thread read from the row
    line: int
    own_id: str
    comments: list[RawComment] = field(default_factory=list)


def read_tabular(path: Path, text: str) -> ReadResult:
    csv.field_size_limit(max(csv.field_size_limit(), _LONGEST_CELL))
    text = text.lstrip("\ufeff")
    excel_separator = _EXCEL_SEPARATOR.match(text)
    delimiter = (excel_separator[1] if excel_separator else
                 "\t" if path.name.lower().endswith((".tsv", ".tab")) else _delimiter(text))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    problems: list[Problem] = []
    try:
        if excel_separator:
            next(reader)  # Excel's "sep=;" line, before the header
        header_line, header = _header(path, reader, problems)
    except csv.Error as error:
        raise ReadError(path, reader.line_num or 1, f"the header row is not readable: {error}") from error
    columns = Fields.of([name for name in header if name])
    if not columns.keys["body"]:
        # No column of any role at all: some other table, not a spreadsheet of articles.
        known = any(columns.keys.values())
        raise ReadError(path, header_line, f"the header row has no body column (one of {', '.join(ROLES['body'])}; "
                                           f"found: {', '.join(name for name in header if name) or 'nothing'})",
                        "parse" if known else "unsupported")
    read = {name for names in columns.keys.values() for name in names} | {_ARTICLE}
    unknown = [name for name in header if name and name not in read]
    if unknown:
        problems.append(Problem(path, header_line, f"columns not read: {', '.join(unknown)}", "columns"))
    if not columns.keys["date"]:
        problems.append(Problem(path, header_line, f"no date column (one of {', '.join(ROLES['date'])}); rows "
                                                   "indexed without a date", "date"))
    articles, comments = _rows(path, reader, header, columns, problems)
    if not articles:
        raise ReadError(path, None, "no article rows" + (f" (first problem: {problems[0].reason})" if problems else ""))
    _attach(path, articles, comments, problems)
    documents: list[Document] = []
    for article in articles:
        thread, thread_problems = build_thread(path, comments=article.comments, position=len(documents),
                                               **article.fields)
        documents.extend(thread)
        problems.extend(thread_problems)
    return ReadResult(documents, sorted(problems, key=lambda problem: problem.line or 0))


def _header(path: Path, reader, problems: list[Problem]) -> tuple[int, list[str]]:
    """The header row and its line. Reports exported from tools may open with title or date lines (a cell each)
    before it: those are skipped, and said to be, when a header with a body column follows them. Without one,
    the first line is the header (for the caller's message)."""
    skipped: list[tuple[int, list[str]]] = []
    while (row := next(reader, None)) is not None:
        header = _names(row)
        if Fields.of([name for name in header if name]).keys["body"]:
            if skipped:
                shown = " / ".join(" ".join(cell.strip() for cell in cells if cell.strip()) for _, cells in skipped)
                problems.append(Problem(path, skipped[0][0], f"{len(skipped)} line(s) before the header row skipped"
                                                             f": {shown.strip(' /')[:80]}", "columns"))
            return reader.line_num, header
        if sum(bool(cell.strip()) for cell in row) > 1 or len(skipped) == _PREAMBLE_LINES:
            break
        skipped.append((reader.line_num, row))
    if row is None and not skipped:
        raise ReadError(path, 1, "no header row")
    line, first = skipped[0] if skipped else (reader.line_num, row)
    return line, _names(first)


def _names(row: list[str]) -> list[str]:
    return _qualified_columns([_column_name(name) for name in row])


def _delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    return max(",;\t", key=first_line.count)


def _column_name(name: str) -> str:
    """A header as the field names are written: ``Date Published`` and ``date-published`` are ``date_published``."""
    return re.sub(r"[\s-]+", "_", name.strip()).casefold()


def _qualified_columns(header: list[str]) -> list[str]:
    """``Post Title``, ``Article Text``, ``Publication Date``: a column whose last word names a part no other
    column names plays that part (as ``title``, ``body``, ``date``, ``author``)."""
    header = list(header)
    for role, words in _LAST_WORDS.items():
        if Fields.of([name for name in header if name]).keys[role]:
            continue
        position = next((position for position, name in enumerate(header)
                         if "_" in name and name.rpartition("_")[2] in words), None)
        if position is not None:
            header[position] = role
    return header


def _month_first(rows: list[tuple[int, list[str]]], columns: Fields, header: list[str]) -> bool:
    """Whether the file's numeric dates put the month first (``03/15/2012``), as US spreadsheets do.

    ``03/04/2012`` alone could be either; a file is month-first when some date's second number is over 12
    and none's first is, so one row that can only be read one way decides the others.
    """
    positions = [header.index(name) for name in columns.keys["date"]]
    day_first_seen = month_first_seen = False
    for _, values in rows:
        for position in positions:
            if position < len(values) and (match := _NUMERIC_DATE.match(values[position])):
                day_first_seen |= int(match[1]) > 12
                month_first_seen |= int(match[2]) > 12
    return month_first_seen and not day_first_seen


def _rows(path: Path, reader, header: list[str], columns: Fields,
          problems: list[Problem]) -> tuple[list[_Article], list[tuple[str, RawComment]]]:
    articles: list[_Article] = []
    comments: list[tuple[str, RawComment]] = []  # (the article the row names, the comment)
    rows = _read_rows(path, reader, header, problems)
    dayfirst = not _month_first(rows, columns, header)
    for start, values in rows:
        row = {name: value.strip() for name, value in zip(header, values, strict=True) if name}
        what = "the comment" if row.get(_ARTICLE) else "the article"
        body = body_of(columns, row)
        if not body:
            problems.append(Problem(path, start, f"{what} has no body; row skipped", "empty record"))
            continue
        date, precision = (record_date(path, start, columns, row, what, problems, dayfirst) if columns.keys["date"]
                           else (None, ""))
        author = author_of(columns, row)
        if row.get(_ARTICLE):
            comment = RawComment(author, date, body, text_of(columns, row, "in_reply_to") or None, start,
                                 own_id_of(columns, row), text_of(columns, row, "title"), precision)
            comments.append((row[_ARTICLE], comment))
            continue
        url = text_of(columns, row, "url")
        own_id = own_id_of(columns, row)
        articles.append(_Article(
            {"title": text_of(columns, row, "title"), "author": author, "date": date, "date_precision": precision,
             "body": body, "url": url, "tags": tags_of(columns, row),
             "own_id": link_article_id(url) if url else own_id}, start, own_id))
    return articles, comments


def _read_rows(path: Path, reader, header: list[str], problems: list[Problem]) -> list[tuple[int, list[str]]]:
    """The rows with as many fields as the header, each with the line it starts on; the others reported."""
    rows: list[tuple[int, list[str]]] = []
    line = reader.line_num
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            cut = "the file looks truncated: " if "end of data" in str(error) else ""
            problems.append(Problem(path, reader.line_num, f"{cut}unreadable row ({error}); the rest of the file "
                                                           "is lost", "truncated" if cut else "parse"))
            break
        start, line = line + 1, reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            problems.append(Problem(path, start, f"{len(values)} fields where the header has {len(header)}; "
                                                 "row skipped", "parse"))
            continue
        rows.append((start, values))
    return rows


def _attach(path: Path, articles: list[_Article], comments: list[tuple[str, RawComment]],
            problems: list[Problem]) -> None:
    """Give each comment row to the article it names, by id or by link."""
    named: dict[str, _Article] = {}
    for article in articles:
        if article.own_id:
            named.setdefault(article.own_id, article)
        if article.fields["url"]:
            named.setdefault(normalise_link(article.fields["url"]), article)
    for name, comment in comments:
        target = named.get(name) or named.get(normalise_link(name))
        if target is None:
            problems.append(Problem(path, comment.line, f"comment names article {name!r}, which no row has as "
                                                        "its id or url; row skipped", "reply link"))
        else:
            target.comments.append(comment)
