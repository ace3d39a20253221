"""The Celery tasks called directly (no eager mode): fan-out, skipped sources, locks, retries, session ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from legislation import tasks
from legislation.choices import Stage
from legislation.models import Bill, BillExternalId, ImportRun, ImportRunStatus, StageChange
from legislation.sync import ScopeBusy, bill_ids_to_poll, scope_lock, sessions_close
from legislation.sync.plan import sync_plan
from recommendations.tasks import sync_tracked
from tests.factories import BillFactory, BillLinkFactory, JurisdictionFactory, LegislativeSessionFactory


@pytest.fixture
def clock(monkeypatch):
    """Sets the day the code under test sees as today (``timezone.now`` at noon UTC that day)."""

    def set_today(today: date) -> None:
        moment = datetime.combine(today, time(12), tzinfo=UTC)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_today


@pytest.fixture
def sent(monkeypatch) -> list[tuple]:
    """Scope tasks the fan-out sends, captured instead of going to the broker."""
    calls: list[tuple] = []
    monkeypatch.setattr(tasks.sync_scope, "delay", lambda *args: calls.append(args))
    return calls


def test_fan_out_without_keys_records_one_skipped_run_per_source(fake, demo_bills, settings, sent):
    settings.OPENSTATES_API_KEY = settings.LEGISCAN_API_KEY = settings.CONGRESS_API_KEY = ""
    BillLinkFactory(bill=Bill.objects.get(jurisdiction__code="ca", identifier="AB 701"))
    result = sync_tracked(["openstates", "legiscan", "congress"])
    assert sent == []
    assert result["skipped"] == ["congress", "legiscan", "openstates"]
    skipped = ImportRun.objects.filter(status=ImportRunStatus.SKIPPED)
    assert sorted(skipped.values_list("source", flat=True)) == ["congress", "legiscan", "openstates"]
    assert all("no key: set" in run.note for run in skipped)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    skipped.update(started_at=an_hour_ago, finished_at=an_hour_ago)
    sync_tracked(["openstates", "legiscan", "congress"])
    assert skipped.count() == 3  # the next hour refreshes those runs, so freshness sees the attempt
    assert all(run.finished_at > an_hour_ago for run in skipped)


def test_fan_out_sends_one_task_per_source_and_jurisdiction_of_bills_worth_polling(fake, demo_bills, sent, clock):
    clock(date(2026, 11, 27))  # the snapshot's day: the 119th Congress (HR 27) is on, 2017-2018 long over
    ca = Bill.objects.get(jurisdiction__code="ca", identifier="AB 701")
    ca_old = Bill.objects.get(jurisdiction__code="ca", identifier="SB 180")  # 2017-2018: over long ago
    us = Bill.objects.get(jurisdiction__code="us", identifier="HR 27")
    Bill.objects.filter(pk=ca.pk).update(stage=Stage.IN_COMMITTEE)  # pending: worth polling
    BillExternalId.objects.create(bill=ca, source="legiscan", external_id="1")
    for bill in (ca, ca_old, us):
        BillLinkFactory(bill=bill)
    sync_tracked(["openstates", "legiscan"])
    assert sorted(sent) == [("legiscan", "ca", [ca.pk]), ("openstates", "ca", [ca.pk])]
    sent.clear()
    sync_tracked(["congress"])
    assert sent == [("congress", "us", [us.pk])]


def test_plan_gives_legiscan_only_bills_it_knows(demo_bills):
    ca = Bill.objects.get(jurisdiction__code="ca", identifier="AB 701")
    tx = Bill.objects.get(jurisdiction__code="tx", identifier="HB 6")
    BillExternalId.objects.create(bill=tx, source="legiscan", external_id="2")
    plan = sync_plan(bill_ids=[ca.pk, tx.pk], sources=["openstates", "legiscan", "congress"])
    assert plan == {("openstates", "ca"): [ca.pk], ("openstates", "tx"): [tx.pk], ("legiscan", "tx"): [tx.pk]}


def test_scope_task_found_busy_retries_later_and_is_not_a_success(fake, demo_bills, monkeypatch):
    retried: dict = {}

    def retry(exc=None, countdown=None, **kwargs):
        retried.update(exc=exc, countdown=countdown)
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(tasks.sync_scope, "retry", retry)
    with scope_lock("openstates", "sync:ca"), pytest.raises(Retry):
        tasks.sync_scope.run("openstates", "ca", [])
    assert isinstance(retried["exc"], ScopeBusy)
    assert retried["countdown"] >= tasks.SYNC_BUSY_RETRY
    assert fake.count("openstates") == 0


def test_scope_task_still_busy_after_its_retries_fails(fake, demo_bills, settings):
    settings.SYNC_TASK_MAX_RETRIES = 0
    with scope_lock("openstates", "sync:ca"), pytest.raises(ScopeBusy):
        tasks.sync_scope.run("openstates", "ca", [])


def test_scope_task_retries_transient_errors_with_the_sources_retry_after(fake, demo_bills, monkeypatch):
    fake.fail("openstates", "429", times=10, retry_after="60")  # over SYNC_RETRY_AFTER_MAX: left to the task
    retried: dict = {}

    def retry(exc=None, countdown=None, **kwargs):
        retried.update(exc=exc, countdown=countdown)
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(tasks.sync_scope, "retry", retry)
    with pytest.raises(Retry):
        tasks.sync_scope.run("openstates", "ca", None)
    assert retried["countdown"] == 60.0
    assert ImportRun.objects.get(scope="sync:ca").status == ImportRunStatus.FAILED


def test_scope_task_does_not_retry_data_errors(fake, demo_bills, monkeypatch):
    fake.fail("openstates", "not-json")
    monkeypatch.setattr(tasks.sync_scope, "retry", lambda **kwargs: pytest.fail("retried a data error"))
    result = tasks.sync_scope.run("openstates", "ca", None)
    assert result["status"] == ImportRunStatus.FAILED


def test_retry_countdown_backs_off_with_jitter(monkeypatch):
    assert tasks.retry_countdown(0, 12.0) == 12.0  # the source's Retry-After, as sent
    drawn: list[tuple[float, float]] = []
    monkeypatch.setattr(tasks.random, "uniform", lambda low, high: drawn.append((low, high)) or high / 2)
    assert [tasks.retry_countdown(retries, None) for retries in range(7)] == [15, 30, 60, 120, 240, 300, 300]
    assert drawn == [(0, 30), (0, 60), (0, 120), (0, 240), (0, 480), (0, 600), (0, 600)]  # full jitter, capped


def test_exports_are_queued_once_per_minute(monkeypatch):
    from django.core.cache import cache

    cache.delete("sync:exports-queued")
    queued: list = []
    monkeypatch.setattr(tasks.exports_task(), "apply_async", lambda **kwargs: queued.append(kwargs))
    assert tasks.queue_exports_build()
    assert not tasks.queue_exports_build()
    assert queued == [{"countdown": tasks.EXPORTS_DEBOUNCE}]
    cache.delete("sync:exports-queued")


# --- Sessions -----------------------------------------------------------------------------------------------------


@pytest.fixture
def today() -> date:
    return timezone.localdate()


def test_bills_of_a_just_ended_session_are_still_polled(db, today, settings):
    settings.SYNC_SESSION_GRACE_DAYS = 60
    ended = LegislativeSessionFactory(identifier="2025", end_date=today - timedelta(days=10), ended=True)
    long_ago = LegislativeSessionFactory(
        jurisdiction=ended.jurisdiction, identifier="2023", end_date=today - timedelta(days=400), ended=True
    )
    live = LegislativeSessionFactory(jurisdiction=ended.jurisdiction, identifier="2026", start_date=None)
    signed_late = BillFactory(jurisdiction=ended.jurisdiction, session=ended, stage=Stage.DIED)
    old = BillFactory(jurisdiction=ended.jurisdiction, session=long_ago, latest_action_date=today - timedelta(400))
    current = BillFactory(jurisdiction=ended.jurisdiction, session=live)
    enacted = BillFactory(jurisdiction=ended.jurisdiction, session=live, stage=Stage.ENACTED)
    polled = bill_ids_to_poll(bill_ids=[signed_late.pk, old.pk, current.pk, enacted.pk], today=today)
    assert polled == sorted([signed_late.pk, current.pk])


def test_where_the_signing_window_is_known_bills_are_polled_through_it_and_no_longer(db, today, settings):
    settings.SYNC_SESSION_GRACE_DAYS = 60
    settings.SYNC_SIGNING_MARGIN_DAYS = 7
    session = LegislativeSessionFactory(identifier="2025", end_date=today - timedelta(days=30), ended=True)
    bill = BillFactory(jurisdiction=session.jurisdiction, session=session, stage=Stage.PASSED_LEGISLATURE)
    jurisdiction = session.jurisdiction
    for window, polled in ((None, True), (14, False), (23, True), (22, False), (40, True)):
        jurisdiction.signing_window_days = window  # None: not known, the 60-day grace applies
        jurisdiction.save()
        assert bill_ids_to_poll(bill_ids=[bill.pk], today=today) == ([bill.pk] if polled else []), window
    # Georgia's 40 days run past a 20-day grace.
    settings.SYNC_SESSION_GRACE_DAYS = 20
    assert bill_ids_to_poll(bill_ids=[bill.pk], today=today) == [bill.pk]


def test_session_end_check_lets_pending_bills_die(db, today):
    session = LegislativeSessionFactory(identifier="2025", end_date=today - timedelta(days=1))
    pending = BillFactory(jurisdiction=session.jurisdiction, session=session, stage=Stage.PASSED_ORIGIN)
    enacted = BillFactory(jurisdiction=session.jurisdiction, session=session, stage=Stage.ENACTED)
    BillExternalId.objects.create(bill=pending, source="legiscan", external_id="77")
    [run] = sessions_close(today=today)
    pending.refresh_from_db()
    enacted.refresh_from_db()
    assert (pending.stage, enacted.stage) == (Stage.DIED, Stage.ENACTED)
    assert pending.furthest_stage == Stage.INTRODUCED  # the furthest milestone never changes
    assert StageChange.objects.filter(bill=pending, to_stage=Stage.DIED, import_run=run, source="legiscan").exists()
    assert (run.source, run.scope, run.updated) == ("legiscan", "sessions:close", 1)
    assert sessions_close(today=today) == []  # idempotent: nothing left to close, nothing recorded


def test_session_end_check_carries_pending_bills_over_where_bills_carry_over(db, today):
    # A one-year session (carry-over is from one year of a biennium to the next).
    session = LegislativeSessionFactory(
        jurisdiction=JurisdictionFactory(carries_over=True),
        identifier=str(today.year),
        start_date=today.replace(month=1, day=1),
        end_date=today - timedelta(days=1),
    )
    pending = BillFactory(jurisdiction=session.jurisdiction, session=session, stage=Stage.IN_COMMITTEE)
    [run] = sessions_close(today=today)
    pending.refresh_from_db()
    assert (pending.stage, pending.stage_date) == (Stage.CARRIED_OVER, session.end_date)
    assert StageChange.objects.get(bill=pending, import_run=run).to_stage == Stage.CARRIED_OVER


def test_fan_out_sends_the_scopes_synced_longest_ago_first(fake, demo_bills, sent):
    from django.utils import timezone

    bills = [
        Bill.objects.get(jurisdiction__code=code, identifier=identifier)
        for code, identifier in [("tx", "HB 6"), ("co", "HB 22-1326"), ("ky", "HB 353")]
    ]
    Bill.objects.filter(pk__in=[bill.pk for bill in bills]).update(stage=Stage.IN_COMMITTEE)
    for bill in bills:
        BillLinkFactory(bill=bill)
    now = timezone.now()
    for code, hours in (("tx", 1), ("co", 5)):
        ImportRun.objects.create(
            source="openstates",
            scope=f"sync:{code}",
            status=ImportRunStatus.SUCCEEDED,
            finished_at=now - timedelta(hours=hours),
        )
    sync_tracked(["openstates"])
    assert [jurisdiction for _, jurisdiction, _ in sent] == ["ky", "co", "tx"]
