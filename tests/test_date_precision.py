"""A date keeps the precision its source gave: a year stays a year, a day a day, a time keeps or lacks its offset.

Fixtures in tests/fixtures/dates/ are excerpts of real documents (see its README): a marxists.org
page dated "(1898)" whose opening line says "August 27, 1898", a Lafargue page whose source note
"Jan-June 1884" is a span, not a date, The Federalist No. 59 (a day) and a State of the Union
address (a year).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from search.cli import main
from search.readers import read_file
from search.readers.dates import fuller_date, given_precision
from tests.conftest import article
from web import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "dates"
ATOM = "{http://www.w3.org/2005/Atom}"


def fixture_document(name: str):
    return read_file(FIXTURES / name).documents[0]


@pytest.fixture
def archive(tmp_path: Path, write_archive: Callable) -> Path:
    """The real excerpts, plus a day inside 1884 and a time with an offset and one without."""
    folder = tmp_path / "archive"
    shutil.copytree(FIXTURES, folder, ignore=shutil.ignore_patterns("README.md"))
    write_archive("extra.jsonl", [
        article("A March day", "Ann", "1884-03-05", "On the eight hour day."),
        article("Zoned", "Ann", "2011-10-19T10:25:00+01:00", "On the general strike."),
        article("Unzoned", "Ann", "2011-10-20T13:18:00", "On the general strike again."),
    ])
    return folder


@pytest.fixture
def run(tmp_path: Path, archive: Path, monkeypatch: pytest.MonkeyPatch) -> Callable:
    monkeypatch.setenv("ESSAYS_INDEX", str(tmp_path / "index"))

    def invoke(*args: str):
        result = CliRunner().invoke(main, list(args))
        assert result.exit_code == 0, result.output
        return result

    invoke("index", str(archive))
    return invoke


def titles(run: Callable, query: str, *options: str) -> list[str]:
    return [hit["title"] for hit in json.loads(run("search", query, "--json", *options).output)["hits"]]


def test_readers_keep_how_much_of_the_date_the_source_gave() -> None:
    connolly = fixture_document("connolly-1898-laborrep.md")
    assert (connolly.date, connolly.date_precision) == (datetime(1898, 8, 27), "day")  # from "August 27, 1898"
    lafargue = fixture_document("lafargue-1884-herbert-spencer.md")
    assert (lafargue.date.year, lafargue.date_precision) == (1884, "year")  # "Jan-June 1884" is a span
    federalist = fixture_document("federalist-59.md")
    assert (federalist.date, federalist.date_precision) == (datetime(1788, 2, 22), "day")
    address = fixture_document("sotu-1960-eisenhower.json")
    assert (address.date.year, address.date_precision) == (1960, "year")


@pytest.mark.parametrize(("text", "precision"), [
    ("1898", "year"), ("1898-08", "month"), ("August 1898", "month"), ("27 August 1898", "day"),
    ("August 27, 1898", "day"), ("1788-02-22", "day"), ("2011-10-19T10:25:00+01:00", ""),
    ("19 October, 2011 - 10:25", ""), ("5 January 2010 at 3:45 pm", ""),
])
def test_a_date_text_gives_its_precision(text: str, precision: str) -> None:
    assert given_precision(text) == precision


def test_a_fuller_date_in_the_opening_lines_is_taken_only_when_unambiguous() -> None:
    assert fuller_date(1898, "From Workers' Republic, August 27, 1898") == (datetime(1898, 8, 27), "day")
    assert fuller_date(1903, "From The Socialist, September 1903.") == (datetime(1903, 9, 1), "month")
    assert fuller_date(1898, "Written: June 1898. First published: August 27, 1898") is None
    assert fuller_date(1898, "From Justice, August 27, 1897") is None  # another year
    assert fuller_date(1884, "Source: To-Day, Jan-June 1884") is None
    assert fuller_date(1898, "February 30, 1898") is None


def test_a_year_only_date_matches_its_year_and_ranges_but_no_day_or_month(run: Callable) -> None:
    assert titles(run, "date:1960-01-01") == []
    assert titles(run, "date:1960-01") == []
    address = "Mr. President, Mr. Speaker, Members of the 86th…"
    assert titles(run, "date:1960") == [address]
    assert titles(run, "date:[1959 TO 1961]") == [address]
    assert set(titles(run, "date:>1959-06")) == {address, "Unzoned", "Zoned"}
    assert titles(run, "date:1898-08-27") == ["Labour Representation"]


def test_sorting_puts_a_year_at_its_start(run: Callable) -> None:
    oldest = titles(run, "date:<2000", "--sort", "oldest")
    assert oldest.index("A Few Words with Mr Herbert Spencer") < oldest.index("A March day")
    assert oldest[0] == "The Federalist No. 59"


def test_the_command_line_shows_only_what_the_source_gave(run: Callable) -> None:
    assert "Dwight D Eisenhower · 1960 · " in run("search", "date:1960").output
    federalist = run("search", "date:1788").output
    assert "Publius · 1788-02-22 · " in federalist and "00:00" not in federalist
    assert "Ann · 2011-10-19 10:25+01:00 · " in run("search", "zoned").output
    assert "Ann · 2011-10-20 13:18 · " in run("search", "unzoned").output
    hits = json.loads(run("search", "date:<2000", "--json", "--sort", "oldest").output)["hits"]
    assert [hit["date"] for hit in hits][:2] == ["1788-02-22", "1884"]


def test_export_round_trip_keeps_the_precision(run: Callable, tmp_path: Path, monkeypatch) -> None:
    exported = "".join(line for line in run("export").output.splitlines(keepends=True) if line.startswith("{"))
    dates = {record["title"]: record["date"] for record in map(json.loads, exported.splitlines())}
    assert dates["Labour Representation"] == "1898-08-27"
    assert dates["A Few Words with Mr Herbert Spencer"] == "1884"
    assert dates["Zoned"] == "2011-10-19T10:25:00+01:00" and dates["Unzoned"] == "2011-10-20T13:18:00"
    again = tmp_path / "again"
    again.mkdir()
    (again / "export.jsonl").write_text(exported, encoding="utf-8")
    monkeypatch.setenv("ESSAYS_INDEX", str(tmp_path / "index-again"))
    run("index", str(again))
    assert titles(run, "date:1884-01-01") == []
    assert set(titles(run, "date:1884")) == {"A Few Words with Mr Herbert Spencer", "A March day"}
    assert '"date": "1884"' in run("export").output


def test_the_page_the_api_and_the_feed_keep_the_precision(run: Callable, tmp_path: Path) -> None:
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "TESTING": True}).test_client()
    page = client.get("/search?q=date:1960").get_data(as_text=True)
    assert '<time datetime="1960">1960</time>' in page and "1960-01-01 00:00" not in page
    page = client.get("/search?q=date:1788").get_data(as_text=True)
    assert '<time datetime="1788-02-22">22 Feb 1788</time>' in page
    page = client.get("/search?q=zoned").get_data(as_text=True)
    assert '<time datetime="2011-10-19T10:25:00+01:00">19 Oct 2011, 10:25 +01:00</time>' in page
    page = client.get("/search?q=unzoned").get_data(as_text=True)
    assert '<time datetime="2011-10-20T13:18:00">20 Oct 2011, 13:18</time>' in page
    api = client.get("/api/search?q=date:1960").get_json()
    assert [hit["date"] for hit in api["hits"]] == ["1960"]
    feed = ElementTree.fromstring(client.get("/search.atom?q=date:>1959").data)
    updated = {entry.findtext(f"{ATOM}title"): entry.findtext(f"{ATOM}updated") for entry in feed.iter(f"{ATOM}entry")}
    assert updated["Mr. President, Mr. Speaker, Members of the 86th…"] == "1960-01-01T00:00:00+00:00"
    assert updated["Zoned"] == "2011-10-19T10:25:00+01:00"
