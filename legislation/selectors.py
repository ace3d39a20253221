"""Reads of the legislation app that pages and the API share: how fresh the data is, and the demo snapshot.

- `data_freshness()`: the last successful import of each source (an ImportRun), for "data as of" notes.
- `demo_snapshot()`: when the demo data is loaded (`manage.py load_demo`), its date, description and sources, from
  `legislation/data/demo/snapshot.json`, so that pages and the API can say the data is a snapshot and credit it.
  `load_demo` records its import with the scope `demo snapshot <date>` (`DEMO_SCOPE`); that run says it is loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from .choices import Source
from .models import ImportRun

DEMO_DIR = Path(__file__).resolve().parent / "data" / "demo"
DEMO_SCOPE = "demo snapshot"


@dataclass(frozen=True)
class SourceFreshness:
    source: str
    label: str
    finished_at: datetime
    scope: str
    import_run_id: int


@dataclass(frozen=True)
class DemoSnapshot:
    date: date
    description: str
    sources_statement: str
    source_domains: tuple[str, ...]
    loaded_at: datetime | None  # when load_demo last finished


def data_freshness() -> list[SourceFreshness]:
    """The last successful (or partly successful) import of each source that has one, newest first."""
    latest = []
    for source in Source:
        run = (
            ImportRun.objects.successful()
            .filter(source=source, finished_at__isnull=False)
            .order_by("-finished_at")
            .first()
        )
        if run:
            latest.append(SourceFreshness(source.value, source.label, run.finished_at, run.scope, run.pk))
    return sorted(latest, key=lambda item: item.finished_at, reverse=True)


@lru_cache(maxsize=1)
def demo_snapshot_metadata() -> dict[str, Any]:
    """The content of snapshot.json (read once per process)."""
    return json.loads((DEMO_DIR / "snapshot.json").read_text(encoding="utf-8"))


def demo_bill_files() -> list[Path]:
    """The snapshot's Open States /bills pages, in page order."""
    return sorted(DEMO_DIR.glob("bills_page_*.json"), key=lambda path: int(path.stem.rsplit("_", 1)[1]))


def demo_scope() -> str:
    return f"{DEMO_SCOPE} {demo_snapshot_metadata()['snapshot_date']}"


def demo_snapshot() -> DemoSnapshot | None:
    """The demo snapshot's date and sources if `load_demo` has loaded it, else None (real data only)."""
    run = (
        ImportRun.objects.successful()
        .filter(scope__startswith=DEMO_SCOPE, finished_at__isnull=False)
        .order_by("-finished_at")
        .first()
    )
    if run is None:
        return None
    metadata = demo_snapshot_metadata()
    sources = metadata.get("sources", {})
    return DemoSnapshot(
        date=date.fromisoformat(metadata["snapshot_date"]),
        description=metadata.get("description", ""),
        sources_statement=sources.get("statement", ""),
        source_domains=tuple(sources.get("domains", ())),
        loaded_at=run.finished_at,
    )
