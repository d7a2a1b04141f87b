"""The essays command, used as the README shows it (click's CliRunner)."""

import json

import pytest
from click.testing import CliRunner

from search.cli import main


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
    return [json.loads(line) for line in result.output.splitlines()]


def test_index_reports_what_it_did_and_a_second_run_changes_nothing(run, seed_dir):
    first = run("index", str(seed_dir))
    assert "added: 1 articles, 4 comments" in first.output
    second = run("index", str(seed_dir))
    assert second.exit_code == 0
    assert "unchanged: 1 articles, 4 comments" in second.output
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
    assert output.startswith("5 hits, page 1 of 3")
    assert "ARTICLE" in output or "COMMENT" in output
    assert "\x1b[" not in output  # no styling when piped


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
    assert "added: 1 articles, 4 comments" in result.output
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
    assert "--strict: 2 problem(s)" in strict.output
    assert run("search", "staat").exit_code == 1  # nothing was indexed: the index is still empty
    relaxed = run("index", str(folder))
    assert relaxed.exit_code == 0 and "warning:" in relaxed.output and "added: 1 articles" in relaxed.output
    (hit,) = hits_json(run("search", "author:jurgen", "--json"))
    assert hit["title"] == "Über den Staat"
