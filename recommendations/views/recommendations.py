"""A recommendation's page (`/recommendations/<code>/`): its words, its map, the bills linked to it (filtered by
the links FilterSet the API uses, so the page and its API link return the same rows; 50 a page, `?page=`, the CSV
has every one), the measures linked to it and the local jurisdictions' standing, and how many jurisdictions had
each status at the end of each month."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.text import Truncator

from legislation.choices import Stage
from legislation.models import bill_page_path_maker
from legislation.selectors import data_freshness

from ..filters import BillLinkFilter
from ..models import Effect, ProgressStatus
from ..selectors import (
    STATUS_ORDER,
    LinkPage,
    MonthStanding,
    link_filter_options,
    link_page,
    progress_by_month,
    recommendation_get,
    recommendation_links,
)
from .common import api_url, csv_response, csv_url, link_csv_response, wants_csv
from .maps import _fragment, map_context
from .measures import measure_csv_response, measure_links

FILTERS = ("jurisdiction", "session", "stage", "effect")
PAGE_SIZE = 50  # bills in a page of the table

# The chart's frame, in SVG units.
CHART_WIDTH, CHART_HEIGHT = 640, 240
PLOT_LEFT, PLOT_TOP, PLOT_BOTTOM, PLOT_RIGHT = 40, 12, 208, 630
CHART_STATUSES = [status for status in STATUS_ORDER if status != ProgressStatus.NO_ACTION]


def recommendation_page(request: HttpRequest, code: str) -> HttpResponse:
    recommendation = recommendation_get(code=code)
    if recommendation is None:
        raise Http404(f"No recommendation {code}.")
    filterset = BillLinkFilter(data=request.GET, queryset=recommendation_links(recommendation=recommendation))
    valid = filterset.is_valid()
    table = request.GET.get("table")
    if wants_csv(request) and table == "measures":
        return measure_csv_response(
            request, f"{recommendation.code}-measures.csv", measure_links(recommendation=recommendation)
        )
    if wants_csv(request) and table != "history":
        return _links_csv(request, recommendation.code, list(filterset.qs) if valid else [])
    number = _page_number(request)
    page = link_page(links=filterset.qs, number=number, size=PAGE_SIZE) if valid else LinkPage([], 0)
    if not page.rows and number > 1:
        raise Http404("No such page of bills.")
    context = {
        "recommendation": recommendation,
        "links": _link_rows(page.rows),
        "total": page.total,
        "pages": _pagination(request, number=number, total=page.total),
        "errors": filterset.errors,
        "options": link_filter_options(recommendation=recommendation),
        "selected": {name: request.GET.get(name, "") for name in FILTERS},
        "filtered": any(request.GET.get(name) for name in FILTERS),
        "csv_url": csv_url(request, without=["page"], table="bills"),
        "api_url": api_url(
            "billlink-list", recommendation=recommendation.code, **{name: request.GET.get(name) for name in FILTERS}
        ),
    }
    if _fragment(request):
        response = render(request, "partials/dash_links_table.html", context, status=400 if not valid else 200)
        patch_vary_headers(response, ["HX-Request"])
        return response
    maps = map_context(recommendation=recommendation, local=True)
    months = progress_by_month(recommendation=recommendation, jurisdictions=maps["grid"].jurisdictions)
    if wants_csv(request):
        return csv_response(
            f"{recommendation.code}-history.csv",
            ["month", *STATUS_ORDER],
            ([month.month.strftime("%Y-%m"), *(item.count for item in month.counts)] for month in months),
        )
    context.update(
        maps,
        months=months,
        chart=month_chart(months, total=len(maps["grid"].jurisdictions)),
        history_csv_url=csv_url(request, table="history"),
        history_api_url=api_url("changes", kind="progress"),
        status_labels=[ProgressStatus(status).label for status in STATUS_ORDER],
        map_api_url=api_url("progress-list", recommendation=recommendation.code),
        freshness=data_freshness(),
        measure_links=measure_links(recommendation=recommendation),
        measures_csv_url=csv_url(request, table="measures"),
        measures_api_url=api_url("measure-list", recommendation=recommendation.code),
    )
    response = render(request, "recommendations/recommendation.html", context, status=400 if not valid else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _page_number(request: HttpRequest) -> int:
    """`?page=` (from 1); anything else is a 404, as Django's paginated list views answer."""
    value = request.GET.get("page") or "1"
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 1_000_000:
        raise Http404("No such page of bills.")
    return int(value)


def _link_rows(rows: list[dict]) -> list[dict]:
    """The table's rows as the template shows them: paths, labels and the title (truncated) put together here once
    per row, so that the template only writes values out (a reverse() or an include per row costs more than the
    rest of the row)."""
    bill_path = bill_page_path_maker()
    jurisdiction_paths: dict[str, str] = {}
    stage_labels = dict(Stage.choices)
    effect_labels = dict(Effect.choices)
    for row in rows:
        code = row["bill__jurisdiction__code"]
        if code not in jurisdiction_paths:
            jurisdiction_paths[code] = reverse("jurisdiction", kwargs={"code": code})
        row["path"] = bill_path(code, row["bill__session__identifier"], row["bill__identifier"])
        row["jurisdiction_path"] = jurisdiction_paths[code]
        row["title"] = Truncator(row["bill__popular_title"] or row["bill__title"]).chars(160)
        row["session"] = row["bill__session__name"] or row["bill__session__identifier"]
        row["effect_label"] = effect_labels.get(row["effect"], row["effect"])
        row["stage_label"] = stage_labels.get(row["bill__stage"], row["bill__stage"])
        row["furthest_label"] = stage_labels.get(row["bill__furthest_stage"], row["bill__furthest_stage"]).lower()
    return rows


def _pagination(request: HttpRequest, *, number: int, total: int) -> dict | None:
    """Links to the pages of the table (the filters kept), or None when it fits on one page: the previous and next
    pages, and the page numbers around this one with the first and last (None marks a gap)."""
    count = ceil(total / PAGE_SIZE)
    if count <= 1:
        return None
    query = request.GET.copy()
    query.pop("format", None)

    def url(page: int) -> str:
        query["page"] = str(page)
        return f"{request.path}?{query.urlencode()}"

    shown = sorted({1, count, *range(max(1, number - 2), min(count, number + 2) + 1)})
    numbers: list[dict | None] = []
    for index, page in enumerate(shown):
        if index and page != shown[index - 1] + 1:
            numbers.append(None)
        numbers.append({"number": page, "url": url(page), "current": page == number})
    return {
        "number": number,
        "count": count,
        "first_row": (number - 1) * PAGE_SIZE + 1,
        "last_row": min(number * PAGE_SIZE, total),
        "previous_url": url(number - 1) if number > 1 else "",
        "next_url": url(number + 1) if number < count else "",
        "numbers": numbers,
    }


def _links_csv(request: HttpRequest, code: str, links: list) -> HttpResponse:
    return link_csv_response(request, f"{code}-bills.csv", ((code, link) for link in links))


@dataclass(frozen=True, slots=True)
class Segment:
    status: str
    label: str
    count: int
    y: float
    height: float


@dataclass(frozen=True, slots=True)
class Column:
    x: float
    width: float
    center: float
    label: str  # shown under the column, or "" when months are too many to label each
    title: str  # the month and its counts, for a tooltip
    segments: list[Segment]


def month_chart(months: list[MonthStanding], *, total: int) -> dict | None:
    """A stacked column per month of the jurisdictions with a status other than no action, scaled to the highest
    month; the geometry only (the template draws it). None when there is no history."""
    if not months:
        return None
    highest = max(sum(item.count for item in month.counts if item.status in CHART_STATUSES) for month in months)
    top = max(_nice_ceiling(highest), 1)
    scale = (PLOT_BOTTOM - PLOT_TOP) / top
    slot = (PLOT_RIGHT - PLOT_LEFT) / len(months)
    every = ceil(len(months) / 12)
    width = min(slot * 0.7, 48)
    columns = []
    for index, month in enumerate(months):
        segments = [
            Segment(
                item.status,
                item.label,
                item.count,
                round(PLOT_BOTTOM - (item.start + item.count) * scale, 2),
                round(item.count * scale, 2),
            )
            for item in month.counts
            if item.status in CHART_STATUSES and item.count
        ]
        counts = ", ".join(f"{item.count} {item.label.lower()}" for item in month.counts if item.count)
        columns.append(
            Column(
                x=round(PLOT_LEFT + index * slot + (slot - width) / 2, 2),
                width=round(width, 2),
                center=round(PLOT_LEFT + index * slot + slot / 2, 2),
                label=month.month.strftime("%b %Y") if index % every == 0 else "",
                title=f"{month.month.strftime('%B %Y')}: {counts}",
                segments=segments,
            )
        )
    ticks = [{"value": value, "y": round(PLOT_BOTTOM - value * scale, 2)} for value in _tick_values(top)]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": PLOT_LEFT,
        "right": PLOT_RIGHT,
        "bottom": PLOT_BOTTOM,
        "label_y": PLOT_BOTTOM + 18,
        "columns": columns,
        "ticks": ticks,
        "total": total,
        "legend": [{"status": status, "label": ProgressStatus(status).label} for status in CHART_STATUSES],
    }


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50 ... at least `value` (a round top for the axis)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _tick_values(top: int) -> list[int]:
    """0, the top, and a round step between (at most five lines)."""
    step = max(1, _nice_ceiling(ceil(top / 4)))
    return list(range(0, top + 1, step)) if top % step == 0 else [*range(0, top, step), top]
