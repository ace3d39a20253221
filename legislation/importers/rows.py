"""Fast writes for the importer: COPY on PostgreSQL (bulk_create elsewhere, SQLite for `make run`), one-statement
deletes.

An import writes ten child rows per bill; Django's bulk_create spends most of its time building model instances and
adapting parameters, where COPY streams the rows (several times faster on the benchmark). Rows are tuples in the
order of the columns named (attnames); other columns take the field's default, as the ORM would give them.

Like COPY and `QuerySet.update()`, these writes send no model signals: a queryset `delete()` turns into one query
and one signal per row as soon as any receiver listens to the model (the API's cache does). Receivers learn about
an import from its ImportRun, saved when the run finishes, and from `legislation.signals.bills_stage_changed`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

import orjson
from django.db import connection, models
from django.utils import timezone

BULK_BATCH = 2000


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of `size` items (the last one shorter), pulled from `items` one list at a time. The generator keeps no
    reference to a list it handed over, so the caller can free a chunk (and what its items hold) before the next."""
    iterator = iter(items)
    while held := [list(islice(iterator, size))]:
        if not held[0]:
            return
        yield held.pop()


def _defaults(model: type[models.Model], names: set[str]) -> dict[str, Any]:
    """Values for the concrete fields not in `names`: their default, or now for auto_now(_add) date-times."""
    now = timezone.now()
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in names:
            continue
        auto_now = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        values[field.attname] = now if auto_now else field.get_default()
    return values


def _next_ids(model: type[models.Model], count: int) -> list[int]:
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
        )
        return [row[0] for row in cursor.fetchall()]


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *, returning_ids: bool = False
) -> list[int]:
    """Insert `rows` (values in the order of `columns`, attnames) into `model`'s table; returns the new ids when
    `returning_ids`. Database errors (a value too long, a broken constraint) come out as Django's DatabaseError
    subclasses, inside the caller's transaction, like any ORM write."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        created = model.objects.bulk_create(objects, batch_size=BULK_BATCH)
        return [obj.pk for obj in created] if returning_ids else []
    defaults = _defaults(model, set(columns))
    names = [*columns, *defaults]
    ids = _next_ids(model, len(rows)) if returning_ids else []
    db_columns = ([model._meta.pk.column] if returning_ids else []) + [
        model._meta.get_field(name).column for name in names
    ]
    json_positions = [
        index for index, name in enumerate(names) if isinstance(model._meta.get_field(name), models.JSONField)
    ]
    fill = tuple(defaults.values())
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(column) for column in db_columns)}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for position, row in enumerate(rows):
            values = [ids[position], *row, *fill] if returning_ids else [*row, *fill]
            for index in json_positions:
                index += bool(returning_ids)
                if values[index] is not None:
                    values[index] = orjson.dumps(values[index]).decode()
            copy.write_row(values)
    return ids


def delete_rows(model: type[models.Model], *, bill_ids: Sequence[int] = (), pks: Sequence[int] = ()) -> None:
    """Delete the rows of `model` that belong to the given bills (or with the given primary keys), in one
    statement."""
    values = list(bill_ids) or list(pks)
    if not values:
        return
    quote = connection.ops.quote_name
    field = model._meta.get_field("bill") if bill_ids else model._meta.pk
    table, column = quote(model._meta.db_table), quote(field.column)
    placeholders = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        # Names come from the model's metadata, values are parameters.
        cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({placeholders})", values)  # noqa: S608
