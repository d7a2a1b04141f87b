"""The pages: read the request, call the core, render a template."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from search.query import QueryError
from search.results import SORTS, Highlight, reply_label, search, snippet, thread, thread_highlights
from search.store import IndexMissing
from web import IndexEmpty, api, current_limits, current_searcher, server
from web.server import no_search_slot
from web.state import ParamError, SearchState

blueprint = Blueprint("views", __name__)
blueprint.record_once(lambda setup: server.install(setup.app))
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_LINKABLE_SCHEMES = {"http", "https"}


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
        page = search(searcher, state.q, page=state.page, pagelen=state.limit or current_app.config["PAGELEN"],
                      sort=state.sort, filters=state.filters, limits=current_limits())
    except QueryError as error:
        return render_template("search.html", state=state, error=error.message, position=error.position), 400
    return render_template("search.html", state=state, page=page, groups=page.groups), 200


@blueprint.route("/doc/<doc_id>")
def document(doc_id: str) -> str:
    """An article and its comment thread; with ``q``, the query's words marked throughout.

    The comments the query matches are listed first, each linking to its place in
    the thread, so a reader need not scroll through hundreds to find them.

    The link back to the results is rebuilt from the search's own parameters, so
    nothing else in the address (``_external``, a forged Host) can point it elsewhere.
    """
    searcher = current_searcher()
    found = thread(searcher, doc_id)
    if found is None:
        abort(404, description=f"No article or comment has the id '{doc_id}'.")
    article, comments = found
    state = SearchState.lenient(request.args)
    marked, note = {}, None
    if state.q:
        try:
            marked = thread_highlights(searcher, state.q, article.article_id, current_limits())
        except QueryError as error:
            note = f"The words of '{state.q}' are not marked: {error.message}."
    matching = [(comment, snippet(marked[comment.id].body.text, marked[comment.id].body.spans))
                for comment, _ in comments if comment.id in marked]
    return render_template("document.html", state=state, article=article, comments=comments,
                           parents={comment.id: comment for comment, _ in comments}, marked=marked, note=note,
                           matching=matching, target=doc_id, back=state.url() if state.q else None,
                           reply_label=reply_label)


@blueprint.route("/help")
@no_search_slot
def help_page() -> str:
    return render_template("help.html", state=SearchState())


@blueprint.errorhandler(IndexMissing)
@blueprint.errorhandler(IndexEmpty)
def no_index(error: Exception) -> tuple[str, int]:
    """Nothing to search yet: say so and how to index, instead of failing."""
    return render_template("search.html", state=SearchState(request.args.get("q", "").strip()),
                           unavailable=str(error)), 503


@blueprint.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    """Every HTTP error, including a 500 from a bug: JSON under /api/, a short page elsewhere; never a traceback."""
    if request.path == api.blueprint.url_prefix or request.path.startswith(api.blueprint.url_prefix + "/"):
        response = api.error_response(error.description or error.name, error.code or 500)
    else:
        response = current_app.make_response((render_template("error.html", state=SearchState(), error=error),
                                               error.code or 500))
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


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


@blueprint.app_template_filter()
def web_link(url: str | None) -> str | None:
    """A document's ``url`` if it is an http(s) address, else None: ``javascript:`` and the like never become links."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in _LINKABLE_SCHEMES and parts.netloc else None


@blueprint.app_context_processor
def sorts() -> dict[str, object]:
    return {"SORTS": SORTS}
