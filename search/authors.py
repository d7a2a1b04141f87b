"""An author's record: articles and comments, when, the threads they took part in, and their exchanges.

An author is the ``author_name`` key the index groups people under (one person, one
author), so the page for ``Paul Hampton`` also holds what ``PaulHampton`` wrote.
Exchanges come from the thread links: a comment answers its parent comment, and a
top-level comment answers the article's author.
"""

from __future__ import annotations

import difflib
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from whoosh import query as wq
from whoosh.searching import Searcher

from search.documents import Document, utc_instant
from search.query import author_query
from search.schema import SOURCE_KIND, author_key, stored_document
from search.timeline import Timeline, timeline

MAX_THREADS = 50  # threads listed, the ones with most of the author's documents first
MAX_EXCHANGES = 20  # people listed on each side of the exchanges
_NOT_DOCUMENTS = wq.Term("kind", SOURCE_KIND)


class AuthorNotFound(LookupError):
    """No author by that name; ``suggestions`` are close names that exist."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""
        super().__init__(f"no author named '{name}' in the index{hint}")
        self.message = str(self)
        self.suggestions = suggestions


@dataclass(frozen=True)
class Exchange:
    """Replies between the author and one other person, oldest first."""

    key: str
    name: str
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
    if ("author_name", key) in reader:
        return key
    keys = [term.decode("utf-8") if isinstance(term, bytes) else term for term in reader.lexicon("author_name")]
    raise AuthorNotFound(name, difflib.get_close_matches(key, keys, n=3, cutoff=0.75))


def author_profile(searcher: Searcher, name: str) -> AuthorProfile:
    """Everything the author page and ``essays author`` show; raises AuthorNotFound."""
    started = time.perf_counter()
    key = find_author(searcher, name)
    # What author:"NAME" finds, joint bylines ("A and B") included, so the page's counts agree with a search.
    bylines = wq.Or([wq.Term("author_name", key), author_query(key)])
    mine = _documents(searcher, bylines)
    kinds = Counter(document.kind for document in mine)
    spelled = Counter(document.author for document in mine if document.author and author_key(document.author) == key)
    threads = _threads(mine)
    profile = AuthorProfile(
        key=key, name=spelled.most_common(1)[0][0] if spelled else key, articles=kinds["article"],
        comments=kinds["comment"], timeline=timeline(searcher, bylines),
        threads=threads[:MAX_THREADS], thread_count=len(threads),
        replies_to=_replies_to(searcher, key, mine), replied_by=_replied_by(searcher, key, mine))
    profile.seconds = time.perf_counter() - started
    return profile


def _documents(searcher: Searcher, matching: wq.Query) -> list[Document]:
    results = searcher.search(matching, limit=None, scored=False, mask=_NOT_DOCUMENTS)
    return [stored_document(searcher.stored_fields(docnum)) for docnum in results.docs()]


def _keyed(searcher: Searcher, matching: wq.Query) -> list[tuple[str, Document]]:
    """The documents a query finds, each with its author key."""
    results = searcher.search(matching, limit=None, scored=False, mask=_NOT_DOCUMENTS)
    documents = [stored_document(searcher.stored_fields(docnum)) for docnum in results.docs()]
    return [(author_key(document.author), document) for document in documents]


def _threads(mine: list[Document]) -> list[ThreadPart]:
    by_article: dict[str, list[Document]] = {}
    for document in mine:
        by_article.setdefault(document.article_id, []).append(document)
    parts = [ThreadPart(article_id, documents[0].title, len(documents),
                        any(document.kind == "article" for document in documents),
                        max((document.date for document in documents if document.date), key=utc_instant,
                            default=None))
             for article_id, documents in by_article.items()]
    return sorted(parts, key=lambda part: (-part.documents, -(part.last or datetime.min).toordinal(), part.title))


def _replies_to(searcher: Searcher, key: str, mine: list[Document]) -> list[Exchange]:
    """Whom the author answers: the authors of their comments' parents, or of the article for a top-level one."""
    comments = [document for document in mine if document.kind == "comment"]
    answered_ids = {comment.parent_id or comment.article_id for comment in comments}
    answered = dict((document.id, (other, document)) for other, document in
                    _keyed(searcher, _any_of("id", answered_ids))) if answered_ids else {}
    pairs = []
    for comment in comments:
        found = answered.get(comment.parent_id or comment.article_id)
        if found and found[0] != key:
            pairs.append((found[0], found[1].author, comment))
    return _exchanges(pairs)


def _replied_by(searcher: Searcher, key: str, mine: list[Document]) -> list[Exchange]:
    """Who answers the author: replies to their documents, and top-level comments on their articles."""
    ids = {document.id for document in mine}
    articles = {document.id for document in mine if document.kind == "article"}
    if not ids:
        return []
    found = _keyed(searcher, wq.Or([_any_of("parent_id", ids), wq.And([_any_of("article_id", articles),
                                                                        wq.Term("kind", "comment")])])
                   if articles else _any_of("parent_id", ids))
    pairs = [(other, reply.author, reply) for other, reply in found
             if other != key and (reply.parent_id in ids or (reply.parent_id is None and reply.article_id in articles))]
    return _exchanges(pairs)


def _any_of(fieldname: str, values: Iterable[str]) -> wq.Query:
    return wq.Or([wq.Term(fieldname, value) for value in sorted(values)])


def _exchanges(pairs: list[tuple[str, str, Document]]) -> list[Exchange]:
    """(other author's key, their name as written, reply) gathered per person, most replies first."""
    by_person: dict[str, list[tuple[str, Document]]] = {}
    for other, written, reply in pairs:
        by_person.setdefault(other, []).append((written, reply))
    exchanges = []
    for other, items in by_person.items():
        names = Counter(written for written, _ in items if written)
        replies = sorted((reply for _, reply in items),
                         key=lambda doc: (doc.date is None, utc_instant(doc.date) if doc.date else datetime.min))
        exchanges.append(Exchange(other, names.most_common(1)[0][0] if names else other, tuple(replies)))
    exchanges.sort(key=lambda exchange: (-len(exchange.replies), exchange.name))
    return exchanges[:MAX_EXCHANGES]
