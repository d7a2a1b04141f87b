"""How fast and how big: essay-search against SQLite FTS5 on a real corpus, at growing sizes.

    .venv/bin/python benchmarks/bench.py [--sizes 1000,10000,100000] [--corpus iac-4forums-politics]
                                         [--procs 2] [--queries 200] [--quick] [--profile 2000] [--work DIR]

Each size is written as JSON Lines files of whole threads under ``benchmarks/work/`` (or ``--work``) and indexed
twice, each build in its own process so its memory high-water mark can be read: by
``search.indexer.index_paths`` and into an FTS5 table. The same seeded queries then run through
``search.results.search`` and through FTS5 in this process, and one new file is indexed
incrementally. The table goes to stdout and to ``benchmarks/results/``. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psutil

from search.documents import Document
from search.indexer import find_sources, index_paths
from search.readers import read_file
from search.results import COMMENTS_PER_GROUP, SUGGEST_BELOW, search
from search.schema import STOP_WORDS
from search.store import IndexHandle

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"
RESULTS = ROOT / "benchmarks" / "results"
CONVERTER = ROOT / "scripts" / "convert_corpus.py"
WORDS_PER_ESSAY = 1500
KINDS = ("word", "words", "phrase", "author", "date range", "sort by date", "full page")
_WORD = re.compile(r"[A-Za-z]{3,}")
_NAME = re.compile(r"\w+(?: \w+)*")
_FTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs(id INTEGER PRIMARY KEY, title TEXT, author TEXT, body TEXT, kind TEXT,
                                date TEXT, year INTEGER, source TEXT, article TEXT);
CREATE INDEX IF NOT EXISTS docs_date ON docs(date);
CREATE INDEX IF NOT EXISTS docs_source ON docs(source);
CREATE INDEX IF NOT EXISTS docs_article ON docs(article);
CREATE TABLE IF NOT EXISTS sources(path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, author, body, content='docs', content_rowid='id',
                                                  tokenize='porter unicode61 remove_diacritics 2');
INSERT INTO fts(fts, rank) VALUES('rank', 'bm25(2.0, 1.0, 1.0)');
"""
_FTS_FROM = "FROM fts JOIN docs ON docs.id = fts.rowid WHERE fts MATCH ? {where}"
# The same page as ours (search.results.search): the 10 best articles, each ranked by its best match, and for each
# its own hit and its COMMENTS_PER_GROUP best matching comments, with highlighted titles and snippets; the number
# of matches and of articles (for the page count).
_FTS_COUNT = "SELECT count(*), count(DISTINCT docs.article) " + _FTS_FROM
_FTS_ARTICLES = "SELECT docs.article " + _FTS_FROM + " GROUP BY docs.article ORDER BY {best} LIMIT 10"
_FTS_MEMBERS = """
SELECT id FROM (SELECT docs.id AS id, row_number() OVER (PARTITION BY docs.article, docs.kind ORDER BY {order}) AS place
                """ + _FTS_FROM + """ AND docs.article IN ({articles})) WHERE place <= {shown}
"""
_FTS_SHOWN = """
SELECT docs.id, docs.title, docs.author, docs.date, docs.kind, highlight(fts, 0, '[', ']'),
       snippet(fts, 2, '[', ']', '…', 40)
FROM fts JOIN docs ON docs.id = fts.rowid WHERE fts MATCH ? AND fts.rowid IN ({ids})
"""
# What FTS5 was timed on before (kept as a footnote to the table): the 10 best documents, ungrouped.
_FTS_TOP_DOCUMENTS = """
SELECT docs.id, docs.title, docs.author, docs.date, docs.kind, highlight(fts, 0, '[', ']'),
       snippet(fts, 2, '[', ']', '…', 40)
""" + _FTS_FROM + " ORDER BY {order} LIMIT 10"
_FTS_FACET = "SELECT {column}, count(*) FROM docs WHERE id IN (SELECT rowid FROM fts WHERE fts MATCH ?) GROUP BY 1"


# --- the corpus, cut into sizes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """One size of the corpus on disk: its files, the held-back file for the reindex, and its text volume."""

    size: int
    data: Path
    new_file: Path
    body_mb: float
    words: int


def corpus_records(corpus: str, work: Path = WORK) -> Iterator[dict[str, Any]]:
    """The corpus in our JSON Lines format, converted once by scripts/convert_corpus.py and cached."""
    converted = work / corpus / "corpus.jsonl"
    if not converted.exists():
        converted.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(CONVERTER), corpus, str(converted) + ".part"], check=True)
        Path(str(converted) + ".part").rename(converted)
    with converted.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def _threads(records: Iterator[dict[str, Any]], limit: int) -> Iterator[dict[str, Any]]:
    """Whole threads until ``limit`` documents, the last one cut short to land on ``limit`` exactly."""
    taken = 0
    for record in records:
        if taken >= limit:
            return
        comments = record.get("comments") or []
        keep = min(len(comments), limit - taken - 1)
        taken += 1 + keep
        yield {**record, "comments": comments[:keep]}


def prepare(corpus: str, size: int, docs_per_file: int, work: Path = WORK) -> Dataset:
    """Write ``size`` documents as files of about ``docs_per_file`` documents, plus one more such file held back."""
    folder = work / corpus / str(size)
    shutil.rmtree(folder, ignore_errors=True)
    data, extra = folder / "data", folder / "new"
    data.mkdir(parents=True)
    extra.mkdir()
    records = corpus_records(corpus, work)
    body_bytes = words = 0
    chunk: list[str] = []
    chunk_docs = files = 0

    def flush(target: Path) -> None:
        nonlocal chunk, chunk_docs, files
        target.write_text("".join(chunk), encoding="utf-8")
        chunk, chunk_docs, files = [], 0, files + 1

    for record in _threads(records, size):
        bodies = [record["body"]] + [comment["body"] for comment in record["comments"]]
        body_bytes += sum(len(body.encode("utf-8")) for body in bodies)
        words += sum(len(body.split()) for body in bodies)
        chunk.append(json.dumps(record, ensure_ascii=False) + "\n")
        chunk_docs += len(bodies)
        if chunk_docs >= docs_per_file:
            flush(data / f"part-{files:05d}.jsonl")
    if chunk:
        flush(data / f"part-{files:05d}.jsonl")
    for record in _threads(records, docs_per_file):
        chunk.append(json.dumps(record, ensure_ascii=False) + "\n")
    new_file = extra / "part-new.jsonl"
    flush(new_file)
    return Dataset(size, data, new_file, body_bytes / 1e6, words)


def documents_of(data: Path) -> list[Document]:
    return [document for path in find_sources([data]) for document in read_file(path).documents]


# --- queries ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One benchmark query, said once and spoken in both dialects."""

    kind: str
    words: tuple[str, ...] = ()
    phrase: bool = False
    author: str = ""
    dates: tuple[date, date] | None = None
    newest: bool = False

    def whoosh(self) -> str:
        if self.author:
            return f'author:"{self.author}"' if " " in self.author else f"author:{self.author}"
        text = f'"{" ".join(self.words)}"' if self.phrase else " ".join(self.words)
        if self.dates:
            text += f" date:[{self.dates[0].isoformat()} to {self.dates[1].isoformat()}]"
        return text

    def fts(self) -> tuple[str, str, list[Any]]:
        """The MATCH expression, extra WHERE clauses and their parameters."""
        if self.author:
            return f'author : "{self.author}"', "", []
        words = f'"{" ".join(self.words)}"' if self.phrase else " ".join(f'"{word}"' for word in self.words)
        match = f"{{title body}} : ({words})"
        if self.dates:
            end = self.dates[1] + timedelta(days=1)
            return match, "AND docs.date >= ? AND docs.date < ?", [self.dates[0].isoformat(), end.isoformat()]
        return match, "", []


def make_queries(documents: list[Document], per_kind: int, seed: int = 42) -> list[Query]:
    """``per_kind`` queries of each kind, drawn with a seeded generator from the documents' own words."""
    rng = random.Random(seed)
    with_text = [document for document in documents if len(_content_words(document.body)) >= 4]
    dated = sorted(document.date for document in documents if document.date)
    authors = [document.author for document in documents if _NAME.fullmatch(document.author or "")]

    def some_words(count: int) -> tuple[str, ...]:
        return tuple(rng.sample(_content_words(rng.choice(with_text).body), count))

    def phrase() -> tuple[str, ...]:
        while True:
            tokens = rng.choice(with_text).body.split()
            starts = [index for index in range(len(tokens) - 2)
                      if all(token.isalpha() and token.isascii() for token in tokens[index:index + 3])
                      and _content_words(" ".join(tokens[index:index + 3]))]
            if starts:
                start = rng.choice(starts)
                return tuple(token.lower() for token in tokens[start:start + 3])

    def date_range() -> tuple[date, date]:
        first, last = dated[0].date(), dated[-1].date()
        start = first + timedelta(days=rng.randrange(max((last - first).days, 1)))
        return start, start + timedelta(days=rng.randint(7, 365))

    makers: dict[str, Callable[[], Query]] = {
        "word": lambda: Query("word", some_words(1)),
        "words": lambda: Query("words", some_words(rng.randint(2, 4))),
        "phrase": lambda: Query("phrase", phrase(), phrase=True),
        "author": lambda: Query("author", author=rng.choice(authors)),
        "date range": lambda: Query("date range", some_words(1), dates=date_range()),
        "sort by date": lambda: Query("sort by date", some_words(1), newest=True),
        "full page": lambda: Query("full page", some_words(rng.randint(1, 2))),
    }
    return [makers[kind]() for kind in KINDS for _ in range(per_kind)]


def _content_words(text: str) -> list[str]:
    return list(dict.fromkeys(word for word in map(str.lower, _WORD.findall(text)) if word not in STOP_WORDS))


def run_whoosh(searcher: Any, query: Query) -> int:
    page = search(searcher, query.whoosh(), sort="newest" if query.newest else "relevance",
                  facets=query.kind == "full page", suggestions=query.kind == "full page")
    return page.total


def run_fts(connection: sqlite3.Connection, query: Query) -> int:
    """Our page's work through FTS5: the count, the 10 best articles, their shown hits with snippets, facets."""
    match, where, params = query.fts()
    order, best = ("docs.date DESC", "max(docs.date) DESC") if query.newest else ("rank", "min(rank)")
    (total, _), = connection.execute(_FTS_COUNT.format(where=where), [match, *params]).fetchall()
    articles = [article for article, in connection.execute(_FTS_ARTICLES.format(where=where, best=best),
                                                             [match, *params])]
    if articles:
        members = connection.execute(_FTS_MEMBERS.format(where=where, order=order, shown=COMMENTS_PER_GROUP,
                                                          articles=", ".join("?" * len(articles))),
                                     [match, *params, *articles]).fetchall()
        connection.execute(_FTS_SHOWN.format(ids=", ".join(str(member) for member, in members)), [match]).fetchall()
    if query.kind == "full page":
        for column in ("author", "year", "kind"):
            connection.execute(_FTS_FACET.format(column=column), [match]).fetchall()
    return total


def run_fts_top_documents(connection: sqlite3.Connection, query: Query) -> int:
    """FTS5's ungrouped page as timed before: the 10 best documents with snippets, the count, facets."""
    match, where, params = query.fts()
    connection.execute(_FTS_TOP_DOCUMENTS.format(where=where, order="docs.date DESC" if query.newest else "rank"),
                       [match, *params]).fetchall()
    (total, _), = connection.execute(_FTS_COUNT.format(where=where), [match, *params]).fetchall()
    if query.kind == "full page":
        for column in ("author", "year", "kind"):
            connection.execute(_FTS_FACET.format(column=column), [match]).fetchall()
    return total


@dataclass(frozen=True)
class Latency:
    p50: float
    p95: float
    cpu_p50: float
    mean_hits: float


def time_queries(run: Callable[[Query], int], queries: list[Query], warmup: int = 10) -> dict[str, Latency]:
    """p50/p95 milliseconds per kind (and the p50 of CPU time, which a busy machine inflates less), after a few
    untimed queries of each kind."""
    for kind in KINDS:
        for query in [query for query in queries if query.kind == kind][:warmup]:
            run(query)
    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
    hits: dict[str, list[int]] = {kind: [] for kind in KINDS}
    for query in queries:
        started, cpu_started = time.perf_counter(), time.process_time()
        hits[query.kind].append(run(query))
        timings[query.kind].append((time.perf_counter() - started) * 1000)
        cpu[query.kind].append((time.process_time() - cpu_started) * 1000)
    return {kind: Latency(statistics.median(timings[kind]), statistics.quantiles(timings[kind], n=20)[-1],
                          statistics.median(cpu[kind]), statistics.fmean(hits[kind])) for kind in KINDS}


# --- builds, each in a child process ----------------------------------------------------------------------------


def fts5_update(db_path: Path, data: Path) -> None:
    """Bring an FTS5 database up to date with the files under ``data``: new or changed files are (re)written."""
    connection = sqlite3.connect(db_path)
    connection.executescript(_FTS_SCHEMA)
    known = {path: (size, mtime) for path, size, mtime in connection.execute("SELECT * FROM sources")}
    with connection:
        for path in find_sources([data]):
            key, stat = str(path.resolve()), path.stat()
            if known.get(key) == (stat.st_size, stat.st_mtime_ns):
                continue
            connection.execute("INSERT INTO fts(fts, rowid, title, author, body) "
                               "SELECT 'delete', id, title, author, body FROM docs WHERE source = ?", [key])
            connection.execute("DELETE FROM docs WHERE source = ?", [key])
            for document in read_file(path).documents:
                row = (document.title, document.author, document.body, document.kind,
                       document.date.isoformat() if document.date else None,
                       document.date.year if document.date else None, key, document.article_id)
                rowid = connection.execute("INSERT INTO docs(title, author, body, kind, date, year, source, "
                                           "article) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row).lastrowid
                connection.execute("INSERT INTO fts(rowid, title, author, body) VALUES (?, ?, ?, ?)",
                                   (rowid, *row[:3]))
            connection.execute("INSERT OR REPLACE INTO sources VALUES (?, ?, ?)", (key, stat.st_size,
                                                                                  stat.st_mtime_ns))
    connection.close()


def worker(engine: str, data: Path, target: Path, procs: int) -> None:
    """Index ``data`` into ``target`` and print the seconds and CPU seconds it took, as JSON."""
    def cpu() -> float:
        return sum(usage.ru_utime + usage.ru_stime for usage in
                   (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))

    cpu_started, started = cpu(), time.perf_counter()
    if engine == "whoosh":
        report = index_paths(target, [data], procs=procs)
        assert not report.failed, report.failed
    else:
        fts5_update(target, data)
    print(json.dumps({"seconds": time.perf_counter() - started, "cpu": cpu() - cpu_started}))


@dataclass(frozen=True)
class Build:
    seconds: float
    cores: float
    peak_mb: float


def measure(engine: str, data: Path, target: Path, procs: int) -> Build:
    """Run one indexing in a child process, sampling its process tree's memory (PSS) four times a second."""
    command = [sys.executable, __file__, "--worker", engine, "--data", str(data), "--target", str(target),
               "--procs", str(procs)]
    child = psutil.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = 0
    while child.poll() is None:
        peak = max(peak, _tree_pss(child))
        time.sleep(0.25)
    output = child.stdout.read()
    if child.returncode:
        raise SystemExit(f"{engine} indexing of {data} failed (exit {child.returncode})")
    figures = json.loads(output)
    return Build(figures["seconds"], figures["cpu"] / figures["seconds"], peak / 2**20)


def _tree_pss(process: psutil.Process) -> int:
    total = 0
    try:
        family = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for member in family:
        try:
            total += member.memory_full_info().pss
        except psutil.NoSuchProcess:  # a sub-writer that ended between listing and reading
            continue
    return total


def disk_mb(path: Path) -> float:
    files = [path] if path.is_file() else [child for child in path.rglob("*") if child.is_file()]
    return sum(child.stat().st_size for child in files) / 1e6


# --- one size, end to end ---------------------------------------------------------------------------------------


Row = tuple[str, float, float, str]


def bench_size(dataset: Dataset, queries: list[Query], procs: int) -> tuple[list[Row], list[str]]:
    """Build both indexes, time the queries on each, then index the held-back file; the rows for the table and
    notes to print under it."""
    folder = dataset.data.parent
    whoosh_dir, fts_db = folder / "whoosh", folder / "fts5.sqlite"
    ours = measure("whoosh", dataset.data, whoosh_dir, procs)
    theirs = measure("fts5", dataset.data, fts_db, 1)
    print(f"  built: ours {ours.seconds:.1f} s, FTS5 {theirs.seconds:.1f} s", flush=True)
    handle = IndexHandle(whoosh_dir)  # as the web app does: one handle, its searcher asked for per request
    our_latency = time_queries(lambda query: run_whoosh(handle.searcher(), query), queries)
    connection = sqlite3.connect(fts_db)
    fts_latency = time_queries(lambda query: run_fts(connection, query), queries)
    ungrouped = time_queries(lambda query: run_fts_top_documents(connection, query), queries)
    connection.close()
    sizes = disk_mb(whoosh_dir), disk_mb(fts_db)
    shutil.copy(dataset.new_file, dataset.data / dataset.new_file.name)
    our_reindex = measure("whoosh", dataset.data, whoosh_dir, procs)
    fts_reindex = measure("fts5", dataset.data, fts_db, 1)
    rows: list[Row] = [
        ("indexing, documents/s", dataset.size / ours.seconds, dataset.size / theirs.seconds, "{:,.0f}"),
        ("indexing, MB/s of body text", dataset.body_mb / ours.seconds, dataset.body_mb / theirs.seconds, "{:.2f}"),
        (f"indexing, essays/s ({WORDS_PER_ESSAY:,}-word equivalents)", dataset.words / WORDS_PER_ESSAY / ours.seconds,
         dataset.words / WORDS_PER_ESSAY / theirs.seconds, "{:,.0f}"),
        ("indexing, cores busy (CPU s / wall s)", ours.cores, theirs.cores, "{:.2f}"),
        ("indexing, documents per CPU second (steady under load)", dataset.size / (ours.seconds * ours.cores),
         dataset.size / (theirs.seconds * theirs.cores), "{:,.0f}"),
        ("indexing, peak memory MB (PSS of process tree)", ours.peak_mb, theirs.peak_mb, "{:,.0f}"),
        ("index size on disk, MB", *sizes, "{:,.1f}"),
    ]
    for kind in KINDS:
        mine, other = our_latency[kind], fts_latency[kind]
        rows += [(f"{kind}: p50 ms", mine.p50, other.p50, "{:.1f}"), (f"{kind}: p95 ms", mine.p95, other.p95, "{:.1f}"),
                 (f"{kind}: p50 CPU ms", mine.cpu_p50, other.cpu_p50, "{:.1f}"),
                 (f"{kind}: mean matches", mine.mean_hits, other.mean_hits, "{:,.0f}")]
    rows.append(("reindex after one new file, s", our_reindex.seconds, fts_reindex.seconds, "{:.2f}"))
    notes = ["FTS5 timed on less than our page, its 10 best documents ungrouped (as this table did before "
             "2026-11-30), p50 / p95 / p50 CPU ms: "
             + "; ".join(f"{kind} {ungrouped[kind].p50:.1f} / {ungrouped[kind].p95:.1f} / {ungrouped[kind].cpu_p50:.1f}"
                         for kind in KINDS)]
    return rows, notes


# --- the report -------------------------------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return [f"- CPU: {os.cpu_count()} cores, {cpu}; load average at start {load}",
            f"- memory: {psutil.virtual_memory().total / 2**30:.1f} GiB",
            f"- Python {platform.python_version()} on {platform.platform()}",
            f"- whoosh-reloaded {version('whoosh-reloaded')}, PyStemmer {version('PyStemmer')}, "
            f"SQLite {sqlite3.sqlite_version}"]


def table(rows: list[Row]) -> list[str]:
    lines = ["| measure | essay-search | FTS5 | ratio (ours / FTS5) |", "|---|---:|---:|---:|"]
    for label, ours, theirs, form in rows:
        ratio = f"{ours / theirs:.2f}" if theirs else "–"
        lines.append(f"| {label} | {form.format(ours)} | {form.format(theirs)} | {ratio} |")
    return lines


def targets(size: int, rows: list[Row]) -> list[str]:
    """Issue 13's targets, judged on the largest size."""
    ours = {label: value for label, value, _, _ in rows}
    theirs = {label: value for label, _, value, _ in rows}
    ratio = {label: value / other for label, value, other, _ in rows if other}

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    essays, cores = ours[f"indexing, essays/s ({WORDS_PER_ESSAY:,}-word equivalents)"], \
        ours["indexing, cores busy (CPU s / wall s)"]
    peak, size_ratio = ours["indexing, peak memory MB (PSS of process tree)"], ratio["index size on disk, MB"]
    slow = {kind: ratio[f"{kind}: p50 ms"] for kind in KINDS if ratio[f"{kind}: p50 ms"] > 3}
    page95, reindex = ours["full page: p95 ms"], ours["reindex after one new file, s"]
    lines = [f"Targets of issue 13, judged at {size:,} documents:", "",
             f"- indexing >= 300 essays/s of {WORDS_PER_ESSAY:,} words: {verdict(essays >= 300)} "
             f"({essays:,.0f}/s with {cores:.2f} cores busy)",
             f"- peak memory < 400 MB: {verdict(peak < 400)} ({peak:,.0f} MB)",
             f"- index size <= 2x FTS5: {verdict(size_ratio <= 2)} ({ours['index size on disk, MB']:,.1f} MB, "
             f"{size_ratio:.1f}x {theirs['index size on disk, MB']:,.1f} MB)",
             f"- every query kind p50 within 3x FTS5: {verdict(not slow)}"
             + (f" ({', '.join(f'{kind} {value:.1f}x' for kind, value in slow.items())})" if slow else ""),
             f"- full results page p95 < 150 ms: {verdict(page95 < 150)} ({page95:.1f} ms)",
             f"- one-file reindex < 1 s: {verdict(reindex < 1)} ({reindex:.2f} s)"]
    return lines


# --- profiling --------------------------------------------------------------------------------------------------


def profile(corpus: str, size: int, per_kind: int, docs_per_file: int) -> None:
    """cProfile one single-process indexing of ``size`` documents, then the full-page queries on that index."""
    dataset = prepare(corpus, size, docs_per_file, WORK)
    index_dir = dataset.data.parent / "whoosh"
    profiler = cProfile.Profile()
    profiler.runcall(index_paths, index_dir, [dataset.data], procs=1)
    _print_profile(f"indexing {size:,} documents, procs=1", profiler)
    queries = [query for query in make_queries(documents_of(dataset.data), per_kind) if query.kind == "full page"]
    handle = IndexHandle(index_dir)
    profiler = cProfile.Profile()
    for query in queries:
        profiler.runcall(run_whoosh, handle.searcher(), query)
    _print_profile(f"{len(queries)} full results pages on {size:,} documents", profiler)


def _print_profile(title: str, profiler: cProfile.Profile) -> None:
    for order in ("cumulative", "tottime"):
        print(f"\n=== {title}: top 30 by {order} ===", flush=True)
        pstats.Stats(profiler).strip_dirs().sort_stats(order).print_stats(30)


# --- the command ------------------------------------------------------------------------------------------------


def pin_code() -> None:
    """Re-run this command on a copy of search/ taken now, so edits to the work tree during a long run
    cannot mix versions between the builds (child processes) and the queries (this one)."""
    snapshot = WORK / f"code-{os.getpid()}"  # exec keeps the pid, so the run can remove it at the end
    shutil.rmtree(snapshot, ignore_errors=True)
    shutil.copytree(ROOT / "search", snapshot / "search", ignore=shutil.ignore_patterns("__pycache__"))
    os.environ.update(BENCH_CODE=str(snapshot), PYTHONPATH=str(snapshot))
    os.execv(sys.executable, [sys.executable, __file__, *sys.argv[1:]])


def code_state() -> str:
    """Which code was measured: the commit, and the files of search/ changed since."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.rstrip()

    changed = git("status", "--porcelain", "--", "search").splitlines()
    return f"- code: commit {git('rev-parse', '--short', 'HEAD')}" + (
        f" with uncommitted changes to {', '.join(line[3:] for line in changed)}" if changed else "")


def main() -> None:
    global WORK
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="documents per index, comma-separated")
    parser.add_argument("--corpus", default="iac-4forums-politics", help="a corpus scripts/convert_corpus.py knows")
    parser.add_argument("--procs", type=int, default=2, help="writer processes for essay-search")
    parser.add_argument("--queries", type=int, default=200, help="queries of each kind")
    parser.add_argument("--docs-per-file", type=int, default=500, help="documents per input file (whole threads)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1,000 documents, 50 queries per kind")
    parser.add_argument("--label", help="saved as YYYY-MM-DD-LABEL.md; latest.md is only written by a full run")
    parser.add_argument("--work", type=Path, default=WORK, help="where corpora, indexes and the code copy go")
    parser.add_argument("--profile", type=int, metavar="DOCS", help="cProfile indexing and full pages instead")
    parser.add_argument("--worker", choices=("whoosh", "fts5"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.data, args.target, args.procs)
        return
    WORK = args.work
    if "BENCH_CODE" not in os.environ:
        pin_code()
    try:
        run(args)
    finally:
        shutil.rmtree(os.environ["BENCH_CODE"])


def run(args: argparse.Namespace) -> None:
    if args.quick:
        args.sizes, args.queries = "1000", 50
    if args.profile:
        profile(args.corpus, args.profile, args.queries, args.docs_per_file)
        return
    sizes = sorted(int(size) for size in args.sizes.split(","))
    lines = [f"# essay-search vs SQLite FTS5: {args.corpus}, {datetime.now():%Y-%m-%d %H:%M}", "", *machine(),
             code_state(), "",
             f"Settings: `--procs {args.procs}` for essay-search (FTS5 is single-threaded), {args.queries} queries "
             f"of each kind (seed 42), input files of about {args.docs_per_file} documents (whole threads). "
             f"Ratios are ours / FTS5: above 1 means larger (slower, for times).", "",
             f"Every query does a results page's work on both sides: count all matches and the articles they belong "
             f"to, find the 10 best articles (each ranked by its best match), and show each one's own hit and up to "
             f"{COMMENTS_PER_GROUP} of its best matching comments with a highlighted title and a snippet; the full "
             f"page adds the author, year and kind facets (and, ours only, a spelling suggestion under "
             f"{SUGGEST_BELOW} matches). Ours: `search.results.search`; FTS5: a count, a GROUP BY for the "
             f"articles, a window query for their hits, then `highlight()` and `snippet()` for those.", ""]
    queries: list[Query] = []
    rows: list[Row] = []
    for size in sizes:
        print(f"{size:,} documents: preparing", flush=True)
        dataset = prepare(args.corpus, size, args.docs_per_file, WORK)
        if not queries:  # drawn from the smallest size, a prefix of every larger one, so all sizes share them
            queries = make_queries(documents_of(dataset.data), args.queries)
        rows, notes = bench_size(dataset, queries, args.procs)
        lines += [f"## {size:,} documents ({dataset.body_mb:,.1f} MB of body text, {dataset.words:,} words)", "",
                  *table(rows), "", *notes, ""]
        print("\n".join(lines[-len(rows) - len(notes) - 5:]), flush=True)
    lines += targets(sizes[-1], rows)
    report = "\n".join(lines) + "\n"
    print("\n" + report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    label = args.label or f"{args.corpus}{'-quick' if args.quick else ''}"
    name = f"{date.today().isoformat()}-{label}.md"
    (RESULTS / name).write_text(report)
    if not args.quick and not args.label and sizes[-1] >= 100_000:
        (RESULTS / "latest.md").write_text(report)
    print(f"saved {RESULTS / name}")


if __name__ == "__main__":
    main()
