"""The browser door: ``create_app(config)`` builds a Flask app over one index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app

from search.store import IndexHandle, default_index_dir


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """An app over the index at ``INDEX_DIR`` (default ``$ESSAYS_INDEX`` or ``index/``).

    The app keeps one IndexHandle, so every request shares a searcher that is
    refreshed only after the index changes.
    """
    from web import api, views

    app = Flask(__name__)
    app.config.from_mapping(INDEX_DIR=None, PAGELEN=10)
    app.config.update(config or {})
    app.config["INDEX_DIR"] = Path(app.config["INDEX_DIR"] or default_index_dir())
    app.extensions["essays_index"] = IndexHandle(app.config["INDEX_DIR"])
    app.register_blueprint(views.blueprint)
    app.register_blueprint(api.blueprint)
    return app


class IndexEmpty(Exception):
    """The index exists but holds no documents yet."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"the index at {path} is empty: run 'essays index' first")


def current_searcher() -> Any:
    """The app's shared searcher, handed to the core untouched (the web layer does not use Whoosh).

    Raises IndexMissing or IndexEmpty when there is nothing to search.
    """
    handle: IndexHandle = current_app.extensions["essays_index"]
    searcher = handle.searcher()
    if searcher.doc_count() == 0:
        raise IndexEmpty(handle.path)
    return searcher
