"""The worker's PostgreSQL connections terminated mid-backfill (docs/RELIABILITY.md, "Crashes"), as a restart, a
failover or an administrator's ``pg_terminate_backend`` would: the chunk in flight rolls back, the run is marked
`interrupted` with the chunks it committed (and no bill counted as failed), the task retries by itself
(``legislation.tasks.database_lost``) and the rerun completes: no duplicates, stage-change chains unbroken.

The in-process side (a backend terminated inside a chunk's INSERT): tests/legislation/importers/
test_lost_connection.py.
"""

from __future__ import annotations

import time

import pytest

from legislation.models import ImportRun, ImportRunStatus, StageChange
from legislation.services import jurisdictions_seed
from tracker.celery import app

from .crash import (  # noqa: F401 - worker_factory is a fixture
    BILLS,
    assert_consistent,
    backends_terminate,
    bulk_zip,
    rerun_done,
    running_with_a_chunk,
    start_worker,
    wait_for,
    worker_factory,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_terminated_backend_interrupts_the_run_and_the_task_retries_to_completion(tmp_path, worker_factory):  # noqa: F811
    jurisdictions_seed()
    path = bulk_zip(tmp_path / "CA_20212022.zip", BILLS)
    worker_factory.append(start_worker(log=tmp_path / "worker.log"))
    app.send_task("legislation.openstates_backfill", args=[str(path)])
    wait_for(running_with_a_chunk, 120, "a committed chunk")
    assert backends_terminate() >= 1
    started = time.monotonic()

    killed = wait_for(
        lambda: ImportRun.objects.filter(status=ImportRunStatus.INTERRUPTED).first(), 30, "the run marked"
    )
    marked = time.monotonic() - started
    rerun = wait_for(lambda: rerun_done(killed), 120, "the retried task")
    waited = time.monotonic() - started
    assert killed.failed == 0, killed.errors[:3]  # the chunk in flight is not its bills' failure
    assert killed.inserted >= 1000
    assert StageChange.objects.filter(import_run=killed).count() == killed.inserted  # the counts are what it wrote
    assert killed.errors[-1]["message"].startswith("stopped by OperationalError"), killed.errors[-3:]
    assert (rerun.status, rerun.failed, rerun.inserted + rerun.unchanged) == (ImportRunStatus.SUCCEEDED, 0, BILLS)
    assert rerun.unchanged == killed.inserted
    assert_consistent(BILLS)
    assert waited < 60  # the retry's 10 s countdown and the import: never the visibility timeout
    print(
        f"\npostgres terminate: run marked in {marked:.1f} s with {killed.inserted} of {BILLS} committed;"
        f" retried and done {waited:.1f} s after the kill ({rerun.inserted} inserted, {rerun.unchanged} unchanged)"
    )
