"""The demo: a snapshot of real bills loaded through the real Open States importer, linked to recommendations.

`demo_load()` (what `manage.py load_demo` runs) is idempotent:
1. the sessions of `legislation/data/demo/jurisdictions.json` (names, dates), then the researched dates of
   `legislation/data/session_dates.json` where the snapshot has none, first, so that the session-end rule knows
   which sessions are over and bills that died come out `died` on the first import;
2. the `/bills` pages through `legislation.importers.import_files` (source `openstates`, scope `demo snapshot
   <date>`, which is how `legislation.selectors.demo_snapshot()` knows the demo is loaded), with sessions judged
   over or not as of the snapshot's date: the demo shows the bills as they stood that day, whenever it is loaded;
3. the links of `recommendations/data/demo_links.json` through `bill_link_upsert` (insert / update / noop);
4. progress, recomputed where the demo bills are linked;
5. the measures of `recommendations/data/demo_measures.json` (real policies and a ballot measure, each fact with its
   source) with the local jurisdictions they need, through `measure_upsert` and `bill_link_upsert`: written by no
   user, so stored approved (checked data, not a staff edit waiting for review); progress follows.
A second run writes nothing but its ImportRun (every import is logged).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from legislation.importers import import_files
from legislation.importers.files import read_json
from legislation.importers.sessions import sessions_import
from legislation.models import Bill, ImportRun, ImportRunStatus, Jurisdiction
from legislation.selectors import DEMO_DIR, demo_bill_files, demo_scope, demo_snapshot_metadata
from legislation.services import SeedCounts, session_dates_seed, upsert
from legislation.sources.records import normalise_identifier

from .models import Recommendation
from .services import bill_link_upsert, measure_upsert, progress_recompute_for_bills

LINKS_FILE = Path(__file__).resolve().parent / "data" / "demo_links.json"
MEASURES_FILE = Path(__file__).resolve().parent / "data" / "demo_measures.json"


class DemoDataError(Exception):
    """The demo files do not load: a bug in the snapshot or in the importer, never something to skip."""


@dataclass(frozen=True)
class DemoLoadResult:
    sessions: SeedCounts
    run: ImportRun
    links: Counter[str]  # insert / update / noop
    progress: int  # recommendation x jurisdiction pairs recomputed
    measures: Counter[str] = field(default_factory=Counter)  # insert / update / noop
    measure_links: Counter[str] = field(default_factory=Counter)


def demo_load() -> DemoLoadResult:
    snapshot_date = date.fromisoformat(demo_snapshot_metadata()["snapshot_date"])
    sessions = sessions_import(payload=read_json(DEMO_DIR / "jurisdictions.json"))
    sessions += session_dates_seed()  # researched dates fill the blanks the snapshot leaves (session_dates.json)
    run = import_files(source="openstates", paths=demo_bill_files(), scope=demo_scope(), today=snapshot_date)
    if run.status != ImportRunStatus.SUCCEEDED:
        raise DemoDataError(f"the demo bills did not import cleanly (import run {run.pk}): {run.errors[:3]}")
    links: Counter[str] = Counter()
    bill_ids = []
    for index, row in enumerate(json.loads(LINKS_FILE.read_text(encoding="utf-8"))):
        bill = _bill(row, index)
        recommendation = Recommendation.objects.filter(code=row["recommendation"]).order_by("-report__published")
        if not recommendation:
            raise DemoDataError(f"{LINKS_FILE.name}[{index}]: no recommendation {row['recommendation']!r} (seed?)")
        _, outcome = bill_link_upsert(
            recommendation=recommendation[0],
            bill=bill,
            effect=row["effect"],
            rationale=row["rationale"],
            evidence_url=row.get("evidence_url", ""),
        )
        links[outcome] += 1
        bill_ids.append(bill.pk)
    progress = progress_recompute_for_bills(bill_ids=bill_ids)
    measures, measure_links = demo_measures_load()
    return DemoLoadResult(
        sessions=sessions,
        run=run,
        links=links,
        progress=progress,
        measures=measures,
        measure_links=measure_links,
    )


def demo_measures_load(*, path: Path = MEASURES_FILE) -> tuple[Counter[str], Counter[str]]:
    """The demo measures, their local jurisdictions and their links; idempotent (insert / update / noop each)."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    for row in payload["jurisdictions"]:
        parent = Jurisdiction.objects.filter(code=row["parent"]).first()
        if parent is None:
            raise DemoDataError(f"{path.name}: no jurisdiction {row['parent']!r} for {row['code']} (seed?)")
        upsert(
            Jurisdiction,
            lookup={"code": row["code"]},
            values={"name": row["name"], "kind": row["kind"], "ocd_id": row["ocd_id"], "parent": parent},
        )
    measures: Counter[str] = Counter()
    links: Counter[str] = Counter()
    for index, row in enumerate(payload["measures"]):
        jurisdiction = Jurisdiction.objects.filter(code=row["jurisdiction"]).first()
        if jurisdiction is None:
            raise DemoDataError(f"{path.name} measures[{index}]: no jurisdiction {row['jurisdiction']!r}")
        measure, outcome = measure_upsert(
            jurisdiction=jurisdiction,
            kind=row["kind"],
            title=row["title"],
            summary=row["summary"],
            status=row["status"],
            date=date.fromisoformat(row["date"]) if row.get("date") else None,
            url=row["url"],
            evidence_url=row.get("evidence_url", ""),
        )
        measures[outcome] += 1
        for link in row["links"]:
            recommendation = Recommendation.objects.filter(code=link["recommendation"]).order_by("-report__published")
            if not recommendation:
                raise DemoDataError(f"{path.name} measures[{index}]: no recommendation {link['recommendation']!r}")
            _, outcome = bill_link_upsert(
                recommendation=recommendation[0],
                measure=measure,
                effect=link["effect"],
                rationale=link["rationale"],
                evidence_url=link.get("evidence_url", ""),
            )
            links[outcome] += 1
    return measures, links


def _bill(row: dict, index: int) -> Bill:
    try:
        return Bill.objects.select_related("jurisdiction").get(
            jurisdiction__code=row["jurisdiction"],
            session__identifier=row["session"],
            identifier=normalise_identifier(row["identifier"]),
        )
    except Bill.DoesNotExist:
        raise DemoDataError(
            f"{LINKS_FILE.name}[{index}]: no bill {row['jurisdiction']} {row['session']} {row['identifier']}"
        ) from None
