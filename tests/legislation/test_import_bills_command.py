"""`manage.py import_bills SOURCE PATH...`: every accepted file kind of each source, and malformed input."""

from __future__ import annotations

import io
import json
import re
from functools import partial
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from legislation.importers import BillImporter, files
from legislation.models import Bill, BillAction, ImportRun, ImportRunStatus, StageChange

from .importers.payloads import (
    AK_HB1,
    CONGRESS_LIST,
    DEMO_PAGES,
    MA_HD6143,
    OHIO,
    S1947,
    demo_bill,
    legiscan_dataset_zip,
    legiscan_get_bill,
    load,
    openstates_csv_zip,
    openstates_json_zip,
    page,
    write_json,
    write_zip,
)

pytestmark = pytest.mark.usefixtures("seeded")

SUMMARY = re.compile(r"(\d+) inserted, (\d+) updated, (\d+) unchanged, (\d+) failed")


def import_bills(source: str, *paths: Path) -> tuple[tuple[int, ...], str, str]:
    """Run the command; the counts of its summary line, its stdout and its stderr."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_bills", source, *map(str, paths), stdout=out, stderr=err)
    match = SUMMARY.search(out.getvalue())
    assert match, out.getvalue()
    return tuple(int(group) for group in match.groups()), out.getvalue(), err.getvalue()


def failing(source: str, *paths: Path) -> str:
    """Run the command expecting failure; the whole message it gave (error, stderr and stdout)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_bills", source, *map(str, paths), stdout=out, stderr=err)
    return f"{caught.value}\n{err.getvalue()}\n{out.getvalue()}"


# --- Accepted kinds -----------------------------------------------------------------------------------------------


def test_openstates_bills_pages(tmp_path: Path) -> None:
    counts, out, _ = import_bills("openstates", *DEMO_PAGES)
    assert counts == (34, 0, 0, 0)
    assert out.count("\n") == 1  # one summary line
    assert import_bills("openstates", *DEMO_PAGES)[0] == (0, 0, 34, 0)


def test_openstates_single_bill_object() -> None:
    assert import_bills("openstates", MA_HD6143)[0] == (1, 0, 0, 0)
    bill = Bill.objects.get()
    assert (bill.jurisdiction.code, bill.session.identifier, bill.identifier) == ("ma", "194th", "HD 6143")


def test_openstates_bulk_json_zip(tmp_path: Path) -> None:
    path = openstates_json_zip(tmp_path / "CA_20212022.zip", "ca", "20212022", [demo_bill("ca", "SB 57")])
    assert import_bills("openstates", path)[0] == (1, 0, 0, 0)
    bill = Bill.objects.get()
    assert (bill.stage, bill.actions.count()) == ("vetoed", len(demo_bill("ca", "SB 57")["actions"]))


def test_openstates_bulk_csv_zip_recognised_by_content_whatever_its_name(tmp_path: Path) -> None:
    path = openstates_csv_zip(tmp_path / "ohio-download.bin")
    assert import_bills("openstates", path)[0] == (2, 0, 0, 0)
    assert Bill.objects.get(identifier="HB 1").stage == "passed_origin"


def test_legiscan_get_bill_response_and_dataset_bill_file(tmp_path: Path) -> None:
    assert import_bills("legiscan", write_json(tmp_path / "getBill.json", legiscan_get_bill()))[0] == (1, 0, 0, 0)
    assert import_bills("legiscan", AK_HB1)[0] == (0, 0, 1, 0)  # the same bill, without the envelope
    bill = Bill.objects.get()
    # Engrossed (passed_origin), and then died: its session (2011-2012) is long over (year_end passed).
    assert (bill.jurisdiction.code, bill.identifier, bill.furthest_stage, bill.stage) == (
        "ak",
        "HB 1",
        "passed_origin",
        "died",
    )


def test_legiscan_master_list() -> None:
    assert import_bills("legiscan", OHIO)[0] == (2131, 0, 0, 0)
    assert Bill.objects.filter(jurisdiction__code="oh").count() == 2131


def test_legiscan_dataset_zip(tmp_path: Path) -> None:
    assert import_bills("legiscan", legiscan_dataset_zip(tmp_path / "AK_2011.zip"))[0] == (1, 0, 0, 0)
    assert BillAction.objects.count() == len(load(AK_HB1)["bill"]["history"])


def test_congress_bill_with_its_actions_and_cosponsors_in_one_call() -> None:
    assert import_bills("congress", *S1947)[0] == (1, 0, 0, 0)
    bill = Bill.objects.get()
    assert bill.actions.count() == len(load(S1947[1])["actions"])
    assert bill.sponsorships.count() == 1 + len(load(S1947[2])["cosponsors"])


def test_congress_bill_list() -> None:
    assert import_bills("congress", CONGRESS_LIST)[0] == (20, 0, 0, 0)


def test_no_progress_bar_when_stdout_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    import_bills("openstates", *DEMO_PAGES)
    assert "bills" not in capsys.readouterr().err


def test_progress_bar_when_stdout_is_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    call_command("import_bills", "openstates", *map(str, DEMO_PAGES), stdout=Terminal())
    # tqdm draws the bar at once and redraws it at most ten times a second: the count it last shows depends on speed.
    assert re.search(r"\d+ bills \[", capsys.readouterr().err)


def test_the_run_names_its_files_without_their_directories() -> None:
    import_bills("openstates", *DEMO_PAGES)
    run = ImportRun.objects.get()
    assert run.scope == "files " + " ".join(path.name for path in DEMO_PAGES)
    assert str(DEMO_PAGES[0].parent) not in run.scope  # scopes are public, in /api/v1/freshness/


# --- Malformed input ----------------------------------------------------------------------------------------------


def assert_nothing_written() -> None:
    assert not Bill.objects.exists()
    assert not BillAction.objects.exists()
    assert not StageChange.objects.exists()


def test_truncated_json_names_the_file_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "truncated.json"
    path.write_bytes(OHIO.read_bytes()[:50_000])
    message = failing("legiscan", path)
    assert str(path) in message
    assert "invalid JSON" in message
    assert_nothing_written()
    assert ImportRun.objects.get().status == "failed"


def test_empty_file_names_the_file_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("  \n")
    message = failing("openstates", path)
    assert f"{path}: empty file" in message
    assert_nothing_written()


@pytest.mark.parametrize(
    ("source", "payload", "expected"),
    [
        ("openstates", [1, 2], "not an Open States /bills page"),
        ("openstates", {"results": {"0": {}}}, "results: expected a list"),
        ("openstates", {"detail": "Invalid API key"}, "Open States error: Invalid API key"),
        ("legiscan", {"status": "OK", "sessions": []}, "expected a LegiScan getBill or getMasterList response"),
        ("legiscan", {"status": "ERROR", "alert": {"message": "Unknown API key"}}, "LegiScan error: Unknown API key"),
        ("congress", {"members": []}, "not a Congress.gov bill, actions, cosponsors or bill list response"),
    ],
    ids=["os-list", "os-results-object", "os-error-body", "ls-other-call", "ls-error", "congress-other"],
)
def test_wrong_shape_names_the_file_and_writes_nothing(tmp_path: Path, source: str, payload, expected: str) -> None:
    path = write_json(tmp_path / "wrong.json", payload)
    message = failing(source, path)
    assert str(path) in message
    assert expected in message
    assert_nothing_written()


def test_unknown_jurisdiction_fails_its_record_and_exits_non_zero(tmp_path: Path) -> None:
    unknown = demo_bill("ca", "SB 483")
    unknown["jurisdiction"]["id"] = "ocd-jurisdiction/country:us/territory:zz/government"
    path = write_json(tmp_path / "page.json", page(demo_bill("ca", "SB 180"), unknown))
    message = failing("openstates", path)
    assert "1 inserted, 0 updated, 0 unchanged, 1 failed" in message
    assert f"{path}: ZZ 20212022" in message
    assert "unknown jurisdiction 'zz'" in message
    assert list(Bill.objects.values_list("identifier", flat=True)) == ["SB 180"]


def test_bad_file_among_good_ones_fails_alone(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"results": [')
    message = failing("openstates", DEMO_PAGES[0], bad, DEMO_PAGES[1])
    assert str(bad) in message
    assert "34 inserted" in message


def test_zip_broken_half_way_keeps_what_it_read_and_names_the_break(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The one rule for bad input (README, Importing bills): bills read before the break were valid and stay (each
    # chunk commits); the break is an error on the run, which ends partial, and the command exits non-zero.
    monkeypatch.setattr(files, "BillImporter", partial(BillImporter, chunk_size=1))
    good = json.dumps([{**demo_bill("ca", "SB 57"), "legislative_session": "20212022"}])
    path = write_zip(
        tmp_path / "CA.zip",
        {"CA/20212022/CA_20212022_bills.json": good, "CA/20232024/CA_20232024_bills.json": "[{"},
    )
    message = failing("openstates", path)
    assert f"{path}:CA/20232024/CA_20232024_bills.json" in message
    assert list(Bill.objects.values_list("identifier", flat=True)) == ["SB 57"]
    assert ImportRun.objects.get().status == ImportRunStatus.PARTIAL


def test_corrupt_zip_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bulk.zip"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    message = failing("openstates", path)
    assert str(path) in message
    assert_nothing_written()


def test_congress_actions_without_their_bill_are_an_error(tmp_path: Path) -> None:
    message = failing("congress", S1947[1])
    assert "no bill response given for these actions (119-s-1947)" in message
    assert_nothing_written()


def test_missing_file_names_it(tmp_path: Path) -> None:
    message = failing("legiscan", tmp_path / "nowhere.json")
    assert f"{tmp_path / 'nowhere.json'}: cannot read" in message


def test_unknown_source_is_refused() -> None:
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import_bills", "propublica", str(OHIO))
