"""What a results page shows, read from and written back to its URL, so every page is bookmarkable."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from flask import url_for
from werkzeug.datastructures import MultiDict

from search.documents import KINDS
from search.results import SORTS, Filters, Sort

# URL parameter -> SearchState attribute, for the facets a reader can narrow by.
FACETS = {"author": "authors", "year": "years", "kind": "kinds"}


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
    years: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> SearchState:
        """The state a URL asks for; raises ParamError for a page, sort, year or kind that cannot be."""
        page_text = args.get("page", "1").strip() or "1"
        if not page_text.isdigit() or int(page_text) < 1:
            raise ParamError(f"page must be a whole number from 1 up, not '{page_text}'")
        sort = args.get("sort", "relevance").strip() or "relevance"
        if sort not in SORTS:
            raise ParamError(f"sort must be {', '.join(SORTS)}, not '{sort}'")
        years = []
        for year in args.getlist("year"):
            if not re.fullmatch(r"\d{1,4}", year.strip()):
                raise ParamError(f"year must be a year such as 2011, not '{year}'")
            years.append(int(year))
        kinds = args.getlist("kind")
        for kind in kinds:
            if kind not in KINDS:
                raise ParamError(f"kind must be {' or '.join(KINDS)}, not '{kind}'")
        return cls(args.get("q", "").strip(), int(page_text), sort, tuple(dict.fromkeys(args.getlist("author"))),
                   tuple(dict.fromkeys(years)), tuple(dict.fromkeys(kinds)))

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
        for name, attribute in FACETS.items():
            if getattr(state, attribute):
                args[name] = list(getattr(state, attribute))
        return args

    def url(self, **changes: Any) -> str:
        return url_for("views.search", **self.args(**changes))

    def is_active(self, facet: str, value: str) -> bool:
        return value in {str(item) for item in getattr(self, FACETS[facet])}

    def toggle_url(self, facet: str, value: str) -> str:
        """This search with a facet value added, or removed if it is on; back to the first page."""
        attribute = FACETS[facet]
        current = getattr(self, attribute)
        typed = int(value) if facet == "year" else value
        values = tuple(item for item in current if item != typed) if typed in current else (*current, typed)
        return self.url(page=1, **{attribute: values})

    def doc_url(self, doc_id: str, comment: bool = False) -> str:
        """A document reached from this search: it marks the query's words and links back here.

        A comment opens in its thread, scrolled to it.
        """
        return url_for("views.document", doc_id=doc_id, _anchor=doc_id if comment else None, **self.args())
