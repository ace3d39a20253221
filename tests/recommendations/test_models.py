import pytest
from django.db import IntegrityError

from recommendations.models import Progress, ProgressBasis, ProgressStatus
from tests.factories import BillLinkFactory, JurisdictionFactory, RecommendationFactory

pytestmark = pytest.mark.django_db


def test_one_link_per_recommendation_and_bill():
    link = BillLinkFactory()
    with pytest.raises(IntegrityError):
        BillLinkFactory(recommendation=link.recommendation, bill=link.bill)


def test_one_progress_row_per_recommendation_and_jurisdiction():
    recommendation, jurisdiction = RecommendationFactory(), JurisdictionFactory()
    Progress.objects.create(recommendation=recommendation, jurisdiction=jurisdiction)
    with pytest.raises(IntegrityError):
        Progress.objects.create(recommendation=recommendation, jurisdiction=jurisdiction)


def test_reviewed_progress_needs_reason_and_evidence():
    with pytest.raises(IntegrityError):
        Progress.objects.create(
            recommendation=RecommendationFactory(),
            jurisdiction=JurisdictionFactory(),
            status=ProgressStatus.ACHIEVED,
            basis=ProgressBasis.REVIEWED,
            reason="Signed into law",
        )


def test_recommendation_code_is_unique_per_report():
    recommendation = RecommendationFactory(code="PM-1")
    with pytest.raises(IntegrityError):
        RecommendationFactory(code="PM-1", audience=recommendation.audience)


def test_link_changes_are_kept_in_history():
    link = BillLinkFactory(effect="advances")
    link.effect = "partially_advances"
    link.save()
    assert [record.effect for record in link.history.order_by("history_date")] == ["advances", "partially_advances"]
