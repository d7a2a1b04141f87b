"""Opening the index on disk and keeping one searcher that follows its commits."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import EmptyIndexError, FileIndex
from whoosh.searching import Searcher

from search.schema import build_schema

DEFAULT_INDEX = Path("index")


class IndexMissing(Exception):
    """There is no index at the given place yet."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no index at {path}: run 'essays index' first")
        self.path = path


def default_index_dir() -> Path:
    """``$ESSAYS_INDEX`` if set, else ``index/``."""
    return Path(os.environ.get("ESSAYS_INDEX") or DEFAULT_INDEX)


def open_index(path: Path, create: bool = False) -> FileIndex:
    """Open the index at ``path``; with ``create``, make an empty one when there is none."""
    path = Path(path)
    if path.is_dir() and whoosh_index.exists_in(str(path)):
        try:
            return whoosh_index.open_dir(str(path))
        except EmptyIndexError as error:  # a directory with a lock file but no table of contents
            if not create:
                raise IndexMissing(path) from error
    if not create:
        raise IndexMissing(path)
    path.mkdir(parents=True, exist_ok=True)
    return whoosh_index.create_in(str(path), build_schema())


class IndexHandle:
    """One open index and one shared searcher, replaced only after a commit.

    A replaced searcher is not closed: a request on another thread may still be
    using it; it is released when the last reference goes.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._index: FileIndex | None = None
        self._searcher: Searcher | None = None
        self._lock = threading.Lock()

    def searcher(self) -> Searcher:
        """The current searcher; raises IndexMissing while there is no index."""
        with self._lock:
            if self._index is None:
                self._index = open_index(self.path)
            if self._searcher is None or not self._searcher.up_to_date():
                self._searcher = self._index.searcher()
            return self._searcher
