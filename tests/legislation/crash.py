"""Helpers of the crash proofs (docs/RELIABILITY.md, "Crashes"): a real ``celery -A tracker worker`` started as a
subprocess on the suite's database, a generated Open States bulk zip, and the checks made after each crash (no
duplicate bills, unbroken stage-change chains).

The worker's broker and cache are the suite's Redis unless a test gives its own (``RedisServer``: a redis-server of
the test's own that it may stop and start again without touching anyone else's).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import Count

from legislation.models import Bill, BillExternalId, ImportRun, ImportRunStatus, StageChange

from .importers.payloads import demo_bill, export_bill

ROOT = Path(__file__).resolve().parents[2]
BILLS = int(os.environ.get("CRASH_BILLS", "6000"))
VISIBILITY = 8  # seconds: the worker's broker visibility timeout in these tests
REDIS_PORT = 6390  # redis-servers started by the tests (one port a pytest-xdist worker)


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
    )
    env.update(extra)
    return env


def start_worker(*, log: Path | None = None, **env: str) -> subprocess.Popen:
    """A worker (prefork, one child) in its own process group; ``log`` keeps its output (warnings and up)."""
    output = log.open("ab") if log else subprocess.DEVNULL
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
        stdout=output,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
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


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    runs = list(ImportRun.objects.values("pk", "status", "inserted", "unchanged", "failed", "worker", "note"))
    pytest.fail(f"timed out waiting for {what}; runs: {runs}")


def running_with_a_chunk() -> ImportRun | None:
    return ImportRun.objects.filter(status=ImportRunStatus.RUNNING, inserted__gte=1000).first()


def pool_child(run: ImportRun) -> int:
    """The pid of the process running ``run`` (its worker identity is ``host:pid task <id>``)."""
    return int(run.worker.split(":")[1].split(" ")[0])


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


def backends_terminate() -> int:
    """Terminate every other client connection to the test database (the worker's: its main process and child)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return cursor.fetchone()[0]


class RedisServer:
    """A redis-server of the test's own on ``port``, which it may stop and start again (never the shared one)."""

    def __init__(self, port: int, directory: Path, *, appendonly: bool) -> None:
        self.port = port
        self.directory = directory
        self.appendonly = appendonly
        self.process: subprocess.Popen | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        client = redis.Redis(port=self.port)
        with contextlib.suppress(redis.ConnectionError):
            client.ping()
            pytest.fail(f"port {self.port} already has a Redis: the test would stop a server not its own")
        command = [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--dir", str(self.directory), "--save", "", "--appendonly", "yes" if self.appendonly else "no"]
        if self.appendonly:
            command += ["--appendfsync", "always"]  # what was written is on disk when the server is stopped
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                if client.ping():
                    return self
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """SHUTDOWN NOSAVE, as a crash: what the append-only file holds (if any) is all that survives."""
        if self.process and self.process.poll() is None:
            with contextlib.suppress(redis.ConnectionError):  # the server closes the connection as it exits
                redis.Redis(port=self.port).shutdown(nosave=True)
            self.process.wait(10)
        self.process = None

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own (not started yet: the test says whether it keeps an append-only file), on a
    port of its own for each xdist worker."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed here: the Redis restart proofs start one of their own")
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    server = RedisServer(REDIS_PORT + index, tmp_path, appendonly=False)
    yield server
    server.kill()


def send_task(broker_url: str, name: str, *args: Any) -> None:
    """Send a task by name through the broker at ``broker_url`` (a worker's own Redis)."""
    from tracker.celery import app

    with app.connection_for_write(broker_url) as broker:
        app.send_task(name, args=list(args), connection=broker)


@contextlib.contextmanager
def terminating_insert(table: str, *, when: str = "true") -> Iterator[None]:
    """A trigger that terminates the backend inserting into ``table`` (once ``when``, an SQL condition, holds), in
    the middle of the statement: the connection is lost inside a chunk's write, as when an administrator, a restart
    or a failover terminates a busy backend. It fires only on this test's connection (a session setting), so a
    trigger left behind by a test killed half-way harms no other connection; dropped on exit."""
    drop = f"DROP TRIGGER IF EXISTS crash_test_terminate ON {table}; DROP FUNCTION IF EXISTS crash_test_terminate();"
    create = f"""
    CREATE FUNCTION crash_test_terminate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('crash_test.terminate', true) = 'on' AND ({when}) THEN
            PERFORM pg_terminate_backend(pg_backend_pid());
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER crash_test_terminate AFTER INSERT ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION crash_test_terminate();
    """
    with connection.cursor() as cursor:
        cursor.execute(drop + create + "SET crash_test.terminate = 'on';")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(drop)
