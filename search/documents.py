"""The Document record: one article or one comment, with its thread links."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

Kind = Literal["article", "comment"]
KINDS: tuple[Kind, ...] = ("article", "comment")
DatePrecision = Literal["", "day", "month", "year"]  # "": as much as the datetime holds


@dataclass(frozen=True)
class Document:
    """One searchable unit. Every comment carries its article's id and title.

    ``parent_id`` is the comment this one answers (None for a top-level comment
    and for articles). ``position`` orders documents within their source file.
    ``heading`` is a comment's own title where the source gives one (a debate
    point's claim); ``title_generated`` marks a title made from the opening words
    of an untitled record, so a page can say so. ``date`` keeps the time zone the
    source gave, if any; ``date_precision`` says when the source gave less than a
    time ("year": a bare year, stored as 1 January; "month"; "day"), so nothing
    shows a day or a time the source never gave.
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
    heading: str = ""
    title_generated: bool = False
    date_precision: DatePrecision = ""


def given_date(document: Document) -> str | None:
    """The date as far as its source gave it: ``1790``, ``1790-03``, ``1790-03-04``, else the full ISO time."""
    from search.shown_dates import date_iso  # the one formatter; it needs nothing from here at run time

    return date_iso(document.date, document.date_precision)


def utc_instant(value: datetime) -> datetime:
    """The naive UTC time of a moment with an offset, for comparing and sorting; a naive date stays as given."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def display_path(path: Path | str) -> str:
    """A path as text that can always be printed: bytes of a name that is not UTF-8 shown as ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


def source_path(key: str) -> Path:
    """The file a source key names, undoing the ``\\xNN`` escapes of a name that is not UTF-8."""
    return Path(re.sub(r"\\x([89a-f][0-9a-f])", lambda match: chr(0xDC00 + int(match[1], 16)), key))


def slugify(text: str, limit: int = 48) -> str:
    """A lowercase ASCII slug for readable ids."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "untitled"


def _digest(*parts: object, length: int = 8) -> str:
    joined = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:length]


def article_id(title: str, author: str, date: datetime | None) -> str:
    """The id of an article whose source gives none: from what a correction of its text leaves alone."""
    return f"{slugify(title)}-{_digest(title.strip(), author.strip(), date and date.isoformat())}"


def article_id_from_source(title: str, own_id: str) -> str:
    """The id of an article whose source names it: that name as it is when it is safe in a link, else a digest."""
    if _SAFE_ID.fullmatch(own_id):
        return own_id
    return f"{slugify(title)}-{_digest('id', own_id)}"


def comment_id(article: str, author: str, date: datetime | None, order: int) -> str:
    """The id of a comment whose source gives none, stable when its text or other comments are corrected.

    ``order`` counts the earlier comments by the same author with the same date.
    """
    return f"{article}.c{_digest(author.strip(), date and date.isoformat(), order)}"


def comment_id_from_source(article: str, own_id: str) -> str:
    """A comment's own id from its source (JSON Lines ``id``, a CMS's comment number), under its article."""
    if _SAFE_ID.fullmatch(own_id):
        return f"{article}.{own_id}"
    return f"{article}.c{_digest('id', own_id)}"


def own_comment_id(document: Document) -> str:
    """The part of a comment's id after its article's: what an export writes as the comment's ``id``."""
    prefix = f"{document.article_id}."
    return document.id[len(prefix):] if document.id.startswith(prefix) else document.id


def rebase_thread(documents: list[Document], new_id: str) -> list[Document]:
    """An article and its comments under another article id (two different articles that share one id)."""
    old_id = documents[0].article_id
    moved = {document.id: document.id.replace(old_id, new_id, 1) for document in documents}
    return [replace(document, id=moved[document.id], article_id=new_id,
                    parent_id=moved.get(document.parent_id, document.parent_id) if document.parent_id else None)
            for document in documents]


def untitled_title(body: str, words: int = 8, chars: int = 200) -> str:
    """A title for an untitled record from its opening words, so it can be listed and found.

    At most ``chars`` characters: a body that opens with one huge "word" (a run of symbols, a
    base64 blob) would otherwise put megabytes into every results page that lists it.
    """
    opening = body.split()
    title = " ".join(opening[:words])
    if len(title) > chars:
        return f"{title[:chars].rstrip()}…"
    return f"{title}…" if len(opening) > words else title


def fingerprints(document: Document) -> list[str]:
    """Keys that two copies of one article share, whatever format each came in.

    The normalised opening of the body (a saved page can carry more text after the
    same opening than an export's body) and the page's address. A body too short to
    tell articles apart counts with its title: short placeholders under different
    titles are not duplicates of each other.
    """
    keys = []
    words = _opening_words(document.body)
    if len(words) >= _MIN_FINGERPRINT_WORDS:
        keys.append("b" + _digest(*words, length=16))
    else:
        keys.append("t" + _digest(*_words(document.title), "", *words, length=16))
    address = address_print(document.url)
    if address:
        keys.append(address)
    return keys


def address_print(url: str) -> str | None:
    """The key (one of ``fingerprints``) of an article's address, None for none or a site's home page."""
    address = _normal_url(url)
    return "u" + _digest(address, length=16) if address else None


def _words(text: str) -> list[str]:
    return _NORMAL_WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _opening_words(text: str) -> list[str]:
    """The first _FINGERPRINT_WORDS of ``_words(text)`` (all when there are fewer), read from the text's opening
    when that holds more: a cut there can only change the words after them."""
    opening = _words(text[:_OPENING_CHARS])
    if len(opening) > _FINGERPRINT_WORDS:
        return opening[:_FINGERPRINT_WORDS]
    return _words(text)[:_FINGERPRINT_WORDS]


def _normal_url(url: str) -> str:
    """An address without scheme, ``www.``, query, fragment or trailing slash; empty for a site's home page."""
    match = re.match(r"^(?:[a-z]+:)?//(?:www\.)?([^/?#]+)(/[^?#]*)?", url.strip(), re.IGNORECASE)
    if not match or not (match[2] or "").strip("/"):
        return ""
    return f"{match[1].lower()}{match[2].rstrip('/')}"


_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_NORMAL_WORD = re.compile(r"\w+")
_FINGERPRINT_WORDS = 60
_OPENING_CHARS = 1000  # characters that most often hold _FINGERPRINT_WORDS words and one more
_MIN_FINGERPRINT_WORDS = 12


# Half a character (a lone surrogate, as a JSON "\ud800" escape or a non-UTF-8 byte in an argument leaves it),
# which nothing can encode, and NUL, which Whoosh's stored fields and pages cannot hold.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(text: str) -> str:
    """``text`` with NULs dropped and lone surrogates replaced by U+FFFD; the same object when it has neither."""
    if "\x00" not in text and (text.isascii() or not _UNSTORABLE.search(text)):  # most texts: no regex scan
        return text
    return _UNSTORABLE.sub(lambda match: "" if match[0] == "\x00" else "\ufffd", text)
