"""Prepared reads (tracker/db.py): prepared on the server, logged like Django's queries, and run again once on a
new connection when the server dropped the one kept from an earlier request."""

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from tracker.db import fetch_prepared


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
