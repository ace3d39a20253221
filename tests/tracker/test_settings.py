"""Production settings: refuse to start without secrets, and pass Django's deployment checks when given them."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "a-long-random-production-secret-key-with-many-different-characters-0123456789"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST", "COV_"))
    }
    environment.update(DJANGO_SETTINGS_MODULE="tracker.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )


def test_production_passes_check_deploy_with_no_warnings():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="tracker.org"
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues (0 silenced)" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_ALLOWED_HOSTS="tracker.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage("check", DJANGO_SECRET_KEY=SECRET)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr
