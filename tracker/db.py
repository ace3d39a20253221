"""Prepared statements on PostgreSQL, for the hand-written queries and the ORM reads that run on every busy request.

Django binds parameters on the client and never prepares statements (`prepare_threshold` is off by default, so
that connection poolers in transaction mode keep working), which makes PostgreSQL plan every query again: for the
bills list, planning costs more than running it. `fetch_prepared()` runs a read through a Django cursor (same
error wrapping, same query logging, so test query counts see it) whose statements are bound on the server and
prepared: planned once per connection, then only executed. `fetch_query()` does the same for an ORM values()
or values_list() query (compiled by Django, then prepared): the API's lists, whose joins cost PostgreSQL more to
plan than to run (the links page's columns: 1.8 ms planned, 0.5 ms run).

psycopg prepares nothing on a connection without a `prepare_threshold`: the settings give one unless
`DATABASE_PREPARED_STATEMENTS=false` (for a pooler that cannot keep prepared statements), and these cursors then
only bind on the server.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import InterfaceError, OperationalError, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import QuerySet
from django.db.models.query import FlatValuesListIterable, ValuesIterable, ValuesListIterable
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


def _compiled(queryset: QuerySet) -> tuple[str, tuple[Any, ...], Any] | None:
    """The SQL, parameters and compiler of a values() or values_list() query; None when it matches nothing."""
    if queryset._iterable_class not in (ValuesIterable, ValuesListIterable, FlatValuesListIterable):
        raise TypeError("prepared reads are of values() and values_list() queries")
    compiler = queryset.query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # a filter that matches nothing (`pk__in=[]`): Django runs no query either
        return None
    return sql, tuple(params), compiler


@dataclass(frozen=True, slots=True)
class _Reader:
    """How to turn a compiled query's rows into what iterating the queryset gives."""

    names: tuple[str, ...] | None  # a values() query's keys
    flat: bool
    converters: dict
    compiler: Any

    @classmethod
    def of(cls, queryset: QuerySet, compiler: Any) -> _Reader:
        query, iterable = queryset.query, queryset._iterable_class
        # As Django's ValuesIterable names them (`selected`: the order values() was given, since Django 5.2).
        names = tuple(query.selected or (*query.extra_select, *query.values_select, *query.annotation_select))
        return cls(
            names=names if iterable is ValuesIterable else None,
            flat=iterable is FlatValuesListIterable,
            converters=compiler.get_converters([column for column, _, _ in compiler.select[: compiler.col_count]]),
            compiler=compiler,
        )

    def rows(self, rows: list[tuple]) -> list[Any]:
        if self.converters:
            rows = [tuple(row) for row in self.compiler.apply_converters(rows, self.converters)]
        if self.flat:
            return [row[0] for row in rows]
        if self.names is not None:
            return [dict(zip(self.names, row, strict=True)) for row in rows]
        return rows


def fetch_query(queryset: QuerySet, *, prepare: bool = True) -> list[Any]:
    """The rows of a values() (dicts), values_list() (tuples) or flat values_list() query, as iterating it gives
    them, from a prepared statement (`fetch_prepared`) on PostgreSQL.

    Only for queries whose best plan does not depend on their values: PostgreSQL may keep one generic plan for a
    prepared statement after five runs. `prepare=False` (or another database) runs the query as Django does."""
    if not prepare or connections[queryset.db].vendor != "postgresql":
        return list(queryset)
    compiled = _compiled(queryset)
    if compiled is None:
        return []
    sql, params, compiler = compiled
    return _Reader.of(queryset, compiler).rows(fetch_prepared(sql, params, using=queryset.db))


# --- Queries compiled once per shape ------------------------------------------------------------------------------


class ShapeError(TypeError):
    """A query built for `fetch_shaped` uses a value in a way that its compiled SQL cannot be reused for."""


@dataclass(frozen=True, slots=True)
class _Shaped:
    sql: str
    # Per parameter: (value name, index in its list or None, its type), or (None, None, a constant of the query).
    slots: tuple[tuple[str | None, int | None, Any], ...]
    reader: _Reader


_SHAPED: dict[Hashable, _Shaped] = {}
SHAPED_MAX = 512  # compiled shapes kept per process (a dict in insertion order: the oldest goes first)
_MARKER_SEQUENCE = itertools.count(1)


def _marker(value: Any) -> Any:
    """A value of `value`'s type that no query holds by chance, to find where a value lands among the parameters."""
    number = next(_MARKER_SEQUENCE) % 900 + 1  # years 1001 to 1900 for times: before any record here
    if isinstance(value, bool) or value is None:
        raise ShapeError("booleans and None choose a query's shape: put them in `shape`")
    if isinstance(value, int):
        return 2_100_000_000 + number  # inside a 32-bit column's range: Django drops a comparison beyond it
    if isinstance(value, str):
        return f"\x1fvalue-{number}\x1f"
    if isinstance(value, datetime):
        return datetime(1000 + number, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC)
    if isinstance(value, date):
        return date(1000 + number, 1, 3)
    raise ShapeError(f"no marker for a value of type {type(value).__name__}")


def _shaped(build: Callable[[Mapping[str, Any]], QuerySet], values: Mapping[str, Any]) -> _Shaped | None:
    markers: dict[str, Any] = {}
    where: dict[Any, tuple[str, int | None]] = {}
    for name, value in values.items():
        if isinstance(value, list | tuple):
            markers[name] = [_marker(item) for item in value]
            where.update({marker: (name, index) for index, marker in enumerate(markers[name])})
        else:
            markers[name] = _marker(value)
            where[markers[name]] = (name, None)
    queryset = build(markers)
    compiled = _compiled(queryset)
    if compiled is None:
        return None
    sql, params, compiler = compiled
    slots, found = [], set()
    for param in params:
        slot = where.get(param) if isinstance(param, int | str | date) else None
        marker = None if slot is None else markers[slot[0]] if slot[1] is None else markers[slot[0]][slot[1]]
        if slot is not None and isinstance(param, type(marker)):
            slots.append((*slot, type(param)))  # the type the backend gave it (psycopg's Int8 for a bigint column)
            found.add(param)
        elif isinstance(param, str) and "\x1fvalue-" in param:
            raise ShapeError(f"a value is changed before it reaches the SQL ({param!r}): leave it out of `values`")
        else:
            slots.append((None, None, param))
    missing = [name for marker, (name, _) in where.items() if marker not in found]
    if missing:
        raise ShapeError(f"values not in the compiled query: {sorted(set(missing))} (they belong in `shape`)")
    return _Shaped(sql=sql, slots=tuple(slots), reader=_Reader.of(queryset, compiler))


def fetch_shaped(
    shape: Hashable,
    build: Callable[[Mapping[str, Any]], QuerySet],
    values: Mapping[str, Any],
    *,
    prepare: bool = True,
    using: str = "default",
) -> list[Any]:
    """The rows of the values() or values_list() query `build(values)`, compiled once per `shape` and process.

    Building and compiling an ORM query with subqueries can cost more than running it (the changefeed's three
    queries: 13.4 ms a request in-process before, 5.0 after, on 50,000 bills). Here the first call of a shape
    builds the query with markers in place of `values` (ints, strings, times and dates, or lists of them), finds
    where each lands among the compiled SQL's parameters, and keeps the SQL; later calls only put their values in
    those places.
    `shape` names the query and holds everything else that changes its SQL: orderings, limits, booleans (which
    values are given, and the lengths of lists, are added to it). A value that the ORM transforms on its way
    (`__startswith`), or that a shape leaves out of its query, raises ShapeError: it belongs in `shape`.

    Prepared on PostgreSQL (`prepare=False`: bound on the client, planned for its values); elsewhere the query is
    built with the values and run by Django.
    """
    if connections[using].vendor != "postgresql":
        return list(build(values))
    lengths = tuple(len(value) if isinstance(value, list | tuple) else -1 for value in values.values())
    key = (shape, tuple(values), lengths, using)
    shaped = _SHAPED.get(key)
    if shaped is None:
        shaped = _shaped(build, values)
        if shaped is None:
            return []
        if len(_SHAPED) >= SHAPED_MAX:
            with contextlib.suppress(StopIteration, RuntimeError):  # another thread may be trimming it too
                _SHAPED.pop(next(iter(_SHAPED)), None)
        _SHAPED[key] = shaped
    params = []
    for name, index, extra in shaped.slots:
        if name is None:
            params.append(extra)  # a constant of the query
        else:
            value = values[name] if index is None else values[name][index]
            params.append(value if type(value) is extra else extra(value))
    if prepare:
        rows = fetch_prepared(shaped.sql, params, using=using)
    else:
        with connections[using].cursor() as cursor:
            cursor.execute(shaped.sql, params)
            rows = cursor.fetchall()
    return shaped.reader.rows(rows)
