"""Staff writes: the permission matrix (anonymous, editor, reviewer, admin x every write), validation through the
services, and history for every write."""

import pytest
from rest_framework.test import APIClient

from recommendations.models import BillLink, Progress, ProgressBasis, TriageCandidate
from tests.api.conftest import client_for
from tests.factories import BillFactory, RecommendationFactory

pytestmark = pytest.mark.django_db


def link_body(world) -> dict:
    return {
        "recommendation": RecommendationFactory().pk,
        "bill": world["pending"].pk,
        "effect": "advances",
        "rationale": "Creates a diversion programme for people who sell to support their use.",
        "evidence_url": "https://example.org/sb180",
    }


def review_body(world) -> dict:
    return {
        "recommendation": world["advance"].recommendation_id,
        "jurisdiction": "NY",
        "status": "achieved",
        "reason": "Enacted in the budget bill, which is not linked.",
        "evidence_url": "https://example.org/budget",
    }


def candidate_decision(world) -> str:
    candidate = TriageCandidate.objects.create(
        recommendation=RecommendationFactory(), bill=world["pending"], source="openstates", query="diversion"
    )
    return f"/api/v1/triage/{candidate.pk}/decision/"


WRITES = {
    "link_create": lambda world: ("post", "/api/v1/links/", link_body(world)),
    "link_update": lambda world: ("patch", f"/api/v1/links/{world['regress'].pk}/", {"effect": "related"}),
    "link_replace": lambda world: (
        "put",
        f"/api/v1/links/{world['regress'].pk}/",
        {
            "recommendation": world["regress"].recommendation_id,
            "bill": world["regress"].bill_id,
            "effect": "regresses",
            "rationale": "Raises penalties for selling fentanyl.",
        },
    ),
    "link_delete": lambda world: ("delete", f"/api/v1/links/{world['regress'].pk}/", None),
    "progress_review": lambda world: ("post", "/api/v1/progress/", review_body(world)),
    "progress_update": lambda world: (
        "patch",
        f"/api/v1/progress/{Progress.objects.get(jurisdiction=world['ca']).pk}/",
        {"status": "no_action", "reason": "The law was struck down.", "evidence_url": "https://example.org/ruling"},
    ),
    "bill_create": lambda world: ("post", "/api/v1/bills/", {"identifier": "HB 1"}),
    "triage_reject": lambda world: ("post", candidate_decision(world), {"status": "rejected", "note": "Off topic."}),
    "triage_accept_and_link": lambda world: (
        "post",
        candidate_decision(world),
        {"status": "accepted", "effect": "advances", "rationale": "Creates a diversion programme."},
    ),
}

# Expected status per write and user: Editors link bills and propose progress overrides (stored pending under
# REVIEW_REQUIRED); Reviewers also unlink. Approving is tested in tests/api/test_review.py.
MATRIX = {
    "link_create": {"anonymous": 401, "editor": 201, "reviewer": 201, "admin": 201},
    "link_update": {"anonymous": 401, "editor": 200, "reviewer": 200, "admin": 200},
    "link_replace": {"anonymous": 401, "editor": 200, "reviewer": 200, "admin": 200},
    "link_delete": {"anonymous": 401, "editor": 403, "reviewer": 204, "admin": 204},
    "progress_review": {"anonymous": 401, "editor": 201, "reviewer": 201, "admin": 201},
    "progress_update": {"anonymous": 401, "editor": 200, "reviewer": 200, "admin": 200},
    "bill_create": {"anonymous": 401, "editor": 403, "reviewer": 403, "admin": 405},
    "triage_reject": {"anonymous": 401, "editor": 200, "reviewer": 200, "admin": 200},
    "triage_accept_and_link": {"anonymous": 401, "editor": 200, "reviewer": 200, "admin": 200},
}


@pytest.mark.parametrize("user", ["anonymous", "editor", "reviewer", "admin"])
@pytest.mark.parametrize("write", list(MATRIX))
def test_permission_matrix(world, users, write, user):
    method, url, body = WRITES[write](world)
    response = getattr(client_for(users[user]), method)(url, body, format="json")
    assert response.status_code == MATRIX[write][user], response.content


def test_create_link_returns_201_pending_and_approval_recomputes_progress_and_keeps_history(world, editor, reviewer):
    body = link_body(world)
    response = client_for(editor).post("/api/v1/links/", body, format="json")
    assert response.status_code == 201
    data = response.json()
    assert {key: data[key] for key in body} == body
    assert data["measure"] is None
    assert (data["review_status"], data["submitted_by"]) == ("pending", "editor")
    assert response["Location"].endswith(f"/api/v1/links/{data['id']}/")
    link = BillLink.objects.get(pk=data["id"])
    assert link.created_by == editor
    assert link.history.get().history_user == editor
    assert not Progress.objects.filter(recommendation_id=body["recommendation"]).exists()
    approved = client_for(reviewer).post(f"/api/v1/links/{link.pk}/review/", {"decision": "approve"}, format="json")
    assert approved.status_code == 200
    progress = Progress.objects.get(recommendation_id=body["recommendation"], jurisdiction=world["ca"])
    assert progress.status == "in_progress"


def test_link_update_goes_through_the_service(world, editor, no_review):
    link = world["regress"]
    response = client_for(editor).patch(f"/api/v1/links/{link.pk}/", {"effect": "advances"}, format="json")
    assert response.json()["effect"] == "advances"
    assert Progress.objects.get(recommendation=link.recommendation, jurisdiction=world["ca"]).status == "achieved"
    latest = link.history.latest()
    assert (latest.history_type, latest.history_user, latest.effect) == ("~", editor, "advances")


def test_link_cannot_move_to_another_bill(world, editor):
    other = BillFactory(jurisdiction=world["ca"])
    response = client_for(editor).patch(f"/api/v1/links/{world['regress'].pk}/", {"bill": other.pk}, format="json")
    assert response.status_code == 400
    assert "bill" in response.json()


def test_link_delete_recomputes_progress_and_is_in_history(world, reviewer):
    link = world["regress"]
    response = client_for(reviewer).delete(f"/api/v1/links/{link.pk}/")
    assert response.status_code == 204
    assert not BillLink.objects.filter(pk=link.pk).exists()
    deleted = BillLink.history.filter(id=link.pk).latest()
    assert (deleted.history_type, deleted.history_user) == ("-", reviewer)
    assert Progress.objects.get(recommendation=link.recommendation, jurisdiction=world["ca"]).status == "no_action"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"effect": "helps"}, "effect"),
        ({"rationale": ""}, "rationale"),
        ({"evidence_url": "not a url"}, "evidence_url"),
        ({"bill": 999999}, "bill"),
        ({"recommendation": "PM-1"}, "recommendation"),
    ],
)
def test_invalid_link_is_400_naming_the_field(world, editor, change, field):
    response = client_for(editor).post("/api/v1/links/", {**link_body(world), **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_duplicate_link_is_400(world, editor):
    link = world["regress"]
    body = {"recommendation": link.recommendation_id, "bill": link.bill_id, "effect": "advances", "rationale": "x"}
    response = client_for(editor).post("/api/v1/links/", body, format="json")
    assert response.status_code == 400
    assert "unique" in str(response.json()).lower()


def test_malformed_json_is_400(world, editor):
    response = client_for(editor).post("/api/v1/links/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_progress_review_needs_reason_and_evidence_and_is_in_history(world, reviewer, no_review):
    client = client_for(reviewer)
    for missing in ("reason", "evidence_url"):
        body = {key: value for key, value in review_body(world).items() if key != missing}
        response = client.post("/api/v1/progress/", body, format="json")
        assert response.status_code == 400
        assert missing in response.json()
    response = client.post("/api/v1/progress/", review_body(world), format="json")
    assert response.status_code == 201
    data = response.json()
    assert (data["status"], data["basis"], data["computed_status"]) == ("achieved", "reviewed", "in_progress")
    progress = Progress.objects.get(pk=data["id"])
    assert progress.updated_by == reviewer
    assert progress.history.latest().history_user == reviewer


@pytest.mark.parametrize("code", ["c\x00a", "c a", "", 12, "zz"])
def test_progress_review_of_an_unknown_or_impossible_jurisdiction_is_400(world, reviewer, code):
    body = {**review_body(world), "jurisdiction": code}
    response = client_for(reviewer).post("/api/v1/progress/", body, format="json")
    assert response.status_code == 400
    assert "jurisdiction" in response.json()


def test_progress_review_takes_the_code_in_any_case(world, reviewer):
    body = {**review_body(world), "jurisdiction": "Ny"}
    response = client_for(reviewer).post("/api/v1/progress/", body, format="json")
    assert response.status_code == 201
    assert response.json()["jurisdiction"] == "ny"


def test_progress_update_keeps_the_computed_status(world, reviewer, no_review):
    progress = Progress.objects.get(jurisdiction=world["ca"])
    response = client_for(reviewer).patch(
        f"/api/v1/progress/{progress.pk}/",
        {"reason": "Checked: the law is in force.", "evidence_url": "https://example.org/law"},
        format="json",
    )
    assert response.status_code == 200
    progress.refresh_from_db()
    assert (progress.status, progress.basis, progress.computed_status) == (
        "regressed",
        ProgressBasis.REVIEWED,
        "regressed",
    )
    missing = client_for(reviewer).patch(f"/api/v1/progress/{progress.pk}/", {"status": "achieved"}, format="json")
    assert missing.status_code == 400


def test_session_auth_needs_csrf(world, editor):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post("/api/v1/links/", link_body(world), format="json").status_code == 403
    client.get("/api/v1/links/")  # any page sets no token by itself: fetch it as a browser would
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    response = client.post(
        "/api/v1/links/", link_body(world), format="json", HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret)
    )
    assert response.status_code == 201


def test_token_endpoint_gives_a_working_token(world, editor):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "editor", "password": "correct horse battery staple"}, format="json"
    )
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.post("/api/v1/links/", link_body(world), format="json").status_code == 201


def test_anonymous_post_to_read_only_endpoints_is_refused(api_client, world):
    for url in ("/api/v1/changes/", "/api/v1/freshness/", "/api/v1/exports/", "/api/v1/import-runs/"):
        assert api_client.post(url, {}, format="json").status_code in (401, 403), url
