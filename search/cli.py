"""The ``essays`` command: each subcommand parses its options and calls the core.

The core is imported inside the commands that use it, not here: ``essays --help`` and a search
then load only what they need (Whoosh for searching, trafilatura only for indexing, Flask only
for serving). tests/test_cli.py checks that importing this module loads none of them.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from search.documents import KINDS, Document, storable_text

if TYPE_CHECKING:
    from whoosh.searching import Searcher

    from search.indexer import IndexReport
    from search.readers import Problem
    from search.results import ArticleGroup, Filters, Highlight, Hit

# search.results.SORTS, spelled out so that building the options does not load Whoosh (a test compares them).
SORT_CHOICES = ("relevance", "newest", "oldest")


def _default_index_dir() -> Path:
    """``essays --index DIR COMMAND``'s directory when given before the command, else $ESSAYS_INDEX or index/."""
    from search.store import default_index_dir

    context = click.get_current_context(silent=True)
    given = context.find_root().params.get("index_dir") if context else None
    return given if given is not None else default_index_dir()


class TypedText(click.ParamType):
    """Text from the command line as the core can take it.

    A byte that is not UTF-8 in an argument reaches Python as half a character (a lone
    surrogate), which nothing can encode: it becomes U+FFFD, so ``essays show $'\\xff'`` says
    "no document", not a UnicodeEncodeError traceback.
    """

    name = "text"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> object:
        return storable_text(value) if isinstance(value, str) else value


TEXT = TypedText()

index_option = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=_default_index_dir,
    show_default="$ESSAYS_INDEX or index/", help="Where the index lives.")


def _years(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[int | str, ...]:
    """``--year`` values as Filters takes them: a number, or the core's mark for undated documents."""
    from search.results import NO_DATE

    years: list[int | str] = []
    for value in values:
        if value.strip().lower() in ("none", "no date"):
            years.append(NO_DATE)
        elif value.isascii() and value.strip().isdigit() and 1 <= int(value) <= 9999:
            years.append(int(value))
        else:
            raise click.BadParameter(f"{value!r} is neither a year (YYYY) nor 'none' (undated documents)")
    return tuple(years)


year_option = click.option("--year", "years", multiple=True, callback=_years, metavar="YYYY|none",
                           help="Only this year, or 'none' for undated documents (repeatable: any of them).")


def plural(count: int, noun: str) -> str:
    """``1 hit``, ``2 hits``, ``5,050 problems``."""
    return f"{count:,} {noun if count == 1 else noun + 's'}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="essay-search", prog_name="essays")
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the index lives, for the command that follows (which also takes --index).")
def main(index_dir: Path | None) -> None:
    """Full-text search over archives of essays and their comment threads."""


@main.command("index")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@index_option
@click.option("--prune", is_flag=True, help="Remove documents whose source files are gone.")
@click.option("--rebuild", is_flag=True, help="Build everything afresh and swap it in with one commit.")
@click.option("--strict", is_flag=True, help="Treat any problem in a file as fatal.")
@click.option("--procs", type=click.IntRange(1, 16), default=1, show_default=True, help="Writer processes.")
@click.option("--batch", type=click.IntRange(1), default=20_000, show_default=True, help="Documents per commit.")
@click.option("--wait", type=click.FloatRange(0), default=30.0, show_default=True,
              help="Seconds to wait for another writer to finish.")
@click.option("--if-empty", is_flag=True,
              help="Only into an empty index: do nothing, silently, if it holds anything (how run.sh seeds a "
                   "new index).")
@click.option("--verbose", "-v", is_flag=True, help="List every problem, not a few of each kind.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also write the summary and every problem to this file as JSON.")
def index_command(paths: tuple[Path, ...], index_dir: Path, prune: bool, rebuild: bool, strict: bool, procs: int,
                  batch: int, wait: float, if_empty: bool, verbose: bool, report_file: Path | None) -> None:
    """Index archive files or folders (default: seeds/)."""
    from search.indexer import IndexLocked, StrictModeError, find_sources, index_paths

    if if_empty and _holds_documents(index_dir):
        return
    for path in paths:
        if not path.is_file() and not path.is_dir():  # a pipe or a device would be read without end
            raise click.BadParameter(f"'{_shown_path(path)}' is neither a file nor a folder", param_hint="PATHS")
    roots = list(paths) or [Path("seeds")]
    sources = find_sources(roots)
    progress = IndexProgress(sources, sys.stderr)
    try:
        with progress:
            report = index_paths(index_dir, roots, prune=prune, rebuild=rebuild, strict=strict, batch_docs=batch,
                                 lock_timeout=wait, procs=procs, progress=progress, sources=sources)
    except IndexLocked as error:
        raise click.ClickException(str(error)) from error
    except StrictModeError as error:
        _print_problems(error.problems, "problem", "problem", verbose)
        if report_file:
            _write_report(report_file, {"strict": True, "problems_by_kind": _by_kind(error.problems),
                                        "failed": [_problem_json(problem) for problem in error.problems]})
        raise click.ClickException(f"--strict: {plural(len(error.problems), 'problem')}; the files with problems "
                                   f"were not indexed") from error
    _print_report(report, rebuild, verbose)
    if report_file:
        _write_report(report_file, _report_json(report, progress.elapsed()))
    if report.interrupted:
        raise SystemExit(130)
    if report.failed:
        raise SystemExit(1)


def _shown_path(path: Path | str) -> str:
    """A path as it can be printed: bytes of a name that is not UTF-8 as ``\\xNN``, as the index keys it."""
    from search.documents import display_path

    return display_path(path)


class IndexProgress:
    """Files and documents done, their rate and the time left, while ``index_paths`` works.

    On a terminal a bar redrawn after every file; otherwise (a log, a pipe) a plain line every
    ``interval`` seconds, so an hour-long run leaves a readable trace, not a flood. Time left is
    estimated from the bytes still to read, since archive files differ in size by orders of magnitude.
    """

    def __init__(self, sources: Iterable[Path], stream: TextIO, interval: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        paths = list(sources)
        self.total_files = len(paths)
        self.sizes = {path: _size(path) for path in paths}
        self.total_bytes = sum(self.sizes[path] for path in paths)
        self.stream = stream
        self.interval = interval
        self.clock = clock
        self.files_done = self.bytes_done = self.documents_done = 0
        self.started = self.last_line = clock()
        self.bar = (click.progressbar(length=max(self.total_bytes, 1), label="Indexing", file=stream,
                                      show_eta=False, item_show_func=lambda status: status)
                    if _is_terminal(stream) else None)

    def __enter__(self) -> IndexProgress:
        if self.bar is not None:
            self.bar.__enter__()
        else:
            click.echo(f"indexing {plural(self.total_files, 'file')} ({_megabytes(self.total_bytes)})",
                       file=self.stream)
        return self

    def __exit__(self, *exc_info) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc_info)
        elif self.long_run():  # a run too short for a progress line needs no closing one
            click.echo(f"indexed {self.status(final=True)}", file=self.stream)

    def __call__(self, path: Path, report: IndexReport) -> None:
        """Called by the indexer after each file."""
        size = self.sizes.get(path, 0)
        self.files_done += 1
        self.bytes_done += size
        self.documents_done = sum(sum(counts.values()) for counts in (report.added, report.updated,
                                                                      report.unchanged))
        last = self.files_done == self.total_files
        status = self.status() + ("; writing the index" if last else "")  # the final commit can take minutes
        if self.bar is not None:
            self.bar.update(size, current_item=status)
        elif self.clock() - self.last_line >= self.interval or (last and self.long_run()):
            self.last_line = self.clock()
            click.echo(f"indexing: {status}", file=self.stream)

    def elapsed(self) -> float:
        return self.clock() - self.started

    def long_run(self) -> bool:
        return self.elapsed() >= self.interval

    def status(self, final: bool = False) -> str:
        """``312/7,513 files, 2,840 documents, 41 documents/s, about 14 min left``."""
        elapsed = self.elapsed()
        parts = [f"{self.files_done:,}/{plural(self.total_files, 'file')}", plural(self.documents_done, "document")]
        if elapsed > 0:
            parts.append(f"{self.documents_done / elapsed:,.0f} documents/s")
        if final:
            parts.append(f"in {_duration(elapsed)}")
        elif self.bytes_done and self.total_bytes > self.bytes_done:
            left = elapsed * (self.total_bytes - self.bytes_done) / self.bytes_done
            parts.append(f"about {_duration(left)} left")
        return ", ".join(parts)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _megabytes(count: int) -> str:
    return f"{count / 1_048_576:,.1f} MB"


def _duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``2 h 14 min``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _holds_documents(index_dir: Path) -> bool:
    """Whether there is an index with anything in it: documents, or the record of a file indexed into it."""
    from search.store import IndexMissing, open_index

    try:
        return open_index(index_dir).doc_count() > 0
    except IndexMissing:
        return False


def _print_report(report: IndexReport, rebuild: bool, verbose: bool) -> None:
    if report.stale_lock_cleared:
        click.echo(report.stale_lock_cleared)
    click.echo(f"files: {report.files_seen:,} found, {report.files_read:,} read, {report.files_unchanged:,} unchanged, "
               f"{len(report.failed):,} failed")
    for label, counts in (("added", report.added), ("updated", report.updated), ("unchanged", report.unchanged),
                          ("removed", report.removed)):
        click.echo(f"{label}: {_kinds(counts)}")
    passed_over = [f"{plural(count, suffix + ' file')}" for suffix, count in report.skipped.most_common()]
    if passed_over:
        passed_over[-1] += " (no reader takes them)"
    if report.not_essays:
        passed_over.append(f"{plural(report.not_essays, 'SOURCE.md, README or LICENSE file')} (about the archive)")
    if passed_over:
        click.echo(f"not indexed: {', '.join(passed_over)}")
    _print_problems(report.problems, "warning", "warning", verbose)
    _print_problems(report.failed, "failed file", "failed", verbose)
    if report.interrupted and report.commits == 0 and rebuild:
        click.echo("interrupted: nothing was committed and the old index is unchanged; run 'essays index --rebuild' "
                   "again", err=True)
    elif report.interrupted:
        click.echo("interrupted: stopped after the last commit; run 'essays index' again to finish", err=True)


EXAMPLES_PER_KIND = 3


def _print_problems(problems: list[Problem], noun: str, label: str, verbose: bool) -> None:
    """Every problem with ``verbose``; otherwise their count by kind with a few examples of each.

    A big archive can have thousands of problems of one kind (5,050 undated pages): a list that
    long hides the one problem of another kind that matters.
    """
    if not problems:
        return
    if verbose:
        for problem in problems:
            click.echo(f"{label}: [{problem.kind}] {problem}", err=True)
        return
    by_kind: dict[str, list[Problem]] = {}
    for problem in problems:
        by_kind.setdefault(problem.kind, []).append(problem)
    click.echo(f"{plural(len(problems), noun)} by kind (every one: --verbose, or --report FILE):", err=True)
    for kind, found in sorted(by_kind.items(), key=lambda item: (-len(item[1]), item[0])):
        click.echo(f"  {kind}: {len(found):,}", err=True)
        for problem in found[:EXAMPLES_PER_KIND]:
            click.echo(f"    {label}: {problem}", err=True)
        if len(found) > EXAMPLES_PER_KIND:
            click.echo(f"    … and {len(found) - EXAMPLES_PER_KIND:,} more", err=True)


def _problem_json(problem: Problem) -> dict:
    from search.readers.base import display_path

    return {"path": display_path(problem.path), "line": problem.line, "kind": problem.kind, "reason": problem.reason}


def _report_json(report: IndexReport, seconds: float) -> dict:
    """What the run did, for a script or a later look: the summary's figures and every problem."""
    return {
        "files": {"found": report.files_seen, "read": report.files_read, "unchanged": report.files_unchanged,
                  "failed": len(report.failed), "not_essays": report.not_essays,
                  "skipped_by_suffix": dict(report.skipped.most_common())},
        **{label: {kind: counts[kind] for kind in KINDS} for label, counts in (
            ("added", report.added), ("updated", report.updated), ("unchanged", report.unchanged),
            ("removed", report.removed))},
        "seconds": round(seconds, 3), "interrupted": report.interrupted,
        "problems_by_kind": _by_kind(report.problems + report.failed),
        "warnings": [_problem_json(problem) for problem in report.problems],
        "failed": [_problem_json(problem) for problem in report.failed],
    }


def _by_kind(problems: list[Problem]) -> dict[str, int]:
    return dict(Counter(problem.kind for problem in problems).most_common())


def _write_report(path: Path, report: dict) -> None:
    try:
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"cannot write the report to {path}: {error.strerror or error}") from error


def _kinds(counts: Counter) -> str:
    return ", ".join(plural(counts[kind], kind) for kind in KINDS)


@main.command("search")
@click.argument("query", type=TEXT)
@index_option
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="Articles per page, each with its matching comments.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--sort", type=click.Choice(SORT_CHOICES), default="relevance", show_default=True)
@click.option("--kind", type=click.Choice(KINDS), help="Only articles or only comments.")
@click.option("--author", "authors", type=TEXT, multiple=True,
              help="Only this author, matched as author: in a query does (any part of the name, any case; "
                   "repeatable: any of them).")
@year_option
@click.option("--json", "as_json", is_flag=True,
              help="One JSON document: query, total, page, pages and the hits with scores and highlights.")
@click.option("--nl", "as_lines", is_flag=True, help="One JSON object per hit, one per line (JSON Lines).")
@click.option("--words", "every_word", is_flag=True,
              help="Require every word even of a long query (30 words or more with no operator is otherwise "
                   "searched as a passage, as 'essays similar --text' and the page do).")
def search_command(query: str, index_dir: Path, limit: int, page: int, sort: str, kind: str | None,
                   authors: tuple[str, ...], years: tuple[int | str, ...], as_json: bool, as_lines: bool,
                   every_word: bool) -> None:
    """Search the index."""
    from search.query import QueryError
    from search.results import Filters, search
    from search.serialize import hit_json, page_json
    from search.similar import looks_like_passage

    if as_json and as_lines:
        raise click.UsageError("--json and --nl are two different outputs: choose one")
    filters = Filters(authors=authors, years=years, kinds=(kind,) if kind else ())
    if not every_word and looks_like_passage(query):
        click.echo(f"note: {len(query.split())} words and no operator: searched as a passage, for the documents "
                   "most like it (--words requires every word)", err=True)
        _similar_output(_searcher(index_dir), None, query, min(limit, 100), filters,
                        _filter_options(authors, years, kind), as_json, as_lines)
        return
    try:
        result = search(_searcher(index_dir), query, page=page, pagelen=limit, sort=sort, filters=filters,
                        facets=False)
    except QueryError as error:
        raise click.ClickException(f"bad query: {error}") from error
    if as_json:
        document = page_json(result)
        del document["facets"]  # not counted here: the command never asks for them
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    if as_lines:
        for hit in result.hits:
            click.echo(json.dumps(hit_json(hit), ensure_ascii=False))
        return
    if not result.hits:
        narrowed = _filter_options(authors, years, kind)
        click.echo(f"no hits for {query!r}" + (f" with {narrowed}" if narrowed else "")
                   + (f"; did you mean: {result.suggestion}" if result.suggestion else ""))
        return
    click.echo(("at least " if result.partial else "")
               + f"{plural(result.total, 'hit')} in {plural(result.articles, 'article')}, page {result.page} of "
                 f"{result.pages} ({result.seconds * 1000:.0f} ms){_dates_said(query)}")
    if result.partial:
        click.echo("partial: the search ran out of time; these are the hits it had found by then")
    for group in result.groups:
        click.echo()
        _print_group(group)
    if result.suggestion:
        click.echo(f"\ndid you mean: {result.suggestion}")


def _filter_options(authors: tuple[str, ...], years: tuple[int | str, ...], kind: str | None) -> str:
    """The narrowing options in effect, as typed, so an empty result says what else held it back."""
    options = [f"--author {author!r}" for author in authors] + [f"--year {year}" for year in years]
    if kind:
        options.append(f"--kind {kind}")
    return " ".join(options)


def _searcher(index_dir: Path):
    from search.store import IndexHandle, IndexMissing

    try:
        searcher = IndexHandle(index_dir).searcher()
    except IndexMissing as error:
        raise click.ClickException(str(error)) from error
    if searcher.doc_count() == 0:
        raise click.ClickException(f"the index at {index_dir} is empty: run 'essays index' first")
    return searcher


def _print_hit(hit: Hit) -> None:
    document = hit.document
    click.echo(f"{document.kind.upper():8} {_marked(hit.title)}")
    click.echo(f"         {document.author or '(unknown author)'} · {_date(document)} · {document.id}")
    if document.heading:
        click.echo(f"         {_marked(hit.heading)}")
    click.echo(f"         {_marked(hit.snippet)}")


def _print_group(group: ArticleGroup) -> None:
    """An article's title, then its own hit if it matched and its matching comments, each with a snippet."""
    click.echo(_marked(group.hits[0].title))
    for hit in group.hits:
        document = hit.document
        click.echo(f"  {document.kind.upper():8} {document.author or '(unknown author)'} · {_date(document)} · "
                   f"{document.id}")
        if document.heading:
            click.echo(f"           {_marked(hit.heading)}")
        click.echo(f"           {_marked(hit.snippet)}")
    hidden = group.matching_comments - len(group.comments)
    if hidden > 0:
        click.echo(f"  … and {plural(hidden, 'more matching comment')}: essays show {group.article_id}")


def _marked(highlight: Highlight) -> str:
    """Matched words in bold; click drops the styling when the output is not a terminal."""
    text = "".join(click.style(piece, bold=True) if matched else piece for piece, matched in highlight.parts())
    text = " ".join(text.split())
    return ("…" if highlight.clipped_start else "") + text + ("…" if highlight.clipped_end else "")


def _date(document: Document) -> str:
    """As much of the date as the source gave: a year, a month, a day, or day and minute (with its offset)."""
    from search.shown_dates import date_text

    return date_text(document.date, document.date_precision)


def _dates_said(query: str) -> str:
    """The query's date clauses in words, for a header line: `` · date:2011-10 is 1–31 October 2011``."""
    from search.date_echo import date_echoes

    return "".join(f" · {echo.clause} is {echo.meaning}" for echo in date_echoes(query))


@main.command("timeline")
@click.argument("query", type=TEXT)
@index_option
@click.option("--kind", type=click.Choice(KINDS), help="Only articles or only comments.")
@click.option("--author", "authors", type=TEXT, multiple=True, help="Only this author (repeatable: any of them).")
@year_option
@click.option("--width", type=click.IntRange(10, 200), default=50, show_default=True, help="Longest bar, in columns.")
def timeline_command(query: str, index_dir: Path, kind: str | None, authors: tuple[str, ...],
                     years: tuple[int | str, ...], width: int) -> None:
    """How a search's matches spread over time: a bar per year, month or day."""
    from search.query import QueryError
    from search.results import Filters
    from search.timeline import search_timeline

    filters = Filters(authors=authors, years=years, kinds=(kind,) if kind else ())
    try:
        found = search_timeline(_searcher(index_dir), query, filters)
    except QueryError as error:
        raise click.ClickException(f"bad query: {error}") from error
    matches = "match" if found.total == 1 else "matches"
    click.echo(f"{found.total:,} {matches} by {found.granularity} ({found.seconds * 1000:.0f} ms){_dates_said(query)}")
    _print_timeline(found, width)


def _print_timeline(found, width: int) -> None:
    """One line per period: label, bar, count; then those dated only to a coarser year or month; the undated last."""
    rows = [(period.short_label, period.count) for period in found.periods]
    rows += [(coarse.short_label, coarse.count) for coarse in found.coarser]
    if found.undated:
        rows.append(("no date", found.undated))
    top = max((count for _, count in rows), default=0)
    label_width = max((len(label) for label, _ in rows), default=0)
    for label, count in rows:
        eighths = round(count / top * width * 8) if top else 0
        bar = "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]
        click.echo(f"{label:>{label_width}} {bar or ('▏' if count else '')} {count:,}")


@main.command("author")
@click.argument("name", type=TEXT)
@index_option
@click.option("--replies", type=click.IntRange(0), default=3, show_default=True,
              help="Replies listed per person in the exchanges.")
def author_command(name: str, index_dir: Path, replies: int) -> None:
    """An author's articles and comments, when, the threads they joined, and whom they exchange replies with."""
    from search.authors import AuthorNotFound, author_profile

    try:
        profile = author_profile(_searcher(index_dir), name)
    except AuthorNotFound as error:
        raise click.ClickException(error.message) from error
    click.echo(click.style(profile.name, bold=True) + f": {plural(profile.articles, 'article')}, "
               f"{plural(profile.comments, 'comment')}, in {plural(profile.thread_count, 'thread')}")
    click.echo("\nwhen:")
    _print_timeline(profile.timeline, 40)
    for heading, exchanges in (("replies most to", profile.replies_to), ("most replied to by", profile.replied_by)):
        click.echo(f"\n{heading}:")
        if not exchanges:
            click.echo("  (nobody)")
        for exchange in exchanges:
            count = exchange.count
            click.echo(f"  {exchange.name}: {count:,} {'reply' if count == 1 else 'replies'}")
            listed = exchange.replies[:replies]
            for reply in listed:
                click.echo(f"    {_date(reply)}  {reply.id}  {reply.title}")
            if count > len(listed):
                click.echo(f"    ... {count - len(listed)} more")
    click.echo("\nthreads:")
    for part in profile.threads:
        click.echo(f"  {part.article_id}  {part.title} ({plural(part.documents, 'document')}"
                   f"{', wrote the article' if part.started else ''})")
    if profile.thread_count > len(profile.threads):
        click.echo(f"  ... {profile.thread_count - len(profile.threads)} more")


@main.command("quotes")
@click.argument("doc_id", required=False, type=TEXT)
@index_option
@click.option("--text", type=TEXT, help="A passage to trace instead of a document ('-' reads it from stdin).")
def quotes_command(doc_id: str | None, index_dir: Path, text: str | None) -> None:
    """Where else a document's text, or a passage, appears: runs of eight words or more, oldest first."""
    from search.quotes import QuoteError, trace_document, trace_text

    if (doc_id is None) == (text is None):
        raise click.UsageError("give a document ID or --text TEXT (one of them)")
    if text == "-":
        text = _read_stdin()
    searcher = _searcher(index_dir)
    try:
        report = trace_text(searcher, text) if text is not None else trace_document(searcher, doc_id)
    except QuoteError as error:
        raise click.ClickException(error.message) from error
    count = len(report.appearances)
    click.echo(f"{plural(count, 'document')} {'shares' if count == 1 else 'share'} a run of eight words or more "
               f"of the {plural(report.passage_words, 'word')} traced, oldest first "
               f"({report.seconds * 1000:.0f} ms)")
    if report.trimmed:
        click.echo(f"(only the first {report.passage_words} words were traced)")
    if report.unchecked:
        click.echo(f"({report.unchecked} more documents share a few words and were not checked)")
    for item in report.appearances:
        marks = [label for label, shown in (("FIRST SEEN", item.first_seen), ("THIS DOCUMENT", item.is_source))
                 if shown]
        click.echo()
        click.echo(f"{_date(item.document)}  {' · '.join(marks) + '  ' if marks else ''}{item.document.kind} "
                   f"{item.document.id} · {item.document.author or '(unknown author)'} · {item.words} words shared")
        click.echo(f"         {item.document.title}")
        click.echo(f"         {_marked(item.excerpt)}")


@main.command("similar")
@click.argument("doc_id", required=False, type=TEXT)
@index_option
@click.option("--text", type=TEXT, help="A passage to find documents like ('-' reads it from stdin).")
@click.option("--file", "passage_file", type=click.File("r", encoding="utf-8", errors="replace"),
              help="Read the passage from this file ('-': stdin); bytes that are not UTF-8 are replaced.")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True, help="How many documents.")
@click.option("--kind", type=click.Choice(KINDS), help="Only articles or only comments.")
@click.option("--author", "authors", type=TEXT, multiple=True, help="Only this author (repeatable: any of them).")
@year_option
@click.option("--json", "as_json", is_flag=True, help="One JSON document: the words searched and the hits.")
def similar_command(doc_id: str | None, index_dir: Path, text: str | None, passage_file: TextIO | None, limit: int,
                    kind: str | None, authors: tuple[str, ...], years: tuple[int | str, ...], as_json: bool) -> None:
    """Documents like an indexed article or comment (ID; '-' reads a passage from stdin), or like a passage."""
    from search.results import Filters

    if sum(given is not None for given in (doc_id, text, passage_file)) != 1:
        raise click.UsageError("give a document ID, --text TEXT or --file PATH (one of them)")
    if doc_id == "-" or text == "-":
        text, doc_id = _read_stdin(), None
    elif passage_file is not None:
        text = passage_file.read(MAX_PASSAGE_READ)
    filters = Filters(authors=authors, years=years, kinds=(kind,) if kind else ())
    _similar_output(_searcher(index_dir), doc_id, text, limit, filters, _filter_options(authors, years, kind),
                    as_json, False)


# Read of a passage at most (the core trims a passage to far less): a pipe or a device never ends.
MAX_PASSAGE_READ = 10_000_000


def _read_stdin() -> str:
    """A passage piped in; bytes that are not UTF-8 are replaced, as ``--file`` does."""
    return sys.stdin.buffer.read(MAX_PASSAGE_READ).decode("utf-8", errors="replace")


def _similar_output(searcher: Searcher, doc_id: str | None, text: str | None, limit: int, filters: Filters,
                    narrowed: str, as_json: bool, as_lines: bool) -> None:
    """Print the documents most like an indexed document (``doc_id``) or a passage (``text``)."""
    from search.serialize import hit_json
    from search.similar import PassageError, similar_json, similar_to_document, similar_to_text

    try:
        if text is None:
            page = similar_to_document(searcher, doc_id, limit=limit, filters=filters, facets=False)
        else:
            page = similar_to_text(searcher, text, limit=limit, filters=filters, facets=False)
    except PassageError as error:
        raise click.ClickException(error.message) from error
    if as_json:
        click.echo(json.dumps(similar_json(page), ensure_ascii=False, indent=2))
        return
    if as_lines:
        for item in page.hits:
            click.echo(json.dumps({**hit_json(item.hit), "shared": list(item.shared)}, ensure_ascii=False))
        return
    for notice in page.notices:
        click.echo(f"note: {notice}", err=True)
    like = f"{page.source.kind} {page.source.id}" if page.source else "the passage"
    click.echo(f"{plural(len(page.hits), 'document')} like {like}{f' with {narrowed}' if narrowed else ''} "
               f"({page.seconds * 1000:.0f} ms)")
    click.echo(f"words searched: {', '.join(item.word for item in page.terms)}")
    for item in page.hits:
        click.echo()
        _print_hit(item.hit)
        click.echo(f"         shared: {', '.join(item.shared)}")


@main.command("show")
@click.argument("doc_id", type=TEXT)
@index_option
def show_command(doc_id: str, index_dir: Path) -> None:
    """Show an article with its comment thread, or a comment in its thread."""
    from search.results import reply_label, thread

    found = thread(_searcher(index_dir), doc_id)
    if found is None:
        raise click.ClickException(f"no document with id {doc_id!r}")
    article, comments = found
    parents = {comment.id: comment for comment, _ in comments}

    def marker(document: Document) -> str:
        return click.style(" ◀", bold=True) if document.id == doc_id else ""

    click.echo(click.style(article.title, bold=True) + marker(article))
    click.echo(f"by {article.author or '(unknown)'} · {_date(article)} · {article.id}\n")
    click.echo(article.body)
    click.echo(f"\n{plural(len(comments), 'comment')}")
    for comment, depth in comments:
        indent = "    " * depth
        click.echo()
        click.echo(f"{indent}{click.style(comment.author or '(unknown)', bold=True)} · {_date(comment)} · "
                   f"{comment.id}{marker(comment)}")
        if comment.heading:
            click.echo(f"{indent}{click.style(comment.heading, bold=True)}")
        if comment.parent_id in parents:
            parent = parents[comment.parent_id]
            click.echo(f"{indent}in reply to {reply_label(parent)} ({_date(parent)})")
        for line in comment.body.splitlines():
            click.echo(f"{indent}{line}")


@main.command("stats")
@index_option
def stats_command(index_dir: Path) -> None:
    """What the index holds."""
    from search.inspect import stats
    from search.store import IndexMissing

    try:
        figures = stats(index_dir)
    except IndexMissing as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"articles: {figures.documents['article']}")
    click.echo(f"comments: {figures.documents['comment']}")
    click.echo(f"authors: {figures.authors}")
    click.echo(f"source files: {figures.sources}")
    span = f"{figures.first_date} to {figures.last_date}" if figures.first_date else "(no dates)"
    click.echo(f"dates: {span}")
    click.echo(f"index size: {figures.size_bytes / 1_048_576:.1f} MB at {index_dir}")


@main.command("check")
@index_option
def check_command(index_dir: Path) -> None:
    """Verify the index: it opens, fields are sane, thread links resolve, counts match the sources."""
    from search.inspect import check

    problems = check(index_dir)
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if problems:
        raise click.ClickException(f"{plural(len(problems), 'problem')} in the index at {index_dir}")
    click.echo(f"the index at {index_dir} is sound")


@main.command("remove")
@click.argument("target")
@index_option
def remove_command(target: str, index_dir: Path) -> None:
    """Remove a document by id (an article with its comments) or every document of a source file."""
    from search.indexer import IndexLocked, remove
    from search.store import IndexMissing

    target = _shown_path(target)  # a file name that is not UTF-8 is keyed with \xNN, as summaries print it
    try:
        removed = remove(index_dir, target)
    except (IndexMissing, IndexLocked) as error:
        raise click.ClickException(str(error)) from error
    if not removed:
        raise click.ClickException(f"nothing in the index has the id or source file '{target}'")
    click.echo(f"removed: {_kinds(removed)}")


@main.command("export")
@index_option
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: stdout).")
def export_command(index_dir: Path, output) -> None:
    """Write the whole index out as JSON Lines, one article with its comments per line."""
    from search.readers.jsonl import write_jsonl
    from search.results import all_documents

    count = write_jsonl(all_documents(_searcher(index_dir)), output)
    click.echo(f"exported {plural(count, 'document')}", err=True)


@main.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--debug", is_flag=True, help="Flask's debug server with reloading (development only).")
def serve_command(index_dir: Path, host: str, port: int, debug: bool) -> None:
    """Serve the search page (waitress; limits from ESSAYS_* variables, see SECURITY.md)."""
    from web import create_app
    from web.server import serve

    app = create_app({"INDEX_DIR": str(index_dir)})
    click.echo(f"serving the index at {index_dir} on http://{host}:{port}/")
    try:
        serve(app, host=host, port=port, debug=debug)
    except ValueError as error:  # a limit in ESSAYS_* that makes no sense
        raise click.ClickException(f"ESSAYS_QUERY_LIMITS: {error}") from error
