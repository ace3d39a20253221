"""Reads of the legislation app that pages and the API share: how fresh the data is, and the demo snapshot.

- `data_freshness()`: the last successful import of each source (an ImportRun), for "data as of" notes.
- `bill_list_page()`: a page of bills (chosen columns, total and LegiScan flag) from one prepared statement, for the
  API's bills list when its filters are plain column conditions (see api/bill_list.py); `bill_id_page()` the same
  by id from a given one on, for the bulk listing's cursors.
- `demo_snapshot()`: when the demo data is loaded (`manage.py load_demo`), its date, description and sources, from
  `legislation/data/demo/snapshot.json`, so that pages and the API can say the data is a snapshot and credit it.
  `load_demo` records its import with the scope `demo snapshot <date>` (`DEMO_SCOPE`); that run says it is loaded.
- `bill_page_get()` and `bill_stage_dates()`: a bill's public page (the bill named by its path, with its child rows)
  and the date each milestone of its stage bar was reached (`bill_stage_dates_listed()`: what a list of bills
  shows, from the bill's columns only); `bill_search_list()`: the search page's bills.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache, lru_cache
from itertools import product
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Prefetch, QuerySet, Value, Window
from django.db.models.functions import Lower, Replace, RowNumber

from tracker.db import fetch_prepared

from .choices import MILESTONES, Source
from .filters import BillFilter, SqlConditions
from .models import (
    Bill,
    BillAction,
    BillExternalId,
    BillSource,
    BillSponsorship,
    ImportRun,
    Jurisdiction,
    LegislativeSession,
    StageChange,
)
from .stages import is_unicameral, milestone_dates_from_openstates

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
    """The last successful (or partly successful) bill import of each source that has one, newest first (a session
    calendar or session-closing run does not make a source's bills fresh). One query (a window numbers each
    source's runs, newest first, and keeps the first)."""
    runs = (
        ImportRun.objects.successful()
        .bill_imports()
        .filter(source__in=Source.values, finished_at__isnull=False)
        .annotate(
            newest=Window(RowNumber(), partition_by=F("source"), order_by=[F("finished_at").desc(), F("id").desc()])
        )
        .filter(newest=1)
        .order_by("-finished_at", "-id")
    )
    return [SourceFreshness(run.source, Source(run.source).label, run.finished_at, run.scope, run.pk) for run in runs]


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
    columns["search_vector"] = f"b.{quote('search_vector')}"  # PostgreSQL's stored column (BILL_SEARCH_COLUMN)
    return columns


BILL_LIST_ORDER = ("jurisdiction__code", "session__identifier", "identifier", "id")


@lru_cache(maxsize=256)  # one text per set of filters, number of values, order and window: bounded, whatever is sent
def _bill_page_sql(
    select: tuple[str, ...],
    where: str,
    order: tuple[str, ...],
    *,
    counted: bool,
    ids_first: bool = False,
    window: tuple[int, int] | None = None,
) -> str:
    """The page, then the LegiScan probe for its rows only (one index lookup each, however large the table), and
    (`counted`) the total as a scalar subquery (planned once, then a plain count: a window count over every match
    would keep them all through the sort). `order` holds ORDER BY terms (`b."stage_date" DESC`), the list's
    default order when empty.

    `ids_first` (a page past the first) sorts and skips the matching bills by their ids and sort keys alone, which
    an index can hold (the default order: the unique index on jurisdiction, session and identifier, with the id),
    and reads the columns of the page's bills only: the rows it skips are never read from the table.

    `window` (limit, offset) writes them into the text instead of as parameters: a generic plan then knows the
    page is small (a LIMIT parameter is planned as a tenth of the table, which for the bulk listing's id order made
    it sort every bill, so that PostgreSQL planned each execution again: 0.5 ms of 2 for 200 bills); a keyset page
    has few sizes and offsets (DRF's cursors: almost always 0)."""
    columns = bill_sql_columns()
    quote = connection.ops.quote_name
    joins = {
        "j": f"JOIN {quote(Jurisdiction._meta.db_table)} j ON j.id = b.jurisdiction_id",
        "s": f"JOIN {quote(LegislativeSession._meta.db_table)} s ON s.id = b.session_id",
    }
    bills = f"{quote(Bill._meta.db_table)} b"
    tables = " ".join((bills, *joins.values()))
    terms = order or tuple(f"{columns[path]} ASC" for path in BILL_LIST_ORDER)
    keys = [f"{term.rsplit(' ', 1)[0]} AS o{index}" for index, term in enumerate(terms)]
    keys.append(f"{columns['id']} AS page_id")
    outer_order = ", ".join(f"o{index} {term.rsplit(' ', 1)[1]}" for index, term in enumerate(terms))
    total = "NULL"
    if counted:
        # The count joins a table only when a condition is on it: every bill has one jurisdiction and one session
        # (non-null foreign keys), so the joins change no count, and the unfiltered total is then a plain count
        # instead of two hash joins over every bill (37 ms of 42 for the first page of 50,000 bills).
        needed = [join for alias, join in joins.items() if re.search(rf"\b{alias}\.", where)]
        counted_tables = " ".join((bills, *needed))
        total = f"(SELECT count(*) FROM {counted_tables} WHERE {where})"  # noqa: S608
    limits = "LIMIT %s OFFSET %s" if window is None else f"LIMIT {int(window[0])} OFFSET {int(window[1])}"
    page = f"ORDER BY {', '.join(terms)} {limits}) page "
    # Only model metadata and FilterSet.sql_conditions (column names, placeholders, ASC/DESC) go into the text.
    if ids_first:
        outer = [columns[path] for path in select]  # of the page's bills, joined again by their ids
        rows = f"FROM (SELECT {', '.join(keys)} FROM {tables} WHERE {where} {page}"  # noqa: S608
        rows += f"JOIN {bills} ON b.id = page.page_id {' '.join(joins.values())} "
    else:
        outer = [f"page.c{index}" for index in range(len(select))]
        inner = [f"{columns[path]} AS c{index}" for index, path in enumerate(select)] + keys
        rows = f"FROM (SELECT {', '.join(inner)} FROM {tables} WHERE {where} {page}"  # noqa: S608
    return (
        f"SELECT {', '.join(outer)}, legiscan.id IS NOT NULL, {total} {rows}"  # noqa: S608
        f"LEFT JOIN LATERAL (SELECT e.id FROM {quote(BillExternalId._meta.db_table)} e "
        f"WHERE e.bill_id = page.page_id AND e.source = %s LIMIT 1) legiscan ON TRUE "
        f"ORDER BY {outer_order}"
    )


@dataclass(frozen=True, slots=True)
class BillListPage:
    count: int | None  # over all pages (0 when the page is past the last one); None when not counted
    rows: list[dict[str, Any]]
    legiscan: bool  # one of the rows has LegiScan data (which must be credited)


def bill_list_page(
    columns: dict[str, str],
    conditions: SqlConditions,
    *,
    limit: int,
    offset: int,
    counted: bool = True,
    prepare: bool | None = None,
) -> BillListPage:
    """One page of the bills that meet `conditions`, in their order (`conditions.order`, or the API's: jurisdiction,
    session, identifier, id), as dicts of `columns` (output name -> ORM path), with the total (unless not
    `counted`: a caller that knows it), in one statement.

    PostgreSQL only: a prepared statement (planned once per connection and set of conditions), unless a condition
    is best planned for its values (a search), or as `prepare` says (a caller that knows the search matches few
    rows). It returns what the ORM returns for the same page (the API's tests compare them), at a fraction of the
    cost.
    """
    sql = _bill_page_sql(
        tuple(columns.values()), conditions.sql, conditions.order, counted=counted, ids_first=offset > 0
    )
    names = list(columns)
    params = (*conditions.params, *(conditions.params if counted else ()), limit, offset, Source.LEGISCAN.value)
    rows = _bill_page_rows(sql, params, prepare=conditions.prepare if prepare is None else prepare)
    count = (rows[0][-1] if rows else 0) if counted else None
    return BillListPage(
        count=count,
        rows=[dict(zip(names, row, strict=False)) for row in rows],
        legiscan=any(row[-2] for row in rows),
    )


def _bill_page_rows(sql: str, params: tuple, *, prepare: bool) -> list[tuple]:
    if prepare:
        return fetch_prepared(sql, params)
    with connection.cursor() as cursor:  # planned for its values (SqlConditions.prepare)
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True, slots=True)
class BillIdPage:
    rows: list[dict[str, Any]]
    legiscan: list[bool]  # each row's: it has LegiScan data (which must be credited)


def bill_id_page(
    columns: dict[str, str],
    conditions: SqlConditions,
    *,
    beyond: int | None = None,
    descending: bool = False,
    limit: int,
    offset: int = 0,
) -> BillIdPage:
    """Bills that meet `conditions` by id, as dicts of `columns` (output name -> ORM path): ascending, or
    `descending`, from the first id beyond `beyond` in that order (all when None), `offset` rows skipped, at most
    `limit`; in one statement, `bill_list_page`'s (the same text builder, prepared likewise, `limit` and `offset`
    in its text), without a count.

    A keyset page, as cursor pagination reads the API's bulk listing (api/bill_list.py): the id condition and the
    order walk the primary key, whatever the table's size. PostgreSQL only.
    """
    id_column = bill_sql_columns()["id"]
    if beyond is not None:
        keyset = f"{id_column} {'<' if descending else '>'} %s::bigint"
        where = keyset if conditions.sql == "TRUE" else f"{conditions.sql} AND {keyset}"
        conditions = replace(conditions, sql=where, params=(*conditions.params, beyond))
    order = (f"{id_column} {'DESC' if descending else 'ASC'}",)
    sql = _bill_page_sql(tuple(columns.values()), conditions.sql, order, counted=False, window=(limit, offset))
    rows = _bill_page_rows(sql, (*conditions.params, Source.LEGISCAN.value), prepare=conditions.prepare)
    names = list(columns)
    return BillIdPage(rows=[dict(zip(names, row, strict=False)) for row in rows], legiscan=[row[-2] for row in rows])


def any_from_legiscan(*, bill_ids: list[int]) -> bool:
    """Whether one of these bills has LegiScan data (which must be credited): one probe of the unique index on
    (bill, source), for a page's ids. On PostgreSQL the ids go as one array (`= ANY(%s)`): the ORM's `IN` prepares
    each of a bulk page's 1,000 ids as its own parameter, which cost more than the probe."""
    if not bill_ids:
        return False
    if connection.vendor != "postgresql":
        return BillExternalId.objects.filter(bill_id__in=bill_ids, source=Source.LEGISCAN).exists()
    quote = connection.ops.quote_name
    sql = (
        f"SELECT 1 FROM {quote(BillExternalId._meta.db_table)} "  # noqa: S608  (model metadata only)
        f"WHERE {quote(BillExternalId._meta.get_field('bill').column)} = ANY(%s) AND {quote('source')} = %s LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(bill_ids), Source.LEGISCAN.value])
        return cursor.fetchone() is not None


# --- Bill pages -------------------------------------------------------------------------------------------------


SLUG_DASHES_TRIED = 4  # a slug with more dashes is matched by the slug expression (2 ** dashes candidates)


def bill_page_get(*, jurisdiction: str, session: str, identifier_slug: str) -> Bill | None:
    """The bill a page's path names (`/bills/ca/20212022/sb-57/`), with everything its page shows, or None.

    The slug is the identifier lowercased with spaces as dashes, so it does not say which dashes were spaces:
    `HB 22-1326` and `HB 22 1326` have the same slug. The identifiers it can come from (upper case, as the
    importers normalise them; each dash a space or a dash) are looked up at once in the unique index on
    (jurisdiction, session, identifier); only when none exists (a 404, or an identifier stored in lower case) is
    the session's bills' slug compared, one more query. Jurisdiction code and slug match in any case (the view
    redirects to the canonical path); the session identifier matches exactly. Otherwise the number of queries is
    fixed: the bill, then one per kind of child row.
    """
    bills = (
        Bill.objects.for_list()
        .filter(jurisdiction__code=jurisdiction.lower(), session__identifier=session)
        .prefetch_related(
            Prefetch("actions", queryset=BillAction.objects.order_by("order")),
            Prefetch("sponsorships", queryset=BillSponsorship.objects.order_by("-primary", "id")),
            Prefetch("sources", queryset=BillSource.objects.order_by("id")),
            Prefetch("external_ids", queryset=BillExternalId.objects.order_by("source")),
            Prefetch("stage_changes", queryset=StageChange.objects.order_by("seen_at", "id")),
        )
    )
    candidates = identifiers_from_slug(identifier_slug)
    if candidates:
        bill = bills.filter(identifier__in=candidates).first()
        if bill is not None:
            return bill
    slug = Lower(Replace("identifier", Value(" "), Value("-")))
    return bills.alias(slug=slug).filter(slug=identifier_slug.lower()).first()


def identifiers_from_slug(slug: str) -> list[str]:
    """The upper-case identifiers whose slug this is (`hb-22-1326`: `HB 22 1326`, `HB 22-1326`, `HB-22 1326`,
    `HB-22-1326`), or none when the slug has more than SLUG_DASHES_TRIED dashes."""
    parts = slug.upper().split("-")
    if len(parts) - 1 > SLUG_DASHES_TRIED:
        return []
    return [
        parts[0] + "".join(separator + part for separator, part in zip(separators, parts[1:], strict=True))
        for separators in product((" ", "-"), repeat=len(parts) - 1)
    ]


def bill_stage_dates(*, bill: Bill) -> dict[str, date | None]:
    """The date each milestone on the path prefiled -> enacted was first reached, for a bill's stage bar.

    The stored actions go through the stage machine (`legislation.stages.milestone_dates_from_openstates`, the
    rule the importers apply) once: each milestone gets the date on which it first became the furthest reached.
    A milestone reached together with a higher one by the same action has no date of its own there; the dates the
    tracker recorded in its stage changes fill such gaps. The bill's own `furthest_stage_date` (set by the
    importer, from LegiScan's codes too) wins for its furthest stage, and no milestone beyond it is dated. Reads
    only prefetched rows (`bill_page_get`): no query.
    """
    dates = milestone_dates_from_openstates(
        bill.actions.all(),
        unicameral=bill.jurisdiction.unicameral or is_unicameral(bill.jurisdiction.code),
        bill_classification=tuple(bill.classification or ()),
        session_start=bill.session.start_date,
    )
    for change in bill.stage_changes.all():
        if change.to_stage in MILESTONES and dates.get(change.to_stage) is None:
            dates[change.to_stage] = change.date
    return _dated_up_to_furthest(bill, dates)


def bill_stage_dates_listed(*, bill: Bill) -> dict[str, date | None]:
    """The milestone dates a list of bills shows in each stage bar, from the bill's own columns only (no actions
    read): the date its furthest stage was reached."""
    return _dated_up_to_furthest(bill, {})


def _dated_up_to_furthest(bill: Bill, dates: dict[str, date | None]) -> dict[str, date | None]:
    if bill.furthest_stage_date is not None:
        dates[bill.furthest_stage] = bill.furthest_stage_date
    furthest = MILESTONES.index(bill.furthest_stage) if bill.furthest_stage in MILESTONES else -1
    return {stage: dates.get(stage) for stage in MILESTONES[: furthest + 1] if dates.get(stage) is not None}


def bill_search_list(*, text: str) -> QuerySet[Bill]:
    """Bills matching `text` as the API's `q` matches them (`BillFilter`: web-search full text on PostgreSQL, a
    plain contains on SQLite), the most recently active first, in the API's `ordering=-latest_action_date` order.

    Raises ValidationError, naming the problem, for text the filter refuses (a NUL byte, over 200 characters).
    """
    filterset = BillFilter(data={"q": text}, queryset=Bill.objects.for_list())
    if not filterset.is_valid():
        raise ValidationError(filterset.errors["q"])
    return filterset.qs.order_by("-latest_action_date", "-id")


def jurisdiction_options() -> list[tuple[str, str]]:
    """(code, name) of every jurisdiction with bills (states, DC, territories, Congress), by name: for filters."""
    return list(Jurisdiction.objects.legislatures().order_by("name").values_list("code", "name"))


def jurisdiction_get(*, code: str) -> Jurisdiction | None:
    """A jurisdiction by its code, in any case (`ca`, `CA`), or None."""
    return Jurisdiction.objects.filter(code=code.lower()).first()
