"""Dates as archives write them, to datetimes: with the UTC offset the archive gave, else naive (its own time)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timezone

from dateutil import parser as dateutil_parser

from search.documents import DatePrecision

_EXPORT_FORMATS = (
    "%d %B, %Y - %H:%M",  # 19 October, 2011 - 10:25
    "%a, %d/%m/%Y - %H:%M",  # Thu, 20/10/2011 - 13:18
    "%d %B %Y - %H:%M",
    "%d/%m/%Y - %H:%M",
)


# Zone names feeds and exports write after a time ("Thu, 15 Mar 2012 14:05:00 EST"): RFC 822's own and the
# common unambiguous ones, as hours from UTC. Names used for more than one zone (IST) are not guessed.
NAMED_ZONES = {name: int(hours * 3600) for name, hours in {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
    "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2,
    "MET": 1, "MEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "JST": 9, "KST": 9, "HKT": 8, "SGT": 8, "AWST": 8,
    "ACST": 9.5, "ACDT": 10.5, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}.items()}


def parse_date(text: str, dayfirst: bool = True) -> datetime:
    """Parse a date in any common form; day-first where it is ambiguous (the archives are British), unless the
    caller knows its source writes the month first (a spreadsheet whose other dates say so).

    Raises ValueError with the text when it is not a date.
    """
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ValueError("empty date")
    try:  # first: most archives write ISO 8601, and a failed strptime costs some 10 microseconds
        return _as_given(datetime.fromisoformat(cleaned.replace("Z", "+00:00")))
    except ValueError:
        pass
    for fmt in _EXPORT_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            pass
    partial = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?", cleaned)
    if partial:
        return datetime(int(partial[1]), int(partial[2] or 1), 1)
    try:
        # A fixed default: missing parts must not be filled from today's date.
        parsed = dateutil_parser.parse(cleaned.replace(" - ", " "), dayfirst=dayfirst,
                                       default=datetime(1900, 1, 1), tzinfos=NAMED_ZONES)
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


# Two defaults for the parts a text leaves out: a part that comes back different was not written.
_EARLY, _LATE = datetime(1900, 1, 1), datetime(1900, 2, 2, 1, 1)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# "August 27, 1898", "27th August 1898", "August 1898" (a day on either side of the month, or none);
# not the end of a span such as "Jan-June 1884" or "May and June 1884".
_WRITTEN_DATE = re.compile(rf"(?<![-–/])(?<![-–/] )(?<!and )(?<!to )"
                           rf"\b(?:(?P<day_first>\d{{1,2}})(?:st|nd|rd|th)?\s+)?(?P<month>{_MONTHS})\.?\s+"
                           rf"(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+)?(?P<year>\d{{4}})\b", re.IGNORECASE)

_CLOCK_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?!\d)")


def given_precision(text: str) -> DatePrecision:
    """How much of a date a text gives: "year" (``1898``), "month" (``August 1898``), "day" (``27 Aug 1898``),
    or "" when it gives a time, so a reader never stores a day or a time the source did not write."""
    cleaned = " ".join(text.split())
    partial = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?", cleaned)
    if partial:
        return "month" if partial[2] else "year"
    if _CLOCK_TIME.search(cleaned):
        return ""  # a time such as 10:25: the common case in exports and feeds, told without parsing twice
    try:
        early, late = (dateutil_parser.parse(cleaned.replace(" - ", " "), dayfirst=True, default=default)
                       for default in (_EARLY, _LATE))
    except (ValueError, OverflowError):
        return ""  # only the fixed export formats, which all carry a time
    if early.month != late.month:
        return "year"
    if early.day != late.day:
        return "month"
    return "day" if (early.hour, early.minute) != (late.hour, late.minute) else ""


def fuller_date(year: int, opening: str) -> tuple[datetime, DatePrecision] | None:
    """A fuller date in ``year`` that a document's opening lines write ("From Workers' Republic, August 27,
    1898"), for a source that gave only the year; None unless every such date there agrees (a "Written:
    June 1898" beside "Published: August 1898" is left as the year)."""
    found: set[tuple[int, int]] = set()
    for match in _WRITTEN_DATE.finditer(opening):
        if int(match["year"]) != year:
            continue
        month = _MONTHS.lower().split("|").index(match["month"].lower()) + 1
        found.add((month, int(match["day"] or match["day_first"] or 0)))
    months = {month for month, _ in found}
    days = {day for _, day in found if day}
    if len(months) != 1 or len(days) > 1:
        return None
    month, day = months.pop(), days.pop() if days else 0
    try:
        return (datetime(year, month, day), "day") if day else (datetime(year, month, 1), "month")
    except ValueError:
        return None  # "February 30, 1898": a misprint is no date


def date_or_none(text: str | None) -> datetime | None:
    """``parse_date`` for places where a missing date is expected, not a problem to report."""
    try:
        return parse_date(text) if text else None
    except ValueError:
        return None
