"""Excerpts of the real public corpora, through read_file and through scripts/convert_corpus.py."""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.readers import read_file, reader_for

FIXTURES = Path(__file__).parent / "fixtures" / "corpora"
_spec = importlib.util.spec_from_file_location(
    "convert_corpus", Path(__file__).parent.parent / "scripts" / "convert_corpus.py"
)
convert_corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(convert_corpus)


def converted(tmp_path: Path, name: str, source: Path) -> Path:
    """Run the converter CLI as a user would and return the JSONL file it wrote."""
    out = tmp_path / f"{name}.jsonl"
    result = CliRunner().invoke(convert_corpus.main, [name, str(out), "--source", str(source)])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize(
    "corpus", ["federalist-antifederalist", "marxists-mia-sample", "socialist-worker-us", "idebate-debatabase/html"]
)
def test_every_excerpt_file_reads_without_error(corpus: str) -> None:
    files = [p for p in sorted((FIXTURES / corpus).iterdir()) if p.is_file() and p.name != "SOURCE.md"]
    assert files
    for path in files:
        assert reader_for(path) is not None, path
        documents = read_file(path).documents
        assert len(documents) == 1 and documents[0].title and documents[0].body


def test_federalist_front_matter() -> None:
    (essay,) = read_file(FIXTURES / "federalist-antifederalist" / "federalist-10.md").documents
    assert (essay.title, essay.author, essay.date) == ("The Federalist No. 10", "Publius", datetime(1787, 11, 22))
    assert essay.body.startswith("The Same Subject Continued")
    assert "AMONG the numerous advantages promised by a well constructed Union" in essay.body


def test_federalist_source_error_is_kept_as_found() -> None:
    (essay,) = read_file(FIXTURES / "federalist-antifederalist" / "centinel-iii.md").documents
    assert essay.author == "Brutus"


def test_iac_forum_threads(tmp_path: Path) -> None:
    source = FIXTURES / "iac-4forums-politics" / "discussions-sample.jsonl.gz"
    records = list(convert_corpus.iac_4forums_politics(source))
    assert [r["title"] for r in records] == ["Parental Consent", "Forfeiture laws", "Human Cloning"]
    assert records[0]["tags"] == ["Abortion"]

    result = read_file(converted(tmp_path, "iac-4forums-politics", source))
    assert result.problems == []
    forfeiture = [d for d in result.documents if d.title == "Forfeiture laws"]
    article, ghetto, broker, emclean, daewoo, emclean2 = forfeiture
    assert (article.kind, article.author, article.date) == ("article", "admin", datetime(2003, 1, 26, 23, 8))
    assert [c.author for c in forfeiture[1:]] == ["ghettocracka", "Broker", "emclean", "daewoo", "emclean"]
    assert ghetto.parent_id is None and broker.parent_id is None  # answers to the opening post
    assert emclean.parent_id == broker.id and daewoo.parent_id == emclean.id and emclean2.parent_id == daewoo.id
    assert "Don\u2019t forget" in emclean2.body  # &#8217; decoded
    assert sum(d.kind == "comment" for d in result.documents) == 3 + 5 + 9


def test_un_general_debates(tmp_path: Path) -> None:
    result = read_file(
        converted(tmp_path, "un-general-debates", FIXTURES / "un-general-debates" / "speeches-sample.jsonl.gz")
    )
    argentina, yemen, _ = result.documents
    assert (argentina.title, argentina.author, argentina.date) == (
        "Argentina, General Debate 1950",
        "Mr. REMORINO",
        datetime(1950, 1, 1),
    )
    assert argentina.tags == ("Argentina",)
    assert (yemen.title, yemen.author) == ("YMD, General Debate 1975", "")  # no speakers-sheet row
    assert result.problems == []


def test_sotu(tmp_path: Path) -> None:
    result = read_file(converted(tmp_path, "sotu", FIXTURES / "sotu"))
    washington, obama = result.documents
    assert (washington.title, washington.author, washington.date, washington.tags) == (
        "State of the Union, 1790",
        "George Washington",
        datetime(1790, 1, 1),
        (),
    )
    assert (obama.author, obama.tags) == ("Barack Obama", ("Democratic",))
    assert obama.body.startswith("Thank you. Mr. Speaker")


def test_idebate_debates_with_points_and_counters(tmp_path: Path) -> None:
    result = read_file(converted(tmp_path, "idebate-debatabase", FIXTURES / "idebate-debatabase" / "debates.jsonl"))
    assert result.problems == []
    debate = result.documents[0]
    assert (debate.kind, debate.title) == ("article", "This House believes the Mexico-US border fence is justified")
    assert debate.date.isoformat() == "2012-01-26T16:32:42+01:00"  # the offset as given
    assert debate.tags == ("society", "international")
    point, counter = result.documents[1:3]
    assert point.heading == "The fence is a serious environmental threat and endangers wildlife."
    assert point.body.startswith("By cutting off")
    assert point.id.endswith(".con01a") and counter.id.endswith(".con01b")
    assert point.parent_id is None and counter.parent_id == point.id
    comments = [d for d in result.documents if d.article_id == debate.id and d.kind == "comment"]
    assert len(comments) == 21


def test_converter_limit_streams_only_what_is_asked(tmp_path: Path) -> None:
    out = tmp_path / "two.jsonl"
    source = FIXTURES / "iac-4forums-politics" / "discussions-sample.jsonl.gz"
    result = CliRunner().invoke(
        convert_corpus.main, ["iac-4forums-politics", str(out), "--limit", "2", "--source", str(source)]
    )
    assert result.exit_code == 0
    assert "2 articles, 8 comments" in result.output
    assert [json.loads(line)["title"] for line in out.read_text(encoding="utf-8").splitlines()] == [
        "Parental Consent",
        "Forfeiture laws",
    ]
