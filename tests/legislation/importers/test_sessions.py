"""The session-end rule (LegislativeSession.is_over) and sessions from Open States /jurisdictions metadata."""

from __future__ import annotations

from datetime import date

import pytest

from legislation.importers.files import read_json
from legislation.importers.sessions import session_years, sessions_import
from legislation.models import LegislativeSession
from legislation.services import jurisdictions_seed
from legislation.sources.records import ParseError, SessionRecord

from .payloads import DEMO

TODAY = date(2026, 11, 27)


def session(identifier: str, *, start: date | None = None, end: date | None = None, pk: int = 0) -> LegislativeSession:
    return LegislativeSession(pk=pk or None, jurisdiction_id=1, identifier=identifier, start_date=start, end_date=end)


@pytest.mark.parametrize(
    ("later", "earlier"),
    [
        ("881", "88"),  # Texas: the 88th Legislature's first called session follows its regular session
        ("2021v", "2021"),  # Louisiana's veto session
        ("2019-2020", "2017-2018"),
        ("20232024", "20172018"),
        ("191st", "187th"),
        ("2024RS", "2023RS"),
        ("220", "219"),
    ],
)
def test_later_identifier_in_the_same_naming_scheme_is_later(later: str, earlier: str) -> None:
    assert session(later).is_later_than(session(earlier))
    assert not session(earlier).is_later_than(session(later))


@pytest.mark.parametrize(("first", "second"), [("1646", "133"), ("1646", "135"), ("special", "2024")])
def test_identifiers_of_different_schemes_say_nothing_about_order(first: str, second: str) -> None:
    assert not session(first).is_later_than(session(second))
    assert not session(second).is_later_than(session(first))


def test_start_dates_win_over_identifiers() -> None:
    assert session("2023A", start=date(2023, 1, 9)).is_later_than(session("2024A", start=date(2022, 1, 10)))


def test_session_is_over_when_a_later_session_has_started_or_its_end_date_passed() -> None:
    old, new = session("2023-2024", pk=1), session("2025-2026", pk=2)
    assert old.is_over(siblings=[old, new], today=TODAY)
    assert not new.is_over(siblings=[old, new], today=TODAY)
    assert not old.is_over(siblings=[old], today=TODAY)
    ended = session("2024R1", end=date(2024, 3, 7), pk=3)
    assert ended.is_over(siblings=[ended], today=date(2024, 3, 8))
    assert not ended.is_over(siblings=[ended], today=date(2024, 3, 7))


def test_later_session_that_has_not_started_does_not_end_the_current_one() -> None:
    current = session("2025-2026", start=date(2025, 1, 8), pk=1)
    listed_ahead = session("2027-2028", start=date(2027, 1, 13), pk=2)
    assert not current.is_over(siblings=[current, listed_ahead], today=TODAY)
    assert current.is_over(siblings=[current, listed_ahead], today=date(2027, 1, 13))


@pytest.mark.django_db
@pytest.mark.usefixtures("seeded")
def test_sessions_import_loads_names_and_dates_and_is_idempotent() -> None:
    payload = read_json(DEMO / "jurisdictions.json")
    first = sessions_import(payload=payload)
    assert first.created == LegislativeSession.objects.count() > 40
    congress = LegislativeSession.objects.get(jurisdiction__code="us", identifier="117")
    assert (congress.start_date, congress.end_date) == (date(2021, 1, 3), date(2023, 1, 3))
    assert LegislativeSession.objects.get(jurisdiction__code="tx", identifier="881").classification == "special"
    second = sessions_import(payload=payload)
    assert (second.created, second.updated, second.unchanged) == (0, 0, first.created)
    over = LegislativeSession.objects.filter(jurisdiction__code__in=["tx", "la", "ny"]).over_ids(today=TODAY)
    names = set(LegislativeSession.objects.filter(pk__in=over).values_list("jurisdiction__code", "identifier"))
    assert {("tx", "88"), ("la", "2021"), ("ny", "2017-2018")} <= names
    assert ("ny", "2025-2026") not in names


@pytest.mark.django_db
@pytest.mark.usefixtures("seeded")
def test_sessions_import_refuses_unknown_jurisdictions_and_writes_nothing() -> None:
    payload = read_json(DEMO / "jurisdictions.json")
    payload["results"].append(
        {"id": "ocd-jurisdiction/country:us/territory:zz/government", "legislative_sessions": [{"identifier": "1"}]}
    )
    with pytest.raises(ParseError, match="unknown jurisdictions zz"):
        sessions_import(payload=payload)
    assert not LegislativeSession.objects.exists()


@pytest.mark.parametrize(
    ("jurisdiction", "record", "years"),
    [
        ("tx", SessionRecord("882", "88th Legislature, 2nd Called Session (2023)"), (2023, 2023)),
        ("ma", SessionRecord("191st", "191st Legislature (2019-2020)"), (2019, 2020)),
        ("ma", SessionRecord("191st", "191st Legislature (2019\u20132020) "), (2019, 2020)),
        ("oh", SessionRecord("133", "133rd General Assembly"), (None, None)),  # an ordinal alone says nothing
        ("tx", SessionRecord("88", "88th Legislature (2023) extra"), (None, None)),  # years must end the name
        ("ca", SessionRecord("20232024", "2023-2024 Regular Session (1999)"), (2023, 2024)),  # identifier first
    ],
)
def test_session_years_from_the_identifier_or_a_name_ending_with_them(jurisdiction, record, years):
    assert session_years(jurisdiction, record) == years


@pytest.mark.django_db
def test_a_special_session_named_by_its_year_is_over_when_that_year_is_past() -> None:
    """Texas' 2nd called session of 2023 (identifier 882, no dates in the calendar) was shown as sitting three
    years on."""
    jurisdictions_seed()
    sessions_import(payload=read_json(DEMO / "jurisdictions.json"))
    special = LegislativeSession.objects.get(jurisdiction__code="tx", identifier="882")
    assert (special.year_start, special.year_end) == (2023, 2023)
    assert special.has_ended(date(2026, 11, 27))
    assert not special.has_ended(date(2023, 12, 1))
