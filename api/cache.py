"""One global "data version" for the API's caches, and the response cache and validators built on it.

Any write that changes what the API shows (a bill, its actions, a link, progress, the report, or an import run that
finishes) bumps the version; cached pages and ETags are keyed on it, so they all expire at once. It costs one cache
write per save and no bookkeeping of which page shows what, which suits data that changes in batches (imports) and
is read far more often than written.

The version is bumped twice: at once (so that the writing request and tests see the change) and again when the
transaction commits (so that a page rendered by another worker from the not yet committed state, and cached under
the first bump, is dropped too).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponseBase

DATA_VERSION_KEY = "api:data-version"
RESPONSE_KEY_PREFIX = "api:response"


@dataclass(frozen=True, slots=True)
class DataVersion:
    """An opaque token and the time of the change it stands for (used as `Last-Modified`)."""

    token: str
    timestamp: float

    def dumps(self) -> str:
        return f"{self.timestamp:.6f}:{self.token}"

    @classmethod
    def loads(cls, value: str) -> DataVersion:
        timestamp, token = value.split(":", 1)
        return cls(token=token, timestamp=float(timestamp))

    @classmethod
    def new(cls) -> DataVersion:
        return cls(token=secrets.token_hex(6), timestamp=time.time())


def data_version() -> DataVersion:
    """The current version; a new one when the cache was emptied (later than any change, so never too old)."""
    value = cache.get(DATA_VERSION_KEY)
    if value is None:
        version = DataVersion.new()
        # Two workers may race here; `add` keeps the first, and both then read the same value.
        if not cache.add(DATA_VERSION_KEY, version.dumps(), timeout=None):
            value = cache.get(DATA_VERSION_KEY)
            return DataVersion.loads(value) if value else version
        return version
    return DataVersion.loads(value)


def data_version_bump() -> DataVersion:
    """Declare that what the API shows has changed: every cached page and ETag is dropped."""
    from .local import MEMORY  # which imports this module

    version = DataVersion.new()
    cache.set(DATA_VERSION_KEY, version.dumps(), timeout=None)
    MEMORY.seen(version)  # this process's kept pages are out of date at once
    return version


def _bump_on_commit(using: str) -> None:
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return
    # One callback per transaction, however many rows an import saves in it.
    if any(callback is data_version_bump for _, callback, _ in connection.run_on_commit):
        return
    transaction.on_commit(data_version_bump, using=using)


def data_changed(sender: type, instance: object = None, using: str = "default", **kwargs: object) -> None:
    """Signal receiver for every model whose rows the API shows."""
    if sender.__name__ == "ImportRun" and getattr(instance, "finished_at", None) is None:
        return  # a run that starts changes nothing yet; its bills bump the version as they are saved
    data_version_bump()
    _bump_on_commit(using)


# Models whose saves and deletes change API responses: "app_label.ModelName". A bill's child rows (actions,
# sponsors, sources, external ids) are not watched: they change with their bill (saved with it, by the importer or
# an admin inline) and within an import run, whose end bumps the version; a post_delete receiver on them would also
# make Django delete them row by row.
WATCHED_MODELS = (
    "legislation.Jurisdiction",
    "legislation.LegislativeSession",
    "legislation.Bill",
    "legislation.StageChange",
    "legislation.ImportRun",
    "recommendations.Report",
    "recommendations.Audience",
    "recommendations.Recommendation",
    "recommendations.BillLink",
    "recommendations.Measure",
    "recommendations.Progress",
)


def connect_receivers() -> None:
    from django.apps import apps

    for label in WATCHED_MODELS:
        model = apps.get_model(label)
        post_save.connect(data_changed, sender=model, dispatch_uid=f"api-data-version-save-{label}")
        post_delete.connect(data_changed, sender=model, dispatch_uid=f"api-data-version-delete-{label}")


# --- Cached responses ---------------------------------------------------------------------------------------------


def response_cache_timeout() -> int:
    """Entries expire on their own too, so an unused page does not sit in the cache for ever; 0 caches nothing."""
    return int(getattr(settings, "API_CACHE_SECONDS", 3600))


def response_key(path: str, query: list[tuple[str, list[str]]], media_type: str) -> str:
    """The cache key of one representation of one page (its value records the data version it was made at)."""
    query_text = "&".join(f"{name}={','.join(values)}" for name, values in sorted(query))
    digest = hashlib.blake2b(f"{path}?{query_text}|{media_type}".encode(), digest_size=12).hexdigest()
    return f"{RESPONSE_KEY_PREFIX}:{digest}"


def etag_for(version: DataVersion, key: str) -> str:
    return f'W/"{version.token}-{key.rsplit(":", 1)[-1]}"'


_CLIENTS: dict[int, Any] = {}


def _redis():
    """The raw client of Django's Redis cache backend, or None with another backend (a laptop's file cache).

    Django builds a new redis.Redis object for every cache call, and redis-py spends more building one than the
    round trip to Redis takes; one client per backend (thread) serves every call here."""
    backend = caches["default"]  # `cache` is a proxy to it
    if not isinstance(backend, RedisCache):
        return None
    client = _CLIENTS.get(id(backend._cache))
    if client is None:
        client = _CLIENTS[id(backend._cache)] = backend._cache.get_client(write=True)
    return client


def lookup(
    key: str, *, throttle: tuple[str, int] | None = None, requests: int = 1, timeout: int | None = None
) -> tuple[DataVersion, Any, int | None]:
    """The data version and the cached response at `key` in one cache round trip; with `throttle` (a counter key
    and its window in seconds) also counts `requests` (this one and any counted elsewhere since) and returns the
    count. `timeout` is the lifetime of the caller's entries (API_CACHE_SECONDS by default): 0 means none is
    served."""
    client = _redis()
    if client is None:
        count = throttle_count(*throttle, requests=requests) if throttle else None
        values = cache.get_many([DATA_VERSION_KEY, key])
        raw_version, cached = values.get(DATA_VERSION_KEY), values.get(key)
    else:
        pipe = client.pipeline(transaction=False)
        if throttle:
            counter = cache.make_and_validate_key(throttle[0])
            pipe.incr(counter, requests)
            pipe.expire(counter, throttle[1] + 1)
        pipe.mget([cache.make_and_validate_key(DATA_VERSION_KEY), cache.make_and_validate_key(key)])
        results = pipe.execute()
        count = results[0] if throttle else None
        loads = caches["default"]._cache._serializer.loads
        raw_version, cached = (loads(value) if value is not None else None for value in results[-1])
    version = DataVersion.loads(raw_version) if raw_version else data_version()
    timeout = response_cache_timeout() if timeout is None else timeout
    if cached is not None and (cached[0] != version.token or timeout <= 0):
        cached = None  # made at an older version, or bodies are not cached (API_CACHE_SECONDS=0)
    return version, cached, count


# The headers a cached page is replayed with (the rest are set per request: validators, middleware's).
CACHED_HEADERS = ("Content-Type", "Content-Disposition", "Link", "X-Total-Count", "X-Attribution", "Allow", "Vary")


def store(key: str, version: DataVersion, response: HttpResponseBase, *, timeout: int | None = None) -> None:
    """Cache a rendered response's body and headers under `key`, at `version`, for `timeout` seconds
    (API_CACHE_SECONDS by default); nothing when that is 0."""
    timeout = response_cache_timeout() if timeout is None else timeout
    if timeout <= 0:
        return
    headers = {name: response[name] for name in CACHED_HEADERS if name in response}
    value = (version.token, response.content, headers)
    client = _redis()
    if client is None:
        cache.set(key, value, timeout=timeout)
    else:
        client.set(cache.make_and_validate_key(key), caches["default"]._cache._serializer.dumps(value), ex=timeout)


def throttle_count(key: str, window: int, *, requests: int = 1) -> int:
    """Count `requests` under `key` (a fixed window of `window` seconds) and return the count so far."""
    client = _redis()
    if client is not None:
        counter = cache.make_and_validate_key(key)
        pipe = client.pipeline(transaction=False)
        pipe.incr(counter, requests)
        pipe.expire(counter, window + 1)
        return pipe.execute()[0]
    try:
        return cache.incr(key, requests)
    except ValueError:  # first request of the window
        return requests if cache.add(key, requests, timeout=window + 1) else cache.incr(key, requests)


# --- Cached counts ------------------------------------------------------------------------------------------------


COUNT_KEY_PREFIX = "api:count"


def count_timeout() -> int:
    return int(getattr(settings, "API_COUNT_CACHE_SECONDS", 3600))


def _count_key(text: str, version: DataVersion) -> str:
    digest = hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
    return f"{COUNT_KEY_PREFIX}:{version.token}:{digest}"


# Totals this process has read or counted, by their key (which holds the data version's token, so an entry is never
# out of date: a change makes new keys): a busy list's total then costs no round trip to Redis.
# Each is kept for API_COUNT_CACHE_SECONDS from when this process read or counted it.
_KNOWN_COUNTS: dict[str, tuple[int, float]] = {}
KNOWN_COUNTS_MAX = 4096


def _known(key: str, total: int, timeout: int) -> None:
    if len(_KNOWN_COUNTS) >= KNOWN_COUNTS_MAX:
        _KNOWN_COUNTS.clear()  # mostly totals of older versions
    _KNOWN_COUNTS[key] = (total, time.monotonic() + timeout)


def count_get(text: str, version: DataVersion | None = None) -> int | None:
    """The total counted for the count `text` (its SQL and parameters) at the data version, if it was."""
    timeout = count_timeout()
    if timeout <= 0:
        return None
    key = _count_key(text, version or data_version())
    known = _KNOWN_COUNTS.get(key)
    if known is not None and known[1] > time.monotonic():
        return known[0]
    client = _redis()
    value = cache.get(key) if client is None else client.get(cache.make_and_validate_key(key))
    if value is None:
        return None
    _known(key, int(value), timeout)
    return int(value)


def count_set(text: str, total: int, version: DataVersion | None = None) -> None:
    timeout = count_timeout()
    if timeout <= 0:
        return
    key = _count_key(text, version or data_version())
    client = _redis()
    if client is None:
        cache.set(key, total, timeout=timeout)
    else:  # a plain integer, read back by count_get only
        client.set(cache.make_and_validate_key(key), total, ex=timeout)
    _known(key, total, timeout)


def cached_count(queryset: QuerySet, version: DataVersion | None = None) -> int:
    """How many rows `queryset` holds, counted once per data version (API_COUNT_CACHE_SECONDS, 0 counts every
    time): a list's total is the one part of a page whose cost grows with the table (a full page is counted with
    a plain count, `tracker.paging`), and the same filter is counted again for each of its pages. The key is the
    count's SQL and parameters, so two filters never share a total; it may lag an import that is still running
    by as much as the response cache does (the version is bumped when the run ends). `version`: the data version
    when the caller has read it already (read otherwise)."""
    counted = queryset.order_by()
    if count_timeout() <= 0:
        return counted.count()
    # The key names the rows counted by their ids' query: the same conditions and joins, compiled without the
    # columns a select_related adds (half the compiling of a links page's count key).
    sql, params = counted.values("pk").query.sql_with_params()
    text, version = f"{sql}|{params!r}", version or data_version()
    total = count_get(text, version)
    if total is None:
        total = counted.count()
        count_set(text, total, version)
    return total
