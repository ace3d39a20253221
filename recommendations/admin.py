"""Admin for staff: the report and recommendations, links with their history, progress with its history."""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from tracker.admin import short_datetime

from .models import (
    Audience,
    BillLink,
    Progress,
    ProgressBasis,
    Recommendation,
    Report,
    SavedSearch,
    TriageCandidate,
    TriageStatus,
)
from .services import bill_link_delete, progress_recompute, triage_decide


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


class BillLinkInline(admin.TabularInline):
    model = BillLink
    extra = 0
    fields = ("bill", "effect", "rationale", "evidence_url", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")
    autocomplete_fields = ("bill",)


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "audience", "verified", "sub_items_pending", "order")
    list_filter = ("audience", "verified", "sub_items_pending")
    search_fields = ("code", "title", "text")
    autocomplete_fields = ("parent",)
    list_select_related = ("audience",)
    inlines = (BillLinkInline,)

    def save_formset(self, request, form, formset, change) -> None:
        """Links edited inline are attributed to the editor, and progress follows them."""
        links = formset.save(commit=False)
        for link in links:
            if link.pk is None:
                link.created_by = request.user
            link.save()
        for link in formset.deleted_objects:
            bill_link_delete(link=link, user=request.user)
        for link in links:
            progress_recompute(recommendation=link.recommendation, jurisdiction=link.bill.jurisdiction)


@admin.register(BillLink)
class BillLinkAdmin(SimpleHistoryAdmin):
    list_display = ("bill", recommendation_code, "effect", "created_by", created, "reviewed_by")
    list_filter = ("effect", "recommendation", "bill__jurisdiction")
    search_fields = ("bill__identifier", "bill__title", "rationale", "recommendation__code")
    autocomplete_fields = ("bill", "recommendation")
    list_select_related = ("bill__jurisdiction", "bill__session", "recommendation", "created_by", "reviewed_by")
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        progress_recompute(recommendation=obj.recommendation, jurisdiction=obj.bill.jurisdiction)


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
class ProgressAdmin(SimpleHistoryAdmin):
    form = ProgressForm
    list_display = (recommendation_code, "jurisdiction", "status", "basis", "computed_status", updated)
    list_filter = ("status", "basis", "recommendation", "jurisdiction")
    search_fields = ("jurisdiction__name", "jurisdiction__code", "recommendation__code", "reason")
    autocomplete_fields = ("recommendation", "jurisdiction")
    list_select_related = ("recommendation", "jurisdiction")
    readonly_fields = ("computed_status", "updated_by", "updated_at")

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


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
