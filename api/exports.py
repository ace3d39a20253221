"""Bulk exports: every table the API serves, as zipped JSON and zipped CSV, rebuilt after each import.

`exports_build()` writes `tracker-<date>-json.zip` and `tracker-<date>-csv.zip` (plus a small manifest) to
`settings.EXPORTS_DIR`, reading each table once with a server-side cursor and streaming it into both archives, so
memory stays flat however many bills there are. Files appear atomically (written aside, then renamed) and only the
newest `EXPORTS_KEEP` days are kept. `GET /api/v1/exports/` lists them; each is served as a file with its date.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings
from django.db.models import F, QuerySet
from django.utils import timezone

from legislation.choices import Source
from legislation.models import Bill, BillAction, BillExternalId, Jurisdiction
from recommendations.models import BillLink, Measure, Progress, Recommendation

from .attribution import LEGISCAN_ATTRIBUTION

FILE_PATTERN = re.compile(r"^tracker-(?P<date>\d{4}-\d{2}-\d{2})-(?P<format>json|csv)\.zip$")
FORMATS = ("json", "csv")
CHUNK = 2000


def exports_dir() -> Path:
    return Path(settings.EXPORTS_DIR)


def _tables() -> dict[str, QuerySet]:
    """Each exported table as a values() queryset: flat columns, ids to join on."""
    return {
        "jurisdictions": Jurisdiction.objects.order_by("id").values(
            "id", "code", "name", "kind", "ocd_id", parent_code=F("parent__code")
        ),
        "recommendations": Recommendation.objects.order_by("id").values(
            "id", "code", "title", "text", "page", "parent_id", audience_slug=F("audience__slug")
        ),
        "bills": Bill.objects.order_by("id").values(
            "id",
            "identifier",
            "source_identifier",
            "title",
            "summary",
            "stage",
            "stage_date",
            "furthest_stage",
            "furthest_stage_date",
            "first_action_date",
            "latest_action_date",
            "latest_action_description",
            "url",
            "updated_at",
            jurisdiction_code=F("jurisdiction__code"),
            session_identifier=F("session__identifier"),
        ),
        "bill_external_ids": BillExternalId.objects.order_by("id").values("bill_id", "source", "external_id"),
        "actions": BillAction.objects.order_by("bill_id", "order").values(
            "bill_id", "order", "date", "description", "chamber", "classification"
        ),
        # Only what is public: approved measures and links (a change waiting for review is not exported).
        "measures": Measure.objects.public()
        .order_by("id")
        .values(
            "id",
            "kind",
            "title",
            "summary",
            "status",
            "date",
            "url",
            "evidence_url",
            "created_at",
            "updated_at",
            "reviewed_at",
            jurisdiction_code=F("jurisdiction__code"),
        ),
        "links": BillLink.objects.public()
        .order_by("id")
        .values(
            "id",
            "recommendation_id",
            "bill_id",
            "measure_id",
            "effect",
            "rationale",
            "evidence_url",
            "created_at",
            "reviewed_at",
        ),
        "progress": Progress.objects.order_by("id").values(
            "id",
            "recommendation_id",
            "status",
            "basis",
            "computed_status",
            "reason",
            "evidence_url",
            "updated_at",
            jurisdiction_code=F("jurisdiction__code"),
        ),
    }


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _readme(built: date, counts: dict[str, int], legiscan: bool) -> str:
    lines = [
        f"Policy recommendation tracker: bulk export of {built.isoformat()}.",
        "",
        "Tables (one file each; ids join them: bills.id = actions.bill_id = links.bill_id, measures.id = "
        "links.measure_id, ...):",
        *(f"  {name}: {count} rows" for name, count in counts.items()),
        "",
        "The same data is served by the API at /api/v1/ (schema at /api/v1/schema/).",
    ]
    if legiscan:
        lines += ["", LEGISCAN_ATTRIBUTION]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class ExportFile:
    name: str
    date: date
    format: str
    size: int
    attribution: str


def exports_build(*, today: date | None = None, keep: int | None = None) -> list[Path]:
    """Write today's JSON and CSV archives (replacing today's earlier ones) and prune old days; returns the paths."""
    today = today or timezone.localdate()
    keep = keep if keep is not None else int(getattr(settings, "EXPORTS_KEEP", 7))
    directory = exports_dir()
    directory.mkdir(parents=True, exist_ok=True)
    legiscan = BillExternalId.objects.filter(source=Source.LEGISCAN).exists()
    final = {fmt: directory / f"tracker-{today.isoformat()}-{fmt}.zip" for fmt in FORMATS}
    temporary = {fmt: _temporary(directory, path) for fmt, path in final.items()}
    counts: dict[str, int] = {}
    try:
        with (
            zipfile.ZipFile(temporary["json"], "w", zipfile.ZIP_DEFLATED) as json_zip,
            zipfile.ZipFile(temporary["csv"], "w", zipfile.ZIP_DEFLATED) as csv_zip,
        ):
            for name, queryset in _tables().items():
                counts[name] = _write_table(name, queryset, json_zip, csv_zip)
            readme = _readme(today, counts, legiscan)
            json_zip.writestr("README.txt", readme)
            csv_zip.writestr("README.txt", readme)
        for fmt in FORMATS:
            os.replace(temporary[fmt], final[fmt])
    finally:
        for path in temporary.values():
            path.unlink(missing_ok=True)
    manifest = {"date": today.isoformat(), "counts": counts, "attribution": LEGISCAN_ATTRIBUTION if legiscan else ""}
    manifest_path = directory / f"tracker-{today.isoformat()}.json"
    tmp_manifest = _temporary(directory, manifest_path)
    tmp_manifest.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    os.replace(tmp_manifest, manifest_path)
    _prune(directory, keep)
    return list(final.values())


def _temporary(directory: Path, path: Path) -> Path:
    handle, name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    return Path(name)


def _write_table(name: str, queryset: QuerySet, json_zip: zipfile.ZipFile, csv_zip: zipfile.ZipFile) -> int:
    """Stream one table into both archives; returns its row count."""
    columns = list(queryset.query.values_select) + list(queryset.query.annotation_select)
    count = 0
    with (
        json_zip.open(f"{name}.json", "w", force_zip64=True) as json_file,
        csv_zip.open(f"{name}.csv", "w", force_zip64=True) as csv_binary,
    ):
        csv_file = io.TextIOWrapper(csv_binary, encoding="utf-8", newline="")
        writer = csv.writer(csv_file, lineterminator="\r\n")
        writer.writerow(columns)
        json_file.write(b"[")
        for row in queryset.iterator(chunk_size=CHUNK):
            json_file.write(b",\n" if count else b"\n")
            json_file.write(orjson.dumps(row, option=orjson.OPT_UTC_Z))
            writer.writerow([_csv_cell(row[column]) for column in columns])
            count += 1
        json_file.write(b"\n]\n")
        csv_file.flush()
        csv_file.detach()
    return count


def _prune(directory: Path, keep: int) -> None:
    days = sorted({match["date"] for match in map(FILE_PATTERN.match, os.listdir(directory)) if match}, reverse=True)
    for day in days[keep:]:
        for path in directory.glob(f"tracker-{day}*"):
            path.unlink(missing_ok=True)


def exports_list() -> list[ExportFile]:
    """The archives on disk, newest first."""
    directory = exports_dir()
    if not directory.is_dir():
        return []
    files = []
    for path in directory.iterdir():
        match = FILE_PATTERN.match(path.name)
        if not match:
            continue
        manifest = directory / f"tracker-{match['date']}.json"
        attribution = ""
        if manifest.is_file():
            attribution = json.loads(manifest.read_text(encoding="utf-8")).get("attribution", "")
        files.append(
            ExportFile(
                name=path.name,
                date=date.fromisoformat(match["date"]),
                format=match["format"],
                size=path.stat().st_size,
                attribution=attribution,
            )
        )
    return sorted(files, key=lambda item: (item.date, item.format), reverse=True)


def export_path(name: str) -> Path | None:
    """The file of an archive by name, or None: only names of the export pattern are ever resolved."""
    if not FILE_PATTERN.match(name):
        return None
    path = exports_dir() / name
    return path if path.is_file() else None
