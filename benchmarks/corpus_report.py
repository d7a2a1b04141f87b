"""Index each real corpus into a scratch index and print what a reader would find in it.

For every folder in ../shared/corpora (or those named): articles, comments, distinct
authors, articles with an author, undated documents, reply links resolved and failed,
duplicates found, files skipped and failed, problems and seconds. Run it on two checkouts
(e.g. ``git worktree add /tmp/base HEAD``; ``cd /tmp/base && python /path/to/corpus_report.py``)
to compare before and after; the code measured is whichever ``search`` package imports first.

    python benchmarks/corpus_report.py [--corpora DIR] [--work /tmp/corpus-report] [--json OUT] [NAME ...]

The Socialist Worker pages come as a tar.gz; it is unpacked once under ``--work``. The corpora
no reader takes as they are (forum dumps, speeches, State of the Union JSON) go through
``scripts/convert_corpus.py`` first, as a user would; idebate is read as it is (its JSON Lines and
saved pages), which is how its reply links were found broken.
Counts that older code cannot give (problem kinds) fall back to matching problem texts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path

import search
from search.indexer import index_paths
from search.store import open_index

DEFAULT_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
COLUMNS = ["articles", "comments", "authors", "articles with author", "undated", "replies resolved",
           "replies failed", "duplicates", "files read", "files failed", "files skipped", "problems", "seconds"]


CONVERTED = {"iac-4forums-politics", "un-general-debates", "sotu"}
CONVERTER = Path(__file__).resolve().parents[1] / "scripts" / "convert_corpus.py"


def corpus_paths(folder: Path, work: Path) -> list[Path]:
    """What to index for a corpus: its converted JSON Lines, its unpacked tar.gz, or the folder itself."""
    if folder.name in CONVERTED:
        out = work / f"{folder.name}.jsonl"
        if not out.exists():
            subprocess.run([sys.executable, str(CONVERTER), folder.name, str(out)], check=True)
        return [out]
    archives = sorted(folder.glob("*.tar.gz"))
    if not archives:
        return [folder]
    unpacked = work / f"{folder.name}-unpacked"
    if not unpacked.exists():
        partial = work / f"{folder.name}-partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        for archive in archives:
            with tarfile.open(archive) as tar:
                tar.extractall(partial, filter="data")
        shutil.copy(folder / "SOURCE.md", partial / "SOURCE.md")
        partial.rename(unpacked)
    return [unpacked]


def _kind(problem: object) -> str:
    kind = getattr(problem, "kind", None)
    if kind:
        return kind
    reason = str(getattr(problem, "reason", problem))
    if "reply link" in reason or "in_reply_to" in reason:
        return "reply link"
    if "duplicate" in reason or "same title, author and date" in reason:
        return "duplicate"
    return "other"


def measure(paths: list[Path], index_dir: Path) -> dict[str, object]:
    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.perf_counter()
    report = index_paths(index_dir, paths, procs=1)
    seconds = time.perf_counter() - started
    kinds = Counter(_kind(problem) for problem in report.problems)
    counts: Counter = Counter()
    authors: set[str] = set()
    with open_index(index_dir).searcher() as searcher:
        for fields in searcher.reader().all_stored_fields():
            kind = fields.get("kind")
            if kind not in ("article", "comment"):
                continue
            counts[kind] += 1
            author = " ".join((fields.get("author") or "").split())
            if author:
                authors.add(author.casefold().replace(" ", ""))
                if kind == "article":
                    counts["articles with author"] += 1
            if fields.get("date") is None:
                counts["undated"] += 1
            if fields.get("parent_id"):
                counts["replies resolved"] += 1
    skipped = getattr(report, "skipped", None)
    return {
        "articles": counts["article"], "comments": counts["comment"], "authors": len(authors),
        "articles with author": counts["articles with author"], "undated": counts["undated"],
        "replies resolved": counts["replies resolved"], "replies failed": kinds["reply link"],
        "duplicates": kinds["duplicate"], "files read": report.files_read, "files failed": len(report.failed),
        "files skipped": sum(skipped.values()) if skipped is not None else "n/a",
        "problems": len(report.problems), "seconds": round(seconds, 1),
        "skipped by type": dict(skipped) if skipped is not None else None,
        "problem kinds": dict(kinds),
    }


def markdown(rows: dict[str, dict[str, object]]) -> str:
    lines = ["| corpus | " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * len(COLUMNS)]
    for name, row in rows.items():
        lines.append(f"| {name} | " + " | ".join(f"{row[column]:,}" if isinstance(row[column], int) else
                                                 str(row[column]) for column in COLUMNS) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="corpus folder names (default: all)")
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--work", type=Path, default=Path("/tmp/corpus-report"))
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()
    print(f"code measured: {Path(search.__file__).parent}", file=sys.stderr)
    folders = [folder for folder in sorted(args.corpora.iterdir()) if folder.is_dir()
               and (not args.names or folder.name in args.names)]
    rows: dict[str, dict[str, object]] = {}
    for folder in folders:
        args.work.mkdir(parents=True, exist_ok=True)
        rows[folder.name] = measure(corpus_paths(folder, args.work), args.work / f"index-{folder.name}")
        print(folder.name, json.dumps(rows[folder.name]), file=sys.stderr, flush=True)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1))
    print(markdown(rows))


if __name__ == "__main__":
    main()
