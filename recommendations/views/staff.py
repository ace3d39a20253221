"""Staff pages: the review queue (`/staff/review/`) and proposing a measure with its link (`/staff/measures/new/`).

The four-eyes review itself is `services.review` (the permission and the rule that an author never approves their
own change live there); these pages only gather the choices and show the outcome. Signed-in staff only (anyone
else is sent to the login); never cached (tracker/pages.py caches public pages only).

From a found office policy to a public change: an Editor fills in the measure form (the measure and its link to a
recommendation, both stored pending), a Reviewer approves both in the queue, and the measure, its link and the
progress they give appear on the public pages. From a discovered bill: the triage queue's "Link…" opens the link
form with the bill and the recommendation filled in; the link waits in the same queue.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat

from legislation.models import Jurisdiction

from ..models import Effect, MeasureKind, MeasureStatus, Recommendation
from ..selectors import review_queue
from ..services import bill_link_create, measure_create, review
from .measures import measure_path

REVIEW_PERMISSIONS = ("review_billlink", "review_measure", "review_progress")
MEASURE_FIELDS = ("kind", "title", "summary", "status", "date", "url", "evidence_url")
LINK_FIELDS = ("recommendation", "effect", "rationale", "link_evidence_url")


def _staff(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied("Staff only.")


def _can_review(user) -> bool:
    return any(user.has_perm(f"recommendations.{codename}") for codename in REVIEW_PERMISSIONS)


class ReviewForm(forms.Form):
    """The queue's decision: the items ticked (`<kind>-<id>`), approve or reject, and a note for all of them."""

    items = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, error_messages={"required": "Tick at least one change."}
    )
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown with the decision on the public pages (why it was approved) or to the author (why not).",
    )

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = choices

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("note"):
            self.add_error("note", "Say why when rejecting: the author reads it.")
        return data


@login_required
def review_queue_page(request: HttpRequest) -> HttpResponse:
    _staff(request)
    items = review_queue()
    rows = [_row(item, request.user) for item in items]
    can_review = _can_review(request.user)
    # Every waiting change is a valid choice; the page does not offer an author their own, and the service
    # refuses it if it is sent anyway.
    form = ReviewForm(request.POST or None, choices=[(row["key"], row["title"]) for row in rows])
    if request.method == "POST":
        if not can_review:
            raise PermissionDenied("Reviewing needs the Reviewers' permission.")
        if form.is_valid():
            _decide(request, items, form.cleaned_data)
            return redirect("staff-review")
    return render(
        request,
        "recommendations/staff_review.html",
        {
            "rows": rows,
            "form": form,
            "can_review": can_review,
            "decidable": sum(1 for row in rows if row["decidable"]),
            "links": _propose_links(request.user),
        },
    )


def _decide(request: HttpRequest, items: list, data: dict) -> None:
    """Apply the decision to each ticked item: a refusal (the author's own change, no permission, decided
    meanwhile) is reported for that item and the others go ahead."""
    by_key = {f"{item.kind}-{item.obj.pk}": item for item in items}
    done = 0
    for key in data["items"]:
        item = by_key.get(key)
        if item is None:
            messages.error(request, f"{key}: no longer waiting for review.")
            continue
        try:
            review(obj=item.obj, user=request.user, decision=data["decision"], note=data["note"])
        except PermissionDenied as error:
            messages.error(request, f"{_describe(item)}: {error}")
        except ValidationError as error:
            messages.error(request, f"{_describe(item)}: {' '.join(error.messages)}")
        else:
            done += 1
    if done:
        verb = "approved" if data["decision"] == "approve" else "rejected"
        messages.success(request, f"{done} change{'s' if done != 1 else ''} {verb}.")


def _describe(item) -> str:
    obj = item.obj
    if item.kind == "link":
        return f"Link of {obj.subject} to {obj.recommendation.code}"
    if item.kind == "measure":
        return f"Measure “{obj.title}”"
    return f"Status of {obj.recommendation.code} in {obj.jurisdiction.name}"


def _row(item, user) -> dict:
    """What the queue shows of one change: what it is, its reasons and evidence, who wrote it and when, the page
    where it will show, and whether this user may decide it (not their own)."""
    obj = item.obj
    row = {
        "key": f"{item.kind}-{obj.pk}",
        "kind": item.kind,
        "kind_label": {"link": "Link", "measure": "Measure", "progress": "Status override"}[item.kind],
        "title": _describe(item),
        "author": (item.submitted_by.get_full_name() or item.submitted_by.get_username()) if item.submitted_by else "",
        "at": item.submitted_at,
        "own": item.submitted_by is not None and item.submitted_by.pk == user.pk,
        "admin_url": _admin_url(obj),
    }
    row["decidable"] = not row["own"]
    if item.kind == "link":
        row.update(
            detail=f"{obj.get_effect_display()}: {obj.rationale}",
            evidence=obj.evidence_url,
            page=obj.bill.get_absolute_url() if obj.bill_id else measure_path(obj.measure),
        )
    elif item.kind == "measure":
        row.update(
            detail=f"{obj.get_kind_display()}, {obj.jurisdiction.name}: {obj.get_status_display().lower()}"
            + (f" since {dateformat.format(obj.date, 'M j, Y')}" if obj.date else "")
            + (f". {obj.summary}" if obj.summary else ""),
            evidence=obj.evidence_url or obj.url,
            page=measure_path(obj),
        )
    else:
        row.update(
            detail=f"{obj.get_status_display()} to {obj.get_proposed_status_display()}: {obj.proposed_reason}",
            evidence=obj.proposed_evidence_url,
            page=reverse("jurisdiction", args=[obj.jurisdiction.code]),
        )
    return row


def _admin_url(obj) -> str:
    """The object's admin form, where staff correct it before a decision ("" while its model has no admin)."""
    try:
        return reverse(f"admin:recommendations_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""


def _propose_links(user) -> list[tuple[str, str]]:
    """Where an Editor starts a change: the measure form, and the admin's triage queue and forms."""
    links = []
    if user.has_perm("recommendations.add_measure"):
        links.append(
            (reverse("staff-measure-new"), "Propose a measure (a found office policy, order, ruling…) and link it")
        )
    if user.has_perm("recommendations.view_triagecandidate") or user.has_perm(
        "recommendations.change_triagecandidate"
    ):
        links.append(
            (f"{reverse('admin:recommendations_triagecandidate_changelist')}?status__exact=pending",
             "Triage discovered bills (“Link…” on a bill opens the link form)")
        )  # fmt: skip
    if user.has_perm("recommendations.add_billlink"):
        links.append((reverse("admin:recommendations_billlink_add"), "Link a bill to a recommendation"))
    if user.has_perm("recommendations.change_progress"):
        links.append(
            (
                reverse("admin:recommendations_progress_changelist"),
                "Propose a status override (with a reason and evidence)",
            )
        )
    if user.has_perm("legislation.add_jurisdiction"):
        links.append((reverse("admin:legislation_jurisdiction_add"), "Add a county, city or prosecutor's office"))
    return links


# --- Proposing a measure ---------------------------------------------------------------------------------------


class JurisdictionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Jurisdiction) -> str:
        where = f", {obj.parent.name}" if obj.parent_id else ""
        return f"{obj.name} ({obj.get_kind_display().lower()}{where})"


class RecommendationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Recommendation) -> str:
        return f"{obj.code}: {obj.title}"


class MeasureProposalForm(forms.Form):
    """A found measure and how it bears on one recommendation: both stored pending, for a Reviewer to approve."""

    jurisdiction = JurisdictionChoice(
        queryset=Jurisdiction.objects.select_related("parent").order_by("name"),
        help_text="Where it applies. A county, city or prosecutor's office missing here is added in the admin first.",
    )
    kind = forms.ChoiceField(choices=MeasureKind.choices)
    title = forms.CharField(max_length=500, help_text="Its own title, as its publisher writes it.")
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="In your own words.")
    status = forms.ChoiceField(choices=MeasureStatus.choices)
    date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="When it reached that status."
    )
    url = forms.URLField(label="Source URL", max_length=1000, assume_scheme="https", help_text="The measure itself.")
    evidence_url = forms.URLField(
        label="Evidence of its status", required=False, max_length=1000, assume_scheme="https"
    )
    recommendation = RecommendationChoice(queryset=Recommendation.objects.for_display())
    effect = forms.ChoiceField(choices=Effect.choices)
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Why it bears on the recommendation."
    )
    link_evidence_url = forms.URLField(
        label="Evidence for the link", required=False, max_length=1000, assume_scheme="https"
    )


@login_required
def measure_propose_page(request: HttpRequest) -> HttpResponse:
    _staff(request)
    if not request.user.has_perm("recommendations.add_measure"):
        raise PermissionDenied("Proposing a measure needs the Editors' permission.")
    initial = {}
    if code := request.GET.get("jurisdiction"):
        initial["jurisdiction"] = Jurisdiction.objects.filter(code=code).first()
    form = MeasureProposalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                measure = measure_create(
                    jurisdiction=data["jurisdiction"],
                    user=request.user,
                    **{
                        name: data[name]
                        for name in ("kind", "title", "summary", "status", "date", "url", "evidence_url")
                    },
                )
                bill_link_create(
                    recommendation=data["recommendation"],
                    measure=measure,
                    effect=data["effect"],
                    rationale=data["rationale"],
                    evidence_url=data["link_evidence_url"],
                    user=request.user,
                )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                f"“{measure.title}” and its link to {data['recommendation'].code} wait for review by another "
                "member of staff.",
            )
            return redirect("staff-review")
    return render(
        request,
        "recommendations/staff_measure_form.html",
        {
            "form": form,
            "measure_fields": [form[name] for name in ("jurisdiction", *MEASURE_FIELDS)],
            "link_fields": [form[name] for name in LINK_FIELDS],
        },
    )
