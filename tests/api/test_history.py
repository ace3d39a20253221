"""Every staff write through the API lands in the object's history with who made it (`history_user`) and why
(`history_change_reason`: the link's rationale, the review's reason, the triage note)."""

import pytest

from recommendations.models import BillLink, Progress, TriageCandidate
from tests.api.conftest import client_for
from tests.api.test_writes import link_body, review_body
from tests.factories import RecommendationFactory

pytestmark = pytest.mark.django_db


def test_link_create_update_delete_say_who_and_why(world, editor, reviewer):
    body = link_body(world)
    created = client_for(editor).post("/api/v1/links/", body, format="json")
    assert created.status_code == 201
    link_id = created.json()["id"]
    row = BillLink.history.filter(id=link_id).latest()
    assert row.history_user == editor
    assert row.history_change_reason == f"created: {body['rationale']}"

    why = "Reads the bill's final text: it also funds treatment."
    changed = client_for(reviewer).patch(f"/api/v1/links/{link_id}/", {"rationale": why}, format="json")
    assert changed.status_code == 200
    row = BillLink.history.filter(id=link_id).latest()
    assert (row.history_type, row.history_user, row.history_change_reason) == ("~", reviewer, f"changed: {why}")

    assert client_for(reviewer).delete(f"/api/v1/links/{link_id}/").status_code == 204
    row = BillLink.history.filter(id=link_id).latest()
    assert (row.history_type, row.history_user) == ("-", reviewer)
    assert row.history_change_reason == f"deleted: {why}"


def test_long_reasons_are_cut_to_the_column(world, editor):
    body = {**link_body(world), "rationale": "Because " + "x" * 500}
    link_id = client_for(editor).post("/api/v1/links/", body, format="json").json()["id"]
    reason = BillLink.history.filter(id=link_id).latest().history_change_reason
    assert reason.startswith("created: Because xxx")
    assert len(reason) == 100


def test_progress_review_says_who_and_why(world, reviewer):
    body = review_body(world)
    response = client_for(reviewer).post("/api/v1/progress/", body, format="json")
    assert response.status_code == 201
    row = Progress.objects.get(pk=response.json()["id"]).history.latest()
    assert row.history_user == reviewer
    assert body["reason"] in row.history_change_reason


def test_triage_decision_says_who_and_why(world, editor):
    candidate = TriageCandidate.objects.create(
        recommendation=RecommendationFactory(), bill=world["pending"], source="openstates", query="diversion"
    )
    response = client_for(editor).post(
        f"/api/v1/triage/{candidate.pk}/decision/", {"status": "rejected", "note": "About hemp."}, format="json"
    )
    assert response.status_code == 200
    row = candidate.history.latest()
    assert (row.history_user, row.history_change_reason) == (editor, "changed: About hemp.")


def test_a_recomputed_status_says_it_came_from_the_rule(world):
    row = Progress.objects.filter(jurisdiction=world["ca"]).get().history.latest()
    assert row.history_change_reason.endswith("computed from the links by the progress rule")
