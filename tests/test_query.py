"""From typed text to queries: what each syntax means, and clear errors for what it cannot mean."""

import random
import re

import pytest

from search.query import QueryError, parse, suggest, words_of
from search.results import search
from search.store import IndexHandle
from tests.conftest import SEED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"river of blood"', '(title_exact:"river of blood" OR body_exact:"river of blood")'),
        ("“river of blood”", '(title_exact:"river of blood" OR body_exact:"river of blood")'),
        ('"germs stalinism"~5', '(title:"germ stalin" OR body:"germ stalin")'),
        ("bolshev*", "(title_exact:bolshev* OR body_exact:bolshev*)"),
        ("stalinsm~1", "(title_exact:stalinsm~ OR body_exact:stalinsm~)"),
        ("-cookies serge", "((title:serg OR body:serg) ANDNOT (title:cooki OR body:cooki))"),
        ("author:PaulHampton", "(author:paul AND author:hampton)"),
        ('author:"paul hampton"', 'author:"paul hampton"'),
        ('title:"real serge"', 'title_exact:"real serge"'),
        ("kind:comment", "kind:comment"),
        ("tag:labour", "tags:labour"),
    ],
)
def test_syntax(text, expected):
    assert str(parse(text).query) == expected


def test_words_are_all_required():
    assert str(parse("serge trotsky").query) == "((title:serg OR body:serg) AND (title:trotski OR body:trotski))"


def test_or_and_parentheses():
    assert str(parse("(serge OR trotsky) AND lenin").query) == (
        "((title:serg OR body:serg OR title:trotski OR body:trotski) AND (title:lenin OR body:lenin))")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("date:2011", "date:y2011"),
        ("date:2011-10", "date:m2011-10"),
        ("date:2011-10-21", "date:d2011-10-21"),
        ("date:[2011-10-20 to 2011-10-22]", "date:[d2011-10-20 TO d2011-10-22]"),
        ("date:>2011-10-21",
         "(date:[d2011-10-22 TO d2011-10-31] OR date:[m2011-11 TO m2011-12] OR date:[y2012 TO y9999])"),
        ("date:<=2011", "date:[y0001 TO y2011]"),
        ("date:[2011 to]", "date:[y2011 TO y9999]"),
    ],
)
def test_dates_become_calendar_terms(text, expected):
    assert str(parse(text).query) == expected


def test_a_hyphenated_date_is_not_a_negation():
    assert "ANDNOT" not in str(parse("kind:comment date:2011-10-21").query)


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("auther:hampton", "unknown field 'auther' (did you mean author?)", 0),
        ('serge "unclosed', "a quotation mark is not closed", 6),
        ("(serge OR lenin", "a parenthesis is not closed", 0),
        ("serge)", "a closing parenthesis has no opening one", 5),
        ("date:yesterdayish", "'yesterdayish' is not a date", 5),
        ("kind:blog", "kind must be article or comment", 5),
        ("title:", "nothing after 'title:'", 0),
        ("   ", "the query is empty", None),
        ("the of a", "nothing to search for", None),
    ],
)
def test_errors_say_what_and_where(text, message, position):
    with pytest.raises(QueryError) as caught:
        parse(text)
    assert message in caught.value.message
    assert caught.value.position == position


def test_a_colon_inside_a_phrase_is_not_a_field():
    assert "body_exact" in str(parse('"note: this"').query)


def test_words_of_skips_fields_phrases_and_operators():
    assert words_of('stalinsm author:paul "river of" bolshev* AND trotzky') == ["stalinsm", "trotzky"]


def test_suggest_corrects_unknown_words_from_the_unstemmed_field(seed_index):
    searcher = IndexHandle(seed_index).searcher()
    assert suggest(searcher, "stalinsm") == "stalinism"
    assert suggest(searcher, "serge") is None


def test_strict_date_comparisons_exclude_the_named_period(seed_index):
    searcher = IndexHandle(seed_index).searcher()
    assert search(searcher, "date:<2011-10-21").total == 2
    assert search(searcher, "date:<=2011-10-21").total == 3
    assert search(searcher, "date:>2011-10-21").total == 2
    assert search(searcher, "date:>=2011-10-21").total == 3
    assert search(searcher, "date:>2011-09").total == 5
    assert search(searcher, "date:<2011").total == 0


@pytest.mark.parametrize("text", ["<script>", "a > b serge", "=>", "serge <"])
def test_stray_comparison_signs_are_text(text):
    parse("serge " + text)


@pytest.mark.parametrize("text", ["NOT AND <>AND title:<a//c ", "~(<OR +b to éOR )", "2011-10{<{(^}serge -)*"])
def test_what_whooshs_parser_chokes_on_is_a_query_error(text):
    with pytest.raises(QueryError) as caught:
        parse(text)
    assert "could not be understood" in caught.value.message or caught.value.position is not None


def test_random_queries_never_raise_anything_but_query_errors():
    chance = random.Random(11)
    pieces = list('ab "()*~:-+<>=[]{}^!?') + ["AND ", "OR ", "NOT ", "date:", "author:", "kind:", "title:", "2011",
                                             " to ", "serge ", "é", "“"]
    for _ in range(3000):
        text = "".join(chance.choice(pieces) for _ in range(chance.randint(1, 12)))
        try:
            parse(text)
        except QueryError:
            pass


def test_plain_words_parse_to_what_the_full_parser_makes_of_them():
    """Lowercase words alone skip Whoosh's parser; the query must be the one the parser builds."""
    from search.query import _parser, _plain_words

    words = sorted(set(re.findall(r"[a-z]+", SEED.read_text(encoding="utf-8").lower())))
    rng = random.Random(7)
    texts = ["the", "to be or not to be", "a b c", "gun gun", "running runs", "and", "or", "not", "i think"]
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 5))) for _ in range(500)]
    for text in texts:
        assert repr(_plain_words(text)) == repr(_parser().parse(text)), text
    assert str(parse("running runs").query) == "(title:run OR body:run)"


@pytest.mark.parametrize(("typed", "expected"), [
    ("AUTHOR:hampton", "author:hampton"), ("Author:Hampton", "author:hampton"), ("TITLE:serge", "title:serg"),
    ("Date:2011", "date:y2011"), ("kind:ARTICLE", "kind:article"), ("Kind:Comment", "kind:comment"),
])
def test_field_names_and_kinds_are_read_in_any_case(typed: str, expected: str) -> None:
    assert str(parse(typed).query) == expected


@pytest.mark.parametrize("typed", ["serge OR OR trotsky", "serge AND OR trotsky", "serge NOT AND trotsky"])
def test_two_operators_in_a_row_are_an_error_not_a_silent_and(typed: str) -> None:
    with pytest.raises(QueryError, match="two operators in a row"):
        parse(typed)


def test_operator_words_inside_a_phrase_are_text() -> None:
    assert "or or" in str(parse('"x OR OR y"').query)


@pytest.mark.parametrize(("typed", "message"), [
    ("- serge", "must touch the word it applies to"), ("strike - serge", "must touch the word it applies to"),
    ("a + strike", "must touch the word it applies to"), ("strike~1.5", "whole number of edits"),
    ("strike~-1", "whole number of edits"), ("date:[ TO ]", "needs a date at one end at least"),
])
def test_slips_whoosh_would_misread_are_errors(typed: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse(typed)


@pytest.mark.parametrize("typed", ["-serge strike", "strike -serge", "pre-war", "date:[2011 to]", "strike~1",
                                   '"a - b"'])
def test_signs_edits_and_open_ranges_written_as_meant_still_parse(typed: str) -> None:
    parse(typed)
