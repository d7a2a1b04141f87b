"""The browser door: ``create_app(config)`` builds a Flask app over one index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, g

from search.documents import storable_text
from search.query import QueryLimits, query_limits
from search.shown_dates import date_iso, date_text
from search.store import IndexHandle, default_index_dir


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """An app over the index at ``INDEX_DIR`` (default ``$ESSAYS_INDEX`` or ``index/``).

    The app keeps one IndexHandle: each server thread gets its own searcher, kept
    across requests and refreshed only after the index changes. ``QUERY_LIMITS``
    (a QueryLimits, or a dict of its fields) bounds what one query may cost.
    """
    from web import api, insight, similar, views

    app = Flask(__name__)
    app.config.from_mapping(INDEX_DIR=None, PAGELEN=10)
    app.config.update(config or {})
    app.config["INDEX_DIR"] = Path(app.config["INDEX_DIR"] or default_index_dir())
    app.config["QUERY_LIMITS"] = query_limits(app.config.get("QUERY_LIMITS"))
    app.extensions["essays_index"] = IndexHandle(app.config["INDEX_DIR"])
    app.register_blueprint(views.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(insight.blueprint)
    app.register_blueprint(similar.blueprint)
    # Every page shows a date through the core's one formatter, as much of it as the source gave.
    app.add_template_filter(date_text)
    app.add_template_filter(date_iso)
    app.jinja_env.finalize = showable
    return app




def showable(value: Any) -> Any:
    """What a page prints of a value: a lone surrogate becomes U+FFFD and a NUL goes.

    Every ``{{ ... }}`` passes through here (the app's Jinja ``finalize``): UTF-8 cannot encode a lone
    surrogate, so one such character stored in a document would otherwise turn its every page into a 500.
    """
    if isinstance(value, str) and (cleaned := storable_text(value)) is not value:
        return type(value)(cleaned)
    return value


class IndexEmpty(Exception):
    """The index exists but holds no documents yet."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"the index at {path} is empty: run 'essays index' first")


def current_searcher() -> Any:
    """This request's searcher, handed to the core untouched (the web layer does not use Whoosh).

    One per request, so every part of a page reads the same commit; one per
    thread, since Whoosh searchers cannot be shared. Raises IndexMissing or
    IndexEmpty when there is nothing to search.
    """
    if "essays_searcher" not in g:
        handle: IndexHandle = current_app.extensions["essays_index"]
        searcher = handle.searcher()
        if searcher.doc_count() == 0:
            raise IndexEmpty(handle.path)
        g.essays_searcher = searcher
    return g.essays_searcher


def current_limits() -> QueryLimits:
    """The app's query budget (``QUERY_LIMITS``), for the core's ``search`` and ``parse``."""
    return current_app.config["QUERY_LIMITS"]
