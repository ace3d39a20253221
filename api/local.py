"""Public API pages answered again from this server process's memory, for up to `API_LOCAL_SECONDS` at a time.

The cache front (api/front.py) answers a cached page with one Redis round trip: it counts the request against the
anonymous rate and reads the data version and the page. That round trip, and Django building a request and
running its middleware around it, is most of what a cached answer costs. A page the front has answered from the
cache is kept here too, exactly as it left the server (status, every header, body), and the WSGI application
(tracker/wsgi.py) answers the same request again from here, before Django, while:

- what this process last read from Redis (the data version, and the client's count) is under `API_LOCAL_SECONDS`
  old: a change made in another process is served within that time; a change made in this one at once;
- the page was made at that data version;
- the client is far enough from its rate: requests answered here are counted here and added to Redis at the next
  round trip, and a process counts here at most a sixteenth of what remains of a client's rate (`SHARE`), so a
  client nearing its rate is counted in Redis on every request and refused there (a 429) as it is now. With one
  process the rate holds exactly; a burst spread over several can pass it by at most 1/SHARE of it per process.

A request it cannot answer (any other method, a signed-in or conditional request, a page not kept or out of date, a
client near its rate) goes to Django unchanged. `API_LOCAL_SECONDS = 0` turns it off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http.request import HttpHeaders
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .cache import DataVersion
from .throttling import AnonRateThrottle, window_key

SHARE = 16  # a process counts on its own at most 1/SHARE of what remains of a client's rate
MAX_BYTES = 32 * 2**20  # the pages kept by one process, bodies and headers
MAX_PAGE_BYTES = 2**20  # a bigger page (a long bulk page, an export) is not kept
MAX_CLIENTS = 10_000  # clients whose counts are kept at once
MARK = "tracker.api_local"  # the WSGI environ's entry by which the front says "keep this page" (its data version)

PageKey = tuple[Any, ...]


def local_seconds() -> float:
    return float(getattr(settings, "API_LOCAL_SECONDS", 1.0))


def page_key(environ: dict[str, Any]) -> PageKey:
    """What a kept page must match: the request's own text (host, path, query, format and encoding asked for,
    scheme, and the proxy headers Django may read for them), so that a page is replayed only for a request Django
    answered the same way (its Host allowed, its format chosen, its links written with the same scheme and host)."""
    return (
        environ.get("HTTP_HOST"),
        environ.get("HTTP_X_FORWARDED_HOST"),
        environ.get("PATH_INFO"),
        environ.get("QUERY_STRING"),
        environ.get("HTTP_ACCEPT"),
        environ.get("HTTP_ACCEPT_ENCODING"),  # were a compressing middleware added, bodies would differ by it
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_X_FORWARDED_PROTO"),
    )


@dataclass(slots=True)
class _Count:
    synced: int  # the client's count in Redis at the last round trip (this request included)
    pending: int  # requests answered here since, not yet added to Redis
    at: float  # time.monotonic() of that round trip


@dataclass(frozen=True, slots=True)
class Page:
    token: str  # the data version it was made at
    status: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers)


class Memory:
    """This process's copy of what it last read from Redis, and the pages it keeps (one per process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        self.version: DataVersion | None = None
        self.counts: dict[str, _Count] = {}
        self.pages: dict[PageKey, Page] = {}
        self.size = 0

    def seen(self, version: DataVersion) -> None:
        """The data version as just read from (or written to) Redis."""
        self.version = version

    def pending(self, counter: str) -> int:
        """The requests of `counter` answered here since its last round trip, handed over to be added to Redis."""
        with self._lock:
            count = self.counts.get(counter)
            if count is None:
                return 0
            pending, count.pending = count.pending, 0
            return pending

    def counted(self, counter: str, total: int, version: DataVersion) -> None:
        """A round trip's answer: the client's count in Redis (with what `pending` handed over) and the version."""
        now = time.monotonic()
        with self._lock:
            if len(self.counts) >= MAX_CLIENTS:
                # Mostly past windows; a current one loses what it counted here since its last round trip (fewer
                # than 1/SHARE of its rate).
                self.counts.clear()
            # Requests another thread answered here during the round trip stay pending: `total` is without them.
            known = self.counts.get(counter)
            self.counts[counter] = _Count(total, known.pending if known is not None else 0, now)
        self.seen(version)

    def answer(self, key: PageKey, counter: str, limit: int, seconds: float) -> Page | None:
        """The page kept for `key` if it may be answered from here now, counting the request; None otherwise."""
        page, version = self.pages.get(key), self.version
        if page is None or version is None or page.token != version.token:
            return None
        with self._lock:
            count = self.counts.get(counter)
            # The version was read with the client's count (or later): both are as old as the count at most.
            if count is None or time.monotonic() - count.at >= seconds:
                return None
            if count.pending + 1 > (limit - count.synced) // SHARE:
                return None
            count.pending += 1
        return page

    def keep(self, key: PageKey, page: Page) -> None:
        size = page.size
        if size > MAX_PAGE_BYTES:
            return
        with self._lock:
            old = self.pages.pop(key, None)
            self.size -= old.size if old is not None else 0
            while self.pages and self.size + size > MAX_BYTES:  # the oldest first
                self.size -= self.pages.pop(next(iter(self.pages))).size
            self.pages[key] = page
            self.size += size


MEMORY = Memory()


class _EnvironRequest:
    """What DRF's `get_ident` reads of a request (its META and its X-Forwarded-For header), from a WSGI environ."""

    __slots__ = ("META", "headers")

    def __init__(self, environ: dict[str, Any]) -> None:
        self.META = environ
        self.headers = HttpHeaders(environ)


def client_counter(environ: dict[str, Any]) -> tuple[str, int] | None:
    """The anonymous rate's counter of this request's client for the current window, and the rate's limit."""
    limit, duration = SimpleRateThrottle.parse_rate(None, api_settings.DEFAULT_THROTTLE_RATES.get("anon"))
    if limit is None or duration is None:
        return None
    ident = AnonRateThrottle().get_ident(_EnvironRequest(environ))
    return window_key("anon", ident, duration)[0], limit


def _may_be_kept(environ: dict[str, Any]) -> bool:
    if environ.get("REQUEST_METHOD") != "GET" or "HTTP_AUTHORIZATION" in environ:
        return False
    if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
        return False  # Django answers the 304 (or not)
    return settings.SESSION_COOKIE_NAME not in environ.get("HTTP_COOKIE", "")


StartResponse = Callable[..., Any]


class LocalPages:
    """WSGI middleware around Django's application: answers a request from a kept page, or keeps the page the
    cache front marked (with `MARK`) on its way out."""

    def __init__(self, application: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        seconds = local_seconds()
        if seconds <= 0 or not _may_be_kept(environ):
            return self.application(environ, start_response)
        key = page_key(environ)
        if key in MEMORY.pages:
            client = client_counter(environ)
            page = MEMORY.answer(key, *client, seconds) if client is not None else None
            if page is not None:
                start_response(page.status, list(page.headers))
                return [page.body]
        sent: list[tuple[str, list[tuple[str, str]]]] = []

        def record(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent.append((status, list(headers)))
            return start_response(status, headers, exc_info)

        result = self.application(environ, record)
        token = environ.get(MARK)
        if token is None or not sent:
            return result
        status, headers = sent[-1]
        if not status.startswith("200 ") or any(name.lower() == "set-cookie" for name, _ in headers):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        MEMORY.keep(key, Page(token, status, headers, body))
        return [body]
