"""Passage search in the browser and the API: "find essays that argue like this" and "More like this".

``/similar`` is the passage page (``text`` posted, since a passage may be longer
than an address may be, or ``?doc=ID``, also spelled ``?id=ID``); ``/api/similar?text=...`` and
``/api/similar/<id>`` (or ``?doc=ID``) give the same as JSON. The document page reaches the "More
like this" list through the template global ``more_like_this``. A long query with
no operators typed in the search box is sent here, saying so (``mode=words``
keeps it a search).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from search.similar import (
    PassageError,
    SimilarPage,
    UnknownDocument,
    looks_like_passage,
    similar_json,
    similar_to_document,
    similar_to_text,
)
from search.store import IndexMissing
from web import IndexEmpty, current_limits, current_searcher
from web.state import FACETS, ParamError, SearchState

blueprint = Blueprint("similar", __name__)
MORE_LIKE_THIS = 5  # documents listed under a document


@blueprint.route("/similar", methods=["GET", "POST"])
def passage_page() -> tuple[str, int]:
    """The passage box, and for a passage (``text``) or a document (``doc``) the documents most like it."""
    text = request.values.get("text", "")
    doc_id = _doc_param()
    view: dict[str, Any] = {"state": SearchState(), "text": text, "doc_id": doc_id,
                            "switched": request.values.get("from") == "search"}
    try:
        state = SearchState.from_args(request.values)
    except ParamError as error:
        return render_template("similar.html", **view, error=error.message), 400
    view["filters"] = state
    if not text.strip() and not doc_id:
        return render_template("similar.html", **view), 200
    try:
        page = _similar(state, doc_id if not text.strip() else None, text)
    except UnknownDocument as error:
        return render_template("similar.html", **view, error=error.message), 404
    except PassageError as error:
        return render_template("similar.html", **view, error=error.message), 400
    return render_template("similar.html", **view, page=page), 200


@blueprint.route("/api/similar", methods=["GET", "POST"])
@blueprint.route("/api/similar/<doc_id>")
def similar_api(doc_id: str | None = None) -> tuple[dict[str, Any], int]:
    """The documents most like ``text`` or like document ``doc_id``; ``limit``, ``author``, ``year``, ``kind``."""
    try:
        state = SearchState.from_args(request.values)
    except ParamError as error:
        return {"error": error.message}, 400
    text = request.values.get("text", "")
    doc_id = doc_id or (None if text.strip() else _doc_param())
    try:
        page = _similar(state, doc_id, text)
    except UnknownDocument as error:
        return {"error": error.message}, 404
    except PassageError as error:
        return {"error": error.message}, 400
    return similar_json(page), 200


def _doc_param() -> str:
    """The document asked for by ``doc``, or by ``id`` as it is also spelled."""
    return (request.values.get("doc") or request.values.get("id") or "").strip()


def _similar(state: SearchState, doc_id: str | None, text: str) -> SimilarPage:
    """The documents like document ``doc_id`` when one is given, else like ``text``: the page's and the API's search."""
    limit = state.limit or current_app.config["PAGELEN"]
    if doc_id:
        return similar_to_document(current_searcher(), doc_id, limit=limit, filters=state.filters,
                                   limits=current_limits())
    return similar_to_text(current_searcher(), text, limit=limit, filters=state.filters, limits=current_limits())


@blueprint.errorhandler(IndexMissing)
@blueprint.errorhandler(IndexEmpty)
def no_index(error: Exception) -> tuple[Any, int]:
    if request.path.startswith("/api/"):
        return {"error": str(error)}, 503
    return render_template("similar.html", state=SearchState(), text="", doc_id="", unavailable=str(error)), 503


@blueprint.before_app_request
def passage_typed_as_search() -> Response | None:
    """A long query with no operators in the search box is searched as a passage, saying so."""
    if request.endpoint != "views.search" or request.args.get("mode") == "words":
        return None
    q = request.args.get("q", "").strip()
    if not looks_like_passage(q):
        return None
    kept = {name: request.args.getlist(name) for name in (*FACETS, "limit") if name in request.args}
    return redirect(url_for("similar.passage_page", text=q, **kept, **{"from": "search"}))


@blueprint.app_template_global()
def more_like_this(doc_id: str) -> SimilarPage | None:
    """The few documents most like a document, for its page; None when nothing is like it."""
    try:
        return similar_to_document(current_searcher(), doc_id, limit=MORE_LIKE_THIS, facets=False,
                                   limits=current_limits())
    except PassageError:
        return None
