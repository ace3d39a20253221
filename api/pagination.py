"""Pagination of the API contract.

Lists: page numbers, `{count, next, previous, results}` with `page` and `page_size` (capped at 200). Bulk listings:
cursors, `{next, previous, results}`, which stay as fast on the last page of a million rows as on the first.
Bad values are a 400 naming the parameter, never a silent default or a 500.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from tracker.db import fetch_query, fetch_shaped
from tracker.paging import Page, page_with_total, total_of

from .cache import DataVersion, cached_count


def positive_int_param(params: QueryDict, name: str, *, maximum: int | None = None) -> int | None:
    """The integer value of a query parameter, None when absent; a 400 naming it when it is not a positive integer.
    Values over `maximum` are capped to it (documented: page sizes are capped, not refused)."""
    if len(params.getlist(name)) > 1:
        raise ValidationError({name: ["Give it once."]})
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ValidationError({name: [f"Must be a positive integer, not {raw[:40]!r}."]})
    value = int(raw)
    return min(value, maximum) if maximum else value


# The largest row offset the databases take (a signed 64-bit integer); a page starting past it has no rows.
MAX_OFFSET = 2**63 - 1


def link_header(response: Response, next_url: str | None, previous_url: str | None) -> None:
    """RFC 8288 links to the neighbouring pages, for clients (and CSV users) that do not read the body."""
    links = [f'<{url}>; rel="{rel}"' for rel, url in (("next", next_url), ("prev", previous_url)) if url]
    if links:
        response["Link"] = ", ".join(links)


def request_version(request: Request) -> DataVersion | None:
    """The data version the request's cache lookup read (api.views.APIMixin.conditional), if it did."""
    pending = getattr(request, "_api_cache", None)  # (key, version, validators)
    return pending[1] if pending else None


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        return self.page_size_of(request.query_params)

    def page_size_of(self, params: QueryDict) -> int:
        return positive_int_param(params, self.page_size_query_param, maximum=self.max_page_size) or self.page_size

    def page_number_of(self, params: QueryDict) -> int | None:
        """The page asked for, 1 when absent, None for the last page (`page=last`); a 400 when it is not a number."""
        if params.get(self.page_query_param) in self.last_page_strings:
            return None
        return positive_int_param(params, self.page_query_param) or 1

    @staticmethod
    def past_any_row(number: int, size: int) -> bool:
        """Page `number` of `size` rows starts past any offset a database can take: it is empty (a 404), and must
        not reach the database (PostgreSQL refuses such an OFFSET: "bigint out of range")."""
        return (number - 1) * size > MAX_OFFSET

    def page_links(self, url: str, number: int, size: int, count: int) -> dict[str, Any]:
        """`count`, `next` and `previous` of page `number` (of `size` rows) of `count` rows, at the request's `url`."""
        param = self.page_query_param
        if number == 1:
            previous_url = None
        elif number == 2:
            previous_url = remove_query_param(url, param)
        else:
            previous_url = replace_query_param(url, param, number - 1)
        next_url = replace_query_param(url, param, number + 1) if number * size < count else None
        return {"count": count, "next": next_url, "previous": previous_url}

    def paginate_queryset(self, queryset, request: Request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw not in (None, "", *self.last_page_strings):
            positive_int_param(request.query_params, self.page_query_param)
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            raise NotFound(f"page: {exc.detail}") from exc

    def paginate_values(
        self,
        queryset: QuerySet,
        columns: dict[str, Any],
        request: Request,
        *,
        ids_first: bool = False,
        prepare: bool = False,
    ) -> list[dict]:
        """One page as dicts of `columns` (output name -> ORM path or expression), its total counted without a
        window over the whole sorted list (`tracker.paging.page_with_total`): one query for a short page, and a
        count (cached per data version: `api.cache.cached_count`) besides for a full one.

        `ids_first` sorts and cuts the page on the filtered rows alone (a query of ids), then reads the columns
        of those rows only (`WHERE id IN (...)`): one query more, for lists whose columns join a large table that
        the order does not need, which PostgreSQL otherwise joins to every matching row before sorting (the links
        list joined all 50,000 bills to show 50: 15 ms, then 1).

        `prepare` runs the page's queries as prepared statements (`tracker.db.fetch_query`), for lists whose
        best plan does not depend on the filters' values."""
        self.request = request
        page_size = self.get_page_size(request)
        number = self.page_number_of(request.query_params)
        if number is None:
            number = max(1, -(-queryset.count() // page_size))
        if self.past_any_row(number, page_size):
            raise NotFound(f"{self.page_query_param}: Invalid page.")
        names, start = list(columns), (number - 1) * page_size
        count = partial(cached_count, version=request_version(request))
        if ids_first:
            ids = fetch_query(queryset.values_list("pk", flat=True)[start : start + page_size], prepare=prepare)
            # The ids as values, not a subquery: PostgreSQL joins a subquery's ids only after the other joins. The
            # query is the same for every page but for its ids: compiled once (tracker.db.fetch_shaped).
            model, order = queryset.model, tuple(queryset.query.order_by)

            def of_ids(values: dict[str, Any]) -> QuerySet:
                return model._base_manager.filter(pk__in=values["ids"]).order_by(*order).values_list(*columns.values())

            shape = ("page of ids", model._meta.label, repr(order), tuple(columns))
            rows = fetch_shaped(shape, of_ids, {"ids": ids}, prepare=prepare)
            page = Page(rows, total_of(rows, matching=queryset, start=start, size=page_size, count=count))
        else:
            page = page_with_total(
                queryset.values_list(*columns.values()),
                matching=queryset,
                start=start,
                size=page_size,
                count=count,
                fetch=partial(fetch_query, prepare=prepare),
            )
        if not page.rows and number > 1:
            raise NotFound(f"{self.page_query_param}: Invalid page.")
        self._values_page = self.page_links(request.build_absolute_uri(), number, page_size, page.total)
        return [dict(zip(names, row, strict=True)) for row in page.rows]

    def get_paginated_response(self, data: Any) -> Response:
        values_page = getattr(self, "_values_page", None)
        if values_page is None:
            response = super().get_paginated_response(data)
            count, next_url, previous_url = self.page.paginator.count, self.get_next_link(), self.get_previous_link()
        else:
            count, next_url, previous_url = values_page["count"], values_page["next"], values_page["previous"]
            response = Response({"count": count, "next": next_url, "previous": previous_url, "results": data})
        link_header(response, next_url, previous_url)
        response["X-Total-Count"] = str(count)
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        result = super().get_paginated_response_schema(schema)
        result["required"] = ["count", "next", "previous", "results"]
        result["properties"]["count"]["description"] = (
            "Number of results over all pages. Counted once per data version and filter, then reused by the "
            "filter's other pages: exact for the data the pages show, it may lag an import still running by as "
            "much as cached pages do."
        )
        result["properties"]["next"]["description"] = "URL of the next page; null on the last one."
        result["properties"]["previous"]["description"] = "URL of the previous page; null on the first one."
        return result

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {"type": "integer", "minimum": 1}
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page, {self.page_size} by default; larger values are capped at {self.max_page_size}."
                )
        return parameters


class CursorPagination(pagination.CursorPagination):
    """Bulk listings: ordered by id, opaque cursors, up to 1000 rows a page."""

    ordering = "id"
    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request: Request) -> int:
        return positive_int_param(request.query_params, self.page_size_query_param, maximum=self.max_page_size) or (
            self.page_size
        )

    def decode_cursor(self, request: Request):
        """DRF's cursor, or a 400 naming the parameter; also when its position is not a number (the order is by id,
        which the ORM would fail to compare with it: a 500)."""
        try:
            cursor = super().decode_cursor(request)
            if cursor is not None and cursor.position is not None:
                int(cursor.position)  # as the ORM reads an id
        except (NotFound, ValueError) as exc:
            raise ValidationError(
                {self.cursor_query_param: ["Invalid cursor: use the `next` or `previous` URL."]}
            ) from exc
        return cursor

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        link_header(response, self.get_next_link(), self.get_previous_link())
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        result = super().get_paginated_response_schema(schema)
        result["required"] = ["next", "previous", "results"]
        return result

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"Results per page, {self.page_size} by default; larger values are capped at {self.max_page_size}."
                )
        return parameters
