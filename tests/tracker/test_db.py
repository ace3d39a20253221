"""Prepared reads (tracker/db.py): prepared on the server, logged like Django's queries, and run again once on a
new connection when the server dropped the one kept from an earlier request."""

import datetime

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.db.models import F, Max
from django.test.utils import CaptureQueriesContext

from legislation.models import Bill
from tracker import db as tracker_db
from tracker.db import ShapeError, fetch_prepared, fetch_query, fetch_shaped


def terminate_backend() -> int:
    """Have the server drop our connection, as a restart or an idle timeout would; return its backend pid."""
    pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    return pid


@pytest.mark.django_db
def test_statements_are_prepared_once_and_logged_with_their_values():
    with CaptureQueriesContext(connection) as queries:
        assert fetch_prepared("SELECT %s::int + 1 AS answer", (41,)) == [(42,)]
        assert fetch_prepared("SELECT %s::int + 1 AS answer", (1,)) == [(2,)]
    assert [query["sql"] for query in queries] == ["SELECT 41::int + 1 AS answer", "SELECT 1::int + 1 AS answer"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement = 'SELECT $1::int + 1 AS answer'")
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_is_replaced_and_the_read_runs_again():
    assert fetch_prepared("SELECT %s::text", ("before",)) == [("before",)]
    dropped = terminate_backend()
    assert fetch_prepared("SELECT %s::text", ("after",)) == [("after",)]
    assert connection.connection.info.backend_pid != dropped


@pytest.mark.django_db(transaction=True)
def test_in_a_transaction_a_dropped_connection_is_an_error_as_usual():
    fetch_prepared("SELECT 1", ())
    terminate_backend()
    try:
        with pytest.raises(OperationalError), transaction.atomic():
            fetch_prepared("SELECT 2", ())
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_other_errors_are_not_run_again():
    fetch_prepared("SELECT 1", ())
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 50")
    try:
        with CaptureQueriesContext(connection) as queries, pytest.raises(OperationalError):
            fetch_prepared("SELECT pg_sleep(1)", ())
        assert len(queries) == 1
    finally:
        connection.close()


# --- ORM reads, prepared (fetch_query) and compiled once per shape (fetch_shaped) ---------------------------------


@pytest.fixture
def bills(db):
    from tests.factories import BillFactory

    made = [BillFactory(jurisdiction__code=code, stage_date=datetime.date(2025, 1, day)) for code, day in BILLS]
    return {bill.pk: bill for bill in made}


BILLS = [("ca", 5), ("ca", 9), ("ny", 7), ("tx", 1)]


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_fetch_query_reads_what_iterating_the_query_gives_from_a_prepared_statement(bills):
    queries = [
        Bill.objects.order_by("id").values("identifier", "jurisdiction__code", "stage_date"),
        Bill.objects.order_by("id").values("id", latest=Max("actions__date"), code=F("jurisdiction__code")),
        Bill.objects.annotate(code=F("jurisdiction__code")).order_by("id").values("code", "identifier"),
        Bill.objects.order_by("id").values_list("identifier", "updated_at"),
        Bill.objects.filter(jurisdiction__code="ca").order_by("-id").values_list("pk", flat=True)[:1],
        Bill.objects.filter(pk__in=[]).values_list("pk"),
    ]
    for query in queries:
        assert fetch_query(query) == list(query)
        assert fetch_query(query, prepare=False) == list(query)
    assert any('"legislation_bill"."identifier"' in statement for statement in prepared_statements())
    with pytest.raises(TypeError):
        fetch_query(Bill.objects.all())


def by_code_since(values):
    query = Bill.objects.filter(jurisdiction__code__in=values["codes"])
    if "since" in values:
        query = query.filter(stage_date__gte=values["since"])
    if "above" in values:
        query = query.filter(pk__gt=values["above"])
    return query.order_by("pk").values("pk", "jurisdiction__code")


@pytest.mark.parametrize("prepare", [True, False])
def test_fetch_shaped_compiles_each_shape_once_and_runs_it_with_each_calls_values(bills, monkeypatch, prepare):
    built = []

    def build(values):
        built.append(dict(values))
        return by_code_since(values)

    monkeypatch.setattr("tracker.db._SHAPED", {})
    calls = [
        {"codes": ["ca"]},
        {"codes": ["ny"]},
        {"codes": ["ca", "tx"]},
        {"codes": ["ca", "ny"], "since": datetime.date(2025, 1, 6)},
        {"codes": ["tx", "ca"], "since": datetime.date(2025, 1, 2), "above": min(bills)},
        {"codes": ["ca"], "since": datetime.date(2025, 1, 9), "above": min(bills)},
    ]
    for values in calls:
        assert fetch_shaped(("bills", 1), build, values, prepare=prepare) == list(by_code_since(values)), values
    # Compiled for one code, two codes, two codes and a date, and two codes, a date and an id; the rest reuse them.
    assert len(built) == 5
    assert fetch_shaped(("bills", 1), build, {"codes": ["xx"]}) == []


def test_fetch_shaped_refuses_a_value_the_sql_does_not_hold_as_given(bills, monkeypatch):
    monkeypatch.setattr("tracker.db._SHAPED", {})

    def transformed(values):
        return Bill.objects.filter(identifier__startswith=values["prefix"]).values("pk")

    def unused(values):
        return Bill.objects.values("pk")

    with pytest.raises(ShapeError, match="changed before it reaches the SQL"):
        fetch_shaped("transformed", transformed, {"prefix": "HB"})
    with pytest.raises(ShapeError, match=r"not in the compiled query: \['stage'\]"):
        fetch_shaped("unused", unused, {"stage": "enacted"})
    with pytest.raises(ShapeError, match="booleans"):
        fetch_shaped("boolean", unused, {"flag": True})


def test_other_databases_run_the_orm_query_as_django_does(bills, monkeypatch):
    """SQLite (`make run`): no markers, no prepared statements; the query is built with the values and run."""
    monkeypatch.setattr(connection, "vendor", "sqlite")
    monkeypatch.setattr("tracker.db._SHAPED", {})
    values = {"codes": ["ca", "ny"], "since": datetime.date(2025, 1, 6)}
    assert fetch_shaped(("bills", 2), by_code_since, values) == list(by_code_since(values))
    assert fetch_query(Bill.objects.order_by("id").values_list("pk", flat=True)) == sorted(bills)

    def bad(values):
        return Bill.objects.filter(identifier__startswith=values["prefix"]).values("pk")

    assert fetch_shaped("no markers here", bad, {"prefix": "HB"}) == list(bad({"prefix": "HB"}))
    assert not tracker_db._SHAPED  # nothing compiled, nothing kept
