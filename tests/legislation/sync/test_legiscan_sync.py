"""LegiScan sync against the fake API: master list + change_hash, getBill only for what changed, the reserve."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from legislation.models import BillAction, ImportRunStatus, RemoteBillState
from legislation.sync import legiscan_dataset_backfill, legiscan_sync


def change(fake, bill_id: str = "230084", *, action: str = "READ THE FIRST TIME - REFERRALS (S)") -> None:
    """The bill moves at the source: a new history entry and a new change_hash."""
    bill = fake.legiscan_bills[bill_id]
    bill["history"].append({"date": "2011-04-13", "action": action, "chamber": "S", "chamber_id": 14, "importance": 1})
    bill["change_hash"] = "0" * 32


def test_first_sync_lists_the_session_and_fetches_the_unknown_bill(fake, ak_bill):
    run = legiscan_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])
    assert run.status == ImportRunStatus.SUCCEEDED, run.errors
    assert (fake.count("legiscan", "getMasterListRaw"), fake.count("legiscan", "getBill")) == (1, 1)
    assert run.requests == 2
    # Listed by its own session (LegiScan session_id 122), not the state's current one.
    assert fake.log[0]["query"]["id"] == ["122"]
    assert "state" not in fake.log[0]["query"]
    assert RemoteBillState.objects.get(source="legiscan", external_id="230084").container == "122"


def test_unchanged_second_sync_spends_only_the_master_list(fake, ak_bill):
    legiscan_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])
    fake.reset_counts()
    run = legiscan_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])
    assert run.requests == 1 == fake.count("legiscan", "getMasterListRaw")
    assert fake.count("legiscan", "getBill") == 0
    assert (run.updated, run.unchanged) == (0, 1)


def test_changed_change_hash_costs_exactly_one_get_bill(fake, ak_bill):
    legiscan_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])
    change(fake)
    fake.reset_counts()
    run = legiscan_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])
    assert fake.count("legiscan", "getBill") == 1
    assert run.requests == 2
    assert run.updated == 1
    assert BillAction.objects.filter(bill=ak_bill, description="READ THE FIRST TIME - REFERRALS (S)").exists()
    assert RemoteBillState.objects.get(external_id="230084").marker == "0" * 32


def test_reserve_is_never_spent(fake, ak_bill, settings):
    settings.LEGISCAN_MONTHLY_LIMIT = 5
    settings.LEGISCAN_RESERVE = 3
    legiscan_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])  # 2 queries: the whole spendable budget
    change(fake)
    run = legiscan_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])
    assert run.status == ImportRunStatus.FAILED
    assert "30000" not in run.note
    assert "2 requests per month is spent" in run.note
    assert fake.count("legiscan") == 2
    cache.clear()  # the shared counter is lost: the month's import runs still say 2 were spent
    run = legiscan_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])
    assert run.status == ImportRunStatus.FAILED
    assert fake.count("legiscan") == 2


def test_error_envelope_on_get_bill_fails_that_bill_and_keeps_its_hash_for_a_retry(fake, ak_bill):
    legiscan_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])
    change(fake)
    original = fake._legiscan_getBill
    fake._legiscan_getBill = lambda params: fake._legiscan_error("Temporarily unavailable")
    run = legiscan_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])
    assert run.status == ImportRunStatus.FAILED
    assert "LegiScan answered ERROR: Temporarily unavailable" in run.errors[0]["message"]
    assert RemoteBillState.objects.get(external_id="230084").marker != "0" * 32
    fake._legiscan_getBill = original
    run = legiscan_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])
    assert run.updated == 1


@pytest.mark.parametrize("kind", ["not-json", "wrong-shape"])
def test_malformed_master_list_fails_the_scope_and_writes_nothing(fake, ak_bill, kind):
    fake.fail("legiscan", kind, operation="getMasterListRaw")
    actions = BillAction.objects.filter(bill=ak_bill).count()
    run = legiscan_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])
    assert run.status == ImportRunStatus.FAILED
    assert run.requests == 1
    assert fake.count("legiscan", "getBill") == 0
    assert BillAction.objects.filter(bill=ak_bill).count() == actions
    assert not RemoteBillState.objects.exists()


def test_bill_without_a_legiscan_id_is_noted_not_fetched(fake, demo_bills):
    from legislation.models import Bill

    bill = Bill.objects.get(jurisdiction__code="tx", identifier="HB 6")
    run = legiscan_sync(jurisdiction="tx", bill_ids=[bill.pk])
    assert run.requests == 0
    assert "have no LegiScan id" in run.note


def test_dataset_backfill_skips_unchanged_dataset_hash(fake, jurisdictions):
    fake.legiscan_datasets = fake.legiscan_datasets[:1]  # one Montana session
    runs = legiscan_dataset_backfill(state="mt")
    assert fake.count("legiscan", "getDataset") == 1
    assert runs[1].inserted == 1
    assert runs[1].requests == 1
    # The bill's hash was stored with the dataset: the regular sync will not fetch it again.
    assert RemoteBillState.objects.filter(external_id="230084").exists()
    fake.reset_counts()
    runs = legiscan_dataset_backfill(state="mt")
    assert fake.count("legiscan", "getDataset") == 0
    assert fake.count("legiscan") == 1
    assert "1 unchanged" in runs[0].note
