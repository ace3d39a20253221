"""Open States sync against the fake API: list requests only, keyset paging, cursor, faults."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from legislation.models import Bill, BillAction, ImportRun, ImportRunStatus, SourceCursor
from legislation.sources.http import TransientSourceError
from legislation.sources.openstates_client import OpenStatesClient, openstates_limiter
from legislation.sync import openstates_sync

pytestmark = pytest.mark.usefixtures("demo_bills")


def iso(moment: datetime) -> str:
    return moment.isoformat()


def touch(bill: dict, moment: datetime, *, action: str | None = None) -> None:
    """The bill as the source has it after an update at ``moment`` (with a new action, if given)."""
    bill["updated_at"] = iso(moment)
    if action:
        order = len(bill["actions"])
        bill["actions"].append(
            {
                "organization": {"id": "ocd-organization/x", "name": "Senate", "classification": "upper"},
                "description": action,
                "date": "2024-06-01",
                "classification": ["referral-committee"],
                "order": order,
                "related_entities": [],
            }
        )


def ca_bill(identifier: str = "AB 701") -> Bill:
    return Bill.objects.get(jurisdiction__code="ca", identifier=identifier)


def test_first_sync_updates_a_changed_tracked_bill_with_one_list_request(fake):
    now = datetime.now(UTC)
    touch(fake.openstates_bill("AB 701", "ca"), now - timedelta(hours=1), action="Re-referred to Com. on APPR.")
    bill = ca_bill()
    run = openstates_sync(jurisdiction="ca", bill_ids=[bill.pk])
    assert run.status == ImportRunStatus.SUCCEEDED, run.errors
    assert (run.updated, run.requests) == (1, 1)
    assert fake.count("openstates") == 1
    assert BillAction.objects.filter(bill=bill, description="Re-referred to Com. on APPR.").exists()
    request = fake.log[0]
    assert request["headers"]["X-API-KEY"] == "os-test-key"
    assert request["query"]["sort"] == ["updated_asc"]
    assert request["query"]["per_page"] == ["20"]
    assert set(request["query"]["include"]) == {"actions", "sponsorships", "sources", "abstracts"}
    assert request["query"]["jurisdiction"] == ["ocd-jurisdiction/country:us/state:ca/government"]


def test_unchanged_second_sync_spends_one_list_request_and_writes_nothing(fake):
    touch(fake.openstates_bill("AB 701", "ca"), datetime.now(UTC) - timedelta(hours=1), action="Re-referred")
    bill = ca_bill()
    openstates_sync(jurisdiction="ca", bill_ids=[bill.pk])
    written = Bill.objects.get(pk=bill.pk).updated_at
    fake.reset_counts()
    run = openstates_sync(jurisdiction="ca", bill_ids=[bill.pk])
    assert run.status == ImportRunStatus.SUCCEEDED
    assert (run.requests, run.inserted, run.updated, run.unchanged) == (1, 0, 0, 1)
    assert fake.count("openstates") == 1
    assert Bill.objects.get(pk=bill.pk).updated_at == written


def test_updated_since_is_utc_without_z_and_space_separated(fake):
    cursor = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    SourceCursor.objects.create(source="openstates", scope="sync:ca", value=cursor.isoformat())
    openstates_sync(jurisdiction="ca", bill_ids=[ca_bill().pk])
    # The cursor minus the 15-minute overlap.
    assert fake.log[0]["query"]["updated_since"] == ["2026-03-01 11:45:00"]


def test_update_later_on_the_cursors_day_is_found(fake):
    """The API compares updated_since as text with PostgreSQL's '2026-03-01 18:00:00+00': a 'T' would miss it."""
    SourceCursor.objects.create(source="openstates", scope="sync:ca", value="2026-03-01T12:00:00+00:00")
    touch(fake.openstates_bill("AB 701", "ca"), datetime(2026, 3, 1, 18, 0, tzinfo=UTC), action="Late update")
    run = openstates_sync(jurisdiction="ca", bill_ids=[ca_bill().pk])
    assert run.updated == 1
    assert SourceCursor.objects.get(scope="sync:ca").value == "2026-03-01T18:00:00+00:00"


def test_only_tracked_bills_are_imported(fake):
    now = datetime.now(UTC)
    touch(fake.openstates_bill("AB 701", "ca"), now - timedelta(hours=2), action="Tracked moves")
    touch(fake.openstates_bill("SB 250", "ca"), now - timedelta(hours=1), action="Untracked moves")
    run = openstates_sync(jurisdiction="ca", bill_ids=[ca_bill("AB 701").pk])
    assert run.updated == 1
    assert not BillAction.objects.filter(description="Untracked moves").exists()
    assert "2 bills updated" in run.note
    assert "1 of them tracked" in run.note


def test_many_updates_are_paged_by_keyset_and_resume_from_the_cursor(fake, settings):
    now = datetime.now(UTC)
    template = fake.openstates_bill("AB 701", "ca")
    for number in range(45):
        clone = copy.deepcopy(template)
        clone["id"] = f"ocd-bill/clone-{number}"
        clone["identifier"] = f"AB {1000 + number}"
        clone["updated_at"] = iso(now - timedelta(hours=5) + timedelta(minutes=number))
        fake.openstates_bills.append(clone)
    settings.SYNC_MAX_PAGES = 2
    run = openstates_sync(jurisdiction="ca", bill_ids=None)
    assert run.requests == 2
    assert "stopped after 2 pages" in run.note
    fake.reset_counts()
    run = openstates_sync(jurisdiction="ca", bill_ids=None)
    assert run.requests == 2
    listed = {
        bill for entry in fake.log for bill in entry["query"]["updated_since"]
    }  # every request started from a later update time: no page numbers
    assert all(entry["query"]["page"] == ["1"] for entry in fake.log)
    assert len(listed) == 2
    settings.SYNC_MAX_PAGES = 10
    fake.reset_counts()
    run = openstates_sync(jurisdiction="ca", bill_ids=None)
    # Resumes after the overlap: the last bills again, no more.
    assert run.requests == 1
    assert run.status == ImportRunStatus.SUCCEEDED


def test_429_without_retry_after_is_retried_with_backoff(fake):
    touch(fake.openstates_bill("AB 701", "ca"), datetime.now(UTC) - timedelta(hours=1), action="After the 429s")
    fake.fail("openstates", "429", times=2)
    run = openstates_sync(jurisdiction="ca", bill_ids=[ca_bill().pk])
    assert run.status == ImportRunStatus.SUCCEEDED
    assert run.requests == 3 == fake.count("openstates")
    assert run.updated == 1


def test_500_is_retried_then_reported_and_raised_for_the_task(fake):
    fake.fail("openstates", "500", times=10)
    bill = ca_bill()
    before = (bill.updated_at, bill.stage, bill.title)
    with pytest.raises(TransientSourceError) as raised:
        openstates_sync(jurisdiction="ca", bill_ids=[bill.pk])
    run = raised.value.import_run
    assert run.status == ImportRunStatus.FAILED
    assert run.requests == 3 == fake.count("openstates")  # SYNC_HTTP_ATTEMPTS
    assert "HTTP 500" in run.errors[0]["message"]
    assert "os-test-key" not in str(run.errors)
    bill.refresh_from_db()
    assert (bill.updated_at, bill.stage, bill.title) == before


def test_slow_answer_times_out_and_is_retried(fake):
    touch(fake.openstates_bill("AB 701", "ca"), datetime.now(UTC) - timedelta(hours=1), action="After the timeout")
    fake.fail("openstates", "slow", delay=1.0)
    run = openstates_sync(jurisdiction="ca", bill_ids=[ca_bill().pk])
    assert run.status == ImportRunStatus.SUCCEEDED
    assert run.requests == 2
    assert run.updated == 1


@pytest.mark.parametrize("kind", ["not-json", "wrong-shape"])
def test_malformed_body_fails_the_scope_and_leaves_stored_data_unchanged(fake, kind):
    bill = ca_bill()
    touch(fake.openstates_bill("AB 701", "ca"), datetime.now(UTC) - timedelta(hours=1), action="Never stored")
    actions = list(BillAction.objects.filter(bill=bill).values_list("description", flat=True))
    fake.fail("openstates", kind)
    run = openstates_sync(jurisdiction="ca", bill_ids=[bill.pk])
    assert run.status == ImportRunStatus.FAILED
    assert run.requests == 1  # a malformed body is not retried
    assert "malformed" in run.errors[0]["message"] or "not JSON" in run.errors[0]["message"]
    assert list(BillAction.objects.filter(bill=bill).values_list("description", flat=True)) == actions
    assert not SourceCursor.objects.filter(scope="sync:ca").exists()


def test_missing_key_gives_a_skipped_run_and_no_request(fake, settings):
    settings.OPENSTATES_API_KEY = ""
    run = openstates_sync(jurisdiction="ca", bill_ids=[ca_bill().pk])
    assert run.status == ImportRunStatus.SKIPPED
    assert "OPENSTATES_API_KEY" in run.note
    assert fake.count("openstates") == 0
    an_hour_ago = timezone.now() - timedelta(hours=1)
    ImportRun.objects.filter(pk=run.pk).update(started_at=an_hour_ago, finished_at=an_hour_ago)
    again = openstates_sync(jurisdiction="ca", bill_ids=[ca_bill().pk])
    assert again.pk == run.pk  # the same skip refreshes its run instead of adding rows
    assert ImportRun.objects.get(pk=run.pk).finished_at > an_hour_ago  # freshness sees the latest attempt


def test_daily_budget_is_never_overspent(fake, settings):
    settings.OPENSTATES_RATE_PER_DAY = 1
    openstates_sync(jurisdiction="ca", bill_ids=[ca_bill().pk])
    run = openstates_sync(jurisdiction="ca", bill_ids=[ca_bill().pk])
    assert run.status == ImportRunStatus.FAILED
    assert "250" not in run.note
    assert "1 requests per day" in run.note
    assert fake.count("openstates") == 1


def test_per_minute_budget_waits_for_the_next_minute(fake, settings):
    settings.OPENSTATES_RATE_PER_MINUTE = 1
    clock = [datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)]
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        clock[0] += timedelta(seconds=seconds)

    def client() -> OpenStatesClient:
        return OpenStatesClient.from_settings(limiter=openstates_limiter(now=lambda: clock[0], sleep=sleep))

    for _ in range(2):  # one request each: the second is the minute's second
        run = openstates_sync(jurisdiction="ca", bill_ids=[ca_bill().pk], client_factory=client)
        assert run.status == ImportRunStatus.SUCCEEDED, run.errors
    assert waited == [30.0]  # from 12:00:30 to 12:01:00
    assert fake.count("openstates") == 2


def test_bulk_backfill_downloads_and_imports_a_session_zip(jurisdictions):
    import io
    import json
    import zipfile

    import httpx

    from legislation.sync import openstates_bulk_backfill

    bill = {
        "id": "ocd-bill/bulk-1",
        "identifier": "HB 9001",
        "title": "Relating to drug-checking equipment",
        "legislative_session": "2025",
        "classification": ["bill"],
        "subject": [],
        "actions": [
            {
                "description": "Filed",
                "date": "2025-01-10",
                "classification": ["introduction"],
                "order": 0,
                "organization__name": "House",
            }
        ],
        "sponsors": [{"name": "Rep. Example", "primary": True, "classification": "primary", "entity_type": "person"}],
        "sources": [{"url": "https://capitol.texas.gov/", "note": ""}],
        "abstracts": [],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("TX/2025/TX_2025_bills.json", json.dumps([bill]))
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=buffer.getvalue()))
    run = openstates_bulk_backfill(location="https://data.openstates.org/json/TX_2025.zip", transport=transport)
    assert run.status == ImportRunStatus.SUCCEEDED, run.errors
    assert run.inserted == 1
    assert Bill.objects.filter(jurisdiction__code="tx", identifier="HB 9001").exists()
