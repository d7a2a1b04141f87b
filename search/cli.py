"""The ``essays`` command: each subcommand parses its options and calls the core."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click

from search.documents import KINDS, Document
from search.indexer import IndexLocked, IndexReport, StrictModeError, find_sources, index_paths, remove
from search.inspect import check, stats
from search.query import QueryError
from search.readers.jsonl import write_jsonl
from search.results import SORTS, Filters, Highlight, Hit, all_documents, search, thread
from search.serialize import hit_json
from search.store import IndexHandle, IndexMissing, default_index_dir

index_option = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=default_index_dir,
    show_default="$ESSAYS_INDEX or index/", help="Where the index lives.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
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
def index_command(paths: tuple[Path, ...], index_dir: Path, prune: bool, rebuild: bool, strict: bool, procs: int,
                  batch: int, wait: float) -> None:
    """Index archive files or folders (default: seeds/)."""
    roots = list(paths) or [Path("seeds")]
    sources = find_sources(roots)
    try:
        with click.progressbar(length=len(sources), label="Indexing", file=None, show_pos=True) as bar:
            report = index_paths(index_dir, roots, prune=prune, rebuild=rebuild, strict=strict, batch_docs=batch,
                                 lock_timeout=wait, procs=procs, progress=lambda _: bar.update(1),
                                 sources=sources)
    except IndexLocked as error:
        raise click.ClickException(str(error)) from error
    except StrictModeError as error:
        for problem in error.problems:
            click.echo(f"problem: {problem}", err=True)
        raise click.ClickException(f"--strict: {len(error.problems)} problem(s); the files with problems were "
                                   f"not indexed") from error
    _print_report(report, rebuild)
    if report.interrupted:
        raise SystemExit(130)
    if report.failed:
        raise SystemExit(1)


def _print_report(report: IndexReport, rebuild: bool) -> None:
    if report.stale_lock_cleared:
        click.echo(report.stale_lock_cleared)
    click.echo(f"files: {report.files_seen} found, {report.files_read} read, {report.files_unchanged} unchanged, "
               f"{len(report.failed)} failed")
    for label, counts in (("added", report.added), ("updated", report.updated), ("unchanged", report.unchanged),
                          ("removed", report.removed)):
        click.echo(f"{label}: {_kinds(counts)}")
    for problem in report.problems:
        click.echo(f"warning: {problem}", err=True)
    for problem in report.failed:
        click.echo(f"failed: {problem}", err=True)
    if report.interrupted and report.commits == 0 and rebuild:
        click.echo("interrupted: nothing was committed and the old index is unchanged; run 'essays index --rebuild' "
                   "again", err=True)
    elif report.interrupted:
        click.echo("interrupted: stopped after the last commit; run 'essays index' again to finish", err=True)


def _kinds(counts: Counter) -> str:
    return ", ".join(f"{counts[kind]} {kind}s" for kind in KINDS)


@main.command("search")
@click.argument("query")
@index_option
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="Hits per page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--kind", type=click.Choice(KINDS), help="Only articles or only comments.")
@click.option("--author", "authors", multiple=True, help="Only this author (exact name; repeatable).")
@click.option("--year", "years", type=int, multiple=True, help="Only this year (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit.")
def search_command(query: str, index_dir: Path, limit: int, page: int, sort: str, kind: str | None,
                   authors: tuple[str, ...], years: tuple[int, ...], as_json: bool) -> None:
    """Search the index."""
    filters = Filters(authors=authors, years=years, kinds=(kind,) if kind else ())
    try:
        result = search(_searcher(index_dir), query, page=page, pagelen=limit, sort=sort, filters=filters,
                        facets=False)
    except QueryError as error:
        raise click.ClickException(f"bad query: {error}") from error
    if as_json:
        for hit in result.hits:
            click.echo(json.dumps(hit_json(hit), ensure_ascii=False))
        return
    if not result.hits:
        click.echo(f"no hits for {query!r}" + (f"; did you mean: {result.suggestion}" if result.suggestion else ""))
        return
    click.echo(f"{result.total} hits, page {result.page} of {result.pages} ({result.seconds * 1000:.0f} ms)")
    for hit in result.hits:
        click.echo()
        _print_hit(hit)
    if result.suggestion:
        click.echo(f"\ndid you mean: {result.suggestion}")


def _searcher(index_dir: Path):
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
    click.echo(f"         {_marked(hit.snippet)}")


def _marked(highlight: Highlight) -> str:
    """Matched words in bold; click drops the styling when the output is not a terminal."""
    text = "".join(click.style(piece, bold=True) if matched else piece for piece, matched in highlight.parts())
    text = " ".join(text.split())
    return ("…" if highlight.clipped_start else "") + text + ("…" if highlight.clipped_end else "")


def _date(document: Document) -> str:
    return document.date.strftime("%Y-%m-%d %H:%M") if document.date else "(no date)"


@main.command("show")
@click.argument("doc_id")
@index_option
def show_command(doc_id: str, index_dir: Path) -> None:
    """Show an article with its comment thread, or a comment in its thread."""
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
    click.echo(f"\n{len(comments)} comments")
    for comment, depth in comments:
        indent = "    " * depth
        click.echo()
        click.echo(f"{indent}{click.style(comment.author or '(unknown)', bold=True)} · {_date(comment)} · "
                   f"{comment.id}{marker(comment)}")
        if comment.parent_id in parents:
            parent = parents[comment.parent_id]
            click.echo(f"{indent}in reply to {parent.author} ({_date(parent)})")
        for line in comment.body.splitlines():
            click.echo(f"{indent}{line}")


@main.command("stats")
@index_option
def stats_command(index_dir: Path) -> None:
    """What the index holds."""
    try:
        figures = stats(index_dir)
    except IndexMissing as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"articles: {figures.documents['article']}")
    click.echo(f"comments: {figures.documents['comment']}")
    click.echo(f"authors: {figures.authors}")
    click.echo(f"source files: {figures.sources}")
    span = (f"{figures.first_date:%Y-%m-%d} to {figures.last_date:%Y-%m-%d}" if figures.first_date else "(no dates)")
    click.echo(f"dates: {span}")
    click.echo(f"index size: {figures.size_bytes / 1_048_576:.1f} MB at {index_dir}")


@main.command("check")
@index_option
def check_command(index_dir: Path) -> None:
    """Verify the index: it opens, fields are sane, thread links resolve, counts match the sources."""
    problems = check(index_dir)
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in the index at {index_dir}")
    click.echo(f"the index at {index_dir} is sound")


@main.command("remove")
@click.argument("target")
@index_option
def remove_command(target: str, index_dir: Path) -> None:
    """Remove a document by id (an article with its comments) or every document of a source file."""
    try:
        removed = remove(index_dir, target)
    except (IndexMissing, IndexLocked) as error:
        raise click.ClickException(str(error)) from error
    if not removed:
        raise click.ClickException(f"nothing in the index has the id or source file {target!r}")
    click.echo(f"removed: {_kinds(removed)}")


@main.command("export")
@index_option
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: stdout).")
def export_command(index_dir: Path, output) -> None:
    """Write the whole index out as JSON Lines, one article with its comments per line."""
    count = write_jsonl(all_documents(_searcher(index_dir)), output)
    click.echo(f"exported {count} documents", err=True)


@main.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--debug", is_flag=True, help="Flask's debug server with reloading (development only).")
def serve_command(index_dir: Path, host: str, port: int, debug: bool) -> None:
    """Serve the search page."""
    from web import create_app

    app = create_app({"INDEX_DIR": str(index_dir)})
    click.echo(f"serving the index at {index_dir} on http://{host}:{port}/")
    if debug:
        app.run(host=host, port=port, debug=True)
    else:
        import waitress

        waitress.serve(app, host=host, port=port, threads=8)
