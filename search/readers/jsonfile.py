"""JSON files of articles: one article object, a list of them, or an object holding that list under a key.

These are the shapes sites and tools export: a speech per file, a dump of posts, an
API response or a JSON Feed (``{"items": [...]}``). Each record is read with the same
field mapping as JSON Lines (see ``records``). A list cut off part way keeps the
records before the cut; JSON Lines saved under a ``.json`` name is read as JSON Lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from search.documents import Document
from search.readers.base import Problem, ReadError, ReadResult
from search.readers.jsonl import read_jsonl
from search.readers.records import ROLES, BadRecord, Fields, json_type, record_thread

LIST_KEYS = ("items", "articles", "posts", "data", "results", "entries", "records", "stories", "hits", "documents")
_DECODER = json.JSONDecoder()
_SPACE = " \t\r\n"


class _Cut(Exception):
    """The JSON stops being valid at ``position``; the records before it were read."""

    def __init__(self, error: json.JSONDecodeError, text: str) -> None:
        super().__init__(error.msg)
        self.line = error.lineno
        self.truncated = error.pos >= len(text.rstrip()) - 1 or error.msg.startswith("Unterminated")
        self.reason = f"{error.msg}: line {error.lineno} column {error.colno}"


def read_json(path: Path, text: str) -> ReadResult:
    text = text.lstrip("\ufeff")
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
    key = next((key for key in LIST_KEYS if isinstance(value.get(key), list)), None)
    if key is None:
        found = ", ".join(value) or "nothing"
        raise ReadError(path, 1, f"a JSON object that is neither an article (no {', '.join(ROLES['body'][:3])}... "
                                 f"field) nor holds a list of them under {', '.join(LIST_KEYS)} (found: {found})",
                        "unsupported")
    return _read_records(path, ((item, None) for item in value[key]), f"'{key}'")


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
