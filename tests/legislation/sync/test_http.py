"""The shared HTTP layer against the fake server: retries, backoff, Retry-After, budgets, errors, key hygiene."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from django.core.cache import cache

from legislation.sources.congress_client import CongressClient
from legislation.sources.http import (
    BudgetExhausted,
    CacheQuota,
    HeaderQuota,
    MalformedResponse,
    MissingKey,
    PermanentSourceError,
    RateLimited,
    RateLimiter,
    TransientSourceError,
    parse_retry_after,
    redact,
)
from legislation.sources.legiscan_client import LegiScanClient
from legislation.sources.openstates_client import OpenStatesClient
from legislation.sync import congress_sync, legiscan_sync, openstates_sync

from .fake_sources import CONGRESS_KEY, LEGISCAN_KEY, OPENSTATES_KEY


def openstates(sleeps: list[float], **kwargs) -> OpenStatesClient:
    return OpenStatesClient.from_settings(sleep=sleeps.append, **kwargs)


def test_429_with_retry_after_waits_as_told(fake):
    sleeps: list[float] = []
    fake.fail("openstates", "429", retry_after="2")
    with openstates(sleeps) as client:
        client.bills_page(jurisdiction="ca")
    assert sleeps == [2.0]
    assert client.requests == 2


def test_backoff_grows_exponentially_with_jitter(fake, settings):
    settings.SYNC_HTTP_ATTEMPTS = 4
    settings.SYNC_HTTP_BACKOFF = 1.0
    settings.SYNC_HTTP_BACKOFF_MAX = 100.0
    sleeps: list[float] = []
    fake.fail("openstates", "500", times=3)
    with openstates(sleeps) as client:
        client.bills_page(jurisdiction="ca")
    assert len(sleeps) == 3
    for attempt, slept in enumerate(sleeps):
        assert 2**attempt <= slept <= 2**attempt + 1.0  # 1, 2, 4 seconds, plus up to 1 s of jitter


def test_retry_after_longer_than_the_cap_is_left_to_the_task(fake, settings):
    settings.SYNC_RETRY_AFTER_MAX = 5
    sleeps: list[float] = []
    fake.fail("openstates", "429", retry_after="3600")
    with openstates(sleeps) as client, pytest.raises(RateLimited) as raised:
        client.bills_page(jurisdiction="ca")
    assert raised.value.retry_after == 3600
    assert sleeps == []
    assert client.requests == 1


def test_errors_name_the_url_without_the_key(fake):
    fake.fail("legiscan", "500", times=5)
    with LegiScanClient.from_settings(sleep=lambda _: None) as client, pytest.raises(TransientSourceError) as raised:
        client.bill(1)
    assert "key=***" in str(raised.value)
    assert "ls-test-key" not in str(raised.value)
    assert redact("https://x/?api_key=secret&format=json") == "https://x/?api_key=***&format=json"


def test_keys_never_appear_in_logs(fake, ak_bill, s1947, caplog):
    caplog.set_level(logging.INFO)  # the level the settings give the root logger
    for source in ("openstates", "legiscan", "congress"):
        fake.fail(source, "500", times=1)  # retried: each retry is logged with the URL
    openstates_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])
    legiscan_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])
    congress_sync(bill_ids=[s1947.pk])
    fake.fail("legiscan", "500", times=5)  # and one that fails for good
    with pytest.raises(TransientSourceError):
        legiscan_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])
    assert caplog.text.count("attempt 1 failed") >= 4
    for key in (OPENSTATES_KEY, LEGISCAN_KEY, CONGRESS_KEY):
        assert key not in caplog.text


def test_legiscan_error_envelope_is_an_error_though_http_says_200(fake):
    with LegiScanClient.from_settings() as client, pytest.raises(PermanentSourceError, match="Unknown bill id"):
        client.bill(999)
    assert client.requests == 1  # not retried


def test_open_states_error_detail_is_reported(fake, settings):
    settings.OPENSTATES_API_KEY = "wrong"
    with OpenStatesClient.from_settings() as client, pytest.raises(PermanentSourceError, match="HTTP 403: Must"):
        client.bills_page(jurisdiction="ca")


def test_body_that_is_not_json_is_malformed_and_not_retried(fake):
    fake.fail("openstates", "not-json")
    with OpenStatesClient.from_settings() as client, pytest.raises(MalformedResponse):
        client.bills_page(jurisdiction="ca")
    assert client.requests == 1


def test_missing_key_refuses_to_build_a_client(settings):
    settings.CONGRESS_API_KEY = ""
    with pytest.raises(MissingKey):
        CongressClient.from_settings()


def test_congress_always_asks_json_with_the_key_and_lowercase_types(fake):
    with CongressClient.from_settings() as client:
        client.bill(119, "S", 1947)
        pages = list(client.bill_list(from_datetime=datetime(2025, 7, 1, tzinfo=UTC), limit=1))
    assert len(pages) == 2  # S 1947 and HR 4779, one per page through pagination.next
    for entry in fake.log:
        assert entry["query"]["format"] == ["json"]
        assert entry["query"]["api_key"] == ["cg-test-key"]
    assert fake.log[0]["path"] == "/congress/v3/bill/119/s/1947"
    assert fake.log[2]["query"]["offset"] == ["1"]  # the next page, asked at our base URL, key added again
    assert fake.log[1]["query"]["fromDateTime"] == ["2025-07-01T00:00:00Z"]


# --- Budgets ------------------------------------------------------------------------------------------------------


@pytest.fixture
def clean_cache():
    cache.clear()
    yield
    cache.clear()


# The per-minute budget's wait is tested through a real sync: test_openstates_sync.py.


def test_spent_day_is_budget_exhausted(clean_cache):
    quota = CacheQuota("t", 1, "day")
    limiter = RateLimiter("t", quotas=(quota,))
    limiter.acquire()
    with pytest.raises(BudgetExhausted, match="1 requests per day"):
        limiter.acquire()
    assert quota.used() == 1  # a refused request is not counted


def test_refused_quota_gives_back_what_the_others_reserved(clean_cache):
    minute, day = CacheQuota("t", 10, "minute"), CacheQuota("t", 0, "day")
    with pytest.raises(BudgetExhausted):
        RateLimiter("t", quotas=(minute, day)).acquire()
    assert minute.used() == 0


def test_month_counter_is_seeded_from_the_durable_record_when_the_cache_lost_it(clean_cache):
    quota = CacheQuota("t", 5, "month", initial=lambda: 5)
    assert quota.acquire() is not None  # 5 already spent this month, as the import runs say


def test_header_quota_stops_before_the_source_says_zero(clean_cache):
    import httpx

    quota = HeaderQuota("t", keep=10)
    assert quota.acquire() is None
    quota.observe(httpx.Response(200, headers={"X-Ratelimit-Remaining": "11"}))
    assert quota.acquire() is None  # 11 -> 10 left after this one
    assert quota.acquire() == 3600.0


def test_parse_retry_after_reads_seconds_and_dates():
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Sun, 01 Mar 2026 12:01:00 GMT", now=now) == 60.0
    assert parse_retry_after("soon") is None
