"""Pages a server process answers again from its own memory (api/local.py): the same bytes and headers as Django's
answer, never a page older than the data version the process last read, fresh reads at most API_LOCAL_SECONDS
apart, and every request counted against the shared anonymous rate."""

import time

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

import tracker.wsgi
from api.cache import DATA_VERSION_KEY, DataVersion, data_version_bump
from api.local import MEMORY, SHARE, LocalPages, client_counter

pytestmark = pytest.mark.django_db

URL = "/api/v1/bills/?jurisdiction=ca&page=last"  # made by DRF (not the lean answer), then by the cache front


class Server:
    """The WSGI application as a server runs it (Django behind LocalPages), called with plain environs; it counts
    the requests that reached Django."""

    def __init__(self) -> None:
        self.django_requests = 0
        handler = WSGIHandler()

        def django(environ, start_response):
            self.django_requests += 1
            return handler(environ, start_response)

        self.application = LocalPages(django)

    def get(self, url: str, **extra: str) -> tuple[str, dict[str, str], bytes]:
        environ = RequestFactory().get(url, **{"HTTP_HOST": "testserver", **extra}).environ
        sent = []
        result = self.application(environ, lambda status, headers, exc_info=None: sent.append((status, headers)))
        body = b"".join(result)
        if hasattr(result, "close"):
            result.close()
        status, headers = sent[-1]
        return status, dict(headers), body


@pytest.fixture
def server(settings):
    """As the test client does, the requests keep the test's database connection (and its transaction) open."""
    settings.API_LOCAL_SECONDS = 60
    MEMORY.clear()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield Server()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    MEMORY.clear()


def test_the_servers_application_is_django_behind_the_kept_pages():
    assert isinstance(tracker.wsgi.application, LocalPages)


def test_a_kept_page_is_answered_without_django_with_the_same_status_headers_and_bytes(server, world):
    made = server.get(URL)  # through DRF, which caches it in Redis
    from_cache = server.get(URL)  # the cache front's answer, kept by this process
    assert server.django_requests == 2
    again = [server.get(URL) for _ in range(3)]
    assert server.django_requests == 2
    assert made[0] == from_cache[0] == "200 OK"
    assert made[2] == from_cache[2]
    for answer in again:
        assert answer == from_cache
    assert from_cache[1]["X-Frame-Options"] == "DENY"
    assert from_cache[1]["Content-Length"] == str(len(from_cache[2]))


@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_AUTHORIZATION": "Token 0123"},
        {"HTTP_COOKIE": "sessionid=abc"},
        {"HTTP_ACCEPT": "text/csv"},
        {"HTTP_HOST": "127.0.0.1"},
        {"HTTP_X_FORWARDED_PROTO": "https"},
        {"HTTP_ACCEPT_ENCODING": "gzip"},
        {"QUERY_STRING": "page=last&jurisdiction=ca"},
    ],
)
def test_another_request_goes_to_django(server, world, extra):
    server.get(URL)
    server.get(URL)
    query = extra.pop("QUERY_STRING", None)
    server.get(f"/api/v1/bills/?{query}" if query else URL, **extra)
    assert server.django_requests == 3


def test_a_conditional_request_goes_to_django_for_its_304(server, world):
    server.get(URL)
    status, headers, _ = server.get(URL)
    status, _, body = server.get(URL, HTTP_IF_NONE_MATCH=headers["ETag"])
    assert (status, body, server.django_requests) == ("304 Not Modified", b"", 3)


def test_a_change_in_this_process_is_served_at_once(server, world):
    server.get(URL)
    server.get(URL)
    world["enacted"].title = "A new title"
    world["enacted"].save()
    status, _, body = server.get(URL)
    assert (status, server.django_requests) == ("200 OK", 3)
    assert b"A new title" in body


def test_a_change_in_another_process_is_served_within_api_local_seconds(server, world, settings):
    settings.API_LOCAL_SECONDS = 0.5
    server.get(URL)
    kept = server.get(URL)
    # Another process bumps the version (in Redis only); this one answers from memory until its read is 0.5 s old.
    cache.set(DATA_VERSION_KEY, DataVersion.new().dumps(), timeout=None)
    assert server.get(URL) == kept
    assert server.django_requests == 2
    time.sleep(0.5)
    status, headers, _ = server.get(URL)
    assert (status, server.django_requests) == ("200 OK", 3)
    assert headers["ETag"] != kept[1]["ETag"]


def test_api_local_seconds_zero_keeps_nothing(server, world, settings):
    settings.API_LOCAL_SECONDS = 0
    for _ in range(4):
        server.get(URL)
    assert server.django_requests == 4
    assert not MEMORY.pages


def test_the_bills_lists_lean_answer_is_kept_at_once(server, world):
    first = server.get("/api/v1/bills/?jurisdiction=ca")
    assert server.get("/api/v1/bills/?jurisdiction=ca") == first
    assert server.django_requests == 1


def test_uncached_pages_are_not_kept(server, world, settings):
    settings.API_CACHE_SECONDS = 0
    for _ in range(4):
        server.get("/api/v1/bills/")  # the lean answer, which is not cached either
    assert server.django_requests == 4
    assert not MEMORY.pages


def test_every_request_is_counted_in_redis_at_the_next_round_trip(server, world, settings):
    server.get(URL)
    server.get(URL)
    for _ in range(10):
        server.get(URL)
    assert server.django_requests == 2
    counter, _ = client_counter(RequestFactory().get(URL).environ)
    assert cache.get(counter) == 2  # the ten answered from memory are not added yet
    time.sleep(0.05)
    settings.API_LOCAL_SECONDS = 0.05  # the client's count is now too old: the next request is a round trip
    server.get(URL)
    assert server.django_requests == 3
    assert cache.get(counter) == 13


@pytest.mark.parametrize("rate", [40, 100])
def test_a_client_gets_exactly_its_rate(server, world, settings, rate):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": f"{rate}/min"}}
    statuses = [server.get(URL)[0] for _ in range(rate + 5)]
    assert statuses == ["200 OK"] * rate + ["429 Too Many Requests"] * 5
    # Some answered from memory, and the last sixteenth of the rate all counted in Redis first.
    assert server.django_requests < rate + 5
    assert server.django_requests >= SHARE


def test_clients_are_counted_apart(server, world):
    server.get(URL, REMOTE_ADDR="10.0.0.1")
    server.get(URL, REMOTE_ADDR="10.0.0.1")
    server.get(URL, REMOTE_ADDR="10.0.0.1")
    assert server.django_requests == 2
    server.get(URL, REMOTE_ADDR="10.0.0.2")  # a client of its own: its count is read (and added) first
    assert server.django_requests == 3


def test_a_bump_by_this_process_is_its_version_at_once(server):
    version = data_version_bump()
    assert MEMORY.version == version


def test_memory_keeps_the_newest_pages_within_its_bytes(monkeypatch):
    from api import local

    monkeypatch.setattr(local, "MAX_BYTES", 3_000)
    monkeypatch.setattr(local, "MAX_PAGE_BYTES", 1_500)
    memory = local.Memory()
    pages = {n: local.Page("v", "200 OK", [("Content-Type", "application/json")], b"x" * 1_000) for n in range(3)}
    for n, page in pages.items():
        memory.keep((n,), page)
    assert list(memory.pages) == [(1,), (2,)]  # the first went to make room
    assert memory.size == pages[1].size + pages[2].size
    memory.keep((2,), pages[2])  # kept again: counted once
    assert memory.size == pages[1].size + pages[2].size
    memory.keep((3,), local.Page("v", "200 OK", [], b"x" * 2_000))  # too big to keep
    assert (3,) not in memory.pages


def test_requests_answered_during_a_round_trip_stay_pending():
    from api import local

    memory, version = local.Memory(), DataVersion.new()
    memory.counted("client", 1, version)
    memory.keep(("page",), local.Page(version.token, "200 OK", [], b"{}"))
    assert memory.answer(("page",), "client", 1_000, 60) is not None
    assert memory.pending("client") == 1  # handed to a round trip
    assert memory.answer(("page",), "client", 1_000, 60) is not None  # another thread, meanwhile
    memory.counted("client", 3, version)  # the round trip's count: the first two requests and its own
    assert memory.pending("client") == 1
