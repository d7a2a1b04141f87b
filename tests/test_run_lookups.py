"""A run into an empty index answers its duplicate, id and thread look-ups from what it wrote itself, without
searching the index: the same archive gives the same documents, threads and reports however it is committed
(one batch, a batch per file, two runs, a rebuild, or into an index that already held something)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from search.documents import Document
from search.indexer import index_paths
from search.inspect import check
from search.joining import ThreadJoiner
from search.store import open_index
from tests.conftest import article

FIXTURES = Path(__file__).parent / "fixtures"

STRIKE = article("The general strike", "Rosa Luxemburg", "1906-05-01", "On the mass strike and the unions. " * 5, [
    {"author": "Karl Kautsky", "date": "1906-05-02", "body": "A patient attrition strategy instead."},
])
SAME_TITLE = article("The general strike", "Rosa Luxemburg", "1906-05-01", "Another text under the same heading.")
MARKUP = article("Markup: HTML Tags and Formatting", "Theme Buster", "2013-01-11",
                 "Headings, blockquotes, tables and lists: the markup a theme must style.",
                 url="https://wpthemetestdata.wordpress.com/2013/01/11/markup-html-tags-and-formatting/")


@pytest.fixture
def archive(tmp_path: Path, write_archive: Callable[[str, list[dict]], Path]) -> Path:
    """Threads joined by link across files (WordPress + Disqus, a posts feed + its comment feed, a JSON Lines
    article + Disqus), a post cross-posted to four forums, one article in two files, two articles sharing an id."""
    write_archive("a-strike.jsonl", [STRIKE])
    write_archive("b-strike-again.jsonl", [STRIKE, SAME_TITLE])
    write_archive("c-markup.jsonl", [MARKUP])
    folder = tmp_path / "archive"
    shutil.copy(FIXTURES / "wordpress" / "theme-unit-test-excerpt.xml", folder / "d-wordpress.xml")
    shutil.copy(FIXTURES / "disqus" / "wpthemetestdata-disqus.xml", folder / "e-comments.xml")
    shutil.copy(FIXTURES / "feeds" / "dieworkwear.rss", folder / "f-posts.rss")
    shutil.copy(FIXTURES / "feeds" / "dieworkwear-comments.atom", folder / "g-comments.atom")
    shutil.copy(FIXTURES / "iac-cross-posted" / "cross-posted.jsonl", folder / "h-cross-posted.jsonl")
    return folder


def documents(index_dir: Path, archive: Path) -> list[tuple]:
    """Every stored article and comment of the archive, all fields, comparable between two indexes."""
    assert check(index_dir) == []
    with open_index(index_dir).searcher() as searcher:
        return sorted(tuple(sorted((key, repr(value)) for key, value in fields.items()))
                      for fields in searcher.all_stored_fields()
                      if fields["kind"] != "source" and fields["source"].startswith(str(archive)))


def problems(report) -> list[str]:
    return [str(problem) for problem in report.problems]


def test_the_same_archive_gives_the_same_documents_however_it_is_committed(tmp_path: Path, archive: Path) -> None:
    one_batch = index_paths(tmp_path / "one-batch", [archive])
    assert one_batch.commits == 1
    assert any("duplicate article 'The general strike'" in problem for problem in problems(one_batch))
    expected = documents(tmp_path / "one-batch", archive)
    assert sum(("kind", "'comment'") in fields for fields in expected) > 10

    batch_per_file = index_paths(tmp_path / "batch-per-file", [archive], batch_docs=1)
    assert batch_per_file.commits > 5
    assert problems(batch_per_file) == problems(one_batch)
    assert documents(tmp_path / "batch-per-file", archive) == expected

    first_half = sorted(archive.iterdir())[:4]  # the JSON Lines files and the WordPress posts, then all
    index_paths(tmp_path / "two-runs", first_half, batch_docs=1)
    index_paths(tmp_path / "two-runs", [archive], batch_docs=1)
    assert documents(tmp_path / "two-runs", archive) == expected

    other = tmp_path / "other"  # an index that held something at the start searches it
    other.mkdir()
    (other / "other.jsonl").write_text('{"title": "Elsewhere", "author": "Anon", "date": "2001-01-01", '
                                       '"body": "Nothing to do with the archive."}\n', encoding="utf-8")
    index_paths(tmp_path / "not-empty", [other])
    not_empty = index_paths(tmp_path / "not-empty", [archive], batch_docs=1)
    assert problems(not_empty) == problems(one_batch)
    assert documents(tmp_path / "not-empty", archive) == expected

    rebuilt = index_paths(tmp_path / "not-empty", [archive], rebuild=True)
    assert problems(rebuilt) == problems(one_batch)
    assert documents(tmp_path / "not-empty", archive) == expected


def test_another_writer_between_commits_is_searched_from_then_on(tmp_path: Path,
                                                                  write_archive: Callable[[str, list[dict]], Path]
                                                                  ) -> None:
    """The lock is free between a run's commits: what another process wrote then is found as duplicates."""
    write_archive("a-first.jsonl", [SAME_TITLE])
    (tmp_path / "archive" / "b-broken.jsonl").write_text("{not json\n", encoding="utf-8")
    write_archive("c-third.jsonl", [MARKUP])
    write_archive("d-copy.jsonl", [STRIKE])
    other = tmp_path / "other"
    other.mkdir()
    (other / "strike.jsonl").write_text((tmp_path / "archive" / "d-copy.jsonl").read_text(), encoding="utf-8")
    index_dir = tmp_path / "index"

    def other_writer(path: Path, report) -> None:
        if path.name == "b-broken.jsonl":  # the run holds no lock here: its first file is committed
            index_paths(index_dir, [other])

    report = index_paths(index_dir, [tmp_path / "archive"], batch_docs=1, progress=other_writer)
    (duplicate,) = [problem for problem in report.problems if problem.kind == "duplicate"]
    assert duplicate.path.name == "d-copy.jsonl" and "other/strike.jsonl" in duplicate.reason
    assert check(index_dir) == []


def test_a_thread_joins_the_article_at_its_address_after_a_dropped_copy_there_however_it_is_committed(
        tmp_path: Path, write_archive: Callable[[str, list[dict]], Path]) -> None:
    """A copy dropped as a duplicate (its text is indexed without an address) leaves its address to the next article
    there, which the Disqus thread of that address joins: in one batch as in a batch per file."""
    text = "Headings, blockquotes, tables and lists: the markup a theme must style, one element after another."
    write_archive("a-saved.jsonl", [article("Saved copy", "Theme Buster", "2013-01-11", text)])
    write_archive("b-copy.jsonl", [{**MARKUP, "title": "Copy at the address", "body": text}])
    write_archive("c-markup.jsonl", [MARKUP])
    shutil.copy(FIXTURES / "disqus" / "wpthemetestdata-disqus.xml", tmp_path / "archive" / "d-comments.xml")
    joined = {}
    for name, batch_docs in (("one-batch", 20_000), ("batch-per-file", 1)):
        report = index_paths(tmp_path / name, [tmp_path / "archive"], batch_docs=batch_docs)
        assert [problem.path.name for problem in report.problems if problem.kind == "duplicate"] == ["b-copy.jsonl"]
        with open_index(tmp_path / name).searcher() as searcher:
            (markup,) = [fields for fields in searcher.all_stored_fields() if fields.get("url") == MARKUP["url"]
                         and fields["kind"] == "article"]
            assert markup["source"].endswith("c-markup.jsonl")
            joined[name] = sorted(comment["author"] for comment in searcher.documents(article_id=markup["id"])
                                  if comment["kind"] == "comment")
    assert joined["one-batch"] == joined["batch-per-file"] != []


def test_a_thread_joins_the_article_at_its_address_when_that_article_took_a_suffixed_id(
        tmp_path: Path, write_archive: Callable[[str, list[dict]], Path]) -> None:
    """Two articles share an id (same title, author and date) at two addresses: the later one gets ``-2``, and the
    Disqus thread of its address joins it under that id, not the first article."""
    elsewhere = {**MARKUP, "url": "https://elsewhere.example/markup", "body": "Another text under the same title."}
    write_archive("a-elsewhere.jsonl", [elsewhere])
    write_archive("c-markup.jsonl", [MARKUP])
    shutil.copy(FIXTURES / "disqus" / "wpthemetestdata-disqus.xml", tmp_path / "archive" / "d-comments.xml")
    for name, batch_docs in (("one-batch", 20_000), ("batch-per-file", 1)):
        index_paths(tmp_path / name, [tmp_path / "archive"], batch_docs=batch_docs)
        with open_index(tmp_path / name).searcher() as searcher:
            articles = {fields["url"]: fields["id"] for fields in searcher.all_stored_fields()
                        if fields["kind"] == "article"}
            first, second = articles[elsewhere["url"]], articles[MARKUP["url"]]
            assert second == f"{first}-2"
            markup_thread = {comment["article_id"] for comment in searcher.all_stored_fields()
                             if comment["kind"] == "comment" and comment.get("url", "").startswith(MARKUP["url"])}
            assert markup_thread == {second}, name
        assert check(tmp_path / name) == []


def test_a_stand_in_by_id_joins_the_article_that_holds_the_id_not_a_later_one_renamed() -> None:
    """A later source's article with the same id is written as ``-2``: a stand-in thread with that id still joins
    the first article, with its title and link."""
    run = SimpleNamespace(claimed={}, own_only=True, report=SimpleNamespace(problems=[]))
    joiner = ThreadJoiner(run)

    def document(doc_id: str, kind: str, source: str, url: str, body: str = "", author: str = "",
                 article_id: str = "x") -> Document:
        return Document(doc_id, kind, "Title", author, None, body, article_id, source, url=url)

    first = document("x", "article", "a", "https://a.example/x", "Text.", "Ann")
    assert joiner.join("a", [first]) == ([], [first])
    run.claimed["x"] = "a"
    joiner.kept(first, "a")
    later = document("x", "article", "c", "https://c.example/x", "Other text.", "Cy")
    joiner.join("c", [later])
    renamed = replace(later, id="x-2", article_id="x-2")
    run.claimed["x-2"] = "c"
    joiner.kept(renamed, "c")

    stand_in = document("x", "article", "d", "")
    comment = document("x.c1", "comment", "d", "", "A reply.", "Di")
    joined, rest = joiner.join("d", [stand_in, comment])
    assert rest == [] and [(moved.id, moved.article_id, moved.url) for moved in joined] == [
        ("x.c1", "x", "https://a.example/x")]
