"""Which documents of a segment are dated only to the year or the month.

The date column holds a moment, so a year-only date reads as 1 January 00:00 UTC
and a month-only one as the 1st at midnight. The terms tell them apart: a year-only
date has no month or day term, a month-only one no day term. Both timeline passes
read this map, so a bar counts exactly what its ``date:`` clause matches.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from search.schema import CalendarDate
from search.store import SEGMENT_CACHE

_MICROSECONDS_PER_DAY = 86_400_000_000
_COLUMN = CalendarDate(sortable=True)
_EPOCH = _COLUMN.to_column_value(datetime(1, 1, 1))  # the date column's value for day 1
_LAST_DAY = date.max.toordinal()


def coarse_dates(reader: Any) -> dict[int, str]:
    """For one segment's reader: document number -> "year" or "month" for documents dated only that finely."""
    return SEGMENT_CACHE.get(reader, "timeline:coarse", _build)


def _build(reader: Any) -> dict[int, str]:
    if not reader.has_column("date"):
        return {}
    candidates: dict[str, list[int]] = {}  # "YYYY-MM-01" -> documents at that day's midnight
    for docnum, value in enumerate(reader.column_reader("date", translate=False).load()):
        since, remainder = divmod(value - _EPOCH, _MICROSECONDS_PER_DAY)
        if value <= _EPOCH or remainder or since >= _LAST_DAY:  # undated, or not at a midnight
            continue
        day = date.fromordinal(since + 1)
        if day.day == 1:
            candidates.setdefault(day.isoformat(), []).append(docnum)
    found: dict[int, str] = {}
    for day, docnums in candidates.items():
        with_day = _holders(reader, f"d{day}")
        with_month = _holders(reader, f"m{day[:7]}")
        for docnum in docnums:
            if docnum not in with_day:
                found[docnum] = "month" if docnum in with_month else "year"
    return found


def _holders(reader: Any, term: str) -> set[int]:
    """The documents (deleted ones included) that have ``term`` in the date field."""
    if ("date", term.encode("ascii")) not in reader:
        return set()
    return set(reader.postings("date", term.encode("ascii")).all_ids())
