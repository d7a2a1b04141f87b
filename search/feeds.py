"""The newest documents a search matches, for its Atom feed: dated ones only, newest first, no grouping.

A results page groups hits by article and shows a few comments of each; a feed
lists every new document, so it asks the index for the newest matches directly.
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh import sorting
from whoosh.searching import Searcher

from search.documents import Document
from search.query import ParsedQuery, parse
from search.results import Filters
from search.schema import SOURCE_KIND, stored_document

_DATED = wq.TermRange("date", "y0000", "y9999")


def newest(searcher: Searcher, text: str | ParsedQuery, filters: Filters | None = None,
           limit: int = 20) -> list[Document]:
    """The ``limit`` newest dated documents a query matches under ``filters``; raises QueryError."""
    parsed = text if isinstance(text, ParsedQuery) else parse(text)
    narrowing = filters.query() if filters else None
    results = searcher.search(parsed.query, limit=limit, sortedby=sorting.FieldFacet("date", reverse=True),
                              filter=wq.And([narrowing, _DATED]) if narrowing else _DATED,
                              mask=wq.Term("kind", SOURCE_KIND))
    return [stored_document(hit.fields()) for hit in results]
