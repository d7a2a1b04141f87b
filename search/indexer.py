"""Writing the archive into the index: incremental, batched, locked and interruptible.

Each source file has a record in the index itself (kind ``source``) holding its
size, modification time, content hash and document counts. The record and the
file's documents are written in the same commit, so after any crash the index
says truthfully which version of each file it holds.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import signal
import socket
import stat
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from whoosh import writing
from whoosh.index import FileIndex, LockError
from whoosh.searching import Searcher

from search.codec import batch_writer, map_big_blocks, merge_small_segments
from search.documents import Document, display_path, fingerprints, rebase_thread, source_path
from search.joining import ThreadJoiner, threads_last
from search.readers import LEFT_OUT, Problem, ReadError, ReadResult, read_file, reader_for
from search.schema import SOURCE_KIND, document_fields, stored_document
from search.store import open_index

HOLDER_FILE = "WRITER.json"


class IndexLocked(Exception):
    """Another process held the index's write lock for longer than we would wait."""


class StrictModeError(Exception):
    """``--strict`` was asked for and a file had a problem."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass
class IndexReport:
    """What a run did. ``skipped`` counts files no reader takes, by suffix; ``not_essays`` the
    SOURCE.md, README and LICENSE files of the folders, which are documentation, not archive."""

    files_seen: int = 0
    files_read: int = 0
    files_unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)
    not_essays: int = 0
    added: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)
    failed: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    commits: int = 0
    interrupted: bool = False
    stale_lock_cleared: str | None = None


@dataclass(frozen=True)
class SourceState:
    sha1: str
    size: int
    mtime_ns: int
    articles: int
    comments: int


def source_key(path: Path) -> str:
    """Sources are keyed by absolute path, so the same file is the same source from any working directory.

    A name that is not UTF-8 keeps its odd bytes as ``\\xNN`` so the key can be stored and printed.
    """
    return display_path(Path(path).resolve())


# A corpus's or folder's own documentation, never an essay of the archive.
_NOT_ESSAYS = re.compile(r"^(?:source\.md|readme|licen[cs]e|copying)(?:[._-].*)?$", re.IGNORECASE)
_READ_AHEAD = 4  # files handed to each reader process ahead of the writer
_PARTIAL = "partial"  # the sha1 of a file's record while only part of its documents are committed


@dataclass
class Sources:
    """The archive files under some paths, and what the walk passed over, so nothing is skipped in silence."""

    files: list[Path] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    not_essays: list[Path] = field(default_factory=list)
    unreadable: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.files)

    def __iter__(self) -> Iterator[Path]:
        return iter(self.files)


def find_sources(paths: Iterable[Path]) -> Sources:
    """Every archive file under ``paths`` (files are taken as given), sorted, hidden ones skipped.

    Files no reader takes are counted by suffix, folders' SOURCE.md, README and LICENSE
    set aside, and folders that cannot be listed reported.
    """
    sources = Sources()
    for path in map(Path, paths):
        if not path.is_dir():
            _take_file(sources, path, sources.files)
            continue
        found: list[Path] = []
        for folder, folders, names in os.walk(path, onerror=partial(_unreadable_folder, sources, path)):
            folders[:] = [name for name in folders if not name.startswith(".")]
            for name in names:
                child = Path(folder) / name
                if name.startswith(".") or not _take_file(sources, child):
                    continue
                if _NOT_ESSAYS.match(name):
                    sources.not_essays.append(child)
                elif reader_for(child) is None:
                    sources.skipped[child.suffix.lower() or "(no suffix)"] += 1
                else:
                    found.append(child)
        sources.files.extend(sorted(found))
    return sources


def _take_file(sources: Sources, path: Path, files: list[Path] | None = None) -> bool:
    """Whether ``path`` can be read as a file (then added to ``files``, if given); if not, it is reported.

    A pipe or a device would block a reader for ever, and a broken link has nothing to read.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        problem = "a broken symbolic link" if path.is_symlink() else "no such file"
    except OSError as error:
        problem = f"cannot read file: {error.strerror or error}"
    else:
        if stat.S_ISREG(mode):
            if files is not None:
                files.append(path)
            return True
        problem = "not a regular file (a pipe, socket or device): nothing was read from it"
    sources.unreadable.append(Problem(path, None, problem, "unreadable"))
    return False


def _unreadable_folder(sources: Sources, root: Path, error: OSError) -> None:
    sources.unreadable.append(Problem(Path(error.filename or root), None,
                                      f"cannot read folder: {error.strerror or error}", "unreadable"))


def load_source_states(searcher: Searcher) -> dict[str, SourceState]:
    return {stored["source"]: SourceState(**stored["source_state"]) for stored in searcher.documents(kind=SOURCE_KIND)}


@contextmanager
def locked_writer(index: FileIndex, timeout: float, procs: int = 1, limitmb: int = 128) -> Iterator[Any]:
    """A writer that waits up to ``timeout`` seconds for the lock, naming the holder if it gives up.

    Whoosh's lock is an flock, which the kernel drops when its holder dies; the
    holder file beside it is ours, only for the message, and is overwritten
    when it names a dead process.
    """
    holder_path = Path(index.storage.folder) / HOLDER_FILE
    try:
        # Segments stay as separate files: Whoosh reads a compound segment's parts through
        # BytesIO, which copies each of them into memory every time a reader opens.
        # The batch writer (search.codec) writes Whoosh's own segment format without its posting pool.
        writer = batch_writer(index, timeout=timeout, delay=0.05, procs=procs, limitmb=limitmb, compound=False)
    except LockError as error:
        raise IndexLocked(f"the index at {index.storage.folder} is being written by {_describe_holder(holder_path)}; "
                          f"gave up after waiting {timeout:g} s") from error
    holder = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                         "since": datetime.now().isoformat(timespec="seconds")})
    holder_path.write_text(holder)
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    finally:
        _remove_if_ours(holder_path, holder)


def _remove_if_ours(holder_path: Path, holder: str) -> None:
    """The commit has released the lock, so the next writer may already have written its own holder file."""
    try:
        if holder_path.read_text() == holder:
            holder_path.unlink()
    except FileNotFoundError:
        pass


def _describe_holder(holder_path: Path) -> str:
    try:
        holder = json.loads(holder_path.read_text())
        return f"process {holder['pid']} on {holder['host']} (since {holder['since']})"
    except (OSError, ValueError, KeyError):
        return "another process"


def stale_holder(index_dir: Path) -> str | None:
    """Clear a holder file left by a killed writer; say what was cleared."""
    holder_path = Path(index_dir) / HOLDER_FILE
    try:
        holder = json.loads(holder_path.read_text())
    except (OSError, ValueError):
        return None
    if holder.get("host") != socket.gethostname() or _alive(int(holder.get("pid", 0))):
        return None
    holder_path.unlink(missing_ok=True)
    return f"cleared a lock left by process {holder['pid']}, which is no longer running (since {holder.get('since')})"


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _deferred_interrupt() -> Iterator[Callable[[], bool]]:
    """Turn Ctrl-C and SIGTERM into a flag the run checks between batches, so it stops after a commit."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    stopping = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, lambda signum, frame: received.append(signum)) for number in stopping}
    try:
        yield lambda: bool(received)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class _Run:
    """One indexing run: the open writer, what it has pending and the report so far."""

    def __init__(self, index: FileIndex, report: IndexReport, *, timeout: float, procs: int, limitmb: int,
                 rebuild: bool, batch_docs: int) -> None:
        self.index = index
        self.report = report
        self.timeout = timeout
        self.procs = procs
        self.limitmb = limitmb
        self.rebuild = rebuild
        self.batch_docs = batch_docs
        self.interrupted: Callable[[], bool] = lambda: False
        self.pending = 0
        self.written = 0  # documents committed by this run's earlier commits
        self._writer_context: Any = None
        self.writer: Any = None
        # The generation read before the searcher opens: a commit in between counts as another writer's.
        self._generation = index.latest_generation()
        self.searcher = index.searcher()
        # Whether the index holds nothing but what this run writes (a rebuild, or an index empty at the start that
        # no other process has written to since): then the run's own dicts below know every document a look-up
        # could find, and the look-ups need not search the index.
        self.own_only = rebuild or self.searcher.doc_count_all() == 0
        self.claimed: dict[str, str] = {}
        self.claimed_prints: dict[str, tuple[str, str]] = {}  # fingerprint -> (source, address)
        self.joiner = ThreadJoiner(self)  # comment threads joined to articles by link (search.joining)

    def open(self) -> None:
        if self.writer is None:
            self._writer_context = locked_writer(self.index, self.timeout, self.procs, self.limitmb)
            self.writer = self._writer_context.__enter__()

    def commit(self, final: bool = False) -> None:
        """Commit the pending batch. Only a run's last commit merges (``merge_small_segments``, within
        the documents the run wrote): merging rewrites postings in this one process, and merging at
        every batch kept big multi-process runs on one core.
        """
        if self.writer is None:
            return
        self.written += self.pending
        ours = self.writer.generation
        if self.rebuild:
            mergetype = writing.CLEAR
        else:
            mergetype = merge_small_segments(self.written) if final else writing.NO_MERGE
        self.writer.commit(mergetype=mergetype)
        self._writer_context.__exit__(None, None, None)
        self.writer = self._writer_context = None
        self.pending = 0
        self.report.commits += 1
        self.searcher.close()
        if not final:  # opening a searcher reads every segment's term index: only when more work follows
            self.searcher = self.index.searcher()
            # The lock is free between this run's commits: had another process committed, the index is not ours alone.
            self.own_only = self.own_only and ours == self._generation + 1 and self.index.latest_generation() == ours
            self._generation = ours

    def close(self) -> None:
        if not self.searcher.is_closed:
            self.searcher.close()

    def abort(self) -> None:
        if self.writer is not None:
            self._writer_context.__exit__(KeyboardInterrupt, KeyboardInterrupt(), None)
            self.writer = self._writer_context = None

    def owner_of(self, doc_id: str) -> str | None:
        """The source that already holds an article id, in the index or earlier in this run."""
        if doc_id in self.claimed:
            return self.claimed[doc_id]
        if self.own_only:
            return None
        stored = self.searcher.document(id=doc_id)
        return stored["source"] if stored else None

    def copy_of(self, fingerprint: str) -> tuple[str, str] | None:
        """The source and address of an article already held with this fingerprint (see ``fingerprints``)."""
        if fingerprint in self.claimed_prints:
            return self.claimed_prints[fingerprint]
        if self.own_only:
            return None
        number = self.searcher.document_number(fingerprint=fingerprint)
        if number is None:
            return None
        stored = self.searcher.stored_fields(number)
        return stored["source"], stored.get("url", "")

    def claim_prints(self, article: Document, key: str, prints: list[str] | None = None) -> None:
        """Remember an article written in this run by its fingerprints (``prints``, when already made), for finding
        copies of it."""
        for fingerprint in fingerprints(article) if prints is None else prints:
            self.claimed_prints[fingerprint] = (key, article.url)

    def batch_full(self) -> bool:
        return not self.rebuild and self.pending >= self.batch_docs


def index_paths(
    index_dir: Path,
    paths: Iterable[Path],
    *,
    prune: bool = False,
    rebuild: bool = False,
    strict: bool = False,
    batch_docs: int = 20_000,
    lock_timeout: float = 30.0,
    procs: int = 1,
    limitmb: int = 304,
    progress: Callable[[Path, IndexReport], None] | None = None,
    sources: Sources | None = None,
) -> IndexReport:
    """Bring the index at ``index_dir`` up to date with the archive files under ``paths``.

    Unchanged files (same size and mtime, or same content hash) are skipped
    without parsing; a changed file's old documents are replaced in the same
    commit as its new ones. ``rebuild`` writes everything afresh and swaps it in
    with one commit, so searches see the old index until the new one is whole.
    ``sources`` is ``find_sources(paths)`` when the caller has listed them already.
    ``progress(path, report)`` is called after each file with the report so far.
    A file of more than ``batch_docs`` documents is committed in batches too (its record
    says it is partial until the last one), so no write grows without bound and Ctrl-C
    or SIGTERM stops inside it; smaller files are always committed whole.
    """
    map_big_blocks()
    report = IndexReport()
    report.stale_lock_cleared = stale_holder(index_dir)
    index = open_index(index_dir, create=True)
    run = _Run(index, report, timeout=lock_timeout, procs=procs, limitmb=limitmb, rebuild=rebuild,
               batch_docs=batch_docs)
    known = {} if rebuild else load_source_states(run.searcher)
    sources = find_sources(paths) if sources is None else sources
    sources.files[:] = threads_last(sources.files)
    report.files_seen = len(sources)
    report.skipped.update(sources.skipped)
    report.not_essays = len(sources.not_essays)
    report.failed.extend(sources.unreadable)
    try:
        with _deferred_interrupt() as interrupted:
            run.interrupted = interrupted
            with closing(_prepared_in_order(sources.files, known, procs)) as prepared_files:
                for done, (path, previous, prepared) in enumerate(prepared_files, 1):
                    if interrupted():
                        report.interrupted = True
                        break
                    _index_source(run, path, previous, strict, prepared)
                    run.joiner.read_again(known, sources.files, done, source_key)
                    if report.interrupted:
                        break
                    if progress:
                        progress(path, report)
                    if run.batch_full() and done < len(sources):  # the last batch goes with the last commit
                        run.commit()
            if not rebuild and report.commits and run.writer is None and not report.interrupted:
                run.open()  # nothing pending, but the batches' segments still want the final merge
            if prune and not report.interrupted:
                _prune(run, known, {source_key(path) for path in sources}, paths)
            if rebuild and report.interrupted:
                # A partial rebuild committed with CLEAR would replace the whole index with part of it.
                run.abort()
                report.added.clear()
            else:
                run.commit(final=not report.interrupted)
    except BaseException:
        run.abort()
        raise
    finally:
        run.close()
    fatal = [problem for problem in report.problems if problem.kind != LEFT_OUT]  # drafts etc. are not faults
    if strict and (report.failed or fatal):
        raise StrictModeError(report.failed + fatal)
    return report


@dataclass
class _Prepared:
    """One file as a reader left it: failed, unchanged (``result`` None; ``sha1`` set when only its time
    changed), or read."""

    stat: os.stat_result | None = None
    sha1: str = ""
    result: ReadResult | None = None
    failed: Problem | None = None


def _prepare(path: Path, previous: SourceState | None) -> _Prepared:
    """The reading half of indexing a file, which needs no index and so can run in another process."""
    try:
        stat = path.stat()
        if previous and previous.size == stat.st_size and previous.mtime_ns == stat.st_mtime_ns:
            return _Prepared(stat)
        data = path.read_bytes()
    except OSError as error:
        return _Prepared(failed=Problem(path, None, f"cannot read file: {error.strerror or error}", "unreadable"))
    sha1 = hashlib.sha1(data).hexdigest()
    if previous and previous.sha1 == sha1:
        return _Prepared(stat, sha1)
    try:
        return _Prepared(stat, sha1, read_file(path, data))
    except ReadError as error:
        return _Prepared(stat, sha1, failed=error.problem)


def _prepared_in_order(files: list[Path], known: dict[str, SourceState],
                       procs: int) -> Iterator[tuple[Path, SourceState | None, _Prepared]]:
    """Each file with its previous state and what a reader made of it, in file order whatever the timing.

    With ``procs`` > 1 the files are read and extracted by that many processes, a few files ahead
    of the writer. ``files`` may grow while this runs (sources read again to join a thread), and a
    file whose state changed after it was handed out is read again here.
    """
    if procs <= 1 or not _several_to_read(files, known):  # for one file, starting reader processes only costs
        position = 0
        while position < len(files):
            path = files[position]
            position += 1
            previous = known.get(source_key(path))
            yield path, previous, _prepare(path, previous)
        return
    # Reading is a twentieth of the work: one reader less than writers leaves their memory to the writers.
    readers = max(1, procs - 1)
    pool = ProcessPoolExecutor(readers, mp_context=multiprocessing.get_context("fork"), initializer=_reader_process)
    ahead: deque[tuple[Path, SourceState | None, Future]] = deque()
    submitted = 0
    try:
        while True:
            while submitted < len(files) and len(ahead) < readers * _READ_AHEAD:
                path = files[submitted]
                previous = known.get(source_key(path))
                ahead.append((path, previous, pool.submit(_prepare, path, previous)))
                submitted += 1
            if not ahead:
                return
            path, previous, future = ahead.popleft()
            prepared = future.result()
            current = known.get(source_key(path))
            yield path, current, prepared if current == previous else _prepare(path, current)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _several_to_read(files: list[Path], known: dict[str, SourceState]) -> bool:
    """Whether more than one file is new or changed in size or time (a one-file reindex is not)."""
    found = 0
    for path in files:
        previous = known.get(source_key(path))
        try:
            stat = path.stat()
        except OSError:
            continue  # reported when it is read
        if previous is None or (previous.size, previous.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            found += 1
            if found > 1:
                return True
    return False


def _reader_process() -> None:
    """Reader processes leave Ctrl-C and SIGTERM to the main process, which stops after a commit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _index_source(run: _Run, path: Path, previous: SourceState | None, strict: bool, prepared: _Prepared) -> None:
    """The writing half: the file's documents into the index, replacing its old ones, with its record."""
    report = run.report
    key = source_key(path)
    if prepared.failed is not None:
        report.failed.append(prepared.failed)
        return
    stat = prepared.stat
    if prepared.result is None and previous is not None:
        _count_unchanged(report, previous)
        if prepared.sha1:  # same content, new time: remember the new time
            run.open()
            _write_source_record(run, key, SourceState(prepared.sha1, stat.st_size, stat.st_mtime_ns,
                                                       previous.articles, previous.comments))
        return
    result, sha1 = prepared.result, prepared.sha1
    report.files_read += 1
    report.problems.extend(result.problems)
    if strict and any(problem.kind != LEFT_OUT for problem in result.problems):
        report.failed.append(Problem(path, None, "not indexed: --strict and the file has problems", "strict"))
        return
    joined, rest = run.joiner.join(key, result.documents, replacing=previous is not None)
    documents = joined + _without_duplicates(run, key, rest, path, result.lines)
    old_ids = _ids_of_source(run, key) if previous else {}
    # A file bigger than a batch is committed in batches of its own (after what is pending, so the files
    # before it stay whole in one commit); a smaller one always lands whole in one commit.
    big = not run.rebuild and len(documents) > run.batch_docs
    if big and run.pending:
        run.commit()
    run.open()
    if previous:  # a new file has nothing to replace; deleting would open a reader on every segment
        run.writer.delete_by_term("source", key)
    written: Counter = Counter()
    unwritten: list[dict[str, Any]] = []  # handed to the writer together: it analyses texts in batches
    for number, document in enumerate(documents):
        fields = document_fields(document)
        fields["source"] = key
        unwritten.append(fields)
        (report.updated if document.id in old_ids else report.added)[document.kind] += 1
        written[document.kind] += 1
        run.claimed[document.id] = key
        run.pending += 1
        if big and run.batch_full() and number + 1 < len(documents):
            run.writer.add_documents(unwritten)
            unwritten = []
            # The record says "partial" until the file's last batch, so a stop here gets the file read again.
            _write_source_record(run, key, SourceState(_PARTIAL, -1, -1, written["article"], written["comment"]))
            run.commit()
            if run.interrupted():
                report.interrupted = True
                return
            run.open()
    run.writer.add_documents(unwritten)
    new_ids = {document.id for document in documents}
    for doc_id, kind in old_ids.items():
        if doc_id not in new_ids:
            report.removed[kind] += 1
    _write_source_record(run, key, SourceState(sha1, stat.st_size, stat.st_mtime_ns, written["article"],
                                               written["comment"]))
    run.pending += 1


def _without_duplicates(run: _Run, key: str, documents: list[Document], path: Path,
                        lines: dict[int, int]) -> list[Document]:
    """Drop copies of articles already read (same opening text or address), with their comments.

    Two different articles that happen to share an id (same title, author and date, or the
    same id in two sources) are both kept: the later one gets the next free ``-N`` suffix.
    """
    kept: list[Document] = []
    here: dict[str, Document] = {}  # fingerprint -> the article of this file that has it
    ids_here: set[str] = set()
    for thread in _threads(documents):
        article = thread[0]
        prints = fingerprints(article)
        earlier = next((here[fingerprint] for fingerprint in prints
                        if fingerprint in here and _same_place(article, here[fingerprint].url, fingerprint)), None)
        owner = next((copy[0] for fingerprint in prints
                      if (copy := run.copy_of(fingerprint)) is not None and copy[0] != key
                      and _same_place(article, copy[1], fingerprint)), None)
        if earlier is not None or owner is not None:
            if earlier is None:
                where = f"from {display_path(owner)}"
            else:
                line = f"line {lines[earlier.position]}, " if earlier.position in lines else ""
                where = f"earlier in this file ({line}{earlier.title!r})"
            at = f" at {article.url}" if article.url else ""
            reason = f"duplicate article {article.title!r}{at}: the same text is already indexed {where}; skipped"
            run.report.problems.append(Problem(path, lines.get(article.position), reason, "duplicate"))
            continue
        if _id_taken(run, key, article.id, ids_here):
            thread = rebase_thread(thread, _free_id(run, key, article.id, ids_here))
        for fingerprint in prints:
            here[fingerprint] = thread[0]
        run.claim_prints(thread[0], key, prints)  # a new id changes no fingerprint
        ids_here.add(thread[0].id)
        run.claimed[thread[0].id] = key
        run.joiner.kept(thread[0], key)
        kept.extend(thread)
    return kept


def _same_place(article: Document, other_url: str, fingerprint: str) -> bool:
    """Whether a copy found by this fingerprint can be the same article.

    One text at two different addresses is two articles: a post cross-posted to
    several forums is a thread in each, with its own replies, which must not be lost.
    A copy without an address (a saved page, an export) still matches by its text.
    """
    return fingerprint.startswith("u") or not article.url or not other_url or article.url == other_url


def _threads(documents: list[Document]) -> Iterator[list[Document]]:
    """Each article with the comments that follow it."""
    thread: list[Document] = []
    for document in documents:
        if document.kind == "article" and thread:
            yield thread
            thread = []
        thread.append(document)
    if thread:
        yield thread


def _id_taken(run: _Run, key: str, doc_id: str, ids_here: set[str]) -> bool:
    """Held by another article of this file, or by another source (a file read again keeps its own ids)."""
    if doc_id in ids_here:
        return True
    owner = run.owner_of(doc_id)
    return owner is not None and owner != key


def _free_id(run: _Run, key: str, doc_id: str, ids_here: set[str]) -> str:
    number = 2
    while _id_taken(run, key, f"{doc_id}-{number}", ids_here):
        number += 1
    return f"{doc_id}-{number}"


def _ids_of_source(run: _Run, key: str) -> dict[str, str]:
    return {stored["id"]: stored["kind"] for stored in run.searcher.documents(source=key)
            if stored["kind"] != SOURCE_KIND}


def _write_source_record(run: _Run, key: str, state: SourceState) -> None:
    run.writer.update_document(id=f"{SOURCE_KIND}:{key}", kind=SOURCE_KIND, source=key,
                               source_state=state.__dict__)


def _count_unchanged(report: IndexReport, state: SourceState) -> None:
    report.files_unchanged += 1
    report.unchanged["article"] += state.articles
    report.unchanged["comment"] += state.comments


def _prune(run: _Run, known: dict[str, SourceState], present: set[str], roots: Iterable[Path]) -> None:
    """Remove sources under the given roots whose files are gone."""
    root_keys = [source_key(root) for root in roots]
    for key, state in known.items():
        inside = any(key == root or key.startswith(root.rstrip(os.sep) + os.sep) for root in root_keys)
        if inside and key not in present and not source_path(key).exists():
            run.open()
            run.writer.delete_by_term("source", key)
            run.report.removed["article"] += state.articles
            run.report.removed["comment"] += state.comments


def remove(index_dir: Path, target: str, lock_timeout: float = 30.0) -> Counter:
    """Remove a document by id, or every document of a source file by its path.

    An article takes its comments with it; a removed comment's replies move up
    to answer what it answered, so no thread link points at nothing.
    """
    index = open_index(index_dir)
    removed: Counter = Counter()
    with index.searcher() as searcher:
        stored = searcher.document(id=target)
        if stored is None or stored["kind"] == SOURCE_KIND:
            victims = list(searcher.documents(source=source_key(Path(target))))
            replies = []
        elif stored["kind"] == "article":
            victims, replies = list(searcher.documents(article_id=target)), []
        else:
            victims, replies = [stored], list(searcher.documents(parent_id=target))
    if not victims:
        return removed
    with locked_writer(index, lock_timeout) as writer:
        for victim in victims:
            writer.delete_by_term("id", victim["id"])
            removed[victim["kind"]] += 1
        for reply in replies:
            moved = stored_document(reply)
            fields = document_fields(replace(moved, parent_id=stored.get("parent_id")))
            writer.update_document(**fields)
        if stored is not None and stored["kind"] != SOURCE_KIND:
            _recount_source(writer, index, stored["source"], removed)
        writer.commit()
    removed.pop(SOURCE_KIND, None)
    return removed


def _recount_source(writer: Any, index: FileIndex, key: str, removed: Counter) -> None:
    """Keep a source's record truthful after single documents were removed from it."""
    with index.searcher() as searcher:
        record = searcher.document(id=f"{SOURCE_KIND}:{key}")
    if record is None:
        return
    state = dict(record["source_state"])
    state["articles"] -= removed["article"]
    state["comments"] -= removed["comment"]
    writer.update_document(id=record["id"], kind=SOURCE_KIND, source=key, source_state=state)
