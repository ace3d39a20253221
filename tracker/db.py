"""Prepared statements on PostgreSQL, for the few hand-written queries that run on every busy request.

Django binds parameters on the client and never prepares statements (`prepare_threshold` is off by default, so
that connection poolers in transaction mode keep working), which makes PostgreSQL plan every query again: for the
bills list, planning costs more than running it. `fetch_prepared()` runs a read through a Django cursor (same
error wrapping, same query logging, so test query counts see it) whose statements are bound on the server and
prepared: planned once per connection, then only executed.

psycopg prepares nothing on a connection without a `prepare_threshold`: the settings give one unless
`DATABASE_PREPARED_STATEMENTS=false` (for a pooler that cannot keep prepared statements), and these cursors then
only bind on the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from django.db import InterfaceError, OperationalError, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from psycopg.types.datetime import TimestamptzLoader


class PreparedCursor(psycopg.Cursor):
    """Server-side binding, every statement prepared (psycopg keeps the last 100 per connection).

    Times with a time zone are read by psycopg's own loader (in C) rather than Django's (a Python subclass of it,
    which costs a third of a page's fetch): the same instants, in the connection's time zone (UTC, as Django sets
    it), with `zoneinfo.ZoneInfo("UTC")` for their tzinfo instead of `datetime.UTC`.
    """

    def __init__(self, connection, **kwargs) -> None:
        super().__init__(connection, **kwargs)
        self.adapters.register_loader("timestamptz", TimestamptzLoader)

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


class PreparedDebugWrapper(CursorDebugWrapper):
    """Logs a prepared statement with its values, as Django logs its own queries (which it reads back from the
    client-side cursor: a prepared statement has no such text)."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


def fetch_prepared(sql: str, params: Sequence[Any], using: str = "default") -> list[tuple]:
    """All rows of a read-only statement, prepared, through a Django cursor (errors wrapped, queries logged).

    Django checks a reused connection before the first query of each request (CONN_HEALTH_CHECKS: a `SELECT 1`
    round trip, a fifth of the bills list's database time). This read checks it by running instead: when the
    server has closed a reused connection (a restart, an idle timeout), the statement fails at once, and it runs
    again, once, on a new connection. Other errors (a statement timeout), and any error in a transaction, are
    raised as usual.
    """
    connection = connections[using]
    for attempt in (1, 2):
        reused = connection.connection is not None
        connection.ensure_connection()
        connection.validate_thread_sharing()
        raw = PreparedCursor(connection.connection)
        cursor = PreparedDebugWrapper(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
        try:
            with cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
        except (InterfaceError, OperationalError):
            lost = connection.connection is None or connection.connection.broken  # not a timeout or a bad query
            if attempt == 2 or not reused or not lost or connection.in_atomic_block:
                raise
            connection.close()
            continue
        connection.health_check_done = True  # the connection works: the request's next queries need no check
        return rows
    raise AssertionError("unreachable")
