"""A GIN index for full-text search of bills (`?q=` in the API) on PostgreSQL; nothing on other databases.

The index is on the very expression legislation.filters.BILL_SEARCH_VECTOR builds (PostgreSQL uses an expression
index only for an identical expression), so it is made from the same Django expression, not written by hand.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX_NAME = "bill_search_gin"


def _index() -> GinIndex:
    return GinIndex(SearchVector("identifier", "title", "summary", config="english"), name=INDEX_NAME)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("legislation", "Bill"), _index())


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("legislation", "Bill"), _index())


class Migration(migrations.Migration):
    dependencies = [("legislation", "0002_sync_state")]

    operations = [migrations.RunPython(add_index, remove_index)]
