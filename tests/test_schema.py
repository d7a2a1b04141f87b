"""The analyzers: folding, stemming, exact words, author names, and pickling."""

import pickle

from search.schema import AUTHOR, EXACT, STEMMED, build_schema


def texts(analyzer, value, **kwargs):
    return [token.text for token in analyzer(value, **kwargs)]


def test_stemmed_words_are_folded_stemmed_and_stop_worded():
    assert texts(STEMMED, "Günter's democracy of the Bolsheviks") == ["gunter", "democraci", "bolshevik"]


def test_exact_words_keep_short_words_and_numbers():
    assert texts(EXACT, "The river of blood, 1917") == ["the", "river", "of", "blood", "1917"]


def test_character_offsets_point_at_the_words():
    text = "Serge’s river"
    tokens = [(t.text, t.startchar, t.endchar) for t in STEMMED(text, chars=True)]
    assert [(word, text[start:end]) for word, start, end in tokens] == [("serg", "Serge"), ("river", "river")]


def test_account_names_split_into_name_parts():
    indexed = [(t.text, t.pos) for t in AUTHOR("PaulHampton", positions=True)]
    assert indexed == [("paulhampton", 0), ("paul", 0), ("hampton", 1)]
    assert texts(AUTHOR, "PaulHampton", mode="query") == ["paul", "hampton"]
    assert texts(AUTHOR, "Günter Grass") == ["gunter", "grass"]


def test_schema_pickles_without_the_stemmer():
    schema = build_schema()
    texts(schema["body"].analyzer, "stemming loads the stemmer")
    restored = pickle.loads(pickle.dumps(schema))
    assert texts(restored["body"].analyzer, "democracies") == ["democraci"]
