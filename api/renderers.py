"""JSON through orjson, and flat CSV for every list (`?format=csv`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer
from rest_framework.serializers import Serializer
from rest_framework.utils.encoders import JSONEncoder

_ENCODER = JSONEncoder()
ORJSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def json_dumps(data: Any) -> bytes:
    """orjson with DRF's fallbacks for what orjson does not know (Decimal, lazy strings, querysets...)."""
    return orjson.dumps(data, default=_ENCODER.default, option=ORJSON_OPTIONS)


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None  # JSON is UTF-8 by definition (RFC 8259); no charset parameter

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping | None = None):
        if data is None:
            return b""
        return json_dumps(data)


def flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted columns (`progress_summary.achieved`); lists of scalars are joined with `|`,
    lists of objects are kept as JSON in one cell."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, list | tuple):
            if all(not isinstance(item, Mapping | list | tuple) for item in value):
                flat[name] = "|".join("" if item is None else str(item) for item in value)
            else:
                flat[name] = json_dumps(value).decode()
        else:
            flat[name] = value
    return flat


def csv_lines(rows: Iterable[Mapping[str, Any]], header: list[str] | None = None) -> Iterator[str]:
    """CSV text of the rows, line by line; columns are the header, then any key first seen in a row."""
    flat_rows = [flatten(row) for row in rows]
    columns = list(header or [])
    for row in flat_rows:
        columns.extend(key for key in row if key not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in flat_rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    yield buffer.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class CSVRenderer(BaseRenderer):
    """A list's `results` (the current page) as CSV; pagination links are in the `Link` header."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping | None = None):
        if data is None:
            return b""
        if isinstance(data, Mapping) and isinstance(data.get("results"), list):
            rows = data["results"]
        elif isinstance(data, list):
            rows = data
        else:
            rows = [data]  # a detail or an error: one row
        header = self._header(renderer_context)
        return "".join(csv_lines(rows, header)).encode()

    @staticmethod
    def _header(renderer_context: Mapping | None) -> list[str] | None:
        """The columns of the view's serializer, so that an empty page still has its header."""
        view = (renderer_context or {}).get("view")
        response = (renderer_context or {}).get("response")
        if view is None or not hasattr(view, "get_serializer_class") or (response and response.status_code >= 400):
            return None
        return list(_columns(view.get_serializer_class()()))


def _columns(serializer: Serializer, prefix: str = "") -> Iterator[str]:
    for name, field in serializer.fields.items():
        if isinstance(field, Serializer):
            yield from _columns(field, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


class BrowsableRenderer(BrowsableAPIRenderer):
    """DRF's browsable API (with DEBUG on only). Its template places two buttons with style attributes, which the
    site's CSP (`style-src 'self'`) would block; its pages, like the API docs' (api/docs.py), allow inline styles,
    never inline scripts."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping | None = None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": ["'unsafe-inline'"]}  # read by django-csp's middleware
        return super().render(data, accepted_media_type, renderer_context)

