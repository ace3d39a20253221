"""Admin for staff: the report and recommendations (with their sub-items), measures, links and progress with their
history, and the four-eyes review: each of measures, links and progress filters on `review_status` (the review
queue) and has bulk approve / reject actions, which skip what the reviewer wrote. Writes go through the services,
so that what staff write here waits for review like what they write through the API."""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from tracker.admin import short_datetime, truncated

from .models import (
    Audience,
    BillLink,
    Measure,
    Progress,
    ProgressBasis,
    Recommendation,
    Report,
    ReviewStatus,
    SavedSearch,
    TriageCandidate,
    TriageStatus,
)
from .services import (
    MEASURE_FIELDS,
    bill_link_delete,
    measure_create,
    measure_update,
    progress_recompute,
    progress_review,
    review,
    submit_for_review,
    triage_decide,
)


@admin.display(description="recommendation", ordering="recommendation__code")
def recommendation_code(obj: BillLink | Progress) -> str:
    """The code alone in change lists (the title is in the filter beside them)."""
    return obj.recommendation.code


@admin.display(description="created", ordering="created_at")
def created(link: BillLink) -> str:
    return short_datetime(link.created_at)


@admin.display(description="updated", ordering="updated_at")
def updated(progress: Progress) -> str:
    return short_datetime(progress.updated_at)


class AudienceInline(admin.TabularInline):
    model = Audience
    extra = 0


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("title", "publisher", "published")
    inlines = (AudienceInline,)


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    list_display = ("name", "report", "order")
    search_fields = ("name",)


class ReviewActionsMixin:
    """Bulk approve / reject of what waits for review (filter the list on `review_status: pending` for the queue).
    What the reviewer wrote, and what is not pending, is skipped and counted in the message."""

    actions = ("approve", "reject")

    def _review(self, request, queryset, decision: str) -> None:
        done, skipped = 0, 0
        for obj in queryset:
            try:
                review(obj=obj, user=request.user, decision=decision, note="")
            except (PermissionDenied, ValidationError):
                skipped += 1
            else:
                done += 1
        self.message_user(request, f"{done} {decision}d.")
        if skipped:
            self.message_user(
                request,
                f"{skipped} skipped: not pending, written by you (someone else reviews it), or not yours to review.",
                messages.WARNING,
            )

    @admin.action(description="Approve (four eyes: not your own)")
    def approve(self, request, queryset) -> None:
        self._review(request, queryset, "approve")

    @admin.action(description="Reject (four eyes: not your own)")
    def reject(self, request, queryset) -> None:
        self._review(request, queryset, "reject")


@admin.display(description="review", ordering="review_status")
def review_state(obj: BillLink | Measure | Progress) -> str:
    """Only what needs attention (pending, rejected): the column stays narrow in the change lists."""
    return "" if obj.review_status == ReviewStatus.APPROVED else obj.get_review_status_display()


@admin.display(description="jurisdiction", ordering="jurisdiction__name")
def jurisdiction_name(obj: Progress | Measure) -> str:
    """Local jurisdictions have long names (a county's district attorney's office): cut to keep the list narrow."""
    return truncated(obj.jurisdiction.name, 20)


@admin.display(description="bill or measure")
def subject(link: BillLink) -> str:
    return truncated(str(link.subject), 50)


REVIEW_READONLY = ("review_status", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at", "review_note")


class SubItemInline(admin.TabularInline):
    """The report's list items under a recommendation: code, page, verbatim text and evidence level (see also
    `manage.py load_recommendations`)."""

    model = Recommendation
    fk_name = "parent"
    extra = 0
    fields = ("code", "title", "text", "page", "evidence_level", "verified", "order")
    verbose_name = "sub-item"
    verbose_name_plural = "sub-items (the report's list items, verbatim)"


class BillLinkInline(admin.TabularInline):
    model = BillLink
    extra = 0
    fields = ("bill", "measure", "effect", "rationale", "evidence_url", "review_status", "created_by", "created_at")
    readonly_fields = ("review_status", "created_by", "created_at")
    autocomplete_fields = ("bill", "measure")


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "audience", "verified", "sub_items_pending", "order")
    list_filter = ("audience", "verified", "sub_items_pending")
    search_fields = ("code", "title", "text")
    autocomplete_fields = ("parent",)
    list_select_related = ("audience",)
    inlines = (SubItemInline, BillLinkInline)

    def save_formset(self, request, form, formset, change) -> None:
        """Links edited inline are attributed to the editor and wait for review, and progress follows them; new
        sub-items clear the recommendation's `sub_items_pending`."""
        if formset.model is Recommendation:
            super().save_formset(request, form, formset, change)
            if form.instance.sub_items_pending and form.instance.children.exists():
                form.instance.sub_items_pending = False
                form.instance.save(update_fields=["sub_items_pending"])
            return
        links = formset.save(commit=False)
        for link in links:
            if link.pk is None:
                link.created_by = request.user
            submit_for_review(link, user=request.user, created=link.pk is None)
            link._history_user = request.user
            link.save()
        for link in formset.deleted_objects:
            bill_link_delete(link=link, user=request.user)
        for link in links:
            progress_recompute(recommendation=link.recommendation, jurisdiction=link.jurisdiction)


@admin.register(Measure)
class MeasureAdmin(ReviewActionsMixin, SimpleHistoryAdmin):
    list_display = ("title", jurisdiction_name, "kind", "status", "date", review_state, "submitted_by")
    list_filter = ("review_status", "kind", "status", "jurisdiction__kind", "jurisdiction")
    search_fields = ("title", "summary", "jurisdiction__name", "jurisdiction__code")
    autocomplete_fields = ("jurisdiction",)
    list_select_related = ("jurisdiction", "submitted_by")
    readonly_fields = ("created_by", "created_at", "updated_at", *REVIEW_READONLY)
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change) -> None:
        """Through the services: a person's measure (or change) waits for review, and progress follows it."""
        values = {name: form.cleaned_data[name] for name in MEASURE_FIELDS if name in form.cleaned_data}
        if change:
            current = Measure.objects.get(pk=obj.pk)
            saved, _ = measure_update(
                measure=current, user=request.user, jurisdiction=form.cleaned_data["jurisdiction"], **values
            )
        else:
            saved = measure_create(jurisdiction=form.cleaned_data["jurisdiction"], user=request.user, **values)
        obj.pk = saved.pk


@admin.register(BillLink)
class BillLinkAdmin(ReviewActionsMixin, SimpleHistoryAdmin):
    list_display = (subject, recommendation_code, "effect", review_state, "created_by", created)
    list_filter = ("review_status", "effect", "recommendation", "bill__jurisdiction", "measure__jurisdiction")
    search_fields = ("bill__identifier", "bill__title", "measure__title", "rationale", "recommendation__code")
    autocomplete_fields = ("bill", "measure", "recommendation")
    list_select_related = (
        "bill__jurisdiction",
        "bill__session",
        "measure__jurisdiction",
        "recommendation",
        "created_by",
        "reviewed_by",
    )
    readonly_fields = ("created_by", "created_at", *REVIEW_READONLY)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        submit_for_review(obj, user=request.user, created=not change)
        obj._history_user = request.user
        super().save_model(request, obj, form, change)
        progress_recompute(recommendation=obj.recommendation, jurisdiction=obj.jurisdiction)


class ProgressForm(forms.ModelForm):
    class Meta:
        model = Progress
        fields = ("recommendation", "jurisdiction", "status", "basis", "reason", "evidence_url")

    def clean(self) -> dict:
        """A status other than the computed one is a staff review: it needs a reason and evidence."""
        data = super().clean()
        if self.instance.pk and data.get("status") != self.instance.computed_status:
            data["basis"] = ProgressBasis.REVIEWED
        if data.get("basis") == ProgressBasis.REVIEWED and not (data.get("reason") and data.get("evidence_url")):
            raise forms.ValidationError("A reviewed status needs a reason and an evidence URL.")
        return data


@admin.register(Progress)
class ProgressAdmin(ReviewActionsMixin, SimpleHistoryAdmin):
    form = ProgressForm
    # Review state is in the filter (a "review" column would not fit a laptop screen beside the sidebar).
    list_display = (recommendation_code, jurisdiction_name, "status", "basis", "computed_status", updated)
    list_filter = ("review_status", "status", "basis", "recommendation", "jurisdiction")
    search_fields = ("jurisdiction__name", "jurisdiction__code", "recommendation__code", "reason")
    autocomplete_fields = ("recommendation", "jurisdiction")
    list_select_related = ("recommendation", "jurisdiction")
    readonly_fields = (
        "computed_status",
        "updated_by",
        "updated_at",
        "proposed_status",
        "proposed_reason",
        "proposed_evidence_url",
        *REVIEW_READONLY,
    )

    def save_model(self, request, obj, form, change) -> None:
        """A reviewed status is a staff override: through the service, as a proposal waiting for review."""
        if form.cleaned_data.get("basis") != ProgressBasis.REVIEWED:
            obj.updated_by = request.user
            super().save_model(request, obj, form, change)
            return
        # Not saved as edited: the public values stay until the proposal is approved.
        saved = progress_review(
            recommendation=form.cleaned_data["recommendation"],
            jurisdiction=form.cleaned_data["jurisdiction"],
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            evidence_url=form.cleaned_data["evidence_url"],
            user=request.user,
        )
        form.instance.pk = saved.pk
        if saved.review_status == ReviewStatus.PENDING:
            self.message_user(request, "Proposed: the status changes once a Reviewer other than you approves it.")


# --- Discovery and triage -----------------------------------------------------------------------------------------


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("__str__", "recommendation", "sources", "active", "last_run_at")
    list_filter = ("active", "recommendation")
    search_fields = ("name", "keywords", "recommendation__code")
    autocomplete_fields = ("recommendation",)
    filter_horizontal = ("jurisdictions",)
    readonly_fields = ("created_at", "last_run_at")
    actions = ("run_now",)

    @admin.action(description="Run now (queue a discovery task per source)")
    def run_now(self, request, queryset) -> None:
        from legislation.sync import SOURCE_NAMES

        from .tasks import discover

        sent = 0
        for search in queryset.filter(active=True):
            for source in SOURCE_NAMES:
                if search.runs_on(source):
                    discover.delay(search.pk, source)
                    sent += 1
        self.message_user(request, f"{sent} discovery tasks queued; results appear in the triage queue.")


@admin.register(TriageCandidate)
class TriageCandidateAdmin(SimpleHistoryAdmin):
    """The triage queue: bills discovery found. Accepting opens the link form; discovery itself never links."""

    list_display = ("bill", "bill_title", "recommendation", "status", "source", "first_seen_at", "link_action")
    list_filter = ("status", "source", "recommendation", "bill__jurisdiction")
    search_fields = ("bill__identifier", "bill__title", "query", "recommendation__code")
    list_select_related = ("bill__jurisdiction", "bill__session", "recommendation", "decided_by")
    autocomplete_fields = ("bill", "recommendation")
    readonly_fields = ("saved_search", "source", "query", "first_seen_at", "last_seen_at", "decided_by", "decided_at")
    actions = ("accept", "reject")

    @admin.display(description="title")
    def bill_title(self, obj: TriageCandidate) -> str:
        return obj.bill.title[:120]

    @admin.display(description="link")
    def link_action(self, obj: TriageCandidate) -> str:
        if obj.status == TriageStatus.REJECTED:
            return "-"
        query = urlencode({"bill": obj.bill_id, "recommendation": obj.recommendation_id})
        return format_html('<a href="{}?{}">Link…</a>', reverse("admin:recommendations_billlink_add"), query)

    def _decide(self, request, queryset, status: str) -> int:
        candidates = list(queryset.select_related("recommendation", "bill"))
        for candidate in candidates:
            triage_decide(candidate=candidate, status=status, user=request.user)
        return len(candidates)

    @admin.action(description="Accept (then link them with an effect and a rationale)")
    def accept(self, request, queryset) -> None:
        count = self._decide(request, queryset, TriageStatus.ACCEPTED)
        self.message_user(request, f"{count} accepted. Use “Link…” to link each with its effect and rationale.")

    @admin.action(description="Reject (discovery will not queue them again)")
    def reject(self, request, queryset) -> None:
        count = self._decide(request, queryset, TriageStatus.REJECTED)
        self.message_user(request, f"{count} rejected.")

    def save_model(self, request, obj, form, change) -> None:
        if change and "status" in form.changed_data:
            obj.decided_by, obj.decided_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)
