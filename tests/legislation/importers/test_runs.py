"""Import runs that outlive a crash: counts committed with each chunk, a heartbeat, and runs whose process died
marked `interrupted` (legislation/importers/runs.py)."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from legislation.importers import BillImporter, files, import_files
from legislation.importers.runs import import_runs_interrupt
from legislation.models import Bill, ImportRun, ImportRunStatus
from legislation.sync.common import sync_scope

from .payloads import DEMO_PAGES

pytestmark = pytest.mark.usefixtures("seeded")


def dead_pid() -> int:
    """A pid no process has on this host (pids are below 2**22 on Linux)."""
    return 2**22 + 7


def test_counts_are_committed_with_each_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    # What another connection would read after each chunk: the run's counts must already match the bills written.
    seen = []

    def progress(count: int) -> None:
        run = ImportRun.objects.order_by("-pk").first()
        seen.append((run.inserted, Bill.objects.count(), run.status, run.heartbeat_at is not None))

    monkeypatch.setattr(files, "BillImporter", lambda **kw: BillImporter(**{**kw, "chunk_size": 10}))
    import_files(source="openstates", paths=DEMO_PAGES, on_progress=progress)
    assert seen[0] == (10, 10, ImportRunStatus.RUNNING, True)
    assert [inserted for inserted, *_ in seen] == [bills for _, bills, *_ in seen]


def test_an_exception_that_stops_the_import_marks_the_run_interrupted_with_what_it_committed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def progress(count: int) -> None:
        if Bill.objects.count() >= 20:
            raise MemoryError("simulated")

    monkeypatch.setattr(files, "BillImporter", lambda **kw: BillImporter(**{**kw, "chunk_size": 10}))
    with pytest.raises(MemoryError):
        import_files(source="openstates", paths=DEMO_PAGES, on_progress=progress)
    run = ImportRun.objects.get()
    assert (run.status, run.inserted, Bill.objects.count()) == (ImportRunStatus.INTERRUPTED, 20, 20)
    assert run.finished_at is not None
    assert run.errors[-1]["message"] == "stopped by MemoryError: simulated"


def test_a_run_whose_process_is_gone_is_interrupted_keeping_its_counts() -> None:
    run = ImportRun.objects.create(
        source="openstates",
        scope="sync:ca",
        inserted=1000,
        worker=f"{socket.gethostname()}:{dead_pid()} task abc",
        heartbeat_at=timezone.now(),
    )
    alive = ImportRun.objects.create(
        source="openstates", scope="sync:ny", worker=f"{socket.gethostname()}:1", heartbeat_at=timezone.now()
    )
    assert [found.pk for found in import_runs_interrupt()] == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.inserted) == (ImportRunStatus.INTERRUPTED, 1000)
    assert "is gone" in run.note
    alive.refresh_from_db()
    assert alive.status == ImportRunStatus.RUNNING


def test_a_run_of_another_host_is_interrupted_when_its_heartbeat_is_too_old(settings) -> None:
    settings.IMPORT_HEARTBEAT_TIMEOUT = 600
    old = timezone.now() - timedelta(seconds=601)
    stale = ImportRun.objects.create(source="legiscan", scope="s", worker="elsewhere:12 task x", heartbeat_at=old)
    recent = ImportRun.objects.create(
        source="legiscan", scope="s2", worker="elsewhere:13", heartbeat_at=timezone.now() - timedelta(seconds=500)
    )
    assert [found.pk for found in import_runs_interrupt()] == [stale.pk]
    stale.refresh_from_db()
    assert (stale.status, stale.finished_at) == (ImportRunStatus.INTERRUPTED, old)
    recent.refresh_from_db()
    assert recent.status == ImportRunStatus.RUNNING


def test_a_new_run_of_the_same_scope_closes_the_dead_one_first() -> None:
    dead = ImportRun.objects.create(
        source="openstates",
        scope="files a.json",
        worker=f"{socket.gethostname()}:{dead_pid()}",
        heartbeat_at=timezone.now(),
    )
    BillImporter(source="openstates", scope="files a.json").finish()
    dead.refresh_from_db()
    assert dead.status == ImportRunStatus.INTERRUPTED


def test_freshness_does_not_report_a_dead_run_as_running(api_client) -> None:
    ImportRun.objects.create(
        source="openstates",
        scope=sync_scope("ca"),
        worker=f"{socket.gethostname()}:{dead_pid()}",
        heartbeat_at=timezone.now(),
    )
    body = api_client.get("/api/v1/freshness/").json()
    [openstates] = [source for source in body["sources"] if source["source"] == "openstates"]
    assert openstates["last_status"] == "interrupted"


def test_long_values_in_errors_are_cut(tmp_path) -> None:
    from .payloads import demo_bill, page, write_json

    bill = demo_bill("ca", "SB 57")
    bill["actions"][0]["date"] = "x" * 10_000
    run = import_files(source="openstates", paths=[write_json(tmp_path / "p.json", page(bill))])
    [error] = run.errors
    assert len(error["message"]) <= 301
    assert error["message"].endswith("…")


def test_freshness_shows_file_names_never_server_paths(api_client) -> None:
    finished = timezone.now()
    for scope in ("backfill /srv/data/private/CA_2021.zip", "files /home/me/a.json C:\\data\\b.json"):
        ImportRun.objects.create(
            source="openstates", scope=scope, status=ImportRunStatus.SUCCEEDED, finished_at=finished
        )
    body = api_client.get("/api/v1/freshness/").json()
    [openstates] = [source for source in body["sources"] if source["source"] == "openstates"]
    assert sorted(item["scope"] for item in openstates["scopes"]) == ["backfill CA_2021.zip", "files a.json b.json"]
