"""Writes to the legislation app that are not imports (those live in legislation/importers/)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .models import Jurisdiction

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
    return counts
