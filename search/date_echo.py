"""Dates said back: each ``date:`` clause of a query in words, as the index understands it.

``date:2011-10`` is "1–31 October 2011", ``date:>2011`` "after 31 December 2011",
``date:{2011 to 2013}`` "1 January–31 December 2012": the reader sees which days a
clause covers, exclusive ends included, without knowing the syntax's rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from search.schema import date_period

_DATE = r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?"
_CLAUSE = re.compile(
    rf'"[^"]*"|(?<![\w:])date:(?:(?P<op>[<>]=?)(?P<single>{_DATE})|(?P<plain>{_DATE})(?![\w-])'
    rf"|(?P<open>[\[{{])\s*(?P<low>{_DATE})?\s*\bto\b\s*(?P<high>{_DATE})?\s*(?P<close>[\]}}]))",
    re.IGNORECASE)


@dataclass(frozen=True)
class DateEcho:
    clause: str
    meaning: str


def date_echoes(query: str) -> list[DateEcho]:
    """Each ``date:`` clause of a query with the days it covers, in words; clauses that are not dates are skipped.

    A clause the query cannot hold (a month 13) is left to the query parser's error.
    """
    echoes = []
    for match in _CLAUSE.finditer(query.replace("“", '"').replace("”", '"')):
        if match.group(0).startswith('"'):
            continue
        try:
            meaning = _meaning(match)
        except ValueError:
            continue
        echoes.append(DateEcho(match.group(0), meaning))
    return echoes


def _meaning(match: re.Match[str]) -> str:
    if match.group("plain"):
        return span_words(*date_period(match.group("plain")))
    if match.group("op"):
        first, last = date_period(match.group("single"))
        return {">": f"after {day_words(last)}", ">=": f"from {day_words(first)}",
                "<": f"before {day_words(first)}", "<=": f"up to {day_words(last)}"}[match.group("op")]
    low, high = match.group("low"), match.group("high")
    low_excl, high_excl = match.group("open") == "{", match.group("close") == "}"
    if not low and not high:
        return "any date"
    if not high:
        first, last = date_period(low)
        return f"after {day_words(last)}" if low_excl else f"from {day_words(first)}"
    if not low:
        first, last = date_period(high)
        return f"before {day_words(first)}" if high_excl else f"up to {day_words(last)}"
    low_first, low_last = date_period(low)
    high_first, high_last = date_period(high)
    first = low_last + timedelta(days=1) if low_excl else low_first
    last = high_first - timedelta(days=1) if high_excl else high_last
    return span_words(first, last) if first <= last else "no day (the range is empty)"


def day_words(day: date) -> str:
    """``21 October 2011``."""
    return f"{day.day} {day:%B} {day.year}"


def span_words(first: date, last: date) -> str:
    """A span of days as short as it stays clear: ``21 October 2011``, ``1–31 October 2011``,
    ``20 October–3 November 2011``, ``20 October 2011–3 January 2012``."""
    if first == last:
        return day_words(first)
    if first.year != last.year:
        return f"{day_words(first)}–{day_words(last)}"
    if first.month != last.month:
        return f"{first.day} {first:%B}–{day_words(last)}"
    return f"{first.day}–{day_words(last)}"
