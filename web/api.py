"""The JSON door: the same searches as the pages, as data; every error as ``{"error", "position"}`` JSON.

HTTP errors raised anywhere under /api/ (404, 405, 413, 414, 503, a 500 from a bug)
are turned into the same JSON by the app-wide handler in views.py, via ``error_response``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from search.query import QueryError
from search.results import search, thread, thread_highlights
from search.serialize import page_json, thread_json
from search.store import IndexMissing
from search.timeline import page_timeline, timeline_json
from web import IndexEmpty, current_limits, current_searcher
from web.state import ParamError, SearchState

blueprint = Blueprint("api", __name__, url_prefix="/api")


@blueprint.route("/search")
def search_json() -> dict[str, Any]:
    """One page of article groups, as /search: ``q``, ``page``, ``limit``, ``sort``, ``author``, ``year``, ``kind``."""
    state = SearchState.from_args(request.args)
    page = search(current_searcher(), state.q, page=state.page, pagelen=state.limit or current_app.config["PAGELEN"],
                  sort=state.sort, filters=state.filters, limits=current_limits())
    return {**page_json(page), "sort": state.sort,
            "timeline": timeline_json(page_timeline(page)),
            "filters": {"author": list(state.authors), "year": list(state.years), "kind": list(state.kinds)}}


@blueprint.route("/doc/<doc_id>")
def document_json(doc_id: str) -> tuple[dict[str, Any], int] | Response:
    """An article with its thread; with ``q``, the highlights of the documents the query matches."""
    searcher = current_searcher()
    found = thread(searcher, doc_id)
    if found is None:
        return error_response(f"no article or comment has the id '{doc_id}'", 404)
    article, comments = found
    q = request.args.get("q", "").strip()
    marked = thread_highlights(searcher, q, article.article_id, current_limits()) if q else None
    return thread_json(article, comments, marked), 200


@blueprint.errorhandler(QueryError)
def bad_query(error: QueryError) -> Response:
    return error_response(error.message, 400, error.position)


@blueprint.errorhandler(ParamError)
def bad_param(error: ParamError) -> Response:
    return error_response(error.message, 400)


@blueprint.errorhandler(IndexMissing)
@blueprint.errorhandler(IndexEmpty)
def no_index(error: Exception) -> Response:
    return error_response(str(error), 503)


def error_response(message: str, status: int, position: int | None = None) -> Response:
    """The API's one error shape, with its status."""
    response = jsonify({"error": message, "position": position})
    response.status_code = status
    return response
