"""Test settings: the real services (PostgreSQL and Redis), as in CI. Override the URLs through the environment.

Under pytest-xdist (`make test` runs two workers) each worker has Redis databases of its own, as pytest-django
gives each its own test database: gw0 uses 14 and 15, gw1 12 and 13 (lower ones are left to other uses). The
environment still wins, and then is shared by every worker.
"""

import os

from django.core.exceptions import ImproperlyConfigured

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"... ; empty without xdist
WORKER_REDIS_DBS = {"": (14, 15), "gw0": (14, 15), "gw1": (12, 13)}
if WORKER not in WORKER_REDIS_DBS and not (os.environ.get("REDIS_URL") and os.environ.get("CELERY_BROKER_URL")):
    raise ImproperlyConfigured(
        f"xdist worker {WORKER} has no Redis databases of its own: run at most {len(WORKER_REDIS_DBS) - 1} workers, "
        "or set REDIS_URL and CELERY_BROKER_URL."
    )
CACHE_DB, BROKER_DB = WORKER_REDIS_DBS.get(WORKER, (None, None))

TEST_DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tracker",
    "REDIS_URL": f"redis://127.0.0.1:6379/{CACHE_DB}",
    "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{BROKER_DB}",
    "DJANGO_DEBUG": "false",
}
for name, value in TEST_DEFAULTS.items():
    if not os.environ.get(name):  # unset or empty
        os.environ[name] = value

from .base import *  # noqa: E402, F403
from .base import VAR_DIR  # noqa: E402

SECRET_KEY = "test-only-secret-key"  # noqa: S105
# Hashing passwords for real only slows the suite down.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EXPORTS_DIR = VAR_DIR / f"test-exports{'-' + WORKER if WORKER else ''}"
# The database is rolled back after each test but Redis is not, and a page cached by one test would be served to the
# next at the same data version: page bodies are cached only by the tests that ask for it (ETags still work).
PAGE_CACHE_SECONDS = 0
