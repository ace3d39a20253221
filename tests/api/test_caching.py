"""ETag / Last-Modified / 304, the response cache, and its invalidation by edits and imports."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from legislation.choices import Source
from legislation.models import Bill, ImportRun, ImportRunStatus
from tests.api.conftest import client_for
from tests.factories import BillFactory, RecommendationFactory

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/bills/",
    "/api/v1/bills/?format=csv",
    "/api/v1/bills/bulk/",
    "/api/v1/links/",
    "/api/v1/progress/",
    "/api/v1/recommendations/",
    "/api/v1/jurisdictions/",
    "/api/v1/reports/",
    "/api/v1/audiences/",
    "/api/v1/changes/",
]


@pytest.mark.parametrize("url", URLS)
def test_repeated_request_with_its_etag_is_304_without_queries(api_client, world, url):
    first = api_client.get(url)
    assert first.status_code == 200
    assert first["ETag"].startswith('W/"')
    assert first["Last-Modified"]
    assert "no-cache" in first["Cache-Control"]
    with CaptureQueriesContext(connection) as queries:
        second = api_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 304
    assert second.content == b""
    assert second["ETag"] == first["ETag"]
    assert len(queries) == 0


def test_detail_etag_and_if_modified_since(api_client, world):
    url = f"/api/v1/bills/{world['enacted'].pk}/"
    first = api_client.get(url)
    assert api_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert api_client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert api_client.get(url, HTTP_IF_NONE_MATCH='W/"other"').status_code == 200


def test_second_request_is_served_from_the_cache(api_client, world):
    first = api_client.get("/api/v1/bills/?jurisdiction=ca")
    with CaptureQueriesContext(connection) as queries:
        second = api_client.get("/api/v1/bills/?jurisdiction=ca")
    assert len(queries) == 0
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["ETag"] == first["ETag"]


def test_json_and_csv_are_cached_apart(api_client, world):
    json_response = api_client.get("/api/v1/bills/")
    csv_response = api_client.get("/api/v1/bills/?format=csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert json_response["ETag"] != csv_response["ETag"]


def test_an_edit_changes_the_page_and_its_etag(api_client, world):
    first = api_client.get("/api/v1/bills/?jurisdiction=ca")
    BillFactory(jurisdiction=world["ca"], identifier="AB 2")
    second = api_client.get("/api/v1/bills/?jurisdiction=ca", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second.json()["count"] == 3
    assert second["ETag"] != first["ETag"]


def test_an_api_write_invalidates_cached_pages(world, editor):
    client = client_for(editor)
    before = client.get("/api/v1/links/").json()["count"]
    body = {
        "recommendation": RecommendationFactory().pk,
        "bill": world["pending"].pk,
        "effect": "advances",
        "rationale": "Diversion.",
    }
    assert client.post("/api/v1/links/", body, format="json").status_code == 201
    assert client.get("/api/v1/links/").json()["count"] == before + 1


def test_a_queryset_update_inside_an_import_is_seen_when_the_run_finishes(api_client, world):
    """Bulk updates send no signals; the end of the import run bumps the data version."""
    api_client.get("/api/v1/bills/?stage=vetoed")
    run = ImportRun.objects.create(source=Source.OPENSTATES, scope="test")
    Bill.objects.filter(pk=world["pending"].pk).update(stage="vetoed")
    assert api_client.get("/api/v1/bills/?stage=vetoed").json()["count"] == 0  # still the cached page
    run.status, run.finished_at = ImportRunStatus.SUCCEEDED, timezone.now()
    run.save()
    assert api_client.get("/api/v1/bills/?stage=vetoed").json()["count"] == 1


def test_one_commit_callback_per_transaction_however_many_saves(world):
    from django.db import transaction

    from api.cache import data_version_bump

    with transaction.atomic():
        for _ in range(3):
            BillFactory(jurisdiction=world["ca"])
        callbacks = transaction.get_connection().run_on_commit
        assert sum(1 for _, callback, _ in callbacks if callback is data_version_bump) == 1


def test_on_commit_bump_runs(db, django_capture_on_commit_callbacks):
    from api.cache import data_version

    with django_capture_on_commit_callbacks(execute=True):
        BillFactory()
        inside = data_version()
    assert data_version().token != inside.token


def test_staff_only_and_clock_dependent_pages_are_not_cached(api_client, world, admin_user_):
    client = client_for(admin_user_)
    client.get("/api/v1/import-runs/")
    ImportRun.objects.create(source=Source.OPENSTATES, scope="x")
    assert client.get("/api/v1/import-runs/").json()["count"] == 1
    assert "ETag" not in api_client.get("/api/v1/freshness/")


def test_the_cache_front_serves_the_same_bytes_and_headers_as_drf(api_client, world):
    url = "/api/v1/bills/?jurisdiction=ny&page_size=1&ordering=identifier"  # ordered: not the prepared statement
    first = api_client.get(url)  # through DRF, which caches it
    with CaptureQueriesContext(connection) as queries:
        second = api_client.get(url)  # from the front
    assert len(queries) == 0
    assert second.content == first.content
    for header in ("Content-Type", "Link", "X-Total-Count", "X-Attribution", "Allow", "ETag"):
        assert second[header] == first[header], header
    # DRF's path read the session (to find no user), so Django adds Cookie; the content varies by Accept only.
    assert "Accept" in second["Vary"]
    assert "Accept" in first["Vary"]


def test_signed_in_requests_skip_the_front_and_see_the_same_page(api_client, world, editor):
    url = "/api/v1/bills/?jurisdiction=ca"
    anonymous = api_client.get(url)
    signed_in = client_for(editor).get(url)
    assert signed_in.content == anonymous.content


@pytest.mark.parametrize("url", ["/api/v1/bills/?jurisdiction=ny", "/api/v1/reports/"])
def test_front_answers_keep_the_security_headers_and_a_length(api_client, world, url):
    for response in (api_client.get(url), api_client.get(url)):  # the first made by the front or DRF, then a hit
        assert response.status_code == 200
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Length"] == str(len(response.content))


def test_a_disallowed_host_is_refused_before_the_cache_answers(api_client, world):
    url = "/api/v1/bills/?jurisdiction=ny"
    assert api_client.get(url).status_code == 200
    assert api_client.get(url, HTTP_HOST="tracker.example.net").status_code == 400
