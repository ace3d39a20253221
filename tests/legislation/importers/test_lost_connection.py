"""An import whose PostgreSQL connection is terminated mid-run (``pg_terminate_backend``: a restart, a failover, an
administrator): the chunk in flight rolls back, its bills are not counted as failed (they did nothing wrong), and the
run is marked `interrupted` with what it committed, written on a new connection. The real worker's side (the task
retried, the rerun completing) is in tests/legislation/test_crash_postgres.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import DatabaseError
from django.utils import timezone

from legislation.importers import import_files, runs
from legislation.importers.runs import import_runs_abandon, worker_identity
from legislation.models import Bill, ImportRun, ImportRunStatus, StageChange
from legislation.services import jurisdictions_seed

from ..crash import terminating_insert
from .payloads import DEMO_PAGES

pytestmark = pytest.mark.django_db(transaction=True)  # the connection dies: no test transaction to roll back


@pytest.fixture
def terminated_in_second_chunk() -> Iterator[None]:
    # In the INSERT of the second chunk's bills: the first chunk's 10 are in the table by then.
    with terminating_insert("legislation_bill", when="(SELECT count(*) FROM legislation_bill) > 10"):
        yield


@pytest.mark.usefixtures("terminated_in_second_chunk")
def test_a_connection_terminated_in_a_write_interrupts_the_run_with_what_it_committed() -> None:
    jurisdictions_seed()
    with pytest.raises(DatabaseError):
        import_files(source="openstates", paths=DEMO_PAGES, chunk_size=10)
    run = ImportRun.objects.get()
    assert run.status == ImportRunStatus.INTERRUPTED
    # Not 10 inserted and 10 failed "not saved: the connection is closed": the second chunk did nothing wrong.
    assert (run.inserted, run.failed, Bill.objects.count()) == (10, 0, 10)
    assert StageChange.objects.filter(import_run=run).count() == 10
    assert len(run.errors) == 1, run.errors[:3]
    assert run.errors[0]["message"].startswith("stopped by OperationalError"), run.errors
    assert "interrupted" in run.note


def test_abandon_marks_this_process_runs_interrupted_on_a_new_connection() -> None:
    mine = ImportRun.objects.create(source="openstates", scope="a", worker=worker_identity(), inserted=1000)
    other = ImportRun.objects.create(source="openstates", scope="b", worker="elsewhere:1 task x")
    assert [run.pk for run in import_runs_abandon(reason="database connection lost")] == [mine.pk]
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.status, mine.inserted, other.status) == (ImportRunStatus.INTERRUPTED, 1000, ImportRunStatus.RUNNING)
    assert "database connection lost" in mine.note


def test_a_retry_in_the_same_process_closes_the_task_s_earlier_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # The first attempt could not mark its run (the database was still away); the process is alive, so only the
    # identity tells it is over: the same host, pid and task id are importing again.
    monkeypatch.setattr(runs, "worker_identity", lambda: "vm:1 task abc")
    beat = timezone.now()
    earlier = ImportRun.objects.create(
        source="openstates", scope="s", worker="vm:1 task abc", inserted=1000, heartbeat_at=beat
    )
    other = ImportRun.objects.create(source="openstates", scope="s", worker="vm:1 task other", heartbeat_at=beat)
    assert [run.pk for run in runs.import_runs_interrupt(source="openstates", scope="s")] == [earlier.pk]
    earlier.refresh_from_db()
    other.refresh_from_db()
    assert (earlier.status, earlier.inserted, other.status) == (ImportRunStatus.INTERRUPTED, 1000, "running")
    assert "running again" in earlier.note
