"""Fixtures of the sync tests: the fake source server, settings pointing at it, and stored bills to track."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from legislation.importers import import_files
from legislation.models import Bill, LegislativeSession
from legislation.selectors import demo_bill_files
from legislation.services import jurisdictions_seed

from .fake_sources import CONGRESS_KEY, FIXTURES, LEGISCAN_KEY, OPENSTATES_KEY, FakeSources


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeSources]:
    server = FakeSources().start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server: FakeSources, settings) -> Iterator[FakeSources]:
    """A fresh fake (data and counters reset), the sources' settings pointing at it, tiny backoffs and timeouts."""
    fake_server.reset()
    settings.OPENSTATES_BASE_URL = f"{fake_server.url}/openstates"
    settings.LEGISCAN_BASE_URL = f"{fake_server.url}/legiscan/"
    settings.CONGRESS_BASE_URL = f"{fake_server.url}/congress/v3"
    settings.OPENSTATES_API_KEY = OPENSTATES_KEY
    settings.LEGISCAN_API_KEY = LEGISCAN_KEY
    settings.CONGRESS_API_KEY = CONGRESS_KEY
    settings.SYNC_HTTP_ATTEMPTS = 3
    settings.SYNC_HTTP_BACKOFF = 0.01
    settings.SYNC_HTTP_BACKOFF_MAX = 0.05
    settings.SYNC_RETRY_AFTER_MAX = 5
    settings.SYNC_HTTP_TIMEOUT = 0.5
    settings.SYNC_HTTP_CONNECT_TIMEOUT = 0.5
    cache.clear()  # budgets, locks (the test Redis database is the suite's own)
    yield fake_server
    cache.clear()


@pytest.fixture
def jurisdictions(db: None) -> None:
    jurisdictions_seed()


@pytest.fixture
def demo_bills(jurisdictions: None) -> None:
    """The demo snapshot's Open States bills, stored as load_demo stores them."""
    run = import_files(source="openstates", paths=demo_bill_files(), scope="demo")
    assert run.failed == 0, run.errors
    sessions_sitting()


def sessions_sitting() -> None:
    """The demo's sessions are past (2019-2024) and would be over by their last year; the sync tests poll bills as
    a sitting session's, so the years are cleared: with no end date and no last year, a session is on until a
    later one starts. (Sessions that end are tested in test_calendars and tests/legislation/test_session_dates.py.)"""
    LegislativeSession.objects.update(year_end=None)


@pytest.fixture
def ak_bill(jurisdictions: None) -> Bill:
    """Alaska HB 1 (2011), stored from the real LegiScan dataset file: LegiScan id 230084, session 122."""
    run = import_files(source="legiscan", paths=[FIXTURES / "legiscan" / "dataset_bill_AK_HB1_2011.json"])
    assert run.failed == 0, run.errors
    return Bill.objects.get(external_ids__source="legiscan", external_ids__external_id="230084")


@pytest.fixture
def s1947(jurisdictions: None) -> Bill:
    """S 1947 (119th Congress), stored from its real Congress.gov responses."""
    folder = FIXTURES / "congress"
    run = import_files(
        source="congress", paths=[folder / "bill_119_s_1947.json", folder / "bill_119_s_1947_actions.json"]
    )
    assert run.failed == 0, run.errors
    return Bill.objects.get(external_ids__source="congress", external_ids__external_id="119-s-1947")
