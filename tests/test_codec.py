"""The batch segment writer (search.codec): an index it writes answers as one written by Whoosh's own writer.

The archive mixes real prose from the fixture corpora (IAC forum threads, Federalist and
Anti-Federalist papers, the seed export) with generated articles, enough of them that the
common words' postings span several blocks.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index

from search import codec, indexer
from search.cli import main
from search.codec import BLOCK_LIMIT, batch_writer
from search.indexer import index_paths
from search.query import QueryLimits
from search.readers import read_file
from search.results import Filters, search
from search.schema import document_fields
from search.store import open_index
from tests.conftest import SEED, many_articles

FIXTURES = Path(__file__).parent / "fixtures" / "corpora"
UNHURRIED = QueryLimits(seconds=60)  # a page cut short by the time limit on a busy machine is not a difference
QUERIES = [
    "strike", "general strike", '"the general strike"', '"of the"', "abortion consent", "parental",
    "constitution OR faction", "strik*", "facton~1", "author:luxemburg", "author:kautsky strike",
    "date:[2002-01-01 to 2003-06-30]", "kind:comment strike", "title:essay", "serge", '"river of blood"',
    "disagree -strike", "government", "liberty", "faction",
]


def _iac_records() -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("convert_corpus", FIXTURES.parent.parent.parent / "scripts" /
                                                  "convert_corpus.py")
    converter = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(converter)
    return list(converter.iac_4forums_politics(FIXTURES / "iac-4forums-politics" / "discussions-sample.jsonl.gz"))


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("codec") / "archive"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    for name in ("federalist-10.md", "brutus-i.md", "centinel-iii.md"):
        shutil.copy(FIXTURES / "federalist-antifederalist" / name, folder / name)
    (folder / "iac.jsonl").write_text("".join(json.dumps(record) + "\n" for record in _iac_records()))
    records = many_articles(BLOCK_LIMIT + 20)  # with their comments, "strike" is in more than two blocks' worth
    for number, chunk in enumerate((records[:BLOCK_LIMIT // 2], records[BLOCK_LIMIT // 2:])):
        (folder / f"generated-{number}.jsonl").write_text("".join(json.dumps(record) + "\n" for record in chunk))
    return folder


def whoosh_writer(index: Any, procs: int = 1, **options: Any) -> Any:
    """Whoosh's own writer, with the options the indexer gives the batch writer: the old path (``add_documents``
    adds each document on its own, ``merge_segments`` reads each segment back in this process)."""
    writer = index.writer(procs=procs, multisegment=procs > 1, **options)
    writer.add_documents = lambda documents: [writer.add_document(**fields) for fields in documents]
    writer.merge_segments = lambda segments: codec.BatchSegmentWriter.merge_segments(writer, segments)
    return writer


@pytest.fixture(scope="module")
def build(archive: Path) -> Callable[..., Path]:
    """Index the archive into a fresh folder, by the batch writer or (``old=True``) by Whoosh's writer."""
    built: dict[tuple, Path] = {}

    def build_index(old: bool = False, **options: Any) -> Path:
        key = (old, *sorted(options.items()))
        if key not in built:
            index_dir = archive.parent / f"index-{len(built)}"
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(codec, "SUBWRITERS_FROM_CHARS", 0)  # even this small archive goes to sub-writers
                if old:
                    patch.setattr(indexer, "batch_writer", whoosh_writer)
                report = index_paths(index_dir, [archive], **options)
            assert not report.failed
            built[key] = index_dir
        return built[key]

    return build_index


def answers(index_dir: Path, sort: str = "relevance") -> list[tuple]:
    """Every query's page as plain values: ids, rounded scores, titles, snippets, counts and facets."""
    pages = []
    with open_index(index_dir).searcher() as searcher:
        for text in QUERIES:
            page = search(searcher, text, pagelen=50, sort=sort, facets=True, limits=UNHURRIED)
            assert not page.partial
            hits = [(hit.id, None if hit.score is None else round(hit.score, 4), hit.title, hit.snippet)
                    for hit in page.hits]
            pages.append((text, page.total, page.articles, hits, page.facets, page.suggestion))
    return pages


def postings(index_dir: Path) -> dict[tuple[str, bytes], tuple]:
    """Every term's statistics and postings, as Whoosh's reader gives them."""
    found = {}
    with open_index(index_dir).reader() as reader:
        for fieldname, term in reader.all_terms():
            info = reader.term_info(fieldname, term)
            matcher = reader.postings(fieldname, term)
            items = []
            while matcher.is_active():
                items.append((matcher.id(), matcher.weight(), matcher.value(), matcher.block_max_weight(),
                              matcher.block_min_length(), matcher.block_max_length()))
                matcher.next()
            found[fieldname, term] = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                                      info.max_weight(), info.min_id(), info.max_id(), items)
    return found


def test_terms_postings_and_statistics_are_whooshs_own(build: Callable[..., Path]) -> None:
    new, old = postings(build()), postings(build(old=True))
    assert new.keys() == old.keys()
    assert new == old
    assert max(len(items) for *_, items in new.values()) > 2 * BLOCK_LIMIT  # several blocks per term were written
    with open_index(build()).reader() as reader:
        inlined = [key for key in new if reader.term_info(*key).is_inlined()]
    assert inlined and all(len(new[key][-1]) <= codec.INLINE_POSTINGS for key in inlined)  # read back the same


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_same_hits_scores_snippets_and_sort_orders(build: Callable[..., Path], sort: str) -> None:
    assert answers(build(), sort) == answers(build(old=True), sort)


def test_filters_and_facets_agree(build: Callable[..., Path]) -> None:
    chosen = Filters(authors=("Rosa Luxemburg",), years=(2003,), kinds=("article",))
    with open_index(build()).searcher() as new, open_index(build(old=True)).searcher() as old:
        pages = [search(searcher, "strike", filters=chosen, pagelen=50, limits=UNHURRIED) for searcher in (new, old)]
    assert [hit.id for hit in pages[0].hits] == [hit.id for hit in pages[1].hits]
    assert pages[0].hits and pages[0].facets == pages[1].facets


def test_written_in_several_batches_and_merged(build: Callable[..., Path]) -> None:
    """Batch commits, then the last commit's merge of small segments (Whoosh reads them back into the writer)."""
    assert answers(build(batch_docs=60)) == answers(build(old=True, batch_docs=60))


def term_documents(index_dir: Path) -> dict[tuple[str, bytes], list[tuple]]:
    """Each term's (document id, weight, value) postings: what any split of the documents into segments keeps."""
    found = {}
    with open_index(index_dir).reader() as reader:
        ids = {docnum: fields.get("id") for docnum, fields in reader.iter_docs()}
        for fieldname, term in reader.all_terms():
            matcher, items = reader.postings(fieldname, term), []
            while matcher.is_active():
                items.append((ids[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            found[fieldname, term] = sorted(items)
    return found


def test_two_writer_processes_index_the_same(build: Callable[..., Path]) -> None:
    """Which process gets which documents varies from run to run, so segments (and score ties) do too."""
    assert term_documents(build(procs=2)) == term_documents(build())


def test_whoosh_opens_it_and_essays_check_passes(build: Callable[..., Path]) -> None:
    index_dir = build(procs=2)
    index = whoosh_index.open_dir(str(index_dir))
    assert {type(segment.codec()) for segment in index._segments()} == {codec.BatchCodec}  # it reads the term index
    result = CliRunner().invoke(main, ["check", "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert "is sound" in result.output


def test_the_term_index_answers_as_whooshs_and_is_smaller(build: Callable[..., Path]) -> None:
    """Every way Whoosh reads terms: in order, from a prefix (across fields), by edit distance, one at a time."""
    new_dir, old_dir = build(), build(old=True)
    with open_index(new_dir).reader() as new, open_index(old_dir).reader() as old:
        assert list(new.all_terms()) == list(old.all_terms())
        for fieldname, prefix in (("body", b"str"), ("body_exact", b""), ("author", b"zz"), ("kind", b"\xff")):
            assert list(new.expand_prefix(fieldname, prefix)) == list(old.expand_prefix(fieldname, prefix))
        for (leaf_new, _), (leaf_old, _) in zip(new.leaf_readers(), old.leaf_readers(), strict=True):
            assert list(leaf_new.terms_from("body", b"strike")) == list(leaf_old.terms_from("body", b"strike"))
        for word in ("strike", "strikes", "goverment", "libert", "zzzz"):
            assert sorted(new.terms_within("body_exact", word, 2)) == sorted(old.terms_within("body_exact", word, 2))
        assert ("body", b"strike") in new and ("body", b"no-such-word") not in new
        assert new.doc_frequency("body", "no-such-word") == new.frequency("tags", "no-such-tag") == 0
    terms_and_postings = {name: sum(path.stat().st_size for path in [*folder.glob("*.trm"), *folder.glob("*.pst")])
                          for name, folder in (("new", new_dir), ("old", old_dir))}
    assert terms_and_postings["new"] < 0.8 * terms_and_postings["old"]


def test_a_writer_over_its_memory_limit_writes_several_segments_in_one_commit(archive: Path, tmp_path: Path) -> None:
    documents = [document for path in sorted(archive.iterdir()) for document in read_file(path).documents]
    written = {}
    for name in ("whoosh", "batch"):
        index = open_index(tmp_path / name, create=True)
        writer = whoosh_writer(index) if name == "whoosh" else batch_writer(index, compound=False)
        if name == "batch":
            writer.limit_bytes = 100_000
        for document in documents:
            writer.add_document(**document_fields(document))
        writer.commit()
        written[name] = tmp_path / name
    assert len(whoosh_index.open_dir(str(written["batch"]))._segments()) > 1
    assert term_documents(written["batch"]) == term_documents(written["whoosh"])


def test_a_small_commit_with_several_processes_is_written_in_this_one(archive: Path, tmp_path: Path) -> None:
    """Starting sub-writers for a one-file reindex cost more than writing it: they start only for enough text."""
    documents = [document for path in sorted(archive.iterdir()) for document in read_file(path).documents]
    for procs in (2, 1):
        writer = batch_writer(open_index(tmp_path / str(procs), create=True), procs=procs, compound=False)
        for document in documents:
            writer.add_document(**document_fields(document))
        writer.commit()
        assert getattr(writer, "tasks", []) == []
    assert term_documents(tmp_path / "2") == term_documents(tmp_path / "1")


def test_a_cancelled_writer_leaves_the_index_as_it_was(build: Callable[..., Path], tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(build(), index_dir)
    before = answers(index_dir)
    writer = batch_writer(open_index(index_dir), compound=False)
    writer.limit_bytes = 1
    for number in range(300):
        writer.add_document(id=f"draft-{number}", kind="article", body="strike strike strike")
    writer.cancel()
    assert answers(index_dir) == before


def test_fields_it_cannot_write_are_refused(tmp_path: Path) -> None:
    from whoosh.fields import TEXT, Schema

    index = whoosh_index.create_in(str(tmp_path), Schema(body=TEXT(vector=True)))
    with pytest.raises(ValueError, match="'body'"):
        codec.BatchSegmentWriter(index)


def test_a_merge_leaves_out_deleted_documents_as_whooshs_writer_does(build: Callable[..., Path], archive: Path,
                                                                      tmp_path: Path) -> None:
    """Merged segments' postings are read a block at a time; a deleted document's postings must not come along."""
    unmerged = tmp_path / "unmerged"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(codec, "SMALL_SEGMENT_DOCS", 0)
        patch.setattr(codec, "SMALL_SEGMENT_SHARE", 0)  # every batch's segment left as it is
        index_paths(unmerged, [archive], batch_docs=60)
    merged = {}
    for name in ("batch", "whoosh"):
        index_dir = tmp_path / name
        shutil.copytree(unmerged, index_dir)
        index = open_index(index_dir)
        assert len(index._segments()) > 1
        writer = whoosh_writer(index) if name == "whoosh" else batch_writer(index, compound=False)
        writer.delete_by_term("source", indexer.source_key(archive / "iac.jsonl"))
        writer.commit(optimize=True)
        assert len(open_index(index_dir)._segments()) == 1
        merged[name] = term_documents(index_dir)
    assert merged["batch"] == merged["whoosh"]
    assert not any(fieldname == "source" and term.endswith(b"iac.jsonl") for fieldname, term in merged["batch"])


@pytest.fixture
def unmerged(archive: Path, tmp_path: Path) -> Path:
    """The archive indexed in small batches, each batch's segment left as it is."""
    index_dir = tmp_path / "unmerged"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(codec, "SMALL_SEGMENT_DOCS", 0)
        patch.setattr(codec, "SMALL_SEGMENT_SHARE", 0)
        index_paths(index_dir, [archive], batch_docs=60)
    return index_dir


def logging_merges(log: Path) -> Callable[[Any, list], None]:
    """``BatchSegmentWriter.merge_segments`` that notes which process merges."""
    merge_here = codec.BatchSegmentWriter.merge_segments

    def logged_merge(writer: Any, segments: list) -> None:
        with log.open("a") as out:
            out.write(f"{os.getpid()}\n")
        merge_here(writer, segments)

    return logged_merge


def test_sub_writers_merge_the_small_segments_of_a_big_commit(archive: Path, unmerged: Path, tmp_path: Path) -> None:
    """A commit with sub-writers running has one of them merge the small segments, beside the others' last segments,
    rather than this process after them: the same postings as a merge here, in fewer segments."""
    before = len(open_index(unmerged)._segments())
    added = [document_fields(document) for document in read_file(archive / "generated-0.jsonl").documents]
    log = tmp_path / "merging-processes"
    merged, mergers = {}, {}
    for procs in (1, 2):
        index_dir = tmp_path / f"procs-{procs}"
        shutil.copytree(unmerged, index_dir)
        log.write_text("")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(codec, "SUBWRITERS_FROM_CHARS", 0)
            patch.setattr(codec.BatchSegmentWriter, "merge_segments", logging_merges(log))
            writer = batch_writer(open_index(index_dir), procs=procs, compound=False)
            writer.add_documents(added)
            assert bool(getattr(writer, "tasks", [])) == (procs > 1)  # enough documents to start sub-writers
            writer.commit(mergetype=codec.merge_small_segments(len(added)))
        mergers[procs] = set(log.read_text().split())
        assert len(open_index(index_dir)._segments()) < before
        merged[procs] = term_documents(index_dir)
    assert merged[2] == merged[1]
    assert mergers[1] == {str(os.getpid())} and str(os.getpid()) not in mergers[2]



def test_a_segment_is_asked_once_whether_it_has_a_length_column(build: Callable[..., Path]) -> None:
    """Fields that are not scored have none; Whoosh looked on disk at every document's length (merges ask each)."""
    index = open_index(build())
    with index.reader() as reader:
        segment_reader = reader.leaf_readers()[0][0]
        storage = segment_reader._perdoc._storage
        looked = []
        original = storage.file_exists
        storage.file_exists = lambda name: looked.append(name) or original(name)
        lengths = [segment_reader.doc_field_length(docnum, name) for docnum in range(50) for name in ("id", "body")]
        storage.file_exists = original
    assert len(looked) <= 2 and any(lengths)
