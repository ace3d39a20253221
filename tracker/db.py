"""Prepared statements on PostgreSQL, for the few hand-written queries that run on every busy request.

Django binds parameters on the client and never prepares statements (`prepare_threshold` is off by default, so
that connection poolers in transaction mode keep working), which makes PostgreSQL plan every query again: for the
bills list, planning costs more than running it. `prepared_cursor()` gives a Django cursor (same error wrapping,
same query logging, so test query counts see it) whose statements are bound on the server and prepared: planned
once per connection, then only executed.

psycopg prepares nothing on a connection without a `prepare_threshold`: the settings give one unless
`DATABASE_PREPARED_STATEMENTS=false` (for a pooler that cannot keep prepared statements), and these cursors then
only bind on the server.
"""

from __future__ import annotations

import psycopg
from django.db import connections
from django.db.backends.utils import CursorWrapper
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


def prepared_cursor(using: str = "default") -> CursorWrapper:
    """A cursor of connection `using` (PostgreSQL) whose statements are prepared. Use it as a context manager,
    like `connection.cursor()`."""
    connection = connections[using]
    # What connection.cursor() does before it makes a cursor: the health check, connecting, the thread check.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    cursor = PreparedCursor(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)
