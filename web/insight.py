"""Seeing the archive: a search's timeline, author pages, quotations traced, dates said back, feeds.

The results and document pages are rendered by ``views``; they reach what this
blueprint adds through template globals (``page_timeline``, ``date_echoes``,
``author_url``, ``quoted_places_of``): the timeline comes from the results page's own
pass over the matches, the rest from one call to the core each.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for

from search.authors import AuthorNotFound, author_profile
from search.date_echo import date_echoes
from search.documents import Document
from search.feeds import newest
from search.query import QueryError
from search.quotes import QuotedPlace, QuoteError, quoted_places, trace_document, trace_text
from search.shown_dates import feed_time
from search.timeline import Period, narrowed, page_timeline
from web import current_searcher
from web.state import NO_DATE, ParamError, SearchState

blueprint = Blueprint("insight", __name__)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FEED_ENTRIES = 20
MAX_QUOTE_CHARS = 20_000  # a longer pasted passage is refused with a message


@blueprint.route("/author/<path:name>")
def author_page(name: str) -> str:
    """An author's counts, timeline, threads and exchanges."""
    try:
        profile = author_profile(current_searcher(), name)
    except AuthorNotFound as error:
        abort(404, description=f"{error.message[:1].upper()}{error.message[1:]}.")
    return render_template("author.html", state=SearchState(), profile=profile,
                           link_state=SearchState(authors=(profile.key,)))


@blueprint.route("/quotes")
def quotes_page() -> tuple[str, int]:
    """Where else a passage appears: ``text`` (pasted), and ``doc`` for the document it came from.

    With ``doc`` and no ``text``, the whole document is traced; a document too short to trace is
    said so with a 200, since the document page links here (an unknown one is a 404). With
    neither, the box to paste into.
    """
    text = request.args.get("text", "").strip()
    doc_id = request.args.get("doc", "").strip() or None
    searcher = current_searcher()
    source = searcher.document(id=doc_id) if doc_id else None
    report, problem, status = None, None, 200
    if len(text) > MAX_QUOTE_CHARS:
        problem, status = f"the passage is {len(text):,} characters long; paste at most {MAX_QUOTE_CHARS:,}", 400
    elif text or doc_id:
        try:
            report = trace_text(searcher, text, source_id=doc_id) if text else trace_document(searcher, doc_id)
        except QuoteError as error:
            problem, status = error.message, 400 if text else 404 if source is None else 200
    return render_template("quotes.html", state=SearchState(), report=report, problem=problem, text=text,
                           doc_id=doc_id if source else None,
                           source_title=source.get("title") if source else None), status


@blueprint.route("/search.atom")
def search_feed() -> Response:
    """The newest results of a search as an Atom feed, with the page's filters."""
    try:
        state = SearchState.from_args(request.args)
    except ParamError as error:
        return _plain(error.message, 400)
    if not state.q:
        return _plain("a feed needs a query: /search.atom?q=WORDS", 400)
    try:
        documents = newest(current_searcher(), state.q, state.filters, FEED_ENTRIES)
    except QueryError as error:
        return _plain(f"bad query: {error}", 400)
    updated = documents[0].date if documents else datetime.now(UTC)
    body = render_template("feed.xml", state=state, documents=documents, updated=updated,
                           self_url=url_for("insight.search_feed", _external=True, **state.args()),
                           page_url=url_for("views.search", _external=True, **state.args(sort="newest")))
    return Response(body, mimetype="application/atom+xml")


@blueprint.route("/opensearch.xml")
def opensearch() -> Response:
    """The description a browser reads to add the archive as a search engine."""
    return Response(render_template("opensearch.xml"), mimetype="application/opensearchdescription+xml")


def _plain(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


@blueprint.app_template_global()
def period_url(state: SearchState, period: Period) -> str:
    """This search narrowed to one period of its timeline."""
    return state.url(q=narrowed(state.q, period), page=1)


@blueprint.app_template_global()
def undated_period_url(state: SearchState) -> str | None:
    """This search narrowed to its undated documents (the year facet's "no date"); None when years are chosen,
    since adding "no date" beside them would widen the search, not narrow it."""
    return None if state.years else state.toggle_url("year", NO_DATE)


@blueprint.app_template_global()
def author_url(name: str) -> str | None:
    """The author page of a name as written on a document; None for a document with no author."""
    return url_for("insight.author_page", name=name) if name and name.strip() else None


@blueprint.app_template_global()
def quoted_places_of(article: Document, comments: list[tuple[Document, int]]) -> dict[str, list[QuotedPlace]]:
    """For each comment of a thread that quotes its article, where: the article paragraphs it links to."""
    found = {}
    for comment, _ in comments:
        places = quoted_places(article, comment)
        if places:
            found[comment.id] = places
    return found


@blueprint.app_template_filter()
def xml_text(text: str) -> str:
    """Text with the control characters XML 1.0 cannot hold removed (real archives carry stray ones)."""
    return _NOT_XML.sub("", text)


@blueprint.app_template_filter()
def atom_time(moment: datetime) -> str:
    """RFC 3339, as Atom wants it: a year, month or day is its first moment; a time without a zone is taken as UTC."""
    return feed_time(moment)


@blueprint.app_context_processor
def insight_helpers() -> dict[str, Any]:
    return {"date_echoes": date_echoes, "page_timeline": page_timeline}
