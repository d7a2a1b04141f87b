"""Serving safely: request limits, response headers, a bound on concurrent searches, and waitress.

Every limit is an app config key with a default below; ``essays serve`` also reads
``ESSAYS_<KEY>`` environment variables (``ESSAYS_MAX_SEARCHES=2``). SECURITY.md
explains each one.
"""

from __future__ import annotations

import ipaddress
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import RequestURITooLarge, ServiceUnavailable

from search.query import query_limits

LIMITS: dict[str, Any] = {
    # Requests
    "MAX_CONTENT_LENGTH": 64 * 1024,  # bytes of request body (the app takes no uploads)
    "MAX_QUERY_STRING": 16 * 1024,  # bytes of URL query string; longer gets a 414
    "MAX_PAGE": 1000,  # highest results page a URL may ask for
    "MAX_PAGELEN": 100,  # most article groups per page a URL may ask for with ``limit``
    "MAX_FACET_VALUES": 20,  # values of one filter (author, year, kind) a URL may ask for at once
    # Searches at once
    "MAX_SEARCHES": 4,  # searches running at the same time; more wait ...
    "SEARCH_QUEUE_SECONDS": 2.0,  # ... this long for a slot, then get a 503
    "RETRY_AFTER_SECONDS": 5,  # the 503's Retry-After
    # waitress (essays serve)
    "SERVER_THREADS": 12,  # worker threads: more than MAX_SEARCHES, so help and static pages stay quick
    "SERVER_CONNECTION_LIMIT": 1000,  # open connections at once (waitress's default of 100 is easy to fill)
    "SERVER_CHANNEL_TIMEOUT": 20,  # seconds a connection may stay silent before it is closed
    "SERVER_CLEANUP_INTERVAL": 5,  # how often silent connections are looked for
    "SERVER_MAX_HEADER_BYTES": 64 * 1024,  # request line and headers; waitress answers 431 beyond it
}

CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                           "base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
_SLOTS_LOCK = threading.Lock()


class Busy(ServiceUnavailable):
    """Every search slot stayed taken for the whole wait: try again shortly."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the server is busy with other searches; try again in {retry_after} seconds",
                         retry_after=retry_after)


def install(app: Flask) -> None:
    """Give an app the default limits (config already given wins) and the checks and headers of every response.

    Flask's own config holds ``MAX_CONTENT_LENGTH = None``: a None counts as not given.
    """
    for key, value in LIMITS.items():
        if app.config.get(key) is None:
            app.config[key] = value
    app.before_request(_refuse_long_query_strings)
    app.before_request(_take_search_slot)
    app.teardown_request(_release_search_slot)
    app.after_request(_add_security_headers)


def _refuse_long_query_strings() -> None:
    limit = current_app.config["MAX_QUERY_STRING"]
    if len(request.query_string) > limit:
        raise RequestURITooLarge(f"the address is too long: at most {limit:,} bytes of query, "
                                 f"this one has {len(request.query_string):,}")


def _add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


View = TypeVar("View", bound=Callable[..., Any])


def no_search_slot(view: View) -> View:
    """Mark a view that reads no index (query help): it is served even while every search slot is taken."""
    view.needs_no_search_slot = True  # type: ignore[attr-defined]
    return view


def _take_search_slot() -> None:
    """Hold one of MAX_SEARCHES slots for the request; Busy (503) when none frees within SEARCH_QUEUE_SECONDS.

    Every route takes a slot (whichever blueprint added it) except static files and
    views marked ``no_search_slot``. Searches are CPU-bound: past a few at once each
    one only gets slower, and the queue of waiting requests would grow without end.
    """
    if request.endpoint in (None, "static"):
        return
    if getattr(current_app.view_functions[request.endpoint], "needs_no_search_slot", False):
        return
    if not _slots(current_app).acquire(timeout=current_app.config["SEARCH_QUEUE_SECONDS"]):
        raise Busy(current_app.config["RETRY_AFTER_SECONDS"])
    g.essays_search_slot = True


def _release_search_slot(_: BaseException | None) -> None:
    if g.pop("essays_search_slot", False):
        _slots(current_app).release()


def _slots(app: Flask) -> threading.BoundedSemaphore:
    """The app's semaphore, made on first use so a MAX_SEARCHES set after the app was built still counts."""
    with _SLOTS_LOCK:
        slots = app.extensions.get("essays_search_slots")
        if slots is None:
            slots = app.extensions["essays_search_slots"] = threading.BoundedSemaphore(app.config["MAX_SEARCHES"])
        return slots


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach an address: 127.0.0.0/8, ::1 or localhost."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


DEBUG_WARNING = """\
*************************************************************************************
 WARNING: --debug on {host}, an address other machines can reach.
 Flask's debug server is single-purpose and its debugger runs any Python code a
 visitor sends when an error page appears. Use it on 127.0.0.1 only; serve the public
 with 'essays serve' (waitress) and no --debug.
*************************************************************************************"""


def serve(app: Flask, host: str, port: int, debug: bool = False) -> None:
    """Serve the app on waitress with the limits from its config (and ESSAYS_* environment variables).

    With ``debug``, Flask's reloading debug server instead, with a loud warning when
    the address is not loopback: its debugger runs code a visitor sends.
    """
    app.config.from_prefixed_env("ESSAYS")
    app.config["QUERY_LIMITS"] = query_limits(app.config.get("QUERY_LIMITS"))  # ESSAYS_QUERY_LIMITS='{"seconds": 1}'
    if debug:
        if not is_loopback(host):
            print(DEBUG_WARNING.format(host=host), file=sys.stderr, flush=True)
        app.run(host=host, port=port, debug=True)
        return
    import waitress

    waitress.serve(app, **waitress_options(app, host, port))


def waitress_options(app: Flask, host: str, port: int) -> dict[str, Any]:
    """waitress settings from the app's config: threads, connection limit, timeouts, header size."""
    config = app.config
    return {
        "host": host, "port": port, "threads": config["SERVER_THREADS"],
        "connection_limit": config["SERVER_CONNECTION_LIMIT"], "channel_timeout": config["SERVER_CHANNEL_TIMEOUT"],
        "cleanup_interval": config["SERVER_CLEANUP_INTERVAL"],
        "max_request_header_size": config["SERVER_MAX_HEADER_BYTES"],
        "max_request_body_size": config["MAX_CONTENT_LENGTH"],
        "asyncore_use_poll": True,  # select() cannot watch more than 1,024 sockets
        "ident": "essay-search",
    }
