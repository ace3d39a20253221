"""Researched session dates (legislation/data/session_dates.json): each with its page and passage, applied by
load_demo where no source gave a date, never over a source's date, and shown on the jurisdiction page and API."""

from __future__ import annotations

import calendar
import datetime
import io
import json
import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from legislation.importers.sessions import sessions_import
from legislation.models import Bill, Jurisdiction, LegislativeSession
from legislation.selectors import DEMO_DIR
from legislation.services import SESSION_DATES_FILE, SeedCounts, jurisdictions_seed, session_dates_seed

DATA = json.loads(SESSION_DATES_FILE.read_text(encoding="utf-8"))
DEMO_SESSIONS = {
    (result["id"].split("state:")[-1].split("/")[0] if "state:" in result["id"] else "us", session["identifier"])
    for result in json.loads((DEMO_DIR / "jurisdictions.json").read_text(encoding="utf-8"))["results"]
    for session in result["legislative_sessions"]
}


ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
WEEKDAYS = [name.lower() for name in calendar.day_name]  # monday first, as date.weekday()
MONTHS = [name.lower() for name in calendar.month_name[1:]]


def rule_day(rule: str, year: int) -> datetime.date:
    """The day a constitution's or statute's rule gives in `year`: 'November 30', 'second Tuesday in January',
    'first Tuesday after the first Monday in March' (the nth weekday after the first Monday of the month)."""
    words = rule.lower().split()
    if len(words) == 2:
        return datetime.date(year, MONTHS.index(words[0]) + 1, int(words[1]))
    month = MONTHS.index(words[-1]) + 1
    nth, weekday = ORDINALS[words[0]], WEEKDAYS.index(words[1])
    first = datetime.date(year, month, 1)
    if words[2] == "after":  # "... after the first Monday in <month>": count from the day after that Monday
        first = first + datetime.timedelta(days=(0 - first.weekday()) % 7 + 1)
    first = first + datetime.timedelta(days=(weekday - first.weekday()) % 7)
    return first + datetime.timedelta(weeks=nth - 1)


def test_rule_day_reads_the_rules_as_written() -> None:
    assert rule_day("first Monday in December", 2022) == datetime.date(2022, 12, 5)
    assert rule_day("second Tuesday in January", 2020) == datetime.date(2020, 1, 14)
    assert rule_day("first Wednesday after the first Monday in January", 2025) == datetime.date(2025, 1, 8)
    assert rule_day("first Tuesday after the first Monday in March", 2023) == datetime.date(2023, 3, 7)
    assert rule_day("November 30", 2018) == datetime.date(2018, 11, 30)


@pytest.mark.parametrize("row", DATA["sessions"], ids=lambda row: f"{row['jurisdiction']}-{row['identifier']}")
def test_every_date_has_its_page_and_the_passage_that_states_it(row: dict) -> None:
    assert (row["jurisdiction"], row["identifier"]) in DEMO_SESSIONS
    facts = [row[field] for field in ("start_date", "end_date") if field in row]
    assert facts, "an entry without a date"
    for fact in facts:
        assert re.fullmatch(r"https?://\S+\.\S+", fact["source"])
        assert len(fact["quote"].strip()) >= 20
        day = datetime.date.fromisoformat(fact["date"])
        if "rule" in fact:
            # A date from a rule (a constitution's convening day, the end of a legislative term): the passage states
            # the rule, and the rule gives that day in that year.
            assert fact["rule"].lower() in " ".join(fact["quote"].lower().split()), (fact["rule"], fact["quote"])
            assert rule_day(fact["rule"], day.year) == day, (fact["rule"], day)
        else:
            # The passage names the day (as '7', '7th' or '07') of the date it supports.
            assert re.search(rf"\b0?{day.day}(st|nd|rd|th)?\b", fact["quote"]), fact["quote"]
    if "start_date" in row and "end_date" in row:
        assert row["start_date"]["date"] < row["end_date"]["date"]
    # `adjourned` only with an end date that a passage reports, never with a term's end taken from its rule (the
    # day pending bills die, which is not a record of an adjournment sine die).
    if row.get("adjourned"):
        assert "end_date" in row
        assert "rule" not in row["end_date"]
    if "rule" in row.get("end_date", {}):
        assert "term rule" in row["end_date"]["note"].lower()


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
    nevada = LegislativeSession.objects.get(jurisdiction__code="nv", identifier="82")
    assert (nevada.start_date, nevada.end_date, nevada.ended) == (
        datetime.date(2023, 2, 6),
        datetime.date(2023, 6, 6),
        True,
    )
    # Louisiana 2021's end was not verified: no end date, and not marked adjourned by the file.
    louisiana = LegislativeSession.objects.get(jurisdiction__code="la", identifier="2021")
    assert (louisiana.start_date, louisiana.end_date, louisiana.ended) == (datetime.date(2021, 4, 12), None, False)
    # A term's end from its rule (Pennsylvania: November 30 of the even year) dates the session, not an adjournment.
    pennsylvania = LegislativeSession.objects.get(jurisdiction__code="pa", identifier="2017-2018")
    assert (pennsylvania.start_date, pennsylvania.end_date, pennsylvania.ended) == (
        datetime.date(2017, 1, 3),
        datetime.date(2018, 11, 30),
        False,
    )

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
    # New York's 2025-2026 session is under way: its start, the two-year term's last day as its end, not adjourned;
    # its pending bills die when that day has passed, not before.
    new_york = stored[("ny", "2025-2026")]
    assert (new_york.start_date, new_york.end_date, new_york.ended) == (
        datetime.date(2025, 1, 8),
        datetime.date(2026, 12, 31),
        False,
    )
    assert new_york.has_ended(datetime.date(2026, 11, 27)) is False
    assert new_york.has_ended(datetime.date(2026, 12, 31)) is False
    assert new_york.has_ended(datetime.date(2027, 1, 1)) is True
    # A New York bill of 2017-2018 died with its term, dated by it.
    s2761 = Bill.objects.select_related("session").get(
        jurisdiction__code="ny", session__identifier="2017-2018", identifier="S 2761"
    )
    assert (s2761.stage, s2761.stage_date) == ("died", datetime.date(2018, 12, 31))
    assert s2761.end_reason.endswith("ended on 2018-12-31.")
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
