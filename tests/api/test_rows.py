"""Lists rendered from rows (api/rows.py) answer exactly as their serializers would: same status, bytes and headers,
in JSON and CSV, for anonymous readers and for staff (who also see what waits for review)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework import mixins

import api.views
from api import serializers
from api.cache import CACHED_HEADERS
from legislation.models import StageChange
from recommendations.models import BillLink, Progress
from recommendations.services import bill_link_create, review
from tests.api.conftest import client_for
from tests.api.test_query_budgets import make
from tests.factories import JurisdictionFactory, RecommendationFactory, UserFactory

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/links/",
    "/api/v1/links/?page_size=3",
    "/api/v1/links/?page_size=3&page=2",
    "/api/v1/links/?page=last&page_size=4",
    "/api/v1/links/?ordering=-created_at",
    "/api/v1/links/?ordering=created_at&effect=advances,regresses",
    "/api/v1/links/?recommendation=T-1&jurisdiction=J1",
    "/api/v1/links/?stage=in_committee&review_status=pending",
    "/api/v1/links/?page=9",
    "/api/v1/links/?effect=bogus",
    "/api/v1/progress/",
    "/api/v1/progress/?page_size=2&page=2",
    "/api/v1/progress/?status=achieved&ordering=-updated_at",
    "/api/v1/progress/?review_status=pending",
    "/api/v1/progress/?basis=bogus",
    "/api/v1/recommendations/",
    "/api/v1/recommendations/?top_level=false&page_size=2",
    "/api/v1/recommendations/?code=T-2",
    "/api/v1/jurisdictions/",
    "/api/v1/jurisdictions/?kind=state&page_size=2&page=2",
    "/api/v1/jurisdictions/?parent=j1",
    "/api/v1/measures/",
    "/api/v1/measures/?page_size=1&page=2",
    "/api/v1/measures/?review_status=pending",
    "/api/v1/reports/",
    "/api/v1/reports/?page_size=1&page=2",
    "/api/v1/audiences/",
    "/api/v1/audiences/?page_size=2&page=2",
    "/api/v1/changes/",
    "/api/v1/changes/?kind=stage&page_size=2",
    "/api/v1/changes/?kind=progress,measure",
    "/api/v1/changes/?jurisdiction=j2",
]


@pytest.fixture(autouse=True)
def _no_response_cache(settings):
    settings.API_CACHE_SECONDS = 0  # every request runs its path


@pytest.fixture
def admin(db):
    return UserFactory(username="rows-admin", is_staff=True, is_superuser=True)


@pytest.fixture
def rows_world(admin):
    """Links of bills and measures, approved and pending, reviewed by someone and not, with times with and without
    microseconds; stage, progress and measure changes."""
    make(4, admin)
    reviewer = UserFactory(username="rows-reviewer", is_staff=True, is_superuser=True)
    first, last = BillLink.objects.filter(bill__isnull=False).order_by("id")[::3]
    pending = bill_link_create(
        recommendation=first.recommendation, bill=last.bill, effect="regresses", rationale="Pending.", user=admin
    )
    review(obj=pending, user=reviewer, decision="approve", note="Checked.")
    bill_link_create(
        recommendation=last.recommendation, bill=first.bill, effect="related", rationale="Waits.", user=admin
    )
    link = first
    RecommendationFactory(
        parent=first.recommendation, audience=first.recommendation.audience, code="T-1.a", page="12", verified=True
    )
    JurisdictionFactory(code="j1-county", kind="county", parent=first.bill.jurisdiction, ocd_id="")
    BillLink.objects.filter(pk=link.pk).update(created_at=datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC))
    for index, change in enumerate(StageChange.objects.order_by("id")):
        StageChange.objects.filter(pk=change.pk).update(
            seen_at=timezone.now() - datetime.timedelta(days=index, microseconds=0 if index % 2 else 1234)
        )
    assert Progress.objects.exists()


def serializer_path(monkeypatch):
    """The lists rendered through their serializers, as before api/rows.py."""
    monkeypatch.setattr(
        api.views.RowsListMixin, "_list_rows", lambda self, request: mixins.ListModelMixin.list(self, request)
    )
    monkeypatch.setattr(
        api.views,
        "plain_rows",
        lambda rows, fields, datetimes=(): serializers.ChangeSerializer(rows, many=True).data,
    )


def answer(client, url: str):
    response = client.get(url)
    return response.status_code, response.content, {name: response.get(name) for name in (*CACHED_HEADERS, "ETag")}


@pytest.mark.parametrize("fmt", ["", "format=csv"])
@pytest.mark.parametrize("url", URLS)
def test_rows_answer_as_the_serializers(rows_world, admin, monkeypatch, url, fmt):
    url = f"{url}{'&' if '?' in url else '?'}{fmt}" if fmt else url
    anonymous, staff = answer(client_for(None), url), answer(client_for(admin), url)
    serializer_path(monkeypatch)
    assert anonymous == answer(client_for(None), url)
    assert staff == answer(client_for(admin), url)
    assert anonymous[0] in (200, 400, 404)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        datetime.datetime(2025, 7, 2, 23, 59, 59, 123456, tzinfo=datetime.UTC),
        datetime.datetime(2025, 3, 9, 7, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
        datetime.datetime(2025, 1, 2, 3, 4, 5),  # naive: the field's own rules
    ],
)
def test_times_are_written_as_drf_writes_them(zone, value):
    from rest_framework.fields import DateTimeField

    from api.rows import datetime_text

    with timezone.override(zone):
        assert datetime_text(value) == DateTimeField().to_representation(value)
