"""Congress.gov sync against the fake API: the update list, dedupe, detail and actions only when the entry moved."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from legislation.models import BillAction, ImportRunStatus, RemoteBillState, SourceCursor
from legislation.sources.http import TransientSourceError
from legislation.sync import congress_sync

SINCE = datetime(2025, 7, 1, tzinfo=UTC)


def move(fake, *, text: str = "Committee on Commerce, Science, and Transportation. Hearings held.") -> None:
    """S 1947 moves at the source: a new action, a new latest action, the same updateDate day."""
    record = fake.congress[(119, "s", 1947)]
    action = {"actionDate": "2025-07-24", "text": text, "type": "Committee", "sourceSystem": {"name": "Senate"}}
    record["actions"]["actions"].insert(0, action)
    record["actions"]["pagination"]["count"] += 1
    record["detail"]["bill"]["latestAction"] = {"actionDate": "2025-07-24", "text": text}
    record["entry"]["latestAction"] = {"actionDate": "2025-07-24", "text": text}


def test_first_sync_lists_then_fetches_detail_and_actions_of_the_tracked_bill(fake, s1947):
    run = congress_sync(bill_ids=[s1947.pk], since=SINCE)
    assert run.status == ImportRunStatus.SUCCEEDED, run.errors
    assert (
        fake.count("congress", "bill list"),
        fake.count("congress", "bill"),
        fake.count("congress", "actions"),
    ) == (
        1,
        1,
        1,
    )
    assert run.requests == 3
    assert run.unchanged == 1
    assert fake.log[1]["path"] == "/congress/v3/bill/119/s/1947"  # lower-case type
    assert all(entry["query"]["format"] == ["json"] for entry in fake.log)
    assert SourceCursor.objects.filter(source="congress", scope="sync:us").exists()


def test_unchanged_second_sync_spends_only_the_list(fake, s1947):
    congress_sync(bill_ids=[s1947.pk], since=SINCE)
    fake.reset_counts()
    run = congress_sync(bill_ids=[s1947.pk], since=SINCE)
    assert run.requests == 1 == fake.count("congress", "bill list")
    assert run.unchanged == 1
    assert run.updated == 0


def test_a_moved_latest_action_on_the_same_day_is_fetched(fake, s1947):
    congress_sync(bill_ids=[s1947.pk], since=SINCE)
    move(fake)
    fake.reset_counts()
    run = congress_sync(bill_ids=[s1947.pk], since=SINCE)
    assert (fake.count("congress", "bill"), fake.count("congress", "actions")) == (1, 1)
    assert run.updated == 1
    assert BillAction.objects.filter(bill=s1947, description__startswith="Committee on Commerce").exists()


def test_repeated_bills_across_pages_are_fetched_once(fake, s1947, monkeypatch):
    """Pages can repeat a bill; with limit 1 every entry is its own page."""
    from legislation.sources import congress_client

    fake.congress[(119, "s", 19470)] = {"entry": copy.deepcopy(fake.congress[(119, "s", 1947)]["entry"])}
    fake.congress[(119, "s", 19470)]["entry"]["number"] = "1947"  # the same bill, listed twice
    monkeypatch.setattr(congress_client, "MAX_LIMIT", 1)
    run = congress_sync(bill_ids=[s1947.pk], since=SINCE)
    assert fake.count("congress", "bill list") == 3
    assert fake.count("congress", "bill") == 1
    assert run.status == ImportRunStatus.SUCCEEDED


def test_failed_detail_is_fetched_again_next_time_though_the_cursor_moved(fake, s1947):
    fake.fail("congress", "500", operation="bill", times=3)
    with pytest.raises(TransientSourceError):  # raised for the task to retry, after the run is recorded
        congress_sync(bill_ids=[s1947.pk], since=SINCE)
    fake.fail("congress", "wrong-shape", operation="bill")
    run = congress_sync(bill_ids=[s1947.pk], since=SINCE)
    assert run.status == ImportRunStatus.FAILED
    assert RemoteBillState.objects.get(external_id="119-s-1947").marker == "retry"
    fake.reset_counts()
    run = congress_sync(bill_ids=[s1947.pk], since=datetime(2030, 1, 1, tzinfo=UTC))  # nothing listed any more
    assert fake.count("congress", "bill") == 1
    assert run.status == ImportRunStatus.SUCCEEDED


def test_stops_before_the_hourly_limit_runs_out(fake, s1947, settings):
    settings.CONGRESS_MIN_REMAINING = 4998
    fake.congress_remaining = 5000
    run = congress_sync(bill_ids=[s1947.pk], since=SINCE)
    # The list answer says 4999 remain, the detail's 4998: the client stops before sending the actions request.
    assert fake.count("congress") == 2
    assert run.status == ImportRunStatus.FAILED
    assert "remain this hour" in run.note
    assert not SourceCursor.objects.filter(scope="sync:us").exists()
