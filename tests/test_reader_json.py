""".json files: one article, a list of them, or a list under a key; bad and cut files; export round trip."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main
from search.readers import ReadError, read_file

FIXTURES = Path(__file__).parent / "fixtures"
SOTU = FIXTURES / "corpora" / "sotu"
HN_LIKE = FIXTURES / "json" / "synthetic" / "hn-like.json"
IDEBATE = FIXTURES / "json" / "idebate" / "entities.jsonl"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_speech_per_file_is_one_article_titled_from_its_opening_words():
    washington = read_file(SOTU / "1790_george_washington_n.json")
    (speech,) = washington.documents
    assert washington.problems == []
    assert (speech.kind, speech.author, speech.date, speech.tags) == (
        "article", "George Washington", datetime(1790, 1, 1), ())  # party "none" is no tag
    assert speech.title_generated
    assert speech.title == "Fellow-Citizens of the Senate and House of Representatives:…"
    (obama,) = read_file(SOTU / "2016_barack_obama_d.json").documents
    assert (obama.author, obama.tags, obama.date.year) == ("Barack Obama", ("Democratic",), 2016)


def test_a_list_under_items_with_nested_replies_threaded():
    documents = read_file(HN_LIKE).documents
    story, jonas, marta, priya, spreadsheet = documents
    assert (story.title, story.author) == ("Ask: Should city councils publish every vote?", "marta_k")
    assert story.body == ("Our council publishes minutes, but not who voted how.\n\nIs there a good argument "
                          "against roll-call votes for everything? I'd like to hear both sides & any studies.")
    assert story.date == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert [comment.author for comment in (jonas, marta, priya)] == ["jonas", "marta_k", "priya"]
    assert jonas.parent_id is None and priya.parent_id is None  # their parent is the story itself
    assert marta.parent_id == jonas.id  # nested under jonas's comment
    assert marta.body == "That assumes the record doesn't matter to voters.\n\nIt should."
    assert story.id == "4101" and marta.id == "4101.4104"  # the export's own ids
    assert spreadsheet.url == "https://example.org/pr-spreadsheet"
    assert spreadsheet.date == datetime(2023, 11, 16, 2, 0, tzinfo=UTC)  # epoch milliseconds


def test_a_top_level_list_reports_a_bad_record_by_its_line(tmp_path):
    path = write(tmp_path, "posts.json", '[\n  {"title": "One", "text": "First."},\n  {"title": "No text"},\n'
                                         '  "a string",\n  {"title": "Two", "content": "Second."}\n]\n')
    result = read_file(path)
    assert [document.title for document in result.documents] == ["One", "Two"]
    reasons = {problem.line: (problem.kind, problem.reason) for problem in result.problems if problem.kind != "date"}
    assert reasons[3][0] == "no body" and reasons[3][1].endswith("(found: title); record skipped")
    assert reasons[4] == ("parse", "expected a JSON object, found a string; record skipped")


def test_a_truncated_list_keeps_the_records_before_the_cut(tmp_path):
    records = [{"title": f"Essay {number}", "body": f"Body {number}.", "date": "2020-01-01"} for number in range(3)]
    whole = json.dumps(records, indent=1)
    path = write(tmp_path, "cut.json", whole[:whole.index("Body 2") + 3])
    result = read_file(path)
    assert [document.title for document in result.documents] == ["Essay 0", "Essay 1"]
    (problem,) = result.problems
    assert problem.kind == "truncated" and problem.line == whole[:whole.index("Body 2")].count("\n") + 1
    assert problem.reason.startswith("the file looks truncated (Unterminated string")
    assert problem.reason.endswith("the 2 records before it were read, anything after it is lost")


@pytest.mark.parametrize(("text", "line", "kind", "reason"), [
    ("not json at all\n", 1, "parse", "not valid JSON (Expecting value: line 1 column 1)"),
    ('{\n  "title": "Cut", "body": "off', 2, "truncated", "the file looks truncated (Unterminated string"),
    ('{"name": "essay-search", "version": "1.0"}', 1, "unsupported",
     "a JSON object that is neither an article (no body, text, content... field) nor holds a list of them"),
    ("42", 1, "unsupported", "expected an article object or a list of them, found a number"),
    ("[1, 2]", 1, "parse", "no usable record in the file (first: expected a JSON object, found a number"),
    ("[]", 1, "empty file", "the list holds no records"),
])
def test_bad_files_get_one_clear_message_with_a_line(tmp_path, text, line, kind, reason):
    with pytest.raises(ReadError) as error:
        read_file(write(tmp_path, "bad.json", text))
    assert (error.value.line, error.value.problem.kind) == (line, kind)
    assert error.value.reason.startswith(reason)


def test_json_lines_under_a_json_name_is_read_as_json_lines(tmp_path):
    path = write(tmp_path, "lines.json", '{"title": "One", "text": "First."}\n{"title": "Two", "text": "Second."}\n')
    assert [document.title for document in read_file(path).documents] == ["One", "Two"]


def test_a_bad_file_in_a_folder_costs_nothing_else(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    shutil.copy(HN_LIKE, archive)
    write(archive, "broken.json", '[{"title": "Fine", "text": "Kept."}, {"title": "Cut", "text": "of')
    write(archive, "settings.json", '{"theme": "dark"}')
    runner = CliRunner()
    result = runner.invoke(main, ["index", str(archive), "--index", str(tmp_path / "index")])
    assert result.exit_code == 1  # settings.json failed
    assert "settings.json:1: a JSON object that is neither an article" in result.output
    assert "broken.json:1: the file looks truncated" in result.output
    assert "added: 3 articles, 3 comments" in result.output


def test_export_then_index_again_gives_the_same_documents(tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(SOTU, archive, ignore=shutil.ignore_patterns("SOURCE.md"))
    shutil.copy(HN_LIKE, archive)
    shutil.copy(IDEBATE, archive)
    runner = CliRunner()
    first, second = tmp_path / "first", tmp_path / "second"
    assert runner.invoke(main, ["index", str(archive), "--index", str(first)]).exit_code == 0
    exported = tmp_path / "export.jsonl"
    assert runner.invoke(main, ["export", "--index", str(first), "-o", str(exported)]).exit_code == 0
    assert runner.invoke(main, ["index", str(exported), "--index", str(second)]).exit_code == 0
    exported_again = tmp_path / "again.jsonl"
    assert runner.invoke(main, ["export", "--index", str(second), "-o", str(exported_again)]).exit_code == 0
    assert exported_again.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8")
    records = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 2 + 2 + 2 and sum(len(record.get("comments", [])) for record in records) == 3 + 2
    assert {record["title"] for record in records if record["author"] == "George Washington"} == {None}


def test_a_bare_year_is_shown_and_exported_as_a_year(tmp_path):
    from web import create_app

    index = tmp_path / "index"
    runner = CliRunner()
    assert runner.invoke(main, ["index", str(SOTU / "1790_george_washington_n.json"), "--index", str(index)]
                         ).exit_code == 0
    search = runner.invoke(main, ["search", "congratulations", "--index", str(index)])
    assert "George Washington · 1790 · " in search.output and "1790-01-01" not in search.output
    exported = runner.invoke(main, ["export", "--index", str(index)]).output
    assert json.loads(exported.splitlines()[0])["date"] == "1790"
    page = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client().get("/search?q=congratulations")
    text = page.get_data(as_text=True)
    assert '<time datetime="1790">1790</time>' in text and "1 Jan 1790" not in text


def test_a_wordpress_rest_api_response_reads_its_rendered_fields(tmp_path):
    posts = [{"id": 17, "date": "2024-05-02T10:00:00", "link": "https://blog.example/2024/05/strike/",
              "title": {"rendered": "Why the strike matters"}, "author": 3, "categories": [4, 9],
              "content": {"rendered": "<p>The strike is about pay.</p>\n<p>It is also about time &amp; dignity.</p>",
                          "protected": False}}]
    (post,) = read_file(write(tmp_path, "posts.json", json.dumps(posts))).documents
    assert (post.title, post.author, post.tags, post.url) == (
        "Why the strike matters", "", (), "https://blog.example/2024/05/strike/")
    assert post.body == "The strike is about pay.\n\nIt is also about time & dignity."
    assert post.id == "17" and post.date == datetime(2024, 5, 2, 10, 0)


def test_json_nested_too_deeply_is_a_clear_message_not_a_crash(tmp_path):
    deep = '{"title": "Deep", "text": "x", "children": ' + "[" * 100_000
    with pytest.raises(ReadError, match="JSON nested too deeply to read"):
        read_file(write(tmp_path, "deep.json", deep))
    result = read_file(write(tmp_path, "deep.json", '[{"title": "Kept", "text": "Fine."},\n' + deep))
    assert [document.title for document in result.documents] == ["Kept"]
    assert [(problem.line, problem.kind) for problem in result.problems] == [(1, "date"), (2, "parse")]
    assert "nested too deeply to read" in result.problems[1].reason
    lines = read_file(write(tmp_path, "deep.jsonl", '{"title": "Kept", "text": "Fine."}\n' + deep + "\n"))
    assert (2, "JSON nested too deeply to read; line skipped") in [(problem.line, problem.reason)
                                                                    for problem in lines.problems]


def test_a_json_feeds_authors_are_its_items_authors_unless_an_item_names_its_own(tmp_path):
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "The Pamphleteer",
        "home_page_url": "https://pamphleteer.example/", "authors": [{"name": "Jane Doe"}],
        "items": [
            {"id": "https://pamphleteer.example/1", "url": "https://pamphleteer.example/1", "title": "On Thrift",
             "content_html": "<p>Save &amp; prosper.</p>", "date_published": "2021-02-03T04:05:06-05:00"},
            {"id": "https://pamphleteer.example/2", "url": "https://pamphleteer.example/2", "title": "On Debt",
             "content_text": "Debt is old.", "authors": [{"name": "John Roe"}],
             "date_published": "2021-02-04T04:05:06-05:00"}]}), encoding="utf-8")
    thrift, debt = read_file(feed).documents
    assert (thrift.author, thrift.body, thrift.date.isoformat()) == ("Jane Doe", "Save & prosper.",
                                                                     "2021-02-03T04:05:06-05:00")
    assert debt.author == "John Roe"


def test_a_ghost_export_gives_its_published_posts_with_authors_and_tags_and_counts_drafts():
    result = read_file(Path(__file__).parent / "fixtures" / "json" / "ghost" / "ghost-4-export.json")
    sell, portal = result.documents
    assert (sell.title, sell.author, sell.date.isoformat()) == (
        "Selling premium memberships with recurring revenue", "Ghost", "2021-03-24T04:34:11+00:00")
    assert sell.body.startswith("For creators and aspiring entrepreneurs") and "<p>" not in sell.body
    assert "The Browser has over 10,000 paying subscribers" in sell.body  # a figure's caption is text
    assert (portal.author, portal.tags) == ("Ghost", ("Getting Started",))  # its author by author_id
    assert [(problem.kind, problem.reason) for problem in result.problems] == [
        ("left out", "left out (not published writing): 1 draft post")]


REST = Path(__file__).parent / "fixtures" / "json" / "wordpress-rest" / "enciv-posts.json"


def test_a_wordpress_rest_api_response_loses_page_builder_shortcodes_and_keeps_its_offset():
    (post,) = read_file(REST).documents
    assert (post.title, post.url) == ("A New Vision of Democracy", "https://enciv.org/a-new-vision-of-democracy/")
    assert post.body.startswith("EnCiv’s David Fridley has been working in the field of online democracy")
    assert "vc_row" not in post.body and "vc_column" not in post.body and "&#8221;" not in post.body
    assert post.body.endswith("Let’s try it and find out.")
    assert post.date.isoformat() == "2021-05-24T16:49:37+00:00"  # date beside date_gmt: the site's offset


def test_a_wordpress_rest_api_response_with_embed_names_its_author_and_terms(tmp_path):
    (record,) = json.loads(REST.read_text(encoding="utf-8"))
    record["date"], record["date_gmt"] = "2021-05-24T12:49:37", "2021-05-24T16:49:37"  # a site at UTC-4
    record["_embedded"] = {"author": [{"id": 3, "name": "Adolf Gundersen"}],
                           "wp:term": [[{"id": 259, "name": "EnCiv News", "taxonomy": "category"}],
                                       [{"id": 276, "name": "deliberation", "taxonomy": "post_tag"}]]}
    embedded = tmp_path / "posts.json"
    embedded.write_text(json.dumps([record]), encoding="utf-8")
    (post,) = read_file(embedded).documents
    assert post.author == "Adolf Gundersen"
    assert post.tags == ("EnCiv News", "deliberation")
    assert post.date.isoformat() == "2021-05-24T12:49:37-04:00"
