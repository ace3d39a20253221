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

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from legislation.choices import PENDING_STAGES, Source
from legislation.models import (
    Bill,
    ImportRun,
    Jurisdiction,
    LegislativeSession,
    SessionClassification,
    SessionExternalId,
    SessionMatchReview,
    StageChange,
)
from legislation.services import SeedCounts
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


# Whose identifier names a session that several sources report (`SessionCache._renames`).
IDENTIFIER_PREFERENCE = (Source.CONGRESS, Source.OPENSTATES, Source.LEGISCAN)

_YEARS_IN_IDENTIFIER = re.compile(r"^((?:19|20)\d{2})(?:-?((?:19|20)\d{2}))?(?:[A-Za-z]\w*)?$")
_YEARS_ENDING_NAME = re.compile(r"\(((?:19|20)\d{2})(?:\s*[-\u2013]\s*((?:19|20)\d{2}))?\)\s*$")


def session_years(jurisdiction: str, record: SessionRecord) -> tuple[int | None, int | None]:
    """The years a source's session spans, by the first rule that applies:

    1. the years the source states (LegiScan's ``year_start``/``year_end``; a master list's from its bills' URLs);
    2. a Congress's number: the nth Congress sits in 1787 + 2n and the year after (118: 2023-2024);
    3. the years of its start and end dates (Open States `/jurisdictions`);
    4. an identifier that is a year or two (Open States: ``2024``, ``20232024``, ``2023-2024``, ``2023RS``,
       ``2024R1``);
    5. a name that ends with its year or years in parentheses (Open States: ``88th Legislature, 2nd Called Session
       (2023)``, whose identifier ``882`` says nothing). Ordinals alone (``133``, ``191st``) leave the years unknown.
    """
    if record.year_start:
        return record.year_start, record.year_end or None
    if jurisdiction == "us" and record.identifier.isdigit() and len(record.identifier) <= 3:
        congress = int(record.identifier)
        return 1787 + 2 * congress, 1788 + 2 * congress
    if record.start_date:
        return record.start_date.year, record.end_date.year if record.end_date else None
    match = _YEARS_IN_IDENTIFIER.match(record.identifier) or _YEARS_ENDING_NAME.search(record.name or "")
    if match:
        first = int(match.group(1))
        return first, int(match.group(2)) if match.group(2) else first
    return None, None


def stored_years(session: LegislativeSession, jurisdiction: str) -> tuple[int | None, int | None]:
    """A stored session's years: as stored, else by `session_years` from its dates and identifier."""
    if session.year_start:
        return session.year_start, session.year_end
    return session_years(
        jurisdiction,
        SessionRecord(session.identifier, session.name, start_date=session.start_date, end_date=session.end_date),
    )


def carries_over(session: LegislativeSession, jurisdiction: Jurisdiction) -> bool:
    """Whether the pending bills of `session` carry over when it ends, rather than die: its legislature carries
    bills over within a biennium (`Jurisdiction.carries_over`, seeded from legislation/data/carryover.json) and the
    session is the first year of one: a one-year session (by `stored_years`) in an odd year, or the year
    `carries_over_from` names (New Jersey and Virginia carry from even to odd years). A session that spans the
    biennium (California's 20232024) ends it, and its pending bills die."""
    if not jurisdiction.carries_over:
        return False
    start, end = stored_years(session, jurisdiction.code)
    if start is None or end != start:
        return False
    return jurisdiction.carries_over_from in ("", "odd" if start % 2 else "even")


def _years_agree(session: LegislativeSession, jurisdiction: str, start: int, end: int | None) -> bool:
    """Same first year, and the same last year when both are known."""
    stored_start, stored_end = stored_years(session, jurisdiction)
    if stored_start != start:
        return False
    return end is None or stored_end is None or stored_end == end


def _kinds_agree(session: LegislativeSession, classification: str) -> bool:
    return not classification or session.classification == classification


class SessionCache:
    """The jurisdictions and sessions of one import run, and the session-end state of each session.

    A source's session is found (`session_match`) by the source's id for it (SessionExternalId), else (for
    sessions stored before sources' ids were kept) by an identifier equal to it on a session with no source's id,
    else by the matching rule: the one session of the same jurisdiction, the same years (`session_years`) and the
    same kind (regular or special; a source that does not say matches either) that has no id from this source yet.
    No candidate: a new session. Several: a new session too, and a SessionMatchReview for staff, never a guess.
    """

    def __init__(self, *, today: date) -> None:
        self.today = today
        self.jurisdictions = {j.code: j for j in Jurisdiction.objects.all()}
        self.by_jurisdiction: dict[int, dict[str, LegislativeSession]] = {}
        self.external: dict[int, dict[tuple[str, str], LegislativeSession]] = {}
        self.states: dict[int, SessionState] = {}
        self.resolved: dict[tuple[int, str, SessionRecord], LegislativeSession] = {}
        self.newly_over: set[int] = set()
        self.reviews = 0
        self.counts = SeedCounts()  # sessions created, updated, unchanged

    def reset(self) -> None:
        """Forget sessions (a rollback may have undone some); jurisdictions are never written here."""
        self.by_jurisdiction.clear()
        self.external.clear()
        self.states.clear()
        self.resolved.clear()

    def existing(self, jurisdiction: Jurisdiction, source: str, identifier: str) -> LegislativeSession | None:
        """The stored session that `source` calls `identifier`, when it is known by that id (or a legacy one)."""
        self._load(jurisdiction)
        return self._known(jurisdiction, source, identifier)

    def session(self, jurisdiction: Jurisdiction, record: SessionRecord, source: str) -> LegislativeSession:
        """The session the record names, matched, created or updated as needed (see `_values`)."""
        key = (jurisdiction.pk, source, record)
        if key not in self.resolved:
            self.resolved[key] = self._upsert(jurisdiction, record, source)
        return self.resolved[key]

    def state(self, session: LegislativeSession) -> SessionState:
        return self.states[session.pk]

    def _load(self, jurisdiction: Jurisdiction) -> dict[str, LegislativeSession]:
        if jurisdiction.pk not in self.by_jurisdiction:
            sessions = {
                session.pk: session for session in LegislativeSession.objects.filter(jurisdiction=jurisdiction)
            }
            self.by_jurisdiction[jurisdiction.pk] = {session.identifier: session for session in sessions.values()}
            self.external[jurisdiction.pk] = {
                (source, external_id): sessions[session_id]
                for source, external_id, session_id in SessionExternalId.objects.filter(
                    jurisdiction=jurisdiction
                ).values_list("source", "external_id", "session_id")
                if session_id in sessions
            }
            self._refresh(jurisdiction, track=False)
        return self.by_jurisdiction[jurisdiction.pk]

    def _known(self, jurisdiction: Jurisdiction, source: str, identifier: str) -> LegislativeSession | None:
        external = self.external[jurisdiction.pk]
        found = external.get((source, identifier))
        if found is None:
            legacy = self.by_jurisdiction[jurisdiction.pk].get(identifier)
            if legacy is not None and not any(session.pk == legacy.pk for session in external.values()):
                found = legacy
        return found

    def _refresh(self, jurisdiction: Jurisdiction, *, track: bool = True) -> None:
        sessions = list(self.by_jurisdiction[jurisdiction.pk].values())
        for session in sessions:
            over = session.is_over(siblings=sessions, today=self.today)
            before = self.states.get(session.pk)
            if track and over and before is not None and not before.over:
                self.newly_over.add(session.pk)
            self.states[session.pk] = SessionState(over, session.end_date, carries_over(session, jurisdiction))

    def _upsert(self, jurisdiction: Jurisdiction, record: SessionRecord, source: str) -> LegislativeSession:
        sessions = self._load(jurisdiction)
        session = self._known(jurisdiction, source, record.identifier)
        candidates: list[LegislativeSession] = []
        if session is None:
            owners: dict[int, set[str]] = defaultdict(set)
            for (known_source, _), known in self.external[jurisdiction.pk].items():
                owners[known.pk].add(known_source)
            candidates = session_candidates(
                jurisdiction=jurisdiction, record=record, source=source, sessions=sessions.values(), sources=owners
            )
            if len(candidates) == 1:
                session = candidates[0]
        values = self._values(jurisdiction, record, session, source=source)
        with transaction.atomic():
            if session is None:
                identifier = record.identifier
                if identifier in sessions:  # another source's session holds this identifier
                    identifier = f"{identifier}-{source}"
                session = LegislativeSession.objects.create(jurisdiction=jurisdiction, identifier=identifier, **values)
                sessions[identifier] = session
                if len(candidates) > 1:
                    review = SessionMatchReview.objects.create(
                        jurisdiction=jurisdiction,
                        source=source,
                        external_id=record.identifier,
                        session=session,
                        reason=f"{len(candidates)} stored sessions have its years and kind",
                    )
                    review.candidates.set(candidates)
                    self.reviews += 1
                changed = True
                self.counts += SeedCounts(created=1)
            else:
                if self._renames(jurisdiction, session, source, record.identifier):
                    del sessions[session.identifier]
                    values["identifier"] = record.identifier
                    sessions[record.identifier] = session
                changed = [name for name, value in values.items() if getattr(session, name) != value]
                for name in changed:
                    setattr(session, name, values[name])
                if changed:
                    session.save(update_fields=changed)
                self.counts += SeedCounts(updated=1) if changed else SeedCounts(unchanged=1)
            if (source, record.identifier) not in self.external[jurisdiction.pk]:
                SessionExternalId.objects.get_or_create(
                    jurisdiction=jurisdiction,
                    source=source,
                    external_id=record.identifier,
                    defaults={"session": session},
                )
                self.external[jurisdiction.pk][(source, record.identifier)] = session
        if changed:
            self._refresh(jurisdiction)
        return session

    def _renames(self, jurisdiction: Jurisdiction, session: LegislativeSession, source: str, identifier: str) -> bool:
        """Whether `source`'s identifier replaces the session's: a session is named by the most readable of its
        sources' identifiers (`IDENTIFIER_PREFERENCE`: a Congress number or an Open States identifier rather than a
        LegiScan session id), so its name and its bills' paths do not depend on which source came first."""
        if identifier == session.identifier or identifier in self.by_jurisdiction[jurisdiction.pk]:
            return False
        named_by = [
            known
            for (known, external_id), found in self.external[jurisdiction.pk].items()
            if found.pk == session.pk and external_id == session.identifier
        ]
        return bool(named_by) and all(
            IDENTIFIER_PREFERENCE.index(source) < IDENTIFIER_PREFERENCE.index(known) for known in named_by
        )

    def _values(
        self, jurisdiction: Jurisdiction, record: SessionRecord, session: LegislativeSession | None, *, source: str
    ) -> dict[str, Any]:
        """A record's name fills a blank one (or one that only repeats the identifier: Open States bills name their
        session by its identifier); dates, classification, years and `ended` are taken when the record states
        them, and no source's dates replace Open States' (its calendars are the legislatures' own). Congress
        sessions are dated by the 20th Amendment when no source gave their dates. A session a source says ended
        in a year already past (LegiScan's `year_end`) is closed."""
        values: dict[str, Any] = {}
        names_session = record.name and record.name != record.identifier
        if record.name and (
            session is None
            or session.name in ("", session.identifier)
            or (source == Source.OPENSTATES and names_session)
        ):
            values["name"] = record.name
        if record.classification in SessionClassification.values:
            values["classification"] = record.classification
        start, end = record.start_date, record.end_date
        if jurisdiction.code == "us" and record.identifier.isdigit() and source != Source.LEGISCAN:
            congress = int(record.identifier)
            start = start or (session and session.start_date) or congress_end_date(congress - 1)
            end = end or (session and session.end_date) or congress_end_date(congress)
        if start and (session is None or not session.start_date or source == Source.OPENSTATES):
            values["start_date"] = start
        if end and (session is None or not session.end_date or source == Source.OPENSTATES):
            values["end_date"] = end
        year_start, year_end = session_years(jurisdiction.code, record)
        if year_start and (session is None or session.year_start is None):
            values["year_start"] = year_start
        if year_end and (session is None or session.year_end is None):
            values["year_end"] = year_end
        ended = record.ended
        if not ended and _past(record, self.today):
            ended = True
        if ended is not None and not (session is not None and session.ended and not ended):
            values["ended"] = ended
        return values


# No legislature's session runs into a fourth calendar year (New Jersey's two-year session ends in the January of
# the third, a Congress on January 3 of the third).
LONGEST_SESSION_YEARS = 3


def _past(record: SessionRecord, today: date) -> bool:
    """A source's session that is over by its years alone: its last year has passed, or (a master list, which
    names only the first year) its first year is more than `LONGEST_SESSION_YEARS` back."""
    if record.year_end:
        return record.year_end < today.year
    return bool(record.year_start) and record.year_start + LONGEST_SESSION_YEARS <= today.year


def session_candidates(
    *,
    jurisdiction: Jurisdiction,
    record: SessionRecord,
    source: str,
    sessions: Iterable[LegislativeSession],
    sources: dict[int, set[str]],
) -> list[LegislativeSession]:
    """The stored sessions the matching rule allows for a source's session (see `SessionCache`); `sources` are the
    sources that already have an id for each stored session."""
    start, end = session_years(jurisdiction.code, record)
    if start is None:
        return []
    return [
        session
        for session in sessions
        if source not in sources.get(session.pk, set())
        and _years_agree(session, jurisdiction.code, start, end)
        and _kinds_agree(session, record.classification)
    ]


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
                    carries_over=carries_over(session, session.jurisdiction),
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
def sessions_import(*, payload: object, today: date | None = None) -> SeedCounts:
    """Create or update the sessions the response lists, matched like any source's sessions (`SessionCache`): its
    names win, and its dates (the legislatures' calendars) win over any other source's.

    All or nothing: a jurisdiction the tracker does not know (run `manage.py seed`) is a ParseError naming it.
    """
    parsed = parse_jurisdiction_sessions(payload)
    return sessions_records_import(
        source=Source.OPENSTATES,
        sessions=[(item.code, record) for item in parsed for record in item.sessions],
        today=today,
    )


def sessions_records_import(
    *, source: str, sessions: Iterable[tuple[str, SessionRecord]], today: date | None = None
) -> SeedCounts:
    """Sessions from any source's calendar (`sync_sessions`), as (jurisdiction code, record) pairs."""
    pairs = list(sessions)
    cache = SessionCache(today=today or timezone.localdate())
    unknown = sorted({code for code, _ in pairs} - cache.jurisdictions.keys())
    if unknown:
        raise ParseError("results", f"unknown jurisdictions {', '.join(unknown)} (jurisdictions come from seed)")
    for code, record in pairs:
        cache.session(cache.jurisdictions[code], record, source)
    return cache.counts
