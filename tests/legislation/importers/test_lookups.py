"""The importer's lookups of a chunk's bills: the right bills, and one index probe a key on PostgreSQL, so that a
re-import costs the same a bill whatever the size of the table (issue 12)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from legislation.importers import bills as bills_module
from legislation.models import BillExternalId
from tests.factories import BillFactory, LegislativeSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored() -> list:
    """Six bills of two sessions, each known to Open States by an id; the same identifiers in both sessions."""
    bills = []
    for session in LegislativeSessionFactory.create_batch(2):
        for number in range(3):
            bill = BillFactory(
                jurisdiction=session.jurisdiction, session=session, identifier=f"HB {number + 1}", content_hash="h"
            )
            BillExternalId.objects.create(bill=bill, source="openstates", external_id=f"ocd-bill/{bill.pk}")
            bills.append(bill)
    return bills


def test_lookup_by_source_id_finds_only_the_ids_asked(stored: list) -> None:
    wanted = [f"ocd-bill/{stored[0].pk}", f"ocd-bill/{stored[4].pk}", "ocd-bill/unknown"]
    found = {row[0]: row[1:] for row in bills_module._bills_by_source_id("openstates", wanted)}
    assert found == {
        wanted[0]: (stored[0].pk, "h", stored[0].stage, stored[0].stage_date),
        wanted[1]: (stored[4].pk, "h", stored[4].stage, stored[4].stage_date),
    }
    assert not list(bills_module._bills_by_source_id("legiscan", wanted))


def test_lookup_by_natural_key_matches_the_whole_key(stored: list) -> None:
    first, other = stored[0], stored[4]
    keys = [
        (first.jurisdiction_id, first.session_id, first.identifier),
        (other.jurisdiction_id, other.session_id, other.identifier),
        # A session and an identifier that each exist, never together: no bill.
        (first.jurisdiction_id, first.session_id, "HB 99"),
        (first.jurisdiction_id, other.session_id, first.identifier),
    ]
    found = {row[1:4]: row[0] for row in bills_module._bills_by_natural_key(keys)}
    # (Off PostgreSQL the query returns a superset, narrowed by the caller through these keys.)
    assert {key: found[key] for key in keys if key in found} == {keys[0]: first.pk, keys[1]: other.pk}


def _plan(sql: str) -> dict:
    """EXPLAIN of a lookup with sequential scans discouraged: on a table of a few rows the planner would read the
    table whatever the query, where the shape of the plan on a big table is what matters here."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (row,) = cursor.fetchall()
    plan = row[0]
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def _nodes(plan: dict) -> list[dict]:
    return [plan, *(node for child in plan.get("Plans", ()) for node in _nodes(child))]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL lookups")
@pytest.mark.parametrize(
    ("lookup", "args", "table"),
    [
        (
            "_bills_by_source_id",
            lambda bills: ("openstates", [f"ocd-bill/{bills[1].pk}"]),
            "legislation_billexternalid",
        ),
        (
            "_bills_by_natural_key",
            lambda bills: ([(bills[1].jurisdiction_id, bills[1].session_id, bills[1].identifier)],),
            "legislation_bill",
        ),
    ],
)
def test_lookups_probe_an_index_for_each_key(stored: list, lookup, args, table) -> None:
    """Each key is found by an index probe on the key itself: never by reading every id of a source (what
    `external_id IN (...)` was planned as) or every bill of the sessions, which grows with the table. (On a big
    table the probe uses the unique index on the whole key; on these few rows the planner may pick another.)"""
    with CaptureQueriesContext(connection) as queries:
        list(getattr(bills_module, lookup)(*args(stored)))
    (query,) = queries.captured_queries  # the SQL as sent, its values quoted in (psycopg's mogrify)
    scans = [node for node in _nodes(_plan(query["sql"])) if node.get("Relation Name") == table]
    assert scans
    for scan in scans:
        assert scan["Node Type"] in ("Index Scan", "Index Only Scan"), scan
        assert "wanted." in scan["Index Cond"], scan  # parameterised by the key looked up
