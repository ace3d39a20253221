"""The US tile-grid map page (`/map/`) and the tile map every dashboard draws.

One equal square per legislature: the 50 states and DC roughly where they lie, the territories and Congress in a
row below (Pacific territories on the left, Caribbean ones on the right). Tiles are drawn by
`templates/partials/tile_map.html` as inline SVG links, each coloured by status and labelled in words.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from legislation.selectors import data_freshness

from ..models import ProgressStatus, Recommendation
from ..selectors import (
    PRESSING_ORDER,
    STATUS_ORDER,
    ProgressGrid,
    StatusCount,
    most_pressing,
    progress_grid,
    recommendation_get,
    recommendation_list_current,
    status_counts,
)
from .common import api_url, csv_response, csv_url, wants_csv
from .measures import local_standing

# (column, row) of each tile; rows 0-7 are the states and DC, row 8 the territories and Congress.
TILE_GRID: dict[str, tuple[int, int]] = {
    "ak": (0, 0), "me": (11, 0),
    "wi": (6, 1), "vt": (10, 1), "nh": (11, 1),
    "wa": (1, 2), "id": (2, 2), "mt": (3, 2), "nd": (4, 2), "mn": (5, 2), "il": (6, 2), "mi": (7, 2),
    "ny": (9, 2), "ma": (10, 2),
    "or": (1, 3), "nv": (2, 3), "wy": (3, 3), "sd": (4, 3), "ia": (5, 3), "in": (6, 3), "oh": (7, 3),
    "pa": (8, 3), "nj": (9, 3), "ct": (10, 3), "ri": (11, 3),
    "ca": (1, 4), "ut": (2, 4), "co": (3, 4), "ne": (4, 4), "mo": (5, 4), "ky": (6, 4), "wv": (7, 4),
    "va": (8, 4), "md": (9, 4), "de": (10, 4),
    "az": (2, 5), "nm": (3, 5), "ks": (4, 5), "ar": (5, 5), "tn": (6, 5), "nc": (7, 5), "sc": (8, 5),
    "dc": (9, 5),
    "ok": (4, 6), "la": (5, 6), "ms": (6, 6), "al": (7, 6), "ga": (8, 6),
    "hi": (0, 7), "tx": (4, 7), "fl": (9, 7),
    "gu": (0, 8), "mp": (1, 8), "as": (2, 8), "us": (5, 8), "pr": (10, 8), "vi": (11, 8),
}  # fmt: skip
TILE_PITCH = 64  # SVG units from one tile to the next; tiles are 60 wide
TERRITORY_GAP = 24  # extra space above the row of territories and Congress
MAP_WIDTH = 12 * TILE_PITCH
MAP_HEIGHT = 9 * TILE_PITCH + TERRITORY_GAP

PRECEDENCE_TEXT = " > ".join(ProgressStatus(status).label.lower() for status in PRESSING_ORDER)


@dataclass(frozen=True, slots=True)
class Tile:
    code: str
    name: str
    x: int
    y: int
    status: str
    label: str  # the status in words, on the tile
    description: str  # the tile's accessible name after "<name>: "
    href: str
    local: int = 0  # counties, cities and prosecutors' offices here with measures (marked on the tile)


def map_tiles(
    grid: ProgressGrid,
    *,
    recommendation: Recommendation | None,
    recommendations: int,
    local: dict[int, int] | None = None,
) -> list[Tile]:
    """A tile for each legislature in the grid: the recommendation's status there, or (overall, when
    `recommendation` is None) its most pressing status over `recommendations` recommendations, with the counts;
    `local` counts the local jurisdictions with measures under each state (by id), said on its tile."""
    local = local or {}
    tiles = []
    for jurisdiction in grid.jurisdictions:
        place = TILE_GRID.get(jurisdiction.code)
        if place is None:  # a legislature the layout does not know is still in the table below the map
            continue
        if recommendation is not None:
            status = grid.status(recommendation.pk, jurisdiction.pk)
            description = ProgressStatus(status).label
        else:
            counts = grid.jurisdiction_counts(jurisdiction.pk, recommendations=recommendations)
            status = most_pressing(counts)
            description = f"{ProgressStatus(status).label} ({counts_text(counts)})"
        below = local.get(jurisdiction.pk, 0)
        if below:
            description += f"; {below} local jurisdiction{'s' if below > 1 else ''} with measures"
        column, row = place
        tiles.append(
            Tile(
                code=jurisdiction.code,
                name=jurisdiction.name,
                x=column * TILE_PITCH,
                y=row * TILE_PITCH + (TERRITORY_GAP if row == 8 else 0),
                status=status,
                label=ProgressStatus(status).label,
                description=description,
                href=reverse("jurisdiction", args=[jurisdiction.code]),
                local=below,
            )
        )
    return tiles


def counts_text(counts: list[StatusCount]) -> str:
    """`2 achieved, 1 regressed, 4 no action`: the statuses that have a count, in words."""
    return ", ".join(f"{item.count} {item.label.lower()}" for item in counts if item.count)


def map_context(*, recommendation: Recommendation | None, local: bool = False) -> dict:
    """What a tile map and its legend need: the tiles, the counts per status over them, the grid (for tables),
    the recommendations counted, and the SVG's size; with `local`, the counties, cities and prosecutors' offices
    that have measures (`local_rows`), each marked on its state's tile."""
    recommendations = [recommendation] if recommendation else recommendation_list_current()
    grid = progress_grid(recommendations=recommendations)
    local_rows = local_standing(recommendations=recommendations, recommendation=recommendation) if local else []
    below: dict[int, int] = {}
    for item in local_rows:
        if item.measures and item.jurisdiction.parent_id:
            below[item.jurisdiction.parent_id] = below.get(item.jurisdiction.parent_id, 0) + 1
    tiles = map_tiles(grid, recommendation=recommendation, recommendations=len(recommendations), local=below)
    return {
        "local_rows": local_rows,
        "local_marked": bool(below),
        "grid": grid,
        "tiles": tiles,
        "legend": status_counts([tile.status for tile in tiles], total=len(tiles)),
        "recommendations": recommendations,
        "map_width": MAP_WIDTH,
        "map_height": MAP_HEIGHT,
        "precedence": PRECEDENCE_TEXT,
    }


def map_page(request: HttpRequest) -> HttpResponse:
    """`?recommendation=PM-1`: where one recommendation stands in each legislature; without it, the overall view.
    An htmx request gets the map panel only (the select swaps it in place)."""
    code = request.GET.get("recommendation", "").strip()
    recommendation = None
    if code:
        recommendation = recommendation_get(code=code)
        if recommendation is None:
            raise Http404(f"No recommendation {code}.")
    context = map_context(recommendation=recommendation, local=True)
    grid, recommendations = context["grid"], context["recommendations"]
    rows = _table_rows(grid, recommendation=recommendation, recommendations=recommendations)
    if wants_csv(request):
        return _csv(rows, recommendation=recommendation)
    context.update(
        recommendation=recommendation,
        choices=recommendation_list_current(),
        rows=rows,
        csv_url=csv_url(request),
        api_url=api_url("progress-list", recommendation=recommendation.code if recommendation else None),
    )
    if _fragment(request):
        template = "partials/tile_map_panel.html"
    else:
        template = "recommendations/map.html"
        context["freshness"] = data_freshness()
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _fragment(request: HttpRequest) -> bool:
    """htmx swaps a fragment in place; a history restore (back button, cache missed) wants the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _table_rows(grid: ProgressGrid, *, recommendation: Recommendation | None, recommendations: list) -> list[dict]:
    rows = []
    for jurisdiction in grid.jurisdictions:
        if recommendation is not None:
            progress = grid.get(recommendation.pk, jurisdiction.pk)
            rows.append(
                {
                    "jurisdiction": jurisdiction,
                    "status": progress.status if progress else ProgressStatus.NO_ACTION,
                    "basis": progress.basis if progress else "",
                    "updated_at": progress.updated_at if progress else None,
                }
            )
        else:
            counts = grid.jurisdiction_counts(jurisdiction.pk, recommendations=len(recommendations))
            rows.append({"jurisdiction": jurisdiction, "status": most_pressing(counts), "counts": counts})
    return rows


def _csv(rows: list[dict], *, recommendation: Recommendation | None) -> HttpResponse:
    if recommendation is not None:
        return csv_response(
            f"map-{recommendation.code}.csv",
            ["jurisdiction", "name", "recommendation", "status", "basis", "updated_at"],
            (
                [
                    row["jurisdiction"].code,
                    row["jurisdiction"].name,
                    recommendation.code,
                    row["status"],
                    row["basis"],
                    row["updated_at"].isoformat() if row["updated_at"] else None,
                ]
                for row in rows
            ),
        )
    return csv_response(
        "map-overall.csv",
        ["jurisdiction", "name", "most_pressing", *STATUS_ORDER],
        (
            [row["jurisdiction"].code, row["jurisdiction"].name, row["status"], *(c.count for c in row["counts"])]
            for row in rows
        ),
    )
