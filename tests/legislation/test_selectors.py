"""Reads of the legislation app that every page shares."""

import datetime

import pytest

from legislation.models import ImportRun
from legislation.selectors import data_freshness

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)


def _run(source: str, hours_ago: int | None, *, status: str = "succeeded", scope: str = "") -> ImportRun:
    finished = NOW - datetime.timedelta(hours=hours_ago) if hours_ago is not None else None
    return ImportRun.objects.create(
        source=source, scope=scope or f"{source} {hours_ago}", status=status, started_at=NOW, finished_at=finished
    )


def test_freshness_is_each_source_s_last_successful_run_newest_first_in_one_query(django_assert_num_queries):
    _run("openstates", 30)
    latest_openstates = _run("openstates", 3, status="partial")
    _run("openstates", 1, status="failed")  # failed: not data
    _run("openstates", None, status="running")  # not finished
    latest_legiscan = _run("legiscan", 2)
    _run("legiscan", 20)
    with django_assert_num_queries(1):
        freshness = data_freshness()
    assert [(item.source, item.import_run_id) for item in freshness] == [
        ("legiscan", latest_legiscan.pk),
        ("openstates", latest_openstates.pk),
    ]
    assert freshness[0].label == "LegiScan"
    assert freshness[1].finished_at == NOW - datetime.timedelta(hours=3)
    assert freshness[1].scope == "openstates 3"


def test_no_finished_import_means_no_freshness(django_assert_num_queries):
    _run("congress", None, status="running")
    with django_assert_num_queries(1):
        assert data_freshness() == []


def test_bill_page_count_joins_only_the_tables_its_conditions_use():
    """The total of the bills list counts bills alone unless a condition is on the jurisdiction (`j`) or the
    session (`s`): every bill has both, and joining them for nothing made the unfiltered count two hash joins over
    every bill."""
    from legislation.selectors import _bill_page_sql

    def count_part(where: str) -> str:
        sql = _bill_page_sql(("id",), where, (), counted=True)
        return sql[sql.index("(SELECT count(*)") : sql.index(") FROM (SELECT")]

    assert "JOIN" not in count_part("TRUE")
    assert "JOIN" not in count_part('b."stage" = %s')
    assert count_part('j."code" = %s').count("JOIN") == 1
    assert " j ON " in count_part('j."code" = %s')
    assert count_part('j."code" = %s AND s."identifier" = %s').count("JOIN") == 2
    assert "count(*)" not in _bill_page_sql(("id",), "TRUE", (), counted=False)  # a total already known
