"""Indexes for the bills list (issue 12): one per ordering the API offers, and full-text search from a stored column.

- `?ordering=latest_action_date|stage_date|updated_at|identifier` (either direction, ties broken by id): an index
  on (column, id) each, so that a page is read off the index instead of a sort of every matching bill; they
  replace the single-column indexes on latest_action_date and updated_at, which served only their range filters.
- `?q=`: PostgreSQL rechecks every row a GIN index on an expression returns by computing the expression again, so
  a search matching most bills computed `to_tsvector` on each (a count of 50,000 matches: 278 ms). The vector is now
  a stored generated column (`search_vector`, computed by PostgreSQL on every insert and update, COPY included)
  with its GIN index (the same count: 17 ms). PostgreSQL only, like the index it replaces; the column is not a
  model field (SQLite, for `make run`, has no tsvector): `legislation.filters.bill_search` names it.
"""

import django.utils.timezone
from django.db import migrations, models

# Must stay the expression legislation.filters.BILL_SEARCH_VECTOR builds (tests/legislation/test_search.py).
VECTOR = (
    "to_tsvector('english'::regconfig, COALESCE(identifier, '') || ' ' || COALESCE(title, '') || ' ' || "
    "COALESCE(summary, ''))"
)


def add_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE legislation_bill ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED"
    )
    schema_editor.execute("CREATE INDEX bill_search_vector_gin ON legislation_bill USING gin (search_vector)")
    schema_editor.execute("DROP INDEX IF EXISTS bill_search_gin")


def remove_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE INDEX bill_search_gin ON legislation_bill USING gin ({VECTOR})")
    schema_editor.execute("ALTER TABLE legislation_bill DROP COLUMN search_vector")


class Migration(migrations.Migration):
    dependencies = [
        ("legislation", "0008_sessions_sync_schedule"),
    ]

    operations = [
        migrations.AlterField(
            model_name="bill",
            name="latest_action_date",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="bill",
            name="updated_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AddIndex(
            model_name="bill",
            index=models.Index(fields=["latest_action_date", "id"], name="bill_latest_action_date_order"),
        ),
        migrations.AddIndex(
            model_name="bill",
            index=models.Index(fields=["stage_date", "id"], name="bill_stage_date_order"),
        ),
        migrations.AddIndex(
            model_name="bill",
            index=models.Index(fields=["updated_at", "id"], name="bill_updated_at_order"),
        ),
        migrations.AddIndex(
            model_name="bill",
            index=models.Index(fields=["identifier", "id"], name="bill_identifier_order"),
        ),
        migrations.RunPython(add_search_vector, remove_search_vector),
    ]
