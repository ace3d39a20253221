"""The production layout (deploy/Procfile.production) as documented: every task goes to a queue that a worker line
consumes (sources on their own queue, alerts and exports on another), one beat; and the whole layout started with
production settings answers /healthz and runs tasks on both queues (a real gunicorn, workers, beat, PostgreSQL and
Redis)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from celery.app.routes import prepare
from django.conf import settings

from tracker.celery import app
from tracker.settings.base import task_routes

PROCFILE = Path(settings.BASE_DIR) / "deploy" / "Procfile.production"
PRODUCTION_ROUTES = task_routes(sources="sources", outbound="outbound")


def procfile() -> dict[str, str]:
    lines = [line for line in PROCFILE.read_text().splitlines() if line and not line.startswith("#")]
    return dict(line.split(": ", 1) for line in lines)


def consumed_queues() -> set[str]:
    queues = set()
    for command in procfile().values():
        if " worker " in command:
            queues |= set(re.search(r"-Q (\S+)", command).group(1).split(","))
    return queues


def queue_of(name: str) -> str:
    """The queue Celery's router gives the task (its default queue when no route matches)."""
    for route in prepare([PRODUCTION_ROUTES]):
        found = route(name)
        if found:
            return found["queue"]
    return app.conf.task_default_queue


def test_every_task_goes_to_a_queue_a_worker_consumes():
    app.loader.import_default_modules()
    names = [name for name in app.tasks if not name.startswith("celery.")]
    assert len(names) > 10
    queues = {name: queue_of(name) for name in names}
    assert set(queues.values()) <= consumed_queues()
    assert {queues[n] for n in names if n.startswith(("legislation.", "recommendations."))} == {"sources"}
    assert {queues[n] for n in names if n.startswith("alerts.")} == {"outbound"}
    assert queues["api.exports_build"] == "outbound"


def test_one_beat_one_web_and_a_worker_per_queue():
    processes = procfile()
    assert [name for name, command in processes.items() if " beat" in command] == ["beat"]
    assert processes["web"].startswith("gunicorn tracker.wsgi:application")
    workers = [command for command in processes.values() if " worker " in command]
    assert len(workers) == 2
    assert consumed_queues() == {"sources", "outbound", "celery"}


def test_production_settings_route_by_queue():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tracker.settings.production", "DJANGO_SECRET_KEY": "x" * 50,
           "DJANGO_ALLOWED_HOSTS": "tracker.example.org"}
    code = "import django, json; django.setup(); from django.conf import settings; print(json.dumps(settings.%s))"
    code %= "CELERY_TASK_ROUTES"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == PRODUCTION_ROUTES


def wait_for(url: str, seconds: float) -> tuple[int, dict]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.mark.worker
def test_the_layout_starts_and_serves(tmp_path):
    """`honcho start` of the Procfile with production settings on this machine's services: /healthz is 200 and a
    task on each queue is run by its worker. Needs DEPLOY_DATABASE_URL: a migrated database this test may use."""
    database = os.environ.get("DEPLOY_DATABASE_URL")
    if not database:
        pytest.skip("set DEPLOY_DATABASE_URL to a migrated database to start the production layout")
    port = os.environ.get("DEPLOY_PORT", "8106")
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    broker = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/11")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings.production",
        "DJANGO_SECRET_KEY": "deploy-test-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": redis,
        "BIND": "127.0.0.1",
        "PORT": port,
        "WEB_CONCURRENCY": "2",
        "SOURCES_CONCURRENCY": "1",
        "OUTBOUND_CONCURRENCY": "1",
        "TRACKER_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    subprocess.run([f"{bin_dir}/python", "manage.py", "collectstatic", "--noinput"], env=env, check=True,
                   cwd=settings.BASE_DIR, capture_output=True)
    log = (tmp_path / "honcho.log").open("w")
    honcho = subprocess.Popen([f"{bin_dir}/honcho", "-f", str(PROCFILE), "-d", str(settings.BASE_DIR), "start"],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        status, body = wait_for(f"http://127.0.0.1:{port}/healthz", 60)
        assert status == 200, body
        assert all(check["ok"] for check in body["checks"].values())
        code = (
            "import django; django.setup()\n"
            "from tracker.celery import app\n"
            "for queue in ('sources', 'outbound', 'celery'):\n"
            "    print(queue, app.send_task('tracker.ping', args=[queue], queue=queue).get(timeout=60))\n"
        )
        out = subprocess.run([f"{bin_dir}/python", "-c", code], env=env, capture_output=True, text=True, timeout=120,
                             cwd=settings.BASE_DIR)
        assert out.stdout.split() == ["sources", "sources", "outbound", "outbound", "celery", "celery"], (
            out.stdout + out.stderr
        )
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        honcho.wait(timeout=60)
        log.close()
