"""The bad-record rule in the live sync (README, "Bad records"): a bill whose answer cannot be read fails alone,
counted in `failed`; the others are written and the run is partial. Backfill scopes name files, never paths."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from legislation.models import BillAction, ImportRunStatus
from legislation.sync import openstates_bulk_backfill, openstates_sync

from ..importers.payloads import openstates_json_zip
from .fake_sources import json_response
from .test_openstates_sync import ca_bill, touch

pytestmark = pytest.mark.usefixtures("demo_bills")


def test_a_bad_bill_in_an_open_states_page_fails_alone_and_the_run_is_partial(fake):
    moment = datetime.now(UTC) - timedelta(hours=1)
    touch(fake.openstates_bill("AB 701", "ca"), moment, action="Good news")
    bad = fake.openstates_bill("SB 57", "ca")
    touch(bad, moment, action="Bad date")
    bad["actions"][-1]["date"] = "2021-02-31"
    run = openstates_sync(jurisdiction="ca", bill_ids=[ca_bill("AB 701").pk, ca_bill("SB 57").pk])
    assert (run.status, run.updated, run.failed) == (ImportRunStatus.PARTIAL, 1, 1), run.errors
    assert "not a date: '2021-02-31'" in run.errors[0]["message"]
    assert BillAction.objects.filter(bill=ca_bill("AB 701"), description="Good news").exists()
    assert not BillAction.objects.filter(bill=ca_bill("SB 57"), description="Bad date").exists()


def test_a_backfill_from_a_path_names_only_the_file(tmp_path):
    folder = tmp_path / "srv" / "private"
    folder.mkdir(parents=True)
    path = openstates_json_zip(folder / "CA_2021.zip", "ca", "20212022", [ca_bill_payload()])
    run = openstates_bulk_backfill(location=str(path))
    assert run.status == ImportRunStatus.SUCCEEDED, run.errors
    assert run.scope == "backfill CA_2021.zip"  # public: /api/v1/freshness/ lists successful runs' scopes


def ca_bill_payload() -> dict:
    from ..importers.payloads import demo_bill

    bill = demo_bill("ca", "SB 57")
    bill["session"] = "20212022"
    return bill


def test_a_bad_master_list_entry_fails_alone_and_the_tracked_bills_are_still_synced(fake, ak_bill):
    from legislation.sync import legiscan_sync

    from .test_legiscan_sync import change

    change(fake)
    original = fake._legiscan_getMasterListRaw

    def with_a_bad_entry(params):
        response = original(params)
        body = json.loads(response.body)
        body["masterlist"]["99"] = {"number": "HB 99"}  # no bill_id, no change_hash
        return json_response(body)

    fake._legiscan_getMasterListRaw = with_a_bad_entry
    try:
        run = legiscan_sync(jurisdiction="ak", bill_ids=[ak_bill.pk])
    finally:
        fake._legiscan_getMasterListRaw = original
    assert fake.count("legiscan", "getBill") == 1
    assert (run.status, run.updated) == (ImportRunStatus.PARTIAL, 1), run.errors
    assert "entry '99' has no bill_id and change_hash" in run.errors[0]["message"]
