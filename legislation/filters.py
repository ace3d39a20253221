"""FilterSets of the legislation app, shared by the HTML pages and the API."""

import django_filters

from .choices import Stage
from .models import Bill, Jurisdiction


class JurisdictionFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(field_name="code", lookup_expr="iexact")

    class Meta:
        model = Jurisdiction
        fields = ["code", "kind"]


class BillFilter(django_filters.FilterSet):
    jurisdiction = django_filters.CharFilter(
        field_name="jurisdiction__code", lookup_expr="iexact", help_text="Postal code: ca, dc, pr, us."
    )
    session = django_filters.CharFilter(field_name="session__identifier", help_text="Session identifier: 118.")
    identifier = django_filters.CharFilter(method="filter_identifier", help_text="HB 1044, HB1044 or H.B. 1044.")
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    furthest_stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)

    class Meta:
        model = Bill
        fields = ["jurisdiction", "session", "identifier", "stage", "furthest_stage"]

    def filter_identifier(self, queryset, name: str, value: str):
        from .sources.records import normalise_identifier

        return queryset.filter(identifier=normalise_identifier(value))
