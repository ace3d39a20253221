"""Pages with their total, without a window over every matching row (tracker/paging.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from legislation.models import Jurisdiction
from tests.factories import BillFactory, JurisdictionFactory
from tracker.paging import page_with_total

pytestmark = pytest.mark.django_db


@pytest.fixture
def codes() -> list[str]:
    for index in range(7):
        JurisdictionFactory(code=f"p{index}")
    return sorted(Jurisdiction.objects.filter(code__startswith="p").values_list("code", flat=True))


def page(start: int, size: int):
    matching = Jurisdiction.objects.filter(code__startswith="p").order_by("code")
    with CaptureQueriesContext(connection) as queries:
        result = page_with_total(matching.values_list("code", flat=True), matching=matching, start=start, size=size)
    return result, [query["sql"] for query in queries]


@pytest.mark.parametrize(
    ("start", "size", "rows", "queries"),
    [
        (0, 10, 7, 1),  # the only page, short: its rows are the total
        (6, 3, 1, 1),  # the last page, short
        (0, 3, 3, 2),  # a full page: counted
        (3, 4, 4, 2),  # a full last page: counted (it cannot know there is nothing after it)
        (9, 3, 0, 2),  # past the last page: counted, so that callers tell "no such page" from "no rows"
    ],
)
def test_rows_and_total(codes, start, size, rows, queries):
    result, sql = page(start, size)
    assert result.rows == codes[start : start + size]
    assert len(result.rows) == rows
    assert result.total == 7
    assert len(sql) == queries
    assert not any(" OVER " in statement.upper() for statement in sql)


def test_empty(db):
    result, sql = page(0, 10)
    assert (result.rows, result.total, len(sql)) == ([], 0, 1)


def test_count_drops_the_ordering(codes):
    _, sql = page(0, 3)
    assert "ORDER BY" not in sql[-1].upper()


def test_api_bill_list_orders_without_a_window(client):
    """`?ordering=-latest_action_date` (the general path) sorted and counted every matching bill in one window
    query; now it reads the page alone, then counts, then probes the page's bills for LegiScan data."""
    for _ in range(3):
        BillFactory()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/bills/?ordering=-latest_action_date&page_size=2")
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert len(response.json()["results"]) == 2
    assert not any(" OVER " in query["sql"].upper() for query in queries)


def test_api_counts_a_filter_once_per_data_version(client, settings):
    """A full page's total is counted once per filter and data version (api.cache.cached_count): the next page
    of the same list, or the same list in another order, runs no count; a change to the data counts again."""
    from api.cache import data_version_bump

    settings.API_COUNT_CACHE_SECONDS = 60
    data_version_bump()
    for _ in range(5):
        BillFactory()

    def total_and_counts(url: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        # A count of its own (the general path) or within the page's statement (api/bill_list.py).
        counts = [query for query in queries if "COUNT(*)" in query["sql"].upper()]
        return response.json()["count"], len(counts)

    assert total_and_counts("/api/v1/bills/?ordering=id&page_size=2") == (5, 1)
    assert total_and_counts("/api/v1/bills/?ordering=id&page_size=2&page=2") == (5, 0)
    assert total_and_counts("/api/v1/bills/?ordering=-id&page_size=2") == (5, 0)  # the same rows in another order
    BillFactory()  # saving a bill bumps the data version
    assert total_and_counts("/api/v1/bills/?ordering=id&page_size=2&page=2") == (6, 1)
