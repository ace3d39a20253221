"""The bills list from one statement, when its filters allow: the API's busiest page, made cheap.

The general path (`BillRowsMixin` in views.py) filters with the FilterSet, builds and compiles the query with the
ORM, has PostgreSQL plan it, and renders through DRF: 4 to 8 ms of CPU a page (50,000 bills), of which the
database spends about 1 ms running the query. Most requests filter by jurisdiction, session, stage, furthest
stage, dates and text, in the default order or one `ordering`, and `bill_page()` answers those in about 1 ms:

- `FilterSet.sql_conditions` cleans the parameters with the same FilterSet's form fields and turns their values
  into SQL (the search `q` as `bill_search`'s condition, `ordering` as ORDER BY terms with the same tiebreak, the
  link filters `recommendation`, `audience` and `effect` as the ORM's own subquery on the links, see
  `TrackedBillFilter.sql_conditions`); an invalid value (the general path answers the 400) or a filter that is more
  than that (`identifier`) sends the request to the general path;
- `legislation.selectors.bill_list_page` runs one statement, prepared (planned once per connection) unless it
  searches (a search is planned for its words), that returns the page, whether any row has LegiScan data, and the
  total when it is not known yet: a filter's total is counted once per data version (`api.cache.count_get`), as
  the general path's, since counting every matching row is the one cost that grows with the table.

The page is the same, byte for byte, as the general path's: `tests/api/test_bill_list.py` compares them over every
filter. Both the DRF view (any client, any format) and the cache front (anonymous JSON, before DRF runs at all)
use it. PostgreSQL only: on SQLite the general path serves every request.

The bulk listing (`bulk_page()`, by id and cursor) takes the same filters (`BulkBillFilter`, without `ordering`)
and reads its page with `legislation.selectors.bill_id_page`, the same statement by id from the cursor's position
on. DRF's CursorPagination itself pages it, as it pages a QuerySet (`BulkRows`), so that its cursors, forward and
back, with or without an offset, and its `next` and `previous` links are DRF's own; `tests/api/test_bill_list.py`
compares both paths over filters and cursors. A cursor it cannot read (DRF's 400) or whose position is not a plain
id goes to the general path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from legislation.filters import SqlConditions
from legislation.selectors import bill_id_page, bill_list_page, bill_sql_columns
from recommendations.filters import BulkBillFilter, TrackedBillFilter

from .attribution import credit_legiscan
from .cache import DataVersion, count_get, count_set, data_version
from .pagination import CursorPagination, PageNumberPagination, link_header
from .renderers import ORJSONRenderer, json_dumps
from .serializers import BILL_LIST_COLUMNS

PAGINATION = PageNumberPagination()
PREPARED_SEARCH_MAX = 500  # matches up to which a search runs prepared (generic plan: by its index, then sorted)
# What DRF's responses of the list say besides the body (a test keeps these equal to DRF's own).
JSON_HEADERS = {"Content-Type": ORJSONRenderer.media_type, "Vary": "Accept, Cookie", "Allow": "GET, HEAD, OPTIONS"}


@dataclass(frozen=True, slots=True)
class BillPage:
    data: dict[str, Any]  # {count, next, previous, results}
    legiscan: bool

    def finish(self, response: HttpResponseBase) -> HttpResponseBase:
        """Pagination links, total and LegiScan credit, with the same functions as the general path."""
        link_header(response, self.data["next"], self.data["previous"])
        if "count" in self.data:  # not in bulk
            response["X-Total-Count"] = str(self.data["count"])
        if self.legiscan:
            credit_legiscan(response)
        return response


def bill_page(params: QueryDict, url: str, version: DataVersion | None = None) -> BillPage | None:
    """The page of the bills list that `params` ask for, at `url`; None when the general path must answer (not
    PostgreSQL, an invalid parameter, a filter that is not a column condition or the search, `page=last`, a page
    past the last one). The total is counted once per data version (`version`, read when not given) and filter,
    as the general path's (`api.cache.cached_count`): the statement counts only when it is not known yet."""
    if connection.vendor != "postgresql":
        return None
    try:
        number, size = PAGINATION.page_number_of(params), PAGINATION.page_size_of(params)
    except ValidationError:
        return None
    if number is None or PAGINATION.past_any_row(number, size):
        return None
    conditions = TrackedBillFilter.sql_conditions(params, bill_sql_columns())
    if conditions is None:
        return None
    version = version or data_version()
    count_text = f"bills|{conditions.sql}|{conditions.params!r}"
    total = count_get(count_text, version)
    # A search known to match few rows is read best by its index, as a prepared statement's generic plan does,
    # without planning it again (the plan that walks the list's order is for searches that match most bills).
    few = total is not None and total <= PREPARED_SEARCH_MAX
    page = bill_list_page(
        BILL_LIST_COLUMNS,
        conditions,
        limit=size,
        offset=(number - 1) * size,
        counted=total is None,
        prepare=conditions.prepare or few,
    )
    if not page.rows and number > 1:
        return None
    if total is None:
        total = page.count
        count_set(count_text, total, version)
    data = {**PAGINATION.page_links(url, number, size, total), "results": page.rows}
    return BillPage(data=data, legiscan=page.legiscan)


def _json_response(page: BillPage | None) -> HttpResponse | None:
    """A page as the cache front answers it, without DRF (None: DRF must answer)."""
    return None if page is None else page.finish(HttpResponse(json_dumps(page.data), headers=JSON_HEADERS))


def bill_page_response(request: HttpRequest) -> HttpResponse | None:
    """The JSON response of the bills list for the cache front, without DRF; None when DRF must answer."""
    looked_up = getattr(request, "api_lookup", None)  # (key, version, cached) by the cache front
    return _json_response(bill_page(request.GET, request.build_absolute_uri(), looked_up[1] if looked_up else None))


# --- The bulk listing -------------------------------------------------------------------------------------------

POSITION = re.compile(r"[0-9]{1,18}")  # an id as a cursor holds it (within a bigint); anything else: general path


class Unanswered(Exception):
    """The page asks for more than `bill_id_page` answers: the general path must."""


class BulkRows:
    """The bulk listing's bills for DRF's CursorPagination, which reads them as it reads a QuerySet: ordered by id
    one way or the other, filtered beyond the cursor's position, then one slice (`offset`, `page_size + 1` rows),
    which runs `bill_id_page`. Anything else it asks raises Unanswered."""

    def __init__(self, conditions: SqlConditions) -> None:
        self.conditions = conditions
        self.descending = False
        self.beyond: int | None = None
        self.credited: set[int] = set()  # ids of the rows read that have LegiScan data

    def order_by(self, *fields: str) -> BulkRows:
        if fields not in (("id",), ("-id",)):
            raise Unanswered(fields)
        self.descending = fields == ("-id",)
        return self

    def filter(self, **lookups: Any) -> BulkRows:
        ((lookup, position),) = lookups.items()
        if lookup != ("id__lt" if self.descending else "id__gt") or not POSITION.fullmatch(str(position)):
            raise Unanswered(lookup, position)
        self.beyond = int(position)
        return self

    def __getitem__(self, rows: slice) -> list[dict[str, Any]]:
        page = bill_id_page(
            BILL_LIST_COLUMNS,
            self.conditions,
            beyond=self.beyond,
            descending=self.descending,
            limit=rows.stop - rows.start,
            offset=rows.start,
        )
        self.credited = {row["id"] for row, legiscan in zip(page.rows, page.legiscan, strict=True) if legiscan}
        return page.rows


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What CursorPagination reads of a request, for the cache front's plain Django request."""

    query_params: QueryDict
    url: str

    def build_absolute_uri(self) -> str:
        return self.url


def bulk_page(request: PageRequest | Request, paginator: CursorPagination) -> BillPage | None:
    """The page of the bulk listing that `request` asks for, paged by `paginator` (left holding the page, as DRF's
    views and renderers expect); None when the general path must answer (not PostgreSQL, an invalid parameter or
    cursor, a filter that is not a column condition or the search, a position that is not an id)."""
    if connection.vendor != "postgresql":
        return None
    conditions = BulkBillFilter.sql_conditions(request.query_params, bill_sql_columns())
    if conditions is None:
        return None
    rows = BulkRows(conditions)
    try:
        results = paginator.paginate_queryset(rows, request)
    except (ValidationError, Unanswered):
        return None
    data = {"next": paginator.get_next_link(), "previous": paginator.get_previous_link(), "results": results}
    return BillPage(data=data, legiscan=any(row["id"] in rows.credited for row in results))


def bulk_page_response(request: HttpRequest) -> HttpResponse | None:
    """The JSON response of the bulk listing for the cache front, without DRF; None when DRF must answer."""
    return _json_response(bulk_page(PageRequest(request.GET, request.build_absolute_uri()), CursorPagination()))
