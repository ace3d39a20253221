"""What every sync shares: one ImportRun per source and scope, skipping a source without a key, locks, cursors,
the set of bills a sync keeps current, and what the sources last said about them.

A sync runs a *body* (a function of :class:`SyncRun`) inside :func:`run_sync`, which owns the run's life:

- no key: one ``skipped`` ImportRun with a note saying which variable to set (repeated skips refresh that run
  rather than piling up rows every hour);
- the importer (``legislation.importers.bills.BillImporter``) records counts and errors; the run also gets the
  requests spent and notes;
- a request that fails (:class:`~legislation.sources.http.SourceError`) or a body the parser cannot read stops the
  scope: what was imported before it stays (it was valid), what it would have brought is not written, the cursor
  stays where the last complete step left it, and the error lands on the run. Transient errors are raised again
  after the run is recorded, so the Celery task can retry; others are not.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import orjson
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.db.models import Sum
from django.utils import timezone
from redis.exceptions import RedisError

from legislation.importers import summary_line
from legislation.importers.bills import BillImporter
from legislation.importers.runs import heartbeat_hook, process_alive, worker_identity
from legislation.models import (
    Bill,
    BillExternalId,
    ImportRun,
    ImportRunStatus,
    Jurisdiction,
    RemoteBillState,
    SourceCursor,
)
from legislation.sources.http import SourceClient, SourceError
from legislation.sources.records import BillRecord, ParseError

logger = logging.getLogger(__name__)

KEY_SETTINGS = {
    "openstates": "OPENSTATES_API_KEY",
    "legiscan": "LEGISCAN_API_KEY",
    "congress": "CONGRESS_API_KEY",
}
SOURCE_NAMES = {"openstates": "Open States", "legiscan": "LegiScan", "congress": "Congress.gov"}

ClientT = TypeVar("ClientT", bound=SourceClient)


def sync_scope(jurisdiction: str) -> str:
    """The scope of the regular sync of a jurisdiction (``sync:ca``); freshness reads it back."""
    return f"sync:{jurisdiction.lower()}"


def has_key(source: str) -> bool:
    return bool(getattr(settings, KEY_SETTINGS[source], ""))


def no_key_note(source: str) -> str:
    return f"no key: set {KEY_SETTINGS[source]} to sync from {SOURCE_NAMES[source]}; skipped"


def record_skipped(*, source: str, scope: str, note: str) -> ImportRun:
    """A ``skipped`` run; when the latest run of this source and scope was the same skip, it is refreshed instead."""
    now = timezone.now()
    latest = ImportRun.objects.filter(source=source, scope=scope).order_by("-started_at", "-pk").first()
    if latest is not None and latest.status == ImportRunStatus.SKIPPED and latest.note == note:
        latest.started_at = latest.finished_at = now
        latest.save(update_fields=["started_at", "finished_at"])
        return latest
    return ImportRun.objects.create(
        source=source, scope=scope, status=ImportRunStatus.SKIPPED, started_at=now, finished_at=now, note=note
    )


class ScopeBusy(Exception):
    """Another worker is syncing this scope right now."""


def _task_of(token: str) -> str:
    """The Celery task id in a lock token (``host:pid task <id> <random>``), or ""."""
    _, found, rest = token.partition(" task ")
    return rest.split(" ", 1)[0] if found else ""


def _holder_gone(holder: str, token: str) -> bool:
    """Whether the lock's holder is dead: the same task as ours (a redelivered task: its first delivery's worker
    died), or a process of this host that no longer exists."""
    task = _task_of(token)
    return bool(task and _task_of(holder) == task) or process_alive(holder) is False


@contextmanager
def scope_lock(source: str, scope: str, *, timeout: int | None = None) -> Iterator[None]:
    """Hold the lock of one source and scope (``cache.add`` is atomic on Redis), or raise :class:`ScopeBusy`.

    The lock's value names its holder (``host:pid``, the Celery task id, a random part). It lives
    ``SYNC_LOCK_TTL`` seconds (``timeout``), renewed with every chunk an import inside commits, so it expires soon
    after its holder dies; before that, the holder's redelivered task, or any process of the same host when the
    holder's process is gone, takes it over. Only the holder's token releases it, so a lock that expired and was
    taken by another worker is left alone.
    """
    timeout = timeout or settings.SYNC_LOCK_TTL
    key = f"sync:lock:{source}:{scope}"
    token = f"{worker_identity()} {secrets.token_hex(4)}"
    if not cache.add(key, token, timeout=timeout):
        holder = cache.get(key) or ""
        if not (holder and _holder_gone(holder, token)):
            raise ScopeBusy(f"{source} {scope} is being synced by another worker ({holder or 'just released'})")
        # No compare-and-set in Django's cache API: write, then check that no other taker won.
        cache.set(key, token, timeout=timeout)
        if cache.get(key) != token:
            raise ScopeBusy(f"{source} {scope} was taken over by another worker")
        logger.warning("%s %s: lock of a dead holder (%s) taken over", source, scope, holder)

    def renew() -> None:
        # Called inside each chunk's transaction: Redis away must not roll the chunk back. A Redis restarted empty
        # lost the lock: it is taken again, so that a second sync of the scope finds it held.
        try:
            holder = cache.get(key)
            if holder == token:
                cache.touch(key, timeout)
            elif holder is None and cache.add(key, token, timeout=timeout):
                logger.warning("%s %s: lock lost by the cache (Redis restarted?), taken again", source, scope)
        except RedisError:
            logger.warning("%s %s: lock not renewed, Redis unavailable", source, scope)

    try:
        with heartbeat_hook(renew):
            yield
    finally:
        try:
            if cache.get(key) == token:
                cache.delete(key)
        except RedisError:  # it expires by itself
            logger.warning("%s %s: lock not released, Redis unavailable", source, scope)


# --- Cursors and remote state -------------------------------------------------------------------------------------


def cursor_get(source: str, scope: str) -> str:
    return SourceCursor.objects.filter(source=source, scope=scope).values_list("value", flat=True).first() or ""


def cursor_set(source: str, scope: str, value: str) -> None:
    SourceCursor.objects.update_or_create(source=source, scope=scope, defaults={"value": value})


def cursor_datetime(source: str, scope: str) -> datetime | None:
    value = cursor_get(source, scope)
    return datetime.fromisoformat(value) if value else None


def window_start(source: str, scope: str, since: datetime | None, *, now: datetime) -> datetime:
    """Where a sync's window starts: ``since`` if given, else the cursor minus the overlap (updates committed late
    at the source), else the initial lookback."""
    if since is not None:
        return since
    cursor = cursor_datetime(source, scope)
    if cursor is not None:
        return cursor - timedelta(minutes=settings.SYNC_OVERLAP_MINUTES)
    return now - timedelta(days=settings.SYNC_INITIAL_LOOKBACK_DAYS)


def remote_states(source: str, external_ids: Iterable[str]) -> dict[str, RemoteBillState]:
    return {
        state.external_id: state
        for state in RemoteBillState.objects.filter(source=source, external_id__in=list(external_ids))
    }


def remote_state_save(*, source: str, external_id: str, marker: str, container: str = "") -> None:
    defaults: dict[str, Any] = {"marker": marker, "fetched_at": timezone.now()}
    if container:
        defaults["container"] = container
    RemoteBillState.objects.update_or_create(source=source, external_id=external_id, defaults=defaults)


def fingerprint(value: Any) -> str:
    """A short, stable digest of a JSON value (a list entry), for detecting that anything in it moved."""
    return hashlib.sha1(orjson.dumps(value, option=orjson.OPT_SORT_KEYS), usedforsecurity=False).hexdigest()


# --- The bills a sync keeps current -------------------------------------------------------------------------------


@dataclass
class Tracked:
    """The bills one sync keeps current in a jurisdiction, and how to recognise them in a source's lists: by the
    source's id, else by (session identifier, normalised identifier)."""

    source: str
    bill_ids: set[int] = field(default_factory=set)
    by_external_id: dict[str, int] = field(default_factory=dict)
    by_natural_key: dict[tuple[str, str], int] = field(default_factory=dict)
    sessions: dict[int, str] = field(default_factory=dict)  # bill id -> session identifier

    def match(self, record: BillRecord) -> int | None:
        found = self.by_external_id.get(record.source_id)
        if found is None:
            found = self.by_natural_key.get((record.session.identifier, record.identifier))
        return found

    def __len__(self) -> int:
        return len(self.bill_ids)


def tracked_bills(*, source: str, jurisdiction: Jurisdiction, bill_ids: Collection[int] | None) -> Tracked:
    """The given bills of ``jurisdiction`` (None: every bill stored for it)."""
    bills = Bill.objects.filter(jurisdiction=jurisdiction)
    if bill_ids is not None:
        bills = bills.filter(pk__in=list(bill_ids))
    tracked = Tracked(source=source)
    for pk, session, identifier in bills.values_list("pk", "session__identifier", "identifier"):
        tracked.bill_ids.add(pk)
        tracked.by_natural_key[(session, identifier)] = pk
        tracked.sessions[pk] = session
    for pk, external_id in BillExternalId.objects.filter(source=source, bill_id__in=tracked.bill_ids).values_list(
        "bill_id", "external_id"
    ):
        tracked.by_external_id[external_id] = pk
    return tracked


# --- One run ------------------------------------------------------------------------------------------------------


@dataclass
class SyncRun:
    """A sync in progress: its client (which counts requests), its importer (which owns the ImportRun) and notes."""

    client: Any
    importer: BillImporter
    notes: list[str] = field(default_factory=list)
    on_progress: Callable[[int], None] | None = None
    checked_unchanged: int = 0

    @property
    def run(self) -> ImportRun:
        return self.importer.run

    def import_records(self, where: str, records: Iterable[BillRecord]) -> None:
        self.importer.import_records((where, record) for record in records)

    def import_one(self, where: str, record: BillRecord) -> bool:
        """Import one record; True unless it failed (then its error is on the run)."""
        failed = self.importer.counts.failed
        self.importer.import_records([(where, record)])
        return self.importer.counts.failed == failed

    def unchanged(self, count: int = 1) -> None:
        """Bills the source lists as not changed since the last sync: counted, never fetched."""
        self.checked_unchanged += count

    def error(self, where: str, message: str) -> None:
        self.importer.error(where, message)

    def fail(self, where: str, message: str) -> None:
        """One bill's answer could not be fetched or read: it fails alone, the run goes on (and ends partial)."""
        self.importer.fail(where, message)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def progress(self, count: int) -> None:
        if self.on_progress:
            self.on_progress(count)


def run_sync(
    *,
    source: str,
    scope: str,
    client_factory: Callable[[], SourceClient],
    body: Callable[[SyncRun], None],
    on_progress: Callable[[int], None] | None = None,
) -> ImportRun:
    """Run ``body`` as one recorded sync of ``source`` and ``scope`` (see the module docstring)."""
    if not has_key(source):
        return record_skipped(source=source, scope=scope, note=no_key_note(source))
    client = client_factory()
    sync = SyncRun(client=client, importer=BillImporter(source=source, scope=scope), on_progress=on_progress)
    raised: BaseException | None = None
    lost: BaseException | None = None
    try:
        body(sync)
    except SourceError as exc:
        sync.error(exc.url or scope, exc.message)
        sync.note(f"stopped: {exc.message}")
        raised = exc if exc.transient else None
    except ParseError as exc:
        sync.error(exc.where or scope, f"malformed response: {exc.message}")
        sync.note("stopped: a response could not be read; nothing from it was written")
    except SoftTimeLimitExceeded as exc:
        sync.error(scope, "time limit reached")
        sync.note("stopped by the time limit; the next run resumes from the cursor")
        raised = exc
    except (OperationalError, InterfaceError) as exc:  # the database connection lost: the task retries
        lost = raised = exc
    except Exception as exc:
        sync.error(scope, f"{type(exc).__name__}: {exc}")
        raised = exc
    finally:
        client.close()
        # A lost connection leaves the run interrupted with the counts committed (the chunk in flight rolled back).
        run = sync.importer.abort(lost) if lost else _finish(sync)
    if raised is not None:
        raised.import_run = run  # type: ignore[attr-defined]
        raise raised
    return run


def _finish(sync: SyncRun) -> ImportRun:
    importer = sync.importer
    importer.counts.unchanged += sync.checked_unchanged
    run = importer.run
    run.requests = sync.client.requests
    spent = ", ".join(f"{count} {operation}" for operation, count in sorted(sync.client.requests_by_operation.items()))
    importer.notes[:0] = [*sync.notes, f"requests: {spent or 'none'}"]
    run = importer.finish()
    logger.info(
        "%s %s: %s in %s, %d requests (%s)",
        run.source,
        run.scope,
        run.status,
        run.duration,
        run.requests,
        summary_line(run),
    )
    return run


def legiscan_requests_this_month() -> int:
    """LegiScan requests the ImportRuns of this month recorded: seeds the shared counter if the cache lost it."""
    start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    total = ImportRun.objects.filter(source="legiscan", started_at__gte=start).aggregate(total=Sum("requests"))
    return int(total["total"] or 0)
