"""FilterSets of the recommendations app, shared by the HTML pages and the API.

Bills are filtered by what links them to the report (`recommendation`, `audience`, `effect`) here rather than in
legislation/filters.py, so that the legislation app never depends on this one.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from legislation.choices import Stage
from legislation.filters import (
    BillFilter,
    DateTimeFilter,
    FilterSet,
    ListFilter,
    StableOrderingFilter,
    jurisdiction_codes,
)

from .models import (
    BillLink,
    Effect,
    Progress,
    ProgressBasis,
    ProgressStatus,
    Recommendation,
    TriageCandidate,
    TriageStatus,
)

MAX_ID = 2**63 - 1


def recommendation_q(values: list[str], prefix: str = "") -> Q:
    """Recommendations given by id (`12`) or code (`PM-1`)."""
    numbers = [value for value in values if value.isascii() and value.isdigit()]
    ids = [int(value) for value in numbers if int(value) <= MAX_ID]
    codes = [value for value in values if value not in numbers]
    return Q(**{f"{prefix}id__in": ids}) | Q(**{f"{prefix}code__in": codes})


def recommendation_refs(help_text: str) -> ListFilter:
    return ListFilter(method="filter_recommendation", base_field=forms.CharField(max_length=20), help_text=help_text)


def audience_slugs(help_text: str) -> ListFilter:
    return ListFilter(method="filter_audience", base_field=forms.SlugField(max_length=50), help_text=help_text)


def effects() -> ListFilter:
    return ListFilter(
        base_field=forms.ChoiceField(choices=Effect.choices), help_text="Effect of the link; repeatable."
    )


class TrackedBillFilter(BillFilter):
    """Bills, also by the links that tie them to recommendations; the link conditions hold for one same link."""

    recommendation = recommendation_refs(
        "Bills linked to this recommendation (id or code, e.g. 12 or PM-1); repeatable."
    )
    audience = audience_slugs("Bills linked to a recommendation for this audience (slug); repeatable.")
    effect = ListFilter(
        method="filter_link",
        base_field=forms.ChoiceField(choices=Effect.choices),
        help_text="Bills linked with this effect; repeatable.",
    )

    class Meta(BillFilter.Meta):
        fields = [*BillFilter.Meta.fields, "recommendation", "audience", "effect"]

    def filter_recommendation(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset  # applied with the other link conditions in filter_queryset

    filter_audience = filter_link = filter_recommendation

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        conditions = Q()
        if data.get("recommendation"):
            conditions &= recommendation_q(data["recommendation"], "recommendation__")
        if data.get("audience"):
            conditions &= Q(recommendation__audience__slug__in=data["audience"])
        if data.get("effect"):
            conditions &= Q(effect__in=data["effect"])
        if not conditions:
            return queryset
        return queryset.filter(Exists(BillLink.objects.filter(conditions, bill=OuterRef("pk"))))


class RecommendationFilter(FilterSet):
    code = ListFilter(base_field=forms.CharField(max_length=20), help_text="Recommendation code (PM-1); repeatable.")
    audience = ListFilter(
        field_name="audience__slug", base_field=forms.SlugField(max_length=50), help_text="Audience slug; repeatable."
    )
    report = django_filters.CharFilter(field_name="report__slug", max_length=50, help_text="Report slug.")
    top_level = django_filters.BooleanFilter(
        field_name="parent", lookup_expr="isnull", help_text="true: only recommendations, false: only sub-items."
    )

    class Meta:
        model = Recommendation
        fields = ["code", "audience", "report", "top_level"]


class BillLinkFilter(FilterSet):
    recommendation = recommendation_refs("Links to this recommendation (id or code); repeatable.")
    audience = audience_slugs("Links to recommendations for this audience (slug); repeatable.")
    bill = ListFilter(base_field=forms.IntegerField(min_value=1, max_value=MAX_ID), help_text="Bill id; repeatable.")
    jurisdiction = jurisdiction_codes(field_name="bill__jurisdiction__code")
    effect = effects()
    stage = ListFilter(
        field_name="bill__stage",
        base_field=forms.ChoiceField(choices=Stage.choices),
        help_text="Bill's current stage; repeatable.",
    )
    session = django_filters.CharFilter(
        field_name="bill__session__identifier",
        max_length=100,
        help_text="Bill's session identifier as the sources name it: 118.",
    )
    created_since = DateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="Links made at or after this ISO 8601 time."
    )
    ordering = StableOrderingFilter(
        fields=(("created_at", "created_at"), ("id", "id")),
        help_text="Sort by these fields; by recommendation, then bill.",
    )

    class Meta:
        model = BillLink
        fields = ["recommendation", "audience", "bill", "jurisdiction", "effect", "stage", "session"]

    def filter_recommendation(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(recommendation_q(value, "recommendation__")) if value else queryset

    def filter_audience(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(recommendation__audience__slug__in=value) if value else queryset


class ProgressFilter(FilterSet):
    recommendation = recommendation_refs("Progress of this recommendation (id or code); repeatable.")
    audience = audience_slugs("Progress of recommendations for this audience (slug); repeatable.")
    jurisdiction = jurisdiction_codes()
    status = ListFilter(
        base_field=forms.ChoiceField(choices=ProgressStatus.choices), help_text="Progress status; repeatable."
    )
    basis = ListFilter(
        base_field=forms.ChoiceField(choices=ProgressBasis.choices),
        help_text="computed (the rule) or reviewed (staff).",
    )
    updated_since = DateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after this ISO 8601 time."
    )
    ordering = StableOrderingFilter(
        fields=(("updated_at", "updated_at"), ("id", "id")),
        help_text="Sort by these fields; by recommendation, then jurisdiction, when absent.",
    )

    class Meta:
        model = Progress
        fields = ["recommendation", "audience", "jurisdiction", "status", "basis"]

    filter_recommendation = BillLinkFilter.filter_recommendation
    filter_audience = BillLinkFilter.filter_audience


class TriageFilter(FilterSet):
    status = ListFilter(
        base_field=forms.ChoiceField(choices=TriageStatus.choices),
        help_text="pending, accepted, rejected; repeatable.",
    )
    recommendation = recommendation_refs("Candidates for this recommendation (id or code); repeatable.")
    jurisdiction = jurisdiction_codes(field_name="bill__jurisdiction__code")
    source = ListFilter(base_field=forms.SlugField(max_length=20), help_text="Source that found the bill.")
    ordering = StableOrderingFilter(
        fields=(("first_seen_at", "first_seen_at"), ("decided_at", "decided_at"), ("id", "id")),
        help_text="Sort by these fields; pending first, newest first, when absent.",
    )

    class Meta:
        model = TriageCandidate
        fields = ["status", "recommendation", "jurisdiction", "source"]

    filter_recommendation = BillLinkFilter.filter_recommendation
