"""A bill's page (`/bills/<jurisdiction>/<session>/<identifier-slug>/`): what the bill is, where it stands, what
happened to it, which recommendations it bears on, and where the data comes from.

Its tables (actions, links, stage changes) come as CSV with `?format=csv&table=<name>`.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from api.attribution import CC_BY_URL, LEGISCAN_URL
from legislation.choices import Source
from legislation.models import Bill, StageChange
from legislation.selectors import bill_page_get, bill_stage_dates, data_freshness

from ..models import BillLink
from ..selectors import bill_link_list_for_bill
from .common import api_url, csv_response, csv_url, wants_csv

CHAMBERS = {"upper": "Upper chamber", "lower": "Lower chamber", "executive": "Executive", "legislature": "Legislature"}
TABLES = ("actions", "links", "stage_changes")


def bill_page(request: HttpRequest, jurisdiction: str, session: str, identifier: str) -> HttpResponse:
    bill = bill_page_get(jurisdiction=jurisdiction, session=session, identifier_slug=identifier)
    if bill is None:
        raise Http404("No bill has this jurisdiction, session and identifier.")
    if jurisdiction != jurisdiction.lower() or identifier != identifier.lower():
        return redirect(bill.get_absolute_url(), permanent=True)
    actions = [
        {
            "date": action.date,
            "by": action.actor or CHAMBERS.get(action.chamber, action.chamber),
            "description": action.description,
            "classification": ", ".join(action.classification or ()),
        }
        for action in bill.actions.all()
    ]
    links = bill_link_list_for_bill(bill=bill)
    stage_changes = list(bill.stage_changes.all())
    if wants_csv(request):
        return _csv(request, bill=bill, actions=actions, links=links, stage_changes=stage_changes)
    external_ids = list(bill.external_ids.all())
    api_bill_url = reverse("api:bill-detail", kwargs={"pk": bill.pk})
    return render(
        request,
        "legislation/bill.html",
        {
            "bill": bill,
            "jurisdiction_name": bill.jurisdiction.name,
            "stage_dates": bill_stage_dates(bill=bill),
            "actions": actions,
            "sponsors": list(bill.sponsorships.all()),
            "sources": list(bill.sources.all()),
            "external_ids": external_ids,
            "stage_changes": stage_changes,
            "links": links,
            "legiscan": any(item.source == Source.LEGISCAN for item in external_ids),
            "legiscan_url": LEGISCAN_URL,
            "cc_by_url": CC_BY_URL,
            "freshness": data_freshness(),
            "api_bill_url": api_bill_url,
            "actions_tools": {"csv_url": csv_url(request, table="actions"), "api_url": api_bill_url},
            "links_tools": {
                "csv_url": csv_url(request, table="links"),
                "api_url": api_url("billlink-list", bill=bill.pk),
            },
            "stage_changes_tools": {"csv_url": csv_url(request, table="stage_changes")},
        },
    )


def _csv(
    request: HttpRequest,
    *,
    bill: Bill,
    actions: list[dict[str, Any]],
    links: list[BillLink],
    stage_changes: list[StageChange],
) -> HttpResponse:
    table = request.GET.get("table", "actions")
    if table not in TABLES:
        raise Http404("This page has no such table.")
    name = (
        f"{bill.jurisdiction.code}-{bill.session.identifier}-{bill.identifier.lower().replace(' ', '-')}-{table}.csv"
    )
    if table == "actions":
        header = ["date", "by", "description", "classification"]
        return csv_response(name, header, ([row[column] for column in header] for row in actions))
    if table == "links":
        return csv_response(
            name,
            ["recommendation", "recommendation_title", "effect", "rationale", "evidence_url", "progress_status"],
            (
                [
                    link.recommendation.code,
                    link.recommendation.title,
                    link.effect,
                    link.rationale,
                    link.evidence_url,
                    link.progress_status,
                ]
                for link in links
            ),
        )
    return csv_response(
        name,
        ["from_stage", "to_stage", "date", "source", "seen_at"],
        ([change.from_stage, change.to_stage, change.date, change.source, change.seen_at] for change in stage_changes),
    )
