"""What every page's tables share: the CSV download of the rows a table shows, and the API query that returns them."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse


def wants_csv(request: HttpRequest) -> bool:
    """`?format=csv` asks a page for its table as CSV."""
    return request.GET.get("format") == "csv"


def csv_url(request: HttpRequest, *, without: Iterable[str] = (), **extra: str) -> str:
    """This page's address with its query (less the parameters `without`), asking for CSV."""
    query = request.GET.copy()
    for name in without:
        query.pop(name, None)
    query["format"] = "csv"
    for name, value in extra.items():
        query[name] = value
    return f"{request.path}?{query.urlencode()}"


def api_url(route: str, /, **params: Any) -> str:
    """The API query (`api:<route>`) with these parameters; empty values are left out, lists joined by commas."""
    query = {
        name: ",".join(map(str, value)) if isinstance(value, list | tuple) else value
        for name, value in params.items()
        if value not in (None, "", [], ())
    }
    path = reverse(f"api:{route}")
    return f"{path}?{urlencode(query)}" if query else path


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """A CSV download (UTF-8, one header row). Cells are written as text; None is an empty cell."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else _safe_cell(value) for value in row])
    return response


def _safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula (=, +, -, @) is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return f"'{value}"
    return value


LINK_CSV_HEADER = (
    "recommendation", "jurisdiction", "session", "identifier", "title", "effect", "stage", "furthest_stage",
    "latest_action_date", "latest_action_description", "rationale", "url",
)  # fmt: skip


def link_csv_response(request: HttpRequest, filename: str, links: Iterable[tuple[str, Any]]) -> HttpResponse:
    """Linked bills as CSV, one row per (recommendation code, BillLink with its bill, jurisdiction and session)."""
    return csv_response(
        filename,
        LINK_CSV_HEADER,
        (
            [
                code,
                link.bill.jurisdiction.code,
                link.bill.session.identifier,
                link.bill.identifier,
                link.bill.title,
                link.effect,
                link.bill.stage,
                link.bill.furthest_stage,
                link.bill.latest_action_date,
                link.bill.latest_action_description,
                link.rationale,
                request.build_absolute_uri(link.bill.get_absolute_url()),
            ]
            for code, link in links
        ),
    )
