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

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import Count

from legislation.models import Bill, BillExternalId, ImportRun, ImportRunStatus, StageChange
from legislation.services import jurisdictions_seed
from tracker.celery import app

from .importers.payloads import demo_bill, export_bill

ROOT = Path(__file__).resolve().parents[2]
BILLS = int(os.environ.get("CRASH_BILLS", "6000"))
VISIBILITY = 8  # seconds: the worker's broker visibility timeout in these tests

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def bulk_zip(path: Path, count: int) -> Path:
    """An Open States bulk JSON zip of ``count`` California bills (real bills' shapes, numbered identifiers)."""
    models = [export_bill(demo_bill("ca", identifier)) for identifier in ("SB 57", "AB 701", "SB 180")]
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("CA/20212022/CA_20212022_bills.json", "w") as out,
    ):
        out.write(b"[")
        for index in range(count):
            bill = dict(models[index % len(models)])
            bill.update(id=f"ocd-bill/crash-{index}", identifier=f"AB {10000 + index}", legislative_session="20212022")
            out.write((b"," if index else b"") + json.dumps(bill).encode())
        out.write(b"]")
    return path


def worker_env(**extra: str) -> dict[str, str]:
    database = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tracker.settings.test",
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        CELERY_BROKER_URL=django_settings.CELERY_BROKER_URL,
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY),
        **extra,
    )
    return env


def start_worker(**env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tracker",
            "worker",
            "-P",
            "prefork",
            "-c",
            "1",
            "-l",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=worker_env(**env),
        start_new_session=True,  # its own process group: the whole worker can be killed at once
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)


@pytest.fixture
def worker_factory() -> Iterator[list[subprocess.Popen]]:
    started: list[subprocess.Popen] = []
    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()
    yield started
    for worker in started:
        stop(worker)
    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    runs = list(ImportRun.objects.values("pk", "status", "inserted", "unchanged", "worker", "note"))
    pytest.fail(f"timed out waiting for {what}; runs: {runs}")


def running_with_a_chunk() -> ImportRun | None:
    return ImportRun.objects.filter(status=ImportRunStatus.RUNNING, inserted__gte=1000).first()


def assert_consistent(count: int) -> None:
    """No duplicates, and every bill's stage changes form one chain ending at its stage."""
    assert Bill.objects.count() == count
    assert not BillExternalId.objects.values("source", "external_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not Bill.objects.values("jurisdiction", "session", "identifier").annotate(n=Count("id")).filter(n__gt=1)
    chains: dict[int, list[tuple[str, str]]] = {}
    for bill_id, from_stage, to_stage in StageChange.objects.order_by("bill_id", "seen_at", "id").values_list(
        "bill_id", "from_stage", "to_stage"
    ):
        chains.setdefault(bill_id, []).append((from_stage, to_stage))
    stages = dict(Bill.objects.values_list("pk", "stage"))
    assert set(chains) == set(stages)
    for bill_id, chain in chains.items():
        assert chain[0][0] == "", chain
        assert all(previous[1] == current[0] for previous, current in itertools.pairwise(chain)), chain
        assert chain[-1][1] == stages[bill_id], chain


def rerun_done(first: ImportRun) -> ImportRun | None:
    return (
        ImportRun.objects.filter(pk__gt=first.pk, finished_at__isnull=False)
        .exclude(status=ImportRunStatus.INTERRUPTED)
        .first()
    )


def test_killed_pool_child_is_redelivered_its_run_interrupted_and_the_rerun_completes(tmp_path, worker_factory):
    jurisdictions_seed()
    path = bulk_zip(tmp_path / "CA_20212022.zip", BILLS)
    worker_factory.append(start_worker())
    app.send_task("legislation.openstates_backfill", args=[str(path)])
    killed = wait_for(running_with_a_chunk, 120, "a committed chunk")
    child = int(killed.worker.split(":")[1].split(" ")[0])  # the pool child running the task
    os.kill(child, signal.SIGKILL)

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


def test_killed_worker_is_found_dead_at_the_next_start_and_its_task_comes_back(tmp_path, worker_factory):
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
