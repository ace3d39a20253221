"""Non-bill measures on the public pages: a measure's own page (`/measures/<jurisdiction>/<id>-<slug>/`), and the
measure rows that the jurisdiction, recommendation and map pages show beside their bills.

Only approved measures and links are public (`.public()`): a pending or rejected one is a 404 for readers; staff who
are signed in see it with a notice saying it is not public (the review queue links to it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from legislation.choices import JurisdictionKind
from legislation.models import Jurisdiction
from legislation.selectors import data_freshness

from ..models import (
    BillLink,
    Effect,
    Measure,
    MeasureStatus,
    Progress,
    ProgressStatus,
    ReviewStatus,
)
from ..selectors import most_pressing, status_counts
from .common import api_url, csv_response, csv_url, wants_csv

LOCAL_KINDS = (JurisdictionKind.COUNTY, JurisdictionKind.CITY, JurisdictionKind.PROSECUTOR)


def measure_path(measure: Measure) -> str:
    return measure.get_absolute_url()


def measure_page(request: HttpRequest, jurisdiction: str, pk: int, slug: str = "") -> HttpResponse:
    measure = Measure.objects.for_list().filter(pk=pk, jurisdiction__code=jurisdiction.lower()).first()
    staff = request.user.is_authenticated and request.user.is_staff
    if measure is None or (measure.review_status != ReviewStatus.APPROVED and not staff):
        raise Http404("No public measure has this jurisdiction and id.")
    path = measure_path(measure)
    if request.path != path:
        return redirect(path, permanent=True)
    # Staff (never served from the page cache) also see the links waiting for review, marked as such.
    links = measure.links.all() if staff else measure.links.public()
    links = list(links.select_related("recommendation").order_by("recommendation__code"))
    progress = {
        row.recommendation_id: row.status
        for row in Progress.objects.filter(
            jurisdiction=measure.jurisdiction, recommendation__in=[link.recommendation_id for link in links]
        )
    }
    for link in links:
        link.progress_status = progress.get(link.recommendation_id, ProgressStatus.NO_ACTION)
    if wants_csv(request):
        return csv_response(
            f"measure-{measure.pk}-links.csv",
            ["recommendation", "recommendation_title", "effect", "rationale", "evidence_url", "progress_status"],
            (
                [link.recommendation.code, link.recommendation.title, link.effect, link.rationale,
                 link.evidence_url, link.progress_status]
                for link in links
            ),
        )  # fmt: skip
    history = list(measure.history.select_related("history_user").order_by("-history_date", "-history_id")[:20])
    return render(
        request,
        "recommendations/measure.html",
        {
            "measure": measure,
            "links": links,
            "reviewer": _name(measure.reviewed_by) if measure.reviewed_by_id else "",
            "history": _history_rows(history),
            "public": measure.review_status == ReviewStatus.APPROVED,
            "links_tools": {"csv_url": csv_url(request), "api_url": api_url("billlink-list", measure=measure.pk)},
            "api_measure_url": reverse("api:measure-detail", kwargs={"pk": measure.pk}),
            "freshness": data_freshness(),
        },
    )


def _name(user) -> str:
    """How pages name a member of staff: their full name, else their user name."""
    if user is None:
        return "a former member of staff"
    return user.get_full_name() or user.get_username()


def _history_rows(records: list) -> list[dict]:
    """The measure's history, newest first: when, what its status became, and who made the change (None when a
    command or an import made it)."""
    rows = []
    for index, record in enumerate(records):
        older = records[index + 1] if index + 1 < len(records) else None
        if older is None:
            what = f"Recorded as {MeasureStatus(record.status).label.lower()}"
        elif older.status != record.status:
            what = (
                f"Status {MeasureStatus(older.status).label.lower()} to {MeasureStatus(record.status).label.lower()}"
            )
        elif older.review_status != record.review_status:
            what = f"Review: {ReviewStatus(record.review_status).label.lower()}"
        else:
            what = "Edited"
        rows.append(
            {
                "at": record.history_date,
                "what": what,
                "by": _name(record.history_user) if record.history_user_id else "",
                "reason": (getattr(record, "history_change_reason", "") or "") if older is not None else "",
            }
        )
    return rows


# --- Measure rows for the other pages --------------------------------------------------------------------------

SEARCH_LIMIT = 50


def measure_search(*, text: str, limit: int = SEARCH_LIMIT) -> list[Measure]:
    """Public measures whose title, summary or jurisdiction's name contains `text` (any case), newest first, each
    with `path` set. One query."""
    measures = list(
        Measure.objects.public()
        .for_list()
        .filter(Q(title__icontains=text) | Q(summary__icontains=text) | Q(jurisdiction__name__icontains=text))
        .order_by(F("date").desc(nulls_last=True), "title")[:limit]
    )
    for measure in measures:
        measure.path = measure_path(measure)
    return measures



def measure_links(*, jurisdictions: Iterable[Jurisdiction] = (), recommendation=None) -> list[BillLink]:
    """The public links of public measures, in `jurisdictions` (any, when empty) and to `recommendation` (any, when
    None), regressing first then newest, each with `path` and labels set for templates. One query."""
    queryset = (
        BillLink.objects.public()
        .filter(measure__isnull=False)
        .select_related("recommendation", "measure__jurisdiction__parent")
        .order_by("recommendation__code", "-measure__date", "measure__title")
    )
    jurisdictions = list(jurisdictions)
    if jurisdictions:
        queryset = queryset.filter(measure__jurisdiction__in=jurisdictions)
    if recommendation is not None:
        queryset = queryset.filter(recommendation=recommendation)
    links = sorted(queryset, key=lambda link: link.effect != Effect.REGRESSES)
    for link in links:
        link.path = measure_path(link.measure)
    return links


MEASURE_CSV_HEADER = (
    "recommendation", "jurisdiction", "kind", "title", "status", "date", "effect", "rationale", "url", "evidence_url",
    "page",
)  # fmt: skip


def measure_csv_response(request: HttpRequest, filename: str, links: Iterable[BillLink]) -> HttpResponse:
    """Linked measures as CSV, one row per link (from `measure_links`, `path` set)."""
    return csv_response(
        filename,
        MEASURE_CSV_HEADER,
        (
            [link.recommendation.code, link.measure.jurisdiction.code, link.measure.kind, link.measure.title,
             link.measure.status, link.measure.date, link.effect, link.rationale, link.measure.url,
             link.evidence_url or link.measure.evidence_url, request.build_absolute_uri(link.path)]
            for link in links
        ),
    )  # fmt: skip


def measures_by_recommendation(links: list[BillLink]) -> dict[int, list[BillLink]]:
    grouped: dict[int, list[BillLink]] = {}
    for link in links:
        grouped.setdefault(link.recommendation_id, []).append(link)
    return grouped


@dataclass(frozen=True, slots=True)
class LocalStanding:
    """A county, city or prosecutor's office under a state: its most pressing status over the recommendations (or
    its status for one), its counts, and its measures."""

    jurisdiction: Jurisdiction
    status: str
    counts: list
    measures: int


def local_standing(
    *, parents: Iterable[Jurisdiction] | None = None, recommendations: list, recommendation=None
) -> list[LocalStanding]:
    """The local jurisdictions under `parents` (every local jurisdiction when None) that have public measures or
    progress, each with its standing on `recommendation` (or its most pressing status over `recommendations`).
    Three queries."""
    locals_ = Jurisdiction.objects.filter(kind__in=LOCAL_KINDS).select_related("parent")
    if parents is not None:
        locals_ = locals_.filter(parent__in=list(parents))
    locals_ = list(locals_.order_by("parent__name", "name"))
    if not locals_:
        return []
    measures: dict[int, int] = {}
    for jurisdiction_id in (
        Measure.objects.public().filter(jurisdiction__in=locals_).values_list("jurisdiction_id", flat=True)
    ):
        measures[jurisdiction_id] = measures.get(jurisdiction_id, 0) + 1
    wanted = [recommendation] if recommendation is not None else recommendations
    statuses: dict[int, dict[int, str]] = {}
    for jurisdiction_id, recommendation_id, status in Progress.objects.filter(
        jurisdiction__in=locals_, recommendation__in=wanted
    ).values_list("jurisdiction_id", "recommendation_id", "status"):
        statuses.setdefault(jurisdiction_id, {})[recommendation_id] = status
    rows = []
    for jurisdiction in locals_:
        if not measures.get(jurisdiction.pk) and jurisdiction.pk not in statuses:
            continue
        values = [statuses.get(jurisdiction.pk, {}).get(item.pk, ProgressStatus.NO_ACTION) for item in wanted]
        counts = status_counts(values, total=len(values))
        rows.append(
            LocalStanding(
                jurisdiction=jurisdiction,
                status=values[0] if recommendation is not None else most_pressing(counts),
                counts=counts,
                measures=measures.get(jurisdiction.pk, 0),
            )
        )
    return rows


def reviewers_by_id(progress: Iterable[Progress]) -> dict[int, str]:
    """The names of the staff who reviewed these progress rows. One query (none when nobody did)."""
    ids = {row.reviewed_by_id for row in progress if row.reviewed_by_id}
    if not ids:
        return {}
    return {user.pk: _name(user) for user in get_user_model().objects.filter(pk__in=ids)}
