"""Incremental indexing: adding, changing, removing and pruning files, locking, rebuilding and refreshing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index

from search import codec
from search.cli import main
from search.documents import article_id
from search.indexer import HOLDER_FILE, IndexLocked, index_paths, locked_writer, remove
from search.inspect import check
from search.readers.dates import parse_date
from search.results import search
from search.schema import SOURCE_KIND
from search.store import IndexHandle, open_index
from tests.conftest import article

WriteArchive = Callable[[str, list[dict]], Path]

STRIKE = article("The general strike", "Rosa Luxemburg", "1906-05-01", "On the mass strike and the unions.", [
    {"author": "Karl Kautsky", "date": "1906-05-02", "body": "A patient attrition strategy instead."},
    {"author": "Anton Pannekoek", "date": "1906-05-03", "body": "Attrition is no answer.", "in_reply_to": 0},
])
STRIKE_ID = article_id("The general strike", "Rosa Luxemburg", parse_date("1906-05-01"))
REFORM = article("Reform or revolution", "Rosa Luxemburg", "1899-04-01", "Against Bernstein and gradualism.")
STATE = article("The state and revolution", "Vladimir Lenin", "1917-08-01", "On the withering away of the state.",
                [{"author": "Julius Martov", "date": "1917-09-01", "body": "A critique of the dictatorship."}])


def hit_ids(index_dir: Path, text: str) -> set[str]:
    """Ids of every hit for ``text``, as the CLI and the web page would find them."""
    page = search(IndexHandle(index_dir).searcher(), text, pagelen=1000, facets=False, suggestions=False)
    return {hit.id for hit in page.hits}


def stored(index_dir: Path, doc_id: str) -> dict | None:
    with open_index(index_dir).searcher() as searcher:
        return searcher.document(id=doc_id)


def contents(index_dir: Path) -> list[tuple]:
    """Every stored document and source record, comparable between two indexes."""
    with open_index(index_dir).searcher() as searcher:
        return sorted(tuple(sorted((key, repr(value)) for key, value in fields.items()))
                      for _, fields in searcher.iter_docs())


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def archive(tmp_path: Path, write_archive: WriteArchive) -> Path:
    """Two files: the strike article with two comments, and two articles by Luxemburg and Lenin."""
    write_archive("strike.jsonl", [STRIKE])
    write_archive("classics.jsonl", [REFORM, STATE])
    return tmp_path / "archive"


@pytest.fixture
def indexed(index_dir: Path, archive: Path) -> Path:
    index_paths(index_dir, [archive])
    return index_dir


def test_new_files_are_added_and_found(index_dir: Path, archive: Path) -> None:
    report = index_paths(index_dir, [archive])
    assert (report.files_seen, report.files_read) == (2, 2)
    assert report.added == Counter(article=3, comment=3)
    assert STRIKE_ID in hit_ids(index_dir, "mass strike")
    assert len(hit_ids(index_dir, "attrition")) == 2
    assert check(index_dir) == []


def test_rerun_skips_unchanged_files_without_reading_them(indexed: Path, archive: Path) -> None:
    report = index_paths(indexed, [archive])
    assert (report.files_unchanged, report.files_read, report.commits) == (2, 0, 0)
    assert report.unchanged == Counter(article=3, comment=3)
    assert not report.added and not report.updated and not report.removed


def test_touched_file_with_same_content_is_unchanged(indexed: Path, archive: Path) -> None:
    path = archive / "strike.jsonl"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    report = index_paths(indexed, [archive])
    assert (report.files_unchanged, report.files_read) == (2, 0)
    assert index_paths(indexed, [archive]).commits == 0  # the new mtime was recorded
    assert check(indexed) == []


def test_changed_file_replaces_exactly_its_documents(indexed: Path, write_archive: WriteArchive) -> None:
    kautsky = STRIKE["comments"][0]
    luxemburg = {"author": "Rosa Luxemburg", "date": "1906-05-04", "body": "The masses learn in struggle."}
    write_archive("strike.jsonl", [{**STRIKE, "comments": [kautsky, luxemburg]},
                                   article("Mass strike, party and unions", "Rosa Luxemburg", "1906-09-01",
                                           "The Russian revolution of 1905.")])
    report = index_paths(indexed, [indexed.parent / "archive"])
    assert (report.files_read, report.files_unchanged) == (1, 1)
    assert report.added == Counter(article=1, comment=1)
    assert report.updated == Counter(article=1, comment=1)
    assert report.removed == Counter(comment=1)
    assert len(hit_ids(indexed, "masses learn struggle")) == 1
    assert hit_ids(indexed, "answer") == set()
    assert len(hit_ids(indexed, "patient attrition")) == 1
    assert len(hit_ids(indexed, "russian revolution 1905")) == 1
    assert hit_ids(indexed, "withering") != set()  # the other file is untouched
    assert check(indexed) == []


def test_remove_article_by_id_takes_its_comments(indexed: Path) -> None:
    assert remove(indexed, STRIKE_ID) == Counter(article=1, comment=2)
    assert hit_ids(indexed, "strike OR attrition") == set()
    assert check(indexed) == []
    assert index_paths(indexed, [indexed.parent / "archive"]).files_unchanged == 2


def test_remove_comment_moves_its_replies_up(indexed: Path) -> None:
    (kautsky,) = [hit for hit in hit_ids(indexed, "patient attrition") if hit != STRIKE_ID]
    (pannekoek,) = hit_ids(indexed, "no answer")
    assert stored(indexed, pannekoek)["parent_id"] == kautsky
    assert remove(indexed, kautsky) == Counter(comment=1)
    assert hit_ids(indexed, "patient") == set()
    assert hit_ids(indexed, "no answer") == {pannekoek}
    assert stored(indexed, pannekoek).get("parent_id") is None
    assert check(indexed) == []


def test_remove_by_path_takes_the_whole_file(indexed: Path, archive: Path) -> None:
    assert remove(indexed, str(archive / "classics.jsonl")) == Counter(article=2, comment=1)
    assert hit_ids(indexed, "revolution") == set()
    assert STRIKE_ID in hit_ids(indexed, "strike")
    assert check(indexed) == []


def test_prune_removes_documents_of_deleted_files(indexed: Path, archive: Path) -> None:
    (archive / "classics.jsonl").unlink()
    assert index_paths(indexed, [archive]).removed == Counter()
    assert any("classics.jsonl: the source file is gone" in problem for problem in check(indexed))
    report = index_paths(indexed, [archive], prune=True)
    assert report.removed == Counter(article=2, comment=1)
    assert hit_ids(indexed, "revolution") == set()
    assert STRIKE_ID in hit_ids(indexed, "strike")
    assert check(indexed) == []


def test_bad_file_is_named_and_the_rest_indexed(index_dir: Path, archive: Path) -> None:
    (archive / "broken.jsonl").write_text("{not json\n[1, 2]\n", encoding="utf-8")
    report = index_paths(index_dir, [archive])
    assert [problem.path.name for problem in report.failed] == ["broken.jsonl"]
    assert "no usable record" in str(report.failed[0])
    assert report.added == Counter(article=3, comment=3)
    assert check(index_dir) == []


def test_duplicate_article_in_two_files_is_reported_and_kept_once(index_dir: Path, archive: Path,
                                                                    write_archive: WriteArchive) -> None:
    write_archive("zeitung.jsonl", [STRIKE, article("Only here", "Anon", "2001-01-01", "A unique pamphlet.")])
    report = index_paths(index_dir, [archive])
    (duplicate,) = [problem for problem in report.problems if problem.kind == "duplicate"]
    assert duplicate.path.name == "zeitung.jsonl" and "strike.jsonl" in duplicate.reason
    assert "'The general strike'" in duplicate.reason
    assert stored(index_dir, STRIKE_ID)["source"].endswith("strike.jsonl")
    assert len(hit_ids(index_dir, "attrition")) == 2
    assert len(hit_ids(index_dir, "unique pamphlet")) == 1
    assert check(index_dir) == []


def _hold_lock_in_child(index_dir: Path, then: str) -> subprocess.Popen:
    """A process that takes the write lock, says so, then sleeps (``then='sleep'``) or kills itself."""
    code = ("import os, signal, sys, time\n"
            "from search.indexer import locked_writer\n"
            "from search.store import open_index\n"
            "with locked_writer(open_index(sys.argv[1], create=True), timeout=5):\n"
            "    print('locked', flush=True)\n"
            "    if sys.argv[2] == 'die':\n"
            "        os.kill(os.getpid(), signal.SIGKILL)\n"
            "    time.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", code, str(index_dir), then], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "locked\n"
    return child


@pytest.mark.slow
def test_second_writer_gives_up_naming_the_holder(indexed: Path, archive: Path) -> None:
    holder = _hold_lock_in_child(indexed, "sleep")
    try:
        with pytest.raises(IndexLocked, match=rf"being written by process {holder.pid} on .*gave up after waiting"):
            remove(indexed, STRIKE_ID, lock_timeout=0.3)
        result = CliRunner().invoke(main, ["index", str(archive), "--index", str(indexed), "--rebuild",
                                           "--wait", "0.3"])
        assert result.exit_code == 1
        assert f"being written by process {holder.pid}" in result.output
        assert "Traceback" not in result.output
    finally:
        holder.kill()
        holder.wait()
    assert remove(indexed, STRIKE_ID) == Counter(article=1, comment=2)


def test_second_writer_in_the_same_process_is_refused_by_name(indexed: Path, archive: Path,
                                                             write_archive: WriteArchive) -> None:
    write_archive("later.jsonl", [article("Later", "Anon", "2002-02-02", "Written while locked.")])
    with locked_writer(open_index(indexed), timeout=1):
        with pytest.raises(IndexLocked, match=rf"process {os.getpid()} on "):
            index_paths(indexed, [archive], lock_timeout=0.2)
    assert not (indexed / HOLDER_FILE).exists()
    assert index_paths(indexed, [archive]).added == Counter(article=1)


@pytest.mark.slow
def test_lock_of_a_killed_writer_is_cleared(indexed: Path, archive: Path, write_archive: WriteArchive) -> None:
    holder = _hold_lock_in_child(indexed, "die")
    assert holder.wait() == -signal.SIGKILL
    assert json.loads((indexed / HOLDER_FILE).read_text())["pid"] == holder.pid
    write_archive("later.jsonl", [article("Later", "Anon", "2002-02-02", "Written after the crash.")])
    report = index_paths(indexed, [archive], lock_timeout=1)
    assert report.stale_lock_cleared is not None and f"process {holder.pid}" in report.stale_lock_cleared
    assert report.added == Counter(article=1)
    assert not (indexed / HOLDER_FILE).exists()
    assert check(indexed) == []


def test_rebuild_equals_incremental(indexed: Path, archive: Path, write_archive: WriteArchive) -> None:
    write_archive("strike.jsonl", [{**STRIKE, "comments": STRIKE["comments"][:1]}])
    write_archive("new.jsonl", [article("New", "Anon", "2003-03-03", "Fresh.")])
    (archive / "classics.jsonl").unlink()
    index_paths(indexed, [archive], prune=True)
    incremental = contents(indexed)
    report = index_paths(indexed, [archive], rebuild=True, batch_docs=1)
    assert report.commits == 1  # one swap, however small the batches
    assert report.added == Counter(article=2, comment=1)
    assert contents(indexed) == incremental
    assert check(indexed) == []


def test_interrupted_rebuild_keeps_the_old_index(indexed: Path, archive: Path, write_archive: WriteArchive) -> None:
    before = contents(indexed)
    write_archive("strike.jsonl", [article("Replaced", "Anon", "2004-04-04", "Half-built.")])
    report = index_paths(indexed, [archive], rebuild=True,
                         progress=lambda _path, _report: os.kill(os.getpid(), signal.SIGINT))
    assert report.interrupted and report.commits == 0
    assert contents(indexed) == before
    assert STRIKE_ID in hit_ids(indexed, "strike")


def test_interrupt_stops_after_the_batch_and_a_rerun_finishes(index_dir: Path, write_archive: WriteArchive) -> None:
    for number in range(4):
        write_archive(f"part{number}.jsonl", [article(f"Part {number}", "Anon", f"200{number}-01-01", "Pamphlet.")])
    first = index_paths(index_dir, [index_dir.parent / "archive"], batch_docs=1,
                        progress=lambda path, _report: path.name == "part1.jsonl"
                        and os.kill(os.getpid(), signal.SIGINT))
    assert first.interrupted
    assert first.added == Counter(article=2) and first.commits == 2
    assert len(hit_ids(index_dir, "pamphlet")) == 2
    assert check(index_dir) == []
    second = index_paths(index_dir, [index_dir.parent / "archive"])
    assert (second.files_unchanged, second.added) == (2, Counter(article=2))
    assert len(hit_ids(index_dir, "pamphlet")) == 4


def test_index_handle_follows_commits_and_keeps_its_searcher_otherwise(indexed: Path, archive: Path,
                                                                       write_archive: WriteArchive) -> None:
    handle = IndexHandle(indexed)
    first = handle.searcher()
    assert handle.searcher() is first
    assert index_paths(indexed, [archive]).commits == 0
    assert handle.searcher() is first
    write_archive("later.jsonl", [article("Later", "Anon", "2002-02-02", "A postscript.")])
    index_paths(indexed, [archive])
    refreshed = handle.searcher()
    assert refreshed is not first
    assert len(search(refreshed, "postscript", facets=False).hits) == 1
    assert handle.searcher() is refreshed


def test_cli_index_remove_and_check(index_dir: Path, archive: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(main, ["index", str(archive), "--index", str(index_dir)])
    assert added.exit_code == 0, added.output
    assert "added: 3 articles, 3 comments" in added.output
    again = runner.invoke(main, ["index", str(archive), "--index", str(index_dir)])
    assert "files: 2 found, 0 read, 2 unchanged, 0 failed" in again.output
    assert runner.invoke(main, ["check", "--index", str(index_dir)]).exit_code == 0
    removed = runner.invoke(main, ["remove", STRIKE_ID, "--index", str(index_dir)])
    assert removed.exit_code == 0 and "removed: 1 article, 2 comments" in removed.output
    missing = runner.invoke(main, ["remove", STRIKE_ID, "--index", str(index_dir)])
    assert missing.exit_code == 1 and f"nothing in the index has the id or source file {STRIKE_ID!r}" in missing.output


def test_cli_index_fails_for_a_bad_file_but_indexes_the_rest(index_dir: Path, archive: Path) -> None:
    (archive / "empty.jsonl").write_text("\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["index", str(archive), "--index", str(index_dir)])
    assert result.exit_code == 1
    assert f"failed: {archive / 'empty.jsonl'}: file is empty" in result.output
    assert "added: 3 articles, 3 comments" in result.output


def test_cli_check_names_a_comment_whose_article_was_deleted(indexed: Path) -> None:
    writer = whoosh_index.open_dir(str(indexed)).writer()
    writer.delete_by_term("id", STRIKE_ID)
    writer.commit()
    result = CliRunner().invoke(main, ["check", "--index", str(indexed)])
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line.startswith("problem: ")]
    assert sum(f"its article {STRIKE_ID!r} is not in the index" in line for line in problems) == 2
    assert any("strike.jsonl: the index holds 0 articles of it, its record says 1" in line for line in problems)
    assert f"{len(problems)} problems in the index at {indexed}" in result.output


def test_check_names_an_index_that_does_not_open(tmp_path: Path) -> None:
    (problem,) = check(tmp_path / "nowhere")
    assert "does not open" in problem


def test_source_records_are_not_search_hits(indexed: Path) -> None:
    with open_index(indexed).searcher() as searcher:
        assert searcher.doc_frequency("kind", SOURCE_KIND) == 2
    assert all(not hit.startswith(SOURCE_KIND) for hit in hit_ids(indexed, "strike OR revolution"))


def test_batches_do_not_merge_and_the_last_commit_does(tmp_path: Path, index_dir: Path,
                                                                      write_archive: WriteArchive) -> None:
    for number in range(30):
        write_archive(f"part-{number:02d}.jsonl", [article(f"Essay {number}", "Ada", "2001-01-01", f"Body {number}.")])
    report = index_paths(index_dir, [tmp_path / "archive"], batch_docs=1)
    assert report.commits == 30  # a commit a file, the last one with the merge
    assert len(IndexHandle(index_dir).searcher().reader().leaf_readers()) < 30
    assert check(index_dir) == []


def test_the_last_commit_merges_the_small_segments_and_leaves_the_big_ones(
        tmp_path: Path, index_dir: Path, write_archive: WriteArchive, monkeypatch: pytest.MonkeyPatch) -> None:
    """Big segments are as big as the writer's memory allows: rewriting them would only cost time. A small run
    merges no more documents than it wrote (or SMALL_SEGMENT_DOCS), so a one-file reindex stays quick."""
    monkeypatch.setattr(codec, "SMALL_SEGMENT_DOCS", 10)
    for number in range(3):
        write_archive(f"big-{number}.jsonl", [article(f"Essay {number}.{part}", "Ada", "2001-01-01", f"Body {part}.")
                                              for part in range(20)])
    index_paths(index_dir, [tmp_path / "archive"], batch_docs=20)
    write_archive("medium.jsonl", [article(f"Letter {part}", "Cy", "2001-02-01", "A letter.") for part in range(8)])
    index_paths(index_dir, [tmp_path / "archive"], batch_docs=20)
    kept = {segment.segment_id() for segment in open_index(index_dir)._segments() if segment.doc_count() > 5}
    assert len(kept) == 4  # three big, one medium
    for number in range(3):  # small runs, one file each
        write_archive(f"small-{number}.jsonl", [article(f"Note {number}", "Bo", "2002-01-01", f"Note {number}.")])
        index_paths(index_dir, [tmp_path / "archive"], batch_docs=20)
        segments = open_index(index_dir)._segments()
        assert kept <= {segment.segment_id() for segment in segments}  # neither rewritten
        assert len(segments) - len(kept) <= 2  # two small ones are merged at the next run's end
    assert len(hit_ids(index_dir, "note")) == 3
    assert check(index_dir) == []


# Duplicates, ids and what is not an essay (issue 9) --------------------------------------------------------------

CORPORA = Path(__file__).parent / "fixtures" / "corpora"


def test_two_different_articles_under_one_title_are_both_kept(index_dir: Path) -> None:
    """372_04_CiceroMayor.php was saved with 372_04_BloodyTexas.php's <title>: two letters, one title."""
    report = index_paths(index_dir, [CORPORA / "socialist-worker-same-title"])
    assert report.added == Counter(article=2) and report.not_essays == 1  # SOURCE.md set aside
    assert [p for p in report.problems if p.kind == "duplicate"] == []
    assert len(hit_ids(index_dir, '"Cicero mayor gets what she deserves"')) == 1
    assert len(hit_ids(index_dir, '"railroaded onto death row"')) == 1
    assert check(index_dir) == []


def test_same_article_in_two_formats_is_indexed_once_and_reported(index_dir: Path) -> None:
    """The idebate Greece debate as a JSON Lines record and as the saved page: one article, one report."""
    report = index_paths(index_dir, [CORPORA / "idebate-debatabase" / "greece"])
    (duplicate,) = [problem for problem in report.problems if problem.kind == "duplicate"]
    assert duplicate.path.name == "greece-debate.jsonl" and "greece-debate.html" in duplicate.reason
    assert report.added["article"] == 1
    assert len(hit_ids(index_dir, 'title:drachma kind:article')) == 1


def test_records_with_one_placeholder_author_and_date_are_all_indexed(index_dir: Path,
                                                                      write_archive: WriteArchive) -> None:
    arguments = [article("", "unknown", "2000-01-01", f"Argument {number}: schools should start at {number}.")
                 for number in range(30)]
    arguments.append(article("", "unknown", "2000-01-01", "Argument 3: schools should start at 3."))  # a real repeat
    write_archive("args.jsonl", arguments)
    report = index_paths(index_dir, [index_dir.parent / "archive"])
    assert report.added["article"] == 30
    assert [p.kind for p in report.problems] == ["duplicate"]
    assert len(hit_ids(index_dir, "schools")) == 30


def test_same_title_author_and_date_in_two_files_keeps_both_with_their_own_ids(
        index_dir: Path, write_archive: WriteArchive) -> None:
    write_archive("a.jsonl", [article("Minutes", "Secretary", "2001-01-01", "The branch met and voted to strike.")])
    write_archive("b.jsonl", [article("Minutes", "Secretary", "2001-01-01", "The branch met and voted to wait.")])
    report = index_paths(index_dir, [index_dir.parent / "archive"])
    assert report.added["article"] == 2 and report.problems == []
    strike, wait = sorted(hit_ids(index_dir, "strike OR wait"))
    assert wait == f"{strike}-2"
    again = index_paths(index_dir, [index_dir.parent / "archive"], rebuild=True)
    assert again.added["article"] == 2 and sorted(hit_ids(index_dir, "strike OR wait")) == [strike, wait]


def test_documentation_and_unknown_files_are_counted_not_indexed(index_dir: Path, archive: Path) -> None:
    for name in ("SOURCE.md", "README", "README.md", "LICENSE", "COPYING.txt"):
        (archive / name).write_text("# Not an essay\n\nAbout this corpus.\n")
    (archive / "export.xls").write_bytes(b"\xd0\xcf")
    (archive / "notes.csv2").write_text("a,b\n")
    (archive / "photo.xls").write_bytes(b"\xd0\xcf")
    report = index_paths(index_dir, [archive])
    assert report.not_essays == 5 and report.skipped == Counter({".xls": 2, ".csv2": 1})
    assert report.files_seen == 2 and hit_ids(index_dir, "corpus") == set()


def test_a_file_name_that_is_not_utf8_does_not_stop_the_run(index_dir: Path, archive: Path) -> None:
    odd = os.fsdecode(b"caf\xe9-essay.jsonl")
    (archive / odd).write_text(json.dumps(article("Odd name", "Anon", "2001-01-01", "Found by its body.")) + "\n")
    result = CliRunner().invoke(main, ["index", str(archive), "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert len(hit_ids(index_dir, "found body")) == 1
    assert any(source.endswith("caf\\xe9-essay.jsonl") for source in _sources(index_dir))
    assert check(index_dir) == []


def _sources(index_dir: Path) -> set[str]:
    with open_index(index_dir).searcher() as searcher:
        return {fields["source"] for fields in searcher.documents(kind=SOURCE_KIND)}


def test_an_unreadable_folder_is_reported(index_dir: Path, archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = archive / "private"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path: object = "."):
        if Path(os.fsdecode(path)) == locked:
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = index_paths(index_dir, [archive])
    assert [(p.path, p.kind, p.reason) for p in report.failed] == [
        (locked, "unreadable", "cannot read folder: Permission denied")]
    assert report.files_read == 2


def test_progress_gets_the_report_so_far(index_dir: Path, archive: Path) -> None:
    seen: list[tuple[str, int]] = []
    index_paths(index_dir, [archive], progress=lambda path, report: seen.append(
        (path.name, sum(report.added.values()))))
    assert seen == [("classics.jsonl", 3), ("strike.jsonl", 6)]


def test_a_big_file_is_committed_in_batches(index_dir: Path, write_archive: WriteArchive) -> None:
    from tests.conftest import many_articles

    write_archive("big.jsonl", many_articles(40))  # 120 documents
    report = index_paths(index_dir, [index_dir.parent / "archive"], batch_docs=25)
    assert report.commits >= 4 and report.added == Counter(article=40, comment=80)
    assert check(index_dir) == []
    assert index_paths(index_dir, [index_dir.parent / "archive"]).files_unchanged == 1


# Counting live documents, dates with offsets ----------------------------------------------------------------------

def test_dates_keep_their_offset_and_compare_in_utc(index_dir: Path, write_archive: WriteArchive) -> None:
    write_archive("tz.jsonl", [
        article("Late in Berlin", "A", "2012-01-01T00:30:00+01:00", "Written just after midnight in Berlin."),
        article("Naive", "B", "2012-01-01T00:30:00", "Written at half past midnight, zone unknown."),
    ])
    index_paths(index_dir, [index_dir.parent / "archive"])
    assert len(hit_ids(index_dir, "written date:2011-12-31")) == 1  # 23:30 UTC the day before
    assert len(hit_ids(index_dir, "written date:2012-01-01")) == 1
    berlin = stored(index_dir, article_id("Late in Berlin", "A", parse_date("2012-01-01T00:30:00+01:00")))
    assert berlin["date"].isoformat() == "2012-01-01T00:30:00+01:00"
    out = index_dir.parent / "export.jsonl"
    assert CliRunner().invoke(main, ["export", "--index", str(index_dir), "-o", str(out)]).exit_code == 0
    dates = sorted(json.loads(line)["date"] for line in out.read_text().splitlines())
    assert dates == ["2012-01-01T00:30:00", "2012-01-01T00:30:00+01:00"]


def test_undated_documents_are_stored_without_a_date(index_dir: Path, write_archive: WriteArchive) -> None:
    write_archive("undated.jsonl", [{"title": "Undated", "author": "A", "body": "No date on this pamphlet."}])
    index_paths(index_dir, [index_dir.parent / "archive"])
    (doc_id,) = hit_ids(index_dir, "pamphlet")
    assert "date" not in stored(index_dir, doc_id) and hit_ids(index_dir, "pamphlet date:<2100") == set()


def test_reading_in_parallel_gives_what_one_process_gives(tmp_path: Path) -> None:
    """Files are read by --procs processes but written in file order: same ids, duplicates and problems."""
    folder = tmp_path / "mixed"
    shutil.copytree(CORPORA / "socialist-worker-us", folder / "sw")
    shutil.copytree(CORPORA / "idebate-debatabase" / "greece", folder / "greece")
    shutil.copytree(CORPORA / "socialist-worker-same-title", folder / "same-title")
    serial = index_paths(tmp_path / "one", [folder], procs=1)
    parallel = index_paths(tmp_path / "two", [folder], procs=2)
    assert contents(tmp_path / "two") == contents(tmp_path / "one")
    assert [str(p) for p in parallel.problems] == [str(p) for p in serial.problems]
    assert parallel.added == serial.added and parallel.not_essays == serial.not_essays == 2


def test_pipes_and_broken_links_are_reported_not_read(index_dir: Path, archive: Path) -> None:
    """A pipe would block a reader for ever; a broken link has nothing to read: each is named, the rest indexed."""
    pipe, broken = archive / "feed.jsonl", archive / "gone.jsonl"
    os.mkfifo(pipe)
    broken.symlink_to(archive / "nowhere.jsonl")
    for paths in ([archive], [pipe, broken, *sorted(archive.glob("[cs]*.jsonl"))]):
        report = index_paths(index_dir, paths)
        assert sorted((p.path.name, p.kind, p.reason) for p in report.failed) == [
            ("feed.jsonl", "unreadable", "not a regular file (a pipe, socket or device): nothing was read from it"),
            ("gone.jsonl", "unreadable", "a broken symbolic link")]
        assert report.files_read + report.files_unchanged == 2
