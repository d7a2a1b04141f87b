"""What a results page shows, read from and written back to its URL, so every page is bookmarkable.

Every parameter is checked here, strictly: a URL is typed by anyone, and a value
that slips through (``page=²`` passes ``str.isdigit()`` and then breaks ``int()``)
must become a clear 400, never a 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app, url_for
from werkzeug.datastructures import MultiDict

from search.documents import KINDS
from search.results import NO_DATE, SORTS, Filters, Sort

# URL parameter -> SearchState attribute, for the facets a reader can narrow by.
FACETS = {"author": "authors", "year": "years", "kind": "kinds"}
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only
_YEAR = re.compile(r"[0-9]{1,4}")
_SHOWN_CHARS = 40


class ParamError(ValueError):
    """A URL parameter that makes no sense, with a message naming it and what was given."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SearchState:
    q: str = ""
    page: int = 1
    sort: Sort = "relevance"
    authors: tuple[str, ...] = ()
    years: tuple[int | str, ...] = ()  # a year, or NO_DATE
    kinds: tuple[str, ...] = ()
    limit: int | None = None

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> SearchState:
        """The state a URL asks for; raises ParamError for a page, limit, sort, year or kind that cannot be,
        or for more facet values than MAX_FACET_VALUES.

        A repeated single-valued parameter (``page=1&page=2``) counts by its first value.
        """
        config = current_app.config
        page = _whole_number(args, "page", 1, config["MAX_PAGE"])
        limit = _whole_number(args, "limit", None, config["MAX_PAGELEN"])
        sort = args.get("sort", "relevance").strip() or "relevance"
        if sort not in SORTS:
            raise ParamError(f"sort must be {', '.join(SORTS)}, not '{_shown(sort)}'")
        for name in FACETS:
            if len(args.getlist(name)) > config["MAX_FACET_VALUES"]:
                raise ParamError(f"at most {config['MAX_FACET_VALUES']} '{name}' values at once, "
                                 f"not {len(args.getlist(name))}")
        years = tuple(dict.fromkeys(_year(value) for value in args.getlist("year")))
        kinds = tuple(dict.fromkeys(args.getlist("kind")))
        for kind in kinds:
            if kind not in KINDS:
                raise ParamError(f"kind must be {' or '.join(KINDS)}, not '{_shown(kind)}'")
        return cls(args.get("q", "").strip(), page, sort, tuple(dict.fromkeys(args.getlist("author"))), years, kinds,
                   limit)

    @classmethod
    def lenient(cls, args: MultiDict[str, str]) -> SearchState:
        """The state a URL asks for, or just its query when another parameter is wrong (for links back)."""
        try:
            return cls.from_args(args)
        except ParamError:
            return cls(args.get("q", "").strip())

    @property
    def filters(self) -> Filters:
        return Filters(authors=self.authors, years=self.years, kinds=self.kinds)

    @property
    def chips(self) -> list[tuple[str, str]]:
        """Active filters as (parameter, value) pairs."""
        return [(name, str(value)) for name, attribute in FACETS.items() for value in getattr(self, attribute)]

    def args(self, **changes: Any) -> dict[str, Any]:
        """URL parameters of this state with ``changes``; defaults are left out to keep URLs short."""
        state = replace(self, **changes)
        args: dict[str, Any] = {"q": state.q}
        if state.sort != "relevance":
            args["sort"] = state.sort
        if state.page != 1:
            args["page"] = state.page
        if state.limit is not None:
            args["limit"] = state.limit
        for name, attribute in FACETS.items():
            if getattr(state, attribute):
                args[name] = [str(value) for value in getattr(state, attribute)]
        return args

    def url(self, **changes: Any) -> str:
        """This search's address: a path and query only, never a host taken from the request."""
        return url_for("views.search", **self.args(**changes))

    def is_active(self, facet: str, value: str) -> bool:
        return value in {str(item) for item in getattr(self, FACETS[facet])}

    def toggle_url(self, facet: str, value: str) -> str:
        """This search with a facet value added, or removed if it is on; back to the first page."""
        attribute = FACETS[facet]
        current = getattr(self, attribute)
        typed = _year(value) if facet == "year" else value
        values = tuple(item for item in current if item != typed) if typed in current else (*current, typed)
        return self.url(page=1, **{attribute: values})

    def doc_url(self, doc_id: str, comment: bool = False) -> str:
        """A document reached from this search: it marks the query's words and links back here.

        A comment opens in its thread, scrolled to it.
        """
        return url_for("views.document", doc_id=doc_id, _anchor=doc_id if comment else None, **self.args())


def _whole_number(args: MultiDict[str, str], name: str, default: int | None, highest: int) -> int | None:
    text = args.get(name, "").strip()
    if not text:
        return default
    if not _WHOLE_NUMBER.fullmatch(text) or not 1 <= int(text) <= highest:
        raise ParamError(f"{name} must be a whole number from 1 to {highest:,}, not '{_shown(text)}'")
    return int(text)


def _year(text: str) -> int | str:
    """A year parameter: digits, or NO_DATE for undated documents."""
    text = text.strip()
    if text.lower() == NO_DATE:
        return NO_DATE
    if not _YEAR.fullmatch(text) or int(text) == 0:  # there is no year 0
        raise ParamError(f"year must be a year such as 2011 (or '{NO_DATE}' for no date), not '{_shown(text)}'")
    return int(text)


def _shown(value: str) -> str:
    """A wrong value as an error message repeats it: cut short, so a huge one does not fill the page."""
    return value if len(value) <= _SHOWN_CHARS else value[:_SHOWN_CHARS] + "…"
