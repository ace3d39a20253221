"""A live sync whose PostgreSQL connection is terminated inside its write: the run is `interrupted` with what it
committed (nothing here), not `failed` as if the source had sent bad data; the error reaches the task, which
retries (legislation/tasks.py, ``database_lost``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError

from legislation.models import Bill, BillAction, ImportRun, ImportRunStatus
from legislation.sync import openstates_sync

from ..crash import terminating_insert
from .test_openstates_sync import touch


@pytest.fixture
def terminated_in_action_insert(transactional_db: None) -> Iterator[None]:
    with terminating_insert("legislation_billaction"):
        yield


def test_sync_whose_connection_is_terminated_is_interrupted_with_nothing_counted(
    transactional_db, demo_bills, fake, terminated_in_action_insert
):
    touch(fake.openstates_bill("AB 701", "ca"), datetime.now(UTC) - timedelta(hours=1), action="Synced once")
    bill = Bill.objects.get(jurisdiction__code="ca", identifier="AB 701")
    with pytest.raises(DatabaseError):
        openstates_sync(jurisdiction="ca", bill_ids=[bill.pk])
    run = ImportRun.objects.get(scope="sync:ca")
    assert run.status == ImportRunStatus.INTERRUPTED, (run.status, run.errors)
    assert (run.updated, run.failed) == (0, 0)
    assert not BillAction.objects.filter(bill=bill, description="Synced once").exists()
