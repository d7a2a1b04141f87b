"""JSON Lines archives, one article per line with its comments nested, and the matching exporter.

A line looks like ``{"id": ..., "title": ..., "author": ..., "date": ..., "url": ..., "tags": [...],
"body": ..., "comments": [{"id": ..., "title": ..., "author": ..., "date": ..., "body": ..., "in_reply_to": 0}]}``;
``in_reply_to`` is an earlier comment's ``id``, its 0-based index in the list, or an author name.
``id`` and ``title`` are optional: an untitled record is titled from its opening words. Ids given
are kept in the documents' ids, so links to them survive corrections of the text.
A bad line is reported and skipped so one broken record does not cost the whole archive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from search.documents import Document, own_comment_id
from search.readers.base import Problem, RawComment, ReadError, ReadResult, build_thread
from search.readers.dates import parse_date


class _BadRecord(ValueError):
    """A line that parsed as JSON but is not a usable article record."""


def read_jsonl(path: Path, text: str) -> ReadResult:
    documents: list[Document] = []
    problems: list[Problem] = []
    skipped: list[Problem] = []
    # Split on "\n" only: str.splitlines would also break at U+2028 inside JSON strings.
    lines = text.split("\n")
    last = max((number for number, line in enumerate(lines, 1) if line.strip()), default=0)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            cut = " (the file looks truncated)" if number == last and _looks_cut(error, line) else ""
            skipped.append(
                Problem(path, number, f"invalid JSON{cut}: {error.msg}: column {error.colno}; line skipped", "parse")
            )
            continue
        try:
            thread, thread_problems = _thread(path, number, record, len(documents))
        except _BadRecord as error:
            skipped.append(Problem(path, number, f"{error}; line skipped", "parse"))
            continue
        documents.extend(thread)
        problems.extend(thread_problems)
    if not documents:
        if not skipped:
            raise ReadError(path, None, "file has no records", "empty file")
        first = skipped[0]
        raise ReadError(path, first.line, f"no usable record in the file (first: {first.reason})")
    return ReadResult(documents, sorted(problems + skipped, key=lambda problem: problem.line or 0))


def _looks_cut(error: json.JSONDecodeError, line: str) -> bool:
    """A last line that ends mid-value (rather than containing a typo) was cut off."""
    return error.pos >= len(line.rstrip()) - 1 or error.msg.startswith("Unterminated")


def _thread(path: Path, line: int, record: Any, position: int) -> tuple[list[Document], list[Problem]]:
    if not isinstance(record, dict):
        raise _BadRecord(f"expected a JSON object, found {_json_type(record)}")
    title = _text(record, "title")
    body = _text(record, "body", required=True)
    if not title.strip() and not body.strip():
        raise _BadRecord("neither a title nor a body")
    tags = record.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise _BadRecord("'tags' must be a list of strings")
    raw_comments = record.get("comments") or []
    if not isinstance(raw_comments, list):
        raise _BadRecord(f"'comments' must be a list, found {_json_type(raw_comments)}")

    author, url = _text(record, "author"), _text(record, "url")
    problems: list[Problem] = []
    date = _date(path, line, record, "the article", problems)
    comments: list[RawComment] = []
    kept: dict[int, int] = {}  # index as written -> index among the comments kept
    for index, raw in enumerate(raw_comments):
        try:
            comment = _comment(path, line, index, raw, kept, problems)
        except _BadRecord as error:
            problems.append(Problem(path, line, f"comment {index}: {error}; comment skipped", "parse"))
            continue
        kept[index] = len(comments)
        comments.append(comment)

    documents, thread_problems = build_thread(
        path,
        title=title,
        author=author,
        date=date,
        body=body,
        comments=comments,
        url=url,
        tags=tuple(tags),
        position=position,
        own_id=_own_id(record),
    )
    return documents, problems + thread_problems


def _comment(path: Path, line: int, index: int, raw: Any, kept: dict[int, int], problems: list[Problem]) -> RawComment:
    if not isinstance(raw, dict):
        raise _BadRecord(f"expected a JSON object, found {_json_type(raw)}")
    body = _text(raw, "body", required=True)
    reply_to = raw.get("in_reply_to")
    if isinstance(reply_to, bool) or not isinstance(reply_to, int | str | None):
        raise _BadRecord(f"'in_reply_to' must be a comment id, index or author name, found {_json_type(reply_to)}")
    if isinstance(reply_to, int):
        if reply_to not in kept:
            problems.append(Problem(path, line, f"comment {index}: in_reply_to {reply_to} is not an earlier comment",
                                    "reply link"))
            reply_to = None
        else:
            reply_to = kept[reply_to]
    date = _date(path, line, raw, f"comment {index}", problems)
    return RawComment(_text(raw, "author"), date, body, reply_to, line, _own_id(raw), _text(raw, "title").strip())


def _own_id(record: dict[str, Any]) -> str:
    """The record's ``id`` as text (a number or a string), or "" when it has none."""
    value = record.get("id")
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _BadRecord(f"'id' must be a string or a number, found {_json_type(value)}")
    return str(value).strip()


def _text(record: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = record.get(key)
    if value is None:
        if required:
            raise _BadRecord(f"missing '{key}'")
        return ""
    if not isinstance(value, str):
        raise _BadRecord(f"'{key}' must be a string, found {_json_type(value)}")
    return value


def _date(path: Path, line: int, record: dict[str, Any], what: str, problems: list[Problem]) -> datetime | None:
    value = record.get("date")
    if value is None or value == "":
        problems.append(Problem(path, line, f"{what} has no date; indexed without a date", "date"))
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a bare year
    if not isinstance(value, str):
        problems.append(
            Problem(path, line, f"{what}: 'date' must be a string, found {_json_type(value)}; indexed without a date",
                    "date")
        )
        return None
    try:
        return parse_date(value)
    except ValueError:
        problems.append(Problem(path, line, f"{what}: unreadable date {value!r}; indexed without a date", "date"))
        return None


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def write_jsonl(documents: Iterable[Document], out: TextIO) -> int:
    """Write documents as JSON Lines, one article per line with its comments, and return how many were written.

    The output reads back to the same documents (ids included), and writing what was
    read gives the same bytes, so an export can be diffed and re-imported safely.
    Raises ValueError for a comment whose article or parent comment is not among the documents.
    """
    articles: dict[str, Document] = {}
    comments: dict[str, list[Document]] = {}
    for document in documents:
        if document.kind == "article":
            articles[document.id] = document
            comments.setdefault(document.id, [])
        else:
            comments.setdefault(document.article_id, []).append(document)
    written = 0
    for art_id, thread in comments.items():
        article = articles.get(art_id)
        if article is None:
            raise ValueError(f"comment {thread[0].id} belongs to article {art_id}, which is not being written")
        thread.sort(key=lambda comment: comment.position)
        out.write(json.dumps(_record(article, thread), ensure_ascii=False) + "\n")
        written += 1 + len(thread)
    return written


def _record(article: Document, thread: list[Document]) -> dict[str, Any]:
    """The JSON Lines record of an article: ids and links written so a re-import gives the same ids."""
    own_ids = {comment.id: own_comment_id(comment) for comment in thread}
    items = []
    for comment in thread:
        item: dict[str, Any] = {"id": own_ids[comment.id]}
        if comment.heading:
            item["title"] = comment.heading
        item.update({"author": comment.author, "date": _iso(comment.date), "body": comment.body})
        if comment.parent_id is not None:
            if comment.parent_id not in own_ids:
                raise ValueError(f"comment {comment.id} answers {comment.parent_id}, which is not being written")
            item["in_reply_to"] = own_ids[comment.parent_id]
        items.append(item)
    record: dict[str, Any] = {"id": article.id, "title": None if article.title_generated else article.title,
                              "author": article.author, "date": _iso(article.date)}
    if article.url:
        record["url"] = article.url
    if article.tags:
        record["tags"] = list(article.tags)
    record["body"] = article.body
    if items:
        record["comments"] = items
    return record


def _iso(date: datetime | None) -> str | None:
    return date.isoformat() if date else None
