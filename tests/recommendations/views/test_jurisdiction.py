import csv
import datetime
import io
import re

import pytest

from legislation.models import Bill, Jurisdiction
from recommendations.models import BillLink, Recommendation
from recommendations.services import progress_review
from tests.factories import BillFactory, LegislativeSessionFactory

from .conftest import approved, count_queries, link_bills

pytestmark = pytest.mark.django_db


def test_jurisdiction_page_shows_every_recommendation_status_and_the_bills_behind_it(client, seeded):
    link_bills(7)  # CA: HB 1 advances, HB 7 advances (PM-1 in progress)
    response = client.get("/jurisdictions/ca/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>California</h1>" in html
    for code in ("PP-1", "PP-2", "PM-1", "SP-1", "AJ-1", "AJ-2", "RS-1"):
        assert f'<span class="code">{code}</span>' in html
    assert html.count('<strong class="tag status-no_action">No action</strong>') == 6
    assert '<strong class="tag status-in_progress">In progress</strong>' in html
    assert "Computed by the rule from the linked bills" in html
    # The bills, each with its page, stage, furthest-stage bar, effect and the reason for the link.
    assert '<a href="/bills/ca/2025/hb-1/">HB 1</a>' in html
    assert '<a href="/bills/ca/2025/hb-7/">HB 7</a>' in html
    assert "Reason number 0." in html
    assert "Reason number 6." in html
    assert "Reason number 1." not in html  # New York's bill
    assert 'class="stage-progress' in html
    assert 'class="badge stage-introduced"' in html
    assert '<span class="effect effect-advances">Advances</span>' in html
    assert html.index("HB 7") < html.index("HB 1")  # most recent action first


def test_jurisdiction_page_gives_the_reviewed_basis_with_reason_and_evidence(client, seeded, staff_user):
    link_bills(1)
    proposal = progress_review(
        recommendation=Recommendation.objects.get(code="PM-1"),
        jurisdiction=Jurisdiction.objects.get(code="ca"),
        status="achieved",
        reason="Signed into law by the Governor.",
        evidence_url="https://example.org/chaptered",
        user=staff_user,
    )
    assert "Signed into law by the Governor." not in client.get("/jurisdictions/ca/").content.decode()
    approved(proposal)
    html = client.get("/jurisdictions/ca/").content.decode()
    assert "Reviewed by staff: Signed into law by the Governor." in html
    assert 'href="https://example.org/chaptered"' in html
    assert "the rule alone gives in progress" in html


def test_jurisdiction_page_lists_sessions_and_whether_each_is_over(client, seeded):
    california = Jurisdiction.objects.get(code="ca")
    LegislativeSessionFactory(
        jurisdiction=california,
        identifier="20212022",
        name="2021-2022 Regular Session",
        start_date=datetime.date(2020, 12, 7),
    )
    LegislativeSessionFactory(
        jurisdiction=california,
        identifier="20252026",
        name="2025-2026 Regular Session",
        start_date=datetime.date(2024, 12, 2),
    )
    html = client.get("/jurisdictions/ca/").content.decode()
    sessions = html[html.index('id="sessions-title"') :]
    assert "2021-2022 Regular Session (20212022)" in sessions
    older = sessions[sessions.index("2021-2022") :]
    assert older[: older.index("</li>")].endswith("<strong>over</strong>")
    newer = sessions[sessions.index("2025-2026") :]
    assert newer[: newer.index("</li>")].endswith("<strong>in session or ahead</strong>")


def test_jurisdiction_page_has_its_feed_its_timeline_and_table_tools(client, seeded):
    link_bills(7)
    html = client.get("/jurisdictions/ca/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert 'href="/feeds/jurisdictions/ca/"' in html
    timeline = html[html.index('id="timeline-title"') :]
    assert timeline.index("CA HB 7") < timeline.index("CA HB 1")  # newest first
    assert "NY HB" not in timeline
    assert 'href="/api/v1/progress/?jurisdiction=ca"' in html
    assert 'href="/api/v1/links/?jurisdiction=ca"' in html
    assert 'href="/api/v1/changes/?jurisdiction=ca"' in html
    assert 'href="/jurisdictions/ca/?format=csv&amp;table=bills"' in html


def test_jurisdiction_tables_as_csv(client, seeded):
    link_bills(7)
    progress = list(csv.DictReader(io.StringIO(client.get("/jurisdictions/ca/?format=csv").content.decode())))
    assert [row["recommendation"] for row in progress] == ["PP-1", "PP-2", "PM-1", "SP-1", "AJ-1", "AJ-2", "RS-1"]
    assert progress[2]["status"] == "in_progress"
    assert progress[0]["status"] == "no_action"
    bills = list(csv.DictReader(io.StringIO(client.get("/jurisdictions/ca/?format=csv&table=bills").content.decode())))
    assert [row["identifier"] for row in bills] == ["HB 7", "HB 1"]
    assert bills[0]["url"] == "http://testserver/bills/ca/2025/hb-7/"


def test_unknown_jurisdiction_is_a_404(client, seeded):
    assert client.get("/jurisdictions/zz/").status_code == 404


def _california_bills_linked_to_pm1(
    count: int, *, regressing: int, session_identifier: str = "2025"
) -> list[BillLink]:
    """`count` California bills linked to PM-1, one a day from 2025-01-01 (HB 1 the oldest); the first
    `regressing` of them regress it, the rest advance it."""
    california = Jurisdiction.objects.get(code="ca")
    session = LegislativeSessionFactory(jurisdiction=california, identifier=session_identifier)
    recommendation = Recommendation.objects.get(code="PM-1")
    return [
        BillLink.objects.create(
            recommendation=recommendation,
            bill=BillFactory(
                jurisdiction=california,
                session=session,
                identifier=f"HB {number + 1}",
                latest_action_date=datetime.date(2025, 1, 1) + datetime.timedelta(days=number),
            ),
            effect="regresses" if number < regressing else "advances",
            rationale=f"Link number {number}.",
        )
        for number in range(count)
    ]


def test_jurisdiction_page_shows_the_regressing_then_latest_bills_and_links_to_all_of_them(client, seeded):
    _california_bills_linked_to_pm1(14, regressing=2)
    html = client.get("/jurisdictions/ca/").content.decode()
    group = html[html.index('<tbody id="bills-PM-1">') :]
    group = group[: group.index("</tbody>")]
    shown = re.findall(r'<a href="/bills/ca/2025/hb-(\d+)/">', group)
    # The two regressing bills (HB 1 and HB 2, the oldest), then the eight most recently active.
    assert shown == ["2", "1", "14", "13", "12", "11", "10", "9", "8", "7"]
    assert '<a href="/recommendations/PM-1/?jurisdiction=ca">All 14 bills behind PM-1 in California</a>' in group
    assert '<a href="#bills-PM-1">14</a>' in html  # the status table counts them all
    assert "the 14 bill links behind those statuses" in html
    bills = list(csv.DictReader(io.StringIO(client.get("/jurisdictions/ca/?format=csv&table=bills").content.decode())))
    assert len(bills) == 14


def test_jurisdiction_page_with_few_bills_has_no_link_to_more(client, seeded):
    _california_bills_linked_to_pm1(3, regressing=0)
    html = client.get("/jurisdictions/ca/").content.decode()
    assert "All 3 bills behind" not in html
    assert html.count('<a href="/bills/ca/2025/hb-') == 3


def test_jurisdiction_page_stage_bar_dates_the_furthest_stage_from_the_bill(client, seeded):
    (link,) = _california_bills_linked_to_pm1(1, regressing=0)
    Bill.objects.filter(pk=link.bill_id).update(
        stage="passed_origin", furthest_stage="passed_origin", furthest_stage_date=datetime.date(2025, 3, 4)
    )
    html = client.get("/jurisdictions/ca/").content.decode()
    bar = html[html.index('<ol class="stage-progress') :]
    bar = bar[: bar.index("</ol>")]
    assert '<span class="step-label">Passed first chamber</span> <time datetime="2025-03-04">' in bar
    assert bar.count("<time") == 1


def test_jurisdiction_page_runs_as_many_queries_for_30_linked_bills_as_for_one(client, seeded):
    link_bills(1)
    few = count_queries(client, "/jurisdictions/ca/")
    link_bills(29, start=1)  # five of them in California
    _california_bills_linked_to_pm1(12, regressing=3, session_identifier="2026")  # more than the page shows
    many = count_queries(client, "/jurisdictions/ca/")
    assert few == many
    assert many <= 13  # incl. its measures, its local jurisdictions and the measure changes
