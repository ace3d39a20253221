import datetime

import pytest
from django.core.exceptions import ValidationError

from legislation.choices import Stage
from recommendations.models import Progress, ProgressBasis, ProgressStatus, TriageCandidate
from recommendations.services import (
    bill_link_create,
    bill_link_upsert,
    progress_recompute,
    progress_review,
    progress_status_from_links,
    triage_decide,
)
from tests.factories import BillFactory, RecommendationFactory, UserFactory

D1, D2 = datetime.date(2020, 1, 1), datetime.date(2023, 1, 1)


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        ([], ProgressStatus.NO_ACTION),
        ([("related", Stage.ENACTED, D1)], ProgressStatus.NO_ACTION),
        ([("advances", Stage.ENACTED, D1)], ProgressStatus.ACHIEVED),
        ([("partially_advances", Stage.ENACTED, D1)], ProgressStatus.PARTIAL),
        ([("advances", Stage.IN_COMMITTEE, None)], ProgressStatus.IN_PROGRESS),
        ([("advances", Stage.DIED, D1), ("advances", Stage.VETOED, D2)], ProgressStatus.STALLED),
        ([("regresses", Stage.INTRODUCED, D1)], ProgressStatus.AT_RISK),
        ([("advances", Stage.ENACTED, D1), ("regresses", Stage.PASSED_ORIGIN, D2)], ProgressStatus.AT_RISK),
        ([("regresses", Stage.ENACTED, D1)], ProgressStatus.REGRESSED),
        ([("advances", Stage.ENACTED, D1), ("regresses", Stage.ENACTED, D2)], ProgressStatus.REGRESSED),
        ([("regresses", Stage.ENACTED, D1), ("advances", Stage.ENACTED, D2)], ProgressStatus.ACHIEVED),
        ([("regresses", Stage.ENACTED, D1), ("advances", Stage.ENACTED, D1)], ProgressStatus.REGRESSED),
        ([("regresses", Stage.FAILED, D1)], ProgressStatus.NO_ACTION),
    ],
)
def test_progress_rule(links, expected):
    assert progress_status_from_links(links) == expected


@pytest.mark.django_db
def test_linking_an_enacted_bill_marks_the_recommendation_achieved_there():
    bill = BillFactory(stage=Stage.ENACTED, stage_date=D1)
    recommendation = RecommendationFactory()
    link = bill_link_create(recommendation=recommendation, bill=bill, effect="advances", rationale="Cuts a minimum.")
    progress = Progress.objects.get(recommendation=recommendation, jurisdiction=bill.jurisdiction)
    assert (progress.status, progress.basis, link.history.count()) == (ProgressStatus.ACHIEVED, "computed", 1)


@pytest.mark.django_db
def test_link_upsert_says_insert_update_noop():
    bill, recommendation = BillFactory(), RecommendationFactory()
    kwargs = {"recommendation": recommendation, "bill": bill, "rationale": "Why."}
    assert bill_link_upsert(effect="advances", **kwargs)[1] == "insert"
    assert bill_link_upsert(effect="advances", **kwargs)[1] == "noop"
    link, result = bill_link_upsert(effect="regresses", **kwargs)
    assert (result, link.effect, link.history.count()) == ("update", "regresses", 2)


@pytest.mark.django_db
def test_reviewed_status_survives_recompute_but_computed_status_follows_links(settings):
    settings.REVIEW_REQUIRED = False
    bill = BillFactory(stage=Stage.INTRODUCED)
    recommendation = RecommendationFactory()
    bill_link_create(recommendation=recommendation, bill=bill, effect="advances", rationale="Why.")
    progress_review(
        recommendation=recommendation,
        jurisdiction=bill.jurisdiction,
        status=ProgressStatus.PARTIAL,
        reason="A court ruling applied part of it.",
        evidence_url="https://example.org/ruling",
        user=(reviewer := UserFactory()),
    )
    bill.stage = Stage.ENACTED
    bill.save()
    progress = progress_recompute(recommendation=recommendation, jurisdiction=bill.jurisdiction)
    assert (progress.status, progress.basis, progress.computed_status) == (
        ProgressStatus.PARTIAL,
        ProgressBasis.REVIEWED,
        ProgressStatus.ACHIEVED,
    )
    review = progress.history.filter(basis=ProgressBasis.REVIEWED).earliest("history_date")
    assert (review.history_user, review.status, progress.history.count()) == (reviewer, ProgressStatus.PARTIAL, 3)


@pytest.mark.django_db
def test_recompute_without_change_writes_no_history():
    bill = BillFactory(stage=Stage.INTRODUCED)
    recommendation = RecommendationFactory()
    bill_link_create(recommendation=recommendation, bill=bill, effect="advances", rationale="Why.")
    progress = Progress.objects.get()
    progress_recompute(recommendation=recommendation, jurisdiction=bill.jurisdiction)
    assert progress.history.count() == 1


@pytest.mark.django_db
def test_review_needs_reason_and_evidence():
    from django.core.exceptions import ValidationError

    bill = BillFactory()
    with pytest.raises(ValidationError):
        progress_review(
            recommendation=RecommendationFactory(),
            jurisdiction=bill.jurisdiction,
            status=ProgressStatus.ACHIEVED,
            reason="",
            evidence_url="",
            user=UserFactory(),
        )


# --- Triage -----------------------------------------------------------------------------------------------------


@pytest.fixture
def candidate(db):
    return TriageCandidate.objects.create(
        recommendation=RecommendationFactory(), bill=BillFactory(), source="congress"
    )


def test_triage_decide_rejects_and_keeps_the_note_unless_given(candidate):
    user = UserFactory()
    candidate.note = "Seen in the news."
    candidate.save()
    decided, link = triage_decide(candidate=candidate, status="rejected", user=user)
    assert link is None
    assert (decided.status, decided.decided_by, decided.note) == ("rejected", user, "Seen in the news.")
    assert [entry.status for entry in decided.history.all()] == ["rejected", "pending", "pending"]


@pytest.mark.parametrize(
    ("status", "effect", "field"), [("pending", "", "status"), ("rejected", "advances", "effect")]
)
def test_triage_decide_refuses_what_is_not_a_decision(candidate, status, effect, field):
    with pytest.raises(ValidationError) as error:
        triage_decide(candidate=candidate, status=status, effect=effect, rationale="x")
    assert field in error.value.message_dict
    candidate.refresh_from_db()
    assert candidate.status == "pending"


def test_admin_actions_decide_through_the_service(candidate, client):
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/recommendations/triagecandidate/",
        {"action": "reject", "_selected_action": [candidate.pk]},
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (candidate.status, candidate.decided_by) == ("rejected", admin)
    assert candidate.history.first().history_user == admin
