"""Links in the report's order: each link keeps its recommendation's place (BillLink.position), kept in step when the
report is reordered, and the links' default order is read from an index on it."""

import io
import json

import pytest
from django.db import connection

from recommendations.models import BillLink, Recommendation
from recommendations.selectors import bill_link_list
from recommendations.snapshot import export_snapshot, import_snapshot
from tests.factories import AudienceFactory, BillLinkFactory, RecommendationFactory

pytestmark = pytest.mark.django_db


def place(recommendation: Recommendation) -> int:
    return Recommendation.objects.with_position().get(pk=recommendation.pk).position


@pytest.fixture
def report():
    """Two audiences of two recommendations each, every recommendation with two linked bills."""
    first, second = AudienceFactory(order=1), AudienceFactory(order=2)
    recommendations = [
        RecommendationFactory(audience=audience, order=order) for audience in (first, second) for order in (1, 2)
    ]
    for recommendation in reversed(recommendations):  # created out of order: ids do not give the order
        BillLinkFactory.create_batch(2, recommendation=recommendation)
    return {"audiences": (first, second), "recommendations": recommendations}


def listed(recommendations: list[Recommendation]) -> list[str]:
    codes = {recommendation.pk: recommendation.code for recommendation in recommendations}
    return [codes[link.recommendation_id] for link in bill_link_list(public=False)]


def test_a_link_keeps_its_recommendations_place(report):
    for link in BillLink.objects.select_related("recommendation"):
        assert link.position == place(link.recommendation) > 0


def test_the_links_follow_the_reports_order(report):
    recommendations = report["recommendations"]
    assert listed(recommendations) == [r.code for r in recommendations for _ in range(2)]


def test_reordering_a_recommendation_moves_its_links(report):
    first, second, third, fourth = report["recommendations"]
    second.order = 0  # before the first, in the same audience
    second.save()
    assert listed(report["recommendations"]) == [r.code for r in (second, first, third, fourth) for _ in range(2)]


def test_reordering_an_audience_moves_its_links(report):
    first, second, third, fourth = report["recommendations"]
    audience = report["audiences"][1]
    audience.order = 0
    audience.save()
    assert listed(report["recommendations"]) == [r.code for r in (third, fourth, first, second) for _ in range(2)]


def test_a_link_moved_to_another_recommendation_takes_its_place(report):
    link = BillLink.objects.filter(recommendation=report["recommendations"][0]).first()
    link.recommendation = report["recommendations"][3]
    link.save(update_fields=["recommendation"])
    link.refresh_from_db()
    assert link.position == place(report["recommendations"][3])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_the_default_order_is_read_from_its_index(report):
    ids = bill_link_list(public=True).values("id")[:50]
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")  # a plan that must sort then costs more than any index scan
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "billlink_report_order" in plan, plan
    assert "Sort" not in plan, plan


def test_snapshots_carry_no_position_and_a_loaded_link_gets_its_place(report):
    out = io.StringIO()
    export_snapshot(out)
    document = out.getvalue()
    links = [record for record in map(json.loads, document.splitlines()) if record.get("type") == "billlink"]
    assert len(links) == 8
    assert not [record for record in links if "position" in record]
    BillLink.objects.all().delete()
    import_snapshot(io.StringIO(document))
    for link in BillLink.objects.select_related("recommendation"):
        assert link.position == place(link.recommendation)
