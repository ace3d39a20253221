"""`manage.py load_demo`: the demo snapshot through the real importer, its links and progress; idempotent."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from legislation.models import (
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
from legislation.selectors import data_freshness, demo_snapshot
from recommendations.models import BillLink, Progress

pytestmark = pytest.mark.usefixtures("seeded")

TABLES = (
    Jurisdiction,
    LegislativeSession,
    Bill,
    BillAction,
    BillSponsorship,
    BillSource,
    BillExternalId,
    StageChange,
    BillLink,
    BillLink.history.model,
    Progress,
    Progress.history.model,
)


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def rows() -> dict[str, list[tuple]]:
    return {model.__name__: sorted(map(tuple, model.objects.values_list())) for model in TABLES}


def stage(jurisdiction: str, session: str, identifier: str) -> str:
    return Bill.objects.get(jurisdiction__code=jurisdiction, session__identifier=session, identifier=identifier).stage


def test_load_demo_twice_gives_the_same_rows_and_writes_nothing_the_second_time() -> None:
    first = load_demo()
    assert "bills: 34 inserted, 0 updated, 0 unchanged, 0 failed" in first
    assert "links: 38 inserted, 0 updated, 0 unchanged" in first
    before = rows()
    with CaptureQueriesContext(connection) as queries:
        second = load_demo()
    assert "bills: 0 inserted, 0 updated, 34 unchanged, 0 failed" in second
    assert "links: 0 inserted, 0 updated, 38 unchanged" in second
    assert rows() == before
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    # Every import is logged, the second one too; nothing else is written.
    assert writes
    assert all("legislation_importrun" in sql for sql in writes), writes
    assert ImportRun.objects.count() == 2


def test_demo_stages_come_from_actions_and_sessions() -> None:
    load_demo()
    assert stage("us", "115", "S 756") == "enacted"  # First Step Act
    assert stage("us", "119", "HR 27") == "passed_origin"  # passed the House only, 119th Congress still sitting
    assert stage("ca", "20212022", "SB 57") == "vetoed"
    assert stage("nj", "219", "S 3456") == "vetoed"
    assert stage("ny", "2025-2026", "S 5448") == "in_committee"
    # Died: no action says so; their sessions ended (an end date, or a later session in the same scheme).
    for bill in (
        ("us", "117", "HR 1693"),  # the 117th Congress ended on 2023-01-03
        ("or", "2024R1", "HB 4036"),  # adjourned 2024-03-07
        ("tx", "88", "HB 362"),  # called sessions 881 and 882 followed
        ("ny", "2017-2018", "S 2761"),
        ("la", "2021", "HB 158"),  # the 2021 veto session followed
    ):
        assert stage(*bill) == "died", bill
    hr1693 = Bill.objects.get(jurisdiction__code="us", identifier="HR 1693")
    assert (hr1693.stage_date, hr1693.furthest_stage) == (date(2023, 1, 3), "passed_origin")


# Where the demo's links leave each recommendation (every Progress row; no row means no_action). Three
# recommendations have a standing: PM-1 from the sentencing bills, PP-1 from two trafficking-weight changes and SP-1
# from the drug-checking bills. PP-2 has one `related` link only; AJ-1, AJ-2 and RS-1 have none.
DEMO_PROGRESS = {
    ("PM-1", "ca"): "regressed",  # AB 701 (2023) is the latest enactment, after SB 180 and SB 483
    ("PM-1", "co"): "regressed",
    ("PM-1", "fl"): "regressed",
    ("PM-1", "ma"): "achieved",  # H 4286 (2012) and S 2371 (2018)
    ("PM-1", "nj"): "achieved",  # A 2762 enacted; S 3456 vetoed
    ("PM-1", "nv"): "regressed",
    ("PM-1", "ny"): "at_risk",  # S 5448 pending, whatever A 156 achieved
    ("PM-1", "or"): "regressed",  # HB 4002; HB 4036 is only related (possession)
    ("PM-1", "tx"): "regressed",
    ("PM-1", "us"): "regressed",  # S 331 (2025) is the latest enactment
    ("PP-1", "ma"): "partial",
    ("PP-1", "nv"): "regressed",
    # The demo measures (recommendations/data/demo_measures.json): the federal charging memos end with the 2025 one
    # in effect, which regresses; the Suffolk County DA's memo is adopted; Baltimore's policy was rescinded.
    ("PP-1", "us"): "regressed",
    ("PP-1", "ma-suffolk-da"): "achieved",
    ("PP-1", "md-baltimore-city-sao"): "stalled",
    ("SP-1", "co"): "partial",
    ("SP-1", "fl"): "partial",
    ("SP-1", "pa"): "partial",
    ("SP-1", "tx"): "stalled",  # HB 362 died
}


def test_demo_links_give_progress() -> None:
    load_demo()
    assert BillLink.objects.filter(bill__isnull=False).count() == 38
    assert BillLink.objects.filter(measure__isnull=False).count() == 6
    matrix = {
        (code, jurisdiction): status
        for code, jurisdiction, status in Progress.objects.values_list(
            "recommendation__code", "jurisdiction__code", "status"
        )
    }
    assert matrix == DEMO_PROGRESS
    standing = {code for (code, _), status in matrix.items() if status != "no_action"}
    assert standing == {"PM-1", "PP-1", "SP-1"}
    assert len(standing) > 2


def test_demo_snapshot_is_exposed_once_loaded() -> None:
    assert demo_snapshot() is None
    load_demo()
    snapshot = demo_snapshot()
    assert snapshot is not None
    assert snapshot.date == date(2026, 11, 27)
    assert "legiscan.com" in snapshot.source_domains
    assert snapshot.sources_statement
    assert snapshot.loaded_at == ImportRun.objects.get().finished_at
    [freshness] = data_freshness()
    assert (freshness.source, freshness.scope) == ("openstates", "demo snapshot 2026-11-27")
