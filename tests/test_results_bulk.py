"""Matches read whole posting lists at a time (search.bulk) give Whoosh's own answers: the same documents
with the same scores, over several segments and with deleted documents."""

import json

import pytest
from whoosh import query as wq

from search.indexer import index_paths
from search.query import DateTermRange, parse
from search.results import NOT_DOCUMENTS, Filters, search
from search.store import IndexHandle, open_index
from tests.conftest import article, many_articles

QUERIES = [
    "strike", "general strike", "essay strike reply", '"general strike"', '"the general strike"', "strike -reply",
    "strike OR disagree", "(strike OR disagree) essay", "author:ada", 'author:"rosa luxemburg"', "kind:comment strike",
    "strike date:[2002 to 2003-06-30]", "date:>2003-02", "essay*", "strik~1", "title:essay", "-disagree", "*",
    '"general strike"~3 essay',
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    """An index of three commits (three segments), one file rewritten so the older segment has deletions."""
    root = tmp_path_factory.mktemp("bulk")
    archive, index_dir = root / "archive", root / "index"
    archive.mkdir()
    records = many_articles(60)
    for number, part in enumerate((records[:25], records[25:45], records[45:])):
        (archive / f"part{number}.jsonl").write_text("".join(json.dumps(record) + "\n" for record in part))
        index_paths(index_dir, [archive])
    rewritten = records[:20] + [article("A late essay on the strike", "Ada Byron", "2004-05-05",
                                        "The strike, the general strike and the essay, once more.")]
    (archive / "part0.jsonl").write_text("".join(json.dumps(record) + "\n" for record in rewritten))
    index_paths(index_dir, [archive])
    found = IndexHandle(index_dir).searcher()
    assert len(found.leaf_searchers()) > 1 and found.reader().has_deletions()
    return found


def whoosh_scores(searcher, text):
    """Every match of a query and its score, as Whoosh's own collector finds them."""
    results = searcher.search(parse(text).query, limit=None, mask=NOT_DOCUMENTS)
    return {hit.docnum: hit.score for hit in results}


@pytest.mark.parametrize("text", QUERIES)
def test_every_query_finds_what_whoosh_finds_with_the_same_scores(searcher, text):
    expected = whoosh_scores(searcher, text)
    page = search(searcher, text, pagelen=100)
    assert page.total == len(expected) > 0
    assert page.hits
    for hit in page.hits:
        number = searcher.document_number(id=hit.id)
        assert hit.score is None or hit.score == expected[number]  # equal floats, not merely close


def test_the_best_hit_is_whoosh_best_match(searcher):
    expected = whoosh_scores(searcher, "essay strike reply")
    best = max(expected, key=expected.get)
    page = search(searcher, "essay strike reply")
    assert page.hits[0].score == expected[best]


def test_an_excluded_word_never_reaches_a_hit(searcher):
    page = search(searcher, "strike -disagree", pagelen=100)
    assert page.total and not any("disagree" in hit.document.body.lower() for hit in page.hits)


def test_filters_pick_among_the_same_matches(searcher):
    filters = Filters(authors=("Ada Byron",), kinds=("article",))
    expected = searcher.search(parse("strike").query, limit=None, mask=NOT_DOCUMENTS, filter=filters.query())
    page = search(searcher, "strike", filters=filters, pagelen=100)
    assert page.total == len(expected) > 0
    assert sorted(hit.score for hit in page.hits) == sorted(hit.score for hit in expected)


@pytest.mark.parametrize("text", ["date:[2002 to 2003-06-30]", "date:>2003-02", "date:<=2002-05-15",
                                  "date:[2001-03-12 to]"])
def test_date_ranges_stand_for_the_terms_whoosh_range_finds(searcher, text):
    ranges = [leaf for leaf in parse(text).query.leaves() if isinstance(leaf, DateTermRange)]
    assert ranges
    readers = [searcher.reader(), *(leaf.reader() for leaf, _ in searcher.leaf_searchers())]
    for date_range in ranges:
        plain = wq.TermRange(date_range.fieldname, date_range.start, date_range.end, date_range.startexcl,
                             date_range.endexcl)
        for reader in readers:
            assert list(date_range._btexts(reader)) == list(plain._btexts(reader))
            assert date_range.estimate_size(reader) == plain.estimate_size(reader)


@pytest.mark.parametrize("text", ["strike", "general strike", '"general strike"', "strike date:[2002 to 2003]", "*"])
def test_an_index_with_nothing_in_it_answers_with_no_hits(tmp_path, text):
    open_index(tmp_path / "empty", create=True)
    page = search(IndexHandle(tmp_path / "empty").searcher(), text)
    assert (page.total, page.hits, page.partial) == (0, [], False)
