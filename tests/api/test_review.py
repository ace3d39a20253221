"""Measures and the four-eyes review through the API: the permission matrix of every staff action they add, the
review flow end to end (pending is invisible to the public, to progress, feeds and exports; approval makes it count;
self-approval is refused), measures moving progress, and local jurisdictions."""

import datetime
import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from legislation.choices import JurisdictionKind
from recommendations.models import (
    BillLink,
    Measure,
    MeasureKind,
    MeasureStatus,
    Progress,
    ProgressBasis,
    ProgressStatus,
    ReviewStatus,
)
from recommendations.services import bill_link_create, measure_create, measure_update, progress_review, review
from tests.api.conftest import client_for
from tests.factories import JurisdictionFactory, RecommendationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(db):
    """An Editor whose changes the others review."""
    user = UserFactory(username="author")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def county(world):
    return JurisdictionFactory(
        code="ca-sf-da",
        name="San Francisco District Attorney",
        kind=JurisdictionKind.PROSECUTOR,
        ocd_id="",
        parent=world["ca"],
    )


def measure_body(jurisdiction: str = "ca", **values) -> dict:
    return {
        "jurisdiction": jurisdiction,
        "kind": "prosecutor_policy",
        "title": "Charging policy for low-level drug sales",
        "summary": "Sales below a threshold are charged as possession.",
        "status": "in_effect",
        "date": "2024-01-15",
        "url": "https://example.org/policy.pdf",
        "evidence_url": "https://example.org/press-release",
        **values,
    }


def pending_measure(author, **values) -> Measure:
    body = {key: value for key, value in measure_body(**values).items() if key != "jurisdiction"}
    jurisdiction = JurisdictionFactory(code=values.get("jurisdiction", "ca"))
    return measure_create(jurisdiction=jurisdiction, user=author, **body)


def unlinked_approved_measure(world) -> Measure:
    body = {key: value for key, value in measure_body(title="Unlinked").items() if key != "jurisdiction"}
    return measure_create(jurisdiction=world["ca"], user=None, **body)


def pending_link(world, author) -> BillLink:
    return bill_link_create(
        recommendation=RecommendationFactory(),
        bill=world["pending"],
        effect="advances",
        rationale="Creates a diversion programme.",
        user=author,
    )


def pending_override(world, author) -> Progress:
    return progress_review(
        recommendation=world["advance"].recommendation,
        jurisdiction=world["ny"],
        status=ProgressStatus.ACHIEVED,
        reason="Enacted in the budget bill.",
        evidence_url="https://example.org/budget",
        user=author,
    )


WRITES = {
    "measure_create": lambda world, author: ("post", "/api/v1/measures/", measure_body()),
    "measure_update": lambda world, author: (
        "patch",
        f"/api/v1/measures/{unlinked_approved_measure(world).pk}/",
        {"status": "rescinded"},
    ),
    "measure_delete": lambda world, author: (
        "delete",
        f"/api/v1/measures/{unlinked_approved_measure(world).pk}/",
        None,
    ),
    "link_measure": lambda world, author: (
        "post",
        "/api/v1/links/",
        {
            "recommendation": RecommendationFactory().pk,
            "measure": unlinked_approved_measure(world).pk,
            "effect": "advances",
            "rationale": "Declines to charge small sales.",
        },
    ),
    "link_review": lambda world, author: (
        "post",
        f"/api/v1/links/{pending_link(world, author).pk}/review/",
        {"decision": "approve"},
    ),
    "measure_review": lambda world, author: (
        "post",
        f"/api/v1/measures/{pending_measure(author).pk}/review/",
        {"decision": "reject", "note": "No source for the date."},
    ),
    "progress_review_decision": lambda world, author: (
        "post",
        f"/api/v1/progress/{pending_override(world, author).pk}/review/",
        {"decision": "approve", "note": "Checked the budget act."},
    ),
}

# Editors add and change measures and link them; Reviewers also delete measures and approve or reject what
# someone else wrote; admins may do everything.
MATRIX = {
    "measure_create": {"anonymous": 401, "editor": 201, "reviewer": 201, "admin": 201},
    "measure_update": {"anonymous": 401, "editor": 200, "reviewer": 200, "admin": 200},
    "measure_delete": {"anonymous": 401, "editor": 403, "reviewer": 204, "admin": 204},
    "link_measure": {"anonymous": 401, "editor": 201, "reviewer": 201, "admin": 201},
    "link_review": {"anonymous": 401, "editor": 403, "reviewer": 200, "admin": 200},
    "measure_review": {"anonymous": 401, "editor": 403, "reviewer": 200, "admin": 200},
    "progress_review_decision": {"anonymous": 401, "editor": 403, "reviewer": 200, "admin": 200},
}


@pytest.mark.parametrize("user", ["anonymous", "editor", "reviewer", "admin"])
@pytest.mark.parametrize("write", list(MATRIX))
def test_permission_matrix(world, users, author, write, user):
    method, url, body = WRITES[write](world, author)
    response = getattr(client_for(users[user]), method)(url, body, format="json")
    assert response.status_code == MATRIX[write][user], response.content


@pytest.mark.parametrize("kind", ["link", "measure", "progress"])
def test_the_author_cannot_approve_their_own_change(world, kind):
    reviewer_author = UserFactory(username="reviewing-author")
    reviewer_author.groups.add(Group.objects.get(name="Reviewers"))
    obj = {
        "link": lambda: pending_link(world, reviewer_author),
        "measure": lambda: pending_measure(reviewer_author),
        "progress": lambda: pending_override(world, reviewer_author),
    }[kind]()
    path = {"link": "links", "measure": "measures", "progress": "progress"}[kind]
    response = client_for(reviewer_author).post(f"/api/v1/{path}/{obj.pk}/review/", {"decision": "approve"})
    assert response.status_code == 403
    obj.refresh_from_db()
    assert obj.review_status == ReviewStatus.PENDING


def test_a_decision_is_approve_or_reject_and_only_once(world, author, reviewer):
    link = pending_link(world, author)
    client = client_for(reviewer)
    assert client.post(f"/api/v1/links/{link.pk}/review/", {"decision": "maybe"}).status_code == 400
    assert client.post(f"/api/v1/links/{link.pk}/review/", {"decision": "reject"}).status_code == 200
    again = client.post(f"/api/v1/links/{link.pk}/review/", {"decision": "approve"})
    assert again.status_code == 400
    link.refresh_from_db()
    assert (link.review_status, link.reviewed_by) == (ReviewStatus.REJECTED, reviewer)


def test_a_link_names_a_bill_or_a_measure_exactly_one(world, editor):
    measure = unlinked_approved_measure(world)
    recommendation = RecommendationFactory()
    base = {"recommendation": recommendation.pk, "effect": "advances", "rationale": "Why."}
    client = client_for(editor)
    both = client.post("/api/v1/links/", {**base, "bill": world["pending"].pk, "measure": measure.pk}, format="json")
    neither = client.post("/api/v1/links/", base, format="json")
    assert (both.status_code, neither.status_code) == (400, 400)
    assert "non_field_errors" in both.json()
    with pytest.raises(IntegrityError), transaction.atomic():
        BillLink.objects.create(recommendation=recommendation, effect="advances", rationale="Neither.")


def exported_tables(tmp_path, settings) -> dict[str, list]:
    from api.exports import exports_build

    settings.EXPORTS_DIR = tmp_path
    paths = exports_build(today=datetime.date(2026, 1, 1))
    json_zip = next(path for path in paths if path.name.endswith("-json.zip"))
    with zipfile.ZipFile(json_zip) as archive:
        return {
            name.removesuffix(".json"): json.loads(archive.read(name))
            for name in archive.namelist()
            if name.endswith(".json") and not name.startswith("manifest")
        }


def test_review_flow_end_to_end(world, author, reviewer, api_client, tmp_path, settings):
    """An Editor records a prosecutor's policy and links it; nothing is public or counted until a Reviewer other
    than the Editor approves both; then the recommendation is achieved there and every public read shows it."""
    recommendation = RecommendationFactory(code="PP-1")
    editor = client_for(author)
    created = editor.post("/api/v1/measures/", measure_body(), format="json")
    assert created.status_code == 201
    measure = created.json()
    assert (measure["review_status"], measure["submitted_by"], measure["links"]) == ("pending", "author", [])
    linked = editor.post(
        "/api/v1/links/",
        {
            "recommendation": recommendation.pk,
            "measure": measure["id"],
            "effect": "advances",
            "rationale": "Charges small sales as possession.",
            "evidence_url": "https://example.org/policy.pdf",
        },
        format="json",
    )
    assert linked.status_code == 201
    link = linked.json()
    assert (link["review_status"], link["jurisdiction"], link["bill"], link["measure_status"]) == (
        "pending",
        "ca",
        None,
        "in_effect",
    )

    def public_view() -> dict:
        changes = api_client.get("/api/v1/changes/", {"kind": "measure", "since": "2000-01-01T00:00:00Z"})
        tables = exported_tables(tmp_path, settings)
        return {
            "measures": api_client.get("/api/v1/measures/").json()["count"],
            "measure": api_client.get(f"/api/v1/measures/{measure['id']}/").status_code,
            "links": api_client.get("/api/v1/links/", {"recommendation": "PP-1"}).json()["count"],
            "progress": Progress.objects.filter(recommendation=recommendation, jurisdiction=world["ca"])
            .values_list("status", flat=True)
            .first(),
            "changes": len(changes.json()["results"]),
            "exported": (len(tables["measures"]), len([row for row in tables["links"] if row["measure_id"]])),
        }

    hidden = {"measures": 0, "measure": 404, "links": 0, "progress": None, "changes": 0, "exported": (0, 0)}
    assert public_view() == hidden
    # Staff see what waits for review, uncached.
    staff = client_for(reviewer).get("/api/v1/measures/", {"review_status": "pending"}).json()
    assert [row["id"] for row in staff["results"]] == [measure["id"]]

    approve = client_for(reviewer).post(
        f"/api/v1/measures/{measure['id']}/review/", {"decision": "approve", "note": "Policy PDF checked."}
    )
    assert approve.status_code == 200
    assert (approve.json()["review_status"], approve.json()["reviewed_by"]) == ("approved", "reviewer")
    # The measure is public, but its link still waits: not counted yet.
    assert public_view() == {**hidden, "measures": 1, "measure": 200, "changes": 1, "exported": (1, 0)}

    assert client_for(reviewer).post(f"/api/v1/links/{link['id']}/review/", {"decision": "approve"}).status_code == 200
    assert public_view() == {
        "measures": 1,
        "measure": 200,
        "links": 1,
        "progress": ProgressStatus.ACHIEVED,
        "changes": 1,
        "exported": (1, 1),
    }
    detail = api_client.get(f"/api/v1/measures/{measure['id']}/").json()
    assert [(row["recommendation_code"], row["effect"]) for row in detail["links"]] == [("PP-1", "advances")]
    history = Measure.objects.get(pk=measure["id"]).history.order_by("history_id")
    assert [(row.review_status, row.history_user.username) for row in history] == [
        ("pending", "author"),
        ("approved", "reviewer"),
    ]


def test_a_progress_override_waits_for_review_and_its_proposal_is_not_public(world, author, reviewer, api_client):
    progress = Progress.objects.get(jurisdiction=world["ny"])
    assert progress.status == ProgressStatus.IN_PROGRESS
    body = {
        "recommendation": progress.recommendation_id,
        "jurisdiction": "ny",
        "status": "achieved",
        "reason": "Enacted in the budget bill, which is not linked.",
        "evidence_url": "https://example.org/budget",
    }
    response = client_for(author).post("/api/v1/progress/", body, format="json")
    assert response.status_code == 201
    data = response.json()
    assert (data["status"], data["review_status"], data["proposed_status"]) == ("in_progress", "pending", "achieved")
    public = api_client.get(f"/api/v1/progress/{progress.pk}/").json()
    assert (public["status"], public["proposed_status"], public["proposed_reason"]) == ("in_progress", None, None)
    feed = api_client.get("/api/v1/changes/", {"kind": "progress", "since": "2000-01-01T00:00:00Z"}).json()
    before = len(feed["results"])

    approved = client_for(reviewer).post(f"/api/v1/progress/{progress.pk}/review/", {"decision": "approve"})
    assert approved.status_code == 200
    progress.refresh_from_db()
    assert (progress.status, progress.basis, progress.reason, progress.updated_by, progress.reviewed_by) == (
        ProgressStatus.ACHIEVED,
        ProgressBasis.REVIEWED,
        body["reason"],
        author,
        reviewer,
    )
    feed = api_client.get("/api/v1/changes/", {"kind": "progress", "since": "2000-01-01T00:00:00Z"}).json()
    assert len(feed["results"]) == before + 1  # the approval, not the proposal
    assert feed["results"][-1]["to_status"] == "achieved"


def test_without_review_required_staff_writes_apply_at_once(world, editor, no_review):
    response = client_for(editor).post("/api/v1/measures/", measure_body(), format="json")
    assert (response.status_code, response.json()["review_status"]) == (201, "approved")


@pytest.mark.parametrize(
    ("status", "effect", "progress"),
    [
        (MeasureStatus.PROPOSED, "advances", ProgressStatus.IN_PROGRESS),
        (MeasureStatus.ADOPTED, "advances", ProgressStatus.ACHIEVED),
        (MeasureStatus.IN_EFFECT, "partially_advances", ProgressStatus.PARTIAL),
        (MeasureStatus.RESCINDED, "advances", ProgressStatus.STALLED),
        (MeasureStatus.STRUCK_DOWN, "advances", ProgressStatus.STALLED),
        (MeasureStatus.PROPOSED, "regresses", ProgressStatus.AT_RISK),
        (MeasureStatus.IN_EFFECT, "regresses", ProgressStatus.REGRESSED),
    ],
)
def test_a_measure_counts_in_progress_like_a_bill(county, status, effect, progress):
    recommendation = RecommendationFactory()
    measure = measure_create(
        jurisdiction=county,
        kind=MeasureKind.PROSECUTOR_POLICY,
        title="Declination policy",
        status=status,
        date=datetime.date(2024, 1, 1),
        url="https://example.org/policy",
    )
    bill_link_create(recommendation=recommendation, measure=measure, effect=effect, rationale="Why.")
    # The county's own progress; its state's is not changed by it.
    assert Progress.objects.get(recommendation=recommendation, jurisdiction=county).status == progress
    assert not Progress.objects.filter(recommendation=recommendation, jurisdiction=county.parent).exists()


def test_a_measure_that_changes_status_moves_progress(county):
    recommendation = RecommendationFactory()
    measure = measure_create(
        jurisdiction=county,
        kind=MeasureKind.PROSECUTOR_POLICY,
        title="Declination policy",
        status=MeasureStatus.PROPOSED,
        url="https://example.org/policy",
    )
    bill_link_create(recommendation=recommendation, measure=measure, effect="advances", rationale="Why.")
    assert Progress.objects.get(recommendation=recommendation, jurisdiction=county).status == "in_progress"
    measure_update(measure=measure, status=MeasureStatus.ADOPTED, date=datetime.date(2024, 3, 1))
    assert Progress.objects.get(recommendation=recommendation, jurisdiction=county).status == "achieved"


def test_a_pending_change_to_an_approved_measure_leaves_progress_until_approved(county, author, reviewer):
    recommendation = RecommendationFactory()
    measure = measure_create(
        jurisdiction=county,
        kind=MeasureKind.PROSECUTOR_POLICY,
        title="Declination policy",
        status=MeasureStatus.IN_EFFECT,
        url="https://example.org/policy",
    )
    bill_link_create(recommendation=recommendation, measure=measure, effect="advances", rationale="Why.")
    measure_update(measure=measure, user=author, status=MeasureStatus.RESCINDED)
    assert Progress.objects.get(recommendation=recommendation, jurisdiction=county).status == "no_action"
    review(obj=measure, user=reviewer, decision="approve")
    assert Progress.objects.get(recommendation=recommendation, jurisdiction=county).status == "stalled"


def test_local_jurisdictions_may_lack_an_ocd_id_but_present_ones_are_unique(world, county, api_client):
    JurisdictionFactory(code="ca-la-da", kind=JurisdictionKind.PROSECUTOR, ocd_id="", parent=world["ca"])
    with pytest.raises(IntegrityError), transaction.atomic():
        JurisdictionFactory(code="zz", ocd_id=world["ca"].ocd_id)
    row = api_client.get(f"/api/v1/jurisdictions/{county.pk}/").json()
    assert (row["kind"], row["parent"], row["ocd_id"]) == ("prosecutor", "ca", "")


def test_measures_list_filters_and_csv(world, county, api_client):
    recommendation = RecommendationFactory(code="PP-2")
    policy = measure_create(
        jurisdiction=county,
        kind=MeasureKind.PROSECUTOR_POLICY,
        title="Declination policy",
        status=MeasureStatus.IN_EFFECT,
        url="https://example.org/policy",
    )
    measure_create(
        jurisdiction=world["ca"],
        kind=MeasureKind.EXECUTIVE_ORDER,
        title="An order",
        status=MeasureStatus.PROPOSED,
        url="https://example.org/order",
    )
    bill_link_create(recommendation=recommendation, measure=policy, effect="advances", rationale="Why.")

    def ids(**params) -> list[int]:
        return [row["id"] for row in api_client.get("/api/v1/measures/", params).json()["results"]]

    assert ids(jurisdiction="CA-SF-DA") == ids(kind="prosecutor_policy") == ids(recommendation="PP-2") == [policy.pk]
    assert ids(status="in_effect") == [policy.pk]
    assert len(ids()) == 2
    csv = api_client.get("/api/v1/measures/", {"format": "csv", "kind": "prosecutor_policy"})
    assert csv["Content-Type"].startswith("text/csv")
    assert "Declination policy" in csv.content.decode()
    assert io.StringIO(csv.content.decode()).readline().startswith("id,")


def test_a_measure_gives_its_page_as_html_url(world, api_client, client):
    """Like a bill's `html_url`: the absolute URL of the measure's public page, in the list and the detail."""
    measure = unlinked_approved_measure(world)
    listed = api_client.get("/api/v1/measures/").json()["results"]
    detail = api_client.get(f"/api/v1/measures/{measure.pk}/").json()
    assert detail["html_url"].startswith(f"http://testserver/measures/{measure.jurisdiction.code}/{measure.pk}-")
    assert {row["id"]: row["html_url"] for row in listed}[measure.pk] == detail["html_url"]
    assert client.get(detail["html_url"]).status_code == 200
