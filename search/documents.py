"""The Document record: one article or one comment, with its thread links."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Kind = Literal["article", "comment"]
KINDS: tuple[Kind, ...] = ("article", "comment")


@dataclass(frozen=True)
class Document:
    """One searchable unit. Every comment carries its article's id and title.

    ``parent_id`` is the comment this one answers (None for a top-level comment
    and for articles). ``position`` orders documents within their source file.
    """

    id: str
    kind: Kind
    title: str
    author: str
    date: datetime | None
    body: str
    article_id: str
    source: str
    position: int = 0
    parent_id: str | None = None
    url: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


def slugify(text: str, limit: int = 48) -> str:
    """A lowercase ASCII slug for readable ids."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "untitled"


def _digest(*parts: object, length: int = 8) -> str:
    joined = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:length]


def article_id(title: str, author: str, date: datetime | None) -> str:
    """A stable id: the same article read twice, from any file, gets the same id."""
    return f"{slugify(title)}-{_digest(title.strip(), author.strip(), date and date.isoformat())}"


def comment_id(article: str, author: str, date: datetime | None, body: str) -> str:
    """A stable id for a comment, independent of the other comments around it."""
    return f"{article}.c{_digest(author.strip(), date and date.isoformat(), body.strip())}"
