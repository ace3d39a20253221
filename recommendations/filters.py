"""FilterSets of the recommendations app, shared by the HTML pages and the API.

Bills are filtered by what links them to the report (`recommendation`, `audience`, `effect`) here rather than in
legislation/filters.py, so that the legislation app never depends on this one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import EmptyResultSet
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict

from legislation.choices import Stage
from legislation.filters import (
    BillFilter,
    BooleanFilter,
    DateTimeFilter,
    FilterSet,
    ListFilter,
    SqlConditions,
    StableOrderingFilter,
    jurisdiction_codes,
)

from .models import (
    BillLink,
    Effect,
    Measure,
    MeasureKind,
    MeasureStatus,
    Progress,
    ProgressBasis,
    ProgressStatus,
    Recommendation,
    ReviewStatus,
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

    @staticmethod
    def _link_conditions(data: Mapping[str, Any]) -> Q:
        """What a link must satisfy, from cleaned values: every condition on one same link."""
        conditions = Q()
        if data.get("recommendation"):
            conditions &= recommendation_q(data["recommendation"], "recommendation__")
        if data.get("audience"):
            conditions &= Q(recommendation__audience__slug__in=data["audience"])
        if data.get("effect"):
            conditions &= Q(effect__in=data["effect"])
        return conditions

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        conditions = self._link_conditions(self.form.cleaned_data)
        if not conditions:
            return queryset
        return queryset.filter(Exists(BillLink.objects.filter(conditions, bill=OuterRef("pk"))))

    # The link filters in SQL, for the bills list's prepared statement (FilterSet.sql_conditions): each one alone
    # adds nothing there; `sql_conditions` below adds them together, as one condition on the links.
    @staticmethod
    def sql_recommendation(value: list[str], columns: Mapping[str, str]) -> tuple[str, tuple]:
        return "", ()

    sql_audience = sql_effect = sql_recommendation

    @classmethod
    def sql_conditions(cls, data: QueryDict, columns: Mapping[str, str]) -> SqlConditions | None:
        """The bill conditions of BillFilter, and the link conditions as the SQL the ORM compiles for
        `filter_queryset`'s subquery (the same query, so the same bills): the bill's id among the bills of the links
        that satisfy them all."""
        conditions = super().sql_conditions(data, columns)
        if conditions is None or "id" not in columns:
            return conditions
        fields = cls._form_fields()
        cleaned = {}
        for name in ("recommendation", "audience", "effect"):
            if name in data:  # valid: super() cleaned it already
                cleaned[name] = fields[name].clean(fields[name].widget.value_from_datadict(data, {}, name))
        link_conditions = cls._link_conditions(cleaned)
        if not link_conditions:
            return conditions
        links = BillLink.objects.filter(link_conditions, bill__isnull=False).order_by().values("bill_id")
        try:
            sql, params = links.query.sql_with_params()
        except EmptyResultSet:  # ids past 64 bits and no code: no link can match
            sql, params = "", ()
        condition = f"{columns['id']} IN ({sql})" if sql else "FALSE"
        return dataclasses.replace(
            conditions,
            sql=" AND ".join(part for part in (conditions.sql, condition) if part and part != "TRUE"),
            params=(*conditions.params, *params),
        )


class BulkBillFilter(TrackedBillFilter):
    """Bulk listings are ordered by id for their cursors."""

    ordering = None


class RecommendationFilter(FilterSet):
    code = ListFilter(base_field=forms.CharField(max_length=20), help_text="Recommendation code (PM-1); repeatable.")
    audience = ListFilter(
        field_name="audience__slug", base_field=forms.SlugField(max_length=50), help_text="Audience slug; repeatable."
    )
    report = django_filters.CharFilter(field_name="report__slug", max_length=50, help_text="Report slug.")
    top_level = BooleanFilter(
        field_name="parent", lookup_expr="isnull", help_text="true: only recommendations, false: only sub-items."
    )

    class Meta:
        model = Recommendation
        fields = ["code", "audience", "report", "top_level"]


def review_statuses() -> ListFilter:
    return ListFilter(
        base_field=forms.ChoiceField(choices=ReviewStatus.choices),
        help_text="pending, approved, rejected; repeatable (staff: anonymous readers see approved ones only).",
    )


class BillLinkFilter(FilterSet):
    recommendation = recommendation_refs("Links to this recommendation (id or code); repeatable.")
    audience = audience_slugs("Links to recommendations for this audience (slug); repeatable.")
    bill = ListFilter(base_field=forms.IntegerField(min_value=1, max_value=MAX_ID), help_text="Bill id; repeatable.")
    measure = ListFilter(
        base_field=forms.IntegerField(min_value=1, max_value=MAX_ID), help_text="Measure id; repeatable."
    )
    jurisdiction = ListFilter(
        method="filter_jurisdiction",
        base_field=forms.SlugField(max_length=60),
        normalise=str.lower,
        help_text="Jurisdiction of the bill or measure (ca, dc, pr, us, a local code), any case; repeatable.",
    )
    review_status = review_statuses()
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
        fields = [
            "recommendation",
            "audience",
            "bill",
            "measure",
            "jurisdiction",
            "effect",
            "stage",
            "session",
            "review_status",
        ]

    def filter_recommendation(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(recommendation_q(value, "recommendation__")) if value else queryset

    def filter_jurisdiction(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(Q(bill__jurisdiction__code__in=value) | Q(measure__jurisdiction__code__in=value))

    def filter_audience(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(recommendation__audience__slug__in=value) if value else queryset


class MeasureFilter(FilterSet):
    jurisdiction = jurisdiction_codes("Jurisdiction code (ca, a county's, a city's or an office's), any case.")
    kind = ListFilter(base_field=forms.ChoiceField(choices=MeasureKind.choices), help_text="Kind; repeatable.")
    status = ListFilter(base_field=forms.ChoiceField(choices=MeasureStatus.choices), help_text="Status; repeatable.")
    recommendation = recommendation_refs("Measures linked to this recommendation (id or code); repeatable.")
    review_status = review_statuses()
    updated_since = DateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after this ISO 8601 time."
    )
    ordering = StableOrderingFilter(
        fields=(("date", "date"), ("updated_at", "updated_at"), ("id", "id")),
        help_text="Sort by these fields; by jurisdiction, then newest date, when absent.",
    )

    class Meta:
        model = Measure
        fields = ["jurisdiction", "kind", "status", "recommendation", "review_status"]

    def filter_recommendation(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        # Linked publicly: a link waiting for review does not tie a measure to a recommendation yet.
        links = BillLink.objects.public().filter(recommendation_q(value, "recommendation__"), measure=OuterRef("pk"))
        return queryset.filter(Exists(links))


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
