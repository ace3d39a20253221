"""Sessions in the API and on the jurisdiction page: dates or years, whether over or adjourned, and why a bill died."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from legislation.importers.files import import_files
from legislation.importers.sessions import sessions_import
from legislation.models import Bill, Jurisdiction
from legislation.services import jurisdictions_seed
from tests.legislation.importers.payloads import OHIO
from tests.legislation.importers.test_identity import OHIO_SESSIONS

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)


def test_master_list_alone_session_is_adjourned_and_its_bills_say_why(client) -> None:
    jurisdictions_seed()
    import_files(source="legiscan", paths=[OHIO], today=TODAY)
    api = APIClient()
    ohio = Jurisdiction.objects.get(code="oh")
    detail = api.get(f"/api/v1/jurisdictions/{ohio.pk}/").json()
    (session,) = detail["sessions"]
    assert (session["identifier"], session["year_start"], session["ended"], session["over"]) == (
        "1646",
        2019,
        True,
        True,
    )
    bill = Bill.objects.get(jurisdiction__code="oh", identifier="HB 1")
    body = api.get(f"/api/v1/bills/{bill.pk}/").json()
    assert body["stage"] == "died"
    assert (
        body["end_reason"]
        == "Died: its session (133rd General Assembly) adjourned sine die (the sources give no date)."
    )
    assert body["session_detail"]["ended"] is True
    html = client.get("/jurisdictions/oh/").content.decode()
    sessions = html[html.index('id="sessions-title"') :]
    assert "133rd General Assembly (1646), 2019: <strong>adjourned sine die</strong>" in sessions


def test_with_the_calendar_a_died_bill_gives_the_session_end_date() -> None:
    jurisdictions_seed()
    sessions_import(payload=OHIO_SESSIONS)
    import_files(source="legiscan", paths=[OHIO], today=TODAY)
    bill = Bill.objects.get(jurisdiction__code="oh", identifier="HB 1")
    body = APIClient().get(f"/api/v1/bills/{bill.pk}/").json()
    assert body["end_reason"] == "Died: its session (133rd Legislature (2019-2020)) ended on 2020-12-31."
    assert (body["session_detail"]["start_date"], body["session_detail"]["end_date"]) == ("2019-01-07", "2020-12-31")
