"""Sessions for the importers: the run's session cache, session ends, and sessions from Open States metadata.

- `SessionCache`: jurisdictions and sessions of one import run, matched or created from the records' SessionRecords
  (writing only what differs), with each session's `SessionState` by the rule of `LegislativeSession.is_over`, and
  the sessions the run made over (a source closed them, or a later session appeared).
- `sessions_end_apply`: the pending bills of sessions that are over move to `died` (or `carried_over`).
- `sessions_import`: sessions, their names and dates from an Open States `/jurisdictions?include=
  legislative_sessions` response. Bill records name their session but rarely its dates; the session-end rule needs
  them to tell which bills died, so loading this before bills makes stages right on the first import (`load_demo`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from legislation.choices import PENDING_STAGES
from legislation.models import Bill, ImportRun, Jurisdiction, LegislativeSession, SessionClassification, StageChange
from legislation.services import SeedCounts, upsert
from legislation.sources.openstates import jurisdiction_from_ocd_id
from legislation.sources.records import Node, ParseError, SessionRecord, StageResult
from legislation.stages import apply_session_end, congress_end_date

from .rows import chunked

__all__ = ["SessionCache", "SessionState", "parse_jurisdiction_sessions", "sessions_end_apply", "sessions_import"]

BATCH = 2000


@dataclass(frozen=True, slots=True)
class SessionState:
    """What the stage of a session's bills depends on, besides their own actions."""

    over: bool
    end_date: date | None
    carries_over: bool


class SessionCache:
    """The jurisdictions and sessions of one import run, and the session-end state of each session."""

    def __init__(self, *, today: date) -> None:
        self.today = today
        self.jurisdictions = {j.code: j for j in Jurisdiction.objects.all()}
        self.by_jurisdiction: dict[int, dict[str, LegislativeSession]] = {}
        self.states: dict[int, SessionState] = {}
        self.resolved: dict[tuple[int, SessionRecord], LegislativeSession] = {}
        self.newly_over: set[int] = set()

    def reset(self) -> None:
        """Forget sessions (a rollback may have undone some); jurisdictions are never written here."""
        self.by_jurisdiction.clear()
        self.states.clear()
        self.resolved.clear()

    def existing(self, jurisdiction: Jurisdiction, identifier: str) -> LegislativeSession | None:
        return self._load(jurisdiction).get(identifier)

    def session(self, jurisdiction: Jurisdiction, record: SessionRecord) -> LegislativeSession:
        """The session the record names, created or updated as needed (see `_values`)."""
        key = (jurisdiction.pk, record)
        if key not in self.resolved:
            self.resolved[key] = self._upsert(jurisdiction, record)
        return self.resolved[key]

    def state(self, session: LegislativeSession) -> SessionState:
        return self.states[session.pk]

    def _load(self, jurisdiction: Jurisdiction) -> dict[str, LegislativeSession]:
        if jurisdiction.pk not in self.by_jurisdiction:
            sessions = LegislativeSession.objects.filter(jurisdiction=jurisdiction)
            self.by_jurisdiction[jurisdiction.pk] = {session.identifier: session for session in sessions}
            self._refresh(jurisdiction, track=False)
        return self.by_jurisdiction[jurisdiction.pk]

    def _refresh(self, jurisdiction: Jurisdiction, *, track: bool = True) -> None:
        sessions = list(self.by_jurisdiction[jurisdiction.pk].values())
        for session in sessions:
            over = session.is_over(siblings=sessions, today=self.today)
            before = self.states.get(session.pk)
            if track and over and before is not None and not before.over:
                self.newly_over.add(session.pk)
            self.states[session.pk] = SessionState(over, session.end_date, jurisdiction.carries_over)

    def _upsert(self, jurisdiction: Jurisdiction, record: SessionRecord) -> LegislativeSession:
        sessions = self._load(jurisdiction)
        session = sessions.get(record.identifier)
        values = self._values(jurisdiction, record, session)
        if session is None:
            with transaction.atomic():
                session = LegislativeSession.objects.create(
                    jurisdiction=jurisdiction, identifier=record.identifier, **values
                )
            sessions[record.identifier] = session
        else:
            changed = [name for name, value in values.items() if getattr(session, name) != value]
            if not changed:
                return session
            for name in changed:
                setattr(session, name, values[name])
            with transaction.atomic():
                session.save(update_fields=changed)
        self._refresh(jurisdiction)
        return session

    @staticmethod
    def _values(
        jurisdiction: Jurisdiction, record: SessionRecord, session: LegislativeSession | None
    ) -> dict[str, Any]:
        """A record's name fills a blank one (or one that only repeats the identifier: Open States bills name their
        session by its identifier); dates, classification and `ended` are taken when the record states them.
        Congress sessions are dated by the 20th Amendment when no source gave their dates."""
        values: dict[str, Any] = {}
        if record.name and (session is None or session.name in ("", session.identifier)):
            values["name"] = record.name
        if record.classification in SessionClassification.values:
            values["classification"] = record.classification
        start, end = record.start_date, record.end_date
        if jurisdiction.code == "us" and record.identifier.isdigit():
            congress = int(record.identifier)
            start = start or (session and session.start_date) or congress_end_date(congress - 1)
            end = end or (session and session.end_date) or congress_end_date(congress)
        if start:
            values["start_date"] = start
        if end:
            values["end_date"] = end
        if record.ended is not None:
            values["ended"] = record.ended
        return values


def sessions_end_apply(*, session_ids: Iterable[int], import_run: ImportRun, today: date | None = None) -> list[int]:
    """Move the pending bills of the given sessions that are over to `died` (or `carried_over` where the legislature
    carries bills over), with a StageChange each; returns their ids. Sessions not over are left alone.

    The caller sends `bills_stage_changed_send` for the ids once its ImportRun is recorded (the importer with the
    rest of its run, `legislation.sync.sessions_close` after each of its runs), so progress follows."""
    sessions = LegislativeSession.objects.filter(pk__in=list(session_ids)).select_related("jurisdiction")
    over_ids = sessions.over_ids(today=today)
    moved: list[int] = []
    now = timezone.now()
    for session in sessions:
        if session.pk not in over_ids:
            continue
        pending = Bill.objects.filter(session=session, stage__in=PENDING_STAGES).order_by("pk")
        for batch in chunked(pending.values_list("pk", flat=True), BATCH):
            bills = list(
                Bill.objects.filter(pk__in=batch).only(
                    "pk", "stage", "stage_date", "furthest_stage", "furthest_stage_date"
                )
            )
            changes = []
            for bill in bills:
                result = apply_session_end(
                    StageResult(bill.stage, bill.stage_date, bill.furthest_stage, bill.furthest_stage_date),
                    session_ended=True,
                    carries_over=session.jurisdiction.carries_over,
                    end_date=session.end_date,
                )
                changes.append(
                    StageChange(
                        bill=bill,
                        from_stage=bill.stage,
                        to_stage=result.stage,
                        date=result.stage_date,
                        source=import_run.source,
                        seen_at=now,
                        import_run=import_run,
                    )
                )
                bill.stage, bill.stage_date, bill.updated_at = result.stage, result.stage_date, now
            with transaction.atomic():
                Bill.objects.bulk_update(bills, ["stage", "stage_date", "updated_at"])
                StageChange.objects.bulk_create(changes)
            moved.extend(bill.pk for bill in bills)
    return moved


@dataclass(frozen=True)
class JurisdictionSessions:
    code: str
    sessions: tuple[SessionRecord, ...]


def parse_jurisdiction_sessions(payload: object) -> list[JurisdictionSessions]:
    """The sessions of each jurisdiction in the response (a page with `results`, or one jurisdiction object)."""
    root = Node(payload)
    items = root.nodes("results") if root.has("results") else [root]
    parsed = []
    for item in items:
        code = jurisdiction_from_ocd_id(item.text("id", required=True), item.at("id"))
        sessions = tuple(
            SessionRecord(
                identifier=session.text("identifier", required=True),
                name=session.text("name"),
                classification=session.text("classification"),
                start_date=session.date("start_date"),
                end_date=session.date("end_date"),
            )
            for session in item.nodes("legislative_sessions")
        )
        parsed.append(JurisdictionSessions(code, sessions))
    return parsed


@transaction.atomic
def sessions_import(*, payload: object) -> SeedCounts:
    """Create or update the sessions the response lists (its names win; dates only where it gives them).

    All or nothing: a jurisdiction the tracker does not know (run `manage.py seed`) is a ParseError naming it.
    """
    parsed = parse_jurisdiction_sessions(payload)
    jurisdictions = Jurisdiction.objects.in_bulk([item.code for item in parsed], field_name="code")
    unknown = sorted({item.code for item in parsed} - jurisdictions.keys())
    if unknown:
        raise ParseError("results", f"unknown jurisdictions {', '.join(unknown)} (jurisdictions come from seed)")
    counts = SeedCounts()
    for item in parsed:
        for session in item.sessions:
            values = {"name": session.name or session.identifier}
            if session.classification in SessionClassification.values:
                values["classification"] = session.classification
            for name in ("start_date", "end_date"):
                if getattr(session, name):
                    values[name] = getattr(session, name)
            _, result = upsert(
                LegislativeSession,
                lookup={"jurisdiction": jurisdictions[item.code], "identifier": session.identifier},
                values=values,
            )
            counts += result
    return counts
