"""Disqus exports (``<disqus>`` XML, as Disqus mails them): comment threads keyed by the page's link.

Each thread names the page it was on; its posts become comments with their reply
links, authors and dates (UTC, as Disqus records them). Deleted and spam posts are
left out and counted; a reply to one answers its parent instead. Threads that
Disqus holds twice for one page (``http``/``https``, a trailing slash) are one
thread here. Each thread is written as a stand-in article (the export's title, no
text) keyed by the link, which the page's real article joins or replaces whichever
is indexed first (``search.joining``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from search.documents import Document
from search.joining import link_article_id
from search.readers.base import Problem, RawComment, ReadError, ReadResult, build_thread
from search.readers.markup import XmlCut, child_text, children, cut_problem, html_to_text, iter_elements, local_name
from search.readers.wordpress import LEFT_OUT, SourceComment, counted, thread_order

DISQUS = "http://disqus.com"
_DSQ_ID = "{http://disqus.com/disqus-internals}id"


@dataclass
class _Thread:
    link: str
    title: str
    date: datetime | None
    line: int | None
    deleted: bool
    posts: list[SourceComment] = field(default_factory=list)


def read_disqus(path: Path, text: str) -> ReadResult:
    threads: dict[str, _Thread] = {}
    problems: list[Problem] = []
    left_out: Counter = Counter()
    unknown_threads: Counter = Counter()
    try:
        for element in iter_elements(path, text, {f"{{{DISQUS}}}thread", f"{{{DISQUS}}}post"}):
            parent = element.getparent()
            if parent is None or local_name(parent.tag) != "disqus":
                continue  # a post's reference to its thread, read with the post
            if local_name(element.tag) == "thread":
                threads[element.get(_DSQ_ID, "")] = _read_thread(element)
            else:
                _read_post(element, threads, left_out, unknown_threads)
            element.clear(keep_tail=True)
    except XmlCut as cut:
        if not threads:
            raise ReadError(path, cut.line, f"not a readable Disqus export: {cut.reason}") from cut
        problems.append(cut_problem(path, cut, "the threads and posts"))
    for thread_id, count in unknown_threads.items():
        problems.append(Problem(path, None, f"{count} posts name thread {thread_id}, which the export does not "
                                            "hold; left out", "reply link"))
    documents = _documents(path, threads, problems)
    if not documents and not left_out:
        raise ReadError(path, None, "the Disqus export holds no posts")
    if left_out:
        problems.append(Problem(path, None, f"left out: {counted(left_out)}", LEFT_OUT))
    return ReadResult(documents, problems)


def _read_thread(element: etree._Element) -> _Thread:
    return _Thread(link=child_text(element, "link"), title=child_text(element, "title"),
                   date=_date(child_text(element, "createdAt")), line=element.sourceline,
                   deleted=child_text(element, "isDeleted") == "true")


def _read_post(element: etree._Element, threads: dict[str, _Thread], left_out: Counter,
               unknown_threads: Counter) -> None:
    thread_ref = children(element, "thread")
    thread_id = thread_ref[0].get(_DSQ_ID, "") if thread_ref else ""
    thread = threads.get(thread_id)
    if thread is None:
        unknown_threads[thread_id or "(none)"] += 1
        return
    parent_ref = children(element, "parent")
    left = ("spam post" if child_text(element, "isSpam") == "true" else
            "deleted post" if child_text(element, "isDeleted") == "true" else
            "post in a deleted thread" if thread.deleted else None)
    body = html_to_text(child_text(element, "message"))
    if not body and left is None:
        left = "empty post"
    if left:
        left_out[left] += 1
    author = children(element, "author")
    name = (child_text(author[0], "name") or child_text(author[0], "username")) if author else ""
    own_id = element.get(_DSQ_ID, "")
    thread.posts.append(SourceComment(
        own_id, parent_ref[0].get(_DSQ_ID) if parent_ref else None,
        RawComment(name, _date(child_text(element, "createdAt")), body, line=element.sourceline,
                   own_id=f"disqus-{own_id}" if own_id else ""),
        kept=left is None))


def _documents(path: Path, threads: dict[str, _Thread], problems: list[Problem]) -> list[Document]:
    """One stand-in article per page, Disqus's duplicate threads for it merged."""
    pages: dict[str, list[_Thread]] = {}
    for thread in threads.values():
        if any(post.kept for post in thread.posts):
            pages.setdefault(link_article_id(thread.link) if thread.link else f"#{id(thread)}", []).append(thread)
    documents: list[Document] = []
    for key, page in pages.items():
        first = page[0]
        title = next((thread.title for thread in page if thread.title), "") or first.link or "Untitled thread"
        comments, thread_problems = thread_order(path, [post for thread in page for post in thread.posts])
        thread_documents, link_problems = build_thread(
            path, title=title, author="", date=first.date, body="", comments=comments, url=first.link,
            position=len(documents), own_id="" if key.startswith("#") else key,
        )
        documents.extend(thread_documents)
        problems.extend(thread_problems + link_problems)
    return documents


def _date(text: str) -> datetime | None:
    """Disqus writes UTC times, with or without the ``Z``."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
