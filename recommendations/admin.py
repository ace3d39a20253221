"""Admin for staff: the report and recommendations, links with their history, progress with its history."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Audience, BillLink, Progress, ProgressBasis, Recommendation, Report
from .services import progress_recompute


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
            link.delete()
        for link in [*links, *formset.deleted_objects]:
            progress_recompute(recommendation=link.recommendation, jurisdiction=link.bill.jurisdiction)


@admin.register(BillLink)
class BillLinkAdmin(SimpleHistoryAdmin):
    list_display = ("bill", "recommendation", "effect", "created_by", "created_at", "reviewed_by")
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
    list_display = ("recommendation", "jurisdiction", "status", "basis", "computed_status", "updated_at")
    list_filter = ("status", "basis", "recommendation", "jurisdiction")
    search_fields = ("jurisdiction__name", "jurisdiction__code", "recommendation__code", "reason")
    autocomplete_fields = ("recommendation", "jurisdiction")
    list_select_related = ("recommendation", "jurisdiction")
    readonly_fields = ("computed_status", "updated_by", "updated_at")

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
