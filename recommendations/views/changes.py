"""What changed (`/changes/`): bills that moved from one stage to another, measures that were recorded or changed
status, and recommendations whose progress changed somewhere, newest first, filtered by jurisdiction,
recommendation, kind and date. Regressions are flagged in words.

Each change is written out in plain words by `change_summary`, which the Atom feeds (feeds.py) share.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import Truncator

from legislation.models import bill_page_path
from legislation.selectors import data_freshness, jurisdiction_options

from ..models import ProgressBasis, ProgressStatus, measure_page_path
from ..selectors import CHANGE_KINDS, ChangePosition, change_list_recent, recommendation_options
from ..templatetags.tracker import measure_status_label, stage_label, status_label
from .common import api_url, csv_response, csv_url, wants_csv

PAGE_SIZE = 50
# Progress that went the wrong way, and the word that flags it (in titles, rows and feeds).
FLAGS = {ProgressStatus.REGRESSED: "Regression", ProgressStatus.AT_RISK: "At risk"}
KIND_CHOICES = [
    ("", "Stage, measure and progress changes"),
    ("stage", "Bills that changed stage"),
    ("measure", "Measures"),
    ("progress", "Progress"),
]


# --- Changes in words (shared with the feeds) -------------------------------------------------------------------


def change_flag(row: dict[str, Any]) -> str:
    """ "Regression" or "At risk" for a progress change to `regressed` or `at_risk`, else ""."""
    if row["kind"] == "progress" and row["to_status"] != row["from_status"]:
        return FLAGS.get(row["to_status"], "")
    return ""


def change_summary(row: dict[str, Any]) -> str:
    """What happened, in plain words: "CA SB 57 moved from In committee to Died", "PM-1 in California: from In
    progress to Stalled"."""
    if row["kind"] == "measure":
        measure = f"{row['measure_title']} ({row['jurisdiction_name']})"
        if not row["from_measure_status"]:
            return f"{measure} recorded as {measure_status_label(row['to_measure_status']).lower()}"
        return (
            f"{measure} changed from {measure_status_label(row['from_measure_status']).lower()} to "
            f"{measure_status_label(row['to_measure_status']).lower()}"
        )
    if row["kind"] == "stage":
        bill = f"{row['jurisdiction'].upper()} {row['identifier']}"
        if not row["from_stage"]:
            return f"{bill} first recorded as {stage_label(row['to_stage'])}"
        return f"{bill} moved from {stage_label(row['from_stage'])} to {stage_label(row['to_stage'])}"
    place = f"{row['recommendation_code']} in {row['jurisdiction_name']}"
    reviewed = " (reviewed by staff)" if row["basis"] == ProgressBasis.REVIEWED else ""
    if not row["from_status"]:
        return f"{place}: first status {status_label(row['to_status'])}{reviewed}"
    if row["from_status"] == row["to_status"]:
        return f"{place}: {status_label(row['to_status'])}, unchanged{reviewed}"
    return f"{place}: from {status_label(row['from_status'])} to {status_label(row['to_status'])}{reviewed}"


def change_title(row: dict[str, Any]) -> str:
    """The summary, after its flag ("Regression: PM-1 in Ohio: from Achieved to Regressed")."""
    flag = change_flag(row)
    return f"{flag}: {change_summary(row)}" if flag else change_summary(row)


def change_path(row: dict[str, Any]) -> str:
    """The page a change is about: the bill's or the measure's page, or for progress the recommendation's page."""
    if row["kind"] == "stage":
        return bill_page_path(jurisdiction=row["jurisdiction"], session=row["session"], identifier=row["identifier"])
    if row["kind"] == "measure":
        return measure_page_path(jurisdiction=row["jurisdiction"], pk=row["measure"], title=row["measure_title"])
    return reverse("recommendation", kwargs={"code": row["recommendation_code"]})


def change_present(row: dict[str, Any]) -> dict[str, Any]:
    """A change row with what pages show of it: flag, summary, title and links."""
    return {
        **row,
        "flag": change_flag(row),
        "summary": change_summary(row),
        "title": change_title(row),
        "path": change_path(row),
        "jurisdiction_path": reverse("jurisdiction", kwargs={"code": row["jurisdiction"]}),
        "recommendation_path": (
            reverse("recommendation", kwargs={"code": row["recommendation_code"]})
            if row["recommendation_code"]
            else ""
        ),
    }


# --- The page ---------------------------------------------------------------------------------------------------


def cursor_text(position: ChangePosition) -> str:
    return f"{position.at.isoformat()}|{position.kind}|{position.id}"


class CursorField(forms.Field):
    """Where an older page starts: `time|kind|id` of the last change shown (the page's "Older changes" link)."""

    broken = "This link to older changes is broken: start again from the newest."

    def to_python(self, value: str | None) -> ChangePosition | None:
        if not value:
            return None
        if len(value) > 100 or "\x00" in value:
            raise forms.ValidationError(self.broken)
        try:
            at, kind, pk = value.split("|")
            position = ChangePosition(at=datetime.fromisoformat(at), kind=kind, id=int(pk))
        except ValueError as exc:
            raise forms.ValidationError(self.broken) from exc
        if position.kind not in CHANGE_KINDS or position.at.tzinfo is None:
            raise forms.ValidationError(self.broken)
        return position


class ChangeFilterForm(forms.Form):
    jurisdiction = forms.ChoiceField(required=False, label="Jurisdiction")
    recommendation = forms.ChoiceField(required=False, label="Recommendation")
    kind = forms.ChoiceField(required=False, choices=KIND_CHOICES, label="Kind of change")
    since = forms.DateField(
        required=False, label="Since", widget=forms.DateInput(attrs={"type": "date"}), help_text="YYYY-MM-DD"
    )
    before = CursorField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, data: Any, *, jurisdictions: list[tuple[str, str]], recommendations: list[tuple[str, str]]
    ) -> None:
        super().__init__(data)
        self.fields["jurisdiction"].choices = [("", "All jurisdictions"), *jurisdictions]
        self.fields["recommendation"].choices = [
            ("", "All recommendations"),
            *((code, Truncator(label).chars(70)) for code, label in recommendations),
        ]


def changes_page(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    if data.get("jurisdiction"):
        data["jurisdiction"] = data["jurisdiction"].lower()
    form = ChangeFilterForm(data, jurisdictions=jurisdiction_options(), recommendations=recommendation_options())
    if not form.is_valid():
        return render(request, "recommendations/changes.html", _context(request, form=form), status=400)
    filters = form.cleaned_data
    since = datetime.combine(filters["since"], time.min, tzinfo=UTC) if filters["since"] else None
    page = change_list_recent(
        before=filters["before"],
        since=since,
        kinds=[filters["kind"]] if filters["kind"] else CHANGE_KINDS,
        jurisdictions=[filters["jurisdiction"]] if filters["jurisdiction"] else (),
        recommendation=filters["recommendation"] or None,
        limit=PAGE_SIZE,
    )
    rows = [change_present(row) for row in page.rows]
    if wants_csv(request):
        return _csv(rows)
    older_url = ""
    if page.older:
        query = request.GET.copy()
        query["before"] = cursor_text(page.older)
        older_url = f"{request.path}?{query.urlencode()}"
    newest_query = request.GET.copy()
    newest_query.pop("before", None)
    context = _context(
        request,
        form=form,
        rows=rows,
        older_url=older_url,
        newest_url=f"{request.path}?{newest_query.urlencode()}" if filters["before"] else "",
        api_url=""
        if filters["recommendation"]
        else api_url(
            "changes",
            since=since.isoformat().replace("+00:00", "Z") if since else None,
            kind=filters["kind"],
            jurisdiction=filters["jurisdiction"],
        ),
        filtered=any(filters[name] for name in ("jurisdiction", "recommendation", "kind", "since")),
        freshness=data_freshness(),
    )
    return render(request, "recommendations/changes.html", context)


def _context(request: HttpRequest, *, form: ChangeFilterForm, **values: Any) -> dict[str, Any]:
    return {
        "form": form,
        "rows": [],
        "older_url": "",
        "newest_url": "",
        "api_url": "",
        "csv_url": csv_url(request),
        "filtered": False,
        "freshness": [],
        **values,
    }


CSV_HEADER = [
    "at",
    "kind",
    "flag",
    "summary",
    "jurisdiction",
    "session",
    "identifier",
    "from_stage",
    "to_stage",
    "stage_date",
    "source",
    "recommendation_code",
    "from_status",
    "to_status",
    "basis",
    "reason",
    "evidence_url",
    "path",
]


def _csv(rows: list[dict[str, Any]]) -> HttpResponse:
    return csv_response("changes.csv", CSV_HEADER, ([row[column] for column in CSV_HEADER] for row in rows))
