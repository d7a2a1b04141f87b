"""WordPress exports (WXR, the ``.xml`` from Tools > Export): posts and pages with their comment threads.

Only published posts and pages (and other published content types) become articles;
drafts, private and password-protected posts, revisions, attachments, navigation items
and the like are left out, as are unapproved, spam and trashed comments and pingbacks,
and the file's summary counts each. Content is HTML from the classic or the block editor: block comments
(``<!-- wp:paragraph -->``) and shortcodes (``[gallery]``, ``[caption]...[/caption]``)
are removed, the text of enclosing shortcodes kept. Articles are keyed by their
permalink (``search.joining``), so a Disqus export of the same site joins them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

from lxml import etree

from search.documents import DatePrecision, Document
from search.joining import link_article_id
from search.readers.base import Problem, RawComment, ReadError, ReadResult, build_thread
from search.readers.dates import given_precision
from search.readers.markup import (
    XmlCut,
    children,
    cut_problem,
    html_to_text,
    iter_elements,
    local_name,
    strip_shortcodes,
    texts,
)
from search.readers.records import plain_line

WP_NAMESPACE_PREFIX = "wordpress.org/export/"
LEFT_OUT = "left out"  # the Problem kind of what an export holds but is not writing to index

# Content types that are not writing: media, menus, revisions, editor internals.
_NOT_ARTICLES = {
    "attachment": "attachment", "revision": "revision", "nav_menu_item": "navigation menu item",
    "wp_block": "reusable block", "wp_template": "template", "wp_template_part": "template part",
    "wp_navigation": "navigation menu", "wp_global_styles": "style setting", "custom_css": "custom CSS",
    "customize_changeset": "customizer change set", "oembed_cache": "embed cache entry",
    "user_request": "privacy request", "wp_font_family": "font", "wp_font_face": "font",
    # Plugins' records: forms and their submissions (private messages), page-builder layouts, shop orders.
    "wpcf7_contact_form": "contact form", "feedback": "contact form message", "wpforms": "contact form",
    "mc4wp-form": "newsletter form", "elementor_library": "page-builder template",
    "et_pb_layout": "page-builder template", "fl-builder-template": "page-builder template",
    "vc_grid_item": "page-builder template",
    "acf-field-group": "custom field setting", "acf-field": "custom field setting", "shop_order": "shop order",
    "shop_coupon": "shop coupon", "product_variation": "product variation", "scheduled-action": "scheduled task",
    "amp_validated_url": "AMP check", "jp_pay_order": "payment", "jp_pay_product": "payment button",
    "guest-author": "guest author profile", "product": "shop product", "et_template": "page-builder template",
    "et_header_layout": "page-builder template", "et_body_layout": "page-builder template",
    "et_footer_layout": "page-builder template", "et_theme_builder": "page-builder template",
    "ct_template": "page-builder template", "astra-advanced-hook": "theme element", "kadence_element": "theme element",
    "gp_elements": "theme element",
}  # fmt: skip
_COMMENT_STATES = {"0": "unapproved comment", "spam": "spam comment", "trash": "trashed comment",
                   "post-trashed": "trashed comment"}
_STATUS_NAMES = {"future": "scheduled", "auto-draft": "draft", "inherit": "revision of a", "pending": "pending"}
_CONTENT = "http://purl.org/rss/1.0/modules/content/"
# Categories and tags; WXR 1.0 (WordPress 3.0 and before) writes tags as "tag" and repeats each category
# without a domain. Post formats and other taxonomies say how a post is shown, not what it is about.
_TAG_DOMAINS = {"category", "post_tag", "tag", None}
_GUEST_AUTHOR = "guest-author"  # Co-Authors Plus's profile of a writer without an account


def read_wordpress(path: Path, text: str) -> ReadResult:
    authors: dict[str, str] = {}
    documents: list[Document] = []
    bylines: dict[int, list[str]] = {}  # an article's place in documents -> its co-authors' logins
    problems: list[Problem] = []
    left_out: Counter = Counter()
    try:
        for element in iter_elements(path, text, _TAGS):
            name = local_name(element.tag)
            if name == "author":
                fields = texts(element)
                login = fields.get("author_login", "")
                authors[login] = plain_line(fields.get("author_display_name") or login)
            elif name == "item":
                _read_item(path, element, authors, documents, problems, left_out, bylines)
            element.clear(keep_tail=True)
    except XmlCut as cut:
        if not documents:
            raise ReadError(path, cut.line, f"not a readable WordPress export: {cut.reason}") from cut
        articles = sum(document.kind == "article" for document in documents)
        problems.append(cut_problem(path, cut, f"the {articles} articles"))
    _name_coauthors(documents, bylines, authors)
    if not documents and not left_out:
        raise ReadError(path, None, "the WordPress export holds no posts or pages")
    if left_out:
        problems.append(Problem(path, None, f"left out (not published writing): {counted(left_out)}", LEFT_OUT))
    return ReadResult(documents, problems)


_TAGS = {f"{{{namespace}}}author" for namespace in
         ("http://wordpress.org/export/1.0/", "http://wordpress.org/export/1.1/", "http://wordpress.org/export/1.2/",
          "https://wordpress.org/export/1.0/", "https://wordpress.org/export/1.1/",
          "https://wordpress.org/export/1.2/")} | {"item"}


def counted(counter: Counter) -> str:
    """``2 drafts, 1 spam comment``: what was left out, most common first."""
    return ", ".join(f"{count} {name}{'' if count == 1 else 's'}" for name, count in counter.most_common())


def _read_item(path: Path, item: etree._Element, authors: dict[str, str], documents: list[Document],
               problems: list[Problem], left_out: Counter, bylines: dict[int, list[str]]) -> None:
    fields = texts(item)
    post_type = fields.get("post_type") or "post"
    status = fields.get("status") or "publish"
    if post_type == _GUEST_AUTHOR:
        _add_guest_author(item, authors)
    if post_type in _NOT_ARTICLES:
        left_out[_NOT_ARTICLES[post_type]] += 1
        return
    if status != "publish":
        left_out[f"{_STATUS_NAMES.get(status, status)} {post_type}"] += 1
        return
    if fields.get("post_password"):
        left_out[f"password-protected {post_type}"] += 1  # its author meant it for a few readers only
        return
    line = item.sourceline
    title = " ".join(html_to_text(fields.get("title", "")).split())  # titles may carry <em> and entities
    body = html_to_text(strip_shortcodes(item.findtext(f"{{{_CONTENT}}}encoded") or ""))
    if not title.strip() and not body:
        left_out[f"empty {post_type}"] += 1
        return
    login = fields.get("creator", "")
    date, precision = offset_date(fields.get("post_date", ""), fields.get("post_date_gmt", ""))
    if date is None:  # exports made by other tools may give only the RSS date
        date, precision = _rss_date(fields.get("pubDate", ""))
    if date is None:
        problems.append(Problem(path, line, f"{title!r} has no readable date; indexed without a date", "date"))
    url = fields.get("link", "")
    tags = tuple(dict.fromkeys((category.text or "").strip() for category in children(item, "category")
                               if category.get("domain") in _TAG_DOMAINS and (category.text or "").strip()))
    coauthors = [(category.text or "").strip() for category in children(item, "category")
                 if category.get("domain") == "author" and (category.text or "").strip()]
    if coauthors:
        bylines[len(documents)] = coauthors
    comments, comment_problems = _comments(path, item, left_out)
    thread, thread_problems = build_thread(
        path, title=title, author=authors.get(login, login), date=date, body=body, comments=comments, url=url,
        tags=tags, position=len(documents), own_id=link_article_id(url) if url else "", date_precision=precision,
    )
    documents.extend(thread)
    problems.extend(comment_problems + thread_problems)


def _add_guest_author(item: etree._Element, authors: dict[str, str]) -> None:
    """Co-Authors Plus keeps writers without an account as "guest-author" posts: their login and display name."""
    meta = {fields.get("meta_key", ""): fields.get("meta_value", "")
            for fields in map(texts, children(item, "postmeta"))}
    login = meta.get("cap-user_login", "").strip()
    if login:
        authors.setdefault(login, plain_line(meta.get("cap-display_name", "").strip() or login))


def _name_coauthors(documents: list[Document], bylines: dict[int, list[str]], authors: dict[str, str]) -> None:
    """A post with co-authors (Co-Authors Plus: ``<category domain="author">``) is by all of them, by name; names
    are looked up once the whole export is read, as guest authors may come after the posts."""
    for position, logins in bylines.items():
        names = dict.fromkeys(authors.get(login, login) for login in logins)
        documents[position] = replace(documents[position], author=", ".join(names))


@dataclass
class SourceComment:
    """A comment with the ids its export gives it and its parent, before threading."""

    source_id: str
    parent_id: str | None
    comment: RawComment
    kept: bool = True


def _comments(path: Path, item: etree._Element, left_out: Counter) -> tuple[list[RawComment], list[Problem]]:
    found: list[SourceComment] = []
    for element in children(item, "comment"):
        fields = texts(element)
        approved = fields.get("comment_approved") or "1"
        kind = fields.get("comment_type", "")
        left = _COMMENT_STATES.get(approved) or (kind if kind in {"pingback", "trackback", "webmention"} else None)
        if left:
            left_out[left] += 1
        body = html_to_text(strip_shortcodes(fields.get("comment_content", "")))
        if not body and not left:
            left_out["empty comment"] += 1
            left = "empty"
        date, precision = offset_date(fields.get("comment_date", ""), fields.get("comment_date_gmt", ""))
        parent = fields.get("comment_parent", "")
        own_id = fields.get("comment_id", "")
        found.append(SourceComment(own_id, parent if parent not in {"", "0"} else None,
                                   RawComment(plain_line(fields.get("comment_author", "")), date, body,
                                              line=element.sourceline, own_id=f"wp-{own_id}" if own_id else "",
                                              date_precision=precision),
                                   kept=left is None))
    return thread_order(path, found)


def thread_order(path: Path, found: list[SourceComment]) -> tuple[list[RawComment], list[Problem]]:
    """Comments oldest first with each parent before its replies, reply links as indexes.

    A reply to a comment that was left out answers that comment's own parent
    instead, as when a comment is removed from the index.
    """
    problems: list[Problem] = []
    by_id = {entry.source_id: entry for entry in found if entry.source_id}
    kept = sorted((entry for entry in found if entry.kept), key=lambda entry: _time_key(entry.comment.date))
    replies: dict[str | None, list[SourceComment]] = {}
    for entry in kept:
        parent, seen = entry.parent_id, {entry.source_id}
        while parent is not None and parent in by_id and not by_id[parent].kept and parent not in seen:
            seen.add(parent)
            parent = by_id[parent].parent_id
        if parent is not None and (parent not in by_id or parent in seen):
            problems.append(Problem(path, entry.comment.line,
                                    f"comment {entry.source_id} answers comment {parent}, which is not in the "
                                    "export; indexed as a top-level comment", "reply link"))
            parent = None
        replies.setdefault(parent, []).append(entry)
    ordered: list[RawComment] = []
    index: dict[str, int] = {}
    waiting = [(entry, None) for entry in reversed(replies.get(None, []))]
    while waiting:
        entry, parent_index = waiting.pop()
        index[entry.source_id] = len(ordered)
        ordered.append(replace(entry.comment, reply_to=parent_index))
        waiting.extend((reply, index[entry.source_id]) for reply in reversed(replies.get(entry.source_id, [])))
    return ordered, problems


def _time_key(date: datetime | None) -> float:
    if date is None:
        return float("-inf")
    return (date if date.tzinfo else date.replace(tzinfo=UTC)).timestamp()


def offset_date(local: str, gmt: str) -> tuple[datetime | None, DatePrecision]:
    """A WordPress date in the site's own time, with its offset from UTC taken from the GMT copy, and how much
    of it the export gave.

    Drafts have no GMT date (``0000-00-00 00:00:00``): the local date is kept without an offset. A hand-made
    export may write only the day: it stays a day, with no offset to take.
    """
    local_date, gmt_date = _wp_date(local), _wp_date(gmt)
    if local_date is None:
        return (gmt_date.replace(tzinfo=UTC), given_precision(gmt)) if gmt_date else (None, "")
    precision = given_precision(local)
    if gmt_date is None or precision:
        return local_date, precision
    offset = timedelta(minutes=round((local_date - gmt_date).total_seconds() / 60))
    if abs(offset) >= timedelta(hours=24):
        return local_date, precision
    return local_date.replace(tzinfo=timezone(offset)), precision


def _rss_date(text: str) -> tuple[datetime | None, DatePrecision]:
    """An item's RFC 822 ``pubDate``; None for WordPress's placeholders before 1971 (drafts' "1 Jan 1970")."""
    try:
        value = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None, ""
    return (value, "") if value.year > 1970 else (None, "")


def _wp_date(text: str) -> datetime | None:
    """``2012-01-03 10:11:37``; None for WordPress's ``0000-00-00 00:00:00`` and anything unreadable."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None
