"""sync_sessions: session calendars from Open States /jurisdictions, LegiScan getSessionList and the Congresses,
with the sources faked at the transport (httpx.MockTransport) in their real shapes."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from legislation.importers.files import import_files
from legislation.importers.sessions import sessions_import
from legislation.models import Bill, ImportRun, LegislativeSession, SessionExternalId
from legislation.services import jurisdictions_seed
from legislation.sync.calendars import SCOPE, congress_of, sessions_sync
from tests.legislation.importers.payloads import DEMO, FIXTURES, demo_bill, load, page, write_json
from tests.legislation.importers.test_identity import OHIO_SESSIONS, legiscan_bill

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)

# LegiScan's manual (v1.85) getSessionList example for state_id 5 (California), as printed there (the manual's
# curly quote after "prior" made straight, so that it is JSON).
SESSION_LIST_CA = {
    "status": "OK",
    "sessions": [
        {
            "session_id": 1791,
            "state_id": 5,
            "year_start": 2021,
            "year_end": 2022,
            "prefile": 0,
            "sine_die": 0,
            "prior": 0,
            "special": 0,
            "session_tag": "Regular Session",
            "session_title": "2021-2022 Regular Session",
            "session_name": "2021-2022 Session",
            "dataset_hash": "ead44c3c2a0055a7ecbc5c13ebd71f70",
        },
        {
            "session_id": 1624,
            "state_id": 5,
            "year_start": 2019,
            "year_end": 2020,
            "prefile": 0,
            "sine_die": 1,
            "prior": 1,
            "special": 0,
            "session_tag": "Regular Session",
            "session_title": "2019-2020 Regular Session",
            "session_name": "2019-2020 Session",
            "dataset_hash": "b42df4087677a62e0fbe86f4e0b11b47",
        },
    ],
}


@pytest.fixture(autouse=True)
def _keys(settings: Any) -> None:
    settings.OPENSTATES_API_KEY = "os-test-key"
    settings.LEGISCAN_API_KEY = "ls-test-key"
    jurisdictions_seed()


def jurisdictions_with_sessions() -> dict[str, Any]:
    """The real /jurisdictions?classification=state body, each with `legislative_sessions` as include= adds them:
    Ohio's from Open States' metadata (see OHIO_SESSIONS), the others' empty."""
    payload = load(FIXTURES / "openstates" / "jurisdictions_state.json")
    ohio = OHIO_SESSIONS["results"][0]["legislative_sessions"]
    for item in payload["results"]:
        item["legislative_sessions"] = copy.deepcopy(ohio) if item["id"].endswith("state:oh/government") else []
    return payload


class Recorder:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json=self.answer)


def test_openstates_calendar_dates_sessions_in_one_request() -> None:
    fake = Recorder(jurisdictions_with_sessions())
    run = sessions_sync("openstates", today=TODAY, transport=httpx.MockTransport(fake))
    assert (run.status, run.scope, run.requests, run.inserted) == ("succeeded", SCOPE, 1, 2)
    (request,) = fake.requests
    assert request.url.path.endswith("/jurisdictions")
    assert request.url.params.get_list("include") == ["legislative_sessions"]
    assert request.headers["X-API-KEY"] == "os-test-key"
    session = LegislativeSession.objects.get(jurisdiction__code="oh", identifier="133")
    assert (session.start_date, session.end_date, session.year_start, session.year_end) == (
        date(2019, 1, 7),
        date(2020, 12, 31),
        2019,
        2020,
    )
    again = sessions_sync("openstates", today=TODAY, transport=httpx.MockTransport(fake))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)


def test_legiscan_session_list_maps_to_the_open_states_sessions_and_closes_sine_die(tmp_path: Path) -> None:
    sessions_import(payload=load(DEMO / "jurisdictions.json"))
    import_files(source="openstates", paths=[write_json(tmp_path / "ca.json", page(demo_bill("ca", "SB 57")))])
    session = {"session_id": 1791, "session_name": "2021-2022 Session", "year_start": 2021, "year_end": 2022}
    ca = legiscan_bill(state="ca", number="SB57", bill_id=1400057, session=session, history=[("2020-12-07", "Intro")])
    import_files(source="legiscan", paths=[write_json(tmp_path / "ls.json", ca)], today=TODAY)
    assert Bill.objects.count() == 1

    fake = Recorder(SESSION_LIST_CA)
    run = sessions_sync("legiscan", today=TODAY, transport=httpx.MockTransport(fake))
    assert (run.status, run.requests) == ("succeeded", 1)
    assert fake.requests[0].url.params["op"] == "getSessionList"
    assert fake.requests[0].url.params["state"] == "CA"
    ids = dict(SessionExternalId.objects.filter(source="legiscan").values_list("external_id", "session__identifier"))
    assert ids == {"1791": "20212022", "1624": "20192020"}
    assert LegislativeSession.objects.get(jurisdiction__code="ca", identifier="20192020").ended is True
    assert LegislativeSession.objects.filter(jurisdiction__code="ca").count() == 4  # no new session


def test_congress_calendar_is_computed_without_requests() -> None:
    assert congress_of(date(2025, 1, 2)) == 118
    assert congress_of(date(2025, 1, 3)) == 119
    run = sessions_sync("congress", today=TODAY)
    assert (run.status, run.requests, run.inserted) == ("succeeded", 0, 1)
    session = LegislativeSession.objects.get(jurisdiction__code="us")
    assert (session.identifier, session.start_date, session.end_date) == ("119", date(2025, 1, 3), date(2027, 1, 3))
    assert (session.year_start, session.year_end) == (2025, 2026)


def test_without_a_key_the_run_is_skipped(settings: Any) -> None:
    settings.LEGISCAN_API_KEY = ""
    assert sessions_sync("legiscan", today=TODAY).status == "skipped"


def test_a_source_error_fails_the_run_and_the_command(settings: Any) -> None:
    fake = Recorder({"status": "ERROR", "alert": {"message": "Invalid API key"}})
    run = sessions_sync("legiscan", today=TODAY, transport=httpx.MockTransport(fake))
    assert run.status == "succeeded"  # no state has LegiScan bills: nothing asked
    assert fake.requests == []
    out = StringIO()
    call_command("sync_sessions", "congress", stdout=out)
    assert "congress: succeeded" in out.getvalue()
    assert ImportRun.objects.filter(scope=SCOPE).count() == 2


def test_weekly_schedule_is_seeded() -> None:
    entry = PeriodicTask.objects.get(task="legislation.sessions_sync")
    assert entry.crontab.day_of_week == "1"
    assert json.loads(entry.kwargs) == {}


def test_calendar_runs_are_in_the_freshness_figures() -> None:
    from api.selectors import freshness

    sessions_sync("congress", today=TODAY)
    congress = next(item for item in freshness()["sources"] if item["source"] == "congress")
    assert [scope["scope"] for scope in congress["scopes"]] == [SCOPE]


def test_session_runs_do_not_make_a_source_look_fresh_while_its_bill_syncs_fail() -> None:
    """A weekly calendar run (sessions:sync) and the daily closing job (sessions:close) succeed without importing a
    bill: a source whose bill syncs fail stays stale, with the failed sync as its last attempt, on the pages'
    freshness notes and in /api/v1/freshness/; the calendar run is still listed among the source's scopes."""
    from api.selectors import freshness
    from legislation.selectors import data_freshness

    now = timezone.now()
    ImportRun.objects.create(
        source="congress",
        scope="sync",
        status="succeeded",
        started_at=now - timedelta(days=30),
        finished_at=now - timedelta(days=30),
    )
    ImportRun.objects.create(
        source="congress",
        scope="sync",
        status="failed",
        started_at=now - timedelta(hours=2),
        finished_at=now,
        errors=[{"message": "503"}],
    )
    ImportRun.objects.create(source="congress", scope="sessions:close", status="succeeded", finished_at=now)
    sessions_sync("congress", today=TODAY)  # the real calendar run: succeeded, just now
    assert ImportRun.objects.get(scope=SCOPE).status == "succeeded"

    notes = {item.source: item for item in data_freshness()}
    assert notes["congress"].scope == "sync"
    assert notes["congress"].finished_at == now - timedelta(days=30)
    congress = next(item for item in freshness()["sources"] if item["source"] == "congress")
    assert congress["stale"] is True
    assert congress["last_status"] == "failed"
    assert congress["last_success_at"] == now - timedelta(days=30)
    assert {scope["scope"] for scope in congress["scopes"]} == {SCOPE, "sessions:close", "sync"}
