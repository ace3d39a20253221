"""Each list endpoint runs the same number of SQL queries for 1 result as for 100."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from legislation.choices import Source, Stage
from legislation.models import BillExternalId, ImportRun, StageChange
from recommendations.models import TriageCandidate
from recommendations.services import bill_link_create, measure_create, progress_review
from tests.api.conftest import client_for
from tests.factories import (
    AudienceFactory,
    BillActionFactory,
    BillFactory,
    JurisdictionFactory,
    RecommendationFactory,
    ReportFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def make(n: int, user, start: int = 0) -> None:
    """n of everything every list shows, each with its related rows."""
    report = ReportFactory()
    for i in range(start, start + n):
        jurisdiction = JurisdictionFactory(code=f"j{i}")
        audience = AudienceFactory(report=report)
        recommendation = RecommendationFactory(audience=audience, report=report)
        bill = BillFactory(jurisdiction=jurisdiction, stage=Stage.IN_COMMITTEE)
        BillActionFactory(bill=bill)
        BillExternalId.objects.create(bill=bill, source=Source.LEGISCAN, external_id=str(i))
        bill_link_create(recommendation=recommendation, bill=bill, effect="advances", rationale="Why.")
        measure = measure_create(
            jurisdiction=jurisdiction, kind="guidance", title="Guidance", status="adopted", url="https://example.org"
        )
        bill_link_create(recommendation=recommendation, measure=measure, effect="advances", rationale="Why.")
        progress_review(
            recommendation=recommendation,
            jurisdiction=jurisdiction,
            status="achieved",
            reason="Checked.",
            evidence_url="https://example.org",
            user=user,
        )
        StageChange.objects.create(bill=bill, from_stage="introduced", to_stage="in_committee", source="openstates")
        ImportRun.objects.create(source=Source.OPENSTATES, scope=f"run {i}")
        TriageCandidate.objects.create(
            recommendation=recommendation, bill=bill, source="openstates", decided_by=user, status="rejected"
        )


LISTS = [
    "/api/v1/bills/?page_size=200",
    "/api/v1/bills/?page_size=200&format=csv",
    "/api/v1/bills/?page_size=200&stage=in_committee&recommendation=T-1,T-2&q=controlled",
    "/api/v1/bills/bulk/?page_size=200",
    # The bills' links: 100 on a page of 200 (with the measures' links too, 200 rows fill the page, and a full page
    # also counts its total).
    "/api/v1/links/?page_size=200&stage=in_committee",
    "/api/v1/links/?page_size=200&format=csv&stage=in_committee",
    "/api/v1/measures/?page_size=200",
    "/api/v1/measures/?page_size=200&format=csv",
    "/api/v1/progress/?page_size=200",
    "/api/v1/recommendations/?page_size=200",
    "/api/v1/jurisdictions/?page_size=200",
    "/api/v1/reports/",
    "/api/v1/audiences/?page_size=200",
    "/api/v1/changes/?page_size=200",
    "/api/v1/import-runs/?page_size=200",
    "/api/v1/triage/?page_size=200",
    "/api/v1/freshness/",
]


def count_queries(client, url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("url", LISTS)
def test_same_queries_for_1_and_100_results(db, url, django_assert_num_queries):
    admin = UserFactory(username="budget-admin", is_staff=True, is_superuser=True)
    client = client_for(admin)
    make(1, admin)
    one = count_queries(client, url)
    make(99, admin, start=1)
    cache.clear()
    with django_assert_num_queries(one):
        response = client.get(url)
    assert response.status_code == 200
