"""OpenAPI post-processing: what every operation shares, stated once.

drf-spectacular describes each view from its serializers and filters; this hook adds what DRF does around them,
so that the schema says exactly what the endpoints return: error bodies (400 naming the parameter, 401/403 for
writes, 404, 429 with Retry-After), CSV bodies as text, and the caching and paging headers.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser
from drf_spectacular import openapi
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
    for name, component in result["components"]["schemas"].items():
        if name.endswith("Request"):  # bodies: DRF's CharField refuses a NUL with a 400 naming the field
            for name, field in component.get("properties", {}).items():
                if name == "jurisdiction" and field.get("type") == "string":
                    field.setdefault("pattern", SLUG_ITEM["pattern"])  # a code: checked as a slug before lookup
                elif field.get("type") == "string" and not {"enum", "format", "pattern"} & set(field):
                    field["pattern"] = NO_NUL
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            _operation(path, method, operation)
    return result


# Query strings never carry a NUL: the API refuses one in any parameter with a 400 (PostgreSQL cannot store it).
NO_NUL = "^[^\\x00]*$"
# Paging parameters are positive integers (0 is a 400; larger page sizes than the maximum are capped, not refused).
POSITIVE = {"page", "page_size"}
BIGINT_MAX = 2**63 - 1


EMPTY = {"type": "string", "maxLength": 0}
# Changefeed jurisdictions are checked as slugs like every other jurisdiction parameter.
SLUG_ITEM = {"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$", "maxLength": 60}


def _query_parameter(parameter: dict[str, Any]) -> None:
    """State in the schema what the API refuses with a 400, and allow what it accepts: an empty value is the
    parameter not given (django-filter's rule, kept by every parameter but `format`, where it is a 400)."""
    schema = parameter.get("schema", {})
    array = schema.get("type") == "array"
    if array and parameter["name"] == "jurisdiction" and "pattern" not in schema.get("items", {}):
        schema["items"] = {**schema.get("items", {}), **SLUG_ITEM}
    item = schema.get("items", schema) if array else schema
    if parameter["name"] in POSITIVE and item.get("type") == "integer":
        item.setdefault("minimum", 1)
    if item.get("type") == "integer" and parameter["name"] != "page_size":
        item.setdefault("maximum", BIGINT_MAX)  # ids are 64-bit; a larger one is a 400 naming the parameter
    if item.get("type") == "string" and "enum" not in item and "format" not in item:
        item.setdefault("pattern", NO_NUL)
    if parameter["name"] == "format" or "anyOf" in item:
        return
    if "enum" in item:
        item["enum"] = [*item["enum"], ""] if "" not in item["enum"] else item["enum"]
        return
    if item.get("type") == "string" and "format" not in item:
        if item.get("pattern", "").endswith("+$"):
            item["pattern"] = item["pattern"][:-2] + "*$"
        return
    either = {"anyOf": [dict(item), EMPTY]}  # integers, booleans, dates and times
    if array:
        schema["items"] = either
    else:
        parameter["schema"] = {key: value for key, value in schema.items() if key == "description"} | either


def _operation(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    parameters = operation.get("parameters", [])
    for parameter in parameters:
        if parameter.get("in") == "query":
            _query_parameter(parameter)
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


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with anonymous access (`{}` among the security alternatives) wherever the view's
    own permissions let an anonymous client through: public reads, the token login. drf-spectacular knows this only
    for AllowAny and IsAuthenticatedOrReadOnly; the API's permissions are asked directly instead."""

    def get_auth(self) -> list[dict[str, Any]]:
        auths = super().get_auth()
        if {} not in auths and self._anonymous_allowed():
            auths.append({})
        return auths

    def _anonymous_allowed(self) -> bool:
        anonymous = _AnonymousRequest(self.method)
        try:
            return all(permission.has_permission(anonymous, self.view) for permission in self.view.get_permissions())
        except Exception:  # a permission that needs more of a real request than this one: not known to be public
            return False


class _AnonymousRequest:
    """What DRF's permission classes read of a request, for a client without credentials."""

    def __init__(self, method: str) -> None:
        self.method = method.upper()
        self.user = AnonymousUser()
        self.auth = None
