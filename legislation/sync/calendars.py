"""Session calendars from the sources: which sessions each legislature has, their dates, years and kind, and whether
they adjourned sine die. `manage.py sync_sessions [SOURCE]` and the weekly beat entry (`legislation.sessions_sync`)
call `sessions_sync`; each source's run is one ImportRun (scope `sessions:sync`, counted in sessions created,
updated and unchanged, with the requests spent), shown in the freshness figures.

- Open States: ``GET /jurisdictions?classification=state&include=legislative_sessions`` (one page of 52 holds
  every state, DC and Puerto Rico): identifiers, names, classification, start and end dates. 1 request a week.
- LegiScan: ``getSessionList`` for each state with bills that have a LegiScan id (the tracked ones):
  ``session_id``, ``year_start``, ``year_end``, ``special``, ``sine_die``. One request per such state a week,
  within the monthly budget (the client's limiter counts them with every other LegiScan request).
- Congress: computed, no request: the nth Congress runs from January 3 of 1787 + 2n to January 3 two years later
  (20th Amendment); the current Congress and every Congress with stored bills.

Sessions are matched across sources by the importers' rule (`legislation.importers.sessions.SessionCache`). A
session this sync dates or closes lets its pending bills die the same day: `sessions_close` runs after it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from legislation.choices import Source
from legislation.importers.sessions import parse_jurisdiction_sessions, sessions_records_import
from legislation.models import BillExternalId, ImportRun, ImportRunStatus, Jurisdiction, LegislativeSession
from legislation.sources import legiscan
from legislation.sources.http import SourceError
from legislation.sources.legiscan_client import LegiScanClient
from legislation.sources.openstates_client import OpenStatesClient
from legislation.sources.records import ParseError, SessionRecord
from legislation.stages import congress_end_date

from .common import has_key, legiscan_requests_this_month, no_key_note, record_skipped
from .sessions import sessions_close

__all__ = ["SCOPE", "congress_of", "sessions_sync"]

SCOPE = "sessions:sync"
# Open States pages read at most (52 jurisdictions a page: one is enough today).
MAX_PAGES = 5


def congress_of(day: date) -> int:
    """The Congress sitting on `day` (the 119th from 2025-01-03 to 2027-01-03)."""
    congress = (day.year - 1787) // 2
    return congress if day >= congress_end_date(congress - 1) else congress - 1


def _congress_sessions(today: date) -> list[tuple[str, SessionRecord]]:
    stored = {
        int(identifier)
        for identifier in LegislativeSession.objects.filter(jurisdiction__code="us").values_list(
            "identifier", flat=True
        )
        if identifier.isdigit() and len(identifier) <= 3
    }
    records = []
    for congress in sorted(stored | {congress_of(today)}):
        records.append(
            (
                "us",
                SessionRecord(
                    identifier=str(congress),
                    name=f"{_ordinal(congress)} Congress",
                    classification="primary",
                    start_date=congress_end_date(congress - 1),
                    end_date=congress_end_date(congress),
                ),
            )
        )
    return records


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _openstates_sessions(client: OpenStatesClient, known: set[str], notes: list[str]) -> list:
    records = []
    page, max_page = 1, 1
    while page <= min(max_page, MAX_PAGES):
        payload = client.jurisdictions_page(page=page)
        for item in parse_jurisdiction_sessions(payload):
            if item.code not in known:
                notes.append(f"{item.code}: not a jurisdiction here (run manage.py seed)")
                continue
            records.extend((item.code, record) for record in item.sessions)
        pagination = payload.get("pagination") or {}
        max_page = int(pagination.get("max_page") or 1)
        page += 1
    return records


def _legiscan_states() -> list[str]:
    """The states with bills that have a LegiScan id (LegiScan calls Congress "US")."""
    return sorted(
        set(
            BillExternalId.objects.filter(source=Source.LEGISCAN)
            .values_list("bill__jurisdiction__code", flat=True)
            .distinct()
        )
    )


def _legiscan_sessions(client: LegiScanClient, notes: list[str]) -> list:
    records = []
    states = _legiscan_states()
    for state in states:
        records.extend((state, record) for record in legiscan.parse_session_list(client.session_list(state=state)))
    notes.append(f"{len(states)} states with LegiScan bills")
    return records


def _client(source: str, transport: Any) -> Any:
    if source == Source.OPENSTATES:
        return OpenStatesClient.from_settings(transport=transport)
    return LegiScanClient.from_settings(used_this_month=legiscan_requests_this_month, transport=transport)


def sessions_sync(source: str, *, today: date | None = None, transport: Any = None, close: bool = True) -> ImportRun:
    """Sync the session calendar of one source (see the module docstring); `transport` is for tests."""
    today = today or timezone.localdate()
    if source not in Source.values:
        raise ValueError(f"unknown source {source!r}")
    if source != Source.CONGRESS and not has_key(source):
        return record_skipped(source=source, scope=SCOPE, note=no_key_note(source))
    run = ImportRun.objects.create(source=source, scope=SCOPE)
    notes: list[str] = []
    client: Any = None
    try:
        if source == Source.CONGRESS:
            records = _congress_sessions(today)
        else:
            client = _client(source, transport)
            if source == Source.OPENSTATES:
                known = set(Jurisdiction.objects.values_list("code", flat=True))
                records = _openstates_sessions(client, known, notes)
            else:
                records = _legiscan_sessions(client, notes)
        counts = sessions_records_import(source=source, sessions=records, today=today)
        run.inserted, run.updated, run.unchanged = counts.created, counts.updated, counts.unchanged
        run.status = ImportRunStatus.SUCCEEDED
    except (SourceError, ParseError) as exc:
        run.status = ImportRunStatus.FAILED
        run.errors = [{"where": getattr(exc, "url", "") or getattr(exc, "where", "") or SCOPE, "message": exc.message}]
    finally:
        if client is not None:
            run.requests = client.requests
            client.close()
    run.finished_at = timezone.now()
    run.note = "; ".join([f"{run.inserted} sessions new, {run.updated} updated, {run.unchanged} unchanged", *notes])
    run.save()
    if close and run.status == ImportRunStatus.SUCCEEDED:
        sessions_close(today=today)
    return run
