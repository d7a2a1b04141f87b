"""The essays command, used as the README shows it (click's CliRunner)."""

import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from search import results
from search.cli import SORT_CHOICES, IndexProgress, main
from tests.conftest import article, many_articles


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("ESSAYS_INDEX", str(tmp_path / "index"))

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args))

    return invoke


@pytest.fixture
def indexed(run, seed_dir):
    result = run("index", str(seed_dir))
    assert result.exit_code == 0, result.output
    return run


def hits_json(result):
    """The hits of ``essays search ... --json``: one JSON document holding them."""
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["hits"]


def test_index_reports_what_it_did_and_a_second_run_changes_nothing(run, seed_dir):
    first = run("index", str(seed_dir))
    assert "added: 1 article, 4 comments" in first.output
    second = run("index", str(seed_dir))
    assert second.exit_code == 0
    assert "unchanged: 1 article, 4 comments" in second.output
    assert "added: 0 articles, 0 comments" in second.output
    assert "files: 1 found, 0 read, 1 unchanged, 0 failed" in second.output


def test_exact_phrase_finds_the_article(indexed):
    (hit,) = hits_json(indexed("search", '"river of blood"', "--json"))
    assert (hit["kind"], hit["title"], hit["author"], hit["date"][:10]) == (
        "article", "The real Serge", "Paul Hampton", "2011-10-19")
    assert hit["highlights"]["snippet"]["matches"] == ["river", "of", "blood"]


def test_rabinowitch_finds_the_two_comments_not_the_article(indexed):
    hits = hits_json(indexed("search", "rabinowitch", "--json"))
    assert [hit["kind"] for hit in hits] == ["comment", "comment"]


def test_author_sorted_newest_first(indexed):
    hits = hits_json(indexed("search", "author:guenter", "--sort", "newest", "--json"))
    assert [hit["date"][:10] for hit in hits] == ["2011-10-22", "2011-10-20"]
    assert {hit["author"] for hit in hits} == {"guenter"}


def test_comment_by_date_and_its_thread(indexed):
    (hit,) = hits_json(indexed("search", "kind:comment date:2011-10-21", "--json"))
    assert hit["author"] == "PaulHampton"
    shown = indexed("show", hit["id"])
    assert shown.exit_code == 0
    mine = shown.output.split(hit["id"], 1)[1]
    assert mine.splitlines()[1].strip() == "in reply to guenter (2011-10-20 13:18)"
    assert "The real Serge" in shown.output


def test_chrome_is_not_indexed(indexed):
    result = indexed("search", "cookies")
    assert result.exit_code == 0 and "no hits" in result.output


def test_plain_output_shows_each_hit(indexed):
    output = indexed("search", "serge", "--limit", "2").output
    assert output.startswith("5 hits in 1 article, page 1 of 1")
    assert "\nThe real Serge\n  ARTICLE  Paul Hampton · 2011-10-19 10:25 · " in output
    assert output.count("  COMMENT  ") == 4
    assert "\x1b[" not in output  # no styling when piped


def test_pages_are_cut_by_article_with_its_comments_under_it(run, write_archive):
    assert run("index", str(write_archive("strike.jsonl", many_articles(5)))).exit_code == 0
    output = run("search", "strike", "--limit", "2").output
    assert output.startswith("15 hits in 5 articles, page 1 of 3")  # the comments carry their article's title
    groups = output.split("\n\n")[1:]
    assert len(groups) == 2
    for group in groups:
        lines = group.strip("\n").split("\n")
        assert lines[0].startswith("Essay ") and lines[1].startswith("  ARTICLE  ")
        assert [line[:22] for line in lines[3::2]] == ["  COMMENT  Reader One ", "  COMMENT  Reader Two "]
    last = run("search", "strike", "--limit", "2", "--page", "3", "--json")
    assert len({hit["article_id"] for hit in hits_json(last)}) == 1


def test_kind_option_and_suggestion(indexed):
    assert {hit["kind"] for hit in hits_json(indexed("search", "serge", "--kind", "article", "--json"))} == {"article"}
    assert "did you mean: stalinism" in indexed("search", "stalinsm").output


def test_bad_query_is_one_clear_line(indexed):
    result = indexed("search", "auther:hampton")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: bad query: unknown field 'auther' (did you mean author?) (at character 1)")


def test_missing_index_unknown_id_and_bad_option(run, tmp_path):
    missing = run("search", "serge")
    assert missing.exit_code == 1 and "no index at" in missing.output and "essays index" in missing.output
    assert run("stats").exit_code == 1
    (tmp_path / "empty").mkdir()
    assert run("index", str(tmp_path / "empty")).exit_code == 0
    empty = run("search", "serge")
    assert empty.exit_code == 1 and "is empty" in empty.output
    assert run("search", "serge", "--sort", "sideways").exit_code == 2


def test_show_unknown_id(indexed):
    result = indexed("show", "no-such-id")
    assert result.exit_code == 1 and "no document with id 'no-such-id'" in result.output


def test_stats(indexed):
    output = indexed("stats").output
    assert "articles: 1" in output and "comments: 4" in output and "authors: 3" in output
    assert "dates: 2011-10-19 to 2011-10-23" in output


def test_index_option_wins_over_the_environment(run, seed_dir, tmp_path):
    other = tmp_path / "elsewhere"
    assert run("index", str(seed_dir), "--index", str(other)).exit_code == 0
    assert run("stats", "--index", str(other)).exit_code == 0
    assert run("stats").exit_code == 1


def test_a_bad_file_is_reported_and_the_rest_indexed(run, seed_dir):
    (seed_dir / "broken.txt").write_text("Just a title\n\nand no header\n")
    result = run("index", str(seed_dir))
    assert result.exit_code == 1
    assert "broken.txt:3: expected 'Submitted by NAME on DATE'" in result.output
    assert "added: 1 article, 4 comments" in result.output
    assert len(hits_json(run("search", "rabinowitch", "--json"))) == 2


def test_export_rebuild_export_is_identical(indexed, tmp_path):
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    assert indexed("export", "-o", str(first)).exit_code == 0
    rebuilt = tmp_path / "rebuilt"
    assert indexed("index", str(first), "--index", str(rebuilt)).exit_code == 0
    assert indexed("export", "--index", str(rebuilt), "-o", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    assert len(first.read_text().splitlines()) == 1


def test_wrong_encoding_is_a_warning_and_strict_makes_it_fatal(run, tmp_path):
    folder = tmp_path / "latin"
    folder.mkdir()
    text = "Über den Staat\n\nSubmitted by Jürgen on 1 May, 1998 - 10:00\n\nDer Staat und die Revolution.\n"
    (folder / "old.txt").write_bytes(text.encode("cp1252"))
    strict = run("index", str(folder), "--strict")
    assert strict.exit_code == 1
    assert "old.txt:1: not valid UTF-8 at byte 0; decoded as cp1252" in strict.output
    assert "--strict: 2 problems" in strict.output
    assert run("search", "staat").exit_code == 1  # nothing was indexed: the index is still empty
    relaxed = run("index", str(folder))
    assert relaxed.exit_code == 0 and "warning:" in relaxed.output and "added: 1 article," in relaxed.output
    (hit,) = hits_json(run("search", "author:jurgen", "--json"))
    assert hit["title"] == "Über den Staat"


def test_json_is_one_document_with_the_total_that_json_tool_accepts(indexed):
    result = indexed("search", "serge", "--json")
    checked = subprocess.run([sys.executable, "-m", "json.tool"], input=result.output, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    page = json.loads(result.output)
    assert (page["query"], page["total"], page["page"], page["pages"], len(page["hits"])) == ("serge", 5, 1, 1, 5)
    assert page["articles"] == 1 and page["partial"] is False
    assert {"id", "kind", "title", "author", "date", "score", "highlights"} <= set(page["hits"][0])


def test_nl_prints_one_hit_per_line(indexed):
    result = indexed("search", "serge", "--nl")
    lines = result.output.splitlines()
    assert len(lines) == 5
    assert [json.loads(line)["id"] for line in lines] == [hit["id"] for hit in hits_json(indexed("search", "serge",
                                                                                                   "--json"))]
    assert indexed("search", "serge", "--json", "--nl").exit_code == 2


def test_one_hit_and_one_comment_are_singular(indexed):
    output = indexed("search", '"river of blood"').output
    assert output.startswith("1 hit in 1 article, page 1 of 1")
    (hit,) = hits_json(indexed("search", "kind:comment date:2011-10-23", "--json"))
    assert "\n4 comments\n" in indexed("show", hit["id"]).output


def test_an_article_with_one_comment_says_so(run, write_archive):
    lone = article("Alone", "Ann", "2020-01-01", "A lonely essay.", [{"author": "Bob", "date": "2020-01-02",
                                                                       "body": "The only reply."}])
    assert run("index", str(write_archive("lone.jsonl", [lone]))).exit_code == 0
    (hit,) = hits_json(run("search", "lonely", "--json"))
    assert "\n1 comment\n" in run("show", hit["id"]).output


def test_no_hits_names_the_filters_in_effect(indexed):
    output = indexed("search", "serge", "--author", "nobody", "--year", "1999", "--kind", "comment").output
    assert output.strip() == "no hits for 'serge' with --author 'nobody' --year 1999 --kind comment"
    assert indexed("search", "zyxwvut").output.strip() == "no hits for 'zyxwvut'"


def test_author_option_matches_as_the_author_field_does(indexed):
    by_field = {hit["id"] for hit in hits_json(indexed("search", "serge author:hampton", "--json"))}
    by_option = {hit["id"] for hit in hits_json(indexed("search", "serge", "--author", "hampton", "--json"))}
    assert by_option == by_field and len(by_field) == 3  # the article by Paul Hampton, comments by PaulHampton
    assert hits_json(indexed("search", "serge", "--author", "PAUL", "--json"))


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("essays, version ")


def test_sort_choices_are_the_cores():
    assert SORT_CHOICES == results.SORTS


def test_importing_the_command_loads_neither_whoosh_nor_flask_nor_trafilatura():
    """``essays --help`` and every command start fast: each command imports what it needs when it runs."""
    code = ("import sys, search.cli; "
            "print(sorted(name for name in ('whoosh', 'flask', 'trafilatura', 'waitress') if name in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fake_sources(tmp_path, count: int, size: int = 1000) -> list:
    folder = tmp_path / "sources"
    folder.mkdir()
    paths = []
    for number in range(count):
        path = folder / f"{number:03}.txt"
        path.write_bytes(b"x" * size)
        paths.append(path)
    return paths


def test_progress_off_a_terminal_is_a_line_every_few_seconds(tmp_path):
    from search.indexer import IndexReport

    sources, stream, clock, report = fake_sources(tmp_path, 100), io.StringIO(), FakeClock(), IndexReport()
    with IndexProgress(sources, stream, interval=5.0, clock=clock) as progress:
        for path in sources:
            clock.now += 0.5
            report.added["article"] += 2
            progress(path, report)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "indexing 100 files (0.1 MB)"
    assert 9 <= len(lines) - 2 <= 10  # 50 s of work, a line every 5 s: not one line per file
    assert lines[1] == "indexing: 10/100 files, 20 documents, 4 documents/s, about 45 s left"
    assert lines[-2] == "indexing: 100/100 files, 200 documents, 4 documents/s; writing the index"
    assert lines[-1] == "indexed 100/100 files, 200 documents, 4 documents/s, in 50 s"


def test_progress_time_left_follows_the_bytes_not_the_file_count(tmp_path):
    from search.indexer import IndexReport

    small, big = fake_sources(tmp_path, 2, size=100), tmp_path / "big.txt"
    big.write_bytes(b"x" * 9800)
    clock = FakeClock()
    progress = IndexProgress([*small, big], io.StringIO(), clock=clock)
    clock.now += 2
    progress(small[0], IndexReport())
    progress(small[1], IndexReport())
    assert progress.status().endswith("about 1 min 38 s left")  # 200 bytes in 2 s, 9,800 to go


def test_progress_on_a_terminal_is_a_bar(tmp_path):
    from search.indexer import IndexReport

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    sources, stream, report = fake_sources(tmp_path, 4), Terminal(), IndexReport()
    with IndexProgress(sources, stream) as progress:
        for path in sources:
            report.added["comment"] += 1
            progress(path, report)
    drawn = stream.getvalue()
    assert "Indexing  [####" in drawn and "100%" in drawn and "4/4 files, 4 documents" in drawn


@pytest.fixture
def troubled_archive(tmp_path):
    """Five empty files (each fails) and two in cp1252 (each read, with a warning)."""
    folder = tmp_path / "troubled"
    folder.mkdir()
    for number in range(5):
        (folder / f"empty-{number}.txt").write_text("")
    for number in range(2):
        text = (f"Über den Staat {number}\n\nSubmitted by Jürgen on 1 May, 1998 - 10:00\n\n"
                f"Der Staat und die Revolution {number}.\n")
        (folder / f"latin-{number}.txt").write_bytes(text.encode("cp1252"))
    return folder


def test_index_ends_with_problems_grouped_by_kind_and_a_few_examples(run, troubled_archive):
    result = run("index", str(troubled_archive))
    assert result.exit_code == 1
    output = result.output
    assert "2 warnings by kind (every one: --verbose, or --report FILE):\n  encoding: 2\n" in output
    assert "5 failed files by kind" in output and "  empty file: 5\n" in output
    assert output.count("empty-") == 3 and "    … and 2 more\n" in output
    assert "added: 2 articles, 0 comments" in output


def test_verbose_lists_every_problem(run, troubled_archive):
    output = run("index", str(troubled_archive), "--verbose").output
    assert output.count("failed: [empty file] ") == 5
    assert "… and" not in output


def test_report_file_holds_the_summary_and_every_problem(run, troubled_archive, tmp_path):
    report_path = tmp_path / "report.json"
    assert run("index", str(troubled_archive), "--report", str(report_path)).exit_code == 1
    report = json.loads(report_path.read_text())
    assert report["files"] == {"found": 7, "read": 2, "unchanged": 0, "failed": 5, "not_essays": 0,
                               "skipped_by_suffix": {}}
    assert report["added"] == {"article": 2, "comment": 0}
    assert report["problems_by_kind"] == {"empty file": 5, "encoding": 2}
    assert len(report["failed"]) == 5 and report["failed"][0]["kind"] == "empty file"
    assert report["warnings"][0]["path"].endswith("latin-0.txt") and report["warnings"][0]["line"] == 1


def test_an_undated_document_says_no_date(run, write_archive):
    archive = write_archive("undated.jsonl", [{"title": "Undated thoughts", "author": "Ann Onymous",
                                               "body": "An essay on the commune with no date at all."}])
    assert run("index", str(archive)).exit_code == 0
    (hit,) = hits_json(run("search", "commune", "--json"))
    assert hit["date"] is None
    assert "Ann Onymous · no date · " in run("search", "commune").output
    assert "by Ann Onymous · no date · " in run("show", hit["id"]).output


def test_a_time_with_an_offset_is_shown_with_it(run, write_archive):
    archive = write_archive("zoned.jsonl", [{"title": "Zoned", "author": "Ann", "date": "2011-10-19T10:25:00+01:00",
                                             "body": "A body written in another time zone."}])
    assert run("index", str(archive)).exit_code == 0
    assert "Ann · 2011-10-19 10:25+01:00 · " in run("search", "zone").output


def test_files_no_reader_takes_and_folder_documents_are_counted(run, seed_dir):
    for name in ("scan.pdf", "scan2.pdf", "notes.docx", "README", "SOURCE.md"):
        (seed_dir / name).write_text("not an essay")
    output = run("index", str(seed_dir)).output
    assert ("not indexed: 2 .pdf files, 1 .docx file (no reader takes them), "
            "2 SOURCE.md, README or LICENSE files (about the archive)") in output


def test_year_none_finds_the_undated(run, write_archive):
    archive = write_archive("mixed.jsonl", [article("Dated", "Ann", "2011-05-01", "On the commune."),
                                            {"title": "Undated", "author": "Bob", "body": "On the commune too."}])
    assert run("index", str(archive)).exit_code == 0
    assert [hit["title"] for hit in hits_json(run("search", "commune", "--year", "none", "--json"))] == ["Undated"]
    assert [hit["title"] for hit in hits_json(run("search", "commune", "--year", "2011", "--json"))] == ["Dated"]
    bad = run("search", "commune", "--year", "soon")
    assert bad.exit_code == 2 and "'soon' is neither a year (YYYY) nor 'none'" in bad.output


def test_strict_failure_still_writes_the_report(run, troubled_archive, tmp_path):
    report_path = tmp_path / "strict.json"
    result = run("index", str(troubled_archive), "--strict", "--report", str(report_path))
    assert result.exit_code == 1 and "--strict: " in result.output
    report = json.loads(report_path.read_text())
    assert report["strict"] is True and report["problems_by_kind"]["empty file"] == 5
