"""What the three source clients share: an httpx client with timeouts, retries, request budgets and errors.

- **Errors** (:class:`SourceError`): *transient* ones (timeouts, connection errors, 429, 5xx) may succeed later and
  are retried, first here with exponential backoff and jitter (honouring ``Retry-After`` when the source sends one),
  then by the Celery task; *permanent* ones (another 4xx, an error envelope, a body that is not what the API
  documents, a missing key) are reported and never retried. :class:`BudgetExhausted` (a day's or month's request
  budget is spent) is not retried either: waiting minutes would not help.
- **Budgets**, counted in the Django cache so that every worker shares them (Redis when ``REDIS_URL`` is set):
  :class:`CacheQuota` reserves one request in a calendar minute, day or month before it is sent (Open States
  10/minute and 250/day on the default key; LegiScan 30,000 a month minus a reserve that is never spent), and
  :class:`HeaderQuota` stops before a source's own ``X-Ratelimit-Remaining`` reaches zero (Congress.gov).
- **Counting**: every request sent (retries included, since each one costs quota) is counted on the client, in
  total and per operation, so a sync can record what it spent.

Nothing here touches the project's models (``legislation/sources`` imports none).
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Protocol
from urllib.parse import quote

import httpx
import orjson
from django.conf import settings
from django.core.cache import cache
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

logger = logging.getLogger(__name__)

Params = Mapping[str, Any] | list[tuple[str, Any]]

# Query parameters that carry a key: never written to a log, an error or an ImportRun.
_SECRET_PARAMS = frozenset({"api_key", "apikey", "key"})


class SourceError(Exception):
    """A request to a source failed. ``transient`` errors may succeed if tried again later."""

    transient: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        source: str = "",
        url: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.url = url
        self.status = status
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = f" ({self.url})" if self.url else ""
        return f"{self.message}{where}"


class TransientSourceError(SourceError):
    """Timeout, connection error, 429 or 5xx: worth trying again later."""

    transient = True


class RateLimited(TransientSourceError):
    """The source answered 429, or a per-minute budget would be overspent by sending now."""


class PermanentSourceError(SourceError):
    """A 4xx other than 429, or an error envelope (LegiScan ``status: ERROR``): trying again will not help."""


class MalformedResponse(PermanentSourceError):
    """The body is not JSON, or not in the shape the API documents."""


class MissingKey(PermanentSourceError):
    """The source's API key is not configured: the source is skipped."""


class BudgetExhausted(SourceError):
    """The day's or month's request budget is spent (or a source says none remain): stop until it renews."""


def redact(url: str | httpx.URL) -> str:
    """The URL without the values of key parameters (``key=***``)."""
    url = httpx.URL(str(url))
    if not any(name in _SECRET_PARAMS for name in url.params):
        return str(url)
    query = "&".join(
        f"{quote(name)}={'***' if name in _SECRET_PARAMS else quote(value)}"
        for name, value in url.params.multi_items()
    )
    return str(url.copy_with(query=query.encode()))


# --- Budgets ------------------------------------------------------------------------------------------------------


def utcnow() -> datetime:
    return datetime.now(UTC)


def _period(period: str, now: datetime) -> tuple[str, float]:
    """The calendar bucket ``now`` falls in, and the seconds left until it ends (UTC, as Open States counts)."""
    if period == "minute":
        start = now.replace(second=0, microsecond=0)
        return start.strftime("%Y%m%d%H%M"), (start + timedelta(minutes=1) - now).total_seconds()
    if period == "day":
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return start.strftime("%Y%m%d"), (start + timedelta(days=1) - now).total_seconds()
    if period == "month":
        start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        following = (start + timedelta(days=32)).replace(day=1)
        return start.strftime("%Y%m"), (following - now).total_seconds()
    raise ValueError(f"unknown budget period {period!r}")


class Quota(Protocol):
    def acquire(self) -> float | None:
        """Reserve one request; None when granted, else the seconds until it could be."""

    def release(self) -> None:
        """Give back a reservation that was not used."""

    def observe(self, response: httpx.Response) -> None:
        """Learn from a response (a source's own rate-limit headers)."""


@dataclass
class CacheQuota:
    """At most ``limit`` requests per calendar ``period`` (minute, day or month), counted in the shared cache.

    The counter is incremented before the request is sent and given back if over the limit, so parallel workers
    never overspend (``cache.incr`` is atomic on Redis). ``initial`` seeds a counter the cache has lost (a flushed
    Redis) from a durable record, such as the requests ImportRuns recorded this month.
    """

    name: str
    limit: int
    period: str
    initial: Callable[[], int] | None = None
    now: Callable[[], datetime] = utcnow

    def _key(self) -> tuple[str, float]:
        bucket, left = _period(self.period, self.now())
        return f"sync:budget:{self.name}:{self.period}:{bucket}", left

    def used(self) -> int:
        key, _ = self._key()
        return int(cache.get(key) or 0)

    def acquire(self) -> float | None:
        key, left = self._key()
        if cache.get(key) is None:
            cache.add(key, self.initial() if self.initial else 0, timeout=int(left) + 60)
        if self.limit <= 0:
            return left
        if cache.incr(key) > self.limit:
            cache.decr(key)
            return left
        return None

    def release(self) -> None:
        key, _ = self._key()
        with contextlib.suppress(ValueError):  # the bucket expired meanwhile
            cache.decr(key)

    def observe(self, response: httpx.Response) -> None:
        return None


@dataclass
class HeaderQuota:
    """Stops while a source's own ``X-Ratelimit-Remaining`` is at or below ``keep`` (Congress.gov: 5,000 an hour).

    The last value seen is kept in the cache for an hour (the source's window) and counted down by every request
    sent meanwhile, so parallel workers stop in time too.
    """

    name: str
    keep: int
    header: str = "X-Ratelimit-Remaining"
    window: int = 3600

    @property
    def key(self) -> str:
        return f"sync:budget:{self.name}:remaining"

    def acquire(self) -> float | None:
        remaining = cache.get(self.key)
        if remaining is not None and int(remaining) <= self.keep:
            return float(self.window)
        if remaining is not None:
            with contextlib.suppress(ValueError):  # the hour's value expired meanwhile
                cache.decr(self.key)
        return None

    def release(self) -> None:
        return None

    def observe(self, response: httpx.Response) -> None:
        value = response.headers.get(self.header)
        if value is not None and value.strip().isdigit():
            cache.set(self.key, int(value), timeout=self.window)


@dataclass
class RateLimiter:
    """All of a source's quotas. A per-minute refusal waits (up to ``max_wait`` seconds) for the next minute; a
    spent day or month raises :class:`BudgetExhausted`."""

    source: str
    quotas: Iterable[Quota] = ()
    max_wait: float = 65.0
    sleep: Callable[[float], None] = time.sleep

    def acquire(self) -> None:
        waited = 0.0
        while True:
            refusal = self._try_all()
            if refusal is None:
                return
            quota, wait = refusal
            short = isinstance(quota, CacheQuota) and quota.period == "minute"
            if not short:
                raise BudgetExhausted(self._describe(quota), source=self.source, retry_after=wait)
            if waited + wait > self.max_wait:
                raise RateLimited(self._describe(quota), source=self.source, retry_after=wait)
            logger.info("%s: per-minute budget spent, waiting %.1fs", self.source, wait)
            self.sleep(wait)
            waited += wait

    def _try_all(self) -> tuple[Quota, float] | None:
        granted: list[Quota] = []
        for quota in self.quotas:
            wait = quota.acquire()
            if wait is not None:
                for done in granted:
                    done.release()
                return quota, wait
            granted.append(quota)
        return None

    def observe(self, response: httpx.Response) -> None:
        for quota in self.quotas:
            quota.observe(response)

    def _describe(self, quota: Quota) -> str:
        if isinstance(quota, CacheQuota):
            return f"{self.source}: the budget of {quota.limit} requests per {quota.period} is spent"
        if isinstance(quota, HeaderQuota):
            return f"{self.source}: the source says only {quota.keep} or fewer requests remain this hour"
        return f"{self.source}: request budget spent"


# --- Retries ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts per request and the backoff between them (seconds): ``initial * 2**n`` plus up to ``jitter``,
    capped at ``maximum``. A ``Retry-After`` up to ``max_retry_after`` is honoured as sent; a longer one is left to
    the caller (the Celery task retries with that countdown) rather than blocking a worker."""

    attempts: int = 4
    initial: float = 1.0
    maximum: float = 60.0
    jitter: float = 1.0
    max_retry_after: float = 120.0

    @classmethod
    def from_settings(cls) -> RetryPolicy:
        return cls(
            attempts=settings.SYNC_HTTP_ATTEMPTS,
            initial=settings.SYNC_HTTP_BACKOFF,
            maximum=settings.SYNC_HTTP_BACKOFF_MAX,
            jitter=settings.SYNC_HTTP_BACKOFF,
            max_retry_after=settings.SYNC_RETRY_AFTER_MAX,
        )

    def should_retry(self, exc: BaseException) -> bool:
        if not isinstance(exc, SourceError) or not exc.transient:
            return False
        return exc.retry_after is None or exc.retry_after <= self.max_retry_after

    def wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, SourceError) and exc.retry_after is not None:
            return exc.retry_after
        return wait_exponential_jitter(multiplier=self.initial, max=self.maximum, jitter=self.jitter)(state)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or utcnow())).total_seconds())


# --- The client ---------------------------------------------------------------------------------------------------


def timeout_from_settings() -> httpx.Timeout:
    return httpx.Timeout(settings.SYNC_HTTP_TIMEOUT, connect=settings.SYNC_HTTP_CONNECT_TIMEOUT)


class SourceClient:
    """A JSON API at ``base_url`` with retries, budgets and request counting; one per sync run.

    Subclasses set ``source``, add their authentication in :meth:`prepare` and check their own envelope in
    :meth:`check`. ``transport`` lets tests hand in an httpx transport; ``retry`` and ``limiter`` default to the
    settings.
    """

    source: ClassVar[str] = ""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key:
            raise MissingKey(f"no API key for {self.source}", source=self.source)
        self.api_key = api_key
        self.limiter = limiter or RateLimiter(self.source)
        self.retry = retry or RetryPolicy.from_settings()
        self.sleep = sleep
        self.requests = 0
        self.requests_by_operation: Counter[str] = Counter()
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout or timeout_from_settings(),
            transport=transport,
            follow_redirects=True,
            headers={"User-Agent": "policy-recommendation-tracker (+sync)", "Accept": "application/json"},
        )

    def __enter__(self) -> SourceClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    # Hooks for subclasses.
    def prepare(self, params: list[tuple[str, Any]], headers: dict[str, str]) -> None:
        """Add authentication and fixed parameters to a request."""

    def check(self, payload: Any, url: str) -> Any:
        """The payload, or raise if it is an error the source wrapped in a 200."""
        return payload

    def get_json(self, path: str, params: Params | None = None, *, operation: str = "") -> Any:
        """GET ``path`` (relative to the base URL) and return its JSON, retrying transient failures."""
        query = list(params.items()) if isinstance(params, Mapping) else list(params or [])
        headers: dict[str, str] = {}
        self.prepare(query, headers)
        operation = operation or path.strip("/") or "/"
        retrying = Retrying(
            stop=stop_after_attempt(self.retry.attempts),
            wait=self.retry.wait,
            retry=retry_if_exception(self.retry.should_retry),
            sleep=self.sleep,
            reraise=True,
            before_sleep=self._log_retry,
        )
        return retrying(self._get_once, path, query, headers, operation)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        logger.warning(
            "%s: attempt %d failed (%s), retrying in %.2fs",
            self.source,
            state.attempt_number,
            exc,
            state.next_action.sleep if state.next_action else 0,
        )

    def _get_once(self, path: str, query: list[tuple[str, Any]], headers: dict[str, str], operation: str) -> Any:
        self.limiter.acquire()
        self.requests += 1
        self.requests_by_operation[operation] += 1
        request = self.http.build_request("GET", path, params=query, headers=headers)
        shown = redact(request.url)
        try:
            response = self.http.send(request)
        except httpx.TimeoutException as exc:
            raise TransientSourceError(f"timed out ({type(exc).__name__})", source=self.source, url=shown) from None
        except httpx.TransportError as exc:
            raise TransientSourceError(f"connection failed: {exc}", source=self.source, url=shown) from None
        self.limiter.observe(response)
        self._raise_for_status(response, shown)
        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise MalformedResponse(f"the body is not JSON: {exc}", source=self.source, url=shown) from None
        return self.check(payload, shown)

    def _raise_for_status(self, response: httpx.Response, shown: str) -> None:
        status = response.status_code
        if status < 400:
            return
        detail = _detail(response)
        message = f"HTTP {status}{': ' + detail if detail else ''}"
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise RateLimited(message, source=self.source, url=shown, status=status, retry_after=retry_after)
        if status >= 500 or status == 408:
            raise TransientSourceError(message, source=self.source, url=shown, status=status)
        raise PermanentSourceError(message, source=self.source, url=shown, status=status)


def _detail(response: httpx.Response) -> str:
    """A short reason from an error body: Open States' ``detail``, Congress.gov's ``error``, or the text."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text.strip()[:200]
    if isinstance(body, dict):
        for key in ("detail", "error", "message"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message") or value.get("code")
            if value:
                return str(value)[:200]
    return ""
