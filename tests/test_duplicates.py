"""Duplicate articles found by their text never cost a thread its replies (issue 9, review defect 1)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from search.indexer import index_paths
from search.inspect import check
from search.results import search
from search.store import IndexHandle

CROSS_POSTED = Path(__file__).parent / "fixtures" / "iac-cross-posted" / "cross-posted.jsonl"


def hit_count(index_dir: Path, text: str) -> int:
    return search(IndexHandle(index_dir).searcher(), text, pagelen=1000, facets=False, suggestions=False).total


def duplicates(report) -> list[str]:
    return [problem.reason for problem in report.problems if problem.kind == "duplicate"]


def test_a_post_cross_posted_to_four_forums_keeps_every_thread_and_reply(tmp_path: Path) -> None:
    """Four threads at four addresses with one opening post: four articles, all eight replies found."""
    report = index_paths(tmp_path / "index", [CROSS_POSTED])
    assert duplicates(report) == []
    assert report.added == Counter(article=4, comment=8)
    assert hit_count(tmp_path / "index", "AAAAK") == 1
    assert hit_count(tmp_path / "index", '"totally uncool"') == 1
    assert check(tmp_path / "index") == []


def test_cross_posts_in_files_indexed_one_after_another_are_all_kept(tmp_path: Path) -> None:
    """The same rule holds against what an earlier run left in the index."""
    lines = CROSS_POSTED.read_text(encoding="utf-8").splitlines()
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "crime.jsonl").write_text(lines[0] + "\n", encoding="utf-8")
    index_paths(tmp_path / "index", [archive])
    (archive / "tax.jsonl").write_text(lines[3] + "\n", encoding="utf-8")
    report = index_paths(tmp_path / "index", [archive])
    assert duplicates(report) == []
    assert hit_count(tmp_path / "index", '"totally uncool"') == 1


def test_the_same_thread_at_the_same_address_is_still_a_duplicate_named_by_its_address(tmp_path: Path) -> None:
    line = CROSS_POSTED.read_text(encoding="utf-8").splitlines()[3]
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "tax.jsonl").write_text(line + "\n", encoding="utf-8")
    (archive / "tax-again.jsonl").write_text(line + "\n", encoding="utf-8")
    report = index_paths(tmp_path / "index", [archive])
    (reason,) = duplicates(report)
    assert "tax-debates/355-site-about-meditation" in reason
    assert report.added == Counter(article=1, comment=1)


def test_a_duplicate_line_of_a_json_lines_file_is_named_by_its_line(tmp_path: Path) -> None:
    line = CROSS_POSTED.read_text(encoding="utf-8").splitlines()[3]
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "tax.jsonl").write_text(f"{line}\n\n{line}\n", encoding="utf-8")
    report = index_paths(tmp_path / "index", [archive])
    (duplicate,) = [problem for problem in report.problems if problem.kind == "duplicate"]
    assert duplicate.line == 3
    assert str(duplicate).startswith(f"{archive / 'tax.jsonl'}:3: duplicate article")
    assert "earlier in this file (line 1, " in duplicate.reason


def test_a_copy_without_an_address_is_still_found_by_its_text(tmp_path: Path) -> None:
    """A saved page or an export without the address is the same article as the addressed copy."""
    record = json.loads(CROSS_POSTED.read_text(encoding="utf-8").splitlines()[3])
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "a.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    del record["url"]
    (archive / "b.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    report = index_paths(tmp_path / "index", [archive])
    assert len(duplicates(report)) == 1
    assert report.added["article"] == 1
