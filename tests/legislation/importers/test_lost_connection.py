"""An import whose PostgreSQL connection is terminated mid-run (``pg_terminate_backend``: a restart, a failover, an
administrator): the chunk in flight rolls back, its bills are not counted as failed (they did nothing wrong), and the
run is marked `interrupted` with what it committed, written on a new connection. The real worker's side (the task
retried, the rerun completing) is in tests/legislation/test_crash_postgres.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import DatabaseError, connection

from legislation.importers import import_files
from legislation.models import Bill, ImportRun, ImportRunStatus, StageChange
from legislation.services import jurisdictions_seed

from .payloads import DEMO_PAGES

pytestmark = pytest.mark.django_db(transaction=True)  # the connection dies: no test transaction to roll back


# Terminates the backend that runs it, in the middle of the INSERT of the second chunk's bills (the first chunk's
# 10 are then in the table): the connection is lost inside the chunk's write, as when an administrator or a restart
# terminates a busy backend.
TRIGGER = """
CREATE FUNCTION crash_test_terminate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM legislation_bill) > 10 THEN
        PERFORM pg_terminate_backend(pg_backend_pid());
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER crash_test_terminate AFTER INSERT ON legislation_bill
    FOR EACH STATEMENT EXECUTE FUNCTION crash_test_terminate();
"""
DROP = """
DROP TRIGGER IF EXISTS crash_test_terminate ON legislation_bill;
DROP FUNCTION IF EXISTS crash_test_terminate();
"""


@pytest.fixture
def terminating_insert() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(DROP + TRIGGER)
    yield
    with connection.cursor() as cursor:
        cursor.execute(DROP)


@pytest.mark.usefixtures("terminating_insert")
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
