"""RSS 2.0, RSS 1.0 and Atom feeds, and Blogger exports: items as articles, comment items threaded under them.

Feeds are often not quite well formed; feedparser then reads what it can, and the
file's summary says so. Dates keep the offset the feed wrote (``+0100``, ``EST``); the
item's link keys the article (``search.joining``), so a Disqus thread on the same page joins it.

An item is a comment rather than an article when the feed says so: a Blogger export's
kind (``kind#comment``, ``<blogger:type>COMMENT``), Atom threading (``thr:in-reply-to``,
RFC 4685: WordPress's and Blogger's comment feeds) or a WordPress comment link
(``.../post/#comment-12``). A comment goes under the article it answers when the feed
holds it (by id or by link), else under a stand-in for the article's page, which the
article joins whichever is indexed first, as with Disqus. Replies are threaded under
the comment they answer. A Blogger export's settings, template, drafts and removed
comments are left out and counted.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from search.documents import DatePrecision, Document
from search.joining import link_article_id, normalise_link
from search.readers.base import Problem, RawComment, ReadError, ReadResult, build_thread
from search.readers.dates import given_precision, parse_date
from search.readers.markup import html_to_text, refuse_doctype, strip_shortcodes
from search.readers.records import plain_line
from search.readers.wordpress import LEFT_OUT, SourceComment, counted, thread_order

_CLOSED = re.compile(r"</(?:[\w.-]+:)?(?:rss|feed|RDF)>\s*(?:<!--.*?-->\s*)*\Z", re.DOTALL)  # a whole feed's end
_KIND_SCHEME = "http://schemas.google.com/g/2005#kind"  # the category scheme of a classic Blogger export's kinds
_ARTICLE_KINDS = {"post", "page"}
_LIVE = {"", "live", "publish", "published"}
_STATUS_NAMES = {"soft_trashed": "trashed", "deleted": "deleted", "draft": "draft", "scheduled": "scheduled",
                 "pending": "pending"}
# Where a comment's own number is in its id or link: WordPress "#comment-12", Blogger ".post-123" ids,
# "#c123" links and ".../comments/default/123" feed links.
_WORDPRESS_COMMENT = re.compile(r"#comment-(\d+)$")
_BLOGGER_COMMENT = re.compile(r"(?:\.post-|#c|/comments/default/)(\d+)$")
_COMMENT_PAGE = re.compile(r"/comment-page-\d+(?=/?$)")  # WordPress pages long threads: post/comment-page-2/
_COMMENT_QUERY = {"showcomment", "replytocom"}
# What feed plugins append to every item, not the writer's words: Yoast SEO's "The post X appeared first on
# Y.", Medium's "X was originally published in Y on Medium, where ..." and a theme's lone "Read more" /
# "Continue reading" link.
_FEED_FOOTER = re.compile(r"The\s+post\s.+\sappeared\s+first\s+on\s.+\."
                          r"|.+\swas\s+originally\s+published\s+in\s.+\son\s+Medium,\s+where\s.+\."
                          r"|(?:Read\s+(?:More|the\s+rest)|Continue\s+reading)\b[^.!?]{0,150}(?:\.\.\.|…|→|»|›)?",
                          re.IGNORECASE | re.DOTALL)


@dataclass
class _Comment:
    number: int
    own_id: str
    answers: list[str]  # what it says it answers, nearest first: a comment's or an article's id or link, as written
    page: str  # the link of the page it was made on
    comment: RawComment
    kept: bool


@dataclass
class _Thread:
    title: str
    author: str
    date: datetime | None
    precision: DatePrecision
    body: str
    url: str
    tags: tuple[str, ...]
    own_id: str
    comments: list[_Comment] = field(default_factory=list)


def read_feed(path: Path, text: str) -> ReadResult:
    import feedparser  # here, not at the top: it takes longer to import than most feeds take to read

    refuse_doctype(path, text)
    # A stream, never a string: feedparser fetches a string that looks like a URL.
    parsed = feedparser.parse(io.BytesIO(text.encode("utf-8")), response_headers={"content-type": "application/xml;"
                                                                                    " charset=utf-8"})
    problems: list[Problem] = []
    items = f"{len(parsed.entries)} item{'' if len(parsed.entries) == 1 else 's'}"
    if parsed.get("bozo"):
        error = parsed.get("bozo_exception")
        line = error.getLineNumber() if hasattr(error, "getLineNumber") else None
        if not parsed.entries:
            raise ReadError(path, line, f"not a readable feed: {_reason(error)}")
        problems.append(Problem(path, line, f"the feed is not well-formed XML ({_reason(error)}); {items} read by "
                                            "the lenient parser", "parse"))
    if parsed.entries and not _CLOSED.search(text):
        problems.append(Problem(path, text.rstrip().count("\n") + 1, f"the file looks truncated (it does not end "
                                f"by closing its feed); the {items} before the cut "
                                f"{'was' if len(parsed.entries) == 1 else 'were'} read, anything after it is lost",
                                "truncated"))
    if not parsed.entries:
        raise ReadError(path, None, "the feed has no items")
    site = _http(parsed.feed.get("link", ""))
    feed_author = _author(parsed.feed)
    # WordPress feeds can carry page builders' shortcodes left unrendered (their plugin switched off).
    wordpress = "wordpress" in (parsed.feed.get("generator") or "").lower()
    threads: list[_Thread] = []
    by_id: dict[str, _Thread] = {}
    by_link: dict[str, _Thread] = {}
    comments: list[_Comment] = []
    left_out: Counter = Counter()
    for number, entry in enumerate(parsed.entries, 1):
        kind, left = _kind(entry)
        if left:
            left_out[left] += 1
        if kind == "comment":
            comment = _comment(entry, number, site, wordpress, kept=left is None)
            if left is None and not comment.kept:
                left_out["empty comment"] += 1
            comments.append(comment)
            continue
        if left:
            continue
        thread = _article(path, entry, number, site, feed_author, wordpress, problems)
        if thread is None:
            continue
        threads.append(thread)
        if entry.get("id"):
            by_id[entry["id"]] = thread
        if thread.url:
            by_link.setdefault(normalise_link(thread.url), thread)
    threads.extend(_file_comments(comments, by_id, by_link, problems, path))
    documents: list[Document] = []
    for thread in threads:
        ordered, order_problems = thread_order(path, [SourceComment(item.own_id, _parent(item, thread), item.comment,
                                                                    item.kept) for item in thread.comments])
        thread_documents, link_problems = build_thread(
            path, title=thread.title, author=thread.author, date=thread.date, body=thread.body, comments=ordered,
            url=thread.url, tags=thread.tags, position=len(documents), own_id=thread.own_id,
            date_precision=thread.precision)
        documents.extend(thread_documents)
        problems.extend(order_problems + link_problems)
    if not documents:
        raise ReadError(path, None, f"the feed has no articles or comments (left out: {counted(left_out)})"
                        if left_out else "the feed has no readable items")
    if left_out:
        problems.append(Problem(path, None, f"left out (not published writing): {counted(left_out)}", LEFT_OUT))
    return ReadResult(documents, problems)


def _kind(entry: Any) -> tuple[str, str | None]:
    """``("article" | "comment" | "", why it is left out or None)``, from what the feed says the item is."""
    blogger_type = (entry.get("blogger_type") or "").strip().lower()  # Blogger's export since 2019
    kind = blogger_type or next((str(tag.get("term", "")).rpartition("#")[2].lower() for tag in entry.get("tags", [])
                                 if tag.get("scheme") == _KIND_SCHEME), "")
    if kind and kind not in _ARTICLE_KINDS and kind != "comment":
        return "", f"Blogger {kind} item"  # settings, template, layout: the blog's machinery, not writing
    is_comment = kind == "comment" or (not kind and _is_comment_item(entry))
    status = (entry.get("blogger_status") or "").strip().lower()
    what = "comment" if is_comment else (kind or "post")
    if (entry.get("app_draft") or "").strip().lower() == "yes":
        status = "draft"
    left = None if status in _LIVE else f"{_STATUS_NAMES.get(status, status)} {what}"
    return ("comment" if is_comment else "article"), left


def _is_comment_item(entry: Any) -> bool:
    """An item of a comment feed: it answers something (Atom threading) or links to a comment on a page."""
    if entry.get("thr_in-reply-to"):
        return True
    return any(_WORDPRESS_COMMENT.search(str(entry.get(key) or "")) for key in ("link", "id"))


def _article(path: Path, entry: Any, number: int, site: str, feed_author: str, wordpress: bool,
             problems: list[Problem]) -> _Thread | None:
    body = _body(entry, wordpress)
    title = _title(entry)
    if not title and not body:
        problems.append(Problem(path, None, f"item {number} has neither title nor text; skipped", "empty record"))
        return None
    date, precision = _date(entry)
    if date is None:
        problems.append(Problem(path, None, f"item {number} ({title!r}) has no readable date; indexed without a date",
                                "date"))
    url = _link(entry, site)
    return _Thread(title, _author(entry) or feed_author, date, precision, body, url, _tags(entry),
                   link_article_id(url) if url else "")


def _comment(entry: Any, number: int, site: str, wordpress: bool, kept: bool) -> _Comment:
    reply = entry.get("thr_in-reply-to") or {}
    link = _link(entry, site)
    own_id = _own_id(link) or _comment_key(entry.get("id") or link)
    answers = [ref for ref in (
        (entry.get("blogger_inreplyto") or "").strip(),  # Blogger since 2019: the comment it answers
        *(item.get("href", "") for item in entry.get("links", []) if item.get("rel") == "related"),  # Blogger before
        reply.get("ref", ""), (entry.get("blogger_parent") or "").strip()) if ref]
    page = _page(reply.get("href") or link)
    date, precision = _date(entry)
    body = _body(entry, wordpress)
    return _Comment(number, own_id, answers, page,
                    RawComment(_author(entry), date, body, own_id=own_id, date_precision=precision),
                    kept=kept and bool(body))


def _file_comments(comments: list[_Comment], by_id: dict[str, _Thread], by_link: dict[str, _Thread],
                   problems: list[Problem], path: Path) -> list[_Thread]:
    """Each comment into its article's thread; the stand-ins made for pages the feed has no article for."""
    comment_by_id = {item.own_id: item for item in comments}
    stand_ins: dict[str, _Thread] = {}
    for item in comments:
        thread = _answered_article(item, comment_by_id, by_id, by_link)
        if thread is None and not item.kept:
            continue  # left out and counted: no stand-in for a page only it was on
        if thread is None and item.page:
            key = normalise_link(item.page)
            thread = stand_ins.get(key)
            if thread is None:
                thread = stand_ins[key] = _Thread(item.page, "", None, "", "", item.page, (),
                                                  link_article_id(item.page))
        if thread is None:
            problems.append(Problem(path, None, f"item {item.number} is a comment that names no article or page; "
                                                "skipped", "reply link"))
            continue
        thread.comments.append(item)
    return list(stand_ins.values())


def _answered_article(item: _Comment, comment_by_id: dict[str, _Comment], by_id: dict[str, _Thread],
                      by_link: dict[str, _Thread]) -> _Thread | None:
    """The article a comment is on: named by id, or that of the comment it answers, or found by its page's link."""
    seen = {item.own_id}
    while True:
        for answer in item.answers:
            if answer in by_id:
                return by_id[answer]
        parent = next((comment_by_id[_comment_key(answer)] for answer in item.answers
                       if _comment_key(answer) in comment_by_id), None)
        if parent is None or parent.own_id in seen:
            break
        seen.add(parent.own_id)
        item = parent
    return by_link.get(normalise_link(item.page)) if item.page else None


def _parent(item: _Comment, thread: _Thread) -> str | None:
    """The comment (of the same thread) this one answers, if it answers one."""
    own = {comment.own_id for comment in thread.comments}
    return next((_comment_key(answer) for answer in item.answers
                 if _comment_key(answer) in own and _comment_key(answer) != item.own_id), None)


def _comment_key(reference: str) -> str:
    """How a comment is named among the comments: its number (see ``_own_id``), else the reference itself."""
    return _own_id(reference) or reference


def _own_id(text: str) -> str:
    """A comment's number as its source counts it (``wp-12``, ``blogger-123``), so the same comment read from a
    WordPress export and from a comment feed is the same document; "" when the text holds none."""
    text = text.strip()
    if match := _WORDPRESS_COMMENT.search(text):
        return f"wp-{match[1]}"
    if match := _BLOGGER_COMMENT.search(text):
        return f"blogger-{match[1]}"
    return ""


def _page(link: str) -> str:
    """The page a comment link points into: no fragment, no comment query, no WordPress comment page."""
    if not link:
        return ""
    parts = urlsplit(link)
    query = urlencode([(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
                       if key.lower() not in _COMMENT_QUERY])
    return urlunsplit((parts.scheme, parts.netloc, _COMMENT_PAGE.sub("", parts.path), query, ""))


def _link(entry: Any, site: str) -> str:
    """The item's web address: its link (a path taken from the site's address), else (Blogger since 2019) its
    file name on the blog; never a ``tag:`` id."""
    written = (entry.get("link") or "").strip()
    if site and written.startswith("/") and not written.startswith("//"):
        written = urljoin(site, written)
    link = _http(written)
    if not link and entry.get("blogger_filename") and site:
        link = urljoin(site, entry["blogger_filename"].strip())
    return link


def _http(link: str) -> str:
    link = link.strip()
    return link if link.lower().startswith(("http://", "https://")) else ""


def _tags(entry: Any) -> tuple[str, ...]:
    """The item's categories and labels; not Blogger's kind marks, which say what an entry is."""
    return tuple(dict.fromkeys(tag.get("term", "").strip() for tag in entry.get("tags", [])
                               if tag.get("term", "").strip() and tag.get("scheme") != _KIND_SCHEME))


def _reason(error: Any) -> str:
    message = getattr(error, "getMessage", lambda: str(error))()
    return str(message) or type(error).__name__


def _body(entry: Any, wordpress: bool) -> str:
    """The item's text as paragraphs, without the footer paragraphs feed plugins add to every item (nor, from
    WordPress, shortcodes)."""
    content = _content(entry)
    paragraphs = html_to_text(strip_shortcodes(content) if wordpress else content).split("\n\n")
    while paragraphs and _FEED_FOOTER.fullmatch(paragraphs[-1]):
        paragraphs.pop()
    return "\n\n".join(paragraphs)


def _content(entry: Any) -> str:
    """The fullest text the item has: its content, else its summary."""
    contents = [item.get("value", "") for item in entry.get("content", [])]
    return max(contents, key=len) if contents and any(contents) else entry.get("summary", "")


def _title(entry: Any) -> str:
    """The title as a reader saw it: markup and entities (``Season&#8217;s``, ``<em>``) only where the feed
    says the title is HTML; a plain-text title naming ``<blockquote>`` keeps it."""
    title = (entry.get("title") or "").strip()
    if (entry.get("title_detail") or {}).get("type") == "text/html":
        return " ".join(html_to_text(title).split())
    return title


def _author(node: Any) -> str:
    detail = node.get("author_detail") or {}
    return plain_line((detail.get("name") or node.get("author") or "").strip())


def _date(entry: Any) -> tuple[datetime | None, DatePrecision]:
    """The date as written, offset kept (feedparser's own parsed dates are converted to UTC), and how much of
    it the feed gave: a hand-made feed may write only the day. Published first: ``updated`` moves with edits."""
    for key in ("published", "updated", "created", "dc_date"):
        raw = (entry.get(key) or "").strip()
        if not raw:
            continue
        try:
            value = parsedate_to_datetime(raw)
            if value.tzinfo is not None or not re.search(r"[A-Za-z]{3,5}$", raw):
                return value, given_precision(raw)
        except (TypeError, ValueError, IndexError):
            pass
        try:
            return parse_date(raw), given_precision(raw)  # ISO 8601, and RFC 822 with a zone email.utils lacks
        except ValueError:
            continue
    return None, ""
