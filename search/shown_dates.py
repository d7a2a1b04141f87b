"""A document's date as its source gave it, for every door: the command line, the page, JSON, feeds, export.

A bare year stays a year, a month a month and a day a day; a time keeps the UTC
offset it came with and gains none it did not. Stored dates are full datetimes
(a year is kept as its 1 January, which is also where it sorts); the precision
beside them says how much of that the source wrote.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search.documents import DatePrecision

# How many characters of an ISO date each precision keeps: 1898, 1898-08, 1898-08-27.
_ISO_WIDTH = {"year": 4, "month": 7, "day": 10}
_WORDS_FORMAT = {"year": "%Y", "month": "%b %Y", "day": "%-d %b %Y"}


def date_iso(date: datetime | None, precision: DatePrecision) -> str | None:
    """The machine form, as far as the source gave it: ``1898``, ``1898-08``, ``1898-08-27`` or a full ISO time
    (with its offset only when it has one); None for an undated document."""
    if date is None:
        return None
    width = _ISO_WIDTH.get(precision)
    return date.isoformat()[:width] if width else date.isoformat()


def date_text(date: datetime | None, precision: DatePrecision, *, words: bool = False) -> str:
    """The form people read: ``1898-08-27 10:25+01:00`` on the command line, ``27 Aug 1898, 10:25 +01:00`` in
    ``words`` (the page); only as much as the source gave, and "no date" for an undated document."""
    if date is None:
        return "no date"
    if precision:
        return date.strftime(_WORDS_FORMAT[precision]) if words else date_iso(date, precision) or ""
    if words:
        offset = date.isoformat(timespec="minutes")[16:]  # "+01:00", or nothing for a time given without one
        return f"{date:%-d %b %Y, %H:%M}" + (f" {offset}" if offset else "")
    return date.isoformat(sep=" ", timespec="minutes")


def feed_time(date: datetime) -> str:
    """RFC 3339, which Atom requires in full: a year, month or day is its first moment, and a time the source
    gave without an offset is read as UTC, the only assumption Atom leaves room for."""
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return date.isoformat(timespec="seconds")
