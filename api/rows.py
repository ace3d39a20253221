"""Lists rendered from plain rows (dicts from `values()` or a selector) instead of model instances and serializers.

DRF renders a page field by field through each serializer field's `to_representation`, after Django has built a
model instance (and its related instances) for each row: for the changefeed's 100 rows of 25 fields, 2,500 field
calls and most of the request's time. The lists here take the columns they show straight from the database and
convert only what needs it (times, to DRF's text for them). The serializers stay the documentation and the schema
of these lists; tests/api/test_rows.py renders the same objects both ways and compares the bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

_DATETIME = serializers.DateTimeField()


def datetime_text(value: datetime | None, zone: tzinfo | None = None) -> str | None:
    """A time as DRF's DateTimeField writes it (ISO 8601 in the current time zone, `Z` for UTC), so that JSON and
    CSV say it as the serializers do: for an aware time (all of them, with USE_TZ), its steps without the field's
    lookups (a list page writes 150 times); anything else through the field itself. `zone`: the current time
    zone, when the caller has read it for many values."""
    if value is None:
        return None
    if value.tzinfo is None or api_settings.DATETIME_FORMAT != ISO_8601:
        return _DATETIME.to_representation(value)
    text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return f"{text[:-6]}Z" if text.endswith("+00:00") else text


def plain_rows(
    rows: Iterable[Mapping[str, Any]], fields: Iterable[str], *, datetimes: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Each row's `fields`, in that order, with the times among them (`datetimes`) as DRF writes them."""
    fields, datetimes = tuple(fields), frozenset(datetimes)
    if not datetimes:
        return [{name: row[name] for name in fields} for row in rows]
    zone = timezone.get_current_timezone()
    return [
        {name: datetime_text(row[name], zone) if name in datetimes else row[name] for name in fields} for row in rows
    ]
