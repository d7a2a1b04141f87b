"""An author's record: articles and comments, when, the threads they took part in, and their exchanges.

An author is the ``author_name`` key the index groups people under (one person, one
author), so the page for ``Paul Hampton`` also holds what ``PaulHampton`` wrote.
Exchanges come from the thread links: a comment answers its parent comment, and a
top-level comment answers the article's author.

A public page must stay bounded for the busiest author: counts, threads and
exchanges come from the sortable columns (read once per segment and cached), and
only the documents actually shown (thread titles, the replies listed) are read as
stored documents.
"""

from __future__ import annotations

import difflib
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher

from search.documents import Document
from search.query import author_query
from search.results import NOT_DOCUMENTS, column
from search.schema import NO_AUTHOR, SOURCE_KIND, author_key, build_schema, stored_document
from search.timeline import Timeline, timeline

MAX_THREADS = 50  # threads listed, the ones with most of the author's documents first
MAX_EXCHANGES = 20  # people listed on each side of the exchanges
MAX_REPLIES_SHOWN = 5  # replies listed per person (the oldest); the rest are counted
_COLUMNS = ("id", "kind", "article_id", "parent_id", "author_name", "date")
_UNDATED = build_schema()["date"].column_type.default_value()  # the date column of an undated document


class AuthorNotFound(LookupError):
    """No author by that name; ``suggestions`` are close names that exist."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""
        super().__init__(f"no author named '{name}' in the index{hint}")
        self.message = str(self)
        self.suggestions = suggestions


@dataclass(frozen=True)
class Exchange:
    """Replies between the author and one other person: how many, and the oldest few of them."""

    key: str
    name: str
    count: int
    replies: tuple[Document, ...]


@dataclass(frozen=True)
class ThreadPart:
    article_id: str
    title: str
    documents: int
    started: bool
    last: datetime | None


@dataclass
class AuthorProfile:
    key: str
    name: str
    articles: int
    comments: int
    timeline: Timeline
    threads: list[ThreadPart]
    thread_count: int
    replies_to: list[Exchange]
    replied_by: list[Exchange]
    seconds: float = 0.0


def find_author(searcher: Searcher, name: str) -> str:
    """The ``author_name`` key of a name as written on a page (any case, spacing, accents or camel case).

    Raises AuthorNotFound with close names when there is none.
    """
    key = author_key(name)
    reader = searcher.reader()
    if key != NO_AUTHOR and ("author_name", key) in reader:  # NO_AUTHOR (" ", "..") holds every unsigned document
        return key
    keys = [text for text in (term.decode("utf-8") if isinstance(term, bytes) else term
                              for term in reader.lexicon("author_name")) if text != NO_AUTHOR]
    raise AuthorNotFound(name, difflib.get_close_matches(key, keys, n=3, cutoff=0.75))


class _Columns:
    """The columns of the whole index by global document number, from each segment's cached column."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.values: dict[str, list[Any]] = {name: [] for name in _COLUMNS}
        self.live: list[Any] = []  # (segment reader, offset, size) to tell deleted documents
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            for name in _COLUMNS:
                self.values[name].extend(column(reader, name))
            self.live.append((reader, offset, reader.doc_count_all()))

    def is_live(self, docnum: int) -> bool:
        for reader, offset, size in self.live:
            if offset <= docnum < offset + size:
                return not reader.is_deleted(docnum - offset)
        return False

    def document(self, docnum: int) -> Document:
        return stored_document(self.searcher.stored_fields(docnum))


def author_profile(searcher: Searcher, name: str) -> AuthorProfile:
    """Everything the author page and ``essays author`` show; raises AuthorNotFound."""
    started = time.perf_counter()
    key = find_author(searcher, name)
    # What author:"NAME" finds, joint bylines ("A and B") included, so the page's counts agree with a search.
    bylines = wq.Or([wq.Term("author_name", key), author_query(key)])
    mine = sorted(searcher.search(bylines, limit=None, scored=False, mask=NOT_DOCUMENTS).docs())
    columns = _Columns(searcher)
    kinds = Counter(columns.values["kind"][docnum] for docnum in mine)
    threads, thread_count = _threads(columns, mine)
    replies_to, replied_by = _exchanges_of(columns, key, mine)
    profile = AuthorProfile(
        key=key, name=_own_name(columns, key, mine), articles=kinds["article"], comments=kinds["comment"],
        timeline=timeline(searcher, bylines), threads=threads, thread_count=thread_count,
        replies_to=replies_to, replied_by=replied_by)
    profile.seconds = time.perf_counter() - started
    return profile


def _own_name(columns: _Columns, key: str, mine: list[int]) -> str:
    """The author's name as most often written on their own (not joint) documents."""
    spellings = columns.values["author_name"]
    spelled = Counter(spellings[docnum] for docnum in mine if _key(spellings[docnum]) == key)
    return spelled.most_common(1)[0][0] if spelled else key


@lru_cache(maxsize=65536)
def _key(spelling: str) -> str:
    """The author key of a name as the ``author_name`` column spells it (which spells no author NO_AUTHOR)."""
    return NO_AUTHOR if spelling == NO_AUTHOR else author_key(spelling)


def _threads(columns: _Columns, mine: list[int]) -> tuple[list[ThreadPart], int]:
    """The threads listed (most of the author's documents first), read for title and date, and how many."""
    by_article: dict[str, list[int]] = {}
    for docnum in mine:
        by_article.setdefault(columns.values["article_id"][docnum], []).append(docnum)
    dates, kinds = columns.values["date"], columns.values["kind"]
    latest = {article_id: max(docnums, key=lambda docnum: _when(dates[docnum]))
              for article_id, docnums in by_article.items()}
    order = sorted(by_article, key=lambda article_id: (-len(by_article[article_id]), -_when(dates[latest[article_id]]),
                                                        article_id))
    return [ThreadPart(article_id, columns.document(by_article[article_id][0]).title, len(by_article[article_id]),
                       any(kinds[docnum] == "article" for docnum in by_article[article_id]),
                       columns.document(latest[article_id]).date)
            for article_id in order[:MAX_THREADS]], len(order)


def _exchanges_of(columns: _Columns, key: str, mine: list[int]) -> tuple[list[Exchange], list[Exchange]]:
    """Whom the author answers (the authors of their comments' parents, or of the article for a top-level
    one) and who answers them (replies to their documents, top-level comments on their articles).

    One pass over the columns of the whole index finds both, with no stored document read.
    """
    ids, kinds, articles_of = columns.values["id"], columns.values["kind"], columns.values["article_id"]
    parents, spellings = columns.values["parent_id"], columns.values["author_name"]
    comments = [docnum for docnum in mine if kinds[docnum] == "comment"]
    answered = {docnum: parents[docnum] or articles_of[docnum] for docnum in comments}
    wanted = set(answered.values())
    my_ids = {ids[docnum] for docnum in mine}
    my_articles = {ids[docnum] for docnum in mine if kinds[docnum] == "article"}
    author_of: dict[str, str] = {}  # the answered documents' authors as spelled
    replies: list[tuple[str, str, int]] = []
    for docnum, doc_id in enumerate(ids):
        parent = parents[docnum]
        answers_me = parent in my_ids if parent else (kinds[docnum] == "comment" and articles_of[docnum] in my_articles)
        if not (doc_id in wanted or answers_me) or kinds[docnum] == SOURCE_KIND or not columns.is_live(docnum):
            continue
        if doc_id in wanted:
            author_of[doc_id] = spellings[docnum]
        if answers_me and _key(spellings[docnum]) != key:
            replies.append((_key(spellings[docnum]), spellings[docnum], docnum))
    replies_to = [(_key(author_of[target]), author_of[target], docnum) for docnum, target in answered.items()
                  if target in author_of and _key(author_of[target]) != key]
    return _exchanges(columns, replies_to), _exchanges(columns, replies)


def _exchanges(columns: _Columns, pairs: list[tuple[str, str, int]]) -> list[Exchange]:
    """(other author's key, their name as spelled, reply) gathered per person, most replies first; only
    the replies listed are read as stored documents."""
    by_person: dict[str, list[tuple[str, int]]] = {}
    for other, spelled, reply in pairs:
        by_person.setdefault(other, []).append((spelled, reply))
    named = []
    for other, items in by_person.items():
        names = Counter(spelled for spelled, _ in items if spelled)
        named.append((names.most_common(1)[0][0] if names else other, other, [reply for _, reply in items]))
    named.sort(key=lambda person: (-len(person[2]), person[0]))
    dates = columns.values["date"]
    exchanges = []
    for name, other, replies in named[:MAX_EXCHANGES]:
        oldest = sorted(replies, key=lambda reply: (_when(dates[reply]) < 0, _when(dates[reply]), reply))
        exchanges.append(Exchange(other, name, len(replies),
                                  tuple(columns.document(reply) for reply in oldest[:MAX_REPLIES_SHOWN])))
    return exchanges


def _when(value: int) -> int:
    """A date column value to order by; -1 for an undated document (or a segment without the column)."""
    return value if 0 < value < _UNDATED else -1
