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

from search.documents import DatePrecision, Document
from search.joining import link_article_id
from search.readers.base import Problem, RawComment, ReadError, ReadResult, build_thread
from search.readers.dates import given_precision
from search.readers.markup import XmlCut, children, cut_problem, html_to_text, iter_elements, local_name, texts
from search.readers.records import plain_line
from search.readers.wordpress import LEFT_OUT, SourceComment, counted, thread_order

DISQUS = "http://disqus.com"
_SITE_TITLE_PAGES = 3  # a thread title shared by this many pages is the site's name
_DSQ_ID = "{http://disqus.com/disqus-internals}id"


@dataclass
class _Thread:
    link: str
    title: str
    date: datetime | None
    date_precision: DatePrecision
    line: int | None
    deleted: bool
    posts: list[SourceComment] = field(default_factory=list)


def read_disqus(path: Path, text: str) -> ReadResult:
    threads: dict[str, _Thread] = {}
    posts: list[tuple[str, SourceComment, str | None]] = []  # thread id, post, why left out
    problems: list[Problem] = []
    try:
        for element in iter_elements(path, text, {f"{{{DISQUS}}}thread", f"{{{DISQUS}}}post"}):
            parent = element.getparent()
            if parent is None or local_name(parent.tag) != "disqus":
                continue  # a post's reference to its thread, read with the post
            if local_name(element.tag) == "thread":
                threads[element.get(_DSQ_ID, "")] = _read_thread(element)
            else:
                posts.append(_read_post(element))
            element.clear(keep_tail=True)
    except XmlCut as cut:
        if not threads:
            raise ReadError(path, cut.line, f"not a readable Disqus export: {cut.reason}") from cut
        problems.append(cut_problem(path, cut, "the threads and posts"))
    left_out = _file_posts(path, threads, posts, problems)
    documents = _documents(path, threads, problems)
    if not documents and not left_out:
        raise ReadError(path, None, "the Disqus export holds no posts")
    if left_out:
        problems.append(Problem(path, None, f"left out: {counted(left_out)}", LEFT_OUT))
    return ReadResult(documents, problems)


def _read_thread(element: etree._Element) -> _Thread:
    fields = texts(element)
    date, precision = _date(fields.get("createdAt", ""))
    return _Thread(link=fields.get("link", ""), title=fields.get("title", ""), date=date, date_precision=precision,
                   line=element.sourceline, deleted=fields.get("isDeleted") == "true")


def _read_post(element: etree._Element) -> tuple[str, SourceComment, str | None]:
    thread_ref = children(element, "thread")
    parent_ref = children(element, "parent")
    fields = texts(element)
    body = html_to_text(fields.get("message", ""))
    left = ("spam post" if fields.get("isSpam") == "true" else
            "deleted post" if fields.get("isDeleted") == "true" else
            "empty post" if not body else None)
    author = children(element, "author")
    author_fields = texts(author[0]) if author else {}
    name = plain_line(author_fields.get("name") or author_fields.get("username", ""))
    own_id = element.get(_DSQ_ID, "")
    date, precision = _date(fields.get("createdAt", ""))
    post = SourceComment(own_id, parent_ref[0].get(_DSQ_ID) if parent_ref else None,
                         RawComment(name, date, body, line=element.sourceline,
                                    own_id=f"disqus-{own_id}" if own_id else "", date_precision=precision))
    return (thread_ref[0].get(_DSQ_ID, "") if thread_ref else ""), post, left


def _file_posts(path: Path, threads: dict[str, _Thread], posts: list[tuple[str, SourceComment, str | None]],
                problems: list[Problem]) -> Counter:
    """Each post into its thread (wherever in the file the thread is declared); what was left out, counted."""
    left_out: Counter = Counter()
    unknown: Counter = Counter()
    for thread_id, post, left in posts:
        thread = threads.get(thread_id)
        if thread is None:
            unknown[thread_id or "(none)"] += 1
            continue
        left = left or ("post in a deleted thread" if thread.deleted else None)
        if left:
            left_out[left] += 1
        post.kept = left is None
        thread.posts.append(post)
    for thread_id, count in unknown.items():
        problems.append(Problem(path, None, f"posts left out for naming thread {thread_id}, which the export does "
                                            f"not hold: {count}", "reply link"))
    return left_out


def _documents(path: Path, threads: dict[str, _Thread], problems: list[Problem]) -> list[Document]:
    """One stand-in article per page, Disqus's duplicate threads for it merged."""
    pages: dict[str, list[_Thread]] = {}
    titles: dict[str, list[str]] = {}  # every title Disqus holds for a page, its threads with posts first
    for thread in sorted(threads.values(), key=lambda thread: not thread.posts):
        key = link_article_id(thread.link) if thread.link else f"#{id(thread)}"
        if thread.title:
            titles.setdefault(key, []).append(thread.title)
        if any(post.kept for post in thread.posts):
            pages.setdefault(key, []).append(thread)
    # Disqus takes a thread's title from the page when it first sees it, so a page read while it showed only
    # the site's name gives that name: a title many pages share is the site's, not the article's.
    pages_named = Counter(title for named in titles.values() for title in set(named))
    shared_title = {title for title, count in pages_named.items() if count >= _SITE_TITLE_PAGES}
    documents: list[Document] = []
    for key, page in pages.items():
        first = page[0]
        named = titles.get(key, [])
        title = (next((title for title in named if title not in shared_title), "") or next(iter(named), "")
                 or first.link or "Untitled thread")
        comments, thread_problems = thread_order(path, [post for thread in page for post in thread.posts])
        thread_documents, link_problems = build_thread(
            path, title=title, author="", date=first.date, body="", comments=comments, url=first.link,
            date_precision=first.date_precision,
            position=len(documents), own_id="" if key.startswith("#") else key,
        )
        documents.extend(thread_documents)
        problems.extend(thread_problems + link_problems)
    return documents


def _date(text: str) -> tuple[datetime | None, DatePrecision]:
    """Disqus writes UTC times, with or without the ``Z``; a hand-made export may write only the day."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None, ""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)), given_precision(text)
