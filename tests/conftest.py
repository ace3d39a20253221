"""Fixtures shared by the whole suite."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.factories import UserFactory

FIXTURES = Path(__file__).resolve().parent / "fixtures"


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
def staff_user(db: None):  # noqa: ANN201
    return UserFactory(username="staff", is_staff=True, is_superuser=True)
