"""`/healthz` checks the database, the cache and the broker: 200 when all answer, 503 naming the one that does not."""

import pytest
from django.core.cache import cache
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_broker_down_is_503(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"]
    assert body["checks"]["cache"]["ok"]
    assert "127.0.0.1:1" not in response.content.decode()  # a URL (and its password) is never shown


def test_cache_down_is_503(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    cache.close()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


def test_database_down_is_503(client, monkeypatch):
    from tracker import health

    def broken() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False


def test_not_throttled_nor_cached(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1/min", "user": "1/min"}}
    settings.PAGE_CACHE_SECONDS = 3600
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    assert client.get("/healthz").status_code == 503  # answered afresh, not from a cache


def test_only_reads(client):
    assert client.post("/healthz").status_code == 405
