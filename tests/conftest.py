"""Shared fixtures: the seed archive and small archives the tests write themselves."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from search.indexer import index_paths

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "the-real-serge.txt"


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    """A copy of seeds/ the test may change."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture
def seed_index(tmp_path: Path, seed_dir: Path) -> Path:
    """An index of the seed archive."""
    index_dir = tmp_path / "index"
    index_paths(index_dir, [seed_dir])
    return index_dir


def article(title: str, author: str, date: str, body: str, comments: list[dict] | None = None, **extra) -> dict:
    """One JSON Lines record: an article with its comments."""
    return {"title": title, "author": author, "date": date, "body": body, "comments": comments or [], **extra}


@pytest.fixture
def write_archive(tmp_path: Path) -> Callable[[str, list[dict]], Path]:
    """Write records as a JSON Lines archive file under tmp_path/archive and return its path."""
    folder = tmp_path / "archive"

    def write(name: str, records: list[dict]) -> Path:
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
        return path

    return write


def many_articles(count: int, authors: tuple[str, ...] = ("Ada Byron", "Rosa Luxemburg", "Karl Kautsky"),
                  first_year: int = 2001) -> list[dict]:
    """``count`` articles about the general strike across several authors and years, each with two comments."""
    records = []
    for number in range(count):
        author = authors[number % len(authors)]
        year = first_year + number % 5
        records.append(article(
            f"Essay {number} on the general strike", author, f"{year}-0{1 + number % 9}-1{number % 10}",
            f"Essay number {number}. The general strike is discussed by {author}.\n\nA second paragraph.",
            [{"author": "Reader One", "date": f"{year}-10-01", "body": f"A reply to essay {number} on the strike."},
             {"author": "Reader Two", "date": f"{year}-10-02", "body": "I disagree.", "in_reply_to": 0}],
        ))
    return records
