"""One rule for bad records, every source, files and zips (README, "Bad records"): a record that cannot be read
(an impossible date, a NUL byte, a missing key) fails alone, its error is on the run, the other records are
written, and the run is `partial`."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from legislation.importers import import_files
from legislation.models import Bill, ImportRunStatus

from .payloads import (
    AK_HB1,
    OHIO,
    S1947,
    demo_bill,
    export_bill,
    load,
    page,
    write_json,
    write_zip,
)

pytestmark = pytest.mark.usefixtures("seeded")


def openstates_page(tmp_path: Path, spoil: Callable[[dict], None]) -> tuple[list[Path], int]:
    good, bad = demo_bill("ca", "SB 57"), demo_bill("ca", "AB 701")
    spoil(bad)
    return [write_json(tmp_path / "page.json", page(good, bad))], 1


def openstates_zip(tmp_path: Path, spoil: Callable[[dict], None]) -> tuple[list[Path], int]:
    good, bad = export_bill(demo_bill("ca", "SB 57")), export_bill(demo_bill("ca", "AB 701"))
    good["legislative_session"] = bad["legislative_session"] = "20212022"
    spoil(bad)
    member = "CA/20212022/CA_20212022_bills.json"
    return [write_zip(tmp_path / "ca.zip", {member: json.dumps([good, bad])})], 1


def legiscan_zip(tmp_path: Path, spoil: Callable[[dict], None]) -> tuple[list[Path], int]:
    good = load(AK_HB1)
    bad = copy.deepcopy(good)
    bad["bill"]["bill_id"], bad["bill"]["bill_number"] = 999_999_999, "HB2"
    spoil(bad["bill"])
    members = {"AK/2011/bill/HB1.json": json.dumps(good), "AK/2011/bill/HB2.json": json.dumps(bad)}
    return [write_zip(tmp_path / "ak.zip", members)], 1


def legiscan_master_list(tmp_path: Path, spoil: Callable[[dict], None]) -> tuple[list[Path], int]:
    payload = load(OHIO)
    spoil(payload["masterlist"]["0"])
    return [write_json(tmp_path / "ohio.json", payload)], len(payload["masterlist"]) - 2


def congress_set(tmp_path: Path, spoil: Callable[[dict], None]) -> tuple[list[Path], int]:
    bill, actions = load(S1947[0]), load(S1947[1])
    other, other_actions = copy.deepcopy(bill), copy.deepcopy(actions)
    other["bill"]["number"] = other_actions["request"]["billNumber"] = "1948"
    other_actions["request"]["billUrl"] = other_actions["request"]["billUrl"].replace("1947", "1948")
    spoil(other["bill"])
    paths = [
        write_json(tmp_path / "s1947.json", bill),
        write_json(tmp_path / "s1947_actions.json", actions),
        write_json(tmp_path / "s1948.json", other),
        write_json(tmp_path / "s1948_actions.json", other_actions),
    ]
    return paths, 1


def impossible_date(record: dict) -> None:
    for key in ("introducedDate", "status_date", "updated_at", "latest_action_date"):
        if key in record:
            record[key] = "2021-02-31"
    for key in ("actions", "history"):
        for action in record.get(key) if isinstance(record.get(key), list) else []:
            action["date"] = "2021-02-31"


def nul_byte(record: dict) -> None:
    for key in ("title", "description"):
        if key in record:
            record[key] = "Sealing\x00records"


def missing_key(record: dict) -> None:
    for key in ("identifier", "bill_id", "number", "type"):
        record.pop(key, None)


CASES = {
    "openstates page": ("openstates", openstates_page),
    "openstates bulk zip": ("openstates", openstates_zip),
    "legiscan dataset zip": ("legiscan", legiscan_zip),
    "legiscan master list": ("legiscan", legiscan_master_list),
    "congress responses": ("congress", congress_set),
}


@pytest.mark.parametrize("spoil", [impossible_date, nul_byte, missing_key], ids=lambda f: f.__name__)
@pytest.mark.parametrize("case", CASES)
def test_a_bad_record_fails_alone_and_the_run_is_partial(tmp_path: Path, case: str, spoil) -> None:
    source, build = CASES[case]
    paths, good = build(tmp_path, spoil)
    run = import_files(source=source, paths=paths)
    assert (run.status, run.failed, run.inserted) == (ImportRunStatus.PARTIAL, 1, good), run.errors
    assert Bill.objects.count() == good
    assert run.errors  # the bad record's (a Congress.gov bill without its key also leaves its actions unmatched)
    for error in run.errors:
        assert len(error["where"]) <= 301
        assert len(error["message"]) <= 301
