"""A sync on a real worker through crashes (docs/RELIABILITY.md, "Crashes"): killed mid-scope, the redelivered task
takes its own scope lock over at once instead of finding it busy for the lock's lifetime, the killed run is marked
interrupted, and the bill is updated once; Redis restarted under it; its PostgreSQL connections terminated."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest

from legislation.choices import Stage
from legislation.importers import import_files
from legislation.models import Bill, BillAction, ImportRun, ImportRunStatus
from legislation.selectors import demo_bill_files
from legislation.services import jurisdictions_seed
from tracker.celery import app

from ..crash import (  # noqa: F401 - worker_factory and redis_server are fixtures
    backends_terminate,
    pool_child,
    redis_server,
    send_task,
    start_worker,
    wait_for,
    worker_factory,
)
from .fake_sources import OPENSTATES_KEY
from .test_openstates_sync import touch

pytestmark = pytest.mark.worker


def slow_sync_ready(fake) -> Bill:
    """The demo's bills stored, California AB 701 pending and changed at the source ("Synced once"): the bill a
    sync of the scope `openstates ca` updates. Each test then makes the source slow and starts its worker."""
    jurisdictions_seed()
    import_files(source="openstates", paths=demo_bill_files(), scope="demo")
    bill = Bill.objects.get(jurisdiction__code="ca", identifier="AB 701")
    Bill.objects.filter(pk=bill.pk).update(stage=Stage.IN_COMMITTEE)
    touch(fake.openstates_bill("AB 701", "ca"), datetime.now(UTC) - timedelta(hours=1), action="Synced once")
    return bill


def test_killed_sync_is_redelivered_and_takes_its_own_lock_over(fake, transactional_db, worker_factory):  # noqa: F811
    bill = slow_sync_ready(fake)
    fake.fail("openstates", "slow", delay=4)  # the first list request hangs: the task is killed while waiting
    worker_factory.append(
        start_worker(
            OPENSTATES_BASE_URL=f"{fake.url}/openstates", OPENSTATES_API_KEY=OPENSTATES_KEY, LEGISCAN_API_KEY=""
        )
    )
    app.send_task("legislation.sync_scope", args=["openstates", "ca", [bill.pk]])
    killed = wait_for(
        lambda: ImportRun.objects.filter(scope="sync:ca", status=ImportRunStatus.RUNNING).first(), 60, "the sync"
    )
    time.sleep(1)  # inside the slow request, holding the scope lock
    os.kill(pool_child(killed), signal.SIGKILL)
    started = time.monotonic()
    rerun = wait_for(
        lambda: ImportRun.objects.filter(pk__gt=killed.pk, scope="sync:ca", finished_at__isnull=False).first(),
        60,
        "the redelivered sync",
    )
    waited = time.monotonic() - started
    killed.refresh_from_db()
    assert killed.status == ImportRunStatus.INTERRUPTED
    assert (rerun.status, rerun.updated) == (ImportRunStatus.SUCCEEDED, 1), rerun.errors
    assert BillAction.objects.filter(bill=bill, description="Synced once").count() == 1
    assert waited < 30  # not the lock's lifetime (SYNC_LOCK_TTL, 10 minutes)
    print(f"\nsync kill: redelivered and done in {waited:.1f} s")


def test_sync_outlives_a_redis_restart_and_the_worker_reconnects(fake, transactional_db, worker_factory, redis_server):  # noqa: F811
    """Redis (the worker's broker and cache, a server of the test's own, nothing kept) stops while the sync waits on
    a slow source, with the scope lock held, and stays down while the sync writes: the lock's renewal, done inside
    the chunk's transaction, must not roll the bill back. Redis comes back empty; a second sync sent then runs."""
    bill = slow_sync_ready(fake)
    fake.fail("openstates", "slow", delay=3)
    broker = redis_server.start().url(3)
    worker_factory.append(
        start_worker(
            CELERY_BROKER_URL=broker,
            REDIS_URL=redis_server.url(2),
            OPENSTATES_BASE_URL=f"{fake.url}/openstates",
            OPENSTATES_API_KEY=OPENSTATES_KEY,
            LEGISCAN_API_KEY="",
        )
    )
    send_task(broker, "legislation.sync_scope", "openstates", "ca", [bill.pk])
    wait_for(lambda: ImportRun.objects.filter(scope="sync:ca", status=ImportRunStatus.RUNNING).first(), 60, "the sync")
    time.sleep(1)  # inside the slow request, holding the scope lock
    redis_server.stop()
    run = wait_for(
        lambda: ImportRun.objects.filter(scope="sync:ca", finished_at__isnull=False).first(), 30, "the sync's end"
    )
    redis_server.start()
    assert (run.status, run.updated) == (ImportRunStatus.SUCCEEDED, 1), run.errors
    assert BillAction.objects.filter(bill=bill, description="Synced once").count() == 1

    started = time.monotonic()
    send_task(broker, "legislation.sync_scope", "openstates", "ca", [bill.pk])
    second = wait_for(
        lambda: ImportRun.objects.filter(pk__gt=run.pk, scope="sync:ca", finished_at__isnull=False).first(),
        60,
        "a sync sent after the restart",
    )
    assert second.status == ImportRunStatus.SUCCEEDED, second.errors
    assert BillAction.objects.filter(bill=bill, description="Synced once").count() == 1
    print(f"\nsync across a Redis restart: succeeded; the next sync done {time.monotonic() - started:.1f} s after")


def test_sync_whose_database_connection_is_terminated_retries_and_completes(fake, transactional_db, worker_factory):  # noqa: F811
    """The worker's PostgreSQL connections terminated while the sync waits on a slow source: the run ends
    `interrupted`, the task retries by itself, and the bill is updated once."""
    bill = slow_sync_ready(fake)
    fake.fail("openstates", "slow", delay=3)
    worker_factory.append(
        start_worker(
            OPENSTATES_BASE_URL=f"{fake.url}/openstates", OPENSTATES_API_KEY=OPENSTATES_KEY, LEGISCAN_API_KEY=""
        )
    )
    app.send_task("legislation.sync_scope", args=["openstates", "ca", [bill.pk]])
    killed = wait_for(
        lambda: ImportRun.objects.filter(scope="sync:ca", status=ImportRunStatus.RUNNING).first(), 60, "the sync"
    )
    time.sleep(1)  # inside the slow request
    assert backends_terminate() >= 1
    started = time.monotonic()
    rerun = wait_for(
        lambda: ImportRun.objects.filter(pk__gt=killed.pk, scope="sync:ca", finished_at__isnull=False).first(),
        60,
        "the retried sync",
    )
    waited = time.monotonic() - started
    killed.refresh_from_db()
    assert (killed.status, killed.updated, killed.failed) == (ImportRunStatus.INTERRUPTED, 0, 0), killed.errors
    assert (rerun.status, rerun.updated) == (ImportRunStatus.SUCCEEDED, 1), rerun.errors
    assert BillAction.objects.filter(bill=bill, description="Synced once").count() == 1
    print(f"\nsync database terminate: retried and done {waited:.1f} s after")
