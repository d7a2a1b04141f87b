"""The pages: read the request, call the core, render a template."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, render_template, request
from werkzeug.exceptions import NotFound

from search.query import QueryError
from search.results import SORTS, Highlight, group_by_article, search, thread, thread_highlights
from search.store import IndexMissing
from web import IndexEmpty, current_searcher
from web.state import ParamError, SearchState

blueprint = Blueprint("views", __name__)
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


@blueprint.route("/", endpoint="search")
@blueprint.route("/search", endpoint="search")
def search_page() -> tuple[str, int]:
    """The search box, and for a query its hits grouped by article, with facets, sorting and pages."""
    try:
        state = SearchState.from_args(request.args)
    except ParamError as error:
        return render_template("search.html", state=SearchState(request.args.get("q", "").strip()),
                               error=error.message), 400
    searcher = current_searcher()
    if not state.q:
        return render_template("search.html", state=state), 200
    try:
        page = search(searcher, state.q, page=state.page, pagelen=current_app.config["PAGELEN"], sort=state.sort,
                      filters=state.filters)
    except QueryError as error:
        return render_template("search.html", state=state, error=error.message, position=error.position), 400
    return render_template("search.html", state=state, page=page, groups=group_by_article(page.hits)), 200


@blueprint.route("/doc/<doc_id>")
def document(doc_id: str) -> str:
    """An article and its comment thread; with ``q``, the query's words marked throughout."""
    searcher = current_searcher()
    found = thread(searcher, doc_id)
    if found is None:
        abort(404, description=f"No article or comment has the id '{doc_id}'.")
    article, comments = found
    q = request.args.get("q", "").strip()
    marked, note = {}, None
    if q:
        try:
            marked = thread_highlights(searcher, q, article.article_id)
        except QueryError as error:
            note = f"The words of '{q}' are not marked: {error.message}."
    return render_template("document.html", state=SearchState(q), article=article, comments=comments,
                           parents={comment.id: comment for comment, _ in comments}, marked=marked, note=note,
                           target=doc_id, back=request.args.to_dict(flat=False) if q else None)


@blueprint.route("/help")
def help_page() -> str:
    return render_template("help.html", state=SearchState())


@blueprint.errorhandler(IndexMissing)
@blueprint.errorhandler(IndexEmpty)
def no_index(error: Exception) -> tuple[str, int]:
    """Nothing to search yet: say so and how to index, instead of failing."""
    return render_template("search.html", state=SearchState(request.args.get("q", "").strip()),
                           unavailable=str(error)), 503


@blueprint.app_errorhandler(404)
def not_found(error: NotFound) -> tuple[str, int]:
    return render_template("not_found.html", state=SearchState(), message=error.description), 404


@blueprint.app_template_global()
def page_window(current: int, pages: int, around: int = 2) -> list[int | None]:
    """Page numbers to offer: the first, the last and a few around the current one; None marks a gap."""
    shown = sorted({1, pages, *range(max(1, current - around), min(pages, current + around) + 1)})
    window: list[int | None] = []
    for previous, number in zip([0, *shown], shown, strict=False):
        if previous and number - previous > 1:
            window.append(None)
        window.append(number)
    return window


@blueprint.app_template_filter()
def paragraphs(body: Highlight | str) -> list[list[tuple[str, bool]]]:
    """A body's (piece, is_match) parts cut at blank lines, so each paragraph becomes its own <p>."""
    highlight = body if isinstance(body, Highlight) else Highlight(body)
    result: list[list[tuple[str, bool]]] = [[]]
    for text, matched in highlight.parts():
        for index, piece in enumerate([text] if matched else _BLANK_LINE.split(text)):
            if index:
                result.append([])
            if piece:
                result[-1].append((piece, matched))
    return [paragraph for paragraph in result if paragraph]


@blueprint.app_context_processor
def sorts() -> dict[str, object]:
    return {"SORTS": SORTS}
