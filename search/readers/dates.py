"""Dates as archives write them, to datetimes: with the UTC offset the archive gave, else naive (its own time)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timezone

from dateutil import parser as dateutil_parser

_EXPORT_FORMATS = (
    "%d %B, %Y - %H:%M",  # 19 October, 2011 - 10:25
    "%a, %d/%m/%Y - %H:%M",  # Thu, 20/10/2011 - 13:18
    "%d %B %Y - %H:%M",
    "%d/%m/%Y - %H:%M",
)


def parse_date(text: str) -> datetime:
    """Parse a date in any common form; day-first where it is ambiguous (the archives are British).

    Raises ValueError with the text when it is not a date.
    """
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ValueError("empty date")
    for fmt in _EXPORT_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            pass
    partial = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?", cleaned)
    if partial:
        return datetime(int(partial[1]), int(partial[2] or 1), 1)
    try:
        return _as_given(datetime.fromisoformat(cleaned.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        # A fixed default: missing parts must not be filled from today's date.
        parsed = dateutil_parser.parse(cleaned.replace(" - ", " "), dayfirst=True, default=datetime(1900, 1, 1))
    except (ValueError, OverflowError) as error:
        raise ValueError(f"not a date: {text.strip()!r}") from error
    return _as_given(parsed)


def _as_given(value: datetime) -> datetime:
    """Keep the offset as the archive wrote it (``+01:00`` stays ``+01:00``), as a plain fixed offset."""
    if value.tzinfo is None:
        return value
    offset = value.utcoffset()
    if offset is None:
        return value.replace(tzinfo=None)
    return value.replace(tzinfo=UTC if not offset else timezone(offset))


def date_or_none(text: str | None) -> datetime | None:
    """``parse_date`` for places where a missing date is expected, not a problem to report."""
    try:
        return parse_date(text) if text else None
    except ValueError:
        return None
