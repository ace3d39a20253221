"""ImportRun bookkeeping that outlives a crash: who runs an import, its heartbeat, and finding runs whose process died.

A run records its worker (``host:pid``, and the Celery task id when a task runs it) and a heartbeat that moves
with every chunk it commits (the counts are committed in the same transaction as the chunk's bills, so they always
say what the database holds). A process killed outright (SIGKILL, the kernel's out-of-memory killer, a lost
machine) cannot close its run, so :func:`import_runs_interrupt` closes it instead, as ``interrupted``, keeping
its counts and errors, when either

- its worker ran on this host and that process no longer exists (found at once), or
- its heartbeat is older than ``IMPORT_HEARTBEAT_TIMEOUT`` seconds (any host; longer than any task's hard time
  limit between two chunks, so a live run is never taken for dead).

It runs when a worker starts (``worker_ready``), before every sync fan-out (hourly), and when a new run of the same
source and scope starts, so ``/api/v1/freshness/`` never shows a dead run as running for long. A new run started
by the same task in the same process (a retry) also closes that task's earlier run.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from legislation.models import ImportRun, ImportRunStatus

__all__ = [
    "connection_lost",
    "death_of",
    "heartbeat",
    "heartbeat_hook",
    "import_runs_abandon",
    "import_runs_interrupt",
    "process_alive",
    "public_scope",
    "truncate",
    "worker_identity",
]

logger = logging.getLogger(__name__)

# Error messages quote values from the sources; a quoted value is cut here (a 10 KB title would flood the run).
MAX_MESSAGE_CHARS = 200


def public_scope(scope: str) -> str:
    """A scope as the public may see it: each path or URL in it cut to its file name (runs recorded before scopes
    named files only said ``backfill /srv/data/CA.zip``)."""
    words = []
    for word in scope.split(" "):
        if "/" in word or "\\" in word:
            word = word.split("?", 1)[0].replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
        words.append(word)
    return " ".join(words)


def truncate(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[:limit] + "…"


_hooks: ContextVar[tuple[Callable[[], None], ...]] = ContextVar("import_heartbeat_hooks", default=())


@contextmanager
def heartbeat_hook(hook: Callable[[], None]) -> Iterator[None]:
    """Call ``hook`` on every heartbeat of the imports run inside this block (a scope lock renews itself so)."""
    reset = _hooks.set((*_hooks.get(), hook))
    try:
        yield
    finally:
        _hooks.reset(reset)


def heartbeat() -> None:
    """An import committed a chunk: tell the hooks (see :func:`heartbeat_hook`)."""
    for hook in _hooks.get():
        hook()


def connection_lost() -> bool:
    """Whether the database connection is gone (its backend terminated, the server restarted): then an error is the
    whole run's, not one record's, since every later query on it fails too."""
    raw = connection.connection
    return raw is not None and bool(getattr(raw, "closed", False))


def worker_identity() -> str:
    """``host:pid``, plus `` task <id>`` inside a Celery task."""
    identity = f"{socket.gethostname()}:{os.getpid()}"
    from celery import current_task

    task_id = current_task.request.id if current_task else None
    return f"{identity} task {task_id}" if task_id else identity


def process_alive(worker: str) -> bool | None:
    """Whether the process a ``worker`` identity names still exists: None when it ran on another host (or the
    identity cannot be read), so only the heartbeat can tell."""
    host, _, rest = worker.partition(":")
    pid = rest.split(" ", 1)[0]
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def death_of(*, worker: str, heartbeat_at: datetime | None, started_at: datetime, now: datetime) -> str:
    """Why a run still marked running is dead (its process gone, its heartbeat too old), or "" if it may live."""
    beat = heartbeat_at or started_at
    if beat < now - timedelta(seconds=settings.IMPORT_HEARTBEAT_TIMEOUT):
        return f"no heartbeat since {beat:%Y-%m-%d %H:%M:%S} UTC"
    if heartbeat_at is not None and process_alive(worker) is False:
        return f"its process ({worker}) is gone"
    return ""


def import_runs_interrupt(*, source: str = "", scope: str = "", now: datetime | None = None) -> list[ImportRun]:
    """Mark the ``running`` runs (of ``source`` and ``scope`` when given) whose process died as ``interrupted``."""
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.IMPORT_HEARTBEAT_TIMEOUT)
    running = ImportRun.objects.filter(status=ImportRunStatus.RUNNING)
    if source:
        running = running.filter(source=source)
    if scope:
        running = running.filter(scope=scope)
    me = worker_identity()[:200]
    interrupted = []
    for run in running.filter(Q(heartbeat_at__isnull=False) | Q(started_at__lt=stale_before)):
        reason = death_of(worker=run.worker, heartbeat_at=run.heartbeat_at, started_at=run.started_at, now=now)
        if not reason and run.worker == me and " task " in me:
            # This very task in this very process, run again (a retry): the earlier attempt is over.
            reason = "its task is running again in the same process"
        if reason and _interrupt(run, reason):
            interrupted.append(run)
    return interrupted


def import_runs_abandon(*, reason: str) -> list[ImportRun]:
    """Mark the runs still ``running`` under this process and task (:func:`worker_identity`) as ``interrupted``, on
    a new database connection: for a task whose connection was lost mid-import (its backend terminated, the server
    restarted), when the importer's own bookkeeping may have failed on the dead one. The counts stay those
    committed with the last chunk."""
    if not connection.in_atomic_block:
        connection.close()  # the next query opens a new one
    interrupted = []
    for run in ImportRun.objects.filter(status=ImportRunStatus.RUNNING, worker=worker_identity()[:200]):
        if _interrupt(run, reason):
            interrupted.append(run)
    return interrupted


def _interrupt(run: ImportRun, reason: str) -> bool:
    beat = run.heartbeat_at or run.started_at
    # Only a run still running is closed: it may have finished since it was read.
    closed = ImportRun.objects.filter(pk=run.pk, status=ImportRunStatus.RUNNING).update(
        status=ImportRunStatus.INTERRUPTED,
        finished_at=beat,
        note=(f"{run.note}; " if run.note else "") + f"interrupted: {reason}; the counts are what it committed",
    )
    if closed:
        run.refresh_from_db()
        logger.warning("import run %s (%s %s) interrupted: %s", run.pk, run.source, run.scope, reason)
    return bool(closed)
