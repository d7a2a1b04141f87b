"""The server under load: concurrent clients against ``essays serve``, with and without a reindex beside it.

    .venv/bin/python benchmarks/load.py prepare /tmp/web-load --size 20000
    .venv/bin/python benchmarks/load.py run /tmp/web-load [--clients 4] [--seconds 30] [--out FILE]

``prepare`` converts the IAC 4forums politics corpus with ``scripts/convert_corpus.py`` (as bench.py
does), writes its first SIZE documents as JSON Lines files of whole threads under DIR/data, the next
documents under DIR/more (what the reindex adds), and indexes DIR/data into DIR/index.

``run`` starts ``essays serve`` on a copy of that index and runs two phases of SECONDS each: CLIENTS
threads sending a seeded mix of ordinary and pathological queries (issue 14's table) over HTTP, first
with nothing else running, then while ``essays index`` adds DIR/more in another process. It prints,
per phase, throughput, p50/p95/p99 of the ordinary queries, how the pathological ones ended (answered,
partial, refused with 400, turned away with 503) and every other status, as a Markdown table.
Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONVERTER = ROOT / "scripts" / "convert_corpus.py"
ESSAYS = Path(sys.executable).with_name("essays")
DOCS_PER_FILE = 500
_WORD = re.compile(r"[A-Za-z]{4,}")

# Issue 14's table: each of these held a server for 14 s to over two minutes at 20,000 documents.
PATHOLOGICAL = [
    "*", "?*", "*a*", "a~2 b~2 c~2 d~2 e~2 f~2 g~2 h~2 i~2 j~2",
    "abortion~2 government~2 religion~2 freedom~2 country~2",
    " OR ".join(["the", "and", "people", "would", "government", "right", "think", "because", "that", "what"] * 19),
]
PATHOLOGICAL_SORTED = [("*", "newest")]


# --- prepare ----------------------------------------------------------------------------------------------------


def prepare(folder: Path, size: int) -> None:
    """Corpus -> DIR/data (SIZE documents), DIR/more (the reindex's documents), DIR/index."""
    converted = folder / "corpus.jsonl"
    folder.mkdir(parents=True, exist_ok=True)
    if not converted.exists():
        subprocess.run([sys.executable, str(CONVERTER), "iac-4forums-politics", str(converted),
                        "--limit", str(max(100, size // 10))], check=True)
    with converted.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    taken = _write_threads(records, folder / "data", size)
    _write_threads(records[taken:], folder / "more", size // 4)
    shutil.rmtree(folder / "index", ignore_errors=True)
    subprocess.run([str(ESSAYS), "index", str(folder / "data"), "--index", str(folder / "index"), "--procs", "2"],
                   check=True)


def _write_threads(records: list[dict], target: Path, size: int) -> int:
    """Whole threads into files of about DOCS_PER_FILE documents until ``size``; returns the records used."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    chunk: list[str] = []
    docs = chunk_docs = used = files = 0
    for record in records:
        if docs >= size:
            break
        comments = (record.get("comments") or [])[:size - docs - 1]
        chunk.append(json.dumps({**record, "comments": comments}, ensure_ascii=False) + "\n")
        docs += 1 + len(comments)
        chunk_docs += 1 + len(comments)
        used += 1
        if chunk_docs >= DOCS_PER_FILE:
            (target / f"part-{files:05d}.jsonl").write_text("".join(chunk), encoding="utf-8")
            chunk, chunk_docs, files = [], 0, files + 1
    if chunk:
        (target / f"part-{files:05d}.jsonl").write_text("".join(chunk), encoding="utf-8")
    return used


# --- queries ----------------------------------------------------------------------------------------------------


def ordinary_queries(folder: Path, count: int, seed: int = 14) -> list[tuple[str, str]]:
    """(query, sort) pairs a reader would send: words, two words, a phrase, an author, a date range, newest first."""
    rng = random.Random(seed)
    records = [json.loads(line) for path in sorted((folder / "data").glob("*.jsonl"))
               for line in path.read_text(encoding="utf-8").splitlines()]
    posts = [post for record in records for post in [record, *record["comments"]]
             if len(_WORD.findall(post["body"])) > 8]
    authors = sorted({post["author"] for post in posts if re.fullmatch(r"[A-Za-z]\w*", post["author"] or "")})
    queries: list[tuple[str, str]] = []
    while len(queries) < count:
        words = _WORD.findall(rng.choice(posts)["body"])
        shape = len(queries) % 6
        if shape == 0:
            queries.append((rng.choice(words).lower(), "relevance"))
        elif shape == 1:
            queries.append((" ".join(rng.sample(words, 2)).lower(), "relevance"))
        elif shape == 2:
            start = rng.randrange(len(words) - 2)
            queries.append((f'"{" ".join(words[start:start + 3])}"', "relevance"))
        elif shape == 3:
            queries.append((f"author:{rng.choice(authors)}", "relevance"))
        elif shape == 4:
            year = rng.randrange(2003, 2012)
            queries.append((f"{rng.choice(words).lower()} date:[{year} to {year + 1}]", "relevance"))
        else:
            queries.append((rng.choice(words).lower(), "newest"))
    return queries


# --- run --------------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    pathological: bool
    status: int
    seconds: float
    partial: bool = False


@dataclass
class Phase:
    name: str
    seconds: float
    outcomes: list[Outcome] = field(default_factory=list)
    reindex_seconds: float | None = None

    def row(self) -> dict[str, str]:
        ordinary = sorted(o.seconds * 1000 for o in self.outcomes if not o.pathological and o.status == 200)
        hostile = [o for o in self.outcomes if o.pathological]
        statuses = Counter(o.status for o in self.outcomes)
        return {
            "phase": self.name,
            "requests/s": f"{len(self.outcomes) / self.seconds:.1f}",
            "ordinary answered": f"{len(ordinary):,}",
            "ordinary p50 ms": _percentile(ordinary, 50), "ordinary p95 ms": _percentile(ordinary, 95),
            "ordinary p99 ms": _percentile(ordinary, 99),
            "pathological sent": f"{len(hostile):,}",
            "cut short (partial)": f"{sum(o.partial for o in hostile):,}",
            "refused (400)": f"{sum(o.status == 400 for o in hostile):,}",
            "complete": f"{sum(o.status == 200 and not o.partial for o in hostile):,}",
            "pathological max ms": f"{max((o.seconds * 1000 for o in hostile), default=0):,.0f}",
            "busy (503)": f"{statuses[503]:,}",
            "errors (5xx, other)": f"{sum(n for s, n in statuses.items() if s not in (200, 400, 503)):,}",
            "reindex s": "" if self.reindex_seconds is None else f"{self.reindex_seconds:.1f}",
        }


def _percentile(values: list[float], percent: int) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.0f}"
    return f"{statistics.quantiles(values, n=100, method='inclusive')[percent - 1]:.0f}"


def fetch(base: str, path: str, query: str, sort: str = "relevance") -> Outcome:
    params = {"q": query} | ({"sort": sort} if sort != "relevance" else {})
    url = f"{base}{path}?{urllib.parse.urlencode(params)}"
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            body, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    except OSError:
        body, status = b"", 599
    seconds = time.perf_counter() - started
    partial = (b'"partial": true' in body or b'"partial":true' in body) if path.startswith("/api/") \
        else b"notice partial" in body
    return Outcome(False, status, seconds, partial)


def clients(base: str, count: int, seconds: float, ordinary: list[tuple[str, str]], pathological_share: float,
            seed: int) -> list[Outcome]:
    """``count`` threads sending queries until ``seconds`` pass; each pathological with the given chance."""
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    hostile = [(query, "relevance") for query in PATHOLOGICAL] + PATHOLOGICAL_SORTED

    def client(number: int) -> None:
        rng = random.Random(seed * 100 + number)
        while time.monotonic() < deadline:
            is_hostile = rng.random() < pathological_share
            query, sort = rng.choice(hostile if is_hostile else ordinary)
            outcome = fetch(base, rng.choice(["/search", "/api/search"]), query, sort)
            outcome.pathological = is_hostile
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=client, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(folder: Path, client_count: int, seconds: float, pathological_share: float, out: Path | None) -> str:
    """Serial pathological timings, then a quiet phase and a reindex phase; returns the Markdown report."""
    run_index = folder / "run-index"
    shutil.rmtree(run_index, ignore_errors=True)
    shutil.copytree(folder / "index", run_index)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(ESSAYS), "serve", "--index", str(run_index), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(base)
        ordinary = ordinary_queries(folder, 300)
        for query, sort in ordinary[:20]:  # warm the caches, untimed
            fetch(base, "/api/search", query, sort)
        lines = [f"# Load run: {client_count} clients, {seconds:.0f} s per phase, "
                 f"{pathological_share:.0%} pathological, index of {_documents(base):,} documents", "",
                 f"{os.cpu_count()} cores; load average before the run {os.getloadavg()[0]:.1f} "
                 f"(other processes on the machine count too). Server: `essays serve` with its default limits.", ""]
        lines += serial_table(base)
        phases = [Phase("no reindex", seconds), Phase("during reindex", seconds)]
        phases[0].outcomes = clients(base, client_count, seconds, ordinary, pathological_share, 1)
        started = time.monotonic()
        indexer = subprocess.Popen([str(ESSAYS), "index", str(folder / "more"), "--index", str(run_index),
                                    "--batch", "1000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        phases[1].outcomes = clients(base, client_count, seconds, ordinary, pathological_share, 2)
        indexer.wait()
        phases[1].reindex_seconds = time.monotonic() - started
        lines += ["", "## Concurrent clients", "", *_markdown([phase.row() for phase in phases]), "",
                  f"Index after the reindex: {_documents(base):,} documents. 'reindex s' is how long "
                  f"`essays index` took to add DIR/more beside the clients (when longer than the phase, "
                  f"the whole phase ran during it)."]
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(run_index, ignore_errors=True)
    report = "\n".join(lines) + "\n"
    if out:
        out.write_text(report, encoding="utf-8")
    return report


def serial_table(base: str) -> list[str]:
    """Issue 14's pathological queries one at a time, through the page and the API."""
    rows = []
    for query, sort in [(query, "relevance") for query in PATHOLOGICAL] + PATHOLOGICAL_SORTED:
        row = {"query": f"`{query[:60]}{'…' if len(query) > 60 else ''}`" + (" sorted newest" if sort != "relevance"
                                                                            else "")}
        for label, path in (("page", "/search"), ("API", "/api/search")):
            outcome = fetch(base, path, query, sort)
            ending = "partial" if outcome.partial else {200: "complete", 400: "refused"}.get(outcome.status,
                                                                                             str(outcome.status))
            row[f"{label} ms"] = f"{outcome.seconds * 1000:,.0f}"
            row[f"{label} outcome"] = ending
        rows.append(row)
    return ["## Pathological queries, one at a time", "", *_markdown(rows)]


def _markdown(rows: list[dict[str, str]]) -> list[str]:
    header = list(rows[0])
    return ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header)))
            + "|", *("| " + " | ".join(row[name] for name in header) + " |" for row in rows)]


def _wait_for(base: str) -> None:
    for _ in range(300):
        try:
            with urllib.request.urlopen(base + "/help", timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server at {base} did not answer")


def _documents(base: str) -> int:
    with urllib.request.urlopen(base + "/api/search?q=" + urllib.parse.quote("kind:article OR kind:comment"),
                                timeout=120) as response:
        return json.load(response)["total"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    prepare_parser = commands.add_parser("prepare", help="write the corpus files and build DIR/index")
    prepare_parser.add_argument("folder", type=Path)
    prepare_parser.add_argument("--size", type=int, default=20_000)
    run_parser = commands.add_parser("run", help="serve DIR/index and load it")
    run_parser.add_argument("folder", type=Path)
    run_parser.add_argument("--clients", type=int, default=4)
    run_parser.add_argument("--seconds", type=float, default=30.0)
    run_parser.add_argument("--pathological", type=float, default=0.1, help="share of pathological queries")
    run_parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.folder, args.size)
    else:
        print(run(args.folder, args.clients, args.seconds, args.pathological, args.out), end="")


if __name__ == "__main__":
    main()
