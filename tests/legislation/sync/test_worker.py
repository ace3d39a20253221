"""End to end: the scheduled sync, sent through the real Redis broker, executed by a real Celery worker against the
fake sources, leaves the right rows."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django_celery_beat.models import PeriodicTask

from legislation.choices import Stage
from legislation.models import Bill, BillAction, ImportRun, ImportRunStatus
from tests.factories import BillLinkFactory
from tracker.celery import app

from .conftest import sessions_sitting
from .test_openstates_sync import touch

HOURLY = "Sync tracked bills: Open States and LegiScan (hourly)"


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out; runs: {list(ImportRun.objects.values('source', 'scope', 'status', 'note'))}")
        time.sleep(0.1)


@pytest.mark.worker
def test_scheduled_sync_runs_on_a_real_worker_and_leaves_the_right_rows(fake, transactional_db, settings):
    from legislation.importers import import_files
    from legislation.selectors import demo_bill_files
    from legislation.services import jurisdictions_seed

    jurisdictions_seed()
    import_files(source="openstates", paths=demo_bill_files(), scope="demo")
    sessions_sitting()
    bill = Bill.objects.get(jurisdiction__code="ca", identifier="AB 701")
    Bill.objects.filter(pk=bill.pk).update(stage=Stage.IN_COMMITTEE)  # still pending: worth polling
    BillLinkFactory(bill=bill)
    touch(fake.openstates_bill("AB 701", "ca"), datetime.now(UTC) - timedelta(hours=1), action="Synced by the worker")
    settings.LEGISCAN_API_KEY = ""  # one source without a key: skipped, not a crash
    entry = PeriodicTask.objects.get(name=HOURLY)  # made by a data migration (tests/conftest.py keeps it)

    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()  # the suite's own broker database
    app.loader.import_default_modules()  # register every app's tasks, as a worker process does
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        app.send_task(entry.task, kwargs=json.loads(entry.kwargs))
        wait_for(lambda: ImportRun.objects.filter(scope="sync:ca", finished_at__isnull=False).exists())

    run = ImportRun.objects.get(source="openstates", scope="sync:ca")
    assert run.status == ImportRunStatus.SUCCEEDED, run.errors
    assert (run.requests, run.updated) == (1, 1)
    assert BillAction.objects.filter(bill=bill, description="Synced by the worker").exists()
    skipped = ImportRun.objects.get(source="legiscan")
    assert skipped.status == ImportRunStatus.SKIPPED
    assert "LEGISCAN_API_KEY" in skipped.note
    assert fake.count("openstates") == 1
    assert fake.count("legiscan") == 0
