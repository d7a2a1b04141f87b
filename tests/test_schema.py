"""The analyzers: folding, stemming, exact words, author names, and pickling."""

import pickle
import random
from array import array
from datetime import date, timedelta
from pathlib import Path

from search.schema import (
    AUTHOR,
    EXACT,
    PAIRS,
    QUOTE_HASH_BITS,
    QUOTE_MASK_BITS,
    QUOTE_SHINGLE,
    QUOTE_WINDOW,
    STEMMED,
    VALUE_BREAK,
    FastCharacters,
    FastPositions,
    build_schema,
    calendar_cover,
    common_pairs,
    fingerprint_buckets,
    fold,
    quote_fingerprints,
    shingle_hash,
)


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


def _days_covered(pieces, first, last):
    """Every day near the range whose year, month or day term falls in one of the pieces."""
    covered, day = set(), first - timedelta(days=40)
    while day <= last + timedelta(days=40):
        terms = (f"y{day.year:04d}", f"m{day.year:04d}-{day.month:02d}", f"d{day.isoformat()}")
        if any(low <= term <= high for low, high in pieces for term in terms if term[0] == low[0]):
            covered.add(day)
        day += timedelta(days=1)
    return covered


def test_calendar_cover_is_exact_and_small():
    chance = random.Random(7)
    for _ in range(200):
        first = date(1990, 1, 1) + timedelta(days=chance.randrange(12000))
        if chance.random() < 0.3:
            first = first.replace(day=1)
        last = first + timedelta(days=chance.choice([0, 1, 29, 30, 31, 59, 364, 365, 730, 4000]))
        pieces = calendar_cover(first, last)
        assert len(pieces) <= 5
        assert _days_covered(pieces, first, last) == {first + timedelta(days=n) for n in range((last - first).days + 1)}


def test_common_word_pairs():
    found = PAIRS.occurrences("The river of blood ran")
    assert {term: [position for position, _, _ in places] for term, places in found.items()} == {
        "the river": [0], "river of": [1], "of blood": [2]}
    assert common_pairs(["the", "right", "to", "vote"]) == ["the right", "right to", "to vote"]
    assert common_pairs(["river", "blood"]) == []


FEDERALIST_10 = Path(__file__).parent / "fixtures" / "corpora" / "federalist-antifederalist" / "federalist-10.md"


def _reference_postings(analyzer, text, with_chars=True):
    """A field's postings as the token-by-token analyzer makes them, packed as FastCharacters/FastPositions do."""
    format_ = FastCharacters() if with_chars else FastPositions()
    return {term.encode(): (len(found), format_.encode(found if with_chars else [place[0] for place in found]))
            for term, found in analyzer.occurrences(text).items()}


def test_one_reading_gives_each_text_fields_postings():
    """Body, exact words and common pairs come from one pass over the text, the same as three passes."""
    schema = build_schema()
    texts = [FEDERALIST_10.read_text(encoding="utf-8"), "Günter’s É.U. ß of the", "", "...", "a",
             f"The title{VALUE_BREAK}of the heading{VALUE_BREAK}{VALUE_BREAK} x"]
    for text in texts:
        for name, analyzer in (("body", STEMMED), ("body_exact", EXACT), ("body_pairs", PAIRS), ("title", STEMMED)):
            field = schema[name]
            indexed = {term: (count, value) for term, count, _, value in field.index(text)}
            if name == "body_pairs" and VALUE_BREAK in text:
                continue  # below
            reference = _reference_postings(analyzer, text, field.format.supports("characters"))
            assert indexed == reference, (name, text[:40])


def test_positions_take_two_bytes_where_they_fit_and_four_past_65535():
    schema = build_schema()
    short = dict((term, value) for term, _, _, value in schema["body_exact"].index("strike after strike"))
    assert len(short[b"strike"]) == 4 + 2 * 2
    assert FastPositions().decode_positions(short[b"strike"]) == [0, 2]
    long_text = "word " * 70_000 + "strike"
    wide = dict((term, value) for term, _, _, value in schema["body"].index(long_text))
    assert len(wide[b"strike"]) == 4 + 4 * 3  # a position and two offsets, 4 bytes each
    assert FastCharacters().decode_characters(wide[b"strike"]) == [(70_000, 350_000, 350_006)]
    assert FastPositions().decode_positions(b"\x00\x00\x00\x02" + array("I", [3, 70_000]).tobytes()) == [3, 70_000]


def test_common_pairs_sit_at_their_first_words_position_and_never_across_a_break():
    text = f"The title{VALUE_BREAK}of the heading"
    schema = build_schema()
    exact = {term: FastCharacters().decode_positions(value) for term, _, _, value in schema["body_exact"].index(text)}
    pairs = {term: FastPositions().decode_positions(value) for term, _, _, value in schema["body_pairs"].index(text)}
    assert pairs == {b"the title": exact[b"the"][:1], b"of the": exact[b"of"], b"the heading": exact[b"the"][1:]}


def test_quotation_fingerprints_are_the_winnowed_shingle_hashes():
    text = "The Federalist Number Ten the same subject continued from Günter"
    words = [fold(word) for word in text.split()]
    shingles = [shingle_hash(words[start:start + QUOTE_SHINGLE]) for start in range(len(words) - QUOTE_SHINGLE + 1)]
    windows = [shingles[start:start + QUOTE_WINDOW] for start in range(len(shingles) - QUOTE_WINDOW + 1)]
    assert set(quote_fingerprints(text).tolist()) == {
        min(window) for window in windows}
    assert not len(quote_fingerprints("too short"))


def test_fingerprints_are_indexed_as_buckets_whose_masks_give_back_every_hash():
    hashes = {0, 1, 63, 64, 200, 201, (1 << QUOTE_HASH_BITS) - 1}
    buckets, masks = fingerprint_buckets(hashes)
    assert buckets.tolist() == sorted({value >> QUOTE_MASK_BITS for value in hashes})
    recovered = {bucket << QUOTE_MASK_BITS | bit for bucket, mask in zip(buckets.tolist(), masks.tolist(), strict=True)
                 for bit in range(1 << QUOTE_MASK_BITS) if mask >> bit & 1}
    assert recovered == hashes
    field = build_schema()["quotes"]
    postings = list(field.index("The Federalist Number Ten the same subject continued from Günter and onwards"))
    assert len({term for term, *_ in postings}) == len(postings) <= 4
    assert all(len(term) == 4 and len(value) == 8 for term, _, _, value in postings)
