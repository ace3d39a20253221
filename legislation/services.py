"""Writes to the legislation app that are not imports (those live in legislation/importers/)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from .models import Jurisdiction, LegislativeSession

JURISDICTIONS_FILE = Path(__file__).resolve().parent / "data" / "jurisdictions.json"


@dataclass(frozen=True)
class SeedCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: SeedCounts) -> SeedCounts:
        return SeedCounts(
            self.created + other.created, self.updated + other.updated, self.unchanged + other.unchanged
        )


def upsert(model: type, *, lookup: dict, values: dict) -> tuple[object, SeedCounts]:
    """Create or update one row, writing only when a value differs; says which of the three it was."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), SeedCounts(created=1)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, SeedCounts(unchanged=1)
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=changed)
    return obj, SeedCounts(updated=1)


CARRYOVER_FILE = Path(__file__).resolve().parent / "data" / "carryover.json"
SIGNING_WINDOWS_FILE = Path(__file__).resolve().parent / "data" / "signing_windows.json"


def _jurisdiction_facts_seed(
    path: Path, *, source_field: str, values: Callable[[dict[str, Any]], dict[str, Any]]
) -> SeedCounts:
    """Researched facts about legislatures (a JSON file of rows, each with its `code` and the page it was verified
    on, `source`) onto the jurisdictions. A jurisdiction whose fact staff edited (its `source_field` set to a URL
    the file does not hold) is left alone; one the file does not list keeps the field's default: not known."""
    rows = json.loads(path.read_text(encoding="utf-8"))["jurisdictions"]
    seeded_sources = {row["source"] for row in rows}
    counts = SeedCounts()
    for row in rows:
        jurisdiction = Jurisdiction.objects.filter(code=row["code"]).first()
        if jurisdiction is None or getattr(jurisdiction, source_field) not in ("", *seeded_sources):
            counts += SeedCounts(unchanged=1)
            continue
        _, result = upsert(
            Jurisdiction, lookup={"pk": jurisdiction.pk}, values={**values(row), source_field: row["source"]}
        )
        counts += result
    return counts


def carryover_seed(*, path: Path = CARRYOVER_FILE) -> SeedCounts:
    """Which legislatures carry bills over within a biennium (legislation/data/carryover.json)."""
    return _jurisdiction_facts_seed(
        path,
        source_field="carries_over_source",
        values=lambda row: {"carries_over": row["carries_over"], "carries_over_from": row["from"]},
    )


def signing_windows_seed(*, path: Path = SIGNING_WINDOWS_FILE) -> SeedCounts:
    """How long governors may act after sine die (legislation/data/signing_windows.json)."""
    return _jurisdiction_facts_seed(
        path, source_field="signing_window_source", values=lambda row: {"signing_window_days": row["days"]}
    )


@transaction.atomic
def jurisdictions_seed(*, path: Path = JURISDICTIONS_FILE) -> SeedCounts:
    """Every state, DC, the territories and Congress, matched on their code. Idempotent."""
    rows = json.loads(path.read_text(encoding="utf-8"))["jurisdictions"]
    counts = SeedCounts()
    for row in rows:
        _, result = upsert(
            Jurisdiction,
            lookup={"code": row["code"]},
            values={
                "name": row["name"],
                "kind": row["kind"],
                "ocd_id": row["ocd_id"],
                "unicameral": row.get("unicameral", False),
            },
        )
        counts += result
    carryover_seed()
    signing_windows_seed()
    return counts


SESSION_DATES_FILE = Path(__file__).resolve().parent / "data" / "session_dates.json"


def session_dates_seed(*, path: Path = SESSION_DATES_FILE) -> SeedCounts:
    """Researched session dates (legislation/data/session_dates.json: every date with the page it was read on and
    the passage that states it) onto the stored sessions, matched by jurisdiction code and identifier; a session
    not stored yet is skipped (counted unchanged). A date only fills a blank: a date already stored came from a
    source's payload (or staff) and is never replaced by the file, and a source's later payload replaces the
    file's date by the importers' own rule (Open States' calendars win; other sources fill blanks). `ended` is
    only ever set True, for a session the file's passage says adjourned. Idempotent."""
    rows = json.loads(path.read_text(encoding="utf-8"))["sessions"]
    counts = SeedCounts()
    for row in rows:
        session = LegislativeSession.objects.filter(
            jurisdiction__code=row["jurisdiction"], identifier=row["identifier"]
        ).first()
        if session is None:
            counts += SeedCounts(unchanged=1)
            continue
        values: dict[str, object] = {}
        for field in ("start_date", "end_date"):
            fact = row.get(field)
            if fact and getattr(session, field) is None:
                values[field] = datetime.date.fromisoformat(fact["date"])
        if row.get("adjourned") and not session.ended:
            values["ended"] = True
        if not values:
            counts += SeedCounts(unchanged=1)
            continue
        _, result = upsert(LegislativeSession, lookup={"pk": session.pk}, values=values)
        counts += result
    return counts
