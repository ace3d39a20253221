"""Celery tasks of the legislation app: small, ids and primitives in, idempotent, each calling a sync service.

The scheduler (``recommendations.sync_tracked``, run by beat) hands the tracked bill ids to :func:`sync_fan_out`,
which sends one :func:`sync_scope` task per source and jurisdiction. Every scope task:

- holds a cache lock on its source and scope (Redis when ``REDIS_URL`` is set), so a scope never runs twice at
  once. The lock is owned by the task (its id is in the lock), renewed while it imports and short-lived otherwise,
  so a task redelivered after its worker died takes its own lock over instead of waiting for it to expire. A task
  that finds the lock held by a live worker is *not* a success: it retries later (``SYNC_BUSY_RETRY`` seconds, up
  to ``SYNC_TASK_MAX_RETRIES`` times) and then fails with :class:`~legislation.sync.ScopeBusy`;
- is safe to run twice (``acks_late`` with ``reject_on_worker_lost``: a task whose worker died is delivered
  again): the importer writes nothing for unchanged bills, and cursors never move back;
- retries only transient errors (timeouts, 429, 5xx), with exponential backoff and jitter, or after the
  ``Retry-After`` the source sent; data errors and spent budgets are recorded on the ImportRun and not retried.

Imports (syncs and backfills) also retry when their database connection is lost (PostgreSQL restarted, a
failover, ``pg_terminate_backend``): the chunk in flight rolled back, the run is marked ``interrupted`` on a new
connection, and the task runs again ``DATABASE_RETRY`` seconds later (doubling), up to ``SYNC_TASK_MAX_RETRIES``.
A Redis that goes away (the cache: locks, budgets, the exports debounce) does not fail an import that succeeded.
"""

from __future__ import annotations

import logging
import random

from celery import Task, shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# A scope is at most SYNC_MAX_PAGES list pages plus the detail requests of the bills that moved, each request
# bounded by SYNC_HTTP_TIMEOUT and its retries, plus waits for the per-minute budget: minutes, not more. The soft
# limit stops a run stuck on a slow source so it records what it did (the cursor resumes next time); the hard
# limit kills it shortly after if it does not stop. Both stay under the lock's timeout (legislation.sync.common),
# so a live task never loses its lock.
SCOPE_SOFT_TIME_LIMIT = 8 * 60
SCOPE_TIME_LIMIT = 9 * 60
# Session-end sweep and fan-out: database work only, quick.
QUICK_SOFT_TIME_LIMIT = 2 * 60
QUICK_TIME_LIMIT = 3 * 60
# A dataset ZIP or bulk file is a whole session (thousands of bills): give it longer.
BACKFILL_SOFT_TIME_LIMIT = 30 * 60
BACKFILL_TIME_LIMIT = 32 * 60

# A scope found busy is tried again this much later (plus jitter): a scope sync takes minutes at most.
SYNC_BUSY_RETRY = 120

# The database connection lost mid-task: retried this many seconds later, doubling: 10, 20, 40 s with three retries,
# a restart or a failover of about a minute.
DATABASE_ERRORS = (OperationalError, InterfaceError)
DATABASE_RETRY = 10

EXPORTS_TASKS = ("api.exports_build", "api.tasks.exports_build")
EXPORTS_DEBOUNCE = 60  # seconds: one exports build for a whole fan-out of syncs


def retry_countdown(retries: int, retry_after: float | None) -> float:
    """The source's Retry-After if it sent one, else 30 s doubling per retry (at most 10 min), with full jitter."""
    if retry_after:
        return retry_after
    return random.uniform(0, min(600.0, 30.0 * 2**retries))  # noqa: S311 - jitter, not cryptography


def exports_task() -> Task | None:
    """The API's exports task, if the project has one (found by name, so legislation does not import api)."""
    from celery import current_app

    current_app.loader.import_default_modules()  # every app's tasks module, as a worker loads them at start
    return next((current_app.tasks[name] for name in EXPORTS_TASKS if name in current_app.tasks), None)


def queue_exports_build() -> bool:
    """Ask the API to rebuild its exports after an import changed something, once a minute at most."""
    task = exports_task()
    try:
        if task is None or not cache.add("sync:exports-queued", 1, timeout=EXPORTS_DEBOUNCE):
            return False
        task.apply_async(countdown=EXPORTS_DEBOUNCE)
    except (RedisError, BrokerError):
        # Redis away (restarting): the import is done and recorded; the exports are rebuilt after the next one.
        logger.warning("exports build not queued: Redis unavailable", exc_info=True)
        return False
    return True


def _changed(run: object) -> bool:
    return bool(getattr(run, "inserted", 0) or getattr(run, "updated", 0))


def database_lost(task: Task, exc: Exception) -> Exception:
    """What a task raises after losing its database connection: its runs marked interrupted (on a new connection),
    then a retry, or ``exc`` itself once ``SYNC_TASK_MAX_RETRIES`` are spent."""
    from legislation.importers.runs import import_runs_abandon

    try:
        import_runs_abandon(reason=f"database connection lost ({type(exc).__name__}: {str(exc).strip()[:100]})")
    except DATABASE_ERRORS:  # still away: the retry's own run marks it (same process), else the heartbeat sweep
        logger.warning("could not mark the interrupted run: the database is still unavailable", exc_info=True)
    if task.request.retries >= settings.SYNC_TASK_MAX_RETRIES:
        return exc
    logger.warning("database connection lost (%s); retrying", exc)
    return task.retry(exc=exc, countdown=DATABASE_RETRY * 2**task.request.retries, throw=False)


@shared_task(
    name="legislation.sync_scope",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SCOPE_SOFT_TIME_LIMIT,
    time_limit=SCOPE_TIME_LIMIT,
    max_retries=None,  # bounded by SYNC_TASK_MAX_RETRIES below, read at run time
)
def sync_scope(self: Task, source: str, jurisdiction: str, bill_ids: list[int] | None = None) -> dict:
    """Sync ``bill_ids`` (None: every stored bill) of one source and jurisdiction."""
    from legislation.sources.http import TransientSourceError
    from legislation.sync import ScopeBusy, scope_lock, source_sync
    from legislation.sync import sync_scope as scope_of

    try:
        with scope_lock(source, scope_of(jurisdiction)):
            run = source_sync(source, jurisdiction=jurisdiction, bill_ids=bill_ids)
    except ScopeBusy as exc:
        if self.request.retries >= settings.SYNC_TASK_MAX_RETRIES:
            raise
        logger.info("%s; retrying later", exc)
        raise self.retry(exc=exc, countdown=SYNC_BUSY_RETRY + random.uniform(0, 30)) from None  # noqa: S311
    except TransientSourceError as exc:
        if self.request.retries >= settings.SYNC_TASK_MAX_RETRIES:
            raise
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries, exc.retry_after)) from None
    except DATABASE_ERRORS as exc:
        raise database_lost(self, exc) from exc
    if _changed(run):
        queue_exports_build()
    return {"status": run.status, "run": run.pk, "requests": run.requests}


@shared_task(
    name="legislation.sync_fan_out",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=QUICK_SOFT_TIME_LIMIT,
    time_limit=QUICK_TIME_LIMIT,
)
def sync_fan_out(bill_ids: list[int], sources: list[str]) -> dict:
    """One :func:`sync_scope` task per source and jurisdiction of the bills still worth polling, the scopes
    synced longest ago first.

    A source without a key gets one ``skipped`` run (scope ``sync``) instead of a task per jurisdiction.
    """
    from legislation.importers.runs import import_runs_interrupt
    from legislation.sync import SOURCE_NAMES, bill_ids_to_poll, has_key, no_key_note, record_skipped
    from legislation.sync.plan import stalest_first, sync_plan

    import_runs_interrupt()  # hourly: runs whose process died stop showing as running
    usable = []
    for source in sources:
        if source not in SOURCE_NAMES:
            raise ValueError(f"unknown source {source!r}")
        if has_key(source):
            usable.append(source)
        else:
            record_skipped(source=source, scope="sync", note=no_key_note(source))
    poll = bill_ids_to_poll(bill_ids=bill_ids)
    plan = sync_plan(bill_ids=poll, sources=usable)
    for source, jurisdiction in stalest_first(plan):
        sync_scope.delay(source, jurisdiction, plan[(source, jurisdiction)])
    return {
        "tracked": len(bill_ids),
        "polled": len(poll),
        "tasks": len(plan),
        "skipped": sorted(set(sources) - set(usable)),
    }


@shared_task(
    name="legislation.sessions_close",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=QUICK_SOFT_TIME_LIMIT,
    time_limit=QUICK_TIME_LIMIT,
)
def sessions_close() -> dict:
    """Daily: pending bills of sessions that are over die (or carry over)."""
    from legislation.sync import sessions_close as close

    runs = close()
    moved = sum(run.updated for run in runs)
    if moved:
        queue_exports_build()
    return {"runs": [run.pk for run in runs], "moved": moved}


@shared_task(
    name="legislation.sessions_sync",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=QUICK_SOFT_TIME_LIMIT,
    time_limit=QUICK_TIME_LIMIT,
)
def sessions_sync(sources: list[str] | None = None) -> dict:
    """Weekly: session calendars (dates, years, sine die) from each source (legislation/sync/calendars.py)."""
    from legislation.sync.calendars import sessions_sync as sync

    runs = [sync(source) for source in sources or ("congress", "openstates", "legiscan")]
    return {"runs": [run.pk for run in runs], "statuses": [run.status for run in runs]}


@shared_task(
    name="legislation.legiscan_backfill",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=BACKFILL_SOFT_TIME_LIMIT,
    time_limit=BACKFILL_TIME_LIMIT,
)
def legiscan_backfill(self: Task, state: str, session_ids: list[int] | None = None) -> dict:
    """On demand: a state's LegiScan datasets whose ``dataset_hash`` changed."""
    from legislation.sync import ScopeBusy, legiscan_dataset_backfill, scope_lock

    try:
        with scope_lock("legiscan", f"backfill:{state.lower()}"):
            runs = legiscan_dataset_backfill(state=state, session_ids=session_ids)
    except ScopeBusy as exc:
        if self.request.retries >= settings.SYNC_TASK_MAX_RETRIES:
            raise
        raise self.retry(exc=exc, countdown=SYNC_BUSY_RETRY + random.uniform(0, 30)) from None  # noqa: S311
    except DATABASE_ERRORS as exc:
        raise database_lost(self, exc) from exc
    if any(_changed(run) for run in runs):
        queue_exports_build()
    return {"runs": [run.pk for run in runs]}


@shared_task(
    name="legislation.openstates_backfill",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=BACKFILL_SOFT_TIME_LIMIT,
    time_limit=BACKFILL_TIME_LIMIT,
    max_retries=None,  # bounded by SYNC_TASK_MAX_RETRIES in database_lost, read at run time
)
def openstates_backfill(self: Task, location: str) -> dict:
    """On demand: an Open States per-session bulk zip (URL or path)."""
    from legislation.sync import openstates_bulk_backfill

    try:
        run = openstates_bulk_backfill(location=location)
    except DATABASE_ERRORS as exc:
        raise database_lost(self, exc) from exc
    if _changed(run):
        queue_exports_build()
    return {"run": run.pk, "status": run.status}


@worker_ready.connect
def import_runs_check(**kwargs: object) -> None:
    """A worker starting (after a crash, a deploy) closes the runs whose process died (legislation.importers.runs)."""
    from legislation.importers.runs import import_runs_interrupt

    try:
        import_runs_interrupt()
    except Exception:  # a worker must start even when the database is not there yet
        logger.exception("checking for interrupted import runs failed")
