"""The JSON door: the same searches as the pages, as data; errors as ``{"error", "position"}``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request

from search.query import QueryError
from search.results import search, thread, thread_highlights
from search.serialize import page_json, thread_json
from search.store import IndexMissing
from web import IndexEmpty, current_searcher
from web.state import ParamError, SearchState

blueprint = Blueprint("api", __name__, url_prefix="/api")


@blueprint.route("/search")
def search_json() -> dict[str, Any]:
    """One page of hits, like /search: ``q``, ``page``, ``sort`` and repeatable ``author``, ``year``, ``kind``."""
    state = SearchState.from_args(request.args)
    page = search(current_searcher(), state.q, page=state.page, pagelen=current_app.config["PAGELEN"],
                  sort=state.sort, filters=state.filters)
    return {**page_json(page), "sort": state.sort,
            "filters": {"author": list(state.authors), "year": list(state.years), "kind": list(state.kinds)}}


@blueprint.route("/doc/<doc_id>")
def document_json(doc_id: str) -> tuple[dict[str, Any], int]:
    """An article with its thread; with ``q``, the highlights of the documents the query matches."""
    searcher = current_searcher()
    found = thread(searcher, doc_id)
    if found is None:
        return _error(f"no article or comment has the id '{doc_id}'", 404)
    article, comments = found
    q = request.args.get("q", "").strip()
    marked = thread_highlights(searcher, q, article.article_id) if q else None
    return thread_json(article, comments, marked), 200


@blueprint.errorhandler(QueryError)
def bad_query(error: QueryError) -> tuple[dict[str, Any], int]:
    return _error(error.message, 400, error.position)


@blueprint.errorhandler(ParamError)
def bad_param(error: ParamError) -> tuple[dict[str, Any], int]:
    return _error(error.message, 400)


@blueprint.errorhandler(IndexMissing)
@blueprint.errorhandler(IndexEmpty)
def no_index(error: Exception) -> tuple[dict[str, Any], int]:
    return _error(str(error), 503)


def _error(message: str, status: int, position: int | None = None) -> tuple[dict[str, Any], int]:
    return {"error": message, "position": position}, status
