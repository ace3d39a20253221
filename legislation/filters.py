"""FilterSets of the legislation app, shared by the HTML pages and the API.

Every parameter validates its value in its form field, so a bad value comes back as a form error naming the
parameter (a 400 in the API) and never reaches the database. Parameters that take several values accept them
repeated (`?stage=enacted&stage=vetoed`) or comma-separated (`?stage=enacted,vetoed`).
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorField
from django.core.validators import ProhibitNullCharactersValidator
from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from .choices import JurisdictionKind, Stage
from .models import Bill, Jurisdiction

# The full-text document of a bill. The GIN index of migration 0002 is built from this very expression, and
# PostgreSQL uses an expression index only for an identical expression: change both together.
SEARCH_CONFIG = "english"
BILL_SEARCH_VECTOR = SearchVector("identifier", "title", "summary", config=SEARCH_CONFIG)
# PostgreSQL keeps that vector in a stored generated column with a GIN index (migration 0009_bill_list_indexes); it
# is not a model field, as SQLite has no such type.
BILL_SEARCH_COLUMN = RawSQL(  # noqa: S611  (model metadata, no input)
    f'{Bill._meta.db_table}."search_vector"', [], output_field=SearchVectorField()
)

MAX_VALUES = 100  # values per parameter: enough for every jurisdiction, small enough to keep queries sane

# How a filter's lookup reads in SQL, for FilterSet.sql_conditions (`in` is written out per number of values: a
# prepared `= ANY(array)` gets a generic plan twice as slow as `IN (...)` on PostgreSQL 15).
SQL_LOOKUPS = {"exact": "= %s", "in": "IN (%s, ...)", "gt": "> %s", "gte": ">= %s", "lt": "< %s", "lte": "<= %s"}


@dataclass(frozen=True, slots=True)
class SqlConditions:
    """WHERE conditions (joined by AND) and their parameters, in order; `order` the ORDER BY terms an ordering
    parameter asks for (empty: the caller's default order)."""

    sql: str
    params: tuple
    order: tuple[str, ...] = ()
    prepare: bool = True  # False: a condition whose best plan depends on its value (FilterSet.sql_planned_each)


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet, cheaper per request (the bills list is the API's busiest endpoint).

    django-filter deep-copies every filter and builds a new form class for each FilterSet it makes. These filters
    keep no state between requests, so instances take shallow copies and each FilterSet class builds its form class
    once. Subclasses that add filters per instance must not use this base.
    """

    # Filters whose SQL (`sql_<name>`) is best planned for each value: a search may match three rows (read them
    # by the index, then sort) or all of them (walk the list's order and stop at the page); a prepared statement's
    # generic plan picks one for all (42 ms instead of 2.7 for a search that matches all 50,000 bills).
    sql_planned_each: frozenset[str] = frozenset()

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None) -> None:
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or MultiValueDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
            if filter_.method is not None:
                filter_.method = filter_.method  # binds a new FilterMethod to this copy, not to the base filter

    @classmethod
    def sql_conditions(cls, data: QueryDict, columns: Mapping[str, str]) -> SqlConditions | None:
        """The conditions that the query parameters `data` ask for, in SQL, for a query written by hand where the
        ORM costs too much (api/bill_list.py). None when a parameter is invalid (the caller's general path then
        reports it, through the form) or when its condition is more than a column compared with values.

        Each parameter given is cleaned by its field in this FilterSet's form, as the form would clean it (these
        forms have no form-wide cleaning); parameters not given add nothing, as in `filter_queryset`. `columns`
        maps the filters' field names (ORM paths: `stage`, `jurisdiction__code`) to SQL expressions. A filter
        translates when django-filter would apply it as `field_name__lookup=value`: its class keeps the standard
        `filter()`, it has no `method`, is not `exclude` or `distinct`, its lookup is in SQL_LOOKUPS and its field
        is in `columns`. An ordering (`StableOrderingFilter`) gives its ORDER BY terms, and a filter with a method
        translates when the FilterSet has a `sql_<name>` for it (the full-text search `q`; a subclass may add
        conditions of its own, as TrackedBillFilter adds the link filters). Anything else gives None.
        """
        fields = cls._form_fields()
        conditions, params, order, prepare = [], [], (), True
        for name, filter_ in cls.base_filters.items():  # declared order: one statement text per set of filters
            if name not in data:
                continue
            field = fields[name]
            try:
                value = field.clean(field.widget.value_from_datadict(data, {}, name))
            except forms.ValidationError:
                return None
            if value in django_filters.constants.EMPTY_VALUES:
                continue
            translate = getattr(cls, f"sql_{name}", None) if filter_.method is not None else None
            if isinstance(filter_, StableOrderingFilter) or translate is not None:
                translated = filter_.sql_order(value, columns) if translate is None else translate(value, columns)
                if translated is None:
                    return None
                if translate is None:
                    order = translated
                elif translated[0]:
                    conditions.append(translated[0])
                    params.extend(translated[1])
                    prepare = prepare and name not in cls.sql_planned_each
                continue
            lookup = "in" if isinstance(filter_, ListFilter) else filter_.lookup_expr
            column = columns.get(filter_.field_name)
            if (
                type(filter_).filter not in _STANDARD_FILTERS
                or filter_.method is not None
                or filter_.exclude
                or filter_.distinct
                or lookup not in SQL_LOOKUPS
                or column is None
            ):
                return None
            if lookup == "in":
                conditions.append(f"{column} IN ({', '.join(['%s'] * len(value))})")
                params.extend(value)
            else:
                conditions.append(f"{column} {SQL_LOOKUPS[lookup]}")
                params.append(value)
        return SqlConditions(
            sql=" AND ".join(conditions) or "TRUE", params=tuple(params), order=order, prepare=prepare
        )

    @classmethod
    def _form_fields(cls) -> Mapping[str, forms.Field]:
        """The fields of this FilterSet's form class (made once per class, see get_form_class)."""
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = cls(queryset=cls._meta.model._default_manager.none()).get_form_class()
        return form_class.base_fields

    def get_form_class(self) -> type[forms.Form]:
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            form_class = super().get_form_class()
            form_class.base_fields = _ShallowFields(form_class.base_fields)
            cls._form_class = form_class
        return cls._form_class


class _ShallowFields(dict):
    """A form's base fields that each form copies shallowly: Django deep-copies them (widgets, choices) per form,
    which costs more than the rest of filtering; filter fields and widgets are not changed per request."""

    def __deepcopy__(self, memo: dict) -> dict:
        return {name: copy.copy(field) for name, field in self.items()}


class ListWidget(forms.TextInput):
    """Reads every value of a repeated parameter and splits comma-separated ones."""

    def value_from_datadict(self, data, files, name: str) -> list[str]:
        values = data.getlist(name) if isinstance(data, MultiValueDict) else [data.get(name)]
        return [part.strip() for value in values if value for part in value.split(",") if part.strip()]


class ListField(forms.Field):
    """A list of values, each cleaned by `base_field` and then by `normalise`; errors name the bad value."""

    widget = ListWidget

    def __init__(
        self, *, base_field: forms.Field, normalise: Callable[[str], str] | None = None, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)
        self.base_field = base_field
        self.normalise = normalise

    def clean(self, value: list[str] | None) -> list:
        values = value or []
        if len(values) > MAX_VALUES:
            raise forms.ValidationError(f"At most {MAX_VALUES} values.")
        cleaned = []
        for item in values:
            ProhibitNullCharactersValidator()(item)
            item = self.normalise(item) if self.normalise else item
            cleaned.append(self.base_field.clean(item))
        return list(dict.fromkeys(cleaned))


class ListFilter(django_filters.Filter):
    """`field_name__in` the given values; no values, no filter."""

    field_class = ListField

    def filter(self, qs: QuerySet, value: list) -> QuerySet:
        if not value:
            return qs
        return self.get_method(qs)(**{f"{self.field_name}__in": value})


# Filters whose `filter()` is `queryset.filter(field_name__lookup=value)` and nothing else.
_STANDARD_FILTERS = (django_filters.Filter.filter, ListFilter.filter)


class SafeIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time, converted to UTC: PostgreSQL refuses offsets past 16 hours, and a time that cannot be
    expressed in UTC (year 1 or 9999 with an offset) is invalid, not a 500."""

    def to_python(self, value: str | None):
        try:
            parsed = super().to_python(value)
            return parsed.astimezone(datetime.UTC) if parsed is not None else None
        except OverflowError as exc:
            raise forms.ValidationError("Enter a date/time between the years 1 and 9999.") from exc


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = SafeIsoDateTimeField


class StrictBooleanField(forms.NullBooleanField):
    """`true` or `false` (also `1`/`0`, any case); absent or empty is no filter, and anything else is a 400, where
    Django's NullBooleanField reads any other word as "no filter" and answers as if the filter had not been given."""

    TRUE, FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})
    widget = forms.TextInput  # the raw value: NullBooleanSelect turns unknown words into None before the field

    def to_python(self, value: object) -> bool | None:
        if value in (None, "") or isinstance(value, bool):
            return value if isinstance(value, bool) else None
        word = str(value).lower()
        if word in self.TRUE or word in self.FALSE:
            return word in self.TRUE
        raise forms.ValidationError("Use true or false.", code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


def choice_list(choices: list[tuple[str, str]]) -> forms.Field:
    return forms.ChoiceField(choices=choices)


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering by the given fields, then by id, so that pages never repeat or skip rows."""

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        ordering = self.ordering(value)
        return qs.order_by(*ordering) if ordering else qs

    def ordering(self, value: list[str] | None) -> list[str]:
        """The ORM ordering the values ask for, with the tiebreak; none for no values (`?ordering=,` too)."""
        ordering = [self.get_ordering_value(param) for param in value or () if param]
        if not ordering:
            return []
        return [*ordering, "-id" if ordering[-1].startswith("-") else "id"]

    def sql_order(self, value: list[str] | None, columns: Mapping[str, str]) -> tuple[str, ...] | None:
        """The same ordering as ORDER BY terms over `columns` (field name -> SQL), as Django writes them (ASC or
        DESC, the database's default placement of nulls); None when a field has no column."""
        terms = []
        for item in self.ordering(value):
            column = columns.get(item.lstrip("-"))
            if column is None:
                return None
            terms.append(f"{column} {'DESC' if item.startswith('-') else 'ASC'}")
        return tuple(terms)


def jurisdiction_codes(
    help_text: str = "Jurisdiction postal code (ca, dc, pr, us), any case; repeatable.",
    *,
    field_name: str = "jurisdiction__code",
) -> ListFilter:
    return ListFilter(
        field_name=field_name,
        base_field=forms.SlugField(max_length=60),
        normalise=str.lower,
        help_text=help_text,
    )


class JurisdictionFilter(FilterSet):
    code = jurisdiction_codes("Postal code, any case; repeatable.", field_name="code")
    kind = ListFilter(base_field=choice_list(JurisdictionKind.choices), help_text="Kind; repeatable.")
    parent = jurisdiction_codes("Code of the parent jurisdiction (a county's state).", field_name="parent__code")

    class Meta:
        model = Jurisdiction
        fields = ["code", "kind", "parent"]


class BillFilter(FilterSet):
    jurisdiction = jurisdiction_codes()
    session = django_filters.CharFilter(
        field_name="session__identifier", max_length=100, help_text="Session identifier as the sources name it: 118."
    )
    identifier = django_filters.CharFilter(
        method="filter_identifier",
        max_length=50,
        help_text="Bill identifier, matched after normalising: HB 1044, HB1044 and H.B. 1044 are the same.",
    )
    stage = ListFilter(base_field=choice_list(Stage.choices), help_text="Current stage; repeatable.")
    furthest_stage = ListFilter(
        base_field=choice_list(Stage.choices), help_text="Furthest milestone reached; repeatable."
    )
    updated_since = DateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Bills whose imported data changed at or after this ISO 8601 time (2025-01-31T00:00:00Z).",
    )
    latest_action_after = django_filters.DateFilter(
        field_name="latest_action_date", lookup_expr="gte", help_text="Latest action on or after this date."
    )
    latest_action_before = django_filters.DateFilter(
        field_name="latest_action_date", lookup_expr="lte", help_text="Latest action on or before this date."
    )
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=200,
        help_text='Full-text search in identifier, title and summary (web search syntax: words, "a phrase", -not).',
    )
    ordering = StableOrderingFilter(
        fields=(
            ("latest_action_date", "latest_action_date"),
            ("stage_date", "stage_date"),
            ("updated_at", "updated_at"),
            ("identifier", "identifier"),
            ("id", "id"),
        ),
        help_text="Sort by these fields (comma-separated, `-` for descending); by jurisdiction, session and "
        "identifier when absent.",
    )

    class Meta:
        model = Bill
        fields = ["jurisdiction", "session", "identifier", "stage", "furthest_stage"]

    def filter_identifier(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Imported lazily: the parsers' module is written separately and loads no Django code.
        from .sources.records import normalise_identifier

        return queryset.filter(identifier=normalise_identifier(value))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return bill_search(queryset, value)

    sql_planned_each = frozenset({"q"})

    @staticmethod
    def sql_q(value: str, columns: Mapping[str, str]) -> tuple[str, tuple] | None:
        """`q` as SQL (FilterSet.sql_conditions): the condition `bill_search` makes on PostgreSQL, on the stored
        search column (`columns["search_vector"]`); none for blank text."""
        text = value.strip()
        if not text:
            return "", ()
        column = columns.get("search_vector")
        if column is None:
            return None
        return f"{column} @@ websearch_to_tsquery(%s::regconfig, %s)", (SEARCH_CONFIG, text)


def bill_search(queryset: QuerySet, text: str) -> QuerySet:
    """Full-text search on PostgreSQL (GIN-indexed), a plain case-insensitive contains elsewhere (SQLite)."""
    text = text.strip()
    if not text:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        return queryset.alias(search=BILL_SEARCH_COLUMN).filter(search=query)
    return queryset.filter(Q(identifier__icontains=text) | Q(title__icontains=text) | Q(summary__icontains=text))
