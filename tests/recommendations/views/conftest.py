"""Data for the dashboard pages: linked bills spread over several jurisdictions, with progress computed by the
service (as staff would make them) and a stage change each."""

from __future__ import annotations

import datetime
import itertools

from django.db import connection
from django.test.utils import CaptureQueriesContext

from legislation.choices import Source, Stage
from legislation.models import Jurisdiction, StageChange
from recommendations.models import BillLink, Recommendation
from recommendations.services import bill_link_create, review
from tests.factories import BillFactory, LegislativeSessionFactory, UserFactory

SPREAD = ("ca", "ny", "tx", "pr", "us", "wa")
EFFECTS = ("advances", "regresses", "partially_advances")


def link_bills(count: int, *, code: str = "PM-1", start: int = 0) -> list[BillLink]:
    """`count` bills linked to the recommendation `code`, spread over SPREAD, effects in turn, each with a stage
    change; numbered from `start` so that calls can add more."""
    recommendation = Recommendation.objects.get(code=code)
    links = []
    for number, (jurisdiction_code, effect) in enumerate(
        itertools.islice(zip(itertools.cycle(SPREAD), itertools.cycle(EFFECTS)), start, start + count), start
    ):
        jurisdiction = Jurisdiction.objects.get(code=jurisdiction_code)
        session = LegislativeSessionFactory(jurisdiction=jurisdiction, identifier="2025")
        bill = BillFactory(
            jurisdiction=jurisdiction,
            session=session,
            identifier=f"HB {number + 1}",
            latest_action_date=datetime.date(2025, 1, 1) + datetime.timedelta(days=number),
        )
        StageChange.objects.create(
            bill=bill, from_stage="", to_stage=Stage.INTRODUCED, date=bill.stage_date, source=Source.OPENSTATES
        )
        links.append(
            bill_link_create(
                recommendation=recommendation, bill=bill, effect=effect, rationale=f"Reason number {number}."
            )
        )
    return links


def count_queries(client, url: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(context.captured_queries)


def approved(obj):
    """`obj` (a pending link, measure or progress override) approved by a second reviewer, as the four-eyes review
    asks before anything staff wrote is public."""
    second = UserFactory(username="second-reviewer", is_staff=True, is_superuser=True)
    return review(obj=obj, user=second, decision="approve")
