"""Zip imports: names and sizes checked before anything is read, members streamed, limits from settings, and a zip
without bills is an error (legislation/sources/zips.py, legislation/importers/files.py)."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from legislation.importers import import_files
from legislation.models import Bill, ImportRun, ImportRunStatus

from .payloads import AK_HB1, demo_bill, export_bill, openstates_json_zip, write_zip

pytestmark = pytest.mark.usefixtures("seeded")

MEMBER = "CA/20212022/CA_20212022_bills.json"


def bills_json() -> str:
    bill = export_bill(demo_bill("ca", "SB 57"))
    bill["legislative_session"] = "20212022"
    return json.dumps([bill])


def failed_run(source: str, path: Path) -> ImportRun:
    run = import_files(source=source, paths=[path])
    assert run.status == ImportRunStatus.FAILED, run.errors
    assert Bill.objects.count() == 0
    return run


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../CA_20212022_bills.json", "a '..' part"),
        ("CA/../../etc/CA_20212022_bills.json", "a '..' part"),
        ("/srv/CA_20212022_bills.json", "an absolute path"),
        ("C:/CA_20212022_bills.json", "an absolute path"),
        ("CA\\20212022\\CA_20212022_bills.json", "a backslash"),
    ],
)
def test_unsafe_member_names_refuse_the_zip(tmp_path: Path, name: str, reason: str) -> None:
    path = write_zip(tmp_path / "ca.zip", {MEMBER: bills_json(), name: bills_json()})
    run = failed_run("openstates", path)
    assert f"has {reason}" in run.errors[0]["message"]


def test_a_member_over_the_limit_is_refused_before_it_is_read(tmp_path: Path, settings) -> None:
    settings.IMPORT_MAX_MEMBER_BYTES = 1000
    path = write_zip(tmp_path / "ca.zip", {MEMBER: bills_json() + " " * 1000})
    run = failed_run("openstates", path)
    assert run.errors[0]["where"] == f"{path}:{MEMBER}"
    assert "over IMPORT_MAX_MEMBER_BYTES (1,000 bytes)" in run.errors[0]["message"]


def test_an_archive_over_the_limit_is_refused(tmp_path: Path, settings) -> None:
    settings.IMPORT_MAX_ARCHIVE_BYTES = 5000
    members = {"AK/2011/bill/HB1.json": AK_HB1.read_text(), "AK/2011/README.txt": "x" * 5000}
    run = failed_run("legiscan", write_zip(tmp_path / "ak.zip", members))
    assert "over IMPORT_MAX_ARCHIVE_BYTES" in run.errors[0]["message"]


def test_a_legiscan_bill_file_over_the_record_limit_fails_alone(tmp_path: Path, settings) -> None:
    settings.IMPORT_MAX_RECORD_BYTES = 2000
    members = {"AK/2011/bill/HB1.json": AK_HB1.read_text()}
    run = failed_run("legiscan", write_zip(tmp_path / "ak.zip", members))
    assert run.failed == 1
    assert "over IMPORT_MAX_RECORD_BYTES" in run.errors[0]["message"]


@pytest.mark.parametrize(
    ("source", "members"),
    [
        ("openstates", {MEMBER: "[]"}),
        ("openstates", {MEMBER: '{"not": "a list"}'}),
        ("legiscan", {"AK/2011/bill/": ""}),
    ],
)
def test_a_zip_without_bills_is_an_error(tmp_path: Path, source: str, members: dict) -> None:
    path = write_zip(tmp_path / "empty.zip", members)
    run = failed_run(source, path)
    assert run.errors[0]["message"] in ("no bills in the zip", "no bill/*.json in the zip: not a LegiScan dataset")
    with pytest.raises(CommandError):
        call_command("import_bills", source, str(path), stdout=io.StringIO(), stderr=io.StringIO())


def big_member_zip(path: Path, size: int) -> Path:
    """A zip bomb of sorts: one list member holding one bill whose title is ``size`` bytes, written through a
    streaming writer (a few hundred KB on disk)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive, archive.open(MEMBER, "w") as out:
        out.write(b'[{"id": "ocd-bill/x", "legislative_session": "20212022", "identifier": "SB 1", "title": "')
        block = b"A" * 1024**2
        for _ in range(size // len(block)):
            out.write(block)
        out.write(b'"}]')
    return path


def test_a_huge_member_is_streamed_and_its_huge_record_refused_with_flat_memory(tmp_path: Path, settings) -> None:
    settings.IMPORT_MAX_RECORD_BYTES = 1024**2
    path = big_member_zip(tmp_path / "bomb.zip", 64 * 1024**2)
    assert path.stat().st_size < 1024**2
    tracemalloc.start()
    try:
        run = import_files(source="openstates", paths=[path])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert run.status == ImportRunStatus.FAILED
    assert "over IMPORT_MAX_RECORD_BYTES (1.0 MiB)" in run.errors[0]["message"]
    assert peak < 16 * 1024**2, f"peak {peak / 1024**2:.1f} MiB"


def test_bills_of_a_zip_are_streamed_one_at_a_time(tmp_path: Path) -> None:
    bills = [demo_bill("ca", identifier) for identifier in ("SB 57", "AB 701", "SB 180")]
    for bill in bills:
        bill["session"] = "20212022"
    run = import_files(source="openstates", paths=[openstates_json_zip(tmp_path / "ca.zip", "ca", "20212022", bills)])
    assert (run.status, run.inserted) == (ImportRunStatus.SUCCEEDED, 3)
