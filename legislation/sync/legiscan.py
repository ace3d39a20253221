"""LegiScan: ``getMasterListRaw`` of the sessions the tracked bills are in, then ``getBill`` only for the bills
whose ``change_hash`` differs from the one stored after their last import (LegiScan's own update workflow).

A sync of an unchanged jurisdiction costs one query per session listed (usually one; two while the previous
session's bills are still polled after sine die); each changed bill costs one ``getBill``. The hash is stored only
once the bill is imported, so a bill whose fetch or import failed is fetched again next time.

Which session to list: the one LegiScan last listed the bill in (remembered with its hash), else the bill's own
session's LegiScan ``session_id`` when LegiScan reported it (SessionExternalId), else the state's current session.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from legislation.choices import Source
from legislation.models import ImportRun, Jurisdiction, LegislativeSession, SessionExternalId
from legislation.sources import legiscan
from legislation.sources.http import MalformedResponse, PermanentSourceError
from legislation.sources.legiscan_client import LegiScanClient
from legislation.sources.records import ParseError, located

from .common import (
    SyncRun,
    legiscan_requests_this_month,
    remote_state_save,
    remote_states,
    run_sync,
    sync_scope,
    tracked_bills,
)

SOURCE = Source.LEGISCAN.value


def legiscan_client() -> LegiScanClient:
    return LegiScanClient.from_settings(used_this_month=legiscan_requests_this_month)


def master_list_hashes(
    payload: dict[str, Any], bad: list[tuple[str, str]] | None = None
) -> tuple[str, dict[str, str]]:
    """(session id, {bill_id: change_hash}) from a ``getMasterList(Raw)`` answer. An entry without a bill_id and a
    change_hash is malformed: with ``bad``, it is left out and (its key, its bill_id or "") appended there (it fails
    alone); without, it makes the whole answer malformed."""
    masterlist = payload["masterlist"]
    session = masterlist.get("session")
    session_id = str(session.get("session_id", "")) if isinstance(session, dict) else ""
    hashes: dict[str, str] = {}
    for key, entry in masterlist.items():
        if key == "session":
            continue
        if not isinstance(entry, dict) or "bill_id" not in entry or not isinstance(entry.get("change_hash"), str):
            if bad is None:
                message = f"getMasterListRaw: entry {key!r} has no bill_id and change_hash"
                raise MalformedResponse(message, source=SOURCE)
            bad.append((str(key), str(entry.get("bill_id") or "") if isinstance(entry, dict) else ""))
            continue
        hashes[str(entry["bill_id"])] = entry["change_hash"]
    return session_id, hashes


def legiscan_session_ids(place: Jurisdiction) -> dict[str, str]:
    """{session identifier: LegiScan session_id} for the sessions of ``place`` that LegiScan reported (sessions
    matched across sources keep every source's id; a session stored before that, named by a LegiScan id, counts)."""
    found = dict(
        SessionExternalId.objects.filter(jurisdiction=place, source=SOURCE).values_list(
            "session__identifier", "external_id"
        )
    )
    named = set(SessionExternalId.objects.filter(jurisdiction=place).values_list("session__identifier", flat=True))
    for identifier in LegislativeSession.objects.filter(jurisdiction=place).values_list("identifier", flat=True):
        if identifier.isdigit() and identifier not in named:
            found[identifier] = identifier
    return found


def legiscan_sync(
    *,
    jurisdiction: str,
    bill_ids: Collection[int] | None = None,
    client_factory: Callable[[], LegiScanClient] = legiscan_client,
    on_progress: Callable[[int], None] | None = None,
) -> ImportRun:
    """Keep the given bills of ``jurisdiction`` (None: every stored bill there) current from LegiScan."""
    place = Jurisdiction.objects.get(code=jurisdiction.lower())
    scope = sync_scope(place.code)

    def body(sync: SyncRun) -> None:
        tracked = tracked_bills(source=SOURCE, jurisdiction=place, bill_ids=bill_ids)
        ids = tracked.by_external_id
        if len(ids) < len(tracked):
            sync.note(f"{len(tracked) - len(ids)} of {len(tracked)} bills have no LegiScan id: not synced here")
        if not ids:
            return
        states = remote_states(SOURCE, ids)
        lists: dict[str, set[str]] = {}  # session id ("" = the state's current session) -> bill ids to find there
        session_ids = legiscan_session_ids(place)
        for external_id, bill_pk in ids.items():
            state = states.get(external_id)
            container = (state.container if state else "") or session_ids.get(tracked.sessions[bill_pk], "")
            lists.setdefault(container, set()).add(external_id)
        listed: dict[str, tuple[str, str]] = {}  # bill id -> (change_hash, session id)
        for session_id in sorted(lists, key=lambda value: (value == "", value)):
            payload = sync.client.master_list_raw(session_id=session_id or None, state=place.code)
            bad: list[tuple[str, str]] = []
            listed_session, hashes = master_list_hashes(payload, bad)
            for key, bill_id in bad:  # a tracked bill's bad entry fails alone; another's is only noted
                report = sync.fail if bill_id in ids else sync.error
                report(f"getMasterListRaw {session_id or place.code}", f"entry {key!r} has no bill_id and change_hash")
            for bill_id, change_hash in hashes.items():
                if bill_id in ids and bill_id not in listed:
                    listed[bill_id] = (change_hash, listed_session or session_id)
        missing = set(ids) - set(listed)
        if missing:
            sync.note(f"{len(missing)} tracked bills not in LegiScan's lists: {', '.join(sorted(missing)[:10])}")
        changed = [
            bill_id
            for bill_id, (change_hash, _) in sorted(listed.items())
            if bill_id not in states or states[bill_id].marker != change_hash
        ]
        sync.unchanged(len(listed) - len(changed))
        sync.progress(len(listed) - len(changed))
        for bill_id in changed:
            change_hash, session_id = listed[bill_id]
            try:
                payload = sync.client.bill(bill_id)
                with located(f"getBill {bill_id}", separator=" "):
                    record = legiscan.parse_get_bill(payload)
            except PermanentSourceError as exc:  # this bill's answer only: the others go on
                sync.fail(f"getBill {bill_id}", exc.message)
                continue
            except ParseError as exc:
                sync.fail(exc.where, f"malformed response: {exc.message}")
                continue
            if sync.import_one(f"getBill {bill_id}", record):
                remote_state_save(
                    source=SOURCE,
                    external_id=bill_id,
                    marker=record.extras.get("change_hash") or change_hash,
                    container=session_id,
                )
            sync.progress(1)
        sync.note(f"{len(listed)} tracked bills listed, {len(changed)} changed")

    return run_sync(source=SOURCE, scope=scope, client_factory=client_factory, body=body, on_progress=on_progress)
