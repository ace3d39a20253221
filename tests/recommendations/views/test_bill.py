"""The bill page: identity, sources, stage bar, timeline, stage changes, links, attribution, CSV, 404s, and a query
budget that does not grow with the bill's actions and links."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from legislation.choices import Source, Stage
from legislation.models import Bill, BillExternalId, BillSource, BillSponsorship, Jurisdiction, StageChange
from legislation.selectors import bill_page_get, identifiers_from_slug
from recommendations.models import Recommendation
from recommendations.services import bill_link_create
from tests.factories import BillActionFactory, BillFactory, LegislativeSessionFactory

pytestmark = pytest.mark.django_db

PATH = "/bills/ca/20252026/ab-123/"


def make_bill(*, actions: int = 1, links: int = 1, identifier: str = "AB 123", legiscan: bool = False) -> Bill:
    """A California bill of the 2025-2026 session that passed the Assembly and then died, with `actions` actions
    and `links` links to the seeded recommendations (the first one regressing, the others advancing)."""
    california = Jurisdiction.objects.get(code="ca")
    session = LegislativeSessionFactory(
        jurisdiction=california, identifier="20252026", name="2025-2026 Regular Session"
    )
    bill = BillFactory(
        jurisdiction=california,
        session=session,
        identifier=identifier,
        source_identifier=identifier.replace(" ", ""),
        title="An act to amend the Health and Safety Code, relating to controlled substances",
        popular_title="Test Sentencing Act",
        summary="Changes the sentence for selling a controlled substance.",
        url="https://leginfo.example.org/bill?id=AB123",
        stage=Stage.DIED,
        stage_date=datetime.date(2026, 11, 30),
        furthest_stage=Stage.PASSED_ORIGIN,
        furthest_stage_date=datetime.date(2025, 5, 20),
        latest_action_date=datetime.date(2025, 5, 20),
        latest_action_description="Read third time. Passed.",
    )
    first = datetime.date(2025, 1, 10)
    for order in range(actions):
        classification = ["introduction"] if order == 0 else ["referral-committee"]
        if order == actions - 1 and actions > 1:
            classification = ["passage"]
        BillActionFactory(
            bill=bill,
            order=order,
            date=first + datetime.timedelta(days=order),
            description=f"Action number {order}",
            chamber="lower",
            actor="Assembly" if order % 2 else "",
            classification=classification,
        )
    BillSponsorship.objects.create(bill=bill, name="A. Member", primary=True, classification="primary")
    BillSource.objects.create(bill=bill, url="https://leginfo.example.org/bill/history?id=AB123", note="history")
    BillExternalId.objects.create(bill=bill, source=Source.OPENSTATES, external_id=f"ocd-bill/test-{identifier}")
    if legiscan:
        BillExternalId.objects.create(bill=bill, source=Source.LEGISCAN, external_id="99999")
    StageChange.objects.create(bill=bill, from_stage="", to_stage=Stage.INTRODUCED, date=first, source="openstates")
    StageChange.objects.create(
        bill=bill,
        from_stage=Stage.PASSED_ORIGIN,
        to_stage=Stage.DIED,
        date=datetime.date(2026, 11, 30),
        source="openstates",
    )
    for index, recommendation in enumerate(Recommendation.objects.order_by("audience__order", "order")[:links]):
        bill_link_create(
            recommendation=recommendation,
            bill=bill,
            effect="regresses" if index == 0 else "advances",
            rationale=f"Reason number {index} for this link.",
            evidence_url="https://evidence.example.org/analysis" if index == 0 else "",
        )
    return bill


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(response.content.decode().split())


def test_page_shows_identity_status_timeline_links_and_sources(client, seeded):
    bill = make_bill(actions=3, links=2)
    assert bill.get_absolute_url() == PATH
    html = text_of(client.get(PATH))
    assert "<h1>CA AB 123: Test Sentencing Act</h1>" in html
    assert "An act to amend the Health and Safety Code, relating to controlled substances" in html
    assert "Changes the sentence for selling a controlled substance." in html
    assert "the source writes “AB123”" in html
    assert "2025-2026 Regular Session" in html
    assert "A. Member" in html
    # Current stage and the stage bar with the date of each milestone reached.
    assert 'class="badge stage-died">Died</span>' in html
    assert (
        'aria-current="step"><span class="step-label">Passed first chamber</span> <time datetime="2025-05-20">' in html
    )
    assert '<span class="step-label">Introduced</span> <time datetime="2025-01-10">' in html
    assert '<span class="step-label">In committee</span> <time datetime="2025-01-11">' in html
    # The action timeline: date, who, description, classification.
    assert "Action number 0" in html
    assert "Action number 2" in html
    assert "<td>Assembly</td>" in html
    assert "<td>Lower chamber</td>" in html
    assert "referral-committee" in html
    # Stage changes recorded by the tracker.
    assert "<td>First recorded</td>" in html
    assert "<td>Passed first chamber</td> <td>Died</td>" in html
    # Linked recommendations: effect, rationale, evidence, link to the recommendation's page, status there.
    first, second = Recommendation.objects.order_by("audience__order", "order")[:2]
    assert f'href="/recommendations/{first.code}/"' in html
    assert f'href="/recommendations/{second.code}/"' in html
    assert 'class="effect effect-regresses">Regresses' in html
    assert 'class="effect effect-advances">Advances' in html
    assert "Reason number 0 for this link." in html
    assert 'href="https://evidence.example.org/analysis"' in html
    assert 'class="tag status-stalled"' in html  # the advancing bill died
    # Where the data comes from.
    assert "ocd-bill/test-AB 123" in html
    assert 'href="https://leginfo.example.org/bill?id=AB123"' in html
    assert 'href="https://leginfo.example.org/bill/history?id=AB123"' in html
    assert f'href="/api/v1/bills/{bill.pk}/"' in html
    assert "Contains legislative data from" not in html
    assert "Data freshness" in html


def test_legiscan_data_is_credited(client, seeded):
    make_bill(legiscan=True)
    html = text_of(client.get(PATH))
    assert "Contains legislative data from" in html
    assert 'href="https://legiscan.com/"' in html
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in html


@pytest.mark.parametrize(
    "path",
    [
        "/bills/ny/20252026/ab-123/",  # wrong jurisdiction
        "/bills/zz/20252026/ab-123/",  # no such jurisdiction
        "/bills/ca/20232024/ab-123/",  # wrong session
        "/bills/ca/20252026/ab-124/",  # wrong identifier
        "/bills/ca/20252026/ab-12/",
        "/bills/ca/20252026/sb-123/",
    ],
)
def test_unknown_bill_is_a_404_page(client, seeded, path):
    make_bill()
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_identifier_with_a_dash_has_its_own_page(client, seeded):
    """`HB 22-1326` (Colorado) has the slug hb-22-1326; turning the slug back into an identifier would not find it."""
    bill = make_bill(identifier="HB 22-1326")
    assert bill.get_absolute_url() == "/bills/ca/20252026/hb-22-1326/"
    assert "CA HB 22-1326" in text_of(client.get(bill.get_absolute_url()))


def test_slug_gives_every_identifier_it_can_come_from():
    assert identifiers_from_slug("sb-57") == ["SB 57", "SB-57"]
    assert identifiers_from_slug("hb-22-1326") == ["HB 22 1326", "HB 22-1326", "HB-22 1326", "HB-22-1326"]
    assert identifiers_from_slug("hjres3") == ["HJRES3"]
    assert identifiers_from_slug("a-b-c-d-e") != []
    assert identifiers_from_slug("a-b-c-d-e-f") == []  # too many: compared by slug instead


def test_bill_is_found_by_its_identifier_in_the_unique_index(seeded):
    bill = make_bill(identifier="HB 22-1326")
    with CaptureQueriesContext(connection) as queries:
        found = bill_page_get(jurisdiction="CA", session="20252026", identifier_slug="HB-22-1326")
    assert found == bill
    lookup = queries.captured_queries[0]["sql"]
    assert "\"legislation_bill\".\"identifier\" IN ('HB 22 1326', 'HB 22-1326', 'HB-22 1326', 'HB-22-1326')" in lookup
    assert "REPLACE(" not in lookup.upper()  # not the slug of every bill of the session
    assert len(queries.captured_queries) == 6  # the bill, then one query per kind of child row


def test_identifier_stored_in_lower_case_is_still_found_by_its_slug(client, seeded):
    bill = make_bill(identifier="ab 123")
    assert bill_page_get(jurisdiction="ca", session="20252026", identifier_slug="ab-123") == bill
    assert client.get(PATH).status_code == 200


def test_of_two_identifiers_with_the_same_slug_the_first_in_order_has_the_page(client, seeded):
    spaced = make_bill(identifier="HB 22 1326")
    make_bill(identifier="HB 22-1326")
    assert bill_page_get(jurisdiction="ca", session="20252026", identifier_slug="hb-22-1326") == spaced


def test_path_in_another_case_redirects_to_the_canonical_one(client, seeded):
    make_bill()
    response = client.get("/bills/CA/20252026/AB-123/")
    assert response.status_code == 301
    assert response["Location"] == PATH


def test_bill_without_actions_links_or_changes_says_so(client, seeded):
    california = Jurisdiction.objects.get(code="ca")
    bill = BillFactory(jurisdiction=california, identifier="SB 1", furthest_stage=Stage.INTRODUCED)
    html = text_of(client.get(bill.get_absolute_url()))
    assert "No recommendation is linked to this bill yet." in html
    assert "The sources list no actions for this bill." in html
    assert "The tracker has recorded no stage change for this bill." in html
    assert "The sources list no sponsors." in html


def test_a_died_bill_says_when_and_why(client, seeded):
    california = Jurisdiction.objects.get(code="ca")
    session = LegislativeSessionFactory(
        jurisdiction=california, identifier="20192020", end_date=datetime.date(2020, 11, 30)
    )
    bill = BillFactory(jurisdiction=california, session=session, identifier="AB 9", stage=Stage.DIED)
    html = text_of(client.get(bill.get_absolute_url()))
    assert "Died: its session (20192020 Regular Session) ended on 2020-11-30." in html


def test_tables_come_as_csv(client, seeded):
    make_bill(actions=3, links=2)
    response = client.get(PATH, {"format": "csv", "table": "actions"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["date", "by", "description", "classification"]
    assert [row[2] for row in rows[1:]] == ["Action number 0", "Action number 1", "Action number 2"]
    links = list(csv.reader(io.StringIO(client.get(PATH, {"format": "csv", "table": "links"}).content.decode())))
    assert links[0][:3] == ["recommendation", "recommendation_title", "effect"]
    assert [row[2] for row in links[1:]] == ["regresses", "advances"]
    changes = list(
        csv.reader(io.StringIO(client.get(PATH, {"format": "csv", "table": "stage_changes"}).content.decode()))
    )
    assert [row[:2] for row in changes[1:]] == [["", "introduced"], ["passed_origin", "died"]]
    assert client.get(PATH, {"format": "csv", "table": "nope"}).status_code == 404


def test_page_links_to_its_csv_and_api_queries(client, seeded):
    bill = make_bill()
    html = client.get(PATH).content.decode()
    assert "?format=csv&amp;table=actions" in html
    assert "?format=csv&amp;table=links" in html
    assert f'href="/api/v1/links/?bill={bill.pk}"' in html


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_queries_do_not_grow_with_actions_and_links(client, seeded, django_assert_num_queries):
    small = make_bill(actions=1, links=1, identifier="AB 1")
    large = make_bill(actions=40, links=5, identifier="AB 2")
    count = _queries(client, small.get_absolute_url())
    # The bill, its actions, sponsors, sources, ids and stage changes, its links, freshness and the demo notice.
    assert count == 9
    with django_assert_num_queries(count):
        assert client.get(large.get_absolute_url()).status_code == 200


def test_every_demo_bill_has_a_page(client, seeded):
    call_command("load_demo", stdout=io.StringIO())
    bills = list(Bill.objects.for_list())
    assert len(bills) == 34
    for bill in bills:
        html = text_of(client.get(bill.get_absolute_url()))
        assert f"{bill.jurisdiction.code.upper()} {bill.identifier}" in html
    illinois = next(bill for bill in bills if bill.jurisdiction.code == "il" and bill.identifier == "HB 1836")
    html = text_of(client.get(illinois.get_absolute_url()))
    assert "Signed by Governor Pritzker (Public Act 104-0459)" in html
    assert "Clean Slate Act" in html
    assert 'href="/recommendations/PM-1/"' in html
    assert '<span class="step-label">Enacted</span> <time datetime="2026-01-16">' in html
