"""What every reader shares: problems and errors, decoding, and building a thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from search.documents import (
    DatePrecision,
    Document,
    article_id,
    article_id_from_source,
    comment_id,
    comment_id_from_source,
    display_path,
    untitled_title,
)


@dataclass(frozen=True)
class Problem:
    """Something wrong in a file that did not stop it being read (``--strict`` makes it fatal).

    ``kind`` is a short category ("encoding", "date", "reply link", "duplicate", "empty file",
    "unsupported", "parse", ...) so a summary can group thousands of problems by what they are.
    """

    path: Path
    line: int | None
    reason: str
    kind: str = "other"

    def __str__(self) -> str:
        shown = display_path(self.path)
        where = f"{shown}:{self.line}" if self.line else shown
        return f"{where}: {self.reason}"


class ReadError(Exception):
    """A file that could not be read or parsed; nothing of it is indexed."""

    def __init__(self, path: Path, line: int | None, reason: str, kind: str = "parse") -> None:
        self.problem = Problem(Path(path), line, reason, kind)
        super().__init__(str(self.problem))

    @property
    def path(self) -> Path:
        return self.problem.path

    @property
    def line(self) -> int | None:
        return self.problem.line

    @property
    def reason(self) -> str:
        return self.problem.reason


@dataclass
class ReadResult:
    documents: list[Document]
    problems: list[Problem] = field(default_factory=list)
    lines: dict[int, int] = field(default_factory=dict)  # an article's position -> its line, where there are lines


# Detectors confuse short Western text in these with each other; cp1252 is what such archives use.
_LATIN_LOOKALIKES = {"ascii", "utf_8", "cp1250", "cp1252", "latin_1", "iso8859_2", "iso8859_15", "mac_roman",
                     "mac_latin2", "cp850", "cp437"}


def decode(path: Path, data: bytes) -> tuple[str, list[Problem]]:
    """Decode a file's bytes: UTF-8 (with or without BOM), UTF-16 with its BOM, else the detected legacy encoding."""
    if not data.strip():
        raise ReadError(path, None, "file is empty", "empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte-order mark, as Excel's "Unicode text"
        return data.decode("utf-16", errors="replace"), []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        utf8_error = f"not valid UTF-8 at byte {error.start}"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    encoding = best.encoding if best is not None else "cp1252"
    if encoding in _LATIN_LOOKALIKES:
        encoding = "cp1252"
    text = data.decode(encoding, errors="replace")
    return text, [Problem(path, line, f"{utf8_error}; decoded as {encoding}", "encoding")]


@dataclass
class RawComment:
    """A comment as a reader found it, before ids and links are made.

    ``reply_to`` names what it answers: an earlier comment's own id, an int index
    into the article's comments, or an author name (the latest earlier comment by
    that author), tried in that order. ``own_id`` is the comment's id in its source
    (kept in its document id, so links to it survive edits), ``heading`` its own title.
    """

    author: str
    date: datetime | None
    body: str
    reply_to: str | int | None = None
    line: int | None = None
    own_id: str = ""
    heading: str = ""
    date_precision: DatePrecision = ""


_BYTE_ORDER_MARK = "\ufeff"


def build_thread(
    path: Path,
    *,
    title: str,
    author: str,
    date: datetime | None,
    body: str,
    comments: list[RawComment],
    url: str = "",
    tags: tuple[str, ...] = (),
    position: int = 0,
    own_id: str = "",
    date_precision: DatePrecision = "",
) -> tuple[list[Document], list[Problem]]:
    """Make the article and its comments as Documents, resolving reply links to ids.

    Ids come from the source's own ids where it has them, else from what a correction
    of the text leaves alone (see ``search.documents``). An untitled article is titled
    from its opening words and marked so.
    """
    source = str(path)
    problems: list[Problem] = []
    # A byte-order mark inside a text (a file's mark kept by a converter) is invisible but would start the title.
    title, body = title.lstrip(_BYTE_ORDER_MARK), body.lstrip(_BYTE_ORDER_MARK)
    generated = not title.strip()
    if generated:
        title = untitled_title(body)
    art_id = article_id_from_source(title, own_id) if own_id else article_id(title, author, date)
    documents = [Document(art_id, "article", title, author, date, body, art_id, source, position, None, url, tags,
                          title_generated=generated, date_precision=date_precision)]
    seen: set[str] = {art_id}
    ids: list[str] = []
    orders: dict[tuple[str, datetime | None], int] = {}
    for index, raw in enumerate(comments):
        if raw.own_id:
            base_id = comment_id_from_source(art_id, raw.own_id)
        else:
            order = orders.get((raw.author.strip(), raw.date), 0)
            orders[(raw.author.strip(), raw.date)] = order + 1
            base_id = comment_id(art_id, raw.author, raw.date, order)
        doc_id, repeat = base_id, 1
        while doc_id in seen:
            repeat += 1
            doc_id = f"{base_id}-{repeat}"
        seen.add(doc_id)
        parent = _resolve_reply(raw.reply_to, index, ids, comments)
        if raw.reply_to is not None and parent is None:
            problems.append(Problem(path, raw.line, f"reply link to {raw.reply_to!r} matches no earlier comment",
                                    "reply link"))
        ids.append(doc_id)
        documents.append(
            Document(doc_id, "comment", title, raw.author, raw.date, raw.body.lstrip(_BYTE_ORDER_MARK), art_id, source,
                     position + index + 1, parent, url, (), heading=raw.heading,
                     date_precision=raw.date_precision)
        )
    return documents, problems


def _resolve_reply(reply_to: str | int | None, index: int, ids: list[str], comments: list[RawComment]) -> str | None:
    """An earlier comment's own id first, then an index, then the latest earlier comment by that author."""
    if reply_to is None:
        return None
    if isinstance(reply_to, int):
        return ids[reply_to] if 0 <= reply_to < index else None
    wanted = reply_to.strip()
    for earlier in range(index):
        if comments[earlier].own_id and comments[earlier].own_id == wanted:
            return ids[earlier]
    if wanted.isdigit() and int(wanted) < index:
        return ids[int(wanted)]
    wanted = wanted.casefold()
    for earlier in range(index - 1, -1, -1):
        if comments[earlier].author.strip().casefold() == wanted:
            return ids[earlier]
    return None


def paragraphs(lines: list[str]) -> str:
    """Join lines into paragraphs separated by one blank line, trimming the edges."""
    paragraphs, current = [], []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    return "\n\n".join(paragraphs)
