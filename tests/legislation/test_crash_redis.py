"""Redis restarted under a running backfill (docs/RELIABILITY.md, "Crashes"): the worker's broker and cache are a
redis-server of the test's own, stopped (SHUTDOWN NOSAVE, as a crash) a chunk into the import and started again
3 s later, with and without an append-only file.

Either way the worker reconnects, the running import is not cancelled (a Redis blip must not kill a 30-minute
backfill: ``CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS`` is off) and completes, with no duplicate
bill and unbroken stage-change chains. What Redis kept decides the rest:

- nothing (no persistence): the task queued behind it is lost, and the running one is never delivered again. Nothing
  brings a backfill back but sending it again (the beat schedule re-sends the syncs on its own, hourly);
- an append-only file: the queued task runs after the restart, and the running one, whose acknowledgement could not
  reach the lost connection, is delivered again after the visibility timeout and finds every bill unchanged.
"""

from __future__ import annotations

import time

import pytest

from legislation.models import ImportRun, ImportRunStatus
from legislation.services import jurisdictions_seed

from .crash import (  # noqa: F401 - worker_factory and redis_server are fixtures
    BILLS,
    VISIBILITY,
    assert_consistent,
    bulk_zip,
    redis_server,
    running_with_a_chunk,
    send_task,
    start_worker,
    wait_for,
    worker_factory,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

COUNT = 3 * BILLS
OUTAGE = 3  # seconds Redis is down


def finished() -> list[ImportRun]:
    return list(ImportRun.objects.filter(finished_at__isnull=False).order_by("pk"))


@pytest.mark.parametrize("appendonly", [False, True], ids=["nothing-kept", "append-only-file"])
def test_redis_restarted_under_a_backfill(tmp_path, worker_factory, redis_server, appendonly):  # noqa: F811
    jurisdictions_seed()
    redis_server.appendonly = appendonly
    broker = redis_server.start().url(3)
    path = bulk_zip(tmp_path / "CA_20212022.zip", COUNT)
    worker_factory.append(
        start_worker(log=tmp_path / "worker.log", CELERY_BROKER_URL=broker, REDIS_URL=redis_server.url(2))
    )
    send_task(broker, "legislation.openstates_backfill", str(path))
    send_task(broker, "legislation.openstates_backfill", str(path))  # queued behind it (one child, prefetch 1)
    first = wait_for(running_with_a_chunk, 120, "a committed chunk")
    redis_server.stop()
    time.sleep(OUTAGE)
    redis_server.start()
    back = time.monotonic()
    first.refresh_from_db()
    # Whether the import ended while Redis was down or after, its acknowledgement went to the lost connection.
    state = f"{first.inserted} of {COUNT} committed when Redis was back"

    done = wait_for(lambda: ImportRun.objects.filter(pk=first.pk, finished_at__isnull=False).first(), 120, "the run")
    assert (done.status, done.inserted, done.failed) == (ImportRunStatus.SUCCEEDED, COUNT, 0)
    if appendonly:
        # The queued task, and the running one again after the visibility timeout: both find every bill unchanged.
        runs = wait_for(lambda: len(finished()) >= 3 and finished(), VISIBILITY + 60, "the kept tasks")
        waited = time.monotonic() - back
        assert [(run.status, run.unchanged) for run in runs[1:]] == [(ImportRunStatus.SUCCEEDED, COUNT)] * 2
    else:
        time.sleep(VISIBILITY + 12)  # a kept task would be back by now
        assert finished() == [done]  # the queued task is gone with Redis' memory
        waited = time.monotonic() - back
        send_task(broker, "legislation.openstates_backfill", str(path))  # the worker is connected again: sent anew
        rerun = wait_for(lambda: len(finished()) >= 2 and finished()[1], 60, "the task sent again")
        assert (rerun.status, rerun.unchanged) == (ImportRunStatus.SUCCEEDED, COUNT)
    assert_consistent(COUNT)
    kept = "append-only file" if appendonly else "nothing kept"
    print(f"\nredis restart ({kept}): {state}; {len(finished())} runs, the last {waited:.0f} s after")
