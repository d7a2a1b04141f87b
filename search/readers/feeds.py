"""RSS 2.0, RSS 1.0 and Atom feeds: each item an article, read with feedparser.

Feeds are often not quite well formed; feedparser then reads what it can, and the
file's summary says so. Dates keep the offset the feed wrote (``+0100``); the item's
link keys the article (``search.joining``), so a Disqus thread on the same page joins it.
"""

from __future__ import annotations

import io
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from search.documents import DatePrecision, Document
from search.joining import link_article_id
from search.readers.base import Problem, ReadError, ReadResult, build_thread
from search.readers.dates import given_precision, parse_date
from search.readers.markup import html_to_text, refuse_doctype


def read_feed(path: Path, text: str) -> ReadResult:
    import feedparser  # here, not at the top: it takes longer to import than most feeds take to read

    refuse_doctype(path, text)
    # A stream, never a string: feedparser fetches a string that looks like a URL.
    parsed = feedparser.parse(io.BytesIO(text.encode("utf-8")), response_headers={"content-type": "application/xml;"
                                                                                    " charset=utf-8"})
    problems: list[Problem] = []
    if parsed.get("bozo"):
        error = parsed.get("bozo_exception")
        line = error.getLineNumber() if hasattr(error, "getLineNumber") else None
        if not parsed.entries:
            raise ReadError(path, line, f"not a readable feed: {_reason(error)}")
        problems.append(Problem(path, line, f"the feed is not well-formed XML ({_reason(error)}); "
                                            f"{len(parsed.entries)} items read by the lenient parser", "parse"))
    if not parsed.entries:
        raise ReadError(path, None, "the feed has no items")
    feed_author = _author(parsed.feed)
    documents: list[Document] = []
    for number, entry in enumerate(parsed.entries, 1):
        body = html_to_text(_content(entry))
        title = (entry.get("title") or "").strip()
        if not title and not body:
            problems.append(Problem(path, None, f"item {number} has neither title nor text; skipped", "empty record"))
            continue
        date, precision = _date(entry)
        if date is None:
            problems.append(Problem(path, None, f"item {number} ({title!r}) has no readable date; "
                                                "indexed without a date", "date"))
        url = (entry.get("link") or "").strip()
        tags = tuple(dict.fromkeys(tag.get("term", "").strip() for tag in entry.get("tags", [])
                                   if tag.get("term", "").strip()))
        thread, _ = build_thread(path, title=title, author=_author(entry) or feed_author, date=date, body=body,
                                 comments=[], url=url, tags=tags, position=len(documents),
                                 own_id=link_article_id(url) if url else "", date_precision=precision)
        documents.extend(thread)
    return ReadResult(documents, problems)


def _reason(error: Any) -> str:
    message = getattr(error, "getMessage", lambda: str(error))()
    return str(message) or type(error).__name__


def _content(entry: Any) -> str:
    """The fullest text the item has: its content, else its summary."""
    contents = [item.get("value", "") for item in entry.get("content", [])]
    return max(contents, key=len) if contents and any(contents) else entry.get("summary", "")


def _author(node: Any) -> str:
    detail = node.get("author_detail") or {}
    return (detail.get("name") or node.get("author") or "").strip()


def _date(entry: Any) -> tuple[datetime | None, DatePrecision]:
    """The date as written, offset kept (feedparser's own parsed dates are converted to UTC), and how much of
    it the feed gave: a hand-made feed may write only the day."""
    for key in ("published", "updated", "created"):
        raw = (entry.get(key) or "").strip()
        if not raw:
            continue
        try:
            return parsedate_to_datetime(raw), given_precision(raw)
        except (TypeError, ValueError, IndexError):
            pass
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00")), given_precision(raw)
        except ValueError:
            pass
        try:
            return parse_date(raw), given_precision(raw)
        except ValueError:
            continue
    return None, ""
