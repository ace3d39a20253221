"""`GET /healthz`: is this web process able to serve? Checks the database, the cache and the Celery broker.

200 with `{"status": "ok", "checks": {...}}` when all answer, 503 with `"status": "error"` naming what failed
otherwise, for load balancers, container health checks and monitors. Not cached, not throttled (a plain Django view,
outside the API and the page cache), exempt from the HTTPS redirect (production settings) so that a probe over the
internal network works. Errors are named by their exception class only: a broker URL may carry a password.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection

# Each check must answer within this many seconds (a dead host must not hang the probe).
TIMEOUT = 3.0


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key, value = f"healthz:{uuid.uuid4().hex}", "1"
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return what was stored")
    cache.delete(key)


def check_broker() -> None:
    options = {**getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}), "socket_connect_timeout": TIMEOUT,
               "socket_timeout": TIMEOUT}
    with Connection(settings.CELERY_BROKER_URL, transport_options=options, connect_timeout=TIMEOUT) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=TIMEOUT)
        client = getattr(broker.default_channel, "client", None)  # Redis: make sure the server really answers
        if client is not None:
            client.ping()


CHECKS: dict[str, Callable[[], None]] = {"database": check_database, "cache": check_cache, "broker": check_broker}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # any failure of a dependency is what this reports
            results[name] = {"ok": False, "error": type(exc).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    healthy = all(result["ok"] for result in results.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": results}, status=200 if healthy else 503)
