"""What issue 12's features cost: quotation fingerprints at index time, and the timeline, author and quote lookups.

    .venv/bin/python benchmarks/insight.py [--sizes 10000,100000] [--cost-size 10000] [--queries 200]

For ``--cost-size`` documents of the IAC corpus (prepared by benchmarks/bench.py's ``prepare``), the
index is built twice in this process, one writer: with the ``quotes`` fingerprints and with them left
empty; the difference is their cost in seconds and megabytes. Then for each of ``--sizes`` an index
with fingerprints is built and timed: results pages (core search with facets, alone and with the
timeline; the rendered page through Flask's test client), author pages, and quotation lookups for
passages of 30 words cut from indexed documents and for whole documents. The table goes to stdout
and to benchmarks/results/insight.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from unittest import mock
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import disk_mb, documents_of, make_queries, prepare  # noqa: E402

from search import schema as schema_module  # noqa: E402
from search.authors import author_profile  # noqa: E402
from search.indexer import index_paths  # noqa: E402
from search.quotes import trace_document, trace_text  # noqa: E402
from search.results import search  # noqa: E402
from search.schema import QUOTE_MIN_RUN, quote_words  # noqa: E402
from search.store import IndexHandle  # noqa: E402
from search.timeline import page_timeline, search_timeline  # noqa: E402
from web import create_app  # noqa: E402

WORK = Path("/tmp/essays-insight-bench")
RESULTS = ROOT / "benchmarks" / "results" / "insight.md"
CORPUS = "iac-4forums-politics"


def build(data: Path, target: Path, fingerprints: bool, procs: int = 1) -> tuple[float, float]:
    """(seconds, MB on disk) of one build with ``procs`` writers, fingerprints on or left empty."""
    shutil.rmtree(target, ignore_errors=True)
    patch = mock.patch.object(schema_module, "quote_fingerprints", return_value=set()) if not fingerprints else None
    started = time.perf_counter()
    if patch:
        with patch:
            index_paths(target, [data], procs=procs)
    else:
        index_paths(target, [data], procs=procs)
    return time.perf_counter() - started, disk_mb(target)


def fingerprints_alone(documents: list, target: Path) -> tuple[float, float]:
    """(seconds, MB) of an index holding only the ``quotes`` field of the documents: the field's own cost
    at sizes where building the whole index twice would take too long."""
    from whoosh import index as whoosh_index
    from whoosh.fields import Schema

    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    index = whoosh_index.create_in(str(target), Schema(quotes=schema_module.FingerprintField()))
    started = time.perf_counter()
    writer = index.writer(limitmb=128)
    for document in documents:
        writer.add_document(quotes=document.body)
    writer.commit()
    return time.perf_counter() - started, disk_mb(target)


def latency(run: Callable[[object], object], items: list, warmup: int = 5) -> tuple[float, float]:
    for item in items[:warmup]:
        run(item)
    timings = []
    for item in items:
        started = time.perf_counter()
        run(item)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), statistics.quantiles(timings, n=20)[-1]


def passages(documents: list, count: int, words: int, rng: random.Random) -> list[str]:
    """Runs of ``words`` words cut from documents long enough to hold them."""
    spans = [(document.body, quote_words(document.body)) for document in documents]
    long_enough = [(body, found) for body, found in spans if len(found) >= words]
    cut = []
    for body, found in rng.sample(long_enough, min(count, len(long_enough))):
        start = rng.randrange(len(found) - words + 1)
        cut.append(body[found[start][1]:found[start + words - 1][2]])
    return cut


class Rows(list):
    """Table rows, each printed as it is added (a long run shows its figures as it goes)."""

    def append(self, row: str) -> None:
        super().append(row)
        print(row, flush=True)


def time_size(size: int, per_kind: int, rows: list[str], procs: int, reuse: bool) -> None:
    target = WORK / f"index-{size}"
    data = WORK / CORPUS / str(size) / "data"
    if reuse and target.exists() and data.exists():
        rows.append(f"| {size:,} | (index of an earlier run reused) | {disk_mb(target):,.1f} MB | |")
    else:
        data = prepare(CORPUS, size, 500, WORK).data
        seconds, megabytes = build(data, target, fingerprints=True, procs=procs)
        rows.append(f"| {size:,} | build with fingerprints, {procs} writer(s) | {seconds:.0f} s, "
                    f"{size / seconds:.0f} docs/s, {megabytes:,.1f} MB | |")
    documents = documents_of(data)
    if not reuse:
        alone = fingerprints_alone(documents, WORK / f"fingerprints-{size}")
        rows.append(f"| {size:,} | the quotes field alone (an index of it only, one writer) | {alone[0]:.0f} s, "
                    f"{alone[1]:,.1f} MB | {alone[1] / disk_mb(target) * 100:.0f}% of the full index |")
    rng = random.Random(12)
    queries = [query.whoosh() for query in make_queries(documents, per_kind) if query.kind == "full page"]
    handle = IndexHandle(target)
    searcher = handle.searcher()

    def page(text: str) -> int:
        return search(searcher, text).total

    def page_and_timeline(text: str) -> int:
        found = search(searcher, text)
        return found.total + page_timeline(found).total

    p50, p95 = latency(page, queries)
    rows.append(f"| {size:,} | results page, core (search + facets + spelling), {len(queries)} queries "
                f"| p50 {p50:.1f} ms | p95 {p95:.1f} ms |")
    p50, p95 = latency(page_and_timeline, queries)
    rows.append(f"| {size:,} | results page with its timeline (from the same pass), core | p50 {p50:.1f} ms "
                f"| p95 {p95:.1f} ms |")
    p50, p95 = latency(lambda text: search_timeline(searcher, text), queries)
    rows.append(f"| {size:,} | timeline in a pass of its own (essays timeline, author pages) | p50 {p50:.1f} ms "
                f"| p95 {p95:.1f} ms |")

    client = create_app({"INDEX_DIR": str(target), "TESTING": True}).test_client()
    p50, p95 = latency(lambda text: client.get("/search", query_string={"q": text}).status_code, queries)
    rows.append(f"| {size:,} | results page with timeline, rendered (Flask test client) | p50 {p50:.1f} ms "
                f"| p95 {p95:.1f} ms |")

    by_author = Counter(document.author for document in documents if document.author)
    authors = [name for name, _ in by_author.most_common(20)] + rng.sample(sorted(by_author), min(80, len(by_author)))
    p50, p95 = latency(lambda name: author_profile(searcher, name), authors)
    busiest = by_author.most_common(1)[0]
    rows.append(f"| {size:,} | author profile, core ({len(authors)} authors: the 20 busiest, up to "
                f"{busiest[1]:,} documents, and 80 at random) | p50 {p50:.1f} ms | p95 {p95:.1f} ms |")
    p50, p95 = latency(lambda name: client.get(f"/author/{quote(name, safe='')}").status_code, authors)
    rows.append(f"| {size:,} | author page, rendered | p50 {p50:.1f} ms | p95 {p95:.1f} ms |")

    texts = passages(documents, per_kind, 30, rng)
    found = [len(trace_text(searcher, text).appearances) for text in texts[:20]]
    p50, p95 = latency(lambda text: trace_text(searcher, text), texts)
    rows.append(f"| {size:,} | quotation lookup, 30-word passage ({len(texts)} passages; mean "
                f"{statistics.fmean(found):.1f} documents found) | p50 {p50:.1f} ms | p95 {p95:.1f} ms |")
    traceable = [document for document in documents if len(quote_words(document.body)) >= QUOTE_MIN_RUN
                 and searcher.document(id=document.id)]  # duplicates the indexer dropped are not there
    ids = [document.id for document in rng.sample(traceable, min(per_kind, len(traceable)))]
    p50, p95 = latency(lambda doc_id: trace_document(searcher, doc_id), ids)
    rows.append(f"| {size:,} | quotation lookup, a whole document ({len(ids)} documents) | p50 {p50:.1f} ms "
                f"| p95 {p95:.1f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--cost-size", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--procs", type=int, default=1, help="Writer processes for the timed builds.")
    parser.add_argument("--reuse", action="store_true", help="Time an index an earlier run left, if there is one.")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    rows = Rows(["| documents | measure | figure | |", "|---:|---|---:|---:|"])
    if args.cost_size:
        dataset = prepare(CORPUS, args.cost_size, 500, WORK)
        without = build(dataset.data, WORK / "cost-without", fingerprints=False)
        with_them = build(dataset.data, WORK / "cost-with", fingerprints=True)
        rows.append(f"| {args.cost_size:,} | indexing without / with fingerprints, one writer | {without[0]:.1f} s / "
                    f"{with_them[0]:.1f} s | +{(with_them[0] / without[0] - 1) * 100:.0f}% |")
        rows.append(f"| {args.cost_size:,} | index size without / with fingerprints | {without[1]:.1f} MB / "
                    f"{with_them[1]:.1f} MB | +{(with_them[1] / without[1] - 1) * 100:.0f}% |")
        shutil.rmtree(WORK / "cost-without", ignore_errors=True)
        shutil.rmtree(WORK / "cost-with", ignore_errors=True)
    for size in (int(size) for size in args.sizes.split(",") if size):
        time_size(size, args.queries, rows, args.procs, args.reuse)
    report = ["# Issue 12 (timelines, authors, quotations): costs and timings", "",
              f"`benchmarks/insight.py`, corpus {CORPUS}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
              "on the project's shared 2-core machine (other work running: single runs are noisy).", "", *rows, ""]
    RESULTS.write_text("\n".join(report), encoding="utf-8")
    print(f"written: {RESULTS}")


if __name__ == "__main__":
    main()
