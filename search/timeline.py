"""The timeline of a search: how many matching documents fall in each year, month or day.

Counted in one pass over the matches by the day in the date column, then summed
into the periods that suit the span: days for a few weeks, months for a few years,
years beyond. Each period carries the ``date:`` clause that narrows a search to it,
and that clause matches exactly the documents counted (both read the same date).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from whoosh import query as wq
from whoosh import sorting
from whoosh.searching import Searcher

from search.coarse_dates import coarse_dates
from search.date_echo import day_words, span_words
from search.query import ParsedQuery, parse
from search.results import Filters, SearchPage
from search.schema import SOURCE_KIND, CalendarDate
from search.store import SEGMENT_CACHE

Granularity = Literal["year", "month", "day"]
MAX_DAYS = 62  # a span of up to about two months is shown day by day
MAX_MONTHS = 36  # up to three years month by month; longer spans year by year
_MICROSECONDS_PER_DAY = 86_400_000_000
_OPERATORS = re.compile(r"\b(?:OR|ANDMAYBE|ANDNOT)\b|\|")


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    count: int
    granularity: Granularity

    @property
    def clause(self) -> str:
        """The query clause for this period: ``date:2011``, ``date:2011-10`` or ``date:2011-10-21``."""
        width = {"year": 4, "month": 7, "day": 10}[self.granularity]
        return f"date:{self.first.isoformat()[:width]}"

    @property
    def label(self) -> str:
        """``2011``, ``October 2011`` or ``21 October 2011``."""
        return self._named(month="%B", day=day_words(self.first))

    @property
    def short_label(self) -> str:
        """For an axis: ``2011``, ``Oct 2011``, ``21 Oct``."""
        return self._named(month="%b", day=f"{self.first.day} {self.first:%b}")

    def _named(self, month: str, day: str) -> str:
        if self.granularity == "year":
            return str(self.first.year)
        if self.granularity == "month":
            return f"{self.first.strftime(month)} {self.first.year}"
        return day

    @property
    def span(self) -> str:
        return span_words(self.first, self.last)


@dataclass(frozen=True)
class CoarseCount:
    """Matches dated only to a year or month, counted apart from bars finer than that (their clause matches them)."""

    first: date
    precision: Literal["year", "month"]
    count: int

    @property
    def clause(self) -> str:
        """``date:2011`` or ``date:2011-10``."""
        return f"date:{self.first.isoformat()[:4 if self.precision == 'year' else 7]}"

    @property
    def label(self) -> str:
        """``2011, dated only to the year`` or ``October 2011, dated only to the month``."""
        period = str(self.first.year) if self.precision == "year" else f"{self.first:%B} {self.first.year}"
        return f"{period}, dated only to the {self.precision}"

    @property
    def short_label(self) -> str:
        """``2011 (year only)`` or ``Oct 2011 (month only)``."""
        period = str(self.first.year) if self.precision == "year" else f"{self.first:%b} {self.first.year}"
        return f"{period} ({self.precision} only)"


@dataclass(frozen=True)
class Timeline:
    """Periods from the first dated match to the last, empty ones included, and the undated matches beside."""

    granularity: Granularity
    periods: tuple[Period, ...]
    undated: int
    seconds: float = 0.0
    coarser: tuple[CoarseCount, ...] = ()  # matches dated more coarsely than the periods, by year or month

    @property
    def dated(self) -> int:
        return sum(period.count for period in self.periods) + sum(coarse.count for coarse in self.coarser)

    @property
    def total(self) -> int:
        return self.dated + self.undated

    @property
    def highest(self) -> int:
        return max((period.count for period in self.periods), default=0)


def search_timeline(searcher: Searcher, text: str | ParsedQuery, filters: Filters | None = None) -> Timeline:
    """The timeline of the documents a query matches under the same filters as ``search.results.search``.

    Raises QueryError for a query that cannot be understood.
    """
    parsed = text if isinstance(text, ParsedQuery) else parse(text)
    return timeline(searcher, parsed.query, filters.query() if filters else None)


def timeline(searcher: Searcher, matching: wq.Query, narrowing: wq.Query | None = None) -> Timeline:
    """The timeline of the documents ``matching`` finds, within ``narrowing`` when given."""
    started = time.perf_counter()
    results = searcher.search(matching, limit=1, scored=False, filter=narrowing, mask=wq.Term("kind", SOURCE_KIND),
                              groupedby={"day": _DayFacet()}, maptype=sorting.Count)
    days = Counter({key: count for key, count in results.groups("day").items() if key is not None})
    return _timeline(days, results.groups("day").get(None, 0), started)


def page_timeline(page: SearchPage) -> Timeline:
    """The timeline of a results page, from the date counts its one pass over the matches gathered.

    Counted with the facets, so it agrees with them even when the search ran out of time.
    """
    started = time.perf_counter()
    days: Counter[tuple[int, str]] = Counter()
    undated = 0
    for (value, precision), count in page.date_counts.items():
        ordinal = _ordinal(value)
        if ordinal is None:
            undated += count
        else:
            days[(ordinal, precision)] += count
    return _timeline(days, undated, started)


_FINENESS = {"year": 0, "month": 1, "day": 2, "": 2}


def _timeline(days: Counter[tuple[int, str]], undated: int, started: float) -> Timeline:
    """Days keyed by (ordinal, precision) into periods; those dated more coarsely than a period counted apart."""
    span = [ordinal for ordinal, _ in days] + [_last_day(ordinal, precision) for ordinal, precision in days]
    granularity = _granularity(min(span), max(span)) if span else "year"
    if all(_FINENESS[precision] < _FINENESS[granularity] for _, precision in days):
        granularity = "year"  # nothing dated finely enough for the bars: show years, which every date matches
    fine: Counter[int] = Counter()
    coarse: Counter[tuple[date, Literal["year", "month"]]] = Counter()
    for (ordinal, precision), count in days.items():
        if _FINENESS[precision] < _FINENESS[granularity]:
            day = date.fromordinal(ordinal)
            coarse[(day.replace(month=1), "year") if precision == "year" else (day, "month")] += count
        else:
            fine[ordinal] += count
    found = periods(fine, granularity, span) if span else []
    coarser = tuple(CoarseCount(first, precision, count) for (first, precision), count in sorted(coarse.items()))
    return Timeline(granularity, tuple(found), undated, time.perf_counter() - started, coarser)


def _last_day(ordinal: int, precision: str) -> int:
    """The last day (ordinal) of the period a date stands for: its year or month when given only that finely."""
    day = date.fromordinal(ordinal)
    if precision == "year":
        return date(day.year, 12, 31).toordinal()
    if precision == "month":
        return (date(day.year + day.month // 12, day.month % 12 + 1, 1) - timedelta(days=1)).toordinal()
    return ordinal


def _granularity(first: int, last: int) -> Granularity:
    """Days for a span of a few weeks, months for a few years, years beyond."""
    first_day, last_day = date.fromordinal(first), date.fromordinal(last)
    if last - first < MAX_DAYS:
        return "day"
    months = (last_day.year - first_day.year) * 12 + last_day.month - first_day.month + 1
    return "month" if months <= MAX_MONTHS else "year"


def periods(days: Counter[int], granularity: Granularity | None = None,
            span: list[int] | None = None) -> list[Period]:
    """Day counts (keyed by date ordinal) summed into years, months or days, whichever the span suits.

    ``granularity`` and ``span`` (ordinals the periods must cover) default to what ``days`` suggests.
    """
    if not days and not span:
        return []
    ordinals = list(days) + list(span or ())
    first, last = date.fromordinal(min(ordinals)), date.fromordinal(max(ordinals))
    granularity = granularity or _granularity(first.toordinal(), last.toordinal())
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if granularity == "day":
        return [Period(day, day, days.get(day.toordinal(), 0), "day")
                for day in (first + timedelta(days=offset) for offset in range((last - first).days + 1))]
    by_period: Counter[tuple[int, int]] = Counter()
    monthly = granularity == "month"
    for ordinal, count in days.items():
        day = date.fromordinal(ordinal)
        by_period[(day.year, day.month if monthly else 1)] += count
    if not monthly:
        return [Period(date(year, 1, 1), date(year, 12, 31), by_period.get((year, 1), 0), "year")
                for year in range(first.year, last.year + 1)]
    found = []
    for index in range(months):
        year, month = divmod(first.year * 12 + first.month - 1 + index, 12)
        start = date(year, month + 1, 1)
        end = (date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)) - timedelta(days=1)
        found.append(Period(start, end, by_period.get((year, month + 1), 0), "month"))
    return found


def narrowed(query_text: str, period: Period | CoarseCount) -> str:
    """The query with the period's date clause added, grouped first when the query has OR in it."""
    text = query_text.strip()
    if _OPERATORS.search(text):
        text = f"({text})"
    return f"{text} {period.clause}".strip()


class _DayFacet(sorting.FacetType):
    """Groups matches by the date ordinal of the date column; undated documents under None."""

    maptype = sorting.Count

    def categorizer(self, global_searcher: Searcher) -> sorting.Categorizer:
        return _DayCategorizer(global_searcher)


class _DayCategorizer(sorting.Categorizer):
    """Reads each segment's days once (a list of date ordinals, None where undated), cached per segment."""

    def __init__(self, global_searcher: Searcher) -> None:
        self._days: list[int | None] = []
        self._coarse: dict[int, str] = {}

    def set_searcher(self, segment_searcher: Searcher, docoffset: int) -> None:
        reader = segment_searcher.reader()
        self._days = SEGMENT_CACHE.get(reader, "timeline:days", _segment_days)
        self._coarse = coarse_dates(reader)

    def key_for(self, matcher: Any, segment_docnum: int) -> tuple[int, str] | None:
        """(date ordinal, "year"/"month" for a date given only that finely, else ""); None when undated."""
        day = self._days[segment_docnum]
        return None if day is None else (day, self._coarse.get(segment_docnum, ""))


def _segment_days(reader: Any) -> list[int | None]:
    """Each document's day (date ordinal) from the date column; None for an undated one."""
    if not reader.has_column("date"):
        return [None] * reader.doc_count_all()
    return [_ordinal(value) for value in reader.column_reader("date", translate=False).load()]


_EPOCH = CalendarDate(sortable=True).to_column_value(datetime(1, 1, 1))  # the date column's value for day 1
_LAST_DAY = date.max.toordinal()


def _ordinal(value: int) -> int | None:
    """The date ordinal of a date column value; None for an undated document: the column's default, or 0
    where a segment has no date column (as ``search.results`` reads it)."""
    ordinal = (value - _EPOCH) // _MICROSECONDS_PER_DAY + 1
    return ordinal if value > _EPOCH and ordinal <= _LAST_DAY else None

def timeline_json(found: Timeline) -> dict[str, Any]:
    """A timeline as JSON-ready data, for the API: the periods with their query clauses, the matches dated
    more coarsely than the periods (``coarser``), and the undated count."""
    return {"granularity": found.granularity, "undated": found.undated, "dated": found.dated,
            "periods": [{"period": period.clause.removeprefix("date:"), "first": period.first.isoformat(),
                         "last": period.last.isoformat(), "count": period.count, "clause": period.clause}
                        for period in found.periods],
            "coarser": [{"period": coarse.clause.removeprefix("date:"), "precision": coarse.precision,
                         "count": coarse.count, "clause": coarse.clause} for coarse in found.coarser]}
