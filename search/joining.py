"""Joining comment threads to their articles by link, whichever file is indexed first.

A Disqus export holds comments and the link of the page they were made on, but not
the article. Articles and threads that carry a link are keyed by it: the article id
is made from the normalised link, so a WordPress post, a feed item and the Disqus
thread of the same page all have the same id. An article whose id came from elsewhere
(a saved page's title, author and date) is found by its address instead. A thread
whose article is not in the index yet is written as a *stand-in*: an article with
the export's title and no text.

- comments arriving after their article join it (the stand-in is not written);
- an article arriving after a stand-in takes its place: the stand-in is deleted and
  its source is read again in the same run, so its comments are written afresh under
  the article (its id, title and link) and its record counts what it now holds;
- an article read again with another title or link, or gone from its file, has the
  sources of the comments on it read again: they take the new title, or a stand-in.

Either order ends with the same documents. Within one run the comment-only exports
are indexed after every other file (``threads_last``), so a stand-in is never
written in the same batch as the article that replaces it.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from search.documents import Document, address_print, slugify

_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$|mc_|ref$|replytocom$)")
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_INDEX_PAGE = re.compile(r"/index\.(?:html?|php)$", re.IGNORECASE)  # /post/index.html is the page /post/


def normalise_link(url: str) -> str:
    """The part of a link that names a page: no scheme, ``www.``, fragment, tracking query, ``index.html`` or
    trailing slash.

    ``https://www.Example.com/2011/10/serge/?utm_source=x#comments`` and
    ``http://example.com/2011/10/serge`` are the same page.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port if parts.port and str(parts.port) != _DEFAULT_PORTS.get(parts.scheme.lower()) else None
    path = _INDEX_PAGE.sub("", unquote(parts.path)).rstrip("/")
    query = urlencode(sorted((key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(key.lower())))
    return f"{host}{':' + str(port) if port else ''}{path}{'?' + query if query else ''}"


def link_article_id(url: str) -> str:
    """An article id from its link alone: a readable slug of the page's name and a digest of the link."""
    normalised = normalise_link(url)
    name = next((part for part in reversed(normalised.split("?")[0].split("/")) if part), normalised)
    digest = hashlib.sha1(normalised.encode("utf-8")).hexdigest()[:10]
    return f"{slugify(name)}-{digest}"


def is_stand_in(document: Document | dict[str, Any]) -> bool:
    """A thread's stand-in article: an article with neither text nor author of its own (see the module
    docstring). A post whose text is all images or embeds has an author: it is an article, not a stand-in."""
    if isinstance(document, Document):
        return document.kind == "article" and not document.body.strip() and not document.author.strip()
    return (document.get("kind") == "article" and not (document.get("body") or "").strip()
            and not (document.get("author") or "").strip())


def is_comment_export(path: Path) -> bool:
    """A Disqus export or a feed of comments, told from the first few kilobytes: a ``<disqus>`` root, or a
    feed whose first item answers something (``thr:in-reply-to``) or links to a comment (``#comment-12``)."""
    name = path.name.lower()
    if not name.endswith((".xml", ".xml.gz", ".rss", ".atom")):
        return False
    try:
        with path.open("rb") as file:
            head = file.read(_HEAD)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as file:
                head = file.read(_HEAD)
    except (OSError, EOFError, zlib.error):
        return False
    if re.search(rb"<disqus[\s>]", head):
        return True
    first_item = _FIRST_ITEM.search(head)
    return first_item is not None and _COMMENT_ITEM.search(first_item[0]) is not None


_HEAD = 16384
_FIRST_ITEM = re.compile(rb"<(item|entry)[\s>].*?(?:</\1>|\Z)", re.DOTALL)
_COMMENT_ITEM = re.compile(rb"in-reply-to[\s>]|#comment-\d+\s*<|blogger/2008/kind#comment|<blogger:type>COMMENT<")


def threads_last(sources: Iterable[Path]) -> list[Path]:
    """The files in their order, but comment-only exports after all the others (see the module docstring)."""
    marked = [(is_comment_export(path), path) for path in sources]
    return [path for _, path in sorted(marked, key=lambda pair: pair[0])]  # stable: each group keeps its order


@dataclass(frozen=True)
class _Held:
    """An article some source holds: committed in the index, or written earlier in this run."""

    id: str
    source: str
    title: str
    url: str
    stand_in: bool
    committed: bool

    @classmethod
    def stored(cls, fields: dict[str, Any]) -> _Held:
        return cls(fields["id"], fields["source"], fields.get("title", ""), fields.get("url", ""),
                   is_stand_in(fields), committed=True)


@dataclass
class ThreadJoiner:
    """Joins one indexing run's documents to what the index and the run already hold.

    ``run`` is the indexer's run: its searcher (the committed index), ``claimed``
    and ``claimed_prints`` (ids and duplicate keys written in this run, to their
    source), ``own_only`` (the index holds nothing but this run's documents: the
    searcher need not be asked) and its writer. An article is found by its id, else
    by its address, so a thread also joins an article whose id came from elsewhere
    (a saved page's title, author and date).
    """

    run: Any
    articles: dict[str, _Held] = field(default_factory=dict)  # this run's articles by id
    by_link: dict[str, _Held] = field(default_factory=dict)  # ... and by address key
    deleted: set[str] = field(default_factory=set)  # articles deleted in this run
    deleted_links: set[str] = field(default_factory=set)  # ... by address key
    to_read_again: list[str] = field(default_factory=list)

    def join(self, key: str, documents: list[Document],
             replacing: bool = False) -> tuple[list[Document], list[Document]]:
        """Split source ``key``'s documents into those joined here and the rest (for the duplicate check).

        Joined: the comments of a thread whose article (or another stand-in for it) is
        already held, now under that article's id, title and link, and an article
        taking a stand-in's place. Written as they are, they are not duplicates.
        ``replacing``: the source's earlier version is in the index (its articles may have changed).
        """
        if replacing:  # the source's earlier version is in the index
            self._follow_changed_articles(key, documents)
        joined: list[Document] = []
        rest: list[Document] = []
        joins: dict[str, _Held] = {}
        back: set[str] = set()  # stand-ins again: their article was deleted in this run
        for document in documents:
            if document.kind == "comment":
                held = joins.get(document.article_id)
                if held is not None:
                    moved = _moved(document, held)
                    if self._comment_held_elsewhere(moved.id, key):
                        self._report_duplicate(key, moved)
                    else:
                        joined.append(moved)
                else:
                    (joined if document.article_id in back else rest).append(document)
                continue
            held = self._holder(document, key)
            if held is not None and is_stand_in(document):
                joins[document.id] = held
                continue
            if held is not None and held.stand_in and held.committed:
                self._take_over(document, held, key)
                joined.append(document)
            elif is_stand_in(document) and self._lost_its_article(document):
                back.add(document.id)
                joined.append(document)
            else:
                rest.append(document)  # new, or a duplicate for the indexer to report
            self._remember(document, key)
        return joined, rest

    def _comment_held_elsewhere(self, doc_id: str, key: str) -> bool:
        """The same comment, by its source's own number, already written from another file: a WordPress export
        and the site's comment feed both hold comment 12 (``wp-12``)."""
        claimed = self.run.claimed.get(doc_id)
        if claimed is not None:
            return claimed != key
        if self.run.own_only:
            return False
        stored = self.run.searcher.document(id=doc_id)
        return stored is not None and stored.get("source") != key

    def _report_duplicate(self, key: str, comment: Document) -> None:
        from search.readers.base import Problem  # here: the readers import this module

        self.run.report.problems.append(Problem(
            Path(key), None, f"duplicate comment by {comment.author or 'someone'} on {comment.title!r}: the same "
                             f"comment ({comment.id}) is already indexed from another file; skipped", "duplicate"))

    def _lost_its_article(self, stand_in: Document) -> bool:
        """Its article was deleted in this run, though the searcher still sees it until the commit."""
        link_print = address_print(stand_in.url)
        return stand_in.id in self.deleted or (link_print is not None and link_print in self.deleted_links)

    def _follow_changed_articles(self, key: str, documents: list[Document]) -> None:
        """A source read again whose article changed title or link, or went, has other sources' comments on it
        read again too, so they carry the new title or fall back to a stand-in."""
        if self.run.own_only:
            return
        new = {document.id: document for document in documents if document.kind == "article"}
        for old in self.run.searcher.documents(source=key, kind="article"):
            article = new.get(old["id"])
            if article is not None and (article.title, article.url) == (old.get("title"), old.get("url", "")):
                continue
            if article is None:
                self.deleted.add(old["id"])
                link_print = address_print(old.get("url", ""))
                if link_print is not None:
                    self.deleted_links.add(link_print)
            for comment in self.run.searcher.documents(article_id=old["id"], kind="comment"):
                if comment["source"] != key and comment["source"] not in self.to_read_again:
                    self.to_read_again.append(comment["source"])

    def _holder(self, document: Document, key: str) -> _Held | None:
        """The article another source holds with this document's id, else with its address."""
        for held in (self._by_id(document.id), self._by_address(document)):
            if held is not None and held.source != key:
                return held
        return None

    def _by_id(self, doc_id: str) -> _Held | None:
        if doc_id in self.run.claimed:
            return self.articles.get(doc_id)
        if doc_id in self.deleted or self.run.own_only:
            return None
        stored = self.run.searcher.document(id=doc_id)
        return _Held.stored(stored) if stored else None

    def _by_address(self, document: Document) -> _Held | None:
        link_print = address_print(document.url)
        if link_print is None:
            return None
        held = self.by_link.get(link_print)
        if held is not None and held.id in self.run.claimed:
            return held
        if self.run.own_only:
            return None
        number = self.run.searcher.document_number(fingerprint=link_print)
        if number is None:
            return None
        stored = self.run.searcher.stored_fields(number)
        return None if stored["id"] in self.deleted else _Held.stored(stored)

    def _remember(self, article: Document, key: str) -> None:
        """An article as read, before the duplicate check: an id another source's article holds stays that one's
        (this article will be dropped as a copy, or written under the next free ``-N`` id: ``kept``)."""
        held = _Held(article.id, key, article.title, article.url, is_stand_in(article), committed=False)
        holder = self.articles.get(article.id)
        if holder is None or holder.source == key or holder.stand_in:
            self.articles[article.id] = held
        link_print = address_print(article.url)
        if link_print is not None:
            self.by_link.setdefault(link_print, held)

    def kept(self, article: Document, key: str) -> None:
        """An article the duplicate check kept for writing, under the id it is written with: a thread at its
        address joins it, not a copy dropped there before it (whose text was indexed without an address) nor
        the article whose id it shared before it took a ``-N`` one, however the run's commits fall."""
        held = _Held(article.id, key, article.title, article.url, is_stand_in(article), committed=False)
        self.articles.setdefault(article.id, held)
        link_print = address_print(article.url)
        if link_print is None:
            return
        there = self.by_link.get(link_print)
        if there is None or there.id not in self.run.claimed or (there.source, there.url) == (key, article.url):
            self.by_link[link_print] = held

    def _take_over(self, article: Document, stand_in: _Held, key: str) -> None:
        """Delete a committed stand-in; its source is read again (``read_again``), now joining the article."""
        self.run.open()
        self.run.writer.delete_by_term("id", stand_in.id)
        self.deleted.add(stand_in.id)
        self.run.claim_prints(article, key)
        if stand_in.source not in self.to_read_again:
            self.to_read_again.append(stand_in.source)

    def read_again(self, known: dict[str, Any], files: list[Path], done: int,
                   source_key: Callable[[Path], str]) -> None:
        """Queue the sources to read again (a stand-in taken over, an article changed): forced to be read,
        after ``files[:done]`` unless they are still to come.

        A source already read in this run is not read twice: its documents are not committed yet, so
        they could not be replaced (its comments keep the article's old title until it is next read).
        """
        if not self.to_read_again:  # the usual case: no need to list (and resolve) every file still waiting
            return
        read = {source_key(path) for path in files[:done]}
        waiting = {source_key(path) for path in files[done:]}
        for key in self.to_read_again:
            if key in read:
                continue
            if key in known:
                known[key] = replace(known[key], size=-1, sha1="")
            if key not in waiting and Path(key).exists():
                files.append(Path(key))
        self.to_read_again.clear()


def _moved(comment: Document, article: _Held) -> Document:
    """A stand-in thread's comment under the article it joins: its id, title and link."""
    old = comment.article_id

    def rebased(doc_id: str | None) -> str | None:
        return article.id + doc_id[len(old):] if doc_id and doc_id.startswith(old) else doc_id

    return replace(comment, id=rebased(comment.id), article_id=article.id, parent_id=rebased(comment.parent_id),
                   title=article.title, url=article.url)
