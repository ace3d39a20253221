"""The bill importer on real payloads: insert / update / noop, matching, failures, stages and session ends."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from legislation import signals as signals_module
from legislation.importers import BillImporter, import_files
from legislation.importers import bills as bills_module
from legislation.importers.files import read_json
from legislation.importers.sessions import sessions_import
from legislation.models import (
    Bill,
    BillAction,
    BillExternalId,
    BillSponsorship,
    ImportRun,
    ImportRunStatus,
    Jurisdiction,
    LegislativeSession,
    StageChange,
)
from legislation.signals import bills_stage_changed
from legislation.sources import openstates

from .payloads import (
    AK_HB1,
    CONGRESS_LIST,
    DEMO,
    DEMO_PAGES,
    MA_HD6143,
    OHIO,
    S1947,
    action,
    demo_bill,
    demo_bills,
    legiscan_get_bill,
    load,
    page,
    write_json,
)

pytestmark = pytest.mark.usefixtures("seeded")

TODAY = date(2026, 11, 27)  # the demo snapshot's date: the 119th Congress is still sitting


def run_import(source: str, *paths: Path, today: date = TODAY) -> ImportRun:
    return import_files(source=source, paths=paths, today=today)


# AK HB 1's session (2011-2012) as seen while it sat: a session whose year_end has passed is closed on import.
AK_SITTING = date(2012, 3, 1)


@dataclasses.dataclass
class Writes:
    statements: list[str] = dataclasses.field(default_factory=list)
    copies: list[str] = dataclasses.field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.statements or self.copies)


@pytest.fixture
def capture_writes(monkeypatch: pytest.MonkeyPatch):
    """Every write to bill data inside the block: ORM INSERT / UPDATE / DELETE statements and COPY batches
    (the ImportRun that logs the run is left out)."""
    copies: list[str] = []
    real_insert_rows = bills_module.insert_rows

    def spy(model, columns, rows, **options):
        if rows:
            copies.append(model.__name__)
        return real_insert_rows(model, columns, rows, **options)

    monkeypatch.setattr(bills_module, "insert_rows", spy)

    @contextmanager
    def capture() -> Iterator[Writes]:
        writes = Writes()
        copies.clear()
        with CaptureQueriesContext(connection) as queries:
            yield writes
        writes.statements = [
            query["sql"]
            for query in queries.captured_queries
            if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            and "legislation_importrun" not in query["sql"]
        ]
        writes.copies = list(copies)

    return capture


FIXTURE_SETS = {
    "openstates demo pages": ("openstates", DEMO_PAGES, 34),
    "openstates bill without includes": ("openstates", [MA_HD6143], 1),
    "legiscan master list": ("legiscan", [OHIO], 2131),
    "legiscan dataset bill": ("legiscan", [AK_HB1], 1),
    "congress bill with actions": ("congress", S1947, 1),
    "congress bill list": ("congress", [CONGRESS_LIST], 20),
}


@pytest.mark.parametrize(("source", "paths", "count"), FIXTURE_SETS.values(), ids=FIXTURE_SETS.keys())
def test_reimport_same_payload_is_noop(capture_writes, source: str, paths: list[Path], count: int) -> None:
    first = run_import(source, *paths)
    assert (first.inserted, first.updated, first.unchanged, first.failed) == (count, 0, 0, 0)
    assert Bill.objects.count() == count
    with capture_writes() as writes:
        second = run_import(source, *paths)
    assert (second.inserted, second.updated, second.unchanged, second.failed) == (0, 0, count, 0)
    assert second.status == ImportRunStatus.SUCCEEDED
    assert not writes, writes


def test_noop_reimport_costs_the_same_queries_for_ten_or_a_hundred_bills(
    tmp_path: Path, django_assert_num_queries
) -> None:
    template = demo_bill("ny", "S 5448")

    def bills(count: int) -> list[dict]:
        return [{**template, "id": f"ocd-bill/ny-{n}", "identifier": f"S {9000 + n}"} for n in range(count)]

    small, large = (
        write_json(tmp_path / "small.json", page(*bills(10))),
        write_json(tmp_path / "large.json", page(*bills(100))),
    )
    run_import("openstates", small)
    run_import("openstates", large)
    with CaptureQueriesContext(connection) as queries:
        run_import("openstates", small)
    with django_assert_num_queries(len(queries.captured_queries)):
        assert run_import("openstates", large).unchanged == 100


def test_first_import_sets_stage_actions_sponsors_sources_and_external_id() -> None:
    run_import("openstates", *DEMO_PAGES)
    bill = Bill.objects.get(jurisdiction__code="us", session__identifier="115", identifier="S 756")
    assert (bill.stage, bill.stage_date, bill.furthest_stage) == ("enacted", date(2018, 12, 21), "enacted")
    assert bill.latest_action_date == date(2018, 12, 21)
    assert bill.first_action_date == date(2017, 3, 29)
    payload = demo_bill("us", "S 756")
    assert bill.actions.count() == len(payload["actions"])
    assert list(bill.actions.values_list("order", flat=True)) == list(range(len(payload["actions"])))
    assert bill.sponsorships.get().name == "Dan Sullivan"
    assert bill.sources.count() == len(payload["sources"])
    assert bill.external_ids.get().external_id == payload["id"]
    assert len(bill.content_hash) == 64
    change = StageChange.objects.get(bill=bill)
    assert (change.from_stage, change.to_stage, change.source) == ("", "enacted", "openstates")


def test_one_changed_action_gives_one_update_and_one_stage_change(tmp_path: Path) -> None:
    first = run_import("openstates", *DEMO_PAGES)
    hr27 = Bill.objects.get(jurisdiction__code="us", session__identifier="119", identifier="HR 27")
    assert hr27.stage == "passed_origin"
    others_before = dict(Bill.objects.exclude(pk=hr27.pk).values_list("pk", "updated_at"))

    bills = demo_bills()
    changed = next(bill for bill in bills if bill["identifier"] == "HR 27" and bill["session"] == "119")
    order = len(changed["actions"])
    changed["actions"].append(action(order, "2025-03-14", "upper", "Passed Senate without amendment", "passage"))
    second = run_import("openstates", write_json(tmp_path / "changed.json", page(*bills)))

    assert (second.inserted, second.updated, second.unchanged, second.failed) == (0, 1, 33, 0)
    hr27.refresh_from_db()
    assert (hr27.stage, hr27.stage_date) == ("passed_legislature", date(2025, 3, 14))
    assert hr27.latest_action_description == "Passed Senate without amendment"
    assert hr27.actions.count() == order + 1
    change = StageChange.objects.get(import_run=second)
    assert (change.bill, change.from_stage, change.to_stage, change.date) == (
        hr27,
        "passed_origin",
        "passed_legislature",
        date(2025, 3, 14),
    )
    # The first run: one change per new bill, and no other; NY S 2761, pending in the 2017-2018 session, is
    # stored as died from the start (its session ended with 2018).
    assert StageChange.objects.filter(import_run=first, from_stage="").count() == 34
    assert not StageChange.objects.filter(import_run=first).exclude(from_stage="").exists()
    s2761 = StageChange.objects.get(import_run=first, bill__jurisdiction__code="ny", bill__identifier="S 2761")
    assert (s2761.to_stage, s2761.date) == ("died", None)
    assert dict(Bill.objects.exclude(pk=hr27.pk).values_list("pk", "updated_at")) == others_before


def test_changed_action_text_updates_without_stage_change(tmp_path: Path, capture_writes) -> None:
    path = write_json(tmp_path / "hr27.json", page(demo_bill("us", "HR 27")))
    run_import("openstates", path)
    bill = demo_bill("us", "HR 27")
    bill["actions"][0]["description"] = "Introduced in House (corrected)"
    with capture_writes() as writes:
        second = run_import("openstates", write_json(tmp_path / "hr27.json", page(bill)))
    assert (second.updated, second.unchanged) == (1, 0)
    assert not StageChange.objects.filter(import_run=second).exists()
    assert BillAction.objects.filter(description="Introduced in House (corrected)").count() == 1
    # The changed action is updated in place (its id kept); the other actions, sponsors and sources are not touched.
    assert writes.copies == []
    action_writes = [sql for sql in writes.statements if "legislation_billaction" in sql]
    assert len(action_writes) == 1, action_writes
    assert action_writes[0].lstrip().upper().startswith("UPDATE"), action_writes
    assert not any("billsponsorship" in sql or "billsource" in sql for sql in writes.statements)


def _action_ids(bill: Bill) -> dict[int, int]:
    return dict(bill.actions.values_list("order", "pk"))


def test_one_new_action_inserts_one_row_and_keeps_the_others(tmp_path: Path, capture_writes) -> None:
    path = write_json(tmp_path / "hr27.json", page(demo_bill("us", "HR 27")))
    run_import("openstates", path)
    stored = Bill.objects.get(jurisdiction__code="us", session__identifier="119", identifier="HR 27")
    before = _action_ids(stored)
    bill = demo_bill("us", "HR 27")
    order = len(bill["actions"])
    bill["actions"].append(action(order, "2025-03-14", "upper", "Passed Senate without amendment", "passage"))
    with capture_writes() as writes:
        second = run_import("openstates", write_json(tmp_path / "hr27.json", page(bill)))
    assert (second.updated, second.unchanged) == (1, 0)
    after = _action_ids(stored)
    assert len(after) == len(before) + 1
    assert {key: after[key] for key in before} == before  # the old actions keep their rows
    action_writes = [sql for sql in writes.statements if "legislation_billaction" in sql]
    assert action_writes == [], action_writes  # no DELETE, no UPDATE: the new action alone, by COPY
    assert writes.copies.count("BillAction") == 1
    assert stored.actions.get(order=order).description == "Passed Senate without amendment"


def test_a_removed_action_deletes_that_row_only(tmp_path: Path, capture_writes) -> None:
    bill = demo_bill("us", "HR 27")
    run_import("openstates", write_json(tmp_path / "hr27.json", page(bill)))
    stored = Bill.objects.get(jurisdiction__code="us", session__identifier="119", identifier="HR 27")
    before = _action_ids(stored)
    last = len(bill["actions"]) - 1
    bill["actions"].pop()
    with capture_writes() as writes:
        second = run_import("openstates", write_json(tmp_path / "hr27.json", page(bill)))
    assert second.updated == 1
    assert _action_ids(stored) == {key: pk for key, pk in before.items() if key != last}
    action_writes = [sql for sql in writes.statements if "legislation_billaction" in sql]
    assert len(action_writes) == 1, action_writes
    assert action_writes[0].lstrip().upper().startswith("DELETE"), action_writes
    assert "BillAction" not in writes.copies


def test_duplicates_in_one_payload_collapse_to_the_most_recently_updated(tmp_path: Path) -> None:
    newer = demo_bill("ca", "SB 180") | {"title": "Newer title", "updated_at": "2026-06-01T00:00:00+00:00"}
    older = demo_bill("ca", "SB 180") | {"title": "Older title", "updated_at": "2025-01-01T00:00:00+00:00"}
    run = run_import("openstates", write_json(tmp_path / "dups.json", page(newer, older)))
    assert (run.inserted, run.failed) == (1, 0)
    assert "1 duplicates collapsed" in run.note
    assert Bill.objects.get().title == "Newer title"


def test_duplicates_updated_at_the_same_time_keep_the_later_one(tmp_path: Path) -> None:
    first = demo_bill("ca", "SB 180") | {"title": "First"}
    second = demo_bill("ca", "SB 180") | {"title": "Second"}
    run = run_import("openstates", write_json(tmp_path / "dups.json", page(first, second)))
    assert run.inserted == 1
    assert Bill.objects.get().title == "Second"


def test_bad_record_fails_alone(tmp_path: Path) -> None:
    bad = demo_bill("ca", "SB 483")
    bad["actions"][1]["date"] = "31/02/2021"
    path = write_json(tmp_path / "page.json", page(demo_bill("ca", "SB 180"), bad, demo_bill("ca", "SB 57")))
    run = run_import("openstates", path)
    assert (run.inserted, run.failed, run.status) == (2, 1, ImportRunStatus.PARTIAL)
    [error] = run.errors
    assert error["where"].startswith(f"{path}:results[1].actions[1].date")
    assert "not a date" in error["message"]
    assert set(Bill.objects.values_list("identifier", flat=True)) == {"SB 180", "SB 57"}


def test_record_the_database_refuses_fails_alone_and_leaves_nothing_half_written(tmp_path: Path) -> None:
    too_long = demo_bill("ca", "SB 483") | {"openstates_url": "https://openstates.org/" + "x" * 600}
    path = write_json(tmp_path / "page.json", page(demo_bill("ca", "SB 180"), too_long, demo_bill("ca", "SB 57")))
    run = run_import("openstates", path)
    assert (run.inserted, run.failed) == (2, 1)
    assert "not saved" in run.errors[0]["message"]
    assert "SB 483" in run.errors[0]["where"]
    assert not Bill.objects.filter(identifier="SB 483").exists()
    expected = len(demo_bill("ca", "SB 180")["actions"]) + len(demo_bill("ca", "SB 57")["actions"])
    assert BillAction.objects.count() == expected
    assert BillExternalId.objects.count() == StageChange.objects.count() == 2


def test_unknown_jurisdiction_is_a_failed_record_not_a_crash(tmp_path: Path) -> None:
    unknown = demo_bill("ca", "SB 483")
    unknown["jurisdiction"]["id"] = "ocd-jurisdiction/country:us/territory:zz/government"
    run = run_import("openstates", write_json(tmp_path / "page.json", page(unknown, demo_bill("ca", "SB 180"))))
    assert (run.inserted, run.failed) == (1, 1)
    assert "unknown jurisdiction 'zz'" in run.errors[0]["message"]

    envelope = legiscan_get_bill()
    envelope["bill"]["state"] = "ZZ"
    legiscan_run = run_import("legiscan", write_json(tmp_path / "getbill.json", envelope))
    assert (legiscan_run.failed, legiscan_run.status) == (1, ImportRunStatus.FAILED)
    assert legiscan_run.errors[0]["where"].startswith(f"{tmp_path / 'getbill.json'}: ZZ ")


def test_bill_found_by_natural_key_from_another_source_gets_linked(tmp_path: Path) -> None:
    run_import("openstates", write_json(tmp_path / "s756.json", page(demo_bill("us", "S 756"))))
    record = openstates.parse_bill(demo_bill("us", "S 756"))
    from_congress = dataclasses.replace(
        record, source="congress", source_id="115-s-756", external_ids=(("congress", "115-s-756"),)
    )
    importer = BillImporter(source="congress", today=TODAY)
    importer.import_records([("congress.json", from_congress)])
    run = importer.finish()
    assert (run.inserted, run.updated) == (0, 1)
    bill = Bill.objects.get()
    assert dict(bill.external_ids.values_list("source", "external_id")) == {
        "openstates": record.source_id,
        "congress": "115-s-756",
    }


def test_bill_with_a_new_id_at_the_same_source_gets_its_external_id_updated(tmp_path: Path) -> None:
    run_import("openstates", write_json(tmp_path / "a.json", page(demo_bill("us", "S 756"))))
    renamed = demo_bill("us", "S 756") | {"id": "ocd-bill/00000000-0000-4000-8000-000000000756"}
    run = run_import("openstates", write_json(tmp_path / "b.json", page(renamed)))
    assert (run.inserted, run.updated) == (0, 1)
    assert Bill.objects.count() == 1
    assert BillExternalId.objects.get().external_id == "ocd-bill/00000000-0000-4000-8000-000000000756"
    assert run_import("openstates", tmp_path / "b.json").unchanged == 1


def test_bill_without_actions_key_keeps_stored_actions_and_stage(tmp_path: Path) -> None:
    run_import("openstates", write_json(tmp_path / "full.json", page(demo_bill("us", "S 756"))))
    light = demo_bill("us", "S 756")
    for key in ("actions", "sponsorships", "sources", "abstracts"):
        del light[key]
    light["title"] = "First Step Act of 2018 (new title)"
    run = run_import("openstates", write_json(tmp_path / "light.json", page(light)))
    assert run.updated == 1
    bill = Bill.objects.get()
    assert bill.title == "First Step Act of 2018 (new title)"
    assert (bill.stage, bill.furthest_stage) == ("enacted", "enacted")
    assert bill.actions.count() == len(demo_bill("us", "S 756")["actions"])
    assert bill.sponsorships.count() == 1
    assert bill.summary  # an absent abstract does not wipe the stored summary


def test_legiscan_master_list_entry_moves_stage_by_status_and_keeps_actions(tmp_path: Path) -> None:
    run_import("legiscan", AK_HB1, today=AK_SITTING)
    bill = Bill.objects.get()
    actions = bill.actions.count()
    assert actions > 0
    assert bill.stage == "passed_origin"
    payload = load(AK_HB1)["bill"]
    master_list = {
        "status": "OK",
        "masterlist": {
            "session": payload["session"],
            "0": {
                "bill_id": payload["bill_id"],
                "number": "HB1",
                "change_hash": "0" * 32,
                "url": payload["url"],
                "status_date": "2012-04-20",
                "status": "4",
                "last_action_date": "2012-04-20",
                "last_action": "Signed into law",
                "title": payload["title"],
                "description": payload["description"],
            },
        },
    }
    run = run_import("legiscan", write_json(tmp_path / "masterlist.json", master_list), today=AK_SITTING)
    assert run.updated == 1
    bill.refresh_from_db()
    assert (bill.stage, bill.stage_date) == ("enacted", date(2012, 4, 20))
    assert bill.latest_action_description == "Signed into law"
    assert bill.actions.count() == actions
    assert StageChange.objects.filter(import_run=run, from_stage="passed_origin", to_stage="enacted").count() == 1


def test_congress_bill_meets_its_actions_and_its_congress_dates() -> None:
    run_import("congress", *S1947)
    bill = Bill.objects.get()
    assert (bill.identifier, bill.session.identifier) == ("S 1947", "119")
    assert bill.actions.count() == len(load(S1947[1])["actions"])
    assert (bill.session.start_date, bill.session.end_date) == (date(2025, 1, 3), date(2027, 1, 3))
    assert bill.sponsorships.filter(primary=True).count() == 1
    assert bill.external_ids.get().external_id == "119-s-1947"


def test_session_ended_by_a_later_session_kills_its_pending_bills(tmp_path: Path) -> None:
    received: list[list[int]] = []

    def receiver(sender, *, bill_ids, **kwargs):
        received.append(bill_ids)

    bills_stage_changed.connect(receiver)
    try:
        run_import("openstates", write_json(tmp_path / "old.json", page(demo_bill("ny", "S 5448"))))
        pending = Bill.objects.get()
        assert pending.stage == "in_committee"
        later = demo_bill("ny", "S 5448") | {"id": "ocd-bill/ny-2027-s-1", "identifier": "S 1", "session": "2027-2028"}
        run = run_import("openstates", write_json(tmp_path / "new.json", page(later)))
    finally:
        bills_stage_changed.disconnect(receiver)
    pending.refresh_from_db()
    assert pending.stage == "died"
    assert pending.furthest_stage == "in_committee"
    assert StageChange.objects.get(bill=pending, import_run=run).from_stage == "in_committee"
    assert "1 pending bills of sessions now over" in run.note
    assert pending.pk in received[-1]
    # The next import of the old bill, in the ended session, agrees and changes nothing visible.
    again = run_import("openstates", tmp_path / "old.json")
    pending.refresh_from_db()
    assert (again.unchanged, pending.stage) == (1, "died")


def test_where_bills_carry_over_pending_bills_of_an_ended_session_are_carried_over(tmp_path: Path) -> None:
    """A legislature that carries bills over within a biennium, whose sessions are years (2025, then 2026)."""
    Jurisdiction.objects.filter(code="ny").update(carries_over=True)
    # The first odd year not yet behind us: a session of a past year would be over (and carried) on its own.
    odd = next(year for year in itertools.count(timezone.localdate().year) if year % 2)
    first_year = demo_bill("ny", "S 5448") | {"session": str(odd)}
    run_import("openstates", write_json(tmp_path / "old.json", page(first_year)))
    assert Bill.objects.get(identifier="S 5448").stage == "in_committee"
    later = demo_bill("ny", "S 5448") | {"id": "ocd-bill/ny-2026-s-1", "identifier": "S 1", "session": str(odd + 1)}
    run = run_import("openstates", write_json(tmp_path / "new.json", page(later)))
    pending = Bill.objects.get(identifier="S 5448")  # moved when the later session made its session over
    assert (pending.stage, pending.furthest_stage) == ("carried_over", "in_committee")
    assert StageChange.objects.get(bill=pending, import_run=run).to_stage == "carried_over"
    assert run_import("openstates", tmp_path / "old.json").unchanged == 1  # the same judgement, bill by bill
    # A bill of the ended session imported for the first time is judged by the same rule.
    first_seen = first_year | {"id": "ocd-bill/ny-2025-s-2", "identifier": "S 2"}
    run_import("openstates", write_json(tmp_path / "first_seen.json", page(first_seen)))
    assert Bill.objects.get(identifier="S 2").stage == "carried_over"


def test_where_bills_carry_over_a_session_that_spans_the_biennium_still_ends_it(tmp_path: Path) -> None:
    """Carry-over is within a biennium: the pending bills of a two-year session (2025-2026) die at its end."""
    Jurisdiction.objects.filter(code="ny").update(carries_over=True)
    run_import("openstates", write_json(tmp_path / "old.json", page(demo_bill("ny", "S 5448"))))
    later = demo_bill("ny", "S 5448") | {"id": "ocd-bill/ny-2027-s-1", "identifier": "S 1", "session": "2027-2028"}
    run_import("openstates", write_json(tmp_path / "new.json", page(later)))
    assert Bill.objects.get(identifier="S 5448").stage == "died"


def test_imports_never_touch_the_editorial_fields(tmp_path: Path) -> None:
    path = write_json(tmp_path / "s756.json", page(demo_bill("us", "S 756")))
    run_import("openstates", path)
    editorial = {"popular_title": "First Step Act", "staff_notes": "Checked against the enrolled text."}
    Bill.objects.update(**editorial)
    changed = demo_bill("us", "S 756") | {"title": "Renamed"}
    changed["actions"].append(action(len(changed["actions"]), "2026-01-05", "upper", "Noted in the record"))
    light = {key: value for key, value in changed.items() if key not in ("actions", "sponsorships", "sources")}
    light["title"] = "Renamed again"
    for payload in (changed, light):  # a full record that changed, then one without its actions
        assert run_import("openstates", write_json(path, page(payload))).updated == 1
        assert Bill.objects.values("popular_title", "staff_notes").get() == editorial


def test_congress_list_entry_updates_the_bill_and_keeps_its_actions_and_sponsors(tmp_path: Path) -> None:
    run_import("congress", *S1947)
    bill = Bill.objects.get()
    actions = list(bill.actions.values_list("order", "date", "description"))
    sponsors = list(bill.sponsorships.values_list("name", flat=True))
    assert actions
    assert sponsors
    detail = load(S1947[0])["bill"]
    entry = {key: detail[key] for key in ("congress", "type", "number", "originChamber", "originChamberCode")}
    entry |= {
        "title": "OCTOPUS Act of 2025 (listed)",
        "latestAction": detail["latestAction"],
        "updateDate": "2025-09-01T00:00:00Z",
        "url": "https://api.congress.gov/v3/bill/119/s/1947?format=json",
    }
    run = run_import("congress", write_json(tmp_path / "list.json", {"bills": [entry]}))
    assert (run.updated, run.failed) == (1, 0)
    bill.refresh_from_db()
    assert bill.title == "OCTOPUS Act of 2025 (listed)"
    assert list(bill.actions.values_list("order", "date", "description")) == actions
    assert list(bill.sponsorships.values_list("name", flat=True)) == sponsors


def test_session_a_record_says_ended_makes_its_bills_die(tmp_path: Path) -> None:
    run_import("legiscan", AK_HB1, today=AK_SITTING)
    payload = legiscan_get_bill()
    payload["bill"]["session"]["sine_die"] = 1
    run = run_import("legiscan", write_json(tmp_path / "sine_die.json", payload), today=AK_SITTING)
    assert run.updated == 1
    assert LegislativeSession.objects.get(jurisdiction__code="ak").ended is True
    assert Bill.objects.get().stage == "died"


def test_stage_changed_signal_carries_new_and_moved_bills(tmp_path: Path) -> None:
    received: list[dict] = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    bills_stage_changed.connect(receiver)
    try:
        run = run_import("openstates", *DEMO_PAGES)
        run_import("openstates", *DEMO_PAGES)
    finally:
        bills_stage_changed.disconnect(receiver)
    assert len(received) == 1  # the unchanged re-import moves nothing and says nothing
    assert set(received[0]["bill_ids"]) == set(Bill.objects.values_list("pk", flat=True))
    assert received[0]["import_run"] == run


def test_sponsors_rebuilt_only_when_they_differ(tmp_path: Path) -> None:
    path = write_json(tmp_path / "s756.json", page(demo_bill("us", "S 756")))
    run_import("openstates", path)
    sponsor_id = BillSponsorship.objects.get().pk
    bill = demo_bill("us", "S 756")
    bill["sponsorships"].append(
        {"name": "Cory Booker", "entity_type": "person", "primary": False, "classification": "cosponsor"}
    )
    run_import("openstates", write_json(path, page(bill)))
    assert list(BillSponsorship.objects.values_list("name", flat=True)) == ["Dan Sullivan", "Cory Booker"]
    assert not BillSponsorship.objects.filter(pk=sponsor_id).exists()  # rebuilt, not patched


def test_unchanged_bills_are_neither_parsed_nor_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    run_import("openstates", *DEMO_PAGES)
    parsed: list[object] = []
    real_parse_bill = openstates.parse_bill
    monkeypatch.setattr(openstates, "parse_bill", lambda *args: parsed.append(args) or real_parse_bill(*args))
    with CaptureQueriesContext(connection) as queries:
        assert run_import("openstates", *DEMO_PAGES).unchanged == 34
    assert parsed == []
    tables = ("legislation_billaction", "legislation_billsponsorship", "legislation_billsource")
    assert not [query["sql"] for query in queries.captured_queries if any(t in query["sql"] for t in tables)]


def test_changed_title_leaves_actions_sponsors_and_sources_alone(tmp_path: Path, capture_writes) -> None:
    path = write_json(tmp_path / "s756.json", page(demo_bill("us", "S 756")))
    run_import("openstates", path)
    action_ids = list(BillAction.objects.values_list("pk", flat=True))
    with capture_writes() as writes:
        run = run_import("openstates", write_json(path, page(demo_bill("us", "S 756") | {"title": "Renamed"})))
    assert (run.updated, Bill.objects.get().title) == (1, "Renamed")
    assert writes.copies == []
    assert [sql.split()[0] for sql in writes.statements] == ["UPDATE"]
    assert list(BillAction.objects.values_list("pk", flat=True)) == action_ids


def test_record_older_than_one_already_imported_in_the_run_is_skipped(tmp_path: Path) -> None:
    newer = demo_bill("ca", "SB 180") | {"title": "Newer", "updated_at": "2026-06-01T00:00:00+00:00"}
    older = demo_bill("ca", "SB 180") | {"title": "Older", "updated_at": "2025-01-01T00:00:00+00:00"}
    run = import_files(
        source="openstates",
        paths=[write_json(tmp_path / "1.json", page(newer)), write_json(tmp_path / "2.json", page(older))],
        today=TODAY,
        chunk_size=1,
    )
    assert (run.inserted, run.updated, run.unchanged) == (1, 0, 0)
    assert Bill.objects.get().title == "Newer"


def test_same_payload_after_its_session_ended_moves_the_bill_to_died(tmp_path: Path) -> None:
    sessions_import(payload=read_json(DEMO / "jurisdictions.json"))  # OR 2024R1 ended on 2024-03-07
    path = write_json(tmp_path / "hb4036.json", page(demo_bill("or", "HB 4036")))
    before = import_files(source="openstates", paths=[path], today=date(2024, 3, 1))
    bill = Bill.objects.get()
    assert (before.inserted, bill.stage) == (1, "in_committee")
    after = import_files(source="openstates", paths=[path], today=date(2024, 4, 1))
    bill.refresh_from_db()
    assert (after.updated, bill.stage, bill.stage_date) == (1, "died", date(2024, 3, 7))
    assert StageChange.objects.get(import_run=after).from_stage == "in_committee"


def test_changed_parser_code_makes_the_next_import_parse_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from legislation.importers import files

    run_import("openstates", *DEMO_PAGES)
    hashes = dict(Bill.objects.values_list("pk", "content_hash"))
    monkeypatch.setattr(files, "_OPENSTATES_CODE", b"a parser fixed since")
    parsed: list[object] = []
    real_parse_bill = openstates.parse_bill
    monkeypatch.setattr(openstates, "parse_bill", lambda *args: parsed.append(args) or real_parse_bill(*args))
    run = run_import("openstates", *DEMO_PAGES)
    assert (run.unchanged, len(parsed)) == (34, 34)  # same data: nothing but the hashes is rewritten
    assert all(hashes[pk] != digest for pk, digest in Bill.objects.values_list("pk", "content_hash"))
    assert run_import("openstates", *DEMO_PAGES).unchanged == 34


def test_stage_changed_signal_comes_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signals_module, "SIGNAL_BATCH", 10)
    received: list[list[int]] = []

    def receiver(sender, *, bill_ids, **kwargs):
        received.append(bill_ids)

    bills_stage_changed.connect(receiver)
    try:
        run_import("openstates", *DEMO_PAGES)
    finally:
        bills_stage_changed.disconnect(receiver)
    assert [len(ids) for ids in received] == [10, 10, 10, 4]  # the 34 new bills
    assert set().union(*received) == set(Bill.objects.values_list("pk", flat=True))
