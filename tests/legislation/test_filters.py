"""FilterSet.sql_conditions: the plain column conditions of a request, in SQL, or None for the ORM to handle."""

import datetime

import pytest
from django.http import QueryDict

from legislation.filters import BillFilter, SqlConditions
from legislation.selectors import bill_sql_columns
from recommendations.filters import TrackedBillFilter


def conditions(query: str, filterset=BillFilter) -> SqlConditions | None:
    return filterset.sql_conditions(QueryDict(query), bill_sql_columns())


def test_no_filters_is_every_row():
    assert conditions("") == SqlConditions(sql="TRUE", params=())
    assert conditions("page=2&page_size=10&format=json&unknown=x") == SqlConditions(sql="TRUE", params=())


def test_lists_are_cleaned_like_the_form_and_written_out():
    result = conditions("stage=enacted,vetoed&stage=enacted&jurisdiction=CA")
    # Declared order (jurisdiction before stage), lower-cased codes, duplicates dropped.
    assert result.sql == 'j."code" IN (%s) AND b."stage" IN (%s, %s)'
    assert result.params == ("ca", "enacted", "vetoed")


def test_declared_order_whatever_the_order_of_the_query():
    assert conditions("stage=died&session=2025").sql == conditions("session=2025&stage=died").sql


def test_comparisons_and_empty_values():
    result = conditions(
        "latest_action_after=2025-02-01&latest_action_before=&updated_since=2025-03-01T02:00:00%2B02:00"
    )
    assert result.sql == 'b."updated_at" >= %s AND b."latest_action_date" >= %s'
    assert result.params == (
        datetime.datetime(2025, 3, 1, 0, 0, tzinfo=datetime.UTC),
        datetime.date(2025, 2, 1),
    )


@pytest.mark.parametrize("query", ["identifier=HB1", "ordering=bogus", "identifier=HB1&q=x"])
def test_other_methods_and_bad_orderings_are_left_to_the_orm(query):
    assert conditions(query) is None


def test_the_search_is_the_condition_of_bill_search_planned_for_each_value():
    result = conditions("stage=enacted&q=%20fentanyl%20-hemp%20")
    assert result.sql == 'b."stage" IN (%s) AND b."search_vector" @@ websearch_to_tsquery(%s::regconfig, %s)'
    assert result.params == ("enacted", "english", "fentanyl -hemp")
    assert not result.prepare
    assert conditions("stage=enacted").prepare
    assert conditions("q=%20") == SqlConditions(sql="TRUE", params=())


def test_an_ordering_is_written_as_django_orders_with_its_tiebreak():
    assert conditions("ordering=-stage_date").order == ('b."stage_date" DESC', 'b."id" DESC')
    assert conditions("ordering=identifier,-latest_action_date&stage=died").order == (
        'b."identifier" ASC',
        'b."latest_action_date" DESC',
        'b."id" DESC',
    )
    assert conditions("ordering=,").order == ()


@pytest.mark.parametrize(
    ("query", "params"),
    [
        ("recommendation=PM-1", ("PM-1",)),
        ("audience=researchers", ("researchers",)),
        ("effect=advances", ("advances",)),
        ("stage=enacted&recommendation=PM-1&effect=advances,regresses", ("enacted", "PM-1", "advances", "regresses")),
    ],
)
def test_link_conditions_are_one_subquery_on_the_links(query, params):
    """Every link condition holds for one same link: one `IN (SELECT bill_id ...)`, compiled by the ORM from the
    same conditions as `filter_queryset`, after the bill's own conditions."""
    found = conditions(query, TrackedBillFilter)
    assert found.params == params
    assert found.sql.count(" IN (SELECT ") == 1
    assert found.sql.count('"recommendations_billlink"."bill_id" IS NOT NULL') == 1
    assert "ORDER BY" not in found.sql


@pytest.mark.parametrize(
    "query", ["stage=bogus", "jurisdiction=c%20a", "updated_since=soon", "latest_action_after=2025-02-30"]
)
def test_invalid_values_are_left_to_the_form_which_names_them(query):
    assert conditions(query) is None
    form = BillFilter(QueryDict(query)).form
    assert not form.is_valid()
