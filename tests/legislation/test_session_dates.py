"""Researched session dates (legislation/data/session_dates.json): each with its page and passage, applied by
load_demo where no source gave a date, never over a source's date, and shown on the jurisdiction page and API."""

from __future__ import annotations

import datetime
import io
import json
import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from legislation.importers.sessions import sessions_import
from legislation.models import Jurisdiction, LegislativeSession
from legislation.selectors import DEMO_DIR
from legislation.services import SESSION_DATES_FILE, SeedCounts, jurisdictions_seed, session_dates_seed

DATA = json.loads(SESSION_DATES_FILE.read_text(encoding="utf-8"))
DEMO_SESSIONS = {
    (result["id"].split("state:")[-1].split("/")[0] if "state:" in result["id"] else "us", session["identifier"])
    for result in json.loads((DEMO_DIR / "jurisdictions.json").read_text(encoding="utf-8"))["results"]
    for session in result["legislative_sessions"]
}


@pytest.mark.parametrize("row", DATA["sessions"], ids=lambda row: f"{row['jurisdiction']}-{row['identifier']}")
def test_every_date_has_its_page_and_the_passage_that_states_it(row: dict) -> None:
    assert (row["jurisdiction"], row["identifier"]) in DEMO_SESSIONS
    facts = [row[field] for field in ("start_date", "end_date") if field in row]
    assert facts, "an entry without a date"
    for fact in facts:
        assert re.fullmatch(r"https?://\S+\.\S+", fact["source"])
        assert len(fact["quote"].strip()) >= 20
        day = datetime.date.fromisoformat(fact["date"])
        # The passage names the day (as '7', '7th' or '07') of the date it supports.
        assert re.search(rf"\b0?{day.day}(st|nd|rd|th)?\b", fact["quote"]), fact["quote"]
    if "start_date" in row and "end_date" in row:
        assert row["start_date"]["date"] < row["end_date"]["date"]
    # `adjourned` only with an end date that has passed.
    if row.get("adjourned"):
        assert "end_date" in row


def test_what_was_not_verified_says_why_and_is_not_given_a_date() -> None:
    given = {(row["jurisdiction"], row["identifier"], field) for row in DATA["sessions"] for field in row}
    for item in DATA["not_verified"]:
        assert item["reason"]
        assert (item["jurisdiction"], item["identifier"]) in DEMO_SESSIONS
        for field in item["what"].split(", "):
            assert (item["jurisdiction"], item["identifier"], field) not in given


def test_every_demo_session_has_each_date_or_says_why_not() -> None:
    """Every state session holding a demo bill has its start and end from the snapshot or the file, or is listed in
    not_verified with the reason (Congress dates are computed)."""
    snapshot = {
        (code, session["identifier"], field)
        for result in json.loads((DEMO_DIR / "jurisdictions.json").read_text(encoding="utf-8"))["results"]
        for code in [result["id"].split("state:")[-1].split("/")[0]]
        for session in result["legislative_sessions"]
        for field in ("start_date", "end_date")
        if "state:" in result["id"] and session[field]
    }
    given = {(row["jurisdiction"], row["identifier"], field) for row in DATA["sessions"] for field in row}
    explained = {
        (item["jurisdiction"], item["identifier"], field)
        for item in DATA["not_verified"]
        for field in item["what"].split(", ")
    }
    bill_sessions = {
        (bill["jurisdiction"]["id"].split("state:")[-1].split("/")[0], bill["session"])
        for path in sorted(DEMO_DIR.glob("bills_page_*.json"))
        for bill in json.loads(path.read_text(encoding="utf-8"))["results"]
        if "state:" in bill["jurisdiction"]["id"]
    }
    assert len(bill_sessions) >= 25
    for code, identifier in bill_sessions:
        for field in ("start_date", "end_date"):
            key = (code, identifier, field)
            assert key in snapshot or key in given or key in explained, key


@pytest.mark.django_db
def test_the_file_fills_blanks_only_and_a_second_run_changes_nothing() -> None:
    jurisdictions_seed()
    sessions_import(payload=json.loads((DEMO_DIR / "jurisdictions.json").read_text(encoding="utf-8")))
    texas = LegislativeSession.objects.get(jurisdiction__code="tx", identifier="88")
    colorado = LegislativeSession.objects.get(jurisdiction__code="co", identifier="2022A")
    # A date a source gave (here: as if Open States had dated Colorado's session) is not replaced.
    source_start = datetime.date(2022, 1, 11)
    LegislativeSession.objects.filter(pk=colorado.pk).update(start_date=source_start)
    oregon_end = LegislativeSession.objects.get(jurisdiction__code="or", identifier="2024R1").end_date

    first = session_dates_seed()
    assert first == SeedCounts(updated=len(DATA["sessions"]))
    texas.refresh_from_db()
    colorado.refresh_from_db()
    assert (texas.start_date, texas.end_date, texas.ended) == (
        datetime.date(2023, 1, 10),
        datetime.date(2023, 5, 29),
        True,
    )
    assert (colorado.start_date, colorado.end_date) == (source_start, datetime.date(2022, 5, 11))
    oregon = LegislativeSession.objects.get(jurisdiction__code="or", identifier="2024R1")
    assert (oregon.start_date, oregon.end_date) == (datetime.date(2024, 2, 5), oregon_end)
    # Nevada's end was not verified: no end date, and not marked adjourned by the file.
    nevada = LegislativeSession.objects.get(jurisdiction__code="nv", identifier="82")
    assert (nevada.start_date, nevada.end_date) == (datetime.date(2023, 2, 6), None)

    assert session_dates_seed() == SeedCounts(unchanged=len(DATA["sessions"]))


@pytest.mark.django_db
def test_load_demo_applies_them_and_the_demo_sessions_show_their_dates(client) -> None:
    call_command("seed", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    stored = {
        (session.jurisdiction.code, session.identifier): session
        for session in LegislativeSession.objects.select_related("jurisdiction")
    }
    for row in DATA["sessions"]:
        session = stored[(row["jurisdiction"], row["identifier"])]
        for field in ("start_date", "end_date"):
            if field in row:
                assert getattr(session, field) == datetime.date.fromisoformat(row[field]["date"])
        if row.get("adjourned"):
            assert session.ended
    # New York's 2025-2026 session is under way: its start, no end, not adjourned.
    new_york = stored[("ny", "2025-2026")]
    assert (new_york.start_date, new_york.end_date, new_york.ended) == (datetime.date(2025, 1, 8), None, False)
    assert new_york.has_ended(datetime.date(2026, 11, 27)) is False
    # The Congresses are dated by the 20th Amendment, and the past ones are over.
    for number in (111, 115, 117, 119):
        congress = stored[("us", str(number))]
        assert (congress.start_date, congress.end_date) == (
            datetime.date(2009 + 2 * (number - 111), 1, 3),
            datetime.date(2011 + 2 * (number - 111), 1, 3),
        )
        assert congress.has_ended(datetime.date(2026, 11, 27)) is (number < 119)

    texas = Jurisdiction.objects.get(code="tx")
    detail = APIClient().get(f"/api/v1/jurisdictions/{texas.pk}/").json()
    session = next(item for item in detail["sessions"] if item["identifier"] == "88")
    assert (session["start_date"], session["end_date"], session["ended"]) == ("2023-01-10", "2023-05-29", True)
    html = client.get("/jurisdictions/tx/").content.decode()
    sessions = html[html.index('id="sessions-title"') :]
    assert (
        '(88), from <time datetime="2023-01-10">Jan 10, 2023</time> to '
        '<time datetime="2023-05-29">May 29, 2023</time>: <strong>adjourned sine die</strong>'
    ) in sessions
