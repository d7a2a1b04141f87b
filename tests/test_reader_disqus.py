"""Disqus exports: threads keyed by link, posts threaded by parent, deleted and spam posts left out."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from search.joining import link_article_id, normalise_link
from search.readers import ReadError, read_file

FIXTURE = Path(__file__).parent / "fixtures" / "disqus" / "wpthemetestdata-disqus.xml"


@pytest.fixture(scope="module")
def result():
    return read_file(FIXTURE)


def threads(result):
    return {document.id: document for document in result.documents if document.kind == "article"}


def test_each_page_is_one_stand_in_thread_titled_from_the_export(result):
    articles = threads(result)
    assert sorted(article.title for article in articles.values()) == [
        "Block: Quote | Theme Unit Test Data", "Markup: HTML Tags and Formatting | Theme Unit Test Data",
        "Template: Comments | Theme Unit Test Data"]
    assert all(article.body == "" and article.author == "" for article in articles.values())


def test_the_article_id_comes_from_the_normalised_link(result):
    article = threads(result)[link_article_id("https://wpthemetestdata.wordpress.com/2012/01/03/template-comments/")]
    comments = [document for document in result.documents if document.article_id == article.id
                and document.kind == "comment"]
    # both Disqus threads for the page (http without the slash, https with it) are one thread here
    assert "A comment on the second thread Disqus made for the same page." in [comment.body for comment in comments]


def test_posts_are_threaded_by_parent_and_keep_their_disqus_ids(result):
    comments = {document.body: document for document in result.documents if document.kind == "comment"}
    question = comments["Which of these quotes is the large style?"]
    answer = comments["The second one, by Johannes Gutenberg."]
    assert question.parent_id is None and answer.parent_id == question.id
    assert answer.id.endswith(".disqus-6382504979")
    assert answer.author == "Theme Reviewer"


def test_html_messages_become_paragraphs_and_dates_are_utc(result):
    first = next(document for document in result.documents if document.author == "Rosa Reader")
    assert first.body == ("Threaded replies from Disqus should sit beside the WordPress ones.\n\n"
                          "Second paragraph of the first Disqus comment.")
    assert first.date.tzinfo == UTC and first.date.isoformat() == "2013-03-15T09:00:00+00:00"


def test_deleted_and_spam_posts_are_left_out_and_counted(result):
    bodies = [document.body for document in result.documents]
    assert not any("deleted by its author" in body or "cheap watches" in body or "page that was deleted" in body
                   for body in bodies)
    left_out = next(problem for problem in result.problems if problem.kind == "left out")
    assert "1 deleted post" in left_out.reason and "1 spam post" in left_out.reason
    assert "1 post in a deleted thread" in left_out.reason


def test_a_reply_to_a_deleted_post_answers_its_parent(result):
    comments = {document.body: document for document in result.documents if document.kind == "comment"}
    reply = comments["Replying to a comment that has since been deleted."]
    assert reply.parent_id == comments["Agreed — and the dates should keep their time zone."].id


@pytest.mark.parametrize(("one", "other"), [
    ("http://example.com/2011/10/serge", "https://www.example.com/2011/10/serge/"),
    ("https://example.com/a/?utm_source=feed&utm_medium=rss", "https://example.com/a"),
    ("https://EXAMPLE.com:443/a#comments", "https://example.com/a"),
    ("https://example.com/%E9%BB%91/", "https://example.com/%e9%bb%91"),
])
def test_the_same_page_has_one_normalised_link(one, other):
    assert normalise_link(one) == normalise_link(other)
    assert link_article_id(one) == link_article_id(other)


def test_different_pages_keep_different_links():
    assert normalise_link("https://example.com/?p=1") != normalise_link("https://example.com/?p=2")
    assert normalise_link("https://example.com/a") != normalise_link("https://example.org/a")


def test_truncated_export_keeps_the_posts_before_the_cut(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8")
    cut = tmp_path / "cut.xml"
    cut.write_text(text[: text.index('<post dsq:id="6382502876">') + 60], encoding="utf-8")
    result = read_file(cut)
    assert any(document.author == "Rosa Reader" for document in result.documents)
    assert not any("large style" in document.body for document in result.documents)
    assert any(problem.kind == "truncated" and "looks truncated" in problem.reason for problem in result.problems)


def test_an_export_with_no_posts_is_a_read_error(tmp_path):
    empty = tmp_path / "empty.xml"
    empty.write_text('<?xml version="1.0"?><disqus xmlns="http://disqus.com"></disqus>', encoding="utf-8")
    with pytest.raises(ReadError, match="holds no posts"):
        read_file(empty)


def test_posts_find_their_thread_wherever_it_is_declared_and_unknown_threads_are_reported(tmp_path):
    path = tmp_path / "comments.xml"
    path.write_text(
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
        '<post dsq:id="1"><message>Before its thread</message><createdAt>2020-01-01T00:00:00Z</createdAt>'
        '<author><name>Ada</name></author><thread dsq:id="7"/></post>'
        '<post dsq:id="2"><message>Nowhere</message><author><name>Bo</name></author><thread dsq:id="8"/></post>'
        '<thread dsq:id="7"><link>https://example.org/a/</link><title>A</title></thread></disqus>',
        encoding="utf-8")
    result = read_file(path)
    assert [(document.kind, document.body) for document in result.documents] == [
        ("article", ""), ("comment", "Before its thread")]
    assert any("naming thread 8, which the export does not hold: 1" in problem.reason for problem in result.problems)


def test_a_thread_is_titled_with_its_article_not_the_site_name_disqus_gave_many_pages():
    result = read_file(FIXTURE.parent / "laisky-excerpt.xml")
    titles = [document.title for document in result.documents if document.kind == "article"]
    assert titles == ["用 IPython notebook + nvd3 实现交互式调试", "关于团队、领导、招聘等事的一些看法"]
    comment = next(document for document in result.documents if document.kind == "comment")
    assert comment.author == "Reader & Friend"
    assert "2 deleted posts" in next(problem.reason for problem in result.problems if problem.kind == "left out")
