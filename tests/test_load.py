"""The real server (waitress, configured as ``essays serve`` does) under load: slow connections, a reindex beside it."""

from __future__ import annotations

import json
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import waitress

from search.indexer import index_paths
from tests.conftest import article
from web import create_app
from web.server import waitress_options

OLD_FILES = 5
NEW_FILES = 15
ARTICLES_PER_FILE = 10
COMMENTS_PER_ARTICLE = 10
DOCS_PER_FILE = ARTICLES_PER_FILE * (1 + COMMENTS_PER_ARTICLE)
CLIENTS = 4
_VERSION = re.compile(r"\bversion(\d+)\b")


@contextmanager
def serve(index_dir: Path, **config: object) -> Iterator[str]:
    """The app on waitress in a background thread, with waitress_options as ``essays serve`` uses them."""
    app = create_app({"INDEX_DIR": str(index_dir), **config})
    options = waitress_options(app, "127.0.0.1", 0)
    options.pop("ident")
    server = waitress.create_server(app, **options)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, {"error": error.read().decode("utf-8", "replace")[:300]}


def write_file(folder: Path, name: str, version: int) -> None:
    """Every document of a file carries ``name``, ``version<v>`` and ``strike``; a new version changes every body."""
    records = [article(f"{name} pamphlet {index}", "Rosa Luxemburg", f"19{10 + index}-03-01",
                       f"{name} version{version}: on the mass strike, essay {index}.",
                       [{"author": f"Reader {comment}", "date": f"19{10 + index}-04-01",
                         "body": f"{name} version{version}: strike reply {comment} to essay {index}."}
                        for comment in range(COMMENTS_PER_ARTICLE)])
               for index in range(ARTICLES_PER_FILE)]
    (folder / f"{name}.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")


def test_slow_connections_do_not_lock_others_out(seed_index: Path) -> None:
    """150 connections that never finish their request (waitress's default limit is 100) leave room for a reader."""
    with serve(seed_index) as url:
        host, port = urllib.parse.urlsplit(url).netloc.split(":")
        stalled = []
        try:
            for _ in range(150):
                connection = socket.create_connection((host, int(port)), timeout=10)
                connection.sendall(b"GET /search?q=ser")  # ... and nothing more
                stalled.append(connection)
            started = time.monotonic()
            status, data = get_json(url + "/api/search?q=stalinism")
            assert status == 200 and data["total"] == 1
            assert time.monotonic() - started < 10
        finally:
            for connection in stalled:
                connection.close()


def test_searching_while_thousands_of_documents_are_indexed(tmp_path: Path) -> None:
    """Clients search over HTTP while another process adds 1,650 documents and rewrites 550.

    The indexer commits after every file (``--batch`` of one file's documents), so
    every commit is a consistent version of the index with each file whole. Then:
    zero errors; the total of a word in every document never goes down; a rewritten
    file is always seen whole (all old or all new, never both, never missing); a new
    file appears whole; a page's facet counts add up to its total (one index version per page).
    """
    archive = tmp_path / "archive"
    archive.mkdir()
    for number in range(OLD_FILES):
        write_file(archive, f"old{number}", 1)
    index_dir = tmp_path / "index"
    index_paths(index_dir, [archive])
    for number in range(OLD_FILES):
        write_file(archive, f"old{number}", 2)
    for number in range(NEW_FILES):
        write_file(archive, f"new{number}", 1)

    # A generous time limit: a search cut short under load would show a smaller total, which is not what is tested.
    with serve(index_dir, MAX_SEARCHES=CLIENTS, SEARCH_QUEUE_SECONDS=60, QUERY_LIMITS={"seconds": 60}) as url:
        indexer = subprocess.Popen([sys.executable, "-c", "from search.cli import main; main()", "index", str(archive),
                                    "--index", str(index_dir), "--batch", str(DOCS_PER_FILE)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        problems: list[str] = []
        requests: list[int] = []
        threads = [threading.Thread(target=search_until_done, args=(url, indexer, number, problems, requests))
                   for number in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        output = indexer.communicate(timeout=300)[0].decode()
        assert indexer.returncode == 0, output
        assert not problems, f"{len(problems)} problems in {sum(requests)} requests, e.g.\n" + "\n".join(problems[:15])
        assert sum(requests) >= 50, "the clients searched while the indexer ran"
        status, data = get_json(url + "/api/search?q=strike&limit=1")
        assert status == 200 and data["total"] == (OLD_FILES + NEW_FILES) * DOCS_PER_FILE


def search_until_done(url: str, indexer: subprocess.Popen, number: int, problems: list[str],
                      requests: list[int]) -> None:
    """Search in a loop until the indexer exits, then once more; note every problem seen."""
    rng = random.Random(number)
    highest_total = 0
    count = 0
    while True:
        finished = indexer.poll() is not None
        count += 1
        choice = rng.random()
        if choice < 0.3:
            status, data = get_json(url + "/api/search?q=strike&limit=1")
            if status == 200:
                if data["total"] < highest_total:
                    problems.append(f"client {number}: total of 'strike' went from {highest_total} to {data['total']}")
                highest_total = max(highest_total, data["total"])
                kinds = sum(facet["count"] for facet in data["facets"]["kind"])
                if kinds != data["total"]:
                    problems.append(f"client {number}: kind facets add up to {kinds}, the total is {data['total']}")
        elif choice < 0.65:
            name = f"old{rng.randrange(OLD_FILES)}"
            status, data = get_json(f"{url}/api/search?q={name}&limit=100")
            if status == 200:
                versions = {match for hit in data["hits"] for match in _VERSION.findall(hit["highlights"]["snippet"]
                                                                                         ["text"])}
                if data["total"] != DOCS_PER_FILE or len(versions) != 1:
                    problems.append(f"client {number}: {name} showed {data['total']} documents of versions {versions}")
        elif choice < 0.85:
            name = f"new{rng.randrange(NEW_FILES)}"
            status, data = get_json(f"{url}/api/search?q={name}&limit=1")
            if status == 200 and data["total"] not in (0, DOCS_PER_FILE):
                problems.append(f"client {number}: {name} showed {data['total']} of its {DOCS_PER_FILE} documents")
        else:
            try:
                with urllib.request.urlopen(f"{url}/search?q=strike+pamphlet&sort=newest", timeout=60) as response:
                    status, data = response.status, {}
            except urllib.error.HTTPError as error:
                status, data = error.code, {"error": error.read()[:300]}
        if status != 200:
            problems.append(f"client {number}: status {status}: {data.get('error')}")
        if finished:
            break
    requests.append(count)


def raw_status(url: str, request: bytes) -> int:
    """Send bytes as they are (no client library tidying them) and read the status code of the answer."""
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(request)
        answer = b""
        while b"\r\n" not in answer:
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def test_malformed_http_gets_a_client_error_from_the_real_server(seed_index: Path) -> None:
    """(request, acceptable statuses): never a 5xx, and the limits answer with their own codes."""
    cases = [
        (b"GET /search?q=%ZZ%E0%80 HTTP/1.1\r\nHost: x\r\n\r\n", {200, 400}),  # bad escapes are replaced
        (b"GET /search?q=\xff\xfe\x00 HTTP/1.1\r\nHost: x\r\n\r\n", {200, 400}),
        (b"GET /doc/\xc3\x28%00 HTTP/1.1\r\nHost: x\r\n\r\n", {400, 404}),
        (b"GET /api/search?q=serge HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", {431}),
        (b"GET /search?q=" + b"serge+" * 3_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", {414}),
        (b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100_000, {413}),
        (b"GET /search?q=serge HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", {400}),
        (b"BREW /search HTTP/1.1\r\nHost: x\r\n\r\n", {405}),
        (b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", {404}),
    ]
    with serve(seed_index) as url:
        statuses = [raw_status(url, request) for request, _ in cases]
        assert all(status in expected for status, (_, expected) in zip(statuses, cases, strict=True)), statuses
        status, data = get_json(url + "/api/search?q=stalinism")
        assert status == 200 and data["total"] == 1, "the server is still up"
