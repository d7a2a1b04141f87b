"""Searching: hits, snippets from stored offsets, facets, filters, sorting, threads, grouping."""

from datetime import datetime

import pytest
from whoosh import query as wq

from search.indexer import index_paths
from search.query import ExactPhrase, parse, suggest
from search.results import NO_DATE, Filters, all_documents, search, snippet, thread
from search.serialize import page_json
from search.store import IndexHandle
from tests.conftest import article, many_articles


@pytest.fixture
def searcher(seed_index):
    return IndexHandle(seed_index).searcher()


@pytest.fixture
def built(tmp_path, write_archive):
    write_archive("many.jsonl", many_articles(30))
    index_dir = tmp_path / "built-index"
    index_paths(index_dir, [tmp_path / "archive"])
    return IndexHandle(index_dir).searcher()


def matches(highlight):
    return [piece for piece, matched in highlight.parts() if matched]


def test_exact_phrase_finds_the_article_and_marks_the_phrase(searcher):
    page = search(searcher, '"river of blood"')
    (hit,) = page.hits
    assert (hit.document.title, hit.document.author, hit.document.date.date()) == (
        "The real Serge", "Paul Hampton", datetime(2011, 10, 19).date())
    assert matches(hit.snippet) == ["river", "of", "blood"]
    assert hit.snippet.clipped_start and hit.snippet.clipped_end


def test_phrase_words_elsewhere_are_not_marked(searcher):
    (hit,) = search(searcher, '"river of blood"').hits
    assert matches(hit.snippet).count("of") == 1


def test_stemmed_words_and_title_marks(searcher):
    page = search(searcher, "serge")
    assert page.total == 5
    assert any(matches(hit.title) == ["Serge"] for hit in page.hits)


def test_proximity(searcher):
    assert search(searcher, '"germs stalinism"~5').total == 1
    assert search(searcher, '"germs stalinism"').total == 0


def test_prefix_and_fuzzy(searcher):
    assert search(searcher, "bolshev*").total >= 2
    assert search(searcher, "stalinsm~1").total >= 1


def test_not_and_minus(searcher):
    assert search(searcher, "serge -rabinowitch").total == 3
    assert search(searcher, "serge NOT rabinowitch").total == 3


def test_author_forms(searcher):
    for text in ("author:hampton", 'author:"paul hampton"', "author:PaulHampton", "author:HAMPTON"):
        assert search(searcher, text).total == 3, text


def test_sort_newest_and_oldest(searcher):
    (group,) = search(searcher, "serge", sort="newest").groups
    newest = [hit.document.date for hit in group.comments]
    assert newest == sorted(newest, reverse=True)
    (group,) = search(searcher, "serge", sort="oldest").groups
    oldest = [hit.document.date for hit in group.comments]
    assert oldest == sorted(oldest)


def test_date_sorts_order_articles_by_their_newest_or_oldest_match(built):
    newest = [max(hit.document.date for hit in group.hits) for group in search(built, "strike", sort="newest").groups]
    assert newest == sorted(newest, reverse=True)
    oldest = [min(hit.document.date for hit in group.hits) for group in search(built, "strike", sort="oldest").groups]
    assert oldest == sorted(oldest)


def test_facets_count_the_whole_result_not_the_page(built):
    page = search(built, "strike", pagelen=5)
    assert (page.total, page.articles, len(page.groups), len(page.hits), page.pages) == (90, 30, 5, 15, 6)
    kinds = {facet.value: facet.count for facet in page.facets["kind"]}
    assert kinds == {"article": 30, "comment": 60}
    assert {facet.value for facet in page.facets["year"]} == {"2001", "2002", "2003", "2004", "2005"}
    assert {"Ada Byron", "Reader One"} <= {facet.value for facet in page.facets["author"]}


def test_filters_narrow(built):
    narrowed = search(built, "strike", filters=Filters(authors=("Ada Byron",), years=(2001,)))
    assert narrowed.total > 0
    assert all(hit.document.author == "Ada Byron" and hit.document.date.year == 2001 for hit in narrowed.hits)
    assert search(built, "strike", filters=Filters(kinds=("comment",))).total == 60


def test_pages_do_not_overlap(built):
    first = search(built, "strike", page=1)
    second = search(built, "strike", page=2)
    assert len(first.groups) == len(second.groups) == 10
    assert not {hit.id for hit in first.hits} & {hit.id for hit in second.hits}
    assert not {group.article_id for group in first.groups} & {group.article_id for group in second.groups}


def test_did_you_mean_only_when_it_finds_more(searcher):
    assert search(searcher, "stalinsm").suggestion == "stalinism"
    assert search(searcher, "serge").suggestion is None


def test_accent_folding_both_ways(tmp_path, write_archive):
    write_archive("a.jsonl", [article("Über Günter", "Jürgen", "2020-01-01", "Günter wrote of Ökonomie.")])
    index_paths(tmp_path / "ix", [tmp_path / "archive"])
    searcher = IndexHandle(tmp_path / "ix").searcher()
    assert search(searcher, "Gunter").total == 1
    assert search(searcher, "author:jurgen").total == 1
    assert matches(search(searcher, "okonomie").hits[0].snippet) == ["Ökonomie"]


def test_thread_orders_replies_under_their_parents(searcher):
    comment_id = search(searcher, "kind:comment date:2011-10-21").hits[0].id
    article_doc, comments = thread(searcher, comment_id)
    assert article_doc.title == "The real Serge"
    assert [(comment.author, depth) for comment, depth in comments] == [
        ("guenter", 0), ("PaulHampton", 1), ("guenter", 0), ("PaulHampton", 1)]
    assert thread(searcher, "no-such-id") is None


def test_a_page_holds_whole_article_groups(built):
    page = search(built, "strike", pagelen=4)
    assert [len(group.hits) for group in page.groups] == [3, 3, 3, 3]
    assert all(hit.document.article_id == group.article_id for group in page.groups for hit in group.hits)
    assert all(group.article and group.article.document.kind == "article" for group in page.groups)


def test_snippet_window_prefers_the_densest_matches():
    text = "word " * 100 + "strike here and strike there " + "word " * 100
    start = text.index("strike")
    spans = [(start, start + 6), (start + 16, start + 22)]
    result = snippet(text, spans, width=80)
    assert [result.text[s:e] for s, e in result.spans] == ["strike", "strike"]


def test_all_documents_skips_the_file_records(searcher):
    documents = all_documents(searcher)
    assert [d.kind for d in documents] == ["article"] + ["comment"] * 4


def test_a_filtered_total_is_exact_even_with_a_short_page(built):
    for facets in (True, False):
        page = search(built, "strike", pagelen=1, filters=Filters(kinds=("article",)), facets=facets)
        assert page.total == 30 and page.pages == 30


def test_a_rare_misspelling_suggests_the_common_word(tmp_path, write_archive):
    write_archive("many.jsonl", many_articles(12) + [article("Typo", "Ada Byron", "2004-01-01", "A strkie began.")])
    index_paths(tmp_path / "typo-index", [tmp_path / "archive"])
    searcher = IndexHandle(tmp_path / "typo-index").searcher()
    page = search(searcher, "strkie")
    assert page.total == 1 and page.suggestion == "strike"


@pytest.mark.parametrize("text", ['"the general strike"', '"essay number 7"', '"general the"', '"on the strike"',
                                  '"I disagree" OR "second paragraph"', 'reply "on the strike"'])
def test_exact_phrases_match_what_whooshs_phrase_matches(built, text):
    fast = parse(text).query
    reference = fast.accept(lambda node: wq.Phrase(node.fieldname, node.words)
                            if isinstance(node, ExactPhrase) else node)
    expected = set(built.docs_for_query(reference))
    assert set(built.docs_for_query(fast)) == expected
    assert search(built, text, pagelen=3).total == len(expected)


def test_a_correction_into_common_words_is_not_offered(searcher):
    assert suggest(searcher, "thw") == "the"
    assert search(searcher, "thw").suggestion is None


@pytest.fixture
def mixed(tmp_path, write_archive):
    """Dated and undated documents, and one person under several spellings (issue 9)."""
    write_archive("mixed.jsonl", [
        article("Undated strike", "PaulHampton", "", "The strike was undated.",
                [{"author": "PAUL HAMPTON", "body": "An undated strike reply."}]),
        article("Dated strike", "Paul Hampton", "2005-01-01", "The strike was dated.",
                [{"author": "Sharon Smith", "date": "2006-01-01", "body": "A strike comment."},
                 {"author": "SHARON SMITH", "date": "2004-01-01", "body": "A strike again."},
                 {"author": "Sharon Smith", "date": "2004-02-01", "body": "Strike on."}]),
        article("Colson on the strike", "Chuck Colson", "2003-03-03", "Colson wrote of a strike."),
    ])
    index_paths(tmp_path / "mixed-index", [tmp_path / "archive"])
    return IndexHandle(tmp_path / "mixed-index").searcher()


def test_undated_documents_have_no_year_but_a_no_date_facet_entry(mixed):
    page = search(mixed, "strike")
    years = {facet.value: (facet.count, facet.label) for facet in page.facets["year"]}
    assert years == {"2006": (1, "2006"), "2005": (1, "2005"), "2004": (2, "2004"), "2003": (1, "2003"),
                     NO_DATE: (2, "no date")}
    assert [facet.value for facet in page.facets["year"]][-1] == NO_DATE
    undated = search(mixed, "strike", filters=Filters(years=(NO_DATE,)))
    assert {hit.document.title for hit in undated.hits} == {"Undated strike"} and undated.total == 2
    assert all(hit.document.date is None for hit in undated.hits)
    assert {hit["date"] for hit in page_json(undated)["hits"]} == {None}
    assert search(mixed, "strike", filters=Filters(years=(NO_DATE, 2003))).total == 3


def test_date_sorts_put_undated_documents_last_both_ways(mixed):
    for sort in ("newest", "oldest"):
        groups = search(mixed, "strike", sort=sort).groups
        assert groups[-1].article_id == search(mixed, '"undated strike"').groups[0].article_id, sort
    assert [group.title for group in search(mixed, "strike", sort="newest").groups][:2] == ["Dated strike",
                                                                                          "Colson on the strike"]


def test_date_queries_never_match_undated_documents(mixed):
    for text in ("date:<2100", "date:>1000", "date:[1000 to 9999]", "strike date:<=2100"):
        assert all(hit.document.date is not None for hit in search(mixed, text).hits), text
    assert search(mixed, "date:<2100").total == 5


def test_spellings_of_one_author_are_one_facet_entry_shown_as_most_often_written(mixed):
    authors = {facet.value: facet.count for facet in search(mixed, "strike").facets["author"]}
    assert authors == {"Paul Hampton": 3, "Sharon Smith": 3, "Chuck Colson": 1}


def test_an_author_filter_matches_as_the_author_query_does(mixed):
    expected = search(mixed, "strike author:colson").total
    for name in ("colson", "Chuck Colson", "COLSON"):
        assert search(mixed, "strike", filters=Filters(authors=(name,))).total == expected == 1
    grouped = search(mixed, "strike", filters=Filters(authors=("Paul Hampton",)))
    assert {hit.document.author for hit in grouped.hits} == {"PaulHampton", "PAUL HAMPTON", "Paul Hampton"}


def test_an_article_matching_by_its_title_is_shown_with_its_comments_on_one_page(tmp_path, write_archive):
    comments = [{"author": f"Reader {number}", "date": "2010-05-02", "body": "strike strike strike strike"}
                for number in range(12)]
    write_archive("thread.jsonl", [article("On the strike", "Ada", "2010-05-01", "Nothing else here.", comments)]
                  + [article(f"Other {number}", "Bo", "2010-06-01", f"A strike {number}.") for number in range(15)])
    index_paths(tmp_path / "thread-index", [tmp_path / "archive"])
    searcher = IndexHandle(tmp_path / "thread-index").searcher()
    pages = [search(searcher, "strike", page=number, pagelen=5) for number in (1, 2, 3, 4)]
    shown = [group.article_id for page in pages for group in page.groups]
    assert len(shown) == len(set(shown)) == 16 and pages[0].articles == 16 and pages[0].total == 28
    (thread_group,) = [group for page in pages for group in page.groups if group.title == "On the strike"]
    assert thread_group.article is not None and thread_group.matching_comments == 12
    assert len(thread_group.comments) == 12
