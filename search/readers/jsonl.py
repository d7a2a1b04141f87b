"""JSON Lines archives, one article per line with its comments nested, and the matching exporter.

A line looks like ``{"id": ..., "title": ..., "author": ..., "date": ..., "url": ..., "tags": [...],
"body": ..., "comments": [{"id": ..., "title": ..., "author": ..., "date": ..., "body": ..., "in_reply_to": 0}]}``;
``in_reply_to`` is an earlier comment's ``id``, its 0-based index in the list, or an author name.
``id`` and ``title`` are optional: an untitled record is titled from its opening words. Ids given
are kept in the documents' ids, so links to them survive corrections of the text.
Other exports' names for these fields are read too (``text``, ``by``, ``children``...: see ``records``).
A bad line is reported and skipped so one broken record does not cost the whole archive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from search.documents import Document, given_date, own_comment_id
from search.readers.base import Problem, ReadError, ReadResult
from search.readers.records import BadRecord, record_thread


def read_jsonl(path: Path, text: str) -> ReadResult:
    documents: list[Document] = []
    problems: list[Problem] = []
    skipped: list[Problem] = []
    article_lines: dict[int, int] = {}
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
        except RecursionError:
            skipped.append(Problem(path, number, "JSON nested too deeply to read; line skipped", "parse"))
            continue
        try:
            thread, thread_problems = record_thread(path, number, record, len(documents))
        except BadRecord as error:
            skipped.append(Problem(path, number, f"{error}; line skipped", error.kind))
            continue
        documents.extend(thread)
        problems.extend(thread_problems)
        article_lines[thread[0].position] = number
    if not documents:
        if not skipped:
            raise ReadError(path, None, "file has no records", "empty file")
        first = skipped[0]
        raise ReadError(path, first.line, f"no usable record in the file (first: {first.reason})")
    return ReadResult(documents, sorted(problems + skipped, key=lambda problem: problem.line or 0), article_lines)


def _looks_cut(error: json.JSONDecodeError, line: str) -> bool:
    """A last line that ends mid-value (rather than containing a typo) was cut off."""
    return error.pos >= len(line.rstrip()) - 1 or error.msg.startswith("Unterminated")


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
        item.update({"author": comment.author, "date": given_date(comment), "body": comment.body})
        if comment.parent_id is not None:
            if comment.parent_id not in own_ids:
                raise ValueError(f"comment {comment.id} answers {comment.parent_id}, which is not being written")
            item["in_reply_to"] = own_ids[comment.parent_id]
        items.append(item)
    record: dict[str, Any] = {"id": article.id, "title": None if article.title_generated else article.title,
                              "author": article.author, "date": given_date(article)}
    if article.url:
        record["url"] = article.url
    if article.tags:
        record["tags"] = list(article.tags)
    record["body"] = article.body
    if items:
        record["comments"] = items
    return record
