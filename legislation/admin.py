"""Admin for staff: bills with their actions, sources and ids; sessions; import runs and stage changes."""

from django.contrib import admin

from tracker.admin import short_datetime, truncated

from .models import (
    Bill,
    BillAction,
    BillExternalId,
    BillSource,
    BillSponsorship,
    ImportRun,
    Jurisdiction,
    LegislativeSession,
    SessionExternalId,
    SessionMatchReview,
    StageChange,
)

IMPORTED_BILL_FIELDS = (
    "jurisdiction",
    "session",
    "identifier",
    "source_identifier",
    "title",
    "summary",
    "classification",
    "subjects",
    "url",
    "stage",
    "stage_date",
    "furthest_stage",
    "furthest_stage_date",
    "first_action_date",
    "latest_action_date",
    "latest_action_description",
    "updated_at",
)


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "kind",
        "ocd_id",
        "unicameral",
        "carries_over",
        "carries_over_known",
        "signing_window_days",
    )
    list_filter = ("kind", "unicameral", "carries_over")
    search_fields = ("name", "code", "ocd_id")
    autocomplete_fields = ("parent",)

    @admin.display(boolean=True, description="carry-over verified")
    def carries_over_known(self, jurisdiction: Jurisdiction) -> bool:
        return bool(jurisdiction.carries_over_source)


class SessionExternalIdInline(admin.TabularInline):
    model = SessionExternalId
    extra = 0
    fields = ("source", "external_id")
    readonly_fields = ("source", "external_id")
    can_delete = False


@admin.register(LegislativeSession)
class LegislativeSessionAdmin(admin.ModelAdmin):
    list_display = (
        "identifier",
        "name",
        "jurisdiction",
        "classification",
        "year_start",
        "year_end",
        "start_date",
        "end_date",
        "ended",
    )
    list_filter = ("classification", "ended", "jurisdiction__kind")
    search_fields = ("identifier", "name", "jurisdiction__name", "jurisdiction__code")
    autocomplete_fields = ("jurisdiction",)
    list_select_related = ("jurisdiction",)
    inlines = [SessionExternalIdInline]


@admin.register(SessionMatchReview)
class SessionMatchReviewAdmin(admin.ModelAdmin):
    """Sessions a source reported that the matching rules could not place: staff decide (`merge_sessions`)."""

    list_display = ("jurisdiction", "source", "external_id", "session", "reason", "status", "created_at")
    list_filter = ("status", "source")
    search_fields = ("external_id", "jurisdiction__code", "jurisdiction__name")
    readonly_fields = ("jurisdiction", "source", "external_id", "session", "candidates", "reason", "created_at")
    fields = (*readonly_fields[:-1], "status", "created_at")
    list_select_related = ("jurisdiction", "session")

    def has_add_permission(self, request) -> bool:
        return False


class BillActionInline(admin.TabularInline):
    model = BillAction
    extra = 0
    fields = ("order", "date", "chamber", "description", "classification")
    readonly_fields = fields  # imported: an edit here would be overwritten by the next import
    can_delete = False


class BillSponsorshipInline(admin.TabularInline):
    model = BillSponsorship
    extra = 0
    readonly_fields = ("name", "primary", "classification", "entity_type")
    can_delete = False


class BillSourceInline(admin.TabularInline):
    model = BillSource
    extra = 0
    readonly_fields = ("url", "note")
    can_delete = False


class BillExternalIdInline(admin.TabularInline):
    model = BillExternalId
    extra = 0
    readonly_fields = ("source", "external_id")
    can_delete = False


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    readonly_fields = ("from_stage", "to_stage", "date", "source", "seen_at", "import_run")
    can_delete = False


@admin.register(Bill)
class BillAdmin(admin.ModelAdmin):
    # Few and short columns, so that the list fits a laptop screen beside the filters (the rest is in the bill).
    list_display = ("bill", "short_title", "stage", "latest_action_date")
    list_filter = ("stage", "furthest_stage", "jurisdiction__kind", "jurisdiction")
    search_fields = ("identifier", "source_identifier", "title", "popular_title", "external_ids__external_id")
    list_select_related = ("jurisdiction", "session")
    autocomplete_fields = ("jurisdiction", "session")
    date_hierarchy = "latest_action_date"
    readonly_fields = IMPORTED_BILL_FIELDS
    fieldsets = (
        ("Editorial (staff)", {"fields": ("popular_title", "staff_notes")}),
        ("Imported (read only: the next import would overwrite an edit)", {"fields": IMPORTED_BILL_FIELDS}),
    )
    inlines = (
        BillActionInline,
        BillSponsorshipInline,
        BillSourceInline,
        BillExternalIdInline,
        StageChangeInline,
    )

    def has_add_permission(self, request) -> bool:
        return False  # bills come from the sources through the importers

    @admin.display(description="bill", ordering="jurisdiction__code")
    def bill(self, bill: Bill) -> str:
        return str(bill)  # CA AB 1044 (20252026)

    @admin.display(description="title", ordering="title")
    def short_title(self, bill: Bill) -> str:
        return truncated(bill.popular_title or bill.title, 90)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = (
        "started",
        "source",
        "short_scope",
        "status",
        "counts",
        "requests",
        "seconds",
    )
    list_filter = ("source", "status")
    search_fields = ("scope", "note")
    date_hierarchy = "started_at"
    readonly_fields = [field.name for field in ImportRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="started", ordering="started_at")
    def started(self, run: ImportRun) -> str:
        return short_datetime(run.started_at)

    @admin.display(description="scope", ordering="scope")
    def short_scope(self, run: ImportRun) -> str:
        return truncated(run.scope, 40)

    @admin.display(description="inserted / updated / unchanged / failed")
    def counts(self, run: ImportRun) -> str:
        return f"{run.inserted} / {run.updated} / {run.unchanged} / {run.failed}"

    @admin.display(description="seconds")
    def seconds(self, run: ImportRun) -> str:
        duration = run.duration
        return f"{duration.total_seconds():.1f}" if duration is not None else admin.site.empty_value_display


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    list_display = ("bill", "from_stage", "to_stage", "date", "source", "seen_at")
    list_filter = ("to_stage", "source")
    search_fields = ("bill__identifier", "bill__title")
    list_select_related = ("bill__jurisdiction", "bill__session")
    readonly_fields = ("bill", "from_stage", "to_stage", "date", "source", "seen_at", "import_run")

    def has_add_permission(self, request) -> bool:
        return False


# --- Sync bookkeeping -------------------------------------------------------------------------------------------

from .models import RemoteBillState, SourceCursor  # noqa: E402  (appended section)


@admin.register(SourceCursor)
class SourceCursorAdmin(admin.ModelAdmin):
    """Where each sync resumes. Deleting a cursor makes its next sync start from the initial lookback."""

    list_display = ("source", "scope", "value", "updated_at")
    list_filter = ("source",)
    search_fields = ("scope", "value")
    readonly_fields = ("source", "scope", "value", "updated_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(RemoteBillState)
class RemoteBillStateAdmin(admin.ModelAdmin):
    """What each source last said about a bill. Deleting one makes the next sync fetch that bill again."""

    list_display = ("source", "external_id", "marker", "container", "fetched_at")
    list_filter = ("source",)
    search_fields = ("external_id", "marker")
    readonly_fields = ("source", "external_id", "marker", "container", "fetched_at")

    def has_add_permission(self, request) -> bool:
        return False
