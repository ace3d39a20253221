"""Test settings: the real services (PostgreSQL and Redis), as in CI. Override the URLs through the environment."""

import os

TEST_DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tracker",
    "REDIS_URL": "redis://127.0.0.1:6379/14",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
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
EXPORTS_DIR = VAR_DIR / "test-exports"
