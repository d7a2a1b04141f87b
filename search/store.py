"""Opening the index on disk and giving each thread its own searcher that follows the commits.

Whoosh searchers are not safe to share between threads: a segment's files are
read by seeking a shared file object and then reading from it, so two threads
searching with one searcher read each other's bytes (wrong counts, and
``UnpicklingError: invalid load key`` when a stored-fields record is read from
the wrong offset). A searcher here is only ever used by the thread that asked
for it.

Whoosh also opens a segment's column files (stored fields, field lengths, sort
columns) lazily, on first use. A commit that merges segments deletes the old
segments' files, so a searcher opened before that commit could find its
columns gone half-way through a search and silently read default values. A
searcher is therefore opened with every column file of its segments already
open: the data then stays readable until the searcher is dropped.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.index import EmptyIndexError, FileIndex
from whoosh.searching import Searcher

from search.codec import BatchPerDocReader
from search.schema import build_schema

T = TypeVar("T")
DEFAULT_INDEX = Path("index")
_COLUMN_SUFFIX = ".col"
_OPEN_ATTEMPTS = 5


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


def open_searcher(index: FileIndex) -> Searcher:
    """A searcher over the index's latest commit with all its segments' files open (see the module note).

    If a commit lands while the files are being opened, some of them may already
    be gone; the searcher is then opened again on the newer commit.
    """
    for _ in range(_OPEN_ATTEMPTS):
        searcher = index.searcher()
        try:
            _open_columns(searcher)
        except FileNotFoundError:  # merged away by a commit since the table of contents was read
            continue
        if searcher.up_to_date():
            return searcher
    return searcher


class _OpenedColumns(BatchPerDocReader):
    """A segment's per-document reader whose column files were all opened up front.

    Whoosh asks the directory whether a column exists before each first use; once
    a merge has deleted the file that answer is no, and stored fields and sort
    values silently vanish. This one answers from the files it holds open.
    """

    def has_column(self, fieldname: str) -> bool:
        return fieldname in self._colfiles


def _open_columns(searcher: Searcher) -> None:
    listing: set[str] | None = None
    for leaf, _ in searcher.leaf_searchers():
        perdoc = getattr(leaf.reader(), "_perdoc", None)
        if not isinstance(perdoc, W3PerDocReader):  # an empty index has no segments
            continue
        if listing is None:
            listing = set(perdoc._storage.list())
        prefix = leaf.reader().segment().segment_id() + "."
        for name in listing:
            if name.startswith(prefix) and name.endswith(_COLUMN_SUFFIX):
                column = name[len(prefix):-len(_COLUMN_SUFFIX)]
                if column not in perdoc._colfiles:
                    perdoc._colfiles[column] = perdoc._get_column_file(column)
        perdoc.__class__ = _OpenedColumns


class IndexHandle:
    """One open index and, per thread, one searcher, replaced only after a commit.

    Each thread of a server gets its own searcher (see the module note) and keeps
    it across requests while the index is unchanged. A replaced searcher is not
    closed: its caller may still be reading from it; it is released with the last
    reference.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._index: FileIndex | None = None
        self._lock = threading.Lock()
        self._local = threading.local()

    def searcher(self) -> Searcher:
        """This thread's searcher over the latest commit; raises IndexMissing while there is no index."""
        current: Searcher | None = getattr(self._local, "searcher", None)
        if current is not None and current.up_to_date():
            return current
        fresh = open_searcher(self._open())
        self._local.searcher = fresh
        return fresh

    def _open(self) -> FileIndex:
        with self._lock:
            if self._index is None:
                self._index = open_index(self.path)
            return self._index


class SegmentCache:
    """Values worked out from one segment (its word list, a column as a list), kept while it is in use.

    A segment never changes once written (deletions are kept apart from it), so
    what is read from it stays true for every searcher and thread that reads that
    segment; the least recently used entries are dropped past a bound.
    """

    # A page uses a dozen or more values of each segment (columns for facets, field lengths, term look-ups),
    # and an index of 100,000 documents has some 25 segments: a smaller bound rebuilt columns on every page.
    def __init__(self, bound: int = 2048) -> None:
        self._entries: OrderedDict[tuple[str, str, str], Any] = OrderedDict()
        self._bound = bound
        self._lock = threading.Lock()
        # Each reader's (index folder, segment id), worked out once: a page asks for a hundred values or more.
        self._segments: weakref.WeakKeyDictionary[Any, tuple[str, str] | None] = weakref.WeakKeyDictionary()

    def get(self, reader: Any, name: str, build: Callable[[Any], T]) -> T:
        """The value called ``name`` for the segment of ``reader`` (a per-segment reader), built once."""
        try:
            segment = self._segments.get(reader, ...)
        except TypeError:  # a reader that cannot be weakly referenced: worked out every time
            segment = segment_key(reader)
        if segment is ...:
            segment = segment_key(reader)
            with self._lock:
                self._segments[reader] = segment
        if segment is None:  # the reader of an index with no segment yet: nothing worth keeping
            return build(reader)
        key = (*segment, name)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = build(reader)  # outside the lock: two threads may both build it, and get equal values
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._bound:
                self._entries.popitem(last=False)
        return value


def segment_key(reader: Any) -> tuple[str, str] | None:
    """(index folder, segment id) of a per-segment reader; None for a reader with no segment."""
    segment = reader.segment() if hasattr(reader, "segment") else None
    if segment is None:
        return None
    storage = getattr(reader, "_storage", None)
    return str(getattr(storage, "folder", id(storage))), segment.segment_id()


SEGMENT_CACHE = SegmentCache()


def segment_readers(reader: Any) -> list[Any]:
    """The per-segment readers under a searcher's reader (an empty index has none)."""
    return [leaf for leaf in getattr(reader, "readers", None) or [reader] if hasattr(leaf, "segment")]
