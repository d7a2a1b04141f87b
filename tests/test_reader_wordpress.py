"""WordPress exports: posts and pages with threaded comments; what is not published writing left out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from search.readers import ReadError, read_file
from search.readers.wordpress import strip_shortcodes

FIXTURE = Path(__file__).parent / "fixtures" / "wordpress" / "theme-unit-test-excerpt.xml"


@pytest.fixture(scope="module")
def result():
    return read_file(FIXTURE)


def by_title(result, title):
    return next(document for document in result.documents if document.kind == "article" and document.title == title)


def test_published_posts_and_pages_become_articles(result):
    titles = [document.title for document in result.documents if document.kind == "article"]
    assert titles == ["About The Tests", "Template: Comments", "Block: Quote", "Post Format: Gallery"]


def test_drafts_attachments_menus_and_spam_are_left_out_and_counted(result):
    bodies = " ".join(document.body for document in result.documents)
    assert "drafted and not published" not in bodies
    assert "cheap watches" not in bodies.lower()
    assert "put in the bin" not in bodies
    left_out = [problem for problem in result.problems if problem.kind == "left out"]
    assert len(left_out) == 1
    for counted in ("1 draft post", "1 scheduled post", "1 attachment", "1 navigation menu item",
                    "1 spam comment", "1 trashed comment"):
        assert counted in left_out[0].reason


def test_article_fields_come_from_the_export(result):
    article = by_title(result, "Template: Comments")
    assert article.author == "Theme Buster"  # the display name, not the login "themedemos"
    assert article.url == "https://wpthemetestdata.wordpress.com/2012/01/03/template-comments/"
    assert set(article.tags) >= {"Classic", "comments", "template", "Uncategorized"}
    assert article.body.startswith("This post tests comments in the following ways.")


def test_dates_keep_the_sites_offset(result):
    article = by_title(result, "Template: Comments")
    assert article.date.isoformat() == "2012-01-03T10:11:37-07:00"  # post_date 10:11:37, post_date_gmt 17:11:37
    comment = next(document for document in result.documents if document.body == "Comments? I love comments!")
    assert comment.date.utcoffset() == timedelta(hours=-7)
    summer = next(document for document in result.documents if document.author == "Anonymous User")
    assert summer.date.utcoffset() == timedelta(hours=-5)


def test_comment_parent_threads_the_replies(result):
    comments = {document.body: document for document in result.documents if document.kind == "comment"}
    depth = [comments[f"Comment Depth 0{number}"] for number in range(1, 5)]
    assert depth[0].parent_id is None
    for parent, child in zip(depth, depth[1:], strict=False):
        assert child.parent_id == parent.id
    assert depth[1].id.endswith(".wp-905")  # the export's own comment id is kept


def test_a_reply_to_a_spam_comment_answers_the_spam_comments_parent(result):
    reply = next(document for document in result.documents if document.body.startswith("A reply to a comment"))
    assert reply.parent_id.endswith(".wp-905")


def test_block_comments_never_reach_the_text(result):
    article = by_title(result, "Block: Quote")
    assert "wp:" not in article.body and "<!--" not in article.body
    assert article.body.split("\n\n")[:3] == ["The quote block has two styles, regular:",
                                              "Gutenberg is more than an editor.", "The Gutenberg Team"]


def test_shortcodes_are_removed_and_html_becomes_paragraphs(result):
    article = by_title(result, "Post Format: Gallery")
    assert "[gallery" not in article.body
    assert "One Column" in article.body.split("\n\n")
    comment = next(document for document in result.documents if document.body.startswith("Headings"))
    assert "<h1>" not in comment.body and "Header one" in comment.body.split("\n\n")


@pytest.mark.parametrize(("content", "expected"), [
    ('[caption id="a1" align="alignleft"]<img src="x.jpg"> The river[/caption] after', "The river"),
    ("[gallery] text", "text"),
    ('[contact-form-7 id="3"]', ""),
    ("He wrote [sic] and cited [1].", "He wrote [sic] and cited [1]."),
])
def test_strip_shortcodes(content, expected):
    assert expected in strip_shortcodes(content)
    assert "[caption" not in strip_shortcodes(content) and "[gallery" not in strip_shortcodes(content)


def test_truncated_export_keeps_the_articles_before_the_cut(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8")
    cut = tmp_path / "cut.xml"
    cut.write_text(text[: text.index("<title>Block: Quote</title>") + 200], encoding="utf-8")
    result = read_file(cut)
    assert [document.title for document in result.documents if document.kind == "article"] == [
        "About The Tests", "Template: Comments"]
    truncated = [problem for problem in result.problems if problem.kind == "truncated"]
    assert truncated and "looks truncated" in truncated[0].reason and truncated[0].line


def test_an_export_cut_before_any_article_is_a_read_error(tmp_path):
    cut = tmp_path / "cut.xml"
    cut.write_text(FIXTURE.read_text(encoding="utf-8")[:3000], encoding="utf-8")
    with pytest.raises(ReadError, match="not a readable WordPress export"):
        read_file(cut)


def test_broken_xml_in_the_middle_is_reported_with_its_line(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8").replace("<title>Block: Quote</title>", "<title>Block: Quote</titel>")
    broken = tmp_path / "broken.xml"
    broken.write_text(text, encoding="utf-8")
    result = read_file(broken)
    problem = next(problem for problem in result.problems if problem.kind == "parse")
    assert problem.line == text[: text.index("</titel>")].count("\n") + 1
    assert "the XML breaks" in problem.reason


def test_markup_in_a_title_becomes_text(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8").replace(
        "<title>About The Tests</title>", "<title><![CDATA[About <em>The</em> Tests &amp; More]]></title>")
    path = tmp_path / "export.xml"
    path.write_text(text, encoding="utf-8")
    assert read_file(path).documents[0].title == "About The Tests & More"


def test_a_wxr_1_0_export_keeps_its_tags():
    result = read_file(FIXTURE.parent / "valid-wxr-1.0.xml")  # WordPress 3.0: tags under domain="tag"
    alpha = by_title(result, "Alpha post")
    assert alpha.tags == ("alpha", "news", "roar")
    assert alpha.author == "admin" and alpha.date.isoformat() == "2010-10-20T14:09:37+00:00"
    assert [document.author for document in result.documents if document.kind == "comment"] == ["Mr WordPress"]


def test_pingbacks_and_trackbacks_are_left_out_and_counted_not_indexed_as_comments():
    result = read_file(FIXTURE.parent / "theme-unit-test-pingbacks.xml")
    post = by_title(result, "Template: Pingbacks And Trackbacks")
    assert post.author == "Theme Buster"  # the display name from the channel's authors, not the login
    comments = [document for document in result.documents if document.kind == "comment"]
    assert [comment.author for comment in comments] == ["John Doe"]
    assert "2 trackbacks, 2 pingbacks" in next(problem.reason for problem in result.problems
                                                if problem.kind == "left out")


def test_an_export_from_another_tool_with_only_the_rss_date(tmp_path):
    export = tmp_path / "converted.xml"  # converters (BlogEngine, PivotX) may leave out wp:post_date
    export.write_text(FIXTURE.parent.joinpath("valid-wxr-1.0.xml").read_text(encoding="utf-8").replace(
        "<wp:post_date>2010-10-20 14:09:37</wp:post_date>", "").replace(
        "<wp:post_date_gmt>2010-10-20 14:09:37</wp:post_date_gmt>", "").replace(
        "<pubDate>Wed, 20 Oct 2010 14:09:37 +0000</pubDate>", "<pubDate>Wed, 20 Oct 2010 10:09:37 EDT</pubDate>"),
        encoding="utf-8")
    alpha = by_title(read_file(export), "Alpha post")
    assert alpha.date.isoformat() == "2010-10-20T10:09:37-04:00"


def test_names_written_with_html_entities_read_as_text(tmp_path):
    export = tmp_path / "export.xml"  # WordPress stores commenters' names HTML-escaped
    export.write_text(FIXTURE.parent.joinpath("theme-unit-test-pingbacks.xml").read_text(encoding="utf-8").replace(
        "<![CDATA[John Doe]]>", "<![CDATA[Seán O&#8217;Brien &amp; Co]]>"), encoding="utf-8")
    (comment,) = [document for document in read_file(export).documents if document.kind == "comment"]
    assert comment.author == "Seán O’Brien & Co"


def test_plugins_records_such_as_contact_forms_and_their_messages_are_left_out(tmp_path):
    export = tmp_path / "export.xml"  # Contact Form 7's forms and Jetpack's messages are "published" posts
    text = FIXTURE.read_text(encoding="utf-8")
    export.write_text(text.replace("<wp:post_type>page</wp:post_type>", "<wp:post_type>feedback</wp:post_type>", 1),
                      encoding="utf-8")
    result = read_file(export)
    assert "About The Tests" not in [document.title for document in result.documents]
    assert "1 contact form message" in next(problem.reason for problem in result.problems
                                            if problem.kind == "left out")


def test_co_authors_plus_bylines_name_every_author_even_guests_exported_after_the_post(tmp_path):
    # Co-Authors Plus exports a post's authors as <category domain="author"> terms (their logins) and each writer
    # without an account as a "guest-author" item whose postmeta holds the display name; here after the post.
    text = FIXTURE.read_text(encoding="utf-8")
    text = text.replace("<title>Template: Comments</title>", "<title>Template: Comments</title>\n"
                        '\t<category domain="author" nicename="cap-themedemos"><![CDATA[themedemos]]></category>\n'
                        '\t<category domain="author" nicename="cap-rosa-l"><![CDATA[rosa-l]]></category>', 1)
    guest = """<item><title>Rosa Luxemburg</title>
	<wp:post_type>guest-author</wp:post_type><wp:status>publish</wp:status>
	<wp:postmeta><wp:meta_key>cap-user_login</wp:meta_key><wp:meta_value><![CDATA[rosa-l]]></wp:meta_value></wp:postmeta>
	<wp:postmeta><wp:meta_key>cap-display_name</wp:meta_key><wp:meta_value><![CDATA[Rosa Luxemburg]]></wp:meta_value>
	</wp:postmeta></item>
</channel>"""
    export = tmp_path / "export.xml"
    export.write_text(text.replace("</channel>", guest, 1), encoding="utf-8")
    result = read_file(export)
    assert by_title(result, "Template: Comments").author == "Theme Buster, Rosa Luxemburg"
    assert "Rosa Luxemburg" not in [document.title for document in result.documents]
    assert "1 guest author profile" in next(problem.reason for problem in result.problems
                                            if problem.kind == "left out")
