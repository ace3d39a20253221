"""One session and one bill across sources: the same bill from Open States, LegiScan and Congress.gov, in any order.

The Congress.gov bill is the real fixture (S 1947, 119th Congress); the Open States and LegiScan payloads of the same
bill are built from the real shapes (a demo snapshot bill, the LegiScan dataset bill) with that bill's facts.
"""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from legislation.importers.files import import_files
from legislation.importers.identity import fields_reconciled
from legislation.importers.sessions import sessions_import
from legislation.models import (
    Bill,
    ImportRun,
    LegislativeSession,
    SessionExternalId,
    SessionMatchReview,
)
from legislation.services import jurisdictions_seed

from .payloads import OHIO, S1947, demo_bill, legiscan_get_bill, page, write_json

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _seeded() -> None:
    jurisdictions_seed()


def openstates_s1947() -> dict[str, Any]:
    """S 1947 (119th) as an Open States v3 bill object: the demo's HR 27 object with S 1947's facts."""
    bill = demo_bill("us", "HR 27")
    bill.update(
        id="ocd-bill/00000000-0000-4000-8000-000000001947",
        identifier="S 1947",
        title="OCTOPUS Act of 2025",
        from_organization={**bill["from_organization"], "classification": "upper", "name": "Senate"},
        updated_at="2025-07-24T20:27:26+00:00",
    )
    first = bill["actions"][0]
    bill["actions"] = [
        {**first, "description": "Introduced in Senate", "date": "2025-06-04", "classification": ["introduction"]}
    ]
    bill["sponsorships"] = bill["sponsorships"][:1]
    bill["sources"] = [{"url": "https://www.congress.gov/bill/119th-congress/senate-bill/1947", "note": ""}]
    return bill


def legiscan_bill(
    *, state: str, number: str, bill_id: int, session: dict[str, Any], history: list[tuple[str, str]]
) -> dict[str, Any]:
    """A getBill response in the real shape (the AK HB 1 dataset bill in its envelope) for another bill."""
    payload = legiscan_get_bill()
    bill = payload["bill"]
    year = session["year_start"]
    bill.update(
        bill_id=bill_id,
        change_hash=f"{bill_id:032d}",
        session_id=session["session_id"],
        session=session,
        state=state.upper(),
        bill_number=number,
        url=f"https://legiscan.com/{state.upper()}/bill/{number}/{year}",
        state_link="",
        status=1,
        status_date=history[0][0],
        progress=[{"date": history[0][0], "event": 1}, {"date": history[-1][0], "event": 9}],
        history=[
            {"date": when, "action": text, "chamber": "S", "chamber_id": 2, "importance": 1} for when, text in history
        ],
        sponsors=bill["sponsors"][:1],
    )
    return payload


def legiscan_s1947() -> dict[str, Any]:
    return legiscan_bill(
        state="us",
        number="S1947",
        bill_id=2000001947,
        session={
            "session_id": 2199,
            "session_name": "119th Congress",
            "session_title": "119th Congress",
            "year_start": 2025,
            "year_end": 2026,
            "special": 0,
        },
        history=[
            ("2025-06-04", "Introduced in Senate"),
            ("2025-06-04", "Read twice and referred to the Committee on Commerce, Science, and Transportation."),
        ],
    )


def payload_files(tmp_path: Path) -> dict[str, list[Path]]:
    return {
        "openstates": [write_json(tmp_path / "os.json", page(openstates_s1947()))],
        "legiscan": [write_json(tmp_path / "ls.json", legiscan_s1947())],
        "congress": S1947,
    }


def run(source: str, paths: list[Path]) -> ImportRun:
    return import_files(source=source, paths=paths, today=TODAY)


@pytest.mark.parametrize("order", list(itertools.permutations(["openstates", "legiscan", "congress"], 2)))
def test_same_bill_from_two_sources_in_either_order_is_one_bill(tmp_path: Path, order: tuple[str, str]) -> None:
    files = payload_files(tmp_path)
    for source in order:
        assert run(source, files[source]).failed == 0
    bill = Bill.objects.get()
    assert (bill.jurisdiction.code, bill.session.identifier, bill.identifier) == ("us", "119", "S 1947")
    assert set(bill.external_ids.values_list("source", flat=True)) == set(order)
    assert LegislativeSession.objects.filter(jurisdiction__code="us").count() == 1
    assert set(SessionExternalId.objects.values_list("source", flat=True)) == set(order)


@pytest.mark.parametrize("order", list(itertools.permutations(["openstates", "legiscan", "congress"])))
def test_same_bill_from_three_sources_in_any_order_is_one_bill_with_the_same_fields(
    tmp_path: Path, order: tuple[str, ...]
) -> None:
    files = payload_files(tmp_path)
    for source in order:
        run(source, files[source])
    bill = Bill.objects.get()
    ids = dict(bill.external_ids.values_list("source", "external_id"))
    assert ids == {
        "openstates": "ocd-bill/00000000-0000-4000-8000-000000001947",
        "legiscan": "2000001947",
        "congress": "119-s-1947",
    }
    # Whatever the order: the furthest evidence (referred to committee) and Congress.gov's text for Congress.
    assert (bill.stage, bill.furthest_stage) == ("in_committee", "in_committee")
    assert bill.title == "OCTOPUS Act of 2025"
    assert bill.actions.count() == 2
    assert bill.session.start_date == date(2025, 1, 3)


def test_a_repeated_import_does_not_flip_the_stage_back(tmp_path: Path) -> None:
    files = payload_files(tmp_path)
    run("congress", files["congress"])
    first = run("openstates", files["openstates"])
    again = run("openstates", files["openstates"])
    bill = Bill.objects.get()
    assert bill.stage == "in_committee"
    assert bill.stage_changes.count() == 1  # only the first stage: Open States' "introduced" never took over
    assert "cross-source stage conflicts" in first.note
    assert "introduced" in first.note
    assert again.failed == 0


def test_demo_california_bill_and_its_legiscan_getbill_are_one_bill(tmp_path: Path) -> None:
    """The issue's finding: CA SB 57 from the demo (Open States, 20212022) and LegiScan (session 1794)."""
    os_file = write_json(tmp_path / "ca.json", page(demo_bill("ca", "SB 57")))
    session = {
        "session_id": 1794,
        "session_name": "2021-2022 Regular Session",
        "year_start": 2021,
        "year_end": 2022,
        "special": 0,
    }
    ls_payload = legiscan_bill(
        state="ca", number="SB57", bill_id=1400057, session=session, history=[("2020-12-07", "Introduced.")]
    )
    run("openstates", [os_file])
    run("legiscan", [write_json(tmp_path / "ca_ls.json", ls_payload)])
    bill = Bill.objects.get()
    assert bill.session.identifier == "20212022"
    assert set(bill.external_ids.values_list("source", flat=True)) == {"openstates", "legiscan"}
    assert (bill.session.year_start, bill.session.year_end) == (2021, 2022)


def test_two_sessions_that_fit_are_not_guessed_but_kept_for_staff(tmp_path: Path) -> None:
    """Louisiana 2021 and its veto session 2021v (both regular in the demo): a LegiScan 2021 session fits both."""
    run("openstates", [write_json(tmp_path / "la.json", page(demo_bill("la", "HB 158")))])
    LegislativeSession.objects.create(jurisdiction_id=Bill.objects.get().jurisdiction_id, identifier="2021v")
    session = {"session_id": 1780, "session_name": "2021 Regular Session", "year_start": 2021, "year_end": 2021}
    ls_payload = legiscan_bill(
        state="la", number="HB158", bill_id=1400158, session=session, history=[("2021-04-12", "Prefiled.")]
    )
    result = run("legiscan", [write_json(tmp_path / "la_ls.json", ls_payload)])
    review = SessionMatchReview.objects.get()
    assert (review.source, review.external_id, review.session.identifier) == ("legiscan", "1780", "1780")
    assert set(review.candidates.values_list("identifier", flat=True)) == {"2021", "2021v"}
    assert Bill.objects.count() == 2  # not merged by a guess
    assert "could not be matched" in result.note


def test_ohio_master_list_with_the_ohio_calendar_shows_pending_bills_as_died() -> None:
    """Done when: the Ohio 133rd General Assembly's pending bills are died (on 2020-12-31, the session's end in
    Open States' Ohio metadata, openstates/openstates-scrapers scrapers/oh/__init__.py)."""
    sessions_import(payload=OHIO_SESSIONS)
    result = run("legiscan", [OHIO])
    assert result.inserted == 2131
    session = LegislativeSession.objects.get(external_ids__source="legiscan", external_ids__external_id="1646")
    assert session.identifier == "133"
    assert set(session.external_ids.values_list("source", "external_id")) == {
        ("openstates", "133"),
        ("legiscan", "1646"),
    }
    ohio = Bill.objects.filter(jurisdiction__code="oh")
    assert not ohio.pending().exists()
    died = ohio.filter(stage="died")
    # The issue counted 994 introduced, 157 passed_origin and 24 passed_legislature among them.
    assert died.count() >= 994 + 157 + 24
    assert set(died.values_list("stage_date", flat=True)) == {date(2020, 12, 31)}


def test_ohio_master_list_alone_is_closed_by_its_years() -> None:
    """Without a calendar: the master list names only its first year (2019, from its bills' URLs); no session runs
    into a fourth calendar year, so the session is closed on import."""
    run("legiscan", [OHIO])
    session = LegislativeSession.objects.get(jurisdiction__code="oh")
    assert (session.year_start, session.ended) == (2019, True)
    assert not Bill.objects.filter(jurisdiction__code="oh").pending().exists()


# Open States' Ohio sessions (openstates/openstates-scrapers, scrapers/oh/__init__.py) in the shape of
# GET /jurisdictions?include=legislative_sessions.
OHIO_SESSIONS = {
    "results": [
        {
            "id": "ocd-jurisdiction/country:us/state:oh/government",
            "name": "Ohio",
            "classification": "state",
            "legislative_sessions": [
                {
                    "identifier": "132",
                    "name": "132st Legislature (2017-2018)",
                    "classification": "primary",
                    "start_date": "2017-01-02",
                    "end_date": "2018-12-31",
                },
                {
                    "identifier": "133",
                    "name": "133rd Legislature (2019-2020)",
                    "classification": "primary",
                    "start_date": "2019-01-07",
                    "end_date": "2020-12-31",
                },
            ],
        }
    ],
    "pagination": {"per_page": 52, "page": 1, "max_page": 1, "total_items": 1},
}


def _values(stage: str, furthest: str, on: date) -> dict:
    return {
        "stage": stage,
        "stage_date": on,
        "furthest_stage": furthest,
        "furthest_stage_date": on,
        "latest_action_date": on,
        "latest_action_description": "",
        "first_action_date": on,
        "source_identifier": "S1947",
        "title": "t",
        "summary": "",
        "classification": [],
        "subjects": [],
        "url": "",
    }


def test_evidence_that_ties_keeps_the_stored_stage_and_is_logged() -> None:
    """Two sources with the same milestone and dates but different stages (a failure one reports, the other not):
    the stored one stands, whichever came first, so re-imports never flip it."""
    on = date(2025, 6, 4)
    stored, record = _values("failed", "in_committee", on), _values("in_committee", "in_committee", on)
    result, conflict = fields_reconciled(
        jurisdiction="us", source="legiscan", other_sources={"congress"}, current=stored, target=record
    )
    assert result["stage"] == "failed"
    assert "legiscan says in_committee" in conflict
    further = _values("passed_origin", "passed_origin", date(2025, 7, 1))
    result, conflict = fields_reconciled(
        jurisdiction="us", source="legiscan", other_sources={"congress"}, current=stored, target=further
    )
    assert (result["stage"], conflict) == ("passed_origin", "")
