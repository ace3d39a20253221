"""Content negotiation: an Accept header that no renderer matches (a browser sending only `text/html`) gets JSON,
never a 406; `?format=` and `Accept: text/csv` still choose CSV, and an unknown format is still a 400."""

import json

import pytest

from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

BROWSER_ACCEPT = "text/html,application/xhtml+xml"
PAGES = [
    "/api/v1/",
    "/api/v1/bills/",
    "/api/v1/bills/bulk/",
    "/api/v1/links/",
    "/api/v1/progress/",
    "/api/v1/recommendations/",
    "/api/v1/jurisdictions/",
    "/api/v1/bills/{enacted}/",
    "/api/v1/changes/",
    "/api/v1/freshness/",
    "/api/v1/exports/",
]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("accept", [BROWSER_ACCEPT, "application/xml", "image/avif"])
def test_an_accept_header_no_renderer_matches_gets_json(api_client, world, url, accept):
    response = api_client.get(url.format(enacted=world["enacted"].pk), HTTP_ACCEPT=accept)
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    json.loads(response.content)


def test_errors_too_are_json_whatever_the_accept_header(api_client, world):
    response = api_client.get("/api/v1/import-runs/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_browser_accept_and_plain_json_share_one_cached_page(api_client, world):
    browser = api_client.get("/api/v1/bills/", HTTP_ACCEPT=BROWSER_ACCEPT)
    plain = api_client.get("/api/v1/bills/")
    assert browser["ETag"] == plain["ETag"]
    assert browser.content == plain.content


def test_staff_with_a_browser_accept_get_json(world, admin_user_):
    response = client_for(admin_user_).get("/api/v1/triage/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("query", "accept"),
    [("?format=csv", BROWSER_ACCEPT), ("?format=csv", "application/json"), ("", "text/csv")],
)
def test_csv_when_asked_for_by_format_or_accept(api_client, world, query, accept):
    response = api_client.get(f"/api/v1/bills/{query}", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_an_unknown_format_is_still_a_400_naming_the_parameter(api_client, world):
    response = api_client.get("/api/v1/bills/?format=xml", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 400
    assert "format" in response.json()
