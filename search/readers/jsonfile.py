"""JSON files of articles: one article object, a list of them, or an object holding that list under a key.

These are the shapes sites and tools export: a speech per file, a dump of posts, an
API response or a JSON Feed (``{"items": [...]}``). Each record is read with the same
field mapping as JSON Lines (see ``records``). A list cut off part way keeps the
records before the cut; JSON Lines saved under a ``.json`` name is read as JSON Lines.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from search.documents import Document
from search.readers.base import Problem, ReadError, ReadResult
from search.readers.jsonl import read_jsonl
from search.readers.records import ROLES, BadRecord, Fields, json_type, record_thread
from search.readers.wordpress import LEFT_OUT, counted

LIST_KEYS = ("items", "articles", "posts", "data", "results", "entries", "records", "stories", "hits", "documents")
_DECODER = json.JSONDecoder()
_FEED_AUTHOR_KEYS = ("authors", "author")  # only these: a wrapper's "name" names the feed, not a writer
_SPACE = " \t\r\n"
_REDDIT = re.compile(r'\s*\[?\s*\{\s*"kind"\s*:\s*"Listing"')  # how Reddit's API answers open


class _Cut(Exception):
    """The JSON stops being valid at ``position``; the records before it were read."""

    def __init__(self, error: json.JSONDecodeError, text: str) -> None:
        super().__init__(error.msg)
        self.line = error.lineno
        self.truncated = error.pos >= len(text.rstrip()) - 1 or error.msg.startswith("Unterminated")
        self.reason = f"{error.msg}: line {error.lineno} column {error.colno}"


def read_json(path: Path, text: str) -> ReadResult:
    text = text.lstrip("\ufeff")
    if _REDDIT.match(text):
        return _read_reddit(path, text)
    start = _skip_space(text, 0)
    if text.startswith("[", start):
        return _read_records(path, _list_items(text, start), "the list")
    try:
        value, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as error:
        cut = _Cut(error, text)
        what = "the file looks truncated" if cut.truncated else "not valid JSON"
        raise ReadError(path, cut.line, f"{what} ({cut.reason}); nothing of it was read",
                        "truncated" if cut.truncated else "parse") from error
    except RecursionError as error:
        raise ReadError(path, _line_at(text, start), "JSON nested too deeply to read") from error
    after = _skip_space(text, end)
    if after < len(text):
        if isinstance(value, dict) and "\n" in text[end:after]:
            return read_jsonl(path, text)  # one object per line: JSON Lines under a .json name
        raise ReadError(path, _line_at(text, after), "unexpected text after the JSON value")
    if not isinstance(value, dict):
        raise ReadError(path, 1, f"expected an article object or a list of them, found {json_type(value)}",
                        "unsupported")
    if Fields.of(value).pick(value, "body")[1] is not None:
        return _read_records(path, iter([(value, _line_at(text, start))]), "the object")
    ghost = _ghost_data(value)
    if ghost is not None:
        return _read_ghost(path, ghost)
    key = next((key for key in LIST_KEYS if isinstance(value.get(key), list)), None)
    if key is None:
        found = ", ".join(value) or "nothing"
        raise ReadError(path, 1, f"a JSON object that is neither an article (no {', '.join(ROLES['body'][:3])}... "
                                 f"field) nor holds a list of them under {', '.join(LIST_KEYS)} (found: {found})",
                        "unsupported")
    return _read_records(path, ((_with_author(item, value), None) for item in value[key]), f"'{key}'")


def _read_reddit(path: Path, text: str) -> ReadResult:
    """Reddit's API JSON: a subreddit's Listing of posts, or a thread's page (the post's Listing, then its
    comments'). Every record is a "thing" (``{"kind": "t3", "data": {...}}``) and replies are Listings of their own;
    unwrapped, they are records with nested ``replies``, which thread themselves."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        cut = _Cut(error, text)
        raise ReadError(path, cut.line, f"{'the file looks truncated' if cut.truncated else 'not valid JSON'} "
                                        f"({cut.reason}); nothing of it was read",
                        "truncated" if cut.truncated else "parse") from error
    except RecursionError as error:
        raise ReadError(path, 1, "JSON nested too deeply to read") from error
    listings = value if isinstance(value, list) else [value]
    left_out: Counter = Counter()
    posts = _things(listings[0], left_out)
    if len(listings) == 2 and len(posts) == 1:
        posts[0]["replies"] = _things(listings[1], left_out)
    result = _read_records(path, ((post, None) for post in posts), "the Listing")
    if left_out:
        result.problems.append(Problem(path, None, f"left out: {counted(left_out)}", LEFT_OUT))
    return result


def _things(listing: Any, left_out: Counter) -> list[dict[str, Any]]:
    """A Listing's records, each one's ``replies`` Listing made a list of records in turn.

    Nesting says whom a reply answers, so ``parent_id`` goes; a permalink gets Reddit's address. Left out and
    counted: "more" stubs (their comments are not in the file) and deleted or removed comments nobody answered.
    """
    children = listing.get("data", {}).get("children") if isinstance(listing, dict) else None
    records = []
    for child in children if isinstance(children, list) else []:
        if not isinstance(child, dict) or not isinstance(child.get("data"), dict):
            continue
        if child.get("kind") == "more":
            left_out["hidden comment"] += child["data"].get("count") or 1  # behind "load more"
            continue
        record = dict(child["data"])
        record.pop("parent_id", None)
        record["replies"] = _things(record.get("replies"), left_out)
        if str(record.get("body", "")).strip() in ("[deleted]", "[removed]") and not record["replies"]:
            left_out["deleted or removed comment"] += 1
            continue
        if str(record.get("permalink", "")).startswith("/"):
            record["permalink"] = "https://www.reddit.com" + record["permalink"]
        records.append(record)
    return records


def _ghost_data(value: dict[str, Any]) -> dict[str, Any] | None:
    """The tables of a Ghost export (Settings > Labs > Export: ``{"db": [{"meta": ..., "data": {"posts": ...}}]}``)."""
    database = value.get("db")
    if not (isinstance(database, list) and database and isinstance(database[0], dict)):
        return None
    data = database[0].get("data")
    return data if isinstance(data, dict) and isinstance(data.get("posts"), list) else None


def _read_ghost(path: Path, data: dict[str, Any]) -> ReadResult:
    """A Ghost site's published posts and pages, with their authors' and tags' names from the export's tables;
    drafts and scheduled posts left out and counted. Ghost exports hold no addresses, only slugs."""
    users = {row.get("id"): row.get("name") for row in _rows(data, "users")}
    tag_names = {row.get("id"): row.get("name") for row in _rows(data, "tags")}
    authors = _linked(data, "posts_authors", "author_id", users)
    tags = _linked(data, "posts_tags", "tag_id", tag_names)
    records: list[dict[str, Any]] = []
    left_out: Counter = Counter()
    for post in _rows(data, "posts"):
        kind = post.get("type") or ("page" if post.get("page") else "post")
        if post.get("status") != "published":
            left_out[f"{post.get('status') or 'unpublished'} {kind}"] += 1
            continue
        body = {"content_html": post["html"]} if post.get("html") else {"text": post.get("plaintext") or ""}
        records.append({"id": f"ghost-{post.get('id')}", "title": post.get("title") or "",
                        "date": post.get("published_at"), **body,
                        "authors": authors.get(post.get("id")) or [users.get(post.get("author_id"))],
                        "tags": tags.get(post.get("id"), [])})
    result = _read_records(path, ((record, None) for record in records), "the Ghost export's posts")
    if left_out:
        result.problems.append(Problem(path, None, f"left out (not published writing): {counted(left_out)}",
                                       LEFT_OUT))
    return result


def _rows(data: dict[str, Any], table: str) -> list[dict[str, Any]]:
    rows = data.get(table)
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def _linked(data: dict[str, Any], table: str, key: str, names: dict[Any, Any]) -> dict[Any, list[str]]:
    """Each post's names through a link table (``posts_authors``, ``posts_tags``), in the site's order."""
    linked: dict[Any, list[str]] = {}
    for row in sorted(_rows(data, table), key=lambda row: row.get("sort_order") or 0):
        name = names.get(row.get(key))
        if isinstance(name, str) and name:
            linked.setdefault(row.get("post_id"), []).append(name)
    return linked


def _with_author(record: Any, wrapper: dict[str, Any]) -> Any:
    """A record without an author of its own takes its feed's (a JSON Feed's ``authors`` name everyone's)."""
    shared = next((wrapper[key] for key in _FEED_AUTHOR_KEYS if wrapper.get(key)), None)
    if shared is None or not isinstance(record, dict) or Fields.of(record).pick(record, "author")[1] is not None:
        return record
    return {**record, "authors": shared}


def _read_records(path: Path, items: Iterator[tuple[Any, int | None]], where: str) -> ReadResult:
    """Each record an article with its comments; a bad one is reported by its line (or number) and skipped."""
    documents: list[Document] = []
    problems: list[Problem] = []
    number = 0
    try:
        for number, (record, line) in enumerate(items, 1):
            label = "" if line else f"record {number} of {where}: "
            try:
                thread, thread_problems = record_thread(path, line, record, len(documents))
            except BadRecord as error:
                problems.append(Problem(path, line, f"{label}{error}; record skipped", error.kind))
                continue
            documents.extend(thread)
            problems.extend(thread_problems)
    except _Cut as cut:
        read = f"the {number} records" if number != 1 else "the 1 record"
        what = "the file looks truncated" if cut.truncated else "the JSON breaks"
        problems.append(Problem(path, cut.line, f"{what} ({cut.reason}); {read} before it were read, anything "
                                                "after it is lost", "truncated" if cut.truncated else "parse"))
    if not documents:
        if not problems:
            raise ReadError(path, 1, f"{where} holds no records", "empty file")
        first = problems[0]
        raise ReadError(path, first.line, f"no usable record in the file (first: {first.reason})", first.kind)
    return ReadResult(documents, problems)


def _list_items(text: str, start: int) -> Iterator[tuple[Any, int]]:
    """The values of the list opening at ``start``, each with its line, one at a time; _Cut where it breaks."""
    position = _skip_space(text, start + 1)
    if text.startswith("]", position):
        return
    line, counted = 1, 0
    while True:
        try:
            value, end = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise _Cut(error, text) from error
        except RecursionError as error:
            raise _Cut(json.JSONDecodeError("nested too deeply to read", text, position), text) from error
        line, counted = line + text.count("\n", counted, position), position
        yield value, line
        position = _skip_space(text, end)
        if text.startswith("]", position):
            return
        if not text.startswith(",", position):
            message = "Expecting ',' delimiter" if position < len(text) else "Unterminated list"
            raise _Cut(json.JSONDecodeError(message, text, position), text)
        position = _skip_space(text, position + 1)


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in _SPACE:
        position += 1
    return position


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1
