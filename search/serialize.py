"""Hits, pages and threads as JSON-ready dicts, so the CLI and the web API give the same shape."""

from __future__ import annotations

from typing import Any

from search.documents import Document
from search.results import Highlight, Hit, Marked, SearchPage
from search.shown_dates import date_iso


def document_json(document: Document, body: bool = False) -> dict[str, Any]:
    """A document's fields; the body only when asked, since hit lists carry a snippet instead."""
    fields: dict[str, Any] = {
        "id": document.id, "kind": document.kind, "title": document.title, "author": document.author,
        "date": date_iso(document.date, document.date_precision), "article_id": document.article_id,
        "parent_id": document.parent_id, "url": document.url, "tags": list(document.tags),
        "heading": document.heading}
    if body:
        fields["body"] = document.body
    return fields


def highlight_json(highlight: Highlight) -> dict[str, Any]:
    return {"text": highlight.text, "spans": [list(span) for span in highlight.spans],
            "matches": [piece for piece, matched in highlight.parts() if matched]}


def hit_json(hit: Hit) -> dict[str, Any]:
    return {**document_json(hit.document), "score": hit.score,
            "highlights": {"title": highlight_json(hit.title), "heading": highlight_json(hit.heading),
                           "snippet": highlight_json(hit.snippet)}}


def page_json(page: SearchPage) -> dict[str, Any]:
    """One page of article groups with its facets and spelling suggestion.

    ``total`` counts matching documents and ``articles`` the groups that ``pages``
    counts; ``hits`` lists the page's hits group by group, and ``groups`` says
    which hit ids make each group. ``partial`` is true when the time limit cut the
    search short. A facet's ``value`` goes back as a filter; ``label`` is for
    reading ("no date").
    """
    return {"query": page.query, "total": page.total, "articles": page.articles, "page": max(page.page, 1),
            "pages": page.pages, "pagelen": page.pagelen, "partial": page.partial, "seconds": page.seconds,
            "suggestion": page.suggestion,
            "hits": [hit_json(hit) for hit in page.hits],
            "groups": [{"article_id": group.article_id, "title": group.title,
                        "article": group.article.id if group.article else None,
                        "comments": [hit.id for hit in group.comments],
                        "matching_comments": group.matching_comments} for group in page.groups],
            "facets": {name: [{"value": facet.value, "count": facet.count, "label": facet.label} for facet in counts]
                       for name, counts in page.facets.items()}}


def thread_json(article: Document, comments: list[tuple[Document, int]],
                marked: dict[str, Marked] | None = None) -> dict[str, Any]:
    """An article and its comments with reply depths; with ``marked``, the highlights of matched documents."""
    marked = marked or {}

    def entry(document: Document) -> dict[str, Any]:
        fields = document_json(document, body=True)
        if document.id in marked:
            fields["highlights"] = {"title": highlight_json(marked[document.id].title),
                                    "heading": highlight_json(marked[document.id].heading),
                                    "body": highlight_json(marked[document.id].body)}
        return fields

    return {"article": entry(article),
            "comments": [{**entry(comment), "depth": depth} for comment, depth in comments]}
