"""Looking at an index as a whole: what it holds (stats) and whether it is sound (check)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from whoosh import query as wq
from whoosh.searching import Searcher

from search.documents import KINDS, source_path
from search.schema import SOURCE_KIND
from search.shown_dates import date_text
from search.store import open_index


@dataclass(frozen=True)
class IndexStats:
    documents: dict[str, int]
    authors: int
    sources: int
    first_date: str | None  # as far as the source gave it: a year-only first date is "1790", not 1 January
    last_date: str | None
    size_bytes: int


def stats(index_dir: Path) -> IndexStats:
    """Live documents only: term statistics still count what an edit or a removal deleted until a merge."""
    index = open_index(index_dir)
    with index.searcher() as searcher:
        by_kind = live_counts(searcher)
        authors = _live_authors(searcher)
        first, last = _date_edge(searcher, reverse=False), _date_edge(searcher, reverse=True)
    size = sum(path.stat().st_size for path in Path(index_dir).iterdir() if path.is_file())
    return IndexStats({kind: by_kind[kind] for kind in KINDS}, authors, by_kind[SOURCE_KIND], first, last, size)


def live_counts(searcher: Searcher) -> Counter:
    """Documents of each kind (articles, comments, source records) that a search can find."""
    return Counter({kind: sum(1 for _ in searcher.docs_for_query(wq.Term("kind", kind)))
                    for kind in (*KINDS, SOURCE_KIND)})


def _live_authors(searcher: Searcher) -> int:
    """Distinct named authors among live documents (the sort column skips what the lexicon keeps)."""
    reader = searcher.reader()
    if not reader.has_column("author_name"):
        return 0
    column = reader.column_reader("author_name")
    named = {column[number] for number in searcher.docs_for_query(wq.Or([wq.Term("kind", kind) for kind in KINDS]))}
    named.discard("(unknown)")
    named.discard("")
    return len(named)


def _date_edge(searcher: Searcher, reverse: bool) -> str | None:
    hits = searcher.search(wq.Prefix("date", "y"), limit=1, sortedby="date", reverse=reverse)
    # A span reads in days: a time is cut to its day, a year or a month stays as the source gave it.
    return date_text(hits[0]["date"], hits[0].get("date_precision") or "day") if hits else None


def check(index_dir: Path) -> list[str]:
    """Every problem found, one sentence each; an empty list means the index is sound."""
    try:
        index = open_index(index_dir)
        searcher = index.searcher()
    except Exception as error:  # noqa: BLE001 - any failure to open is the finding itself
        return [f"the index at {index_dir} does not open: {error}"]
    problems: list[str] = []
    with searcher:
        documents = [fields for _, fields in searcher.iter_docs()]
    by_id: dict[str, dict] = {}
    counted: Counter = Counter()
    records: dict[str, dict] = {}
    for fields in documents:
        doc_id = fields.get("id")
        if not doc_id:
            problems.append(f"a document has no id (source {fields.get('source', '?')})")
            continue
        if doc_id in by_id:
            problems.append(f"{doc_id}: the id is used twice")
        by_id[doc_id] = fields
        if fields.get("kind") == SOURCE_KIND:
            records[fields["source"]] = fields["source_state"]
        else:
            counted[(fields.get("source"), fields.get("kind"))] += 1
    for doc_id, fields in by_id.items():
        if fields.get("kind") != SOURCE_KIND:
            problems.extend(f"{doc_id}: {problem}" for problem in _document_problems(fields, by_id, records))
    with index.searcher() as searcher:
        counted_live = live_counts(searcher)
    for kind in KINDS:
        stored_count = sum(count for (_, counted_kind), count in counted.items() if counted_kind == kind)
        recorded_total = sum(state[f"{kind}s"] for state in records.values())
        if not counted_live[kind] == stored_count == recorded_total:
            problems.append(f"{kind}s disagree: {counted_live[kind]} found by search, {stored_count} stored, "
                            f"{recorded_total} in the source records")
    for source, state in records.items():
        if state.get("sha1") == "partial":
            problems.append(f"{source}: only part of it is indexed (a run stopped inside it; run 'essays index' "
                            f"again)")
        for kind, recorded in (("article", state["articles"]), ("comment", state["comments"])):
            if counted[(source, kind)] != recorded:
                problems.append(f"{source}: the index holds {counted[(source, kind)]} {kind}s of it, "
                                f"its record says {recorded}")
        if not source_path(source).exists():
            problems.append(f"{source}: the source file is gone (run 'essays index --prune')")
    return problems


def _document_problems(fields: dict, by_id: dict[str, dict], records: dict[str, dict]) -> list[str]:
    problems = []
    kind = fields.get("kind")
    if kind not in KINDS:
        problems.append(f"unknown kind {kind!r}")
    if not fields.get("title"):
        problems.append("no title")
    date = fields.get("date")
    if date is not None and not isinstance(date, datetime):
        problems.append(f"date is not a date: {date!r}")
    article = by_id.get(fields.get("article_id", ""))
    if kind == "article" and fields.get("article_id") != fields["id"]:
        problems.append(f"an article whose article id is {fields.get('article_id')!r}")
    if kind == "comment":
        if article is None or article.get("kind") != "article":
            problems.append(f"its article {fields.get('article_id')!r} is not in the index")
        parent_id = fields.get("parent_id")
        parent = by_id.get(parent_id) if parent_id else None
        if parent_id and parent is None:
            problems.append(f"it replies to {parent_id!r}, which is not in the index")
        elif parent is not None and parent.get("article_id") != fields.get("article_id"):
            problems.append(f"it replies to {parent_id!r}, a comment on another article")
    if fields.get("source") not in records:
        problems.append(f"its source {fields.get('source')!r} has no record")
    return problems
