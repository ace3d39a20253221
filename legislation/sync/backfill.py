"""Bulk backfill on demand: whole sessions from LegiScan's weekly dataset ZIPs and Open States' bulk files.

LegiScan: ``getDatasetList`` (one query) says each session's ``dataset_hash``; a session whose hash equals the one
stored after its last import is skipped without spending a query, else ``getDataset`` brings the ZIP, which goes
through the importer like a saved file. Each bill's ``change_hash`` is stored too, so the next regular sync
fetches only bills that changed after the snapshot.

Open States: per-session bulk zips (JSON or CSV) are public downloads that need no key and cost no API request;
the caller gives their URL (from the bulk data page) or a saved file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import httpx
from django.utils import timezone

from legislation.choices import Source
from legislation.importers.files import import_files
from legislation.models import ImportRun, ImportRunStatus
from legislation.sources import legiscan
from legislation.sources.http import SourceError, timeout_from_settings
from legislation.sources.legiscan_client import LegiScanClient
from legislation.sources.records import ParseError

from .common import cursor_get, cursor_set, has_key, no_key_note, record_skipped, remote_state_save
from .legiscan import legiscan_client


def _store_change_hashes(path: Path) -> None:
    """The change_hash of every bill in a dataset ZIP, so the regular sync skips bills the ZIP brought current."""
    try:
        for record in legiscan.iter_dataset_zip(path):
            if not isinstance(record, ParseError) and record.extras.get("change_hash"):
                remote_state_save(
                    source=Source.LEGISCAN,
                    external_id=record.source_id,
                    marker=record.extras["change_hash"],
                    container=record.session.identifier,
                )
    except ParseError:
        return  # the import reported it


def legiscan_dataset_backfill(
    *,
    state: str,
    session_ids: Iterable[int] | None = None,
    client_factory: Callable[[], LegiScanClient] = legiscan_client,
) -> list[ImportRun]:
    """Import the datasets of ``state`` (all its sessions, or ``session_ids``) whose ``dataset_hash`` changed."""
    scope = f"backfill:{state.lower()}"
    if not has_key(Source.LEGISCAN):
        return [record_skipped(source=Source.LEGISCAN, scope=scope, note=no_key_note(Source.LEGISCAN))]
    wanted = {str(session_id) for session_id in session_ids} if session_ids is not None else None
    runs: list[ImportRun] = []
    unchanged = 0
    with client_factory() as client:
        try:
            datasets = client.dataset_list(state=state)
        except SourceError as exc:
            return [_closed_run(Source.LEGISCAN, scope, client.requests, error=str(exc))]
        for dataset in datasets:
            session_id = str(dataset.get("session_id", ""))
            if wanted is not None and session_id not in wanted:
                continue
            cursor_scope = f"dataset:{session_id}"
            digest = str(dataset.get("dataset_hash", ""))
            if digest and cursor_get(Source.LEGISCAN, cursor_scope) == digest:
                unchanged += 1
                continue
            before = client.requests
            try:
                data = client.dataset_zip(session_id, str(dataset.get("access_key", "")))
            except SourceError as exc:
                runs.append(_closed_run(Source.LEGISCAN, f"{scope} {cursor_scope}", 1, error=str(exc)))
                continue
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / f"legiscan_{state.upper()}_{session_id}.zip"
                path.write_bytes(data)
                run = import_files(source=Source.LEGISCAN, paths=[path], scope=f"{scope} {cursor_scope}")
                if run.status != ImportRunStatus.FAILED:
                    _store_change_hashes(path)
                    cursor_set(Source.LEGISCAN, cursor_scope, digest)
            run.requests = client.requests - before
            run.save(update_fields=["requests"])
            runs.append(run)
        # The getDatasetList query is on a run of its own, which also says what was skipped.
        note = f"getDatasetList: {len(datasets)} sessions, {unchanged} unchanged (dataset_hash) and skipped"
        runs.insert(0, _closed_run(Source.LEGISCAN, scope, 1, note=note))
    return runs


def _public_name(location: str) -> str:
    """The file name of a URL or path: scopes are public (/api/v1/freshness/), the server's folders and a URL's
    query string (which may hold a key) are not."""
    return PurePosixPath(urlsplit(location).path if "://" in location else location.replace("\\", "/")).name


def openstates_bulk_backfill(*, location: str, transport: httpx.BaseTransport | None = None) -> ImportRun:
    """Import an Open States per-session bulk zip from a URL or a local path."""
    scope = f"backfill {_public_name(location)}"
    if not location.startswith(("http://", "https://")):
        return import_files(source=Source.OPENSTATES, paths=[location], scope=scope)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (_public_name(location) or "bulk.zip")
        try:
            with (
                httpx.Client(timeout=timeout_from_settings(), follow_redirects=True, transport=transport) as http,
                http.stream("GET", location) as response,
            ):
                response.raise_for_status()
                with path.open("wb") as out:
                    for chunk in response.iter_bytes():
                        out.write(chunk)
        except httpx.HTTPError as exc:
            return _closed_run(Source.OPENSTATES, scope, 0, error=f"download failed: {exc}")
        return import_files(source=Source.OPENSTATES, paths=[path], scope=scope)


def _closed_run(source: str, scope: str, requests: int, *, error: str = "", note: str = "") -> ImportRun:
    """A finished run that imported nothing itself: a failed request, or the list that chose what to import."""
    now = timezone.now()
    return ImportRun.objects.create(
        source=source,
        scope=scope,
        status=ImportRunStatus.FAILED if error else ImportRunStatus.SUCCEEDED,
        started_at=now,
        finished_at=now,
        requests=requests,
        errors=[{"where": scope, "message": error}] if error else [],
        note=error or note,
    )
