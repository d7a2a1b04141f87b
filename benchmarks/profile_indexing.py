"""Where indexing time goes: cProfile one single-process indexing run of IAC documents.

    .venv/bin/python benchmarks/profile_indexing.py [--size 10000] [--work /tmp/essays-profile] [--top 30]

The documents are cut from the corpus as bench.py cuts them (files of whole threads), under ``--work``
so a profile never touches another run's data; the index goes to a fresh folder beside them. Prints the
wall time, documents/s, peak memory and index size, then the top functions by own and cumulative time,
and the share of time in each stage (reading, analysis, posting pool, postings and blocks, stored fields,
merging), which is what benchmarks/results/profile-indexing.md records.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import shutil
import time
from pathlib import Path

from bench import disk_mb, prepare

from search.indexer import index_paths

# Stages by (file, function) of the frames that own the time; a function of None means the whole file.
# The time of a C built-in (pickle, zlib, sort) goes to the stages of its callers, in proportion.
STAGES: list[tuple[str, str, str | None]] = [
    ("reading JSON Lines into Documents", "search/readers/", None),
    ("reading JSON Lines into Documents", "json/", None),
    ("analysis (tokenise, fold, stem, encode postings)", "search/schema.py", None),
    ("analysis (tokenise, fold, stem, encode postings)", "whoosh/fields.py", "index"),
    ("posting pool (per-posting tuples, sorted pickled runs, merge)", "whoosh/externalsort.py", None),
    ("posting pool (per-posting tuples, sorted pickled runs, merge)", "whoosh/writing.py", "add"),
    ("posting pool (per-posting tuples, sorted pickled runs, merge)", "heapq.py", None),
    ("postings to blocks (field writer, lengths, pickle, zlib)", "whoosh/codec/", None),
    ("postings to blocks (field writer, lengths, pickle, zlib)", "whoosh/util/", None),
    ("postings to blocks (field writer, lengths, pickle, zlib)", "whoosh/filedb/filetables.py", None),
    ("postings to blocks (field writer, lengths, pickle, zlib)", "whoosh/filedb/structfile.py", None),
    ("postings to blocks (field writer, lengths, pickle, zlib)", "whoosh/columns.py", None),
    ("postings to blocks (field writer, lengths, pickle, zlib)", "search/blocks.py", None),
    ("batch writer (search/codec.py)", "search/codec", None),
    ("term index (search/termindex.py: term infos, varints, sorted terms)", "search/termindex.py", None),
    ("numpy (array work called from the stages above)", "numpy/", None),
    ("stored fields and columns", "whoosh/filedb/compound.py", None),
    ("Whoosh add_document glue", "whoosh/writing.py", None),
    ("indexer (search/indexer.py)", "search/indexer.py", None),
]
OTHER = "other"


def stage_of(filename: str, function: str) -> str:
    for stage, file_part, name in STAGES:
        if file_part in filename and name in (None, function):
            return stage
    return OTHER


def profile_run(data: Path, index_dir: Path) -> tuple[cProfile.Profile, float, float]:
    """The profile, wall seconds and CPU seconds of one indexing (CPU time is steadier on a shared machine)."""
    shutil.rmtree(index_dir, ignore_errors=True)
    profiler = cProfile.Profile(time.process_time)  # CPU time: other processes' load does not count
    started, cpu_started = time.perf_counter(), time.process_time()
    report = profiler.runcall(index_paths, index_dir, [data], procs=1)
    assert not report.failed, report.failed
    return profiler, time.perf_counter() - started, time.process_time() - cpu_started


def stage_shares(stats: pstats.Stats) -> dict[str, float]:
    """Own time per stage; a built-in's own time split over its callers' stages by the time each call took."""
    entries = stats.stats  # type: ignore[attr-defined]
    shares: dict[str, float] = {}

    def charge(function_key: tuple[str, int, str], seconds: float, depth: int = 0) -> None:
        filename, _, function = function_key
        callers = entries.get(function_key, (0, 0, 0, 0, {}))[4]
        if filename == "~" and callers and depth < 3:
            spent = sum(caller[2] for caller in callers.values()) or 1.0
            for caller_key, caller in callers.items():
                charge(caller_key, seconds * caller[2] / spent, depth + 1)
            return
        stage = stage_of(filename, function)
        shares[stage] = shares.get(stage, 0.0) + seconds

    for function_key, (_, _, tottime, _, _) in entries.items():
        charge(function_key, tottime)
    return shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", type=int, default=10_000, help="documents to index")
    parser.add_argument("--corpus", default="iac-4forums-politics")
    parser.add_argument("--work", type=Path, default=Path("/tmp/essays-profile"), help="scratch folder")
    parser.add_argument("--top", type=int, default=30, help="functions to list per order")
    parser.add_argument("--save", type=Path, help="also write the raw profile here (pstats format)")
    args = parser.parse_args()
    dataset = prepare(args.corpus, args.size, 500, work=args.work)
    profiler, seconds, cpu_seconds = profile_run(dataset.data, dataset.data.parent / "whoosh")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.size:,} documents ({dataset.body_mb:.1f} MB of body text) in {seconds:.1f} s "
          f"({cpu_seconds:.1f} CPU s) under cProfile (CPU time): "
          f"{args.size / seconds:,.0f} documents/s, {dataset.body_mb / seconds:.2f} MB/s, peak RSS {peak_mb:,.0f} MB, "
          f"index {disk_mb(dataset.data.parent / 'whoosh'):,.1f} MB")
    if args.save:
        profiler.dump_stats(args.save)
    stats = pstats.Stats(profiler)
    total = sum(stage_shares(stats).values())
    print("\nstage | seconds (own time) | share")
    for stage, own in sorted(stage_shares(stats).items(), key=lambda item: -item[1]):
        print(f"{stage} | {own:.1f} | {own / total:.0%}")
    for order in ("tottime", "cumulative"):
        print(f"\n=== top {args.top} by {order} ===", flush=True)
        stats.sort_stats(order).print_stats(args.top)


if __name__ == "__main__":
    main()
