"""The triage queue through the API: staff read it and decide, through the same service as the admin."""

import pytest
from django.contrib.auth.models import Group, Permission

from recommendations.models import BillLink, Progress, TriageCandidate, TriageStatus
from tests.api.conftest import client_for
from tests.factories import RecommendationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidates(world):
    recommendation = RecommendationFactory(code="T-9")
    return {
        "pending": TriageCandidate.objects.create(
            recommendation=recommendation, bill=world["pending"], source="openstates", query="diversion"
        ),
        "rejected": TriageCandidate.objects.create(
            recommendation=recommendation, bill=world["other"], source="legiscan", status=TriageStatus.REJECTED
        ),
    }


def decide(user, candidate, **body):
    return client_for(user).post(f"/api/v1/triage/{candidate.pk}/decision/", body, format="json")


def test_the_queue_is_for_staff_pending_first_and_filterable(candidates, editor):
    assert client_for(None).get("/api/v1/triage/").status_code == 401
    assert client_for(UserFactory(username="nobody")).get("/api/v1/triage/").status_code == 403
    body = client_for(editor).get("/api/v1/triage/").json()
    assert [row["status"] for row in body["results"]] == ["pending", "rejected"]
    first = body["results"][0]
    assert first["recommendation_code"] == "T-9"
    assert (first["jurisdiction"], first["identifier"], first["link"]) == ("ca", "SB 180", None)
    rejected = client_for(editor).get("/api/v1/triage/?status=rejected&jurisdiction=NY&recommendation=T-9").json()
    assert [row["id"] for row in rejected["results"]] == [candidates["rejected"].pk]
    assert client_for(editor).get("/api/v1/triage/?status=maybe").status_code == 400


def test_reject_keeps_the_decision_its_author_and_history(candidates, editor):
    response = decide(editor, candidates["pending"], status="rejected", note="About hemp.")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"
    assert response.json()["decided_by"] == "editor"
    candidate = TriageCandidate.objects.get(pk=candidates["pending"].pk)
    assert (candidate.status, candidate.note, candidate.decided_by) == ("rejected", "About hemp.", editor)
    assert candidate.decided_at is not None
    assert candidate.history.first().history_user == editor
    assert not BillLink.objects.filter(bill=candidate.bill, recommendation=candidate.recommendation).exists()


def test_accept_with_an_effect_links_the_bill_pending_review_and_approval_recomputes_progress(
    candidates, world, reviewer, editor
):
    candidate = candidates["pending"]
    response = decide(
        reviewer, candidate, status="accepted", effect="advances", rationale="Diversion.", evidence_url=""
    )
    assert response.status_code == 200, response.content
    link = BillLink.objects.get(recommendation=candidate.recommendation, bill=candidate.bill)
    assert response.json()["link"] == link.pk
    assert (link.created_by, link.review_status) == (reviewer, "pending")
    assert link.history.first().history_user == reviewer
    assert not Progress.objects.filter(recommendation=candidate.recommendation, jurisdiction=world["ca"]).exists()
    editor.groups.add(Group.objects.get(name="Reviewers"))  # a second reviewer, not the link's author
    approved = client_for(editor).post(f"/api/v1/links/{link.pk}/review/", {"decision": "approve"}, format="json")
    assert approved.status_code == 200, approved.content
    progress = Progress.objects.get(recommendation=candidate.recommendation, jurisdiction=world["ca"])
    assert progress.status == "in_progress"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "pending"}, "status"),
        ({"status": "maybe"}, "status"),
        ({"status": "rejected", "effect": "advances", "rationale": "x"}, "effect"),
        ({"status": "accepted", "effect": "advances"}, "rationale"),
        ({"status": "accepted", "effect": "sideways", "rationale": "x"}, "effect"),
    ],
)
def test_bad_decisions_are_400s_and_change_nothing(candidates, editor, body, field):
    response = decide(editor, candidates["pending"], **body)
    assert response.status_code == 400
    assert field in response.json()
    assert TriageCandidate.objects.get(pk=candidates["pending"].pk).status == TriageStatus.PENDING


def test_a_link_that_fails_validation_leaves_the_candidate_pending(candidates, world, editor):
    candidate = candidates["pending"]
    BillLink.objects.create(
        recommendation=candidate.recommendation, bill=candidate.bill, effect="related", rationale="Already."
    )
    response = decide(editor, candidate, status="accepted", effect="advances", rationale="Again.")
    assert response.status_code == 400
    assert TriageCandidate.objects.get(pk=candidate.pk).status == TriageStatus.PENDING
    assert BillLink.objects.get(bill=candidate.bill, recommendation=candidate.recommendation).effect == "related"


def test_deciding_without_linking_needs_only_the_triage_permission(candidates):
    triager = UserFactory(username="triager")
    triager.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_triagecandidate", "change_triagecandidate"])
    )
    assert decide(triager, candidates["pending"], status="accepted").status_code == 200
    linked = decide(triager, candidates["rejected"], status="accepted", effect="advances", rationale="x")
    assert linked.status_code == 403
    assert TriageCandidate.objects.get(pk=candidates["rejected"].pk).status == TriageStatus.REJECTED
