"""Spreadsheets of articles saved as CSV or TSV, one row per article or comment.

The header row names the columns, in any order: ``title``, ``author``, ``date`` and
``body`` are required; ``url``, ``tags`` (separated by ``;`` or ``,``) and ``id`` are
optional. A row with an ``article`` value is a comment on the article whose ``id``
or ``url`` it names; its ``in_reply_to`` may name the ``id`` of another comment on it.
A bad row is reported with its line and skipped; the other rows are kept.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from search.documents import Document
from search.joining import link_article_id, normalise_link
from search.readers.base import Problem, RawComment, ReadError, ReadResult, build_thread
from search.readers.dates import parse_date

REQUIRED = ("title", "author", "date", "body")
OPTIONAL = ("url", "tags", "id", "article", "in_reply_to")
_LONGEST_CELL = 20_000_000  # csv's default limit (128 KB) is shorter than a long essay


@dataclass
class _Article:
    row: dict[str, str]
    line: int
    comments: list[tuple[dict[str, str], int]] = field(default_factory=list)


def read_tabular(path: Path, text: str) -> ReadResult:
    csv.field_size_limit(max(csv.field_size_limit(), _LONGEST_CELL))
    delimiter = "\t" if path.name.lower().endswith((".tsv", ".tab")) else _delimiter(text)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter, strict=True)
    problems: list[Problem] = []
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration as error:
        raise ReadError(path, 1, "no header row") from error
    except csv.Error as error:
        raise ReadError(path, 1, f"the header row is not readable: {error}") from error
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        # None of them at all: some other table, not a spreadsheet of articles.
        raise ReadError(path, 1, f"the header row has no {_names(missing)} column "
                                 f"(found: {', '.join(name for name in header if name) or 'nothing'}); "
                                 f"required: {', '.join(REQUIRED)}",
                        "unsupported" if len(missing) == len(REQUIRED) else "parse")
    unknown = [name for name in header if name and name not in REQUIRED + OPTIONAL]
    if unknown:
        problems.append(Problem(path, 1, f"columns not read: {', '.join(unknown)}", "columns"))
    articles, comments = _rows(path, reader, header, problems)
    if not articles:
        raise ReadError(path, None, "no article rows" + (f" (first problem: {problems[0].reason})" if problems else ""))
    _attach(path, articles, comments, problems)
    documents: list[Document] = []
    for article in articles:
        documents.extend(_thread(path, article, len(documents), problems))
    return ReadResult(documents, sorted(problems, key=lambda problem: problem.line or 0))


def _delimiter(text: str) -> str:
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    return max(",;\t", key=first_line.count)


def _names(names: list[str]) -> str:
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _rows(path: Path, reader, header: list[str], problems: list[Problem]) -> tuple[list[_Article], list]:
    articles: list[_Article] = []
    comments: list[tuple[dict[str, str], int]] = []
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
        row = {name: value.strip() for name, value in zip(header, values, strict=True) if name}
        if row.get("article"):
            comments.append((row, start))
        elif not row["title"] or not row["body"]:
            problems.append(Problem(path, start, f"no {'title' if not row['title'] else 'body'}; row skipped",
                                    "empty record"))
        else:
            articles.append(_Article(row, start))
    return articles, comments


def _attach(path: Path, articles: list[_Article], comments: list, problems: list[Problem]) -> None:
    """Give each comment row to the article it names, by id or by link."""
    named: dict[str, _Article] = {}
    for article in articles:
        if article.row.get("id"):
            named.setdefault(article.row["id"], article)
        if article.row.get("url"):
            named.setdefault(normalise_link(article.row["url"]), article)
    for row, line in comments:
        target = named.get(row["article"]) or named.get(normalise_link(row["article"]))
        if target is None:
            problems.append(Problem(path, line, f"comment names article {row['article']!r}, which no row has as "
                                                "its id or url; row skipped", "reply link"))
        elif not row["body"]:
            problems.append(Problem(path, line, "comment has no body; row skipped", "empty record"))
        else:
            target.comments.append((row, line))


def _thread(path: Path, article: _Article, position: int, problems: list[Problem]) -> list[Document]:
    row = article.row
    comments = [RawComment(comment["author"], _date(path, line, comment, problems), comment["body"],
                           comment.get("in_reply_to") or None, line, comment.get("id", ""))
                for comment, line in article.comments]
    separator = ";" if ";" in row.get("tags", "") else ","
    tags = tuple(dict.fromkeys(tag.strip() for tag in row.get("tags", "").split(separator) if tag.strip()))
    url = row.get("url", "")
    documents, thread_problems = build_thread(
        path, title=row["title"], author=row["author"], date=_date(path, article.line, row, problems),
        body=row["body"], comments=comments, url=url, tags=tags, position=position,
        own_id=link_article_id(url) if url else row.get("id", ""))
    problems.extend(thread_problems)
    return documents


def _date(path: Path, line: int, row: dict[str, str], problems: list[Problem]) -> datetime | None:
    if not row["date"]:
        problems.append(Problem(path, line, "no date; indexed without a date", "date"))
        return None
    try:
        return parse_date(row["date"])
    except ValueError:
        problems.append(Problem(path, line, f"unreadable date {row['date']!r}; indexed without a date", "date"))
        return None
