"""Reads of the legislation app that pages and the API share: how fresh the data is, and the demo snapshot.

- `data_freshness()`: the last successful import of each source (an ImportRun), for "data as of" notes.
- `bill_list_page()`: a page of bills (chosen columns, total and LegiScan flag) from one prepared statement, for the
  API's bills list when its filters are plain column conditions (see api/bill_list.py).
- `demo_snapshot()`: when the demo data is loaded (`manage.py load_demo`), its date, description and sources, from
  `legislation/data/demo/snapshot.json`, so that pages and the API can say the data is a snapshot and credit it.
  `load_demo` records its import with the scope `demo snapshot <date>` (`DEMO_SCOPE`); that run says it is loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from django.db import connection

from tracker.db import fetch_prepared

from .choices import Source
from .filters import SqlConditions
from .models import Bill, BillExternalId, ImportRun, Jurisdiction, LegislativeSession

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


# --- Bills list -------------------------------------------------------------------------------------------------


@cache
def bill_sql_columns() -> dict[str, str]:
    """SQL expressions of the fields a page of bills selects and filters on, by ORM path (as FilterSets name them):
    the bill's own columns (`b`), its jurisdiction's code (`j`) and its session's identifier (`s`)."""
    quote = connection.ops.quote_name
    columns = {field.name: f"b.{quote(field.column)}" for field in Bill._meta.concrete_fields if not field.is_relation}
    columns["jurisdiction__code"] = f"j.{quote(Jurisdiction._meta.get_field('code').column)}"
    columns["session__identifier"] = f"s.{quote(LegislativeSession._meta.get_field('identifier').column)}"
    return columns


BILL_LIST_ORDER = ("jurisdiction__code", "session__identifier", "identifier", "id")


@lru_cache(maxsize=256)  # one text per set of filters and number of values: bounded, whatever clients send
def _bill_page_sql(select: tuple[str, ...], where: str) -> str:
    """The page, then the LegiScan probe for its rows only (one index lookup each, however large the table), and
    the total as a scalar subquery (planned once, then a plain count: a window count over every match would keep
    them all through the sort)."""
    columns = bill_sql_columns()
    quote = connection.ops.quote_name
    tables = (
        f"{quote(Bill._meta.db_table)} b "
        f"JOIN {quote(Jurisdiction._meta.db_table)} j ON j.id = b.jurisdiction_id "
        f"JOIN {quote(LegislativeSession._meta.db_table)} s ON s.id = b.session_id"
    )
    inner = [f"{columns[path]} AS c{index}" for index, path in enumerate(select)]
    inner += [f"{columns[path]} AS o{index}" for index, path in enumerate(BILL_LIST_ORDER)]
    outer = [f"page.c{index}" for index in range(len(select))]
    order = ", ".join(f"o{index}" for index in range(len(BILL_LIST_ORDER)))
    # Only model metadata and FilterSet.sql_conditions (column names and placeholders) go into the text.
    return (
        f"SELECT {', '.join(outer)}, legiscan.id IS NOT NULL, (SELECT count(*) FROM {tables} WHERE {where}) "  # noqa: S608
        f"FROM (SELECT {', '.join(inner)} FROM {tables} WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s) page "
        f"LEFT JOIN LATERAL (SELECT e.id FROM {quote(BillExternalId._meta.db_table)} e "
        f"WHERE e.bill_id = page.o{BILL_LIST_ORDER.index('id')} AND e.source = %s LIMIT 1) legiscan ON TRUE "
        f"ORDER BY {order}"
    )


@dataclass(frozen=True, slots=True)
class BillListPage:
    count: int  # over all pages; 0 when the page is past the last one
    rows: list[dict[str, Any]]
    legiscan: bool  # one of the rows has LegiScan data (which must be credited)


def bill_list_page(columns: dict[str, str], conditions: SqlConditions, *, limit: int, offset: int) -> BillListPage:
    """One page of the bills that meet `conditions`, ordered as the API lists them (jurisdiction, session,
    identifier, id), as dicts of `columns` (output name -> ORM path), with the total, in one statement.

    PostgreSQL only: a prepared statement (planned once per connection and set of conditions). It returns what the
    ORM returns for the same page (the API's tests compare them), at a fraction of the cost.
    """
    sql = _bill_page_sql(tuple(columns.values()), conditions.sql)
    names = list(columns)
    params = (*conditions.params, *conditions.params, limit, offset, Source.LEGISCAN.value)
    rows = fetch_prepared(sql, params)
    return BillListPage(
        count=rows[0][-1] if rows else 0,
        rows=[dict(zip(names, row, strict=False)) for row in rows],
        legiscan=any(row[-2] for row in rows),
    )
