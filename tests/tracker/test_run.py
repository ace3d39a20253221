"""`make run` serves on the URL it prints, with or without PORT set.

The Makefile is read through `make -n run` (its recipe as the shell would run it) and the Procfile through honcho's
own `start` command, whose process manager is swapped for one that only records each process's command and
environment. The web command then runs with exactly that environment (pointed at the test database) and the
printed URL must answer.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db

REPO = Path(settings.BASE_DIR)
DEFAULT_PORT = 8000

# Runs honcho's real `start` up to the point where it would launch the processes, and prints them instead.
HONCHO_PROBE = """
import json, sys
import honcho.command as command

class Recorder:
    returncode = 0

    def __init__(self, *args, **kwargs):
        self.processes = {}

    def add_process(self, name, cmd, quiet=False, env=None, cwd=None):
        self.processes[name] = {"cmd": cmd, "env": env}

    def loop(self):
        json.dump(self.processes, sys.stdout)

command.Manager = lambda printer: RECORDER
RECORDER = Recorder()
command.main(sys.argv[1:])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def run_recipe(env: dict[str, str], tmp_path: Path) -> tuple[str, dict]:
    """The URL `make run` prints, and the processes honcho would start (name -> command and environment)."""
    recipe = subprocess.run(
        ["make", "--no-print-directory", "-n", "run"], cwd=REPO, env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    echo = next(line for line in recipe if "Serving on" in line)
    printed = subprocess.run(["sh", "-c", echo], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    url = re.search(r"https?://\S+", printed.stdout).group(0)

    honcho = next(line for line in recipe if re.search(r"\bhoncho\b.*\bstart\b", line))
    probe = tmp_path / "honcho_probe.py"
    probe.write_text(HONCHO_PROBE)
    command = re.sub(r"\S*\bhoncho(?=\s)", f"{sys.executable} {probe}", honcho, count=1)
    started = subprocess.run(["sh", "-c", command], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    return url, json.loads(started.stdout)


def wait_for(url: str, server: subprocess.Popen, timeout: float = 30) -> tuple[int, bytes]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except OSError:
            if server.poll() is not None:
                pytest.fail(f"the web process exited ({server.returncode}):\n{server.stdout.read()}")
            if time.monotonic() > deadline:
                pytest.fail(f"nothing answered at {url} within {timeout} s")
            time.sleep(0.2)


@pytest.fixture
def make_env(tmp_path) -> dict[str, str]:
    """The environment of a developer's `make run`: the development settings, on this test's (migrated) database,
    with nothing else shared with the suite (its own var/ directory, so the file cache and broker folder)."""
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "REDIS_URL", "CELERY_BROKER_URL", "PORT"):
        env.pop(name, None)
    env["DJANGO_DEBUG"] = "true"
    env["TRACKER_VAR_DIR"] = str(tmp_path / "var")
    database = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{connection.settings_dict['NAME']}")
    env["DATABASE_URL"] = database.geturl()
    return env


@pytest.mark.parametrize("port_set", [False, True], ids=["PORT unset", "PORT set"])
def test_make_run_serves_on_the_url_it_prints(port_set, make_env, tmp_path):
    if port_set:
        make_env["PORT"] = str(free_port())
    url, processes = run_recipe(make_env, tmp_path)
    web = processes["web.1"]
    port = urlsplit(url).port
    assert web["env"]["PORT"] == str(port), f"make run prints {url}, but honcho gives web PORT={web['env']['PORT']}"
    if not port_set:
        assert port == DEFAULT_PORT
        if not port_is_free(port):
            pytest.skip(f"port {port} is taken on this machine: the printed URL and honcho's PORT agree")

    server = subprocess.Popen(
        ["sh", "-c", web["cmd"]],
        cwd=REPO,
        env=web["env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # runserver's autoreloader forks: stop the whole group
    )
    try:
        status, body = wait_for(url, server)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    assert status == 200
    assert b"Recommendation tracker" in body
