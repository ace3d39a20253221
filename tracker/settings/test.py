"""Test settings: the real services (PostgreSQL and Redis), as in CI. Override the URLs through the environment.

Under pytest-xdist (`make test` runs two workers) each worker has Redis databases of its own, as pytest-django
gives each its own test database: gw0 uses 14 and 15, gw1 12 and 13 (lower ones are left to other uses). The
environment still wins, and then is shared by every worker.
"""

import os

from django.core.exceptions import ImproperlyConfigured

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"... ; empty without xdist
WORKER_REDIS_DBS = {"": (14, 15), "gw0": (14, 15), "gw1": (12, 13)}
REDIS_NAMES = ("REDIS_URL", "CELERY_BROKER_URL")
if WORKER not in WORKER_REDIS_DBS and not all(os.environ.get(name) for name in REDIS_NAMES):
    raise ImproperlyConfigured(
        f"xdist worker {WORKER} has no Redis databases of its own: run at most {len(WORKER_REDIS_DBS) - 1} workers, "
        "or set REDIS_URL and CELERY_BROKER_URL."
    )

TEST_DEFAULTS = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tracker", "DJANGO_DEBUG": "false"}
for name, value in TEST_DEFAULTS.items():
    if not os.environ.get(name):  # unset or empty
        os.environ[name] = value

# The Redis URLs are put in the environment only while base.py reads them: xdist's controller loads these settings
# too, and the workers it starts would inherit its URLs as if they had been set by hand.
cache_db, broker_db = WORKER_REDIS_DBS.get(WORKER, (None, None))
redis_defaults = {
    "REDIS_URL": f"redis://127.0.0.1:6379/{cache_db}",
    "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{broker_db}",
}
defaulted = [name for name in REDIS_NAMES if not os.environ.get(name)]
os.environ.update({name: redis_defaults[name] for name in defaulted})
try:
    from .base import *  # noqa: F403
    from .base import VAR_DIR
finally:
    for name in defaulted:
        del os.environ[name]

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
# Totals likewise (a rolled-back test leaves its counts cached at a version the next test may still be at).
API_COUNT_CACHE_SECONDS = 0
# Webhook retries after 1, 2, 4... seconds without jitter instead of 30, 60, 120... with it: a test watches the
# backoff on a real worker (tests/alerts/test_tasks.py). The decorator reads these when alerts/tasks.py is imported.
ALERTS_WEBHOOK_BACKOFF = 1
ALERTS_WEBHOOK_JITTER = False
ALERTS_DISPATCH_DELAY = 1
