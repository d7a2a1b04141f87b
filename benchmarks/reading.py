"""How fast a folder of archive files is read and indexed: files/s, documents/s and cores busy.

    python benchmarks/reading.py FOLDER [--procs 1 2] [--work /tmp/reading-bench]

Each run indexes FOLDER afresh into a scratch index with ``index_paths(..., procs=N)`` (N reader
processes feeding the writer in file order, and N writer processes) and prints one Markdown row.
"Cores busy" is the CPU time of this process and its children over the wall time; "files per CPU s"
is the work itself, which a machine shared with other jobs does not distort as much. Run it from
another checkout (``PYTHONPATH=/tmp/base``) to measure older code the same way.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import time
from pathlib import Path

import search
from search.indexer import index_paths


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(folder: Path, procs: int, index_dir: Path) -> str:
    shutil.rmtree(index_dir, ignore_errors=True)
    wall, cpu = time.perf_counter(), cpu_seconds()
    report = index_paths(index_dir, [folder], procs=procs)
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    files = report.files_read + len(report.failed)
    documents = sum(report.added.values())
    return (f"| {folder.name} | {procs} | {files:,} | {documents:,} | {wall:,.1f} | {files / wall:,.1f} | "
            f"{documents / wall:,.1f} | {cpu / wall:.2f} | {files / cpu:,.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--procs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--work", type=Path, default=Path("/tmp/reading-bench"))
    args = parser.parse_args()
    print(f"code measured: {Path(search.__file__).parent}")
    print("| folder | procs | files | documents | wall s | files/s | documents/s | cores busy | files per CPU s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for procs in args.procs:
        print(measure(args.folder, procs, args.work / f"index-{procs}"), flush=True)


if __name__ == "__main__":
    main()
