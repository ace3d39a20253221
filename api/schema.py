"""OpenAPI post-processing: what every operation shares, stated once.

drf-spectacular describes each view from its serializers and filters; this hook adds what DRF does around them,
so that the schema says exactly what the endpoints return: error bodies (400 naming the parameter, 401/403 for
writes, 404, 429 with Retry-After), CSV bodies as text, and the caching and paging headers.
"""

from __future__ import annotations

from typing import Any

from django import forms
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import build_array_type, build_parameter_type
from drf_spectacular.utils import OpenApiParameter

from legislation.filters import ListFilter

ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` says what went wrong; a 400 names each bad parameter or field with its errors.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    "example": {"stage": ["Select a valid choice. bogus is not one of the available choices."]},
}
CSV_SCHEMA = {
    "type": "string",
    "description": "CSV with a header row: one row per result (or the error), nested fields as dotted columns, "
    "lists of values joined by `|`.",
}
ERRORS = {
    "400": "Invalid parameter or body: each bad name with what is wrong.",
    "401": "Not signed in: use `Authorization: Token <key>` or a session.",
    "403": "Signed in without the permission this needs (groups Editors and Reviewers).",
    "404": "No such object, or a page past the last one.",
    "415": "Unsupported or malformed body: send JSON (forms work too).",
    "429": "Too many requests: wait the `Retry-After` seconds.",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _header(description: str, schema_type: str = "string") -> dict[str, Any]:
    return {"description": description, "schema": {"type": schema_type}}


CACHE_HEADERS = {
    "ETag": _header("Validator of this representation; send it in If-None-Match to get a 304 while it holds."),
    "Last-Modified": _header("When the data last changed."),
}
PAGE_HEADERS = {
    "Link": _header("RFC 8288 links: next and prev pages, and the data's licence when LegiScan data is included."),
    "X-Total-Count": _header("Number of results over all pages.", "integer"),
}


def _content(operation: dict[str, Any], csv: bool) -> dict[str, Any]:
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    if csv:
        content["text/csv"] = {"schema": CSV_SCHEMA}
    return content


def postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            _operation(path, method, operation)
    return result


def _operation(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    parameters = operation.get("parameters", [])
    csv = any(p["name"] == "format" for p in parameters)
    for response in responses.values():
        if "text/csv" in response.get("content", {}):
            response["content"]["text/csv"] = {"schema": CSV_SCHEMA}
    needed = {"429"}
    if any(p["in"] == "query" for p in parameters) or "requestBody" in operation:
        needed.add("400")
    if "requestBody" in operation:
        needed.add("415")
    if any(p["in"] == "path" or p["name"] == "page" for p in parameters):
        needed.add("404")
    if method in WRITE_METHODS:
        needed |= {"401", "403"}
    for code in needed | {code for code in responses if code in ERRORS}:
        response = responses.setdefault(code, {"description": ERRORS[code]})
        response.setdefault("description", ERRORS[code])
        response["content"] = _content(operation, csv)
    responses["429"]["headers"] = {"Retry-After": _header("Seconds to wait.", "integer")}
    if method != "get" or "200" not in responses or path.endswith(("/freshness/", "/exports/", "/exports/{name}")):
        return
    if "import-runs" in path:
        return
    ok = responses["200"]
    ok["headers"] = {**CACHE_HEADERS, **(PAGE_HEADERS if csv else {})}
    responses["304"] = {
        "description": "Not modified: the ETag sent in If-None-Match still matches.",
        "headers": CACHE_HEADERS,
    }


class ListFilterExtension(DjangoFilterExtension):
    """Parameters that take several values (legislation.filters.ListFilter) are arrays of their base field's type,
    repeated (`?stage=a&stage=b`; commas work too)."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name: str, filter_field) -> list:
        if not isinstance(filter_field, ListFilter):
            return super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        base = filter_field.extra["base_field"]
        if isinstance(base, forms.ChoiceField):
            item: dict[str, Any] = {"type": "string", "enum": [value for value, _ in base.choices]}
        elif isinstance(base, forms.IntegerField):
            item = {"type": "integer", "minimum": 1}
        elif isinstance(base, forms.SlugField):
            item = {"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$", "maxLength": base.max_length}
        else:
            item = {"type": "string", "maxLength": base.max_length}
        return [
            build_parameter_type(
                name=field_name,
                schema=build_array_type(item),
                location=OpenApiParameter.QUERY,
                description=self._get_field_description(filter_field, None),
                explode=True,
                style="form",
            )
        ]
