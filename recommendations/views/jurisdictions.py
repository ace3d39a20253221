"""A jurisdiction's page (`/jurisdictions/<code>/`): where every recommendation stands there and why (the rule, or
the review: who reviewed, when, the reason and the evidence), the bills behind each status (the latest few per
recommendation, with a link to all of them on the recommendation's page; all of them in its CSV), the measures
(prosecutors' and police policies, ballot measures, rulings...) behind them, for a state its counties, cities and
prosecutors' offices with their standing, its sessions, and what changed there lately.

A local jurisdiction (county, city, prosecutor's office) has the same page: its standing comes from its measures."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from legislation.models import Jurisdiction, bill_page_path_maker
from legislation.selectors import bill_stage_dates_listed, data_freshness

from ..models import ProgressBasis, ProgressStatus, ReviewStatus
from ..selectors import (
    change_list_latest,
    jurisdiction_links,
    jurisdiction_sessions,
    progress_for_jurisdiction,
    recommendation_list_current,
)
from .common import api_url, csv_response, csv_url, link_csv_response, wants_csv
from .measures import (
    LOCAL_KINDS,
    local_standing,
    measure_csv_response,
    measure_links,
    measures_by_recommendation,
    reviewers_by_id,
)

TIMELINE_LENGTH = 20
BILLS_SHOWN = 10  # per recommendation; the recommendation's page lists them all, filtered to the jurisdiction


def jurisdiction_page(request: HttpRequest, code: str) -> HttpResponse:
    jurisdiction = get_object_or_404(Jurisdiction, code=code.lower())
    progress = progress_for_jurisdiction(jurisdiction=jurisdiction)
    shown = None if wants_csv(request) else BILLS_SHOWN  # the CSV has every link
    linked = jurisdiction_links(jurisdiction=jurisdiction, per_recommendation=shown)
    bill_path = bill_page_path_maker()
    recommendations = recommendation_list_current()
    measures = measures_by_recommendation(measure_links(jurisdictions=[jurisdiction]))
    reviewers = reviewers_by_id(progress.values())
    rows = []
    for recommendation in recommendations:
        row_progress = progress.get(recommendation.pk)
        links = linked.links.get(recommendation.pk, [])
        for link in links:
            link.path = bill_path(link.bill.jurisdiction.code, link.bill.session.identifier, link.bill.identifier)
            link.effect_label = link.get_effect_display()
            link.stage_label = link.bill.get_stage_display()
            link.stage_dates = bill_stage_dates_listed(bill=link.bill)
        rows.append(
            {
                "recommendation": recommendation,
                "progress": row_progress,
                "status": row_progress.status if row_progress else ProgressStatus.NO_ACTION,
                "links": links,
                "measures": measures.get(recommendation.pk, []),
                "reviewer": reviewers.get(row_progress.reviewed_by_id, "") if row_progress else "",
                "total": linked.totals.get(recommendation.pk, 0),
                "all_url": f"{reverse('recommendation', args=[recommendation.code])}?"
                + urlencode({"jurisdiction": jurisdiction.code}),
            }
        )
    if wants_csv(request):
        return _csv(request, jurisdiction, rows)
    local = jurisdiction.kind in LOCAL_KINDS
    local_rows = [] if local else local_standing(parents=[jurisdiction], recommendations=recommendations)
    context = {
        "jurisdiction": jurisdiction,
        "local": local,
        "rows": rows,
        "linked_rows": [row for row in rows if row["links"]],
        "measure_rows": [row for row in rows if row["measures"]],
        "measures_count": sum(len(row["measures"]) for row in rows),
        "local_rows": local_rows,
        "local_measure_links": measure_links(jurisdictions=[row.jurisdiction for row in local_rows])
        if local_rows
        else [],
        "links_count": linked.total,
        "bills_shown": BILLS_SHOWN,
        "sessions": [] if local else jurisdiction_sessions(jurisdiction=jurisdiction),
        "changes": change_list_latest(jurisdictions=[jurisdiction], limit=TIMELINE_LENGTH, threats_first=False),
        "freshness": data_freshness(),
        "status_csv_url": csv_url(request, table="status"),
        "status_api_url": api_url("progress-list", jurisdiction=jurisdiction.code),
        "bills_csv_url": csv_url(request, table="bills"),
        "bills_api_url": api_url("billlink-list", jurisdiction=jurisdiction.code),
        "measures_csv_url": csv_url(request, table="measures"),
        "measures_api_url": api_url("measure-list", jurisdiction=jurisdiction.code),
        "changes_api_url": api_url("changes", jurisdiction=jurisdiction.code),
    }
    return render(request, "recommendations/jurisdiction.html", context)


def _csv(request: HttpRequest, jurisdiction: Jurisdiction, rows: list[dict]) -> HttpResponse:
    if request.GET.get("table") == "measures":
        links = [link for row in rows for link in row["measures"]]
        return measure_csv_response(request, f"{jurisdiction.code}-measures.csv", links)
    if request.GET.get("table") == "bills":
        return link_csv_response(
            request,
            f"{jurisdiction.code}-bills.csv",
            ((row["recommendation"].code, link) for row in rows for link in row["links"]),
        )
    return csv_response(
        f"{jurisdiction.code}-progress.csv",
        [
            "recommendation",
            "title",
            "jurisdiction",
            "status",
            "basis",
            "reason",
            "evidence_url",
            "updated_at",
            "approved_by",
            "approved_at",
            "review_note",
        ],
        (
            [
                row["recommendation"].code,
                row["recommendation"].title,
                jurisdiction.code,
                row["status"],
                row["progress"].basis if row["progress"] else "",
                row["progress"].reason if row["progress"] else "",
                row["progress"].evidence_url if row["progress"] else "",
                row["progress"].updated_at.isoformat() if row["progress"] else None,
                *_approval(row),
            ]
            for row in rows
        ),
    )


def _approval(row: dict) -> list:
    """Who approved a staff-reviewed status, when and their note (blank for the rule's statuses, and while the row's
    last decision is not that approval)."""
    progress = row["progress"]
    if progress is None or progress.basis != ProgressBasis.REVIEWED or progress.review_status != ReviewStatus.APPROVED:
        return ["", None, ""]
    return [row["reviewer"], progress.reviewed_at.isoformat() if progress.reviewed_at else None, progress.review_note]
