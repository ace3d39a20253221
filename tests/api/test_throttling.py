"""Rates per anonymous client and per user, shared through the cache: 429 with Retry-After past them."""

import runpy
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import client_for
from tracker.settings import base as base_settings

SETTINGS_FILE = Path(base_settings.__file__)

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


def rest_framework_from(monkeypatch, **environment: str) -> dict:
    """REST_FRAMEWORK as tracker/settings/base.py reads it from this environment (the file run afresh: the settings
    in use were read once, at start, and this folder's autouse fixture replaces their rates)."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))["REST_FRAMEWORK"]


def test_rates_come_from_the_environment_names(world, editor, settings, monkeypatch):
    settings.REST_FRAMEWORK = rest_framework_from(monkeypatch, API_THROTTLE_ANON="3/min", API_THROTTLE_USER="4/min")
    anonymous, user = APIClient(), client_for(editor)
    assert [anonymous.get("/api/v1/bills/").status_code for _ in range(4)] == [200] * 3 + [429]
    assert [user.get("/api/v1/bills/").status_code for _ in range(5)] == [200] * 4 + [429]


def test_behind_a_proxy_clients_are_told_apart_by_x_forwarded_for(api_client, world, settings, monkeypatch):
    settings.REST_FRAMEWORK = rest_framework_from(monkeypatch, API_THROTTLE_ANON="2/min", API_NUM_PROXIES="1")

    def through_the_proxy(client_address: str) -> int:
        forwarded = f"192.0.2.66, {client_address}"  # whatever the client sent, then the address the proxy saw
        return api_client.get("/api/v1/bills/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [through_the_proxy("203.0.113.5") for _ in range(3)] == [200, 200, 429]
    assert through_the_proxy("203.0.113.6") == 200  # another client behind the same proxy has its own count
