"""Search (`/search/?q=`): one box over bills (the API's `q`: full text on PostgreSQL), recommendations (code,
title or text contains) and measures (title, summary or jurisdiction contains). Text the search cannot take (a NUL
byte, over 200 characters) gets a message, not a 500."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from legislation.selectors import bill_search_list, data_freshness

from ..selectors import recommendation_search
from .common import api_url, csv_response, csv_url, wants_csv
from .measures import measure_search

PAGE_SIZE = 25
# The API's order for the same rows (BillFilter's `ordering`; ties by id, descending like the first field).
API_ORDERING = "-latest_action_date"
CSV_HEADER = ["jurisdiction", "session", "identifier", "title", "stage", "stage_date", "latest_action_date", "path"]


def search_page(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    context: dict[str, Any] = {
        "q": text, "errors": [], "bills": None, "recommendations": [], "measures": [], "page": None,
    }  # fmt: skip
    if not text.strip():
        return render(request, "recommendations/search.html", context)
    try:
        bills = bill_search_list(text=text)
    except ValidationError as exc:
        # Shown without the text itself: it may be 10,000 characters or hold control characters.
        context["q"] = ""
        context["errors"] = exc.messages
        return render(request, "recommendations/search.html", context, status=400)
    page = Paginator(bills, PAGE_SIZE).get_page(request.GET.get("page"))
    if wants_csv(request):
        return csv_response(
            "search-bills.csv",
            CSV_HEADER,
            (
                [
                    bill.jurisdiction.code,
                    bill.session.identifier,
                    bill.identifier,
                    bill.title,
                    bill.stage,
                    bill.stage_date,
                    bill.latest_action_date,
                    bill.get_absolute_url(),
                ]
                for bill in page
            ),
        )
    context.update(
        page=page,
        bills=list(page),
        recommendations=recommendation_search(text=text),
        measures=measure_search(text=text),
        csv_url=csv_url(request, page=str(page.number)),
        api_url=api_url(
            "bill-list",
            q=text,
            ordering=API_ORDERING,
            page_size=PAGE_SIZE,
            page=page.number if page.number > 1 else None,
        ),
        page_urls=_page_urls(request, page),
        freshness=data_freshness(),
    )
    return render(request, "recommendations/search.html", context)


def _page_urls(request: HttpRequest, page: Any) -> dict[str, str]:
    urls = {}
    for name, has, number in (
        ("previous", page.has_previous(), page.number - 1),
        ("next", page.has_next(), page.number + 1),
    ):
        if has:
            query = request.GET.copy()
            query["page"] = str(number)
            urls[name] = f"{request.path}?{query.urlencode()}"
    return urls
