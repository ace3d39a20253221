"""`manage.py sync_bills` and data freshness."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from legislation.choices import Stage
from legislation.freshness import sync_freshness
from legislation.models import Bill, ImportRun, ImportRunStatus
from recommendations.models import SavedSearch, TriageCandidate
from tests.factories import BillLinkFactory

from .test_openstates_sync import touch

pytestmark = pytest.mark.usefixtures("demo_bills")


@pytest.fixture
def tracked() -> Bill:
    bill = Bill.objects.get(jurisdiction__code="ca", identifier="AB 701")
    Bill.objects.filter(pk=bill.pk).update(stage=Stage.IN_COMMITTEE)
    BillLinkFactory(bill=bill)
    return bill


def sync_bills(*args: str) -> str:
    out = io.StringIO()
    call_command("sync_bills", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_syncs_the_tracked_bills_of_a_source_and_prints_a_summary(fake, tracked):
    touch(fake.openstates_bill("AB 701", "ca"), datetime.now(UTC) - timedelta(hours=1), action="By hand")
    output = sync_bills("openstates")
    assert "openstates ca: succeeded: 0 inserted, 1 updated, 0 unchanged, 0 failed; 1 requests" in output
    assert output.strip().endswith("1 scopes, 1 requests: 0 inserted, 1 updated, 0 unchanged, 0 failed")


def test_since_and_jurisdiction(fake, tracked):
    sync_bills("openstates", "--jurisdiction", "CA", "--since", "2024-01-02")
    assert fake.log[0]["query"]["updated_since"] == ["2024-01-02 00:00:00"]
    assert "no tracked bills to sync in tx" in sync_bills("openstates", "-j", "tx")


def test_missing_key_is_reported_and_skipped(fake, tracked, settings):
    settings.LEGISCAN_API_KEY = ""
    output = sync_bills("legiscan")
    assert "no key: set LEGISCAN_API_KEY" in output
    assert ImportRun.objects.get(source="legiscan").status == ImportRunStatus.SKIPPED


def test_failed_scope_exits_non_zero(fake, tracked):
    fake.fail("openstates", "not-json")
    with pytest.raises(CommandError, match="1 of 1 scopes"):
        sync_bills("openstates")


def test_discover_runs_the_saved_searches(fake, tracked):
    SavedSearch.objects.create(recommendation=tracked.links.get().recommendation, keywords="fentanyl")
    output = sync_bills("openstates", "--discover")
    assert "discovery:" in output
    assert TriageCandidate.objects.exists()


def test_freshness_marks_scopes_older_than_their_schedule_stale(db):
    now = timezone.now()
    fresh = ImportRun.objects.create(
        source="openstates", scope="sync:ca", status=ImportRunStatus.SUCCEEDED, finished_at=now
    )
    ImportRun.objects.create(
        source="congress",
        scope="sync:us",
        status=ImportRunStatus.SUCCEEDED,
        started_at=now - timedelta(hours=8),
        finished_at=now - timedelta(hours=8),
    )
    ImportRun.objects.create(source="congress", scope="sync:us", status=ImportRunStatus.FAILED, finished_at=now)
    ImportRun.objects.create(source="legiscan", scope="sync", status=ImportRunStatus.SKIPPED, finished_at=now)
    rows = {(row.source, row.jurisdiction): row for row in sync_freshness(now=now + timedelta(minutes=5))}
    assert set(rows) == {("openstates", "ca"), ("congress", "us")}
    assert rows[("openstates", "ca")].last_success_at == fresh.finished_at
    assert not rows[("openstates", "ca")].stale
    us = rows[("congress", "us")]
    assert us.stale  # 8 hours since the last success, scheduled every 6
    assert us.last_status == ImportRunStatus.FAILED
    assert us.expected_every == timedelta(hours=6)


def test_backfill_loads_legiscan_datasets_of_the_given_states(fake, jurisdictions):
    fake.legiscan_datasets = fake.legiscan_datasets[:1]
    output = sync_bills("legiscan", "--backfill", "-j", "mt")
    assert fake.count("legiscan", "getDataset") == 1
    assert "1 inserted" in output
    with pytest.raises(CommandError, match="--backfill"):
        sync_bills("legiscan", "--backfill")
