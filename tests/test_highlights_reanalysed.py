"""Highlights of fields whose postings keep no character offsets: the shown documents are analysed again.

The as-written fields (``body_exact``, ``title_exact``: exact phrases, wildcards, fuzzy terms) keep
positions only; their highlights must come out exactly as when their postings kept offsets.
"""

from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from search.indexer import index_paths
from search.results import search, thread_highlights
from search.schema import EXACT, STEMMED, VALUE_BREAK, IndexedText, build_schema, text_words
from search.serialize import hit_json
from search.similar import similar_json, similar_to_text
from search.store import IndexHandle
from tests.conftest import article

FEDERALIST_10 = Path(__file__).parent / "fixtures" / "corpora" / "federalist-antifederalist" / "federalist-10.md"

RECORDS = [
    article("The general strike of 1926", "Günter Grass", "2011-10-19",
            "Strikes spread fast. The General Council called the general strike; a general mood of hope.\n\n"
            "Günter wrote: the STRIKE was striking. Über die Ökonomie, Günter’s notes say nothing of it.",
            [{"author": "Reader", "date": "2011-10-20", "title": "Why the general strike failed",
              "body": "It failed because the general council gave in. Strike leaders were general in their praise."},
             {"author": "Other", "date": "2011-10-21", "body": "Strikers and strikes, generally.", "in_reply_to": 0}]),
    article("Notes on the general", "Rosa", "2012-01-01", "Strike committees met; the strike went on.",
            [{"author": "Reader", "date": "2012-01-02", "title": "strike committees", "body": "A general reply."}]),
]
QUERIES = ['"general strike"', "strike", "strik*", "general*", "strke~1", '"gunter wrote"', '"günter’s notes"',
           "okonomie", 'title:"general strike"', 'title:strike "strike committees"', '"general council" strike',
           '"the strike"~2', "title:gen*"]


def _offsets_everywhere():
    """The schema as it was before the as-written fields dropped their offsets."""
    schema = build_schema()
    for name in ("title_exact", "body_exact"):
        options = {"spelling": True} if name == "body_exact" else {}
        schema.remove(name)
        schema.add(name, IndexedText(EXACT, chars=True, **options))
    return schema


def _built(tmp_path: Path, write_archive, name: str, schema=None) -> IndexHandle:
    write_archive("strike.jsonl", RECORDS)
    index_dir = tmp_path / name
    if schema is not None:
        index_dir.mkdir()
        whoosh_index.create_in(str(index_dir), schema)
    index_paths(index_dir, [tmp_path / "archive"])
    return IndexHandle(index_dir)


@pytest.fixture
def handles(tmp_path, write_archive):
    return _built(tmp_path, write_archive, "new"), _built(tmp_path, write_archive, "old", _offsets_everywhere())


def _pages(handle: IndexHandle) -> list:
    searcher = handle.searcher()
    pages = []
    for text in QUERIES:
        page = search(searcher, text)
        threads = {group.article_id: thread_highlights(searcher, text, group.article_id) for group in page.groups}
        pages.append(([hit_json(hit) for hit in page.hits], threads))
    similar = similar_json(similar_to_text(searcher, RECORDS[0]["body"]))
    similar.pop("seconds")
    return [*pages, similar]


def marked(highlight) -> list[str]:
    return [piece for piece, matched in highlight.parts() if matched]


def test_the_as_written_fields_keep_positions_only(handles):
    new, old = (handle.searcher() for handle in handles)
    schema = new.schema
    assert not schema["body_exact"].format.supports("characters")
    assert not schema["title_exact"].format.supports("characters")
    assert schema["body"].format.supports("characters")  # plain words still read their offsets
    postings = new.reader().postings("body_exact", "strike")
    count = postings.value_as("frequency")
    assert count == 2 and len(postings.value()) == 4 + 2 * count  # the count, then one 2-byte position each
    assert len(old.reader().postings("body_exact", "strike").value()) == 4 + 2 * 3 * count


def test_pages_threads_and_passages_are_the_same_as_from_stored_offsets(handles):
    new, old = handles
    assert _pages(new) == _pages(old)


def test_phrase_words_are_marked_only_where_they_stand_together(handles):
    searcher = handles[0].searcher()
    (hit,) = [hit for hit in search(searcher, '"general strike"').hits if hit.document.kind == "article"]
    assert marked(hit.snippet) == ["general", "strike"]  # not "General Council", "general mood"
    assert marked(hit.title) == ["general", "strike"]


def test_stems_wildcards_accents_and_case(handles):
    searcher = handles[0].searcher()

    def article_snippet(text: str) -> list[str]:
        return marked(next(hit for hit in search(searcher, text).hits if hit.document.kind == "article").snippet)

    assert article_snippet("strike") == ["Strikes", "strike", "STRIKE", "striking"]
    assert article_snippet("strik*") == ["Strikes", "strike", "STRIKE", "striking"]
    assert article_snippet('"gunter wrote"') == ["Günter", "wrote"]
    assert article_snippet('"günter’s notes"') == ["Günter", "s", "notes"]
    assert article_snippet("strke~1") == ["strike", "STRIKE"]


def test_a_comments_heading_is_highlighted_past_the_title(handles):
    searcher = handles[0].searcher()
    hits = {hit.document.heading: hit for hit in search(searcher, '"general strike"').hits}
    assert marked(hits["Why the general strike failed"].heading) == ["general", "strike"]
    assert marked(hits["Why the general strike failed"].title) == ["general", "strike"]
    (committee,) = [hit for hit in search(searcher, 'title:"strike committees"').hits]
    assert (marked(committee.title), marked(committee.heading)) == ([], ["strike", "committees"])


@pytest.mark.parametrize("text", [FEDERALIST_10.read_text(encoding="utf-8"), "Günter’s É.U. ß of the STRIKES",
                                  f"The title{VALUE_BREAK}of the heading{VALUE_BREAK}{VALUE_BREAK} x", "", "..."])
def test_words_found_again_are_where_the_analyzer_puts_them(text):
    """Positions and character spans of a text's words, found again, are those the index analysis gives."""
    words = text_words(text)
    for kind, analyzer in (("exact", EXACT), ("stemmed", STEMMED)):
        reference = analyzer.occurrences(text)
        assert words.occurrences(kind, list(reference)) == reference
        some = sorted(reference)[::7] + ["absent"]  # a few wanted, one the text lacks (also several at once)
        assert words.occurrences(kind, some) == {term: reference[term] for term in some if term in reference}
