"""The batch writer analyses a repeated value of a one-value-at-a-time field (author, date, year) once per writer:
the postings must be those of the value itself, whatever came before it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from search.codec import batch_writer
from search.schema import GivenDate, build_schema
from search.store import open_index


def _terms(index_dir: Path, fieldname: str) -> dict[bytes, list[int]]:
    with open_index(index_dir).reader() as reader:
        return {term: sorted(reader.postings(fieldname, term).all_ids())
                for field, term in reader.all_terms() if field == fieldname}


def test_repeated_values_give_each_document_its_own_postings(tmp_path: Path) -> None:
    index = open_index(tmp_path, create=True)
    assert index.schema.names() == build_schema().names()
    day = datetime(2011, 10, 21, 9, 30)
    documents = [
        {"id": "a", "author": "Rosa Luxemburg", "year": 2011, "date": GivenDate(day, "")},
        {"id": "b", "author": "Rosa Luxemburg", "year": 2011, "date": GivenDate(day.replace(hour=17), "")},
        {"id": "c", "author": "Karl Kautsky", "year": 2011.0, "date": GivenDate(day, "year")},  # the same day, a year
        {"id": "d", "author": "Rosa Luxemburg", "year": 2012, "date": GivenDate(day, "month")},
    ]
    writer = batch_writer(index)
    writer.add_documents(documents[:2])  # a second batch meets the values the first one analysed
    writer.add_documents(documents[2:])
    writer.commit()

    dates = _terms(tmp_path, "date")
    assert dates == {b"y2011": [0, 1, 2, 3], b"m2011-10": [0, 1, 3], b"d2011-10-21": [0, 1]}
    authors = _terms(tmp_path, "author")
    assert authors[b"luxemburg"] == [0, 1, 3] and authors[b"kautsky"] == [2]
    with open_index(tmp_path).searcher() as searcher:
        assert [searcher.stored_fields(docnum)["author"] for docnum in range(4)] == [
            "Rosa Luxemburg", "Rosa Luxemburg", "Karl Kautsky", "Rosa Luxemburg"]
        years = searcher.reader().column_reader("year")
        assert [years[docnum] for docnum in range(4)] == [2011, 2011, 2011, 2012]
