"""Across the formats: telling .xml files apart, refusing hostile XML, joining Disqus threads to
WordPress posts in either order, and exporting what was read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from search import results
from search.cli import main
from search.indexer import index_paths
from search.inspect import check
from search.joining import normalise_link
from search.readers import ReadError, read_file, reader_for, xml_format
from search.store import open_index

FIXTURES = Path(__file__).parent / "fixtures"
WORDPRESS = FIXTURES / "wordpress" / "theme-unit-test-excerpt.xml"
DISQUS = FIXTURES / "disqus" / "wpthemetestdata-disqus.xml"
RSS = FIXTURES / "feeds" / "pamphletariat.rss"
CSV = FIXTURES / "tabular" / "pamphlets.csv"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder holding the site's WordPress export and its Disqus export."""
    folder = tmp_path / "site"
    folder.mkdir()
    shutil.copy(WORDPRESS, folder / "wordpress.xml")
    shutil.copy(DISQUS, folder / "comments.xml")  # sorts first: the run must still read it after the posts
    return folder


def documents(index_dir: Path) -> dict[str, tuple]:
    """Every article and comment, as the fields a reader sees (not where it came from)."""
    with open_index(index_dir).searcher() as searcher:
        return {fields["id"]: (fields["kind"], fields["title"], fields["author"], fields.get("date"),
                               fields["body"], fields["article_id"], fields.get("parent_id"), fields.get("url"))
                for fields in searcher.all_stored_fields() if fields["kind"] in ("article", "comment")}


def index_in_order(index_dir: Path, *paths: Path) -> dict[str, tuple]:
    for path in paths:
        report = index_paths(index_dir, [path])
        assert not report.failed, report.failed
    assert check(index_dir) == []
    return documents(index_dir)


def test_wordpress_then_disqus_and_disqus_then_wordpress_give_the_same_threads(tmp_path, site):
    wordpress, disqus = site / "wordpress.xml", site / "comments.xml"
    posts_first = index_in_order(tmp_path / "a", wordpress, disqus)
    comments_first = index_in_order(tmp_path / "b", disqus, wordpress)
    one_run = index_in_order(tmp_path / "c", site)
    assert posts_first == comments_first == one_run
    article_id = next(doc_id for doc_id, fields in posts_first.items()
                      if fields[0] == "article" and fields[1] == "Template: Comments")
    thread = [fields for fields in posts_first.values() if fields[0] == "comment" and fields[5] == article_id]
    authors = {fields[2] for fields in thread}
    assert {"Jane Bloggs", "Rosa Reader", "Karl"} <= authors  # WordPress and Disqus comments in one thread
    assert {fields[1] for fields in thread} == {"Template: Comments"}  # the post's title, not Disqus's
    stand_alone = [fields for fields in posts_first.values() if fields[0] == "article" and fields[4] == ""]
    assert [fields[1] for fields in stand_alone] == ["Markup: HTML Tags and Formatting | Theme Unit Test Data"]


def test_a_comment_feed_joins_the_posts_feed_in_either_order(tmp_path):
    folder = tmp_path / "feeds"
    folder.mkdir()
    posts = shutil.copy(FIXTURES / "feeds" / "dieworkwear.rss", folder / "posts.rss")
    comments = shutil.copy(FIXTURES / "feeds" / "dieworkwear-comments.atom", folder / "comments.atom")
    posts_first = index_in_order(tmp_path / "a", posts, comments)
    comments_first = index_in_order(tmp_path / "b", comments, posts)
    one_run = index_in_order(tmp_path / "c", folder)
    assert posts_first == comments_first == one_run
    assert sum(fields[0] == "article" for fields in one_run.values()) == 2  # no stand-in left beside a post
    replies = [fields for fields in one_run.values() if fields[0] == "comment" and fields[1] == "American Space "
               "Cowboys"]
    assert [fields[2] for fields in replies] in (["Walter", "Derek Guy"], ["Derek Guy", "Walter"])


def test_a_comment_in_both_the_export_and_the_comment_feed_is_indexed_once_in_either_order(tmp_path):
    comments = FIXTURES / "feeds" / "wpthemetestdata-comments.rss"
    export_first = index_in_order(tmp_path / "a", WORDPRESS, comments)
    feed_first = index_in_order(tmp_path / "b", comments, WORDPRESS)
    assert export_first == feed_first
    article_id = next(doc_id for doc_id, fields in export_first.items()
                      if fields[0] == "article" and fields[1] == "Template: Comments")
    by_rosa = [doc_id for doc_id, fields in export_first.items() if fields[2] == "Rosa Reader"]
    assert f"{article_id}.wp-899" in export_first and f"{article_id}.wp-1201" in by_rosa


def test_a_post_of_images_only_is_an_article_not_a_stand_in_whichever_comes_first(tmp_path, site):
    text = (site / "wordpress.xml").read_text(encoding="utf-8")
    start = text.index("<title>Template: Comments</title>")
    body, end = text.index("<content:encoded>", start), text.index("</content:encoded>", start)
    (site / "wordpress.xml").write_text(text[:body] + '<content:encoded><![CDATA[[gallery ids="1,2,3"]]]>'
                                        + text[end:], encoding="utf-8")  # its text is all shortcode: empty
    posts_first = index_in_order(tmp_path / "a", site / "wordpress.xml", site / "comments.xml")
    comments_first = index_in_order(tmp_path / "b", site / "comments.xml", site / "wordpress.xml")
    assert posts_first == comments_first
    (article,) = [fields for fields in comments_first.values() if fields[0] == "article" and fields[2]
                  and fields[1].startswith("Template: Comments")]
    assert (article[1], article[2]) == ("Template: Comments", "Theme Buster")


def test_indexing_either_export_again_changes_nothing(tmp_path, site):
    index_dir = tmp_path / "index"
    before = index_in_order(index_dir, site / "comments.xml", site / "wordpress.xml")
    (site / "comments.xml").write_text((site / "comments.xml").read_text() + "\n")  # changed: read again
    (site / "wordpress.xml").write_text((site / "wordpress.xml").read_text() + "\n")
    assert index_in_order(index_dir, site) == before


@pytest.mark.parametrize("edit", ["retitled", "removed"])
def test_a_post_edited_after_its_thread_joined_gives_what_a_fresh_index_gives(tmp_path, site, edit):
    wordpress = site / "wordpress.xml"
    index_dir = tmp_path / "index"
    index_in_order(index_dir, wordpress, site / "comments.xml")
    text = wordpress.read_text(encoding="utf-8")
    if edit == "retitled":
        text = text.replace("<title>Block: Quote</title>", "<title>Block: Quotes and Pull Quotes</title>")
    else:
        start = text.index("<item>\n\t<title>Block: Quote</title>")
        text = text[:start] + text[text.index("</item>", start) + len("</item>"):]
    wordpress.write_text(text, encoding="utf-8")
    after_edit = index_in_order(index_dir, wordpress)
    assert after_edit == index_in_order(tmp_path / "fresh", site)
    thread_titles = {fields[1] for fields in after_edit.values() if fields[2] == "Kurt"}
    expected = "Block: Quotes and Pull Quotes" if edit == "retitled" else "Block: Quote | Theme Unit Test Data"
    assert thread_titles == {expected}


def test_the_thread_holds_both_exports_comments_in_reply_order(tmp_path, site):
    index_dir = tmp_path / "index"
    index_in_order(index_dir, site / "comments.xml", site / "wordpress.xml")
    article_id = next(doc_id for doc_id, fields in documents(index_dir).items() if fields[1] == "Template: Comments")
    with open_index(index_dir).searcher() as searcher:
        article, comments = results.thread(searcher, article_id)
    assert article.body.startswith("This post tests comments")
    depths = {comment.body: depth for comment, depth in comments}
    assert depths["Comment Depth 04"] == 3  # WordPress's comment_parent chain
    assert depths["Agreed — and the dates should keep their time zone."] == 1  # Disqus's parent link
    assert depths["Replying to a comment that has since been deleted."] == 2


def test_a_thread_joins_an_article_from_another_reader_by_its_address(tmp_path, site):
    """A JSON Lines article has its own id (not the link's): the thread finds it by its address."""
    record = {"title": "Markup: HTML Tags and Formatting", "author": "Theme Buster", "date": "2013-01-11",
              "url": "https://wpthemetestdata.wordpress.com/2013/01/11/markup-html-tags-and-formatting/",
              "body": "Headings, blockquotes, tables and lists: the markup a theme must style."}
    archive = site / "markup.jsonl"
    archive.write_text(json.dumps(record) + "\n")
    disqus = site / "comments.xml"
    article_first = index_in_order(tmp_path / "a", archive, disqus)
    thread_first = index_in_order(tmp_path / "b", disqus, archive)
    assert article_first == thread_first
    article_id, article = next((doc_id, fields) for doc_id, fields in article_first.items()
                               if fields[0] == "article" and fields[1] == record["title"])
    replies = [fields for fields in article_first.values() if fields[0] == "comment" and fields[5] == article_id]
    assert {fields[2] for fields in replies} == {"Ada", "Theme Buster"}
    assert {fields[1] for fields in replies} == {record["title"]}
    assert article[4] == record["body"]
    assert not any(fields[1].startswith("Markup: HTML Tags and Formatting |") for fields in article_first.values())


def test_strict_does_not_refuse_an_export_for_holding_drafts_and_attachments(tmp_path):
    report = index_paths(tmp_path / "index", [WORDPRESS], strict=True)
    assert report.added["article"] == 4
    assert any(problem.kind == "left out" for problem in report.problems)


def test_the_article_page_shows_the_joined_thread(tmp_path, site):
    from web import create_app

    index_dir = tmp_path / "index"
    index_in_order(index_dir, site / "comments.xml", site / "wordpress.xml")
    article_id = next(doc_id for doc_id, fields in documents(index_dir).items() if fields[1] == "Template: Comments")
    page = create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client().get(f"/doc/{article_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Comment Depth 04" in text and "Replying to a comment that has since been deleted." in text


@pytest.mark.parametrize(("fixture", "expected"), [
    (WORDPRESS, "WordPress export"), (DISQUS, "Disqus export"), (RSS, "feed"),
    (FIXTURES / "feeds" / "pamphletariat.atom", "feed")])
def test_an_xml_files_format_is_told_by_its_content(tmp_path, fixture, expected):
    copy = tmp_path / "export.xml"
    copy.write_bytes(fixture.read_bytes())
    assert xml_format(copy, copy.read_text(encoding="utf-8"))[0] == expected
    assert read_file(copy).documents


def test_every_new_suffix_has_a_reader():
    for name in ("a.xml", "a.xml.gz", "a.rss", "a.atom", "a.csv", "a.tsv"):
        assert reader_for(Path(name)) is not None


def test_xml_no_reader_takes_is_reported_not_skipped(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "sitemap.xml").write_text('<?xml version="1.0"?><urlset><url><loc>x</loc></url></urlset>')
    shutil.copy(RSS, folder / "feed.rss")
    result = CliRunner().invoke(main, ["index", str(folder), "--index", str(tmp_path / "index")])
    assert result.exit_code == 1
    assert "sitemap.xml: unsupported XML: root element <urlset>" in result.output
    assert "added: 2 articles" in result.output


def test_a_gzipped_disqus_export_is_read(tmp_path):
    import gzip

    packed = tmp_path / "comments.xml.gz"
    packed.write_bytes(gzip.compress(DISQUS.read_bytes()))
    assert any(document.author == "Rosa Reader" for document in read_file(packed).documents)


SECRET = "top secret contents of a local file"


@pytest.mark.parametrize("wrapper", ["wordpress", "feed", "disqus"])
def test_external_entities_are_refused(tmp_path, wrapper):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    doctype = f'<!DOCTYPE rss [<!ENTITY leak SYSTEM "file://{secret}">]>'
    bodies = {
        "wordpress": f'{doctype}<rss xmlns:wp="http://wordpress.org/export/1.2/" '
                     'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item><title>&leak;</title>'
                     "<content:encoded>&leak;</content:encoded><wp:status>publish</wp:status></item></channel></rss>",
        "feed": f"{doctype}<rss><channel><item><title>&leak;</title><description>&leak;</description></item>"
                "</channel></rss>",
        "disqus": f'{doctype}<disqus xmlns="http://disqus.com"><thread><title>&leak;</title></thread></disqus>',
    }
    path = tmp_path / "hostile.xml"
    path.write_text('<?xml version="1.0"?>\n' + bodies[wrapper])
    with pytest.raises(ReadError, match="document type declaration") as error:
        read_file(path)
    assert SECRET not in str(error.value)


def test_a_post_quoting_a_doctype_in_its_text_is_read(tmp_path):
    text = WORDPRESS.read_text(encoding="utf-8").replace(
        "<![CDATA[This post tests comments", "<![CDATA[Start with <pre><!DOCTYPE html></pre> This post tests comments")
    path = tmp_path / "export.xml"
    path.write_text(text, encoding="utf-8")
    article = next(document for document in read_file(path).documents if document.title == "Template: Comments")
    assert article.body.startswith("Start with") and "This post tests comments" in article.body


def test_entity_expansion_bombs_are_refused_quickly(tmp_path):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{level} "{("&lol" + str(level - 1) + ";") * 10 if level > 1 else "&lol;" * 10}">'
        for level in range(1, 10))
    path = tmp_path / "laughs.rss"
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss><channel><item><title>&lol9;</title>'
                    "</item></channel></rss>")
    with pytest.raises(ReadError, match="document type declaration"):
        read_file(path)


def test_the_parser_itself_neither_loads_nor_expands_entities(tmp_path):
    """Defence in depth: even past the DTD check, lxml is told not to resolve entities or use the network."""
    from lxml import etree

    from search.readers import markup

    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    data = (f'<!DOCTYPE r [<!ENTITY leak SYSTEM "file://{secret}">]><r><item>&leak;</item></r>').encode()
    import io

    items = [etree.tostring(element) for _, element in
             etree.iterparse(io.BytesIO(data), events=("end",), tag="item", **markup._SAFE)]
    assert SECRET.encode() not in b"".join(items)


@pytest.mark.parametrize("fixtures", [
    (WORDPRESS, DISQUS), (RSS,), (CSV,), (FIXTURES / "feeds" / "blogger-export.xml",),
    (FIXTURES / "feeds" / "dieworkwear.rss", FIXTURES / "feeds" / "dieworkwear-comments.atom"),
    (FIXTURES / "mbox" / "2002-October.txt",), (FIXTURES / "json" / "ghost" / "ghost-4-export.json",),
    (FIXTURES / "tabular" / "pamphlets-excel.csv",), (FIXTURES / "movabletype" / "export.txt",),
], ids=["wordpress+disqus", "rss", "csv", "blogger", "feed+comment-feed", "mbox", "ghost", "excel-csv", "movabletype"])
def test_export_round_trips_what_was_read(tmp_path, fixtures):
    first_index, second_index = tmp_path / "first", tmp_path / "second"
    for fixture in fixtures:
        index_paths(first_index, [fixture])
    exported = tmp_path / "export.jsonl"
    runner = CliRunner()
    result = runner.invoke(main, ["export", "--index", str(first_index), "-o", str(exported)])
    assert result.exit_code == 0, result.output
    assert all(json.loads(line)["title"] for line in exported.read_text().splitlines())
    report = index_paths(second_index, [exported])
    assert not report.failed
    assert documents(second_index) == documents(first_index)


@pytest.mark.parametrize("fixture", [WORDPRESS, RSS, DISQUS])
def test_an_encoding_declared_in_the_xml_prolog_is_used_and_is_no_problem(tmp_path, fixture):
    text = fixture.read_text(encoding="utf-8").replace("Template: Comments", "Łódź: żółw").replace(
        "The Federalist No. 10", "Łódź: żółw").replace("Rosa Reader", "Łódź: żółw")
    assert "Łódź" in text
    declared = tmp_path / f"legacy{fixture.suffix}"
    declared.write_bytes(text.replace('encoding="UTF-8"', 'encoding="ISO-8859-2"').replace(
        "encoding='UTF-8'", "encoding='ISO-8859-2'").replace('encoding="utf-8"', 'encoding="ISO-8859-2"').encode(
        "iso-8859-2", errors="xmlcharrefreplace"))
    result = read_file(declared)
    assert any("Łódź: żółw" in (document.title, document.author) for document in result.documents)
    assert not [problem for problem in result.problems if problem.kind == "encoding"]


def test_a_declared_encoding_that_is_wrong_does_not_garble_utf8(tmp_path):
    mislabelled = tmp_path / "feed.rss"  # old WordPress sites often declare ISO-8859-1 and write UTF-8
    mislabelled.write_bytes(RSS.read_bytes().replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"').replace(
        b"The Federalist No. 10", "Federalist – No. 10".encode()))
    assert "Federalist – No. 10" in {document.title for document in read_file(mislabelled).documents}


def test_a_static_sites_index_html_is_the_same_page_as_its_folder():
    assert normalise_link("http://localhost:4000/blog/2013/02/12/redacted/index.html") == normalise_link(
        "https://localhost:4000/blog/2013/02/12/redacted/")
    assert normalise_link("https://example.org/index.php?p=3") == normalise_link("https://example.org/?p=3")
