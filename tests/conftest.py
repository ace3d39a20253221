"""Fixtures shared by the whole suite."""

import importlib
import io
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django_celery_beat.models import PeriodicTask
from rest_framework.test import APIClient

from tests.factories import UserFactory

FIXTURES = Path(__file__).resolve().parent / "fixtures"

STAFF_GROUPS = importlib.import_module("recommendations.migrations.0003_staff_groups")
REVIEW_PERMISSIONS = importlib.import_module("recommendations.migrations.0007_review_permissions")
SYNC_SCHEDULES = importlib.import_module("recommendations.migrations.0004_default_sync_schedules")
DIGEST_SCHEDULES = importlib.import_module("alerts.migrations.0002_digest_schedules")


def migration_rows_restore() -> None:
    """Create again, where they are missing, the rows the data migrations create: the staff groups and the beat
    schedules. A transactional test ends by emptying every table, and `--reuse-db` keeps the database as the last
    run left it; the migration's own functions make them, as on a new database."""
    if Group.objects.filter(name__in=STAFF_GROUPS.GROUPS).count() < len(STAFF_GROUPS.GROUPS):
        # create_groups turns `models_module` of two app configs on and then off (to make their permissions early,
        # on the migration's historical registry); on the live registry they must stay as they were.
        configs = [apps.get_app_config(label) for label in ("legislation", "recommendations")]
        modules = [config.models_module for config in configs]
        try:
            STAFF_GROUPS.create_groups(apps, None)
        finally:
            for config, module in zip(configs, modules, strict=True):
                config.models_module = module
    if not Group.objects.filter(name="Reviewers", permissions__codename="review_measure").exists():
        # The measures' and reviews' permissions of the staff groups (0007), made the same way.
        configs = [apps.get_app_config("recommendations")]
        modules = [config.models_module for config in configs]
        try:
            REVIEW_PERMISSIONS.grant(apps, None)
        finally:
            for config, module in zip(configs, modules, strict=True):
                config.models_module = module
    names = [spec["name"] for spec in SYNC_SCHEDULES.INTERVALS + SYNC_SCHEDULES.CRONTABS]
    if PeriodicTask.objects.filter(name__in=names).count() < len(names):
        SYNC_SCHEDULES.create_schedules(apps, None)
    names = [spec["name"] for spec in DIGEST_SCHEDULES.CRONTABS]
    if PeriodicTask.objects.filter(name__in=names).count() < len(names):
        DIGEST_SCHEDULES.create_schedules(apps, None)


def _restore_after_flush(sender, **kwargs) -> None:
    # The flush that ends a transactional test sends post_migrate once per app; once is enough.
    if sender.label == "recommendations":
        migration_rows_restore()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, created or reused, with the migrations' rows, which stay after every transactional test."""
    with django_db_blocker.unblock():
        migration_rows_restore()
    post_migrate.connect(_restore_after_flush, dispatch_uid="tests.migration_rows")
    yield
    post_migrate.disconnect(dispatch_uid="tests.migration_rows")


@pytest.fixture
def fixtures_dir() -> Path:
    """The real recorded payloads of the three sources (tests/fixtures/<source>/)."""
    return FIXTURES


@pytest.fixture
def seeded(db: None) -> None:
    """The report, its recommendations and every jurisdiction, as `manage.py seed` loads them."""
    call_command("seed", stdout=io.StringIO())


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def staff_user(db: None):
    return UserFactory(username="staff", is_staff=True, is_superuser=True)


CHROMIUM = "/usr/bin/chromium"
# Chromium flags for a headless run on a machine without a network beyond loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (Playwright's own browser download cannot run here)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package for browser tests.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself stay synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()
