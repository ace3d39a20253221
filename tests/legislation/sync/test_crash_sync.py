"""A sync killed mid-scope on a real worker (docs/RELIABILITY.md, "Crashes"): the redelivered task takes its own
scope lock over at once instead of finding it busy for the lock's lifetime, the killed run is marked interrupted,
and the bill is updated once."""

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

from ..crash import pool_child, start_worker, wait_for, worker_factory  # noqa: F401 - the fixture
from .fake_sources import OPENSTATES_KEY
from .test_openstates_sync import touch

pytestmark = pytest.mark.worker


def test_killed_sync_is_redelivered_and_takes_its_own_lock_over(fake, transactional_db, worker_factory):  # noqa: F811
    jurisdictions_seed()
    import_files(source="openstates", paths=demo_bill_files(), scope="demo")
    bill = Bill.objects.get(jurisdiction__code="ca", identifier="AB 701")
    Bill.objects.filter(pk=bill.pk).update(stage=Stage.IN_COMMITTEE)
    touch(fake.openstates_bill("AB 701", "ca"), datetime.now(UTC) - timedelta(hours=1), action="Synced once")
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
