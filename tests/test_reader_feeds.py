"""RSS and Atom feeds: each item an article, with its date's offset, its link and its text."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from search.joining import link_article_id
from search.readers import ReadError, read_file

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"


def articles(name: str):
    return {document.title: document for document in read_file(FIXTURES / name).documents}


def test_rss_items_become_articles_with_author_tags_and_link():
    found = articles("pamphletariat.rss")
    assert list(found) == ["The Federalist No. 10", "Brutus 1"]
    federalist = found["The Federalist No. 10"]
    assert federalist.author == "Publius"
    assert federalist.tags == ("US Constitution", "Law & Constitution")
    assert federalist.id == link_article_id("https://pamphletariat.github.io/pamphlets/federalist-10/")


def test_rss_dates_keep_their_offset():
    federalist = articles("pamphletariat.rss")["The Federalist No. 10"]
    assert federalist.date.isoformat() == "1787-11-22T09:00:00-05:00"


def test_html_content_becomes_paragraphs_without_scripts():
    federalist = articles("pamphletariat.rss")["The Federalist No. 10"]
    paragraphs = federalist.body.split("\n\n")
    assert len(paragraphs) == 2 and paragraphs[0].startswith("AMONG the numerous advantages")
    assert "track()" not in federalist.body and "<p>" not in federalist.body
    brutus = articles("pamphletariat.rss")["Brutus 1"]  # escaped HTML in <description> only
    assert brutus.body.startswith("When the public is called") and "<p>" not in brutus.body


def test_atom_entries_with_the_feeds_author_as_fallback():
    found = articles("pamphletariat.atom")
    assert found["The Federalist No. 51"].author == "Publius"
    assert found["The Federalist No. 51"].date.utcoffset() == timedelta(hours=-5)
    note = found["An untitled-author note"]
    assert note.author == "Pamphletariat editors"
    assert note.body == "Welcome to the archive of pamphlets: each essay as first printed."


def test_a_feed_in_an_xml_file_is_told_by_its_root(tmp_path):
    copy = tmp_path / "feed.xml"
    copy.write_bytes((FIXTURES / "pamphletariat.atom").read_bytes())
    assert "The Federalist No. 51" in {document.title for document in read_file(copy).documents}


def test_a_truncated_feed_keeps_what_the_lenient_parser_read(tmp_path):
    text = (FIXTURES / "pamphletariat.rss").read_text(encoding="utf-8")
    cut = tmp_path / "cut.rss"
    cut.write_text(text[: text.index("<title>Brutus 1</title>") + 80], encoding="utf-8")
    result = read_file(cut)
    assert "The Federalist No. 10" in {document.title for document in result.documents}
    assert any(problem.kind == "parse" and "not well-formed" in problem.reason for problem in result.problems)


def test_a_feed_without_items_is_a_read_error(tmp_path):
    empty = tmp_path / "empty.rss"
    empty.write_text('<rss version="2.0"><channel><title>Nothing</title></channel></rss>', encoding="utf-8")
    with pytest.raises(ReadError, match="no items"):
        read_file(empty)


def test_a_blogger_export_gives_posts_and_pages_with_threaded_comments_and_counts_the_rest():
    result = read_file(FIXTURES / "blogger-export.xml")
    articles = [document for document in result.documents if document.kind == "article"]
    assert [article.title for article in articles] == ["The Steel Windpipe", "Test page"]
    windpipe = articles[0]
    assert windpipe.url == "http://youngdoctornotes.blogspot.com/2010/11/the-steel-windpipe.html"
    assert windpipe.tags == ()  # Blogger's kind marks are not tags
    comments = [document for document in result.documents if document.article_id == windpipe.id
                and document.kind == "comment"]
    assert [comment.author for comment in comments] == ["Thomas Isidore Noël Sankara",
                                                        "Mikhail Afanasyevich Bulgakov"]
    assert comments[0].parent_id is None and comments[1].parent_id == comments[0].id  # the reply's related link
    assert comments[0].id.endswith(".blogger-5590533389087749201")
    assert comments[0].body == "Mishka, always a pleasure to read your adventures!\n\nIt's a shame you don't get " \
                               "more time for writing."  # <br /><br /> is a new paragraph
    left_out = next(problem.reason for problem in result.problems if problem.kind == "left out")
    assert "1 Blogger template item" in left_out and "1 Blogger settings item" in left_out
    assert "1 draft post" in left_out and "1 draft page" in left_out


def test_blogger_takeout_export_types_statuses_and_replies(tmp_path):
    takeout = tmp_path / "feed.atom"
    takeout.write_text("""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:blogger='http://schemas.google.com/blogger/2018'>
  <link rel='alternate' type='text/html' href='https://notes.blogspot.com/'/>
  <entry><id>tag:blogger.com,1999:blog-1.post-10</id><blogger:type>POST</blogger:type>
    <blogger:status>LIVE</blogger:status><title>On strikes</title>
    <content type='html'>&lt;p&gt;The strike held.&lt;/p&gt;</content>
    <blogger:filename>/2020/01/on-strikes.html</blogger:filename>
    <published>2020-01-02T10:00:00-05:00</published><author><name>Ann</name></author></entry>
  <entry><id>tag:blogger.com,1999:blog-1.post-11</id><blogger:type>POST</blogger:type>
    <blogger:status>DRAFT</blogger:status><title>Unfinished</title><content type='html'>x</content></entry>
  <entry><id>tag:blogger.com,1999:blog-1.post-20</id><blogger:parent>tag:blogger.com,1999:blog-1.post-10</blogger:parent>
    <blogger:inReplyTo/><blogger:type>COMMENT</blogger:type><blogger:status>LIVE</blogger:status>
    <author><name>Bob</name><blogger:type>ANONYMOUS</blogger:type></author>
    <content type='html'>Solidarity.</content><published>2020-01-03T08:00:00Z</published></entry>
  <entry><id>tag:blogger.com,1999:blog-1.post-21</id><blogger:parent>tag:blogger.com,1999:blog-1.post-10</blogger:parent>
    <blogger:inReplyTo>tag:blogger.com,1999:blog-1.post-20</blogger:inReplyTo><blogger:type>COMMENT</blogger:type>
    <blogger:status>LIVE</blogger:status><author><name>Ann</name></author>
    <content type='html'>Thank you.</content><published>2020-01-03T09:00:00Z</published></entry>
  <entry><id>tag:blogger.com,1999:blog-1.post-22</id><blogger:parent>tag:blogger.com,1999:blog-1.post-10</blogger:parent>
    <blogger:type>COMMENT</blogger:type><blogger:status>SOFT_TRASHED</blogger:status>
    <content type='html'>Buy pills</content><published>2020-01-03T10:00:00Z</published></entry>
</feed>""", encoding="utf-8")
    result = read_file(takeout)
    article, first, reply = result.documents
    assert (article.title, article.author, article.url) == ("On strikes", "Ann",
                                                            "https://notes.blogspot.com/2020/01/on-strikes.html")
    assert article.date.isoformat() == "2020-01-02T10:00:00-05:00"
    assert (first.author, reply.parent_id) == ("Bob", first.id)
    left_out = next(problem.reason for problem in result.problems if problem.kind == "left out")
    assert "1 draft post" in left_out and "1 trashed comment" in left_out


def test_a_wordpress_comment_feed_threads_replies_under_the_posts_it_answers():
    documents = read_file(FIXTURES / "dieworkwear-comments.atom").documents
    posts = read_file(FIXTURES / "dieworkwear.rss").documents
    cowboys = next(post for post in posts if post.title == "American Space Cowboys")
    stand_in = next(document for document in documents if document.id == cowboys.id)
    assert stand_in.kind == "article" and stand_in.body == ""  # joins the post whichever is indexed first
    walter, derek = (document for document in documents if document.article_id == cowboys.id
                     and document.kind == "comment")
    assert walter.id == f"{cowboys.id}.wp-40211"  # the number the WordPress export gives the same comment
    assert (derek.author, derek.parent_id) == ("Derek Guy", walter.id)  # a reply from comment page 2
    assert walter.heading == ""  # "Comment on ... by Walter" is the feed's label, not the comment's heading


def test_a_wordpress_rss_comment_feed_is_read_as_comments(tmp_path):
    feed = tmp_path / "comments.rss"
    feed.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Comments on: Foo</title><link>https://blog.example/2026/06/01/foo/</link>
  <item><title>By: Alice</title><link>https://blog.example/2026/06/01/foo/#comment-100</link>
    <dc:creator><![CDATA[Alice]]></dc:creator><pubDate>Mon, 01 Jun 2026 19:00:00 EST</pubDate>
    <guid isPermaLink="false">https://blog.example/?p=7#comment-100</guid>
    <description><![CDATA[Great article]]></description>
    <content:encoded><![CDATA[<p>Great article &amp; a fair one.</p>]]></content:encoded></item>
</channel></rss>""", encoding="utf-8")
    article, comment = read_file(feed).documents
    assert article.url == "https://blog.example/2026/06/01/foo/" and article.body == ""
    assert (comment.kind, comment.author, comment.body) == ("comment", "Alice", "Great article & a fair one.")
    assert comment.date.isoformat() == "2026-06-01T19:00:00-05:00"  # RFC 822's named zones keep their offset


def test_feed_plugins_footers_are_not_the_articles_text():
    for article in read_file(FIXTURES / "dieworkwear.rss").documents:
        assert "appeared first on" not in article.body and "Read More" not in article.body
        assert article.body.endswith("[...]")


def test_titles_are_text_html_titles_lose_markup_and_entities_plain_ones_keep_what_they_say(tmp_path):
    feed = tmp_path / "titles.rss"
    feed.write_text("""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>
<item><title>The Best of This Season&amp;#8217;s Sales</title><link>http://a.example/1</link><description>x</description></item>
<item><title>Why &lt;em&gt;Capital&lt;/em&gt; matters</title><link>http://a.example/2</link><description>x</description></item>
<item><title>R&amp;D and the &lt;blockquote&gt; element</title><link>http://a.example/3</link><description>x</description></item>
</channel></rss>""", encoding="utf-8")
    assert [document.title for document in read_file(feed).documents] == [
        "The Best of This Season’s Sales", "Why Capital matters", "R&D and the <blockquote> element"]


def test_newsletter_forms_and_medium_footers_are_not_text(tmp_path):
    feed = tmp_path / "medium.rss"
    feed.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>
<item><title>On Unions</title><link>https://medium.com/p/on-unions</link>
<content:encoded><![CDATA[<p>Unions built the weekend.</p><div class="subscription-widget"><form><input type="email"
placeholder="Type your email"/><button>Subscribe</button></form></div><img src="https://medium.com/_/stat?event=post"
width="1" height="1"/><hr/><p><a href="https://medium.com/p/on-unions">On Unions</a> was originally published in
<a href="https://medium.com/labour">Labour</a> on Medium, where people are continuing the conversation by
highlighting and responding to this story.</p>]]></content:encoded></item></channel></rss>""", encoding="utf-8")
    (article,) = read_file(feed).documents
    assert article.body == "Unions built the weekend."


def test_a_cut_off_blogger_export_says_where_it_stops_and_keeps_the_entries_before(tmp_path):
    text = (FIXTURES / "blogger-export.xml").read_text(encoding="utf-8")
    cut = tmp_path / "blog.xml"
    kept = text[: text.index("<title type=\"text\">Test page</title>")]
    cut.write_text(kept, encoding="utf-8")
    result = read_file(cut)
    assert [document.title for document in result.documents] == ["The Steel Windpipe"]
    truncated = [problem for problem in result.problems if problem.kind == "truncated"]
    assert len(truncated) == 1 and truncated[0].line == kept.rstrip().count("\n") + 1
    assert "items before the cut were read" in truncated[0].reason


def test_removed_and_empty_comments_are_counted_and_make_no_stand_in(tmp_path):
    feed = tmp_path / "comments.atom"
    feed.write_text("""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:blogger='http://schemas.google.com/blogger/2018'>
  <entry><id>tag:blogger.com,1999:blog-1.post-20</id><blogger:type>COMMENT</blogger:type>
    <blogger:status>SOFT_TRASHED</blogger:status><link rel='alternate' href='https://notes.blogspot.com/2020/01/a.html#c20'/>
    <content type='html'>Buy pills</content><published>2020-01-03T10:00:00Z</published></entry>
  <entry><id>tag:blogger.com,1999:blog-1.post-21</id><blogger:type>COMMENT</blogger:type>
    <blogger:status>LIVE</blogger:status><link rel='alternate' href='https://notes.blogspot.com/2020/01/b.html#c21'/>
    <content type='html'></content><published>2020-01-03T11:00:00Z</published></entry>
  <entry><id>tag:blogger.com,1999:blog-1.post-22</id><blogger:type>COMMENT</blogger:type>
    <blogger:status>LIVE</blogger:status><link rel='alternate' href='https://notes.blogspot.com/2020/01/c.html#c22'/>
    <content type='html'>Kept.</content><published>2020-01-03T12:00:00Z</published></entry>
</feed>""", encoding="utf-8")
    result = read_file(feed)
    assert [(document.kind, document.url) for document in result.documents] == [
        ("article", "https://notes.blogspot.com/2020/01/c.html"), ("comment", "https://notes.blogspot.com/2020/01/c.html")]
    left_out = next(problem.reason for problem in result.problems if problem.kind == "left out")
    assert "1 trashed comment" in left_out and "1 empty comment" in left_out


def test_substack_widgets_are_not_the_posts_text():
    (post,) = read_file(FIXTURES / "techstructive-substack.rss").documents
    assert post.author == "Meet Gor"
    assert post.body.endswith("Thanks for reading. See you next week!\n\nHappy Coding :)")
    assert "Subscribe" not in post.body and "Leave a comment" not in post.body and "Share" not in post.body


def test_an_items_link_written_as_a_path_is_taken_from_the_sites_address(tmp_path):
    feed = tmp_path / "feed.atom"
    feed.write_text("""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Notes</title><link href="https://notes.example.org/" rel="alternate"/><id>urn:x</id>
<entry><title>On Strikes</title><link href="/2024/01/strikes/"/><id>urn:1</id>
<published>2024-01-01T09:00:00Z</published><content type="html">&lt;p&gt;Held.&lt;/p&gt;</content></entry></feed>""",
                    encoding="utf-8")
    (article,) = read_file(feed).documents
    assert article.url == "https://notes.example.org/2024/01/strikes/"


def test_an_atom_entry_is_dated_when_published_not_when_last_updated(tmp_path):
    feed = tmp_path / "feed.atom"
    feed.write_text("""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Notes</title><id>urn:x</id><updated>2020-05-01T10:00:00Z</updated>
<entry><title>On Strikes</title><link href="https://notes.example.org/strikes"/><id>urn:1</id>
<updated>2020-05-01T10:00:00Z</updated><published>2011-10-21T09:30:00-04:00</published>
<summary>Held.</summary></entry></feed>""", encoding="utf-8")
    (article,) = read_file(feed).documents
    assert article.date.isoformat() == "2011-10-21T09:30:00-04:00"


def test_a_wordpress_feeds_unrendered_page_builder_shortcodes_are_dropped(tmp_path):
    text = (FIXTURES / "dieworkwear.rss").read_text(encoding="utf-8")
    feed = tmp_path / "feed.rss"  # the page builder's plugin switched off: its shortcodes reach the feed
    feed.write_text(text.replace("<![CDATA[<p>It’s often said", '<![CDATA[[vc_row type="in_container"]'
                                 "[vc_column_text]<p>It’s often said", 1).replace(
        "unfolding of [...]</p>", "unfolding of [...]</p>[/vc_column_text][/vc_row]", 1), encoding="utf-8")
    cowboys = next(document for document in read_file(feed).documents if document.title == "American Space Cowboys")
    assert cowboys.body.startswith("It’s often said that America") and "vc_" not in cowboys.body
    assert "unfolding of [...]" in cowboys.body  # an essay's own brackets stay
