"""Totals counted once per data version (api.cache.count_get/count_set): kept in Redis for every worker, and in the
process that read them, so that a busy list's total costs no round trip."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from api import cache as api_cache
from api.cache import DataVersion, count_get, count_set


@pytest.fixture
def counts(settings, monkeypatch):
    settings.API_COUNT_CACHE_SECONDS = 60
    monkeypatch.setattr(api_cache, "_KNOWN_COUNTS", {})
    cache.clear()
    return DataVersion.new()


def test_a_total_is_read_from_redis_once_then_from_the_process(counts):
    count_set("bills|TRUE|()", 50_000, counts)
    api_cache._KNOWN_COUNTS.clear()  # another worker counted it
    assert count_get("bills|TRUE|()", counts) == 50_000
    cache.clear()  # gone from Redis: this process still knows it at this version
    assert count_get("bills|TRUE|()", counts) == 50_000
    assert count_get("bills|TRUE|()", DataVersion.new()) is None  # a change makes new keys
    assert count_get("bills|FALSE|()", counts) is None


def test_a_known_total_expires_as_redis_copy_does(counts, monkeypatch):
    count_set("bills|TRUE|()", 7, counts)
    cache.clear()
    now = api_cache.time.monotonic()
    monkeypatch.setattr(api_cache.time, "monotonic", lambda: now + 61)
    assert count_get("bills|TRUE|()", counts) is None


def test_no_total_is_kept_when_counts_are_not_cached(counts, settings):
    count_set("bills|TRUE|()", 7, counts)
    settings.API_COUNT_CACHE_SECONDS = 0
    assert count_get("bills|TRUE|()", counts) is None
