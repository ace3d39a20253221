"""Serializers of the public API. Field names are a contract (DESIGN.md): extend, never rename.

Writes go through the services of the recommendations app (`bill_link_create`, `bill_link_upsert`,
`progress_review`), the same ones the admin and the commands use; model validation errors come back as 400s.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import slug_re as SLUG
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from legislation.choices import Source, Stage
from legislation.models import (
    Bill,
    BillAction,
    BillExternalId,
    BillSource,
    BillSponsorship,
    ImportRun,
    Jurisdiction,
    LegislativeSession,
)
from recommendations.models import (
    Audience,
    BillLink,
    Effect,
    Measure,
    MeasureKind,
    MeasureStatus,
    Progress,
    ProgressBasis,
    ProgressStatus,
    Recommendation,
    Report,
    ReviewStatus,
    TriageCandidate,
    TriageStatus,
)
from recommendations.selectors import CHANGE_KINDS, jurisdiction_sessions
from recommendations.services import (
    REVIEW_DECISIONS,
    bill_link_create,
    bill_link_upsert,
    measure_create,
    measure_update,
    progress_review,
)

from .attribution import LEGISCAN_ATTRIBUTION


def as_drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """A model's full_clean() errors, keyed by field as DRF reports them."""
    if hasattr(exc, "error_dict"):
        errors = exc.message_dict
        if "__all__" in errors:  # the model's own checks, named as DRF names them
            errors = {"non_field_errors": errors.pop("__all__"), **errors}
        return serializers.ValidationError(errors)
    return serializers.ValidationError({"non_field_errors": exc.messages})


# --- The report -------------------------------------------------------------------------------------------------


def serializer_columns(
    serializer: type[serializers.ModelSerializer], paths: dict[str, Any] | None = None, *, omit: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A list's row columns (api/rows.py): output name -> ORM path or expression, in the order of `serializer`'s
    fields, each its own name unless `paths` maps it (`{"report": "report__slug"}`), without the fields in `omit`
    (those the view adds to the rows)."""
    paths = paths or {}
    return {name: paths.get(name, name) for name in serializer.Meta.fields if name not in omit}


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = [
            "id",
            "slug",
            "title",
            "publisher",
            "published",
            "pages",
            "url",
            "recommendations_pages",
            "principle",
        ]


class AudienceSerializer(serializers.ModelSerializer):
    report = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the report.")

    class Meta:
        model = Audience
        fields = ["id", "slug", "name", "order", "report"]


REPORT_LIST_COLUMNS = serializer_columns(ReportSerializer)
AUDIENCE_LIST_COLUMNS = serializer_columns(AudienceSerializer, {"report": "report__slug"})


class ProgressSummarySerializer(serializers.Serializer):
    """How many recorded progress values have each status (a place with nothing recorded is not counted)."""

    achieved = serializers.IntegerField()
    partial = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    stalled = serializers.IntegerField()
    at_risk = serializers.IntegerField()
    regressed = serializers.IntegerField()
    no_action = serializers.IntegerField()


def progress_summary(counts: dict[str, int]) -> dict[str, int]:
    return {status: counts.get(status, 0) for status in ProgressStatus.values}


class ProgressSummaryMixin:
    """`progress_summary` of a detail, from the object's prefetched progress rows (lists add theirs from one grouped
    count: `api.views.ProgressSummaryListMixin`)."""

    def get_progress_summary(self, obj) -> dict[str, int]:
        return progress_summary(Counter(item.status for item in obj.progress.all()))


class RecommendationSerializer(ProgressSummaryMixin, serializers.ModelSerializer):
    audience = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the audience.")
    report = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the report.")
    links_count = serializers.IntegerField(read_only=True, help_text="Number of bills linked to it.")
    progress_summary = serializers.SerializerMethodField(
        help_text="Jurisdictions per progress status, among those with a recorded status."
    )

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "code",
            "report",
            "audience",
            "parent",
            "title",
            "text",
            "page",
            "evidence_level",
            "verified",
            "sub_items_pending",
            "order",
            "links_count",
            "progress_summary",
        ]

    @extend_schema_field(ProgressSummarySerializer)
    def get_progress_summary(self, obj: Recommendation) -> dict[str, int]:
        return super().get_progress_summary(obj)


# The recommendations list's rows (api/rows.py), in the order of RecommendationSerializer's fields but the summary
# (views add it from `progress_counts`).
RECOMMENDATION_LIST_COLUMNS = serializer_columns(
    RecommendationSerializer,
    {"report": "report__slug", "audience": "audience__slug", "parent": "parent_id"},
    omit=("progress_summary",),
)


class RecommendationLinkSerializer(serializers.ModelSerializer):
    """A link seen from its recommendation: which bill or measure, where, and its effect. Bill fields (`session`,
    `identifier`, `stage`, `stage_date`) are null for a measure, measure fields (`measure_status`) for a bill."""

    jurisdiction = serializers.CharField(source="jurisdiction.code", read_only=True)
    session = serializers.CharField(source="bill.session.identifier", read_only=True, allow_null=True, default=None)
    identifier = serializers.CharField(source="bill.identifier", read_only=True, allow_null=True, default=None)
    title = serializers.CharField(source="subject.title", read_only=True)
    stage = serializers.ChoiceField(
        source="bill.stage", choices=Stage.choices, read_only=True, allow_null=True, default=None
    )
    stage_date = serializers.DateField(source="bill.stage_date", read_only=True, allow_null=True, default=None)
    measure_status = serializers.ChoiceField(
        source="measure.status", choices=MeasureStatus.choices, read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = BillLink
        fields = [
            "id",
            "bill",
            "measure",
            "measure_status",
            "jurisdiction",
            "session",
            "identifier",
            "title",
            "stage",
            "stage_date",
            "effect",
            "rationale",
            "evidence_url",
        ]


class RecommendationProgressSerializer(serializers.ModelSerializer):
    """Progress seen from its recommendation: one jurisdiction."""

    jurisdiction = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="Jurisdiction code.")

    class Meta:
        model = Progress
        fields = ["jurisdiction", "status", "basis", "computed_status", "reason", "evidence_url", "updated_at"]


class RecommendationDetailSerializer(RecommendationSerializer):
    links = RecommendationLinkSerializer(many=True, read_only=True)
    progress = RecommendationProgressSerializer(many=True, read_only=True, help_text="Status per jurisdiction.")

    class Meta(RecommendationSerializer.Meta):
        fields = [*RecommendationSerializer.Meta.fields, "links", "progress"]


# --- Jurisdictions ----------------------------------------------------------------------------------------------


class JurisdictionSerializer(ProgressSummaryMixin, serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Code of the parent (a county's state)."
    )
    progress_summary = serializers.SerializerMethodField(
        help_text="Recommendations per progress status in this jurisdiction, among those with a recorded status."
    )

    class Meta:
        model = Jurisdiction
        fields = ["id", "code", "name", "kind", "ocd_id", "parent", "unicameral", "carries_over", "progress_summary"]

    @extend_schema_field(ProgressSummarySerializer)
    def get_progress_summary(self, obj: Jurisdiction) -> dict[str, int]:
        return super().get_progress_summary(obj)


# The jurisdictions list's rows (api/rows.py), in the order of JurisdictionSerializer's fields but the summary.
JURISDICTION_LIST_COLUMNS: dict[str, Any] = {
    **{name: name for name in ("id", "code", "name", "kind", "ocd_id")},
    "parent": "parent__code",
    **{name: name for name in ("unicameral", "carries_over")},
}


class JurisdictionProgressSerializer(serializers.ModelSerializer):
    """Progress seen from its jurisdiction: one recommendation."""

    recommendation_code = serializers.CharField(source="recommendation.code", read_only=True)

    class Meta:
        model = Progress
        fields = [
            "recommendation",
            "recommendation_code",
            "status",
            "basis",
            "computed_status",
            "reason",
            "evidence_url",
            "updated_at",
        ]


class SessionSerializer(serializers.ModelSerializer):
    """A legislative session: its dates, its years, and whether it adjourned sine die (as a source reported)."""

    class Meta:
        model = LegislativeSession
        fields = ["identifier", "name", "classification", "start_date", "end_date", "year_start", "year_end", "ended"]


class JurisdictionSessionSerializer(SessionSerializer):
    over = serializers.BooleanField(
        read_only=True,
        help_text="The session is over: it adjourned, its end date passed, or a later session started.",
    )

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "over"]


class JurisdictionDetailSerializer(JurisdictionSerializer):
    progress = JurisdictionProgressSerializer(many=True, read_only=True, help_text="Status per recommendation.")
    sessions = serializers.SerializerMethodField(help_text="Its sessions, newest first: dates and whether over.")

    class Meta(JurisdictionSerializer.Meta):
        fields = [*JurisdictionSerializer.Meta.fields, "progress", "sessions"]

    @extend_schema_field(JurisdictionSessionSerializer(many=True))
    def get_sessions(self, obj: Jurisdiction) -> list[dict]:
        rows = []
        for session, over in jurisdiction_sessions(jurisdiction=obj):
            session.over = over
            rows.append(JurisdictionSessionSerializer(session).data)
        return rows


# --- Bills ------------------------------------------------------------------------------------------------------


class BillSerializer(serializers.ModelSerializer):
    """A bill in a list. The list itself is rendered from `BILL_LIST_COLUMNS` (same names, same values) for speed;
    this serializer documents it and renders the same fields elsewhere."""

    jurisdiction = serializers.CharField(source="jurisdiction.code", read_only=True, help_text="Jurisdiction code.")
    session = serializers.CharField(source="session.identifier", read_only=True, help_text="Session identifier.")
    url = serializers.CharField(read_only=True, help_text="The bill's page at its legislature or source.")

    class Meta:
        model = Bill
        fields = [
            "id",
            "jurisdiction",
            "session",
            "identifier",
            "title",
            "stage",
            "stage_date",
            "furthest_stage",
            "furthest_stage_date",
            "latest_action_date",
            "latest_action_description",
            "url",
            "updated_at",
        ]


class BulkBillSerializer(BillSerializer):
    """A bill in the bulk listing: the same fields as in the list."""


# Output name -> ORM path, in the order of BillSerializer's fields.
BILL_LIST_COLUMNS: dict[str, str] = serializer_columns(
    BillSerializer, {"jurisdiction": "jurisdiction__code", "session": "session__identifier"}
)


class BillActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = BillAction
        fields = ["order", "date", "description", "chamber", "classification"]
        extra_kwargs = {"classification": {"help_text": 'Open States action classification, e.g. ["passage"].'}}


class BillSponsorshipSerializer(serializers.ModelSerializer):
    class Meta:
        model = BillSponsorship
        fields = ["name", "primary", "classification"]


class BillSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = BillSource
        fields = ["url", "note"]


class BillExternalIdSerializer(serializers.ModelSerializer):
    class Meta:
        model = BillExternalId
        fields = ["source", "external_id"]


class BillLinkBriefSerializer(serializers.ModelSerializer):
    recommendation_code = serializers.CharField(source="recommendation.code", read_only=True)

    class Meta:
        model = BillLink
        fields = ["id", "recommendation", "recommendation_code", "effect", "rationale", "evidence_url"]


class BillDetailSerializer(BillSerializer):
    session_detail = SessionSerializer(source="session", read_only=True, help_text="The bill's session and its dates.")
    end_reason = serializers.CharField(
        read_only=True, help_text="For a died or carried-over bill: when and why (its session ended); else blank."
    )
    actions = BillActionSerializer(many=True, read_only=True)
    sponsors = BillSponsorshipSerializer(source="sponsorships", many=True, read_only=True)
    sources = BillSourceSerializer(many=True, read_only=True)
    external_ids = BillExternalIdSerializer(many=True, read_only=True, help_text="The bill's id at each source.")
    links = BillLinkBriefSerializer(many=True, read_only=True, help_text="Recommendations this bill bears on.")
    attribution = serializers.SerializerMethodField(
        help_text="Credit owed for the data (LegiScan data is CC BY 4.0); null when none is owed."
    )
    html_url = serializers.SerializerMethodField(
        help_text="Absolute URL of the bill's page on this site (/bills/<jurisdiction>/<session>/<identifier>/)."
    )

    class Meta(BillSerializer.Meta):
        fields = [
            *BillSerializer.Meta.fields,
            "html_url",
            "source_identifier",
            "summary",
            "classification",
            "subjects",
            "first_action_date",
            "session_detail",
            "end_reason",
            "actions",
            "sponsors",
            "sources",
            "external_ids",
            "links",
            "attribution",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_attribution(self, obj: Bill) -> str | None:
        if any(item.source == Source.LEGISCAN for item in obj.external_ids.all()):
            return LEGISCAN_ATTRIBUTION
        return None

    @extend_schema_field(serializers.URLField())
    def get_html_url(self, obj: Bill) -> str:
        return absolute_url(self.context.get("request"), obj.get_absolute_url())


def absolute_url(request, path: str) -> str:
    """A page's path as an absolute URL for API clients (the path alone when there is no request: exports)."""
    return request.build_absolute_uri(path) if request is not None else path


# --- Links ------------------------------------------------------------------------------------------------------


class JurisdictionCodeField(serializers.SlugRelatedField):
    """A jurisdiction by its code, in any case; a value that cannot be a code (not a slug: a NUL byte, a space) is
    invalid before the database sees it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", queryset=Jurisdiction.objects.all(), **kwargs)

    def to_internal_value(self, data: Any) -> Jurisdiction:
        if not isinstance(data, str) or not SLUG.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data.lower())


class RecommendationBillSerializer(serializers.ModelSerializer):
    """What a row pairing a recommendation with a bill (a link, a triage candidate) shows of the two."""

    recommendation_code = serializers.CharField(source="recommendation.code", read_only=True)
    jurisdiction = serializers.CharField(source="bill.jurisdiction.code", read_only=True)
    session = serializers.CharField(source="bill.session.identifier", read_only=True)
    identifier = serializers.CharField(source="bill.identifier", read_only=True, help_text="The bill's identifier.")
    stage = serializers.ChoiceField(
        source="bill.stage", choices=Stage.choices, read_only=True, help_text="The bill's current stage."
    )


REVIEW_FIELDS = ["review_status", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at", "review_note"]
# The review fields as list rows read them (api/rows.py): the people by username.
REVIEW_COLUMNS = {name: f"{name}__username" if name.endswith("_by") else name for name in REVIEW_FIELDS}


class ReviewFieldsMixin(serializers.Serializer):
    """The four-eyes review of a link, a measure or a progress override (who wrote it, who decided, when, why)."""

    review_status = serializers.ChoiceField(
        choices=ReviewStatus.choices,
        read_only=True,
        help_text="`pending` until a Reviewer other than its author approves it; only `approved` is public.",
    )
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    reviewed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    review_note = serializers.CharField(read_only=True, help_text="The reviewer's reason.")


class BillLinkSerializer(ReviewFieldsMixin, RecommendationBillSerializer):
    """A bill or a measure (exactly one) linked to a recommendation, with its effect, the reason staff gave and
    its review. Bill fields (`session`, `identifier`, `stage`) are null for a measure, and `measure_status` for a
    bill."""

    jurisdiction = serializers.CharField(source="jurisdiction.code", read_only=True, help_text="Jurisdiction code.")
    session = serializers.CharField(source="bill.session.identifier", read_only=True, allow_null=True, default=None)
    identifier = serializers.CharField(
        source="bill.identifier", read_only=True, allow_null=True, default=None, help_text="The bill's identifier."
    )
    stage = serializers.ChoiceField(
        source="bill.stage",
        choices=Stage.choices,
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The bill's current stage.",
    )
    measure_status = serializers.ChoiceField(
        source="measure.status",
        choices=MeasureStatus.choices,
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The measure's status.",
    )

    class Meta:
        model = BillLink
        fields = [
            "id",
            "recommendation",
            "recommendation_code",
            "bill",
            "measure",
            "jurisdiction",
            "session",
            "identifier",
            "stage",
            "measure_status",
            "effect",
            "rationale",
            "evidence_url",
            "created_at",
            *REVIEW_FIELDS,
        ]


# The links list's rows (api/rows.py): output name -> ORM path or expression, in the order of BillLinkSerializer's
# fields; the times among them are written as the serializer writes them.
LINK_LIST_COLUMNS: dict[str, Any] = {
    "id": "id",
    "recommendation": "recommendation_id",
    "recommendation_code": "recommendation__code",
    "bill": "bill_id",
    "measure": "measure_id",
    "jurisdiction": Coalesce("bill__jurisdiction__code", "measure__jurisdiction__code"),
    "session": "bill__session__identifier",
    "identifier": "bill__identifier",
    "stage": "bill__stage",
    "measure_status": "measure__status",
    "effect": "effect",
    "rationale": "rationale",
    "evidence_url": "evidence_url",
    "created_at": "created_at",
    **REVIEW_COLUMNS,
}
REVIEW_DATETIMES = ("submitted_at", "reviewed_at")


class BillLinkWriteSerializer(serializers.ModelSerializer):
    """Body of `POST /links/` and `PUT/PATCH /links/{id}/`: `bill` or `measure`, exactly one. A link's
    recommendation, bill and measure are fixed once made: to move a link, delete it and make another."""

    recommendation = serializers.PrimaryKeyRelatedField(
        queryset=Recommendation.objects.all(), help_text="Id of the recommendation."
    )
    bill = serializers.PrimaryKeyRelatedField(
        queryset=Bill.objects.all(), required=False, allow_null=True, default=None, help_text="Id of the bill."
    )
    measure = serializers.PrimaryKeyRelatedField(
        queryset=Measure.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of the measure (instead of a bill).",
    )
    effect = serializers.ChoiceField(choices=Effect.choices)
    rationale = serializers.CharField(help_text="Why the bill bears on the recommendation, in a sentence or two.")
    evidence_url = serializers.URLField(
        max_length=1000, required=False, allow_blank=True, default="", help_text="Where the rationale can be checked."
    )

    class Meta:
        model = BillLink
        fields = ["recommendation", "bill", "measure", "effect", "rationale", "evidence_url"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            for name in ("recommendation", "bill", "measure"):
                if name in self.initial_data and attrs.get(name) != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: ["A link's recommendation, bill and measure cannot change."]}
                    )
            return attrs
        if (attrs.get("bill") is None) == (attrs.get("measure") is None):
            raise serializers.ValidationError({"non_field_errors": ["Give a bill or a measure: exactly one."]})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> BillLink:
        try:
            return bill_link_create(**validated_data, user=self.context["request"].user)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc

    def update(self, instance: BillLink, validated_data: dict[str, Any]) -> BillLink:
        values = {name: validated_data.get(name, getattr(instance, name)) for name in ("effect", "rationale")}
        values["evidence_url"] = (
            validated_data["evidence_url"] if "evidence_url" in self.initial_data else instance.evidence_url
        )
        try:
            link, _ = bill_link_upsert(
                recommendation=instance.recommendation,
                bill=instance.bill,
                measure=instance.measure,
                user=self.context["request"].user,
                **values,
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return link


class ReviewDecisionSerializer(serializers.Serializer):
    """Body of `POST /{links|measures|progress}/{id}/review/`."""

    decision = serializers.ChoiceField(choices=[(name, name) for name in REVIEW_DECISIONS])
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="Why; shown with it.")


# --- Measures ---------------------------------------------------------------------------------------------------


class MeasureLinkSerializer(ReviewFieldsMixin, serializers.ModelSerializer):
    """A link seen from its measure: which recommendation, and the effect."""

    recommendation_code = serializers.CharField(source="recommendation.code", read_only=True)

    class Meta:
        model = BillLink
        fields = ["id", "recommendation", "recommendation_code", "effect", "rationale", "evidence_url", *REVIEW_FIELDS]


class MeasureSerializer(ReviewFieldsMixin, serializers.ModelSerializer):
    """A non-bill measure: a prosecutor's or police policy, an executive order, a ballot measure, a court ruling, a
    regulation, a programme or guidance. Counted in progress like a bill: `adopted` and `in_effect` as enacted,
    `proposed` as pending, `rescinded` and `struck_down` as failed."""

    jurisdiction = JurisdictionCodeField(help_text="Jurisdiction code (ca, a county's or an office's code), any case.")
    kind = serializers.ChoiceField(choices=MeasureKind.choices)
    status = serializers.ChoiceField(choices=MeasureStatus.choices)
    url = serializers.URLField(max_length=1000, help_text="The measure itself, at its publisher.")
    evidence_url = serializers.URLField(
        max_length=1000, required=False, allow_blank=True, default="", help_text="Where its status can be checked."
    )
    html_url = serializers.SerializerMethodField(
        help_text="Absolute URL of the measure's page on this site (/measures/<jurisdiction>/<id>-<slug>/)."
    )

    class Meta:
        model = Measure
        fields = [
            "id",
            "jurisdiction",
            "kind",
            "title",
            "summary",
            "status",
            "date",
            "url",
            "evidence_url",
            "html_url",
            "created_at",
            "updated_at",
            *REVIEW_FIELDS,
        ]
        read_only_fields = ["created_at", "updated_at"]

    @extend_schema_field(serializers.URLField())
    def get_html_url(self, obj: Measure) -> str:
        return absolute_url(self.context.get("request"), obj.get_absolute_url())

    def create(self, validated_data: dict[str, Any]) -> Measure:
        try:
            return measure_create(**validated_data, user=self.context["request"].user)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc

    def update(self, instance: Measure, validated_data: dict[str, Any]) -> Measure:
        try:
            measure, _ = measure_update(measure=instance, user=self.context["request"].user, **validated_data)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return measure


# The measures list's columns (api/rows.py), in MeasureSerializer's order; `html_url` holds the id until the view
# writes the page's URL there (from the code, id and title of the row).
MEASURE_LIST_COLUMNS = serializer_columns(
    MeasureSerializer, {"jurisdiction": "jurisdiction__code", "html_url": "id", **REVIEW_COLUMNS}
)


class MeasureDetailSerializer(MeasureSerializer):
    links = MeasureLinkSerializer(many=True, read_only=True, help_text="Recommendations this measure bears on.")

    class Meta(MeasureSerializer.Meta):
        fields = [*MeasureSerializer.Meta.fields, "links"]


# --- Progress ---------------------------------------------------------------------------------------------------


PROPOSAL_FIELDS = ("proposed_status", "proposed_reason", "proposed_evidence_url", "submitted_by", "submitted_at")


class ProgressSerializer(ReviewFieldsMixin, serializers.ModelSerializer):
    """Where a recommendation stands in one jurisdiction. `basis` says whether the status is the rule's
    (`computed`) or a staff review (`reviewed`, with its reason and evidence); `computed_status` is always the
    rule's. A staff override waiting for review is a proposal (`proposed_*`, `review_status: pending`), shown to
    staff only (null for anonymous readers); the review fields say who decided the last one, when and why."""

    recommendation_code = serializers.CharField(source="recommendation.code", read_only=True)
    jurisdiction = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="Jurisdiction code.")
    proposed_status = serializers.ChoiceField(
        choices=ProgressStatus.choices, read_only=True, allow_null=True, allow_blank=True
    )
    proposed_reason = serializers.CharField(read_only=True, allow_null=True)
    proposed_evidence_url = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Progress
        fields = [
            "id",
            "recommendation",
            "recommendation_code",
            "jurisdiction",
            "status",
            "basis",
            "computed_status",
            "reason",
            "evidence_url",
            "updated_at",
            "proposed_status",
            "proposed_reason",
            "proposed_evidence_url",
            *REVIEW_FIELDS,
        ]

    def to_representation(self, instance: Progress) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("sees_unreviewed"):
            data.update(dict.fromkeys(PROPOSAL_FIELDS))
        return data


# The progress list's rows (api/rows.py), in the order of ProgressSerializer's fields.
PROGRESS_LIST_COLUMNS: dict[str, Any] = {
    "id": "id",
    "recommendation": "recommendation_id",
    "recommendation_code": "recommendation__code",
    "jurisdiction": "jurisdiction__code",
    "status": "status",
    "basis": "basis",
    "computed_status": "computed_status",
    "reason": "reason",
    "evidence_url": "evidence_url",
    "updated_at": "updated_at",
    "proposed_status": "proposed_status",
    "proposed_reason": "proposed_reason",
    "proposed_evidence_url": "proposed_evidence_url",
    **REVIEW_COLUMNS,
}


class ProgressReviewSerializer(serializers.Serializer):
    """A staff review of a status: the status, why, and where the evidence is. Kept in the history."""

    recommendation = serializers.PrimaryKeyRelatedField(
        queryset=Recommendation.objects.all(), help_text="Id of the recommendation."
    )
    jurisdiction = JurisdictionCodeField(help_text="Jurisdiction code (ca, us), any case.")
    status = serializers.ChoiceField(choices=ProgressStatus.choices)
    reason = serializers.CharField(help_text="Why the status differs from the rule, or why it was confirmed.")
    evidence_url = serializers.URLField(max_length=1000, help_text="Where the evidence can be checked.")

    def save(self, **kwargs: Any) -> Progress:
        try:
            self.instance = progress_review(**self.validated_data, user=self.context["request"].user)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return self.instance


class ProgressChangeSerializer(serializers.Serializer):
    """Body of `PUT/PATCH /progress/{id}/`: a review of that recommendation in that jurisdiction."""

    status = serializers.ChoiceField(choices=ProgressStatus.choices)
    reason = serializers.CharField()
    evidence_url = serializers.URLField(max_length=1000)


# --- Changes ----------------------------------------------------------------------------------------------------


class ChangeSerializer(serializers.Serializer):
    """One change in the feed: a bill that moved stage (`kind: stage`), a progress value that changed
    (`kind: progress`), or a measure made public or whose status changed (`kind: measure`). Fields of the other
    kinds are null."""

    id = serializers.CharField(
        help_text="Unique in the feed: `stage-<id>`, `progress-<history id>` or `measure-<history id>`."
    )
    kind = serializers.ChoiceField(choices=CHANGE_KINDS)
    at = serializers.DateTimeField(help_text="When the tracker recorded the change.")
    jurisdiction = serializers.CharField(help_text="Jurisdiction code.")
    bill = serializers.IntegerField(allow_null=True)
    session = serializers.CharField(allow_null=True)
    identifier = serializers.CharField(allow_null=True, help_text="The bill's identifier.")
    from_stage = serializers.ChoiceField(choices=Stage.choices, allow_null=True, allow_blank=True)
    to_stage = serializers.ChoiceField(choices=Stage.choices, allow_null=True)
    stage_date = serializers.DateField(allow_null=True, help_text="When the bill reached the new stage.")
    source = serializers.ChoiceField(choices=Source.choices, allow_null=True, help_text="Source of the stage change.")
    recommendation = serializers.IntegerField(allow_null=True)
    recommendation_code = serializers.CharField(allow_null=True)
    from_status = serializers.ChoiceField(choices=ProgressStatus.choices, allow_null=True)
    to_status = serializers.ChoiceField(choices=ProgressStatus.choices, allow_null=True)
    basis = serializers.ChoiceField(choices=ProgressBasis.choices, allow_null=True)
    reason = serializers.CharField(allow_null=True, allow_blank=True)
    evidence_url = serializers.CharField(allow_null=True, allow_blank=True)
    measure = serializers.IntegerField(allow_null=True, help_text="Id of the measure (`kind: measure`).")
    measure_kind = serializers.ChoiceField(choices=MeasureKind.choices, allow_null=True)
    measure_title = serializers.CharField(allow_null=True)
    measure_url = serializers.CharField(allow_null=True, help_text="The measure at its publisher.")
    from_measure_status = serializers.ChoiceField(
        choices=MeasureStatus.choices, allow_null=True, help_text="Null when the measure is new to the public."
    )
    to_measure_status = serializers.ChoiceField(choices=MeasureStatus.choices, allow_null=True)
    measure_date = serializers.DateField(allow_null=True, help_text="When the measure reached its status.")


class ChangePageSerializer(serializers.Serializer):
    next = serializers.URLField(
        help_text="Where to continue: the changes after the last one here. Poll it for new changes; it is never null."
    )
    results = ChangeSerializer(many=True)


# --- Freshness, import runs, exports ----------------------------------------------------------------------------


class FreshnessScopeSerializer(serializers.Serializer):
    scope = serializers.CharField(help_text="What the run covered (files, or a jurisdiction and kind of sync).")
    last_success_at = serializers.DateTimeField(help_text="When its last successful run finished.")
    stale = serializers.BooleanField()


class FreshnessSourceSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=Source.choices)
    last_success_at = serializers.DateTimeField(
        allow_null=True, help_text="When the last successful (or partly successful) import finished."
    )
    last_attempt_at = serializers.DateTimeField(allow_null=True, help_text="When the last import started.")
    last_status = serializers.CharField(allow_null=True, help_text="Status of the last import.")
    stale = serializers.BooleanField(help_text="No success within the freshness threshold.")
    scopes = FreshnessScopeSerializer(many=True)


class DemoSnapshotSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The date of the snapshot's facts.")
    description = serializers.CharField()
    sources_statement = serializers.CharField(help_text="Where the snapshot's facts come from.")
    source_domains = serializers.ListField(child=serializers.CharField())
    loaded_at = serializers.DateTimeField(allow_null=True)


class FreshnessSerializer(serializers.Serializer):
    checked_at = serializers.DateTimeField()
    demo_snapshot = DemoSnapshotSerializer(
        allow_null=True,
        help_text="Set when the demo data is loaded: those bills are a dated snapshot of real bills, not live data.",
    )
    stale_after_hours = serializers.IntegerField(help_text="A source is stale without a success for this long.")
    stale = serializers.BooleanField(help_text="Some source is stale.")
    sources = FreshnessSourceSerializer(many=True)


class ImportRunSerializer(serializers.ModelSerializer):
    duration_seconds = serializers.SerializerMethodField()

    class Meta:
        model = ImportRun
        fields = [
            "id",
            "source",
            "scope",
            "status",
            "started_at",
            "finished_at",
            "duration_seconds",
            "inserted",
            "updated",
            "unchanged",
            "failed",
            "requests",
            "errors",
            "note",
        ]

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_duration_seconds(self, obj: ImportRun) -> float | None:
        return obj.duration.total_seconds() if obj.duration else None


class ExportFileSerializer(serializers.Serializer):
    name = serializers.CharField()
    date = serializers.DateField(help_text="Day the export was built.")
    format = serializers.ChoiceField(choices=[("json", "JSON"), ("csv", "CSV")])
    size = serializers.IntegerField(help_text="Bytes.")
    url = serializers.URLField()
    attribution = serializers.CharField(help_text="Credit owed for the data in the export.")


# --- Triage -------------------------------------------------------------------------------------------------------


class TriageCandidateSerializer(RecommendationBillSerializer):
    """A bill that discovery found for a recommendation, and what staff decided."""

    title = serializers.CharField(source="bill.title", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    link = serializers.SerializerMethodField(help_text="Id of the link between the bill and the recommendation.")

    class Meta:
        model = TriageCandidate
        fields = [
            "id",
            "recommendation",
            "recommendation_code",
            "bill",
            "jurisdiction",
            "session",
            "identifier",
            "title",
            "stage",
            "source",
            "query",
            "saved_search",
            "first_seen_at",
            "last_seen_at",
            "status",
            "decided_by",
            "decided_at",
            "note",
            "link",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_link(self, obj: TriageCandidate) -> int | None:
        return getattr(obj, "link_id", None)


class TriageDecisionSerializer(serializers.Serializer):
    """Body of `POST /triage/{id}/decision/`."""

    status = serializers.ChoiceField(
        choices=[(value, label) for value, label in TriageStatus.choices if value != TriageStatus.PENDING],
        help_text="`accepted` (the bill bears on the recommendation) or `rejected` (discovery will not queue it "
        "again).",
    )
    note = serializers.CharField(required=False, allow_blank=True, help_text="Why; kept with the decision.")
    effect = serializers.ChoiceField(
        choices=Effect.choices,
        required=False,
        help_text="With `accepted`: also link the bill with this effect (needs the `add_billlink` permission).",
    )
    rationale = serializers.CharField(
        required=False, allow_blank=True, help_text="With an `effect`: why the bill bears on the recommendation."
    )
    evidence_url = serializers.URLField(max_length=1000, required=False, allow_blank=True, default="")
