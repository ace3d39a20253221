import datetime

import pytest
from django.db import IntegrityError

from legislation.choices import Stage
from legislation.models import Bill, BillExternalId, LegislativeSession, bill_page_path, bill_page_path_maker
from tests.factories import BillFactory, JurisdictionFactory, LegislativeSessionFactory

pytestmark = pytest.mark.django_db


def test_bill_identifier_is_unique_per_jurisdiction_and_session():
    bill = BillFactory(identifier="HB 1")
    with pytest.raises(IntegrityError):
        BillFactory(jurisdiction=bill.jurisdiction, session=bill.session, identifier="HB 1")


def test_same_identifier_in_another_session_is_another_bill():
    bill = BillFactory(identifier="HB 1")
    other_session = LegislativeSessionFactory(jurisdiction=bill.jurisdiction, identifier="2026")
    BillFactory(jurisdiction=bill.jurisdiction, session=other_session, identifier="HB 1")
    assert Bill.objects.filter(identifier="HB 1").count() == 2


def test_external_id_is_unique_per_source():
    first, second = BillFactory(), BillFactory()
    BillExternalId.objects.create(bill=first, source="legiscan", external_id="123")
    BillExternalId.objects.create(bill=second, source="congress", external_id="123")
    with pytest.raises(IntegrityError):
        BillExternalId.objects.create(bill=second, source="legiscan", external_id="123")


def test_session_identifier_is_unique_per_jurisdiction():
    session = LegislativeSessionFactory(identifier="88")
    LegislativeSessionFactory(identifier="88", jurisdiction=JurisdictionFactory(code="zz"))
    with pytest.raises(IntegrityError):
        LegislativeSession.objects.create(jurisdiction=session.jurisdiction, identifier="88")


@pytest.mark.parametrize(
    ("ended", "end_date", "expected"),
    [
        (True, None, True),
        (False, datetime.date(2024, 3, 7), True),
        (False, datetime.date(2024, 3, 9), False),
        (False, None, False),
    ],
)
def test_session_has_ended(ended, end_date, expected):
    session = LegislativeSessionFactory(ended=ended, end_date=end_date)
    assert session.has_ended(today=datetime.date(2024, 3, 8)) is expected


@pytest.mark.parametrize(
    ("year_end", "end_date", "today", "expected"),
    [
        (2022, None, datetime.date(2024, 3, 8), True),  # a 2021-2022 session with no end date, two years on
        (2023, None, datetime.date(2024, 1, 31), False),  # its last year just behind: a late sine die is possible
        (2023, None, datetime.date(2024, 2, 1), True),
        (2024, None, datetime.date(2024, 3, 8), False),  # the session's own year
        (None, None, datetime.date(2030, 1, 1), False),  # nothing known: on until a later session starts
        (2022, datetime.date(2025, 1, 5), datetime.date(2024, 3, 8), False),  # a stated end date decides
    ],
)
def test_session_with_no_end_date_has_ended_after_its_last_year(year_end, end_date, today, expected):
    session = LegislativeSessionFactory(year_end=year_end, end_date=end_date)
    assert session.has_ended(today=today) is expected


def test_pending_and_enacted_querysets():
    pending = BillFactory(stage=Stage.PASSED_ORIGIN)
    enacted = BillFactory(stage=Stage.ENACTED)
    BillFactory(stage=Stage.DIED)
    assert list(Bill.objects.pending()) == [pending]
    assert list(Bill.objects.enacted()) == [enacted]


@pytest.mark.parametrize(
    ("jurisdiction", "session", "identifier"),
    [
        ("ca", "20212022", "SB 57"),
        ("co", "2022A", "HB 22-1326"),
        ("tx", "89(1)", "HB 1"),
        ("us", "118", "HJRES 3"),
        ("pr", "2025 ordinaria", "PC 1"),
    ],
)
def test_bill_paths_made_in_a_loop_are_those_reverse_gives(jurisdiction, session, identifier):
    path = bill_page_path_maker()
    assert path(jurisdiction, session, identifier) == bill_page_path(
        jurisdiction=jurisdiction, session=session, identifier=identifier
    )
