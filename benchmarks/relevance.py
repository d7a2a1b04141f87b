"""How well passage search ranks, and how fast: essay-search's passage mode against SQLite FTS5's bm25().

    .venv/bin/python benchmarks/relevance.py [--sets idebate,federalist,marxists,sotu,un,iac] [--queries 200]
                                             [--variants all|default] [--sizes 10000,100000] [--work DIR]

Evaluation sets, each built from a corpus in /work/shared/corpora and indexed once (cached under --work):

* idebate: every debate of the Debatabase (motion + introduction as the article, points and counter-points as
  comments). Query: a point's own text (the document itself excluded from the hits, as ``similar ID`` does).
  Relevant: its counter-point (grade 2) and every other document of its debate (grade 1).
* counter: the same queries, and only the point's counter-point relevant (as in the ArguAna task: find the
  best counter-argument).
* iac: the first 10,000 posts of the 4forums politics threads (as benchmarks/bench.py cuts them). Query: a post
  of 150-300 words, excluded from the hits. Relevant: the post it answers and its direct replies (grade 2), the
  rest of its thread (grade 1).
* federalist, marxists: held-out paragraphs. From every essay with at least three paragraphs one paragraph of
  60-400 words is drawn (seeded) and removed from the indexed copy; the paragraph is the query and its essay
  the one relevant document (known-item search).
* sotu, un: held-out paragraphs as above (a speech saved as one line is cut into runs of about 200 words);
  relevant: the speech it came from (grade 2) and the same president's, or the same country's, other speeches
  (grade 1; those with a paragraph held out, which is nearly all).

Both engines index the same documents, read back from our index, and exclude the same document for the
"excluded" sets. FTS5: ``porter unicode61 remove_diacritics 2``, the query's distinct words ORed over title and
body, ranked by ``bm25(fts, 2.0, 1.0)`` (title weight 2, as benchmarks/bench.py); "FTS5 unstemmed" is the same
with ``unicode61`` alone. Metrics: nDCG@10 (gain 2^grade - 1), Recall@100, MRR@10 (first relevant document).

Variants change one setting of search/similar.py at a time (the defaults are chosen from this table). Timing
rows: passages of 150-300 words (posts from beyond the indexed part of the corpus) through ``similar_to_text``
with facets (the page) and without (the CLI), and through FTS5, at each of --sizes documents of IAC.
Results go to stdout and benchmarks/results/relevance.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import platform
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import bench  # noqa: E402  (benchmarks/bench.py: the IAC cut into sizes)

from search import similar  # noqa: E402
from search.indexer import index_paths  # noqa: E402
from search.postings import POSTING_ARRAYS  # noqa: E402
from search.readers import read_file  # noqa: E402
from search.similar import PassageError, similar_to_document, similar_to_text  # noqa: E402
from search.store import IndexHandle  # noqa: E402

CORPORA = Path("/work/shared/corpora")
RESULTS = ROOT / "benchmarks" / "results"
SETS = ("idebate", "counter", "federalist", "marxists", "sotu", "un", "iac")
_WORD = re.compile(r"\w+")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "terms 10": {"MAX_TERMS": 10},
    "terms 50": {"MAX_TERMS": 50},
    "terms: all": {"MAX_TERMS": 10_000},
    "unstemmed": {"STEMMING": False},
    "b 0.9 + k1 2.0": {"BM25_B": 0.9, "BM25_K1": 2.0},
    "b 0.9 + terms 50": {"BM25_B": 0.9, "MAX_TERMS": 50},
    "b 0.9 + k1 2.0 + terms 50": {"BM25_B": 0.9, "BM25_K1": 2.0, "MAX_TERMS": 50},
    "b 0.9 + k1 1.6 + terms 35": {"BM25_B": 0.9, "BM25_K1": 1.6, "MAX_TERMS": 35},
    "BM25 b 1.0": {"BM25_B": 1.0},
    "title weight 0": {"TITLE_WEIGHT": 0.0},
    "title weight 1": {"TITLE_WEIGHT": 1.0},
    "BM25 b 0.5": {"BM25_B": 0.5},
    "BM25 b 0.9": {"BM25_B": 0.9},
    "BM25 k1 0.9": {"BM25_K1": 0.9},
    "BM25 k1 2.0": {"BM25_K1": 2.0},
    "no doc-share cut": {"MAX_DOC_SHARE": 1.0},
    "doc-share cut 0.1": {"MAX_DOC_SHARE": 0.1},
    "passage tf raw": {"query_weight": lambda count: float(count)},
    "passage tf ignored": {"query_weight": lambda count: 1.0},
}


@dataclass(frozen=True)
class Query:
    text: str
    relevant: dict[str, int]  # document id -> grade
    exclude: str | None = None  # the document the text came from, when it is in the index


@dataclass
class EvalSet:
    name: str
    index_dir: Path
    documents: list[dict[str, Any]]
    queries: list[Query]


# --- building the sets ------------------------------------------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    """Paragraphs at blank lines, else at line ends, else (a speech saved as one line) runs of ~200 words."""
    parts = [part.strip() for part in _PARAGRAPH.split(text)]
    if len(parts) < 3:
        parts = [part.strip() for part in text.split("\n")]
    if len(parts) < 3:
        parts, run = [], []
        for sentence in _SENTENCE.split(text):
            run.append(sentence)
            if sum(len(piece.split()) for piece in run) >= 200:
                parts.append(" ".join(run))
                run = []
        parts.append(" ".join(run))
    return [part for part in parts if part]


def _hold_out(records: list[dict[str, Any]], rng: random.Random) -> list[tuple[int, str]]:
    """Remove one paragraph of 60-400 words from each record with three or more; (record number, paragraph)."""
    held = []
    for number, record in enumerate(records):
        paragraphs = _paragraphs(record["body"])
        candidates = [part for part in paragraphs if 60 <= len(part.split()) <= 400]
        if len(paragraphs) < 3 or not candidates:
            continue
        chosen = rng.choice(candidates)
        record["body"] = "\n\n".join(part for part in paragraphs if part is not chosen)
        record["url"] = f"heldout:{number}"
        held.append((number, chosen))
    return held


def _md_records(folder: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted(folder.rglob("*.md")):
        if path.name in ("SOURCE.md", "README.md", "index.md"):
            continue
        try:
            documents = read_file(path).documents
        except Exception as error:  # noqa: BLE001 - a file our readers refuse is left out of the set, said once
            print(f"  skipped {path.name}: {error}", file=sys.stderr)
            continue
        for document in documents:
            if document.kind == "article" and len(document.body.split()) > 150:
                records.append({"title": document.title, "author": document.author,
                                "date": document.date.isoformat() if document.date else None,
                                "body": document.body})
    return records


def _speech_records(name: str) -> list[dict[str, Any]]:
    if name == "sotu":
        return [{"title": f"State of the Union, {speech['year']}", "author": speech["name"],
                 "date": str(speech["year"]), "body": speech["text"], "group": speech["name"]}
                for speech in (json.loads(path.read_text(encoding="utf-8"))
                               for path in sorted((CORPORA / "sotu").glob("*.json")))]
    records = []
    speeches = CORPORA / "un-general-debates" / "speeches-every-5th-year.jsonl.gz"
    with gzip.open(speeches, "rt", encoding="utf-8") as lines:
        for line in lines:
            speech = json.loads(line)
            country = speech["country"] or speech["country_iso3"]
            records.append({"title": f"{country}, General Debate {speech['year']}", "author": speech["speaker"] or "",
                            "date": str(speech["year"]), "body": speech["text"], "group": country})
    return records


def _index(name: str, records: list[dict[str, Any]], work: Path) -> Path:
    """Index the records once (cached by a marker file) and return the index folder."""
    folder = work / name
    index_dir = folder / "index"
    if (folder / "indexed").exists():
        return index_dir
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    data.mkdir(exist_ok=True)
    (data / f"{name}.jsonl").write_text("".join(json.dumps({key: value for key, value in record.items()
                                                            if key != "group"}, ensure_ascii=False) + "\n"
                                                for record in records), encoding="utf-8")
    started = time.perf_counter()
    index_paths(index_dir, [data])
    print(f"  indexed {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    (folder / "indexed").touch()
    return index_dir


def _read_back(index_dir: Path) -> list[dict[str, Any]]:
    searcher = IndexHandle(index_dir).searcher()
    return [dict(fields) for fields in searcher.all_stored_fields() if fields.get("kind") in ("article", "comment")]


def heldout_set(name: str, make_records: Callable[[], list[dict[str, Any]]], work: Path, limit: int,
                seed: int = 42) -> EvalSet:
    """Held-out paragraphs as queries. What was held out is saved beside the index, so a later run asks the
    same questions of the same index even if the readers have changed how they read the corpus since."""
    plan_file = work / name / "heldout.json"
    if plan_file.exists() and (work / name / "indexed").exists():
        plan = json.loads(plan_file.read_text(encoding="utf-8"))
    else:
        records = make_records()
        held = _hold_out(records, random.Random(seed))
        plan = {"held": held, "groups": {str(number): record["group"] for number, record in enumerate(records)
                                         if "group" in record}}
        if (work / name / "indexed").exists():
            print(f"  {name}: no {plan_file.name} beside a cached index: held-out paragraphs drawn again",
                  file=sys.stderr)
        _index(name, records, work)
        plan_file.write_text(json.dumps(plan), encoding="utf-8")
    index_dir = work / name / "index"
    documents = _read_back(index_dir)
    by_key = {document.get("url"): document["id"] for document in documents if document.get("url")}
    if len(by_key) != len(plan["held"]):
        raise SystemExit(f"{work / name} holds {len(by_key)} documents with a held-out paragraph where "
                         f"{len(plan['held'])} were drawn: delete the folder and run again")
    groups: dict[str, str] = plan["groups"]
    by_group: dict[str, list[str]] = {}
    for key, doc_id in by_key.items():
        if key.split(":")[1] in groups:
            by_group.setdefault(groups[key.split(":")[1]], []).append(doc_id)
    queries = []
    for number, paragraph in random.Random(seed + 1).sample(plan["held"], min(limit, len(plan["held"]))):
        source = by_key[f"heldout:{number}"]
        relevant = {source: 1}
        if str(number) in groups:
            relevant = {doc_id: 1 for doc_id in by_group[groups[str(number)]]}
            relevant[source] = 2
        queries.append(Query(paragraph, relevant))
    return EvalSet(name, index_dir, documents, queries)


def thread_set(name: str, index_dir: Path, limit: int, words: tuple[int, int], top_level_only: bool,
               seed: int = 42) -> EvalSet:
    """Queries from comments in the index, excluded from their own hits; relevant: their thread."""
    documents = _read_back(index_dir)
    threads: dict[str, list[dict[str, Any]]] = {}
    for document in documents:
        threads.setdefault(document["article_id"], []).append(document)
    candidates = [document for document in documents
                  if document["kind"] == "comment" and words[0] <= len(document["body"].split()) <= words[1]
                  and (not top_level_only or not document.get("parent_id"))]
    rng = random.Random(seed)
    queries = []
    for document in rng.sample(candidates, min(limit, len(candidates))):
        relevant = {other["id"]: 1 for other in threads[document["article_id"]] if other["id"] != document["id"]}
        for other in threads[document["article_id"]]:
            if other.get("parent_id") == document["id"] or other["id"] == document.get("parent_id"):
                relevant[other["id"]] = 2
        if relevant:
            queries.append(Query(document["body"], relevant, exclude=document["id"]))
    return EvalSet(name, index_dir, documents, queries)


def build_set(name: str, work: Path, limit: int, seed: int = 42) -> EvalSet:
    """A set's queries, drawn with ``seed`` (another seed, in another --work folder: another sample to tune on)."""
    print(f"set {name}", file=sys.stderr)
    if name == "counter":
        debates = build_set("idebate", work, limit, seed)
        queries = [Query(query.text, {doc_id: 1 for doc_id, grade in query.relevant.items() if grade == 2},
                         query.exclude) for query in debates.queries if 2 in query.relevant.values()]
        return EvalSet(name, debates.index_dir, debates.documents, queries)
    if name == "idebate":
        if (work / name / "indexed").exists():
            return thread_set(name, work / name / "index", limit, (20, 10_000), top_level_only=True, seed=seed)
        records = list(_converted("idebate-debatabase"))
        return thread_set(name, _index(name, records, work), limit, (20, 10_000), top_level_only=True, seed=seed)
    if name == "iac":
        return thread_set(name, iac_index(10_000, work), limit, (150, 300), top_level_only=False, seed=seed)
    if name == "federalist":
        return heldout_set(name, lambda: _md_records(CORPORA / "federalist-antifederalist"), work, limit, seed)
    if name == "marxists":
        return heldout_set(name, lambda: _md_records(CORPORA / "marxists-mia-sample"), work, limit, seed)
    return heldout_set(name, lambda: _speech_records(name), work, limit, seed)


def _converted(corpus: str) -> Iterator[dict[str, Any]]:
    output = subprocess.run([sys.executable, str(ROOT / "scripts" / "convert_corpus.py"), corpus, "-"],
                            check=True, capture_output=True, text=True).stdout
    for line in output.split("\n"):
        if not line:
            continue
        yield json.loads(line)


# --- the engines ------------------------------------------------------------------------------------------------


def ours(eval_set: EvalSet) -> Callable[[Query], list[str]]:
    searcher = IndexHandle(eval_set.index_dir).searcher()

    def run(query: Query) -> list[str]:
        try:
            if query.exclude:
                page = similar_to_document(searcher, query.exclude, limit=100, facets=False)
            else:
                page = similar_to_text(searcher, query.text, limit=100, facets=False)
        except PassageError:
            return []
        return [hit.id for hit in page.hits]

    return run


class Fts5:
    """The same documents in an in-memory FTS5 table; a passage's distinct words ORed, ranked by bm25()."""

    def __init__(self, documents: list[dict[str, Any]], stemmed: bool = True) -> None:
        tokenizer = "porter unicode61 remove_diacritics 2" if stemmed else "unicode61 remove_diacritics 2"
        self.db = sqlite3.connect(":memory:")
        self.db.execute(f"CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='{tokenizer}')")
        self.ids = [document["id"] for document in documents]
        self.rows = {doc_id: row for row, doc_id in enumerate(self.ids, start=1)}
        self.db.executemany("INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)",
                            ((row, document.get("title", ""), document.get("body", ""))
                             for row, document in enumerate(documents, start=1)))
        self.db.commit()

    def __call__(self, query: Query, limit: int = 100) -> list[str]:
        words = list(dict.fromkeys(word.lower() for word in _WORD.findall(query.text)))
        if not words:
            return []
        match = "{title body} : (" + " OR ".join(f'"{word}"' for word in words) + ")"
        excluded = self.rows.get(query.exclude, 0) if query.exclude else 0
        rows = self.db.execute("SELECT rowid FROM fts WHERE fts MATCH ? AND rowid != ? "
                               "ORDER BY bm25(fts, 2.0, 1.0) LIMIT ?", (match, excluded, limit)).fetchall()
        return [self.ids[row - 1] for (row,) in rows]


# --- scoring ----------------------------------------------------------------------------------------------------


def ndcg10(ranked: list[str], relevant: dict[str, int]) -> float:
    gains = [2 ** relevant.get(doc_id, 0) - 1 for doc_id in ranked[:10]]
    ideal = sorted((2 ** grade - 1 for grade in relevant.values()), reverse=True)[:10]
    best = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(ideal))
    return sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains)) / best if best else 0.0


def recall100(ranked: list[str], relevant: dict[str, int]) -> float:
    return len(set(ranked[:100]) & relevant.keys()) / len(relevant)


def mrr10(ranked: list[str], relevant: dict[str, int]) -> float:
    return next((1 / (rank + 1) for rank, doc_id in enumerate(ranked[:10]) if doc_id in relevant), 0.0)


def score(run: Callable[[Query], list[str]], queries: list[Query]) -> tuple[float, float, float]:
    results = [(run(query), query.relevant) for query in queries]
    return tuple(statistics.fmean(metric(ranked, relevant) for ranked, relevant in results)  # type: ignore[return-value]
                 for metric in (ndcg10, recall100, mrr10))


def set_variant(settings: dict[str, Any]) -> dict[str, Any]:
    """Apply a variant's settings to search/similar.py; returns the settings it replaced."""
    saved = {name: getattr(similar, name) for name in settings}
    for name, value in settings.items():
        setattr(similar, name, value)
    return saved


# --- timing -----------------------------------------------------------------------------------------------------


def passages_beyond(size: int, count: int, seed: int = 7) -> list[str]:
    """Posts of 150-300 words from IAC threads past the first ``size`` documents (not in the index)."""
    found: list[str] = []
    taken = 0
    for record in bench.corpus_records("iac-4forums-politics", WORK_DIR / "iac-data"):
        taken += 1 + len(record.get("comments") or [])
        if taken <= size:
            continue
        found.extend(comment["body"] for comment in record.get("comments") or []
                     if 150 <= len(comment["body"].split()) <= 300)
        if len(found) >= count * 3:
            break
    random.Random(seed).shuffle(found)
    return found[:count]


def iac_index(size: int, work: Path) -> Path:
    """The first ``size`` documents of IAC, indexed once (cached)."""
    folder = work / f"iac-{size}"
    if not (folder / "indexed").exists():
        dataset = bench.prepare("iac-4forums-politics", size, 500, work=work / "iac-data")
        started = time.perf_counter()
        index_paths(folder / "index", [dataset.data], procs=2)
        print(f"  indexed IAC {size:,}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
        (folder / "indexed").touch()
    return folder / "index"


@dataclass(frozen=True)
class Timing:
    label: str
    wall: tuple[float, float]  # p50, p95 ms
    cpu: tuple[float, float]  # p50, p95 ms of this process's CPU time: less moved by other jobs on the machine
    partial: int  # answers cut short by the query budget's time limit


def timings(size: int, work: Path, count: int) -> list[Timing]:
    index_dir = iac_index(size, work)
    passages = passages_beyond(size, count + 10)
    warm_up, timed = passages[:10], passages[10:]  # none timed is read from what the warm-up cached
    searcher = IndexHandle(index_dir).searcher()
    fts = Fts5(_read_back(index_dir))
    rows = []
    for label, run in (("ours, page (facets over the best 100)", lambda text: similar_to_text(searcher, text)),
                       ("ours, CLI (no facets)", lambda text: similar_to_text(searcher, text, facets=False)),
                       ("FTS5 bm25, words ORed, top 10", lambda text: fts(Query(text, {}), limit=10))):
        POSTING_ARRAYS.clear()  # each row starts cold: the rows time the same passages
        for text in warm_up:
            run(text)
        wall, cpu, partial = [], [], 0
        for text in timed:
            started, started_cpu = time.perf_counter(), time.process_time()
            answer = run(text)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            partial += bool(getattr(answer, "partial", False))
        rows.append(Timing(label, _p50_p95(wall), _p50_p95(cpu), partial))
    return rows


def _p50_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


# --- the report -------------------------------------------------------------------------------------------------


def relevance_table(sets: list[EvalSet], variants: dict[str, dict[str, Any]], references: bool = True) -> list[str]:
    """The FTS5 references and our variants on every set, as Markdown lines."""
    lines = ["", "Sets (see the module docstring for the protocol): "
             + ", ".join(f"{item.name} ({len(item.documents):,} documents, {len(item.queries)} queries)"
                         for item in sets) + ".", "",
             "## nDCG@10 / Recall@100 / MRR@10", "",
             "| engine | " + " | ".join(item.name for item in sets) + " | mean nDCG@10 |",
             "|---|" + "---|" * (len(sets) + 1)]
    engines = {"FTS5 bm25 (porter)": lambda item: Fts5(item.documents),
               "FTS5 bm25 (unstemmed)": lambda item: Fts5(item.documents, stemmed=False)} if references else {}
    table: list[tuple[str, list[tuple[float, float, float]]]] = []
    for label, make in engines.items():
        table.append((label, [score(make(item), item.queries) for item in sets]))
        print(label, table[-1][1], file=sys.stderr)
    for label, settings in variants.items():
        saved = set_variant(settings)
        try:
            table.append((f"ours: {label}", [score(ours(item), item.queries) for item in sets]))
        finally:
            set_variant(saved)
        print(table[-1][0], table[-1][1], file=sys.stderr)
    for label, figures in table:
        cells = [f"{ndcg:.3f} / {recall:.3f} / {mrr:.3f}" for ndcg, recall, mrr in figures]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {statistics.fmean(f[0] for f in figures):.3f} |")
    return lines


WORK_DIR = Path("/tmp/essay-relevance")


def main() -> None:
    global WORK_DIR
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--queries", type=int, default=200, help="Queries per set (at most).")
    parser.add_argument("--seed", type=int, default=42, help="Draws the queries (use a fresh --work folder).")
    parser.add_argument("--variants", default="all", help="'all', 'default', or names separated by commas.")
    parser.add_argument("--references", choices=("fts5", "none"), default="fts5",
                        help="'none' leaves out the FTS5 rows (to run variants in several processes).")
    parser.add_argument("--sizes", default="10000", help="IAC sizes for the timing rows ('' for none).")
    parser.add_argument("--timing-queries", type=int, default=200)
    parser.add_argument("--work", type=Path, default=WORK_DIR, help="Where data and indexes are cached.")
    parser.add_argument("--out", type=Path, default=RESULTS / "relevance.md")
    args = parser.parse_args()
    WORK_DIR = args.work
    names = VARIANTS if args.variants == "all" else {name: VARIANTS[name] for name in args.variants.split(",")}
    sets = [build_set(name, args.work, args.queries, args.seed) for name in args.sets.split(",") if name]
    lines = [f"# Passage search: relevance and speed ({time.strftime('%Y-%m-%d')})", "",
             f"Machine: {platform.machine()}, Python {platform.python_version()}, load average at start "
             f"{' '.join(f'{value:.1f}' for value in os.getloadavg())} (2 cores, shared with other jobs). "
             f"Command: `{' '.join(['.venv/bin/python', 'benchmarks/relevance.py', *sys.argv[1:]])}`."]
    if sets:
        lines += relevance_table(sets, names, args.references == "fts5")
    sizes = [int(size) for size in args.sizes.split(",") if size]
    if sizes:
        lines += ["", "## Speed: passages of 150-300 words (IAC posts not in the index)", "",
                  "| documents | engine | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms | cut by the time limit |",
                  "|---:|---|---:|---:|---:|---:|---:|"]
        for size in sizes:
            for row in timings(size, args.work, args.timing_queries):
                lines.append(f"| {size:,} | {row.label} | {row.wall[0]:.1f} | {row.wall[1]:.1f} | {row.cpu[0]:.1f} "
                             f"| {row.cpu[1]:.1f} | {row.partial} |")
                print(lines[-1], file=sys.stderr)
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
