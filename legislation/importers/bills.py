"""The bill importer: upserts bills from any source, telling insert / update / noop for each.

Input. `(where, item)` pairs, `where` naming the file for error messages, `item` either a parsed `BillRecord` or a
`RawBill`: a payload not parsed yet, with the identity the files layer peeked from it, a digest of everything the
parser will read, and a function that parses it. Parsing costs more than anything else on a re-import, so a raw
bill whose digest matches is recognised as unchanged without being parsed; a raw bill the parser rejects fails
alone, like any bad record.

Matching. A bill is looked up by its id at the source (BillExternalId), then by its natural key (jurisdiction +
session + normalised identifier). A bill found by natural key takes the record's source id (added, or replaced when
the bill had another id at that source), so the next import finds it directly.

Nothing changed, nothing written. Each item gets a content hash of what the source said: sha256 of `HASH_VERSION`
and either the raw payload's digest or everything the record carries (all its fields but the source's
`updated_at`). When it equals `Bill.content_hash` of the bill found by source id, and the stored stage already
reflects whether its session is over (`_session_consistent`), the bill is `unchanged` and nothing is written to it.
Otherwise only the fields that differ are updated. Actions are diffed by their order (unique per bill): a new order
is inserted, an order whose content differs is updated in place, an order the record no longer has is deleted, the
others keep their rows and ids. Sponsors and sources are rebuilt (delete + insert) only when they differ. A bill
whose data is the same but whose hash moved (a new `updated_at`, a record read from another kind of file)
counts as `unchanged`; only its hash is written.

Light records. A record without actions (`extras["actions_included"]` False: an Open States bill fetched without
`include=actions`, a LegiScan master-list entry, a Congress.gov bill without its /actions) never wipes what is
stored: actions, sponsors and sources are kept, and its empty fields do not overwrite stored ones. Its stage is
used when its source states a status of its own (LegiScan's status codes, `STATUS_SOURCES`), or when it shows a
further milestone than the stored one; otherwise the stored stage stands.

Stage. The record's stage (from its actions, by legislation.stages) goes through `stages.apply_session_end` with the
session-end rule of `LegislativeSession.is_over` and `Jurisdiction.carries_over`. Every stage move writes a
StageChange (from, to, date, source, run); a new bill writes one from "" to its first stage, so the change feed
shows new bills too. When an import makes a session over (a source closes it, or a later session appears), the
pending bills of that session the run did not touch are moved as well (`sessions_end_apply`), so stages do not
depend on the order files are imported in.

Transactions and speed. Items are processed in chunks (`CHUNK_SIZE`): one query finds the chunk's bills by source
id, one by natural key, and unchanged bills cost nothing more. A chunk's writes (COPY on PostgreSQL, see rows.py)
run in one transaction; if any fails, the chunk is rolled back and written again bill by bill, each in its own
savepoint, so a bad record fails alone and nothing is half-written. The run's counts, errors and heartbeat are
updated in the chunk's transaction, so a run whose process dies says exactly what it committed (see
legislation.importers.runs, which marks it `interrupted`). Jurisdictions and sessions are cached for the run.

Bad records. One rule for every source, file or live sync: a record that cannot be read (an impossible date, a NUL
byte, a missing key) or written fails alone; its error is kept on the run (`where` and `message`, each cut to
`MAX_ERROR_CHARS`), the other records are written, and the run ends `partial` (`failed` when nothing was
written). Readers hand such a record over as a `ParseError` item in place of the record.

Duplicates. Items with the same source id (or records with the same natural key) in one chunk collapse to the most
recently updated one (the later one on a tie); an item older than one already imported in this run is skipped
(the run remembers the last `SEEN_LIMIT` source ids: repeats in paged and bulk data are close to each other, and
memory must not grow with the size of the import).

Every run is recorded in an ImportRun (counts, errors as {where, message}, note); when stages moved,
`legislation.signals.bills_stage_changed` is sent with their ids once the run is finished (in batches of
`legislation.signals.SIGNAL_BATCH` ids).
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import time
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Any

import orjson
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from legislation.choices import MILESTONES, Source, Stage
from legislation.models import (
    Bill,
    BillAction,
    BillExternalId,
    BillSource,
    BillSponsorship,
    ImportRun,
    ImportRunStatus,
    Jurisdiction,
    LegislativeSession,
    StageChange,
)
from legislation.signals import bills_stage_changed_send
from legislation.sources.records import BillRecord, ParseError, StageResult, join_path
from legislation.stages import apply_session_end

from .identity import fields_reconciled, rows_reconciled
from .rows import chunked, delete_rows, insert_rows
from .runs import connection_lost, heartbeat, import_runs_interrupt, truncate, worker_identity
from .sessions import SessionCache, SessionState, sessions_end_apply

__all__ = ["CHUNK_SIZE", "HASH_VERSION", "BillImporter", "RawBill"]

# Bump when this module's mapping from records to rows changes, so the next import rewrites every bill. (Parsers'
# changes need no bump: records are hashed as parsed, and raw payloads with a fingerprint of the parser's code.)
HASH_VERSION = 1
CHUNK_SIZE = 1000
# An ImportRun keeps this many error messages; the count of failures is always exact.
MAX_ERRORS = 1000
# Errors quote values from the sources: each `where` and `message` is cut to this many characters.
MAX_ERROR_CHARS = 300
SEEN_LIMIT = 50_000
# Cross-source stage conflicts named in the run's note (all are counted).
CONFLICT_EXAMPLES = 20

# Sources whose light records state a status of their own (LegiScan's status codes).
STATUS_SOURCES = frozenset({Source.LEGISCAN})

_RANK = {stage: rank for rank, stage in enumerate(MILESTONES)}
_TEXT_FIELDS = ("source_identifier", "title", "summary", "classification", "subjects", "url")
_ACTION_DATE_FIELDS = ("first_action_date", "latest_action_date", "latest_action_description")
BILL_FIELDS = (
    "jurisdiction_id",
    "session_id",
    "identifier",
    *_TEXT_FIELDS,
    "stage",
    "stage_date",
    "furthest_stage",
    "furthest_stage_date",
    *_ACTION_DATE_FIELDS,
    "content_hash",
)
# Fields whose change is an update; a new content_hash alone is not.
_CONTENT_FIELDS = frozenset(BILL_FIELDS) - {"content_hash"}
# Errors a parser may raise on a bad payload (ParseError is a ValueError); anything else is a bug and propagates.
_PARSE_ERRORS = (ValueError, TypeError, KeyError)


@dataclass(frozen=True, slots=True)
class RawBill:
    """A bill payload not parsed yet: who it is (peeked by the files layer), a digest of everything `parse` reads,
    and `parse` itself. Empty identity fields mean the payload could not be peeked: it is parsed at once."""

    source: str
    source_id: str
    jurisdiction: str
    session: str
    digest: str
    parse: Callable[[], BillRecord]
    updated_at: datetime | None = None


# A ParseError in place of a record: a record its reader could not read, which fails alone.
Item = BillRecord | RawBill | ParseError


@dataclass
class ImportCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    duplicates: int = 0


@dataclass(slots=True)
class _Plan:
    """One item on its way to the database: what was found, and (after `_diff`) what to write."""

    where: str
    source: str
    source_id: str
    jurisdiction: Jurisdiction
    session: LegislativeSession
    state: SessionState
    content_hash: str
    raw: RawBill | None = None
    record: BillRecord | None = None  # None until a raw bill is parsed
    bill_id: int | None = None  # the existing bill
    stored_hash: str | None = None  # its content_hash
    stored_stage: tuple[str, date | None] = ("", None)  # its stage and stage date
    linked: bool = False  # found by this source's own id
    values: dict[str, Any] = field(default_factory=dict)  # all fields on insert, the changed ones on update
    actions: tuple | None = None  # None: keep the stored ones
    # For an existing bill whose actions differ: only what moved (rows to insert, (pk, row) to update, pks to delete)
    action_changes: tuple[list[tuple], list[tuple[int, tuple]], list[int]] | None = None
    sponsors: tuple | None = None
    sources: tuple | None = None
    new_external_ids: list[tuple[str, str]] = field(default_factory=list)
    changed_external_ids: list[tuple[int, str]] = field(default_factory=list)  # (BillExternalId pk, new id)
    stage_change: tuple[str, str, date | None] | None = None  # (from, to, date)
    content_changed: bool = True
    conflict: str = ""  # another source's stage was kept over this record's (legislation.importers.identity)

    @property
    def light(self) -> bool:
        return not self.record.extras.get("actions_included", True)

    @property
    def natural_key(self) -> tuple[int, int, str]:
        return (self.jurisdiction.pk, self.session.pk, self.record.identifier)


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _identity(item: Item) -> str:
    """How error messages name a bill: `CA 20232024 AB 701 (ocd-bill/...)`."""
    if isinstance(item, RawBill):
        return f"{item.jurisdiction.upper()} {item.session} ({item.source_id or 'no id'})"
    return f"{item.jurisdiction.upper()} {item.session.identifier} {item.identifier} ({item.source_id})"


def _is_newer(first: Item, second: Item) -> bool:
    return bool(first.updated_at and second.updated_at and first.updated_at > second.updated_at)


def _iso_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _digest(*parts: object) -> str:
    return hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)).hexdigest()


def content_hash(item: Item) -> str:
    """The hash stored in Bill.content_hash (see "Nothing changed, nothing written" above)."""
    if isinstance(item, RawBill):
        return _digest(HASH_VERSION, "raw", item.digest)
    return _digest(HASH_VERSION, "record", dataclasses.replace(item, updated_at=None))


def _session_consistent(stage: str, stage_date: date | None, state: SessionState) -> bool:
    """Whether a stored stage already reflects its session's end, or that the session has not ended: `died` and
    `carried_over` come only from a session end (legislation.stages), and a pending bill of a session that is over
    must have died or been carried over with the session's end date. A bill whose stage is not consistent is
    recomputed even when its content is the same (a session's end date passed since the last import)."""
    if not state.over:
        return stage not in (Stage.DIED, Stage.CARRIED_OVER)
    result = apply_session_end(
        StageResult(stage, stage_date, stage, stage_date),
        session_ended=True,
        carries_over=state.carries_over,
        end_date=state.end_date,
    )
    return (result.stage, result.stage_date) == (stage, stage_date)


def _action_rows(record: BillRecord) -> tuple:
    """Actions as stored: `order` is the position in the source's order (sources repeat order numbers)."""
    return tuple(
        (index, action.date, action.description, action.chamber, action.actor, list(action.classification))
        for index, action in enumerate(record.actions)
    )


def _sponsor_rows(record: BillRecord) -> tuple:
    return tuple((s.name, s.primary, s.classification, s.entity_type) for s in record.sponsors)


def _source_rows(record: BillRecord) -> tuple:
    return tuple((s.url, s.note) for s in record.sources)


def _action_dates(record: BillRecord) -> dict[str, Any]:
    """First and latest action dates and the latest action's text: from the actions, or for a light record from
    what the source computed (None where it says nothing). Parsers name these extras differently."""
    if record.extras.get("actions_included", True):
        dated = [action for action in record.actions if action.date]
        latest = max(dated, key=lambda action: action.date) if dated else None
        if latest is None and record.actions:
            latest = record.actions[-1]
        return {
            "first_action_date": min((action.date for action in dated), default=None),
            "latest_action_date": latest.date if latest else None,
            "latest_action_description": latest.description if latest else "",
        }
    extras = record.extras
    first = extras.get("first_action_date") or extras.get("introduced_date")
    latest = extras.get("latest_action_date") or extras.get("last_action_date")
    text = extras.get("latest_action_description") or extras.get("last_action") or extras.get("latest_action_text")
    return {
        "first_action_date": _iso_date(first),
        "latest_action_date": _iso_date(latest),
        "latest_action_description": text or None,
    }


def _target_values(plan: _Plan, stored: dict[str, Any] | None) -> dict[str, Any]:
    """Every imported field of the bill as this record says it should be (see "Light records" above)."""
    record = plan.record
    base = record.status
    keep_stage = (
        plan.light
        and stored is not None
        and record.source not in STATUS_SOURCES
        and _RANK.get(record.status.furthest_stage, -1) <= _RANK.get(stored["furthest_stage"], -1)
    )
    if keep_stage:
        base = StageResult(
            stored["stage"], stored["stage_date"], stored["furthest_stage"], stored["furthest_stage_date"]
        )
    result = apply_session_end(
        base, session_ended=plan.state.over, carries_over=plan.state.carries_over, end_date=plan.state.end_date
    )
    values: dict[str, Any] = {
        "jurisdiction_id": plan.jurisdiction.pk,
        "session_id": plan.session.pk,
        "identifier": record.identifier,
        "source_identifier": record.source_identifier,
        "title": record.title,
        "summary": record.summary,
        "classification": list(record.classification),
        "subjects": list(record.subjects),
        "url": record.url,
        "stage": result.stage,
        "stage_date": result.stage_date,
        "furthest_stage": result.furthest_stage,
        "furthest_stage_date": result.furthest_date,
        **_action_dates(record),
        "content_hash": plan.content_hash,
    }
    if plan.light and stored is not None:
        for name in (*_TEXT_FIELDS, *_ACTION_DATE_FIELDS):
            if values[name] in ("", None, []):
                values[name] = stored[name]
    if values["latest_action_description"] is None:
        values["latest_action_description"] = ""
    return values


def _grouped(rows: Iterable[tuple]) -> dict[int, list[tuple]]:
    grouped: dict[int, list[tuple]] = defaultdict(list)
    for bill_id, *row in rows:
        grouped[bill_id].append(tuple(row))
    return grouped


class _Stored:
    """What the database holds for the bills of a chunk that may need an update, one query per table."""

    def __init__(self, bill_ids: list[int]) -> None:
        self.bills = {row["id"]: row for row in Bill.objects.filter(pk__in=bill_ids).values("id", *BILL_FIELDS)}
        self.actions: dict[int, list[tuple]] = defaultdict(list)
        self.action_ids: dict[int, dict[int, int]] = defaultdict(dict)  # bill id -> {order: action pk}
        for pk, bill_id, *row in (
            BillAction.objects.filter(bill_id__in=bill_ids)
            .order_by("bill_id", "order")
            .values_list("pk", "bill_id", "order", "date", "description", "chamber", "actor", "classification")
        ):
            self.actions[bill_id].append(tuple(row))
            self.action_ids[bill_id][row[0]] = pk
        self.sponsors = _grouped(
            BillSponsorship.objects.filter(bill_id__in=bill_ids)
            .order_by("bill_id", "id")
            .values_list("bill_id", "name", "primary", "classification", "entity_type")
        )
        self.sources = _grouped(
            BillSource.objects.filter(bill_id__in=bill_ids)
            .order_by("bill_id", "id")
            .values_list("bill_id", "url", "note")
        )
        self.external_ids: dict[int, dict[str, tuple[int, str]]] = defaultdict(dict)
        for pk, bill_id, source, external_id in BillExternalId.objects.filter(bill_id__in=bill_ids).values_list(
            "pk", "bill_id", "source", "external_id"
        ):
            self.external_ids[bill_id][source] = (pk, external_id)


def _external_ids(record: BillRecord) -> dict[str, str]:
    return {**dict(record.external_ids), record.source: record.source_id}


def _action_changes(
    actions: tuple, stored_actions: list[tuple], ids: dict[int, int]
) -> tuple[list[tuple], list[tuple[int, tuple]], list[int]]:
    """The actions to write for an existing bill, keyed by their order (unique per bill): new orders inserted,
    orders whose content differs updated in place (same pk), orders the record no longer has deleted. An action
    added at the end writes one row; the others keep their rows and ids."""
    before = {row[0]: row for row in stored_actions}
    after = {row[0]: row for row in actions}
    new = [row for order, row in after.items() if order not in before]
    changed = [(ids[order], row) for order, row in after.items() if order in before and before[order] != row]
    removed = [ids[order] for order in before if order not in after]
    return new, changed, removed


def _diff(plan: _Plan, stored: _Stored | None) -> None:
    """Fill in what to write for `plan`: everything for a new bill, only the differences for an existing one."""
    record = plan.record
    if plan.bill_id is None:
        plan.values = _target_values(plan, None)
        plan.actions, plan.sponsors, plan.sources = _action_rows(record), _sponsor_rows(record), _source_rows(record)
        plan.new_external_ids = list(_external_ids(record).items())
        plan.stage_change = ("", plan.values["stage"], plan.values["stage_date"])
        return
    assert stored is not None
    current = stored.bills[plan.bill_id]
    target = _target_values(plan, current)
    # A bill another source also reports: each field from the source that wins it (legislation.importers.identity).
    others = set(stored.external_ids.get(plan.bill_id, {})) - {record.source}
    if others:
        target, plan.conflict = fields_reconciled(
            jurisdiction=plan.jurisdiction.code,
            source=record.source,
            other_sources=others,
            current=current,
            target=target,
        )
    plan.values = {name: value for name, value in target.items() if current[name] != value}
    if not plan.light:
        actions, sponsors, sources = _action_rows(record), _sponsor_rows(record), _source_rows(record)
        if others:
            actions, sponsors, sources = rows_reconciled(
                actions=actions,
                sponsors=sponsors,
                sources=sources,
                stored_actions=stored.actions.get(plan.bill_id, []),
                stored_sponsors=stored.sponsors.get(plan.bill_id, []),
                stored_sources=stored.sources.get(plan.bill_id, []),
            )
        stored_actions = stored.actions.get(plan.bill_id, [])
        if list(actions) != stored_actions:
            plan.actions = actions
            plan.action_changes = _action_changes(actions, stored_actions, stored.action_ids.get(plan.bill_id, {}))
        plan.sponsors = sponsors if list(sponsors) != stored.sponsors.get(plan.bill_id, []) else None
        plan.sources = sources if list(sources) != stored.sources.get(plan.bill_id, []) else None
    known = stored.external_ids.get(plan.bill_id, {})
    for source, external_id in _external_ids(record).items():
        if source not in known:
            plan.new_external_ids.append((source, external_id))
        elif known[source][1] != external_id:
            plan.changed_external_ids.append((known[source][0], external_id))
    if "stage" in plan.values:
        plan.stage_change = (current["stage"], target["stage"], target["stage_date"])
    plan.content_changed = bool(
        plan.values.keys() & _CONTENT_FIELDS
        or plan.actions is not None
        or plan.sponsors is not None
        or plan.sources is not None
        or plan.new_external_ids
        or plan.changed_external_ids
    )


_CHILDREN = (
    ("actions", BillAction, ("order", "date", "description", "chamber", "actor", "classification")),
    ("sponsors", BillSponsorship, ("name", "primary", "classification", "entity_type")),
    ("sources", BillSource, ("url", "note")),
)


def _new_actions(plan: _Plan) -> list[tuple]:
    return plan.action_changes[0] if plan.action_changes else []


def _write_action_changes(plans: list[_Plan]) -> None:
    """Existing bills' changed actions updated in place and removed ones deleted, before new orders are inserted."""
    removed = [pk for plan in plans if plan.action_changes for pk in plan.action_changes[2]]
    delete_rows(BillAction, pks=removed)
    fields = _CHILDREN[0][2]
    for plan in plans:
        for pk, row in plan.action_changes[1] if plan.action_changes else ():
            BillAction.objects.filter(pk=pk).update(**dict(zip(fields, row, strict=True)))


def _write(plans: list[_Plan], *, run: ImportRun) -> list[int]:
    """Write the plans (the caller holds the transaction); returns every plan's bill id, new ones included."""
    now = timezone.now()
    inserts = [plan for plan in plans if plan.bill_id is None]
    columns = (*BILL_FIELDS, "created_at", "updated_at")
    new_ids = iter(
        insert_rows(
            Bill,
            columns,
            [[*(plan.values[name] for name in BILL_FIELDS), now, now] for plan in inserts],
            returning_ids=True,
        )
    )
    bill_ids = [next(new_ids) if plan.bill_id is None else plan.bill_id for plan in plans]

    # One UPDATE per changed bill, of its changed fields only (bulk_update's CASE expressions cost more in Python).
    for plan in plans:
        if plan.bill_id is not None and plan.values:
            changed = {**plan.values, "updated_at": now} if plan.content_changed else plan.values
            Bill.objects.filter(pk=plan.bill_id).update(**changed)

    _write_action_changes(plans)
    for attribute, model, child_columns in _CHILDREN:
        if attribute == "actions":  # new bills' actions, and existing bills' new orders (_write_action_changes)
            rows = [
                (bill_id, *row)
                for plan, bill_id in zip(plans, bill_ids, strict=True)
                for row in (plan.actions or () if plan.bill_id is None else _new_actions(plan))
            ]
            insert_rows(model, ("bill_id", *child_columns), rows)
            continue
        rebuilt = [plan.bill_id for plan in plans if plan.bill_id is not None and getattr(plan, attribute) is not None]
        delete_rows(model, bill_ids=rebuilt)
        insert_rows(
            model,
            ("bill_id", *child_columns),
            [
                (bill_id, *row)
                for plan, bill_id in zip(plans, bill_ids, strict=True)
                for row in getattr(plan, attribute) or ()
            ],
        )

    insert_rows(
        BillExternalId,
        ("bill_id", "source", "external_id"),
        [
            (bill_id, source, external_id)
            for plan, bill_id in zip(plans, bill_ids, strict=True)
            for source, external_id in plan.new_external_ids
        ],
    )
    for plan in plans:
        for pk, external_id in plan.changed_external_ids:
            BillExternalId.objects.filter(pk=pk).update(external_id=external_id)

    insert_rows(
        StageChange,
        ("bill_id", "from_stage", "to_stage", "date", "source", "seen_at", "import_run_id"),
        [
            (bill_id, *plan.stage_change, plan.record.source, now, run.pk)
            for plan, bill_id in zip(plans, bill_ids, strict=True)
            if plan.stage_change
        ],
    )
    return bill_ids


class BillImporter:
    """One import run: feed it items (`import_records`, as often as needed), then call `finish()`.

    ```
    importer = BillImporter(source="openstates", scope="ca bills page 1")
    importer.import_records(("page1.json", record) for record in records)
    run = importer.finish()  # the ImportRun, with counts and errors
    ```
    """

    def __init__(
        self,
        *,
        source: str,
        scope: str = "",
        today: date | None = None,
        chunk_size: int = CHUNK_SIZE,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        self.source = source
        self.today = today or timezone.localdate()
        self.chunk_size = chunk_size
        self.on_progress = on_progress
        self.counts = ImportCounts()
        self.errors: list[dict[str, str]] = []
        self.stage_changed = array("q")  # 8 bytes a bill, whatever the size of the import
        self.notes: list[str] = []
        self.conflicts: list[str] = []
        self._seen: dict[tuple[str, str], datetime | None] = {}
        self._sessions = SessionCache(today=self.today)
        self._started = time.monotonic()
        self._saved_errors = 0
        scope = scope[:300]
        import_runs_interrupt(source=source, scope=scope)  # an earlier run of this scope whose process died
        self.run = ImportRun.objects.create(
            source=source, scope=scope, worker=worker_identity()[:200], heartbeat_at=timezone.now()
        )

    # --- Public ---------------------------------------------------------------------------------------------------

    def import_records(self, items: Iterable[tuple[str, Item]]) -> bool:
        """Import `(where, item)` pairs. Failures of single bills never stop the stream.

        Each chunk commits with the run's counts. When the stream itself raises a ParseError (a bulk file found
        broken half-way), what it brought before stays, the error is recorded and False returned.
        """
        try:
            with _collections_per_chunk():
                for chunk in chunked(items, self.chunk_size):
                    with transaction.atomic():
                        self._import_chunk(chunk)
                        self._save_progress()
                    count = len(chunk)
                    # Freed first: a chunk of raw bills holds their parsed JSON, which the collector would walk.
                    del chunk
                    gc.collect(1)
                    if self.on_progress:
                        self.on_progress(count)
        except ParseError as exc:
            self.error(exc.where, exc.message)
            self._save_progress()
            return False
        return True

    def error(self, where: str, message: str) -> None:
        """Record an error about a whole file (bills' failures are recorded by the importer itself)."""
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(
                {"where": truncate(where, MAX_ERROR_CHARS), "message": truncate(message, MAX_ERROR_CHARS)}
            )

    def fail(self, where: str, message: str) -> None:
        """A record that could not be fetched or read: it fails alone (counted in `failed`, its error kept)."""
        self._fail(where, "", message)

    def abort(self, exc: BaseException) -> ImportRun:
        """Close the run after an exception that stops the whole import (MemoryError, a worker shutting down, a
        bug): `interrupted`, with what it committed and the exception as its last error."""
        self.error("", f"stopped by {type(exc).__name__}: {exc}")
        self.notes.append("interrupted; the counts are what it committed")
        run = self.run
        # The counts stay those committed with the last chunk: the chunk in flight counted bills it rolled back.
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRunStatus.INTERRUPTED,
            finished_at=timezone.now(),
            errors=self.errors,
            note=truncate("; ".join(self.notes), 2000),
        )
        run.refresh_from_db()
        return run

    def _count_fields(self) -> dict[str, int]:
        counts = self.counts
        return {
            "inserted": counts.inserted,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "failed": counts.failed,
        }

    def _save_progress(self) -> None:
        """Counts and heartbeat (and errors when there are new ones) onto the run, in the caller's transaction."""
        fields: dict[str, Any] = {**self._count_fields(), "heartbeat_at": timezone.now()}
        if len(self.errors) != self._saved_errors:
            fields["errors"] = self.errors
            self._saved_errors = len(self.errors)
        ImportRun.objects.filter(pk=self.run.pk).update(**fields)
        heartbeat()

    def finish(self) -> ImportRun:
        """Apply the session ends the run caused, close the ImportRun, tell receivers which stages moved."""
        if self._sessions.newly_over:
            moved = sessions_end_apply(session_ids=self._sessions.newly_over, import_run=self.run, today=self.today)
            if moved:
                self.notes.append(f"{len(moved)} pending bills of sessions now over moved to died or carried over")
            self.stage_changed.extend(moved)
        counts = self.counts
        if counts.duplicates:
            self.notes.append(f"{counts.duplicates} duplicates collapsed")
        if self.conflicts:  # sources disagree on a stage: logged, the furthest evidence kept (importers.identity)
            examples = "; ".join(self.conflicts[:CONFLICT_EXAMPLES])
            self.notes.append(f"{len(self.conflicts)} cross-source stage conflicts, stored stage kept: {examples}")
        if self._sessions.reviews:
            self.notes.append(f"{self._sessions.reviews} sessions could not be matched across sources: see admin")
        if len(self.errors) >= MAX_ERRORS:
            self.notes.append(f"only the first {MAX_ERRORS} errors are kept")
        self.notes.append(f"{time.monotonic() - self._started:.1f} s")
        run = self.run
        if not counts.failed and not self.errors:
            run.status = ImportRunStatus.SUCCEEDED
        elif counts.inserted + counts.updated + counts.unchanged:
            run.status = ImportRunStatus.PARTIAL
        else:
            run.status = ImportRunStatus.FAILED
        run.finished_at = timezone.now()
        run.inserted, run.updated, run.unchanged, run.failed = (
            counts.inserted,
            counts.updated,
            counts.unchanged,
            counts.failed,
        )
        run.errors = self.errors
        run.note = truncate("; ".join(self.notes), 2000)
        run.heartbeat_at = run.finished_at
        run.save()
        bills_stage_changed_send(sender=type(self), bill_ids=self.stage_changed, import_run=run)
        return run

    # --- One chunk ------------------------------------------------------------------------------------------------

    def _import_chunk(self, items: list[tuple[str, Item]]) -> None:
        readable = []
        for where, item in items:
            if isinstance(item, ParseError):
                self._fail(join_path(where, item.where, ":"), "", item.message)
            else:
                readable.append((where, item))
        plans = [plan for plan in map(self._plan, self._collapse(readable)) if plan is not None]
        self._find_by_source_id(plans)
        pending = []
        for plan in plans:
            if (
                plan.linked
                and plan.content_hash == plan.stored_hash
                and _session_consistent(*plan.stored_stage, plan.state)
            ):
                self.counts.unchanged += 1
            elif plan.record is not None or self._parse(plan):
                pending.append(plan)
        if not pending:
            return
        self._find_by_natural_key(pending)
        pending = self._collapse_natural_keys(pending)
        updates = [plan.bill_id for plan in pending if plan.bill_id is not None]
        stored = _Stored(updates) if updates else None
        for plan in pending:
            _diff(plan, stored)
        try:
            with transaction.atomic():
                bill_ids = _write(pending, run=self.run)
        except DatabaseError:
            if connection_lost():  # not the bills' fault: the run stops (abort) with what it committed
                raise
            self._write_one_by_one(pending)
            return
        for plan, bill_id in zip(pending, bill_ids, strict=True):
            self._done(plan, bill_id)

    def _write_one_by_one(self, plans: list[_Plan]) -> None:
        for plan in plans:
            try:
                with transaction.atomic():
                    (bill_id,) = _write([plan], run=self.run)
            except DatabaseError as exc:
                if connection_lost():
                    raise
                self._fail(plan.where, _identity(plan.record), f"not saved: {_first_line(exc)}")
                continue
            self._done(plan, bill_id)

    def _done(self, plan: _Plan, bill_id: int) -> None:
        if plan.bill_id is None:
            self.counts.inserted += 1
        elif plan.content_changed:
            self.counts.updated += 1
        else:
            self.counts.unchanged += 1
        if plan.stage_change:
            self.stage_changed.append(bill_id)
        if plan.conflict:
            self.conflicts.append(f"{_identity(plan.record)}: {plan.conflict}")

    def _fail(self, where: str, bill: str, message: str) -> None:
        self.counts.failed += 1
        self.error(f"{where}: {bill}" if where and bill else where or bill, message)

    def _collapse(self, items: list[tuple[str, Item]]) -> list[tuple[str, Item]]:
        """One item per source id: the most recently updated, else the later one; an item older than one this run
        already imported is dropped. (Natural keys are known after parsing: `_collapse_natural_keys`.)"""
        kept: dict[tuple[str, str], tuple[str, Item]] = {}
        for where, item in items:
            key = (item.source, item.source_id)
            seen = self._seen.get(key)
            previous = kept.get(key)
            if (seen and item.updated_at and item.updated_at < seen) or (previous and _is_newer(previous[1], item)):
                self.counts.duplicates += 1
                continue
            if previous:
                self.counts.duplicates += 1
                del kept[key]  # re-inserted below, at the later position
            kept[key] = (where, item)
        for key, (_, item) in kept.items():
            self._seen[key] = item.updated_at
        if len(self._seen) > SEEN_LIMIT:  # forget the oldest half (dicts keep insertion order)
            for key in list(islice(self._seen, SEEN_LIMIT // 2)):
                del self._seen[key]
        return list(kept.values())

    def _collapse_natural_keys(self, plans: list[_Plan]) -> list[_Plan]:
        kept: dict[tuple[int, int, str], _Plan] = {}
        for plan in plans:
            previous = kept.get(plan.natural_key)
            if previous and _is_newer(previous.record, plan.record):
                self.counts.duplicates += 1
                continue
            if previous:
                self.counts.duplicates += 1
                del kept[plan.natural_key]
            kept[plan.natural_key] = plan
        return list(kept.values())

    def _plan(self, pair: tuple[str, Item]) -> _Plan | None:
        """Resolve jurisdiction and session and hash the item; a raw bill is parsed only if its session is new."""
        where, item = pair
        jurisdiction = self._sessions.jurisdictions.get(item.jurisdiction.lower())
        if isinstance(item, RawBill):
            session = self._sessions.existing(jurisdiction, item.source, item.session) if jurisdiction else None
            if session and item.source_id:
                state = self._sessions.state(session)
                return _Plan(
                    where,
                    item.source,
                    item.source_id,
                    jurisdiction,
                    session,
                    state,
                    content_hash(item),
                    raw=item,
                )
            try:
                record = item.parse()
            except _PARSE_ERRORS as exc:
                self._fail(join_path(where, getattr(exc, "where", ""), ":"), _identity(item), _message(exc))
                return None
            plan = self._plan((where, record))
            if plan:
                plan.raw = item
                plan.content_hash = content_hash(item)
            return plan
        if jurisdiction is None:
            message = f"unknown jurisdiction {item.jurisdiction!r} (jurisdictions come from `manage.py seed`)"
            self._fail(where, _identity(item), message)
            return None
        try:
            session = self._sessions.session(jurisdiction, item.session, item.source)
        except DatabaseError as exc:
            self._fail(where, _identity(item), f"session {item.session.identifier!r} not saved: {_first_line(exc)}")
            return None
        state = self._sessions.state(session)
        return _Plan(where, item.source, item.source_id, jurisdiction, session, state, content_hash(item), record=item)

    def _parse(self, plan: _Plan) -> bool:
        """Parse a raw bill that needs writing; its session may learn names or dates from the record."""
        try:
            record = plan.raw.parse()
        except _PARSE_ERRORS as exc:
            self._fail(join_path(plan.where, getattr(exc, "where", ""), ":"), _identity(plan.raw), _message(exc))
            return False
        if record.jurisdiction.lower() != plan.jurisdiction.code or record.session.identifier != plan.raw.session:
            self._fail(plan.where, _identity(record), "the parsed bill is not the one its payload names")
            return False
        plan.record = record
        plan.session = self._sessions.session(plan.jurisdiction, record.session, record.source)
        plan.state = self._sessions.state(plan.session)
        return True

    def _find_by_source_id(self, plans: list[_Plan]) -> None:
        by_source: dict[str, list[_Plan]] = defaultdict(list)
        for plan in plans:
            by_source[plan.source].append(plan)
        for source, group in by_source.items():
            found = {
                external_id: (bill_id, digest, (stage, stage_date))
                for external_id, bill_id, digest, stage, stage_date in _bills_by_source_id(
                    source, [plan.source_id for plan in group]
                )
            }
            for plan in group:
                if plan.source_id in found:
                    plan.bill_id, plan.stored_hash, plan.stored_stage = found[plan.source_id]
                    plan.linked = True

    def _find_by_natural_key(self, plans: list[_Plan]) -> None:
        unmatched = [plan for plan in plans if plan.bill_id is None]
        if not unmatched:
            return
        found = {
            (jurisdiction_id, session_id, identifier): (pk, digest)
            for pk, jurisdiction_id, session_id, identifier, digest in _bills_by_natural_key(
                [plan.natural_key for plan in unmatched]
            )
        }
        for plan in unmatched:
            if plan.natural_key in found:
                plan.bill_id, plan.stored_hash = found[plan.natural_key]


# Lookups of a chunk's bills on PostgreSQL: one index probe a key, whatever the planner knows of the tables. For
# `external_id IN (...)` it scanned every id of the source and filtered (or the whole table once analysed), so an
# unchanged re-import grew with the table (3.8x the PostgreSQL CPU a bill at 200,000 bills); a plain join on the
# unnested keys was planned as a hash join over the table right after a bulk load, before statistics exist. A
# LATERAL subquery with LIMIT 1 cannot be flattened into a join: it runs once a key, on the unique index.
_BY_SOURCE_ID_SQL = """
SELECT wanted.external_id, found.bill_id, found.content_hash, found.stage, found.stage_date
FROM unnest(%s::text[]) AS wanted(external_id)
CROSS JOIN LATERAL (
    SELECT e.bill_id, b.content_hash, b.stage, b.stage_date
    FROM legislation_billexternalid e JOIN legislation_bill b ON b.id = e.bill_id
    WHERE e.source = %s AND e.external_id = wanted.external_id
    LIMIT 1
) AS found
"""
_BY_NATURAL_KEY_SQL = """
SELECT found.id, wanted.jurisdiction_id, wanted.session_id, wanted.identifier, found.content_hash
FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS wanted(jurisdiction_id, session_id, identifier)
CROSS JOIN LATERAL (
    SELECT b.id, b.content_hash FROM legislation_bill b
    WHERE b.jurisdiction_id = wanted.jurisdiction_id AND b.session_id = wanted.session_id
        AND b.identifier = wanted.identifier
    LIMIT 1
) AS found
"""


def _bills_by_source_id(source: str, external_ids: list[str]) -> Iterable[tuple]:
    """(external id, bill id, content hash, stage, stage date) of the bills `source` knows by these ids."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_BY_SOURCE_ID_SQL, [external_ids, source])
            return cursor.fetchall()
    return BillExternalId.objects.filter(source=source, external_id__in=external_ids).values_list(
        "external_id", "bill_id", "bill__content_hash", "bill__stage", "bill__stage_date"
    )


def _bills_by_natural_key(keys: list[tuple[int, int, str]]) -> Iterable[tuple]:
    """(id, jurisdiction id, session id, identifier, content hash) of the bills with these natural keys."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_BY_NATURAL_KEY_SQL, [list(column) for column in zip(*keys, strict=True)])
            return cursor.fetchall()
    # A superset (every pair of session and identifier) in one plain query, narrowed by the caller.
    return Bill.objects.filter(
        session_id__in={key[1] for key in keys}, identifier__in={key[2] for key in keys}
    ).values_list("pk", "jurisdiction_id", "session_id", "identifier", "content_hash")


@contextmanager
def _collections_per_chunk() -> Iterator[None]:
    """Pause automatic garbage collection while a stream imports: parsing JSON and building records allocate
    millions of objects, and the collector's frequent passes over them cost a quarter of an import. The caller
    collects the young generations after each chunk, so memory stays flat; the last full collection comes after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _message(exc: Exception) -> str:
    return getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
