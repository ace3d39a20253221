"""Congress.gov: the ``/bill`` list of everything updated since the last sync, then detail and actions only for the
tracked bills whose list entry moved.

The window runs from the cursor (the end of the last window listed) minus the overlap to now; the list is paged
250 at a time, oldest update first. Pages can repeat a bill, so entries are deduplicated by (congress, type,
number), keeping the latest. A list entry's ``updateDate`` is a date only, so a second update on the same day would
not move it: the entry's fingerprint (its update dates and latest action) is compared instead, which moves with
either. A moved tracked bill costs two requests (``/bill/{congress}/{type}/{number}`` and its ``/actions``; more
only for bills with over 250 actions); an unchanged sync costs only the list pages.

A bill whose detail could not be fetched or imported is marked to be fetched again next time, listed or not, so
the cursor can always advance and one broken bill never holds the others back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from django.utils import timezone

from legislation.choices import Source
from legislation.models import ImportRun, Jurisdiction
from legislation.sources import congress
from legislation.sources.congress_client import CongressClient, format_datetime
from legislation.sources.http import PermanentSourceError
from legislation.sources.records import ParseError, as_int, located

from .common import (
    SyncRun,
    cursor_set,
    fingerprint,
    remote_state_save,
    remote_states,
    run_sync,
    sync_scope,
    tracked_bills,
    window_start,
)

SOURCE = Source.CONGRESS.value
JURISDICTION = "us"
BillKey = tuple[int, str, str]
# Markers beside the fingerprints: fetch again next time / fetched while not listed (the next listing refetches).
RETRY = "retry"
UNLISTED = "unlisted"

_IDENTIFIER = re.compile(r"([A-Z]+) (\d+)")
_SOURCE_ID = re.compile(r"(\d+)-([a-z]+)-(\d+)")


def _source_id(key: BillKey) -> str:
    return "-".join(str(part) for part in key)


def tracked_keys(bill_ids: Collection[int] | None) -> dict[BillKey, int]:
    """(congress, type, number) of the tracked bills: from their Congress.gov ids, else from their session (the
    Congress number) and identifier ("HJRES 3")."""
    tracked = tracked_bills(source=SOURCE, jurisdiction=Jurisdiction.objects.get(code=JURISDICTION), bill_ids=bill_ids)
    keys: dict[BillKey, int] = {}
    for (session, identifier), pk in tracked.by_natural_key.items():
        match = _IDENTIFIER.fullmatch(identifier)
        if session.isdigit() and match:
            keys[(int(session), match[1].lower(), match[2])] = pk
    for external_id, pk in tracked.by_external_id.items():
        match = _SOURCE_ID.fullmatch(external_id)
        if match:
            keys[(int(match[1]), match[2], match[3])] = pk
    return keys


def list_entry_key(entry: Any, where: str) -> BillKey:
    if not isinstance(entry, dict):
        raise ParseError(where, "expected a bill object")
    for name in ("congress", "type", "number"):
        if name not in entry:
            raise ParseError(f"{where}.{name}", "missing")
    return (
        as_int(entry["congress"], f"{where}.congress"),
        str(entry["type"]).lower(),
        str(as_int(entry["number"], f"{where}.number")),
    )


def _entry_fingerprint(entry: dict[str, Any]) -> str:
    """What in a list entry shows the bill moved: its update dates and its latest action."""
    return fingerprint([entry.get("updateDate"), entry.get("updateDateIncludingText"), entry.get("latestAction")])


def _fetch(sync: SyncRun, key: BillKey, entry: dict[str, Any] | None) -> bool:
    """Fetch and import one bill; on failure its state says RETRY, so the next sync fetches it even unlisted."""
    label = f"/bill/{key[0]}/{key[1]}/{key[2]}"
    try:
        detail = sync.client.bill(*key)
        actions = sync.client.bill_actions(*key)
        with located(label, separator=" "):
            record = congress.parse_bill(detail, actions)
    except PermanentSourceError as exc:
        sync.fail(label, exc.message)
    except ParseError as exc:
        sync.fail(exc.where, f"malformed response: {exc.message}")
    else:
        if sync.import_one(label, record):
            marker = _entry_fingerprint(entry) if entry is not None else UNLISTED
            remote_state_save(source=SOURCE, external_id=_source_id(key), marker=marker)
            return True
    remote_state_save(source=SOURCE, external_id=_source_id(key), marker=RETRY)
    return False


def congress_sync(
    *,
    bill_ids: Collection[int] | None = None,
    since: datetime | None = None,
    client_factory: Callable[[], CongressClient] = CongressClient.from_settings,
    on_progress: Callable[[int], None] | None = None,
) -> ImportRun:
    """Keep the given bills of Congress (None: every stored one) current."""
    scope = sync_scope(JURISDICTION)

    def body(sync: SyncRun) -> None:
        keys = tracked_keys(bill_ids)
        now = timezone.now()
        start = window_start(SOURCE, scope, since, now=now)
        latest: dict[BillKey, dict[str, Any]] = {}
        where = f"/bill?fromDateTime={format_datetime(start)}"
        for number, page in enumerate(sync.client.bill_list(from_datetime=start, to_datetime=now)):
            for index, entry in enumerate(page["bills"]):
                try:
                    key = list_entry_key(entry, f"{where} page {number + 1}: bills[{index}]")
                except ParseError as exc:  # this entry only: the others go on
                    sync.fail(exc.where, f"malformed list entry: {exc.message}")
                    continue
                kept = latest.get(key)
                if kept is None or str(entry.get("updateDate") or "") >= str(kept.get("updateDate") or ""):
                    latest[key] = entry
            sync.progress(len(page["bills"]))
        wanted = {key: entry for key, entry in latest.items() if key in keys}
        states = remote_states(SOURCE, [_source_id(key) for key in keys])
        moved = []
        for key in sorted(keys):
            state = states.get(_source_id(key))
            if key in wanted and (state is None or state.marker != _entry_fingerprint(wanted[key])):
                moved.append(key)
            elif state is not None and state.marker == RETRY:
                moved.append(key)  # its last fetch failed
            elif key in wanted:
                sync.unchanged()
        failures = 0
        for key in moved:
            if not _fetch(sync, key, wanted.get(key)):
                failures += 1
        cursor_set(SOURCE, scope, now.isoformat())
        if failures:
            sync.note(f"{failures} bills failed; they are fetched again next time")
        sync.note(
            f"{len(latest)} bills updated since {format_datetime(start)}, {len(wanted)} tracked, {len(moved)} moved"
        )

    return run_sync(source=SOURCE, scope=scope, client_factory=client_factory, body=body, on_progress=on_progress)
