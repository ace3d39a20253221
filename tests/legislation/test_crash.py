"""Crashes with a real Celery worker and the real Redis broker (docs/RELIABILITY.md, "Crashes"): a bulk backfill is
killed (SIGKILL) mid-import, the pool child alone and then the whole worker, and run again.

After each: no duplicate bills or ids, every bill's stage changes form one unbroken chain (the first from no stage,
each from the previous one's stage, the last to the bill's stage), the killed run is marked `interrupted` with the
counts it committed, and the rerun completes (its bills inserted or unchanged, none failed).

The worker is a separate process (``celery -A tracker worker``, prefork, one child) on the suite's database and
broker, as in production; only its visibility timeout is shortened so a task of a dead worker comes back in
seconds instead of 55 minutes.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from legislation.models import Bill, ImportRun, ImportRunStatus
from legislation.services import jurisdictions_seed
from tracker.celery import app

from .crash import (  # noqa: F401 - worker_factory is a fixture
    BILLS,
    VISIBILITY,
    assert_consistent,
    bulk_zip,
    pool_child,
    rerun_done,
    running_with_a_chunk,
    start_worker,
    stop,
    wait_for,
    worker_factory,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_killed_pool_child_is_redelivered_its_run_interrupted_and_the_rerun_completes(tmp_path, worker_factory):  # noqa: F811
    jurisdictions_seed()
    path = bulk_zip(tmp_path / "CA_20212022.zip", BILLS)
    worker_factory.append(start_worker())
    app.send_task("legislation.openstates_backfill", args=[str(path)])
    killed = wait_for(running_with_a_chunk, 120, "a committed chunk")
    os.kill(pool_child(killed), signal.SIGKILL)  # the pool child running the task

    # reject_on_worker_lost: the task goes back to the queue at once and a new child runs it again.
    rerun = wait_for(lambda: rerun_done(killed), 300, "the rerun")
    killed.refresh_from_db()
    assert killed.status == ImportRunStatus.INTERRUPTED
    assert killed.inserted >= 1000
    assert Bill.objects.filter(external_ids__external_id__startswith="ocd-bill/crash-").count() == BILLS
    assert (rerun.status, rerun.failed, rerun.inserted + rerun.unchanged) == (ImportRunStatus.SUCCEEDED, 0, BILLS)
    assert rerun.scope == killed.scope == "backfill CA_20212022.zip"  # a file name, never the server's path
    assert_consistent(BILLS)
    print(f"\nchild kill: killed run committed {killed.inserted} of {BILLS}; rerun {rerun.duration}")


def test_killed_worker_is_found_dead_at_the_next_start_and_its_task_comes_back(tmp_path, worker_factory):  # noqa: F811
    jurisdictions_seed()
    path = bulk_zip(tmp_path / "CA_20212022.zip", BILLS)
    first = start_worker()
    worker_factory.append(first)
    app.send_task("legislation.openstates_backfill", args=[str(path)])
    killed = wait_for(running_with_a_chunk, 120, "a committed chunk")
    stop(first)  # SIGKILL to the whole process group: main process and child
    killed.refresh_from_db()
    assert killed.status == ImportRunStatus.RUNNING  # nobody left to say otherwise

    started = time.monotonic()
    worker_factory.append(start_worker())
    # At start the new worker marks the dead run; after the visibility timeout Redis gives the task back.
    wait_for(lambda: ImportRun.objects.filter(pk=killed.pk, status=ImportRunStatus.INTERRUPTED).exists(), 60, "mark")
    rerun = wait_for(lambda: rerun_done(killed), 300, "the redelivered task")
    waited = time.monotonic() - started
    assert waited < VISIBILITY + 40  # the visibility timeout, kombu's 10 s sweep, the worker's start and the import
    killed.refresh_from_db()
    assert killed.inserted >= 1000
    assert (rerun.status, rerun.failed, rerun.inserted + rerun.unchanged) == (ImportRunStatus.SUCCEEDED, 0, BILLS)
    assert_consistent(BILLS)
    print(f"\nworker kill: killed run committed {killed.inserted} of {BILLS}; back and done in {waited:.0f} s")
