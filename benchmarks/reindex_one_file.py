"""How much cheaper is reindexing after one new file than indexing the whole archive?

Writes ``--files`` JSON Lines archive files (one article with two comments each)
to a temporary folder, indexes them, adds one file, reindexes, and prints both
times and their ratio::

    python benchmarks/reindex_one_file.py [--files 2000] [--batch 5000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from search.indexer import IndexReport, index_paths


def write_file(folder: Path, number: int) -> None:
    record = {
        "title": f"Pamphlet {number} on the general strike",
        "author": ("Rosa Luxemburg", "Karl Kautsky", "Anton Pannekoek")[number % 3],
        "date": f"{1900 + number % 30}-0{1 + number % 9}-1{number % 10}",
        "body": f"Pamphlet number {number}. The mass strike, the party and the unions.\n\nA second paragraph.",
        "comments": [{"author": "Reader One", "date": "1931-01-01", "body": f"A reply to pamphlet {number}."},
                     {"author": "Reader Two", "date": "1931-01-02", "body": "I disagree.", "in_reply_to": 0}],
    }
    (folder / f"pamphlet-{number:06}.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")


def timed_index(index_dir: Path, archive: Path, batch: int) -> tuple[float, IndexReport]:
    started = time.perf_counter()
    report = index_paths(index_dir, [archive], batch_docs=batch)
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=2000, help="archive files to write (default: 2000)")
    parser.add_argument("--batch", type=int, default=5000, help="documents per commit (default: 5000)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="essays-bench-") as scratch:
        archive, index_dir = Path(scratch) / "archive", Path(scratch) / "index"
        archive.mkdir()
        for number in range(options.files):
            write_file(archive, number)
        full, report = timed_index(index_dir, archive, options.batch)
        print(f"full index of {report.files_seen} files ({sum(report.added.values())} documents, "
              f"{report.commits} commits): {full:.2f} s")
        write_file(archive, options.files)
        one, report = timed_index(index_dir, archive, options.batch)
        print(f"reindex after adding one file ({report.files_read} read, {report.files_unchanged} unchanged): "
              f"{one:.3f} s")
        print(f"ratio: {full / one:.0f}x faster")


if __name__ == "__main__":
    main()
