"""Rates per anonymous client and per user, shared through the cache: 429 with Retry-After past them."""

import pytest

from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "5/min", "user": "8/min"}}


def test_anonymous_past_the_rate_gets_429_with_retry_after(api_client, world, low_rates):
    statuses = [api_client.get("/api/v1/bills/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    response = api_client.get("/api/v1/jurisdictions/")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"].lower()


def test_cached_and_not_modified_responses_count_too(api_client, world, low_rates):
    etag = api_client.get("/api/v1/bills/")["ETag"]
    for _ in range(4):
        assert api_client.get("/api/v1/bills/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api_client.get("/api/v1/bills/", HTTP_IF_NONE_MATCH=etag).status_code == 429


def test_clients_are_counted_apart(api_client, world, low_rates):
    for _ in range(5):
        api_client.get("/api/v1/bills/", REMOTE_ADDR="10.0.0.1")
    assert api_client.get("/api/v1/bills/", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert api_client.get("/api/v1/bills/", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_users_have_their_own_rate(world, editor, reviewer, low_rates):
    client = client_for(editor)
    statuses = [client.get("/api/v1/bills/").status_code for _ in range(9)]
    assert statuses == [200] * 8 + [429]
    assert client_for(reviewer).get("/api/v1/bills/").status_code == 200


def test_rates_come_from_the_environment_names():
    from django.conf import settings

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert set(rates) == {"anon", "user"}
