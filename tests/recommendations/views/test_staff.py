"""The staff pages: the review queue (who may see it, who may decide, never one's own change, bulk decisions with a
note) and proposing a found measure with its link, from the form to a reviewed public change."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from legislation.models import Jurisdiction
from recommendations.models import BillLink, Measure, Recommendation, ReviewStatus
from recommendations.services import bill_link_create
from recommendations.views.measures import measure_path
from tests.factories import BillFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/staff/review/"
NEW_MEASURE = "/staff/measures/new/"


def _member(username: str, group: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(seeded):
    return _member("editor", "Editors")


@pytest.fixture
def reviewer(seeded):
    return _member("reviewer", "Reviewers")


def _pending_link(user, number: int = 1) -> BillLink:
    bill = BillFactory(jurisdiction=Jurisdiction.objects.get(code="ca"), identifier=f"SB {number}")
    return bill_link_create(
        recommendation=Recommendation.objects.get(code="PM-1"),
        bill=bill,
        effect="advances",
        rationale=f"Cuts a sentence enhancement ({number}).",
        user=user,
    )


def test_anonymous_readers_are_sent_to_the_login(client, seeded):
    for path in (QUEUE, NEW_MEASURE):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert client.post(QUEUE, {"items": ["link-1"], "decision": "approve"}).status_code == 302


def test_signed_in_users_who_are_not_staff_are_refused(client, seeded):
    client.force_login(UserFactory(username="reader"))
    assert client.get(QUEUE).status_code == 403
    assert client.get(NEW_MEASURE).status_code == 403


def test_an_editor_sees_the_queue_but_cannot_decide(client, editor, reviewer):
    link = _pending_link(reviewer)
    client.force_login(editor)
    response = client.get(QUEUE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cuts a sentence enhancement (1)." in html
    assert 'name="items"' not in html
    assert "Approve ticked" not in html
    assert client.post(QUEUE, {"items": [f"link-{link.pk}"], "decision": "approve"}).status_code == 403
    link.refresh_from_db()
    assert link.review_status == ReviewStatus.PENDING


def test_a_reviewer_cannot_approve_their_own_change(client, reviewer):
    own = _pending_link(reviewer)
    client.force_login(reviewer)
    html = client.get(QUEUE).content.decode()
    assert f'value="link-{own.pk}"' not in html
    assert "Yours" in html
    response = client.post(QUEUE, {"items": [f"link-{own.pk}"], "decision": "approve"}, follow=True)
    assert "someone other than its author" in response.content.decode()
    own.refresh_from_db()
    assert own.review_status == ReviewStatus.PENDING


def test_a_reviewer_approves_several_changes_at_once_with_a_note(client, editor, reviewer):
    links = [_pending_link(editor, number) for number in (1, 2)]
    client.force_login(reviewer)
    html = client.get(QUEUE).content.decode()
    assert all(f'value="link-{link.pk}"' in html for link in links)
    response = client.post(
        QUEUE,
        {"items": [f"link-{link.pk}" for link in links], "decision": "approve", "note": "Both checked."},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == QUEUE
    assert "2 changes approved." in response.content.decode()
    for link in links:
        link.refresh_from_db()
        assert (link.review_status, link.reviewed_by, link.review_note) == ("approved", reviewer, "Both checked.")
    assert "Nothing waits for review." in response.content.decode()


def test_rejecting_needs_a_note(client, editor, reviewer):
    link = _pending_link(editor)
    client.force_login(reviewer)
    response = client.post(QUEUE, {"items": [f"link-{link.pk}"], "decision": "reject", "note": ""})
    assert response.status_code == 200
    assert "Say why when rejecting" in response.content.decode()
    link.refresh_from_db()
    assert link.review_status == ReviewStatus.PENDING
    client.post(QUEUE, {"items": [f"link-{link.pk}"], "decision": "reject", "note": "Wrong bill."})
    link.refresh_from_db()
    assert (link.review_status, link.review_note) == ("rejected", "Wrong bill.")


def test_the_queue_needs_a_csrf_token(editor, reviewer):
    from django.test import Client

    link = _pending_link(editor)
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    assert client.post(QUEUE, {"items": [f"link-{link.pk}"], "decision": "approve"}).status_code == 403
    link.refresh_from_db()
    assert link.review_status == ReviewStatus.PENDING


def test_from_a_found_office_policy_to_a_reviewed_public_change(client, editor, reviewer):
    office = Jurisdiction.objects.create(
        code="md-baltimore-city-sao", name="Baltimore City State's Attorney's Office", kind="prosecutor",
        parent=Jurisdiction.objects.get(code="md"),
    )  # fmt: skip
    client.force_login(editor)
    form = client.get(f"{NEW_MEASURE}?jurisdiction={office.code}").content.decode()
    assert f'<option value="{office.pk}" selected>' in form
    response = client.post(
        NEW_MEASURE,
        {
            "jurisdiction": office.pk,
            "kind": "prosecutor_policy",
            "title": "Dismissal of possession charges",
            "summary": "Possession cases are dismissed.",
            "status": "in_effect",
            "date": "2021-03-26",
            "url": "https://example.org/policy",
            "evidence_url": "https://example.org/news",
            "recommendation": Recommendation.objects.get(code="PP-1").pk,
            "effect": "partially_advances",
            "rationale": "Dismisses possession cases; sales are still charged.",
            "link_evidence_url": "",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == QUEUE
    assert "wait for review by another member of staff" in response.content.decode()
    measure = Measure.objects.get(title="Dismissal of possession charges")
    link = BillLink.objects.get(measure=measure)
    assert (measure.review_status, link.review_status) == ("pending", "pending")
    assert (measure.submitted_by, link.submitted_by) == (editor, editor)
    client.logout()
    assert client.get(measure_path(measure)).status_code == 404

    client.force_login(reviewer)
    client.post(QUEUE, {"items": [f"measure-{measure.pk}", f"link-{link.pk}"], "decision": "approve"})
    client.logout()
    assert client.get(measure_path(measure)).status_code == 200
    html = client.get(f"/jurisdictions/{office.code}/").content.decode()
    assert "Dismissal of possession charges" in html
    assert 'class="tag status-partial">Partial<' in html


def test_the_measure_form_says_what_is_missing(client, editor):
    client.force_login(editor)
    response = client.post(NEW_MEASURE, {"title": "No source"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="field-error"') >= 5
    assert not Measure.objects.exists()


def test_an_editor_without_the_measure_permission_cannot_propose(client, seeded):
    client.force_login(UserFactory(username="staff-only", is_staff=True))
    assert client.get(NEW_MEASURE).status_code == 403


def test_from_a_discovered_bill_to_a_pending_link_in_the_queue(client, editor, reviewer):
    from recommendations.models import TriageCandidate

    bill = BillFactory(jurisdiction=Jurisdiction.objects.get(code="ny"), identifier="S 100")
    recommendation = Recommendation.objects.get(code="PM-1")
    TriageCandidate.objects.create(recommendation=recommendation, bill=bill, source="openstates")
    client.force_login(editor)
    queue = client.get(QUEUE).content.decode()
    triage = "/admin/recommendations/triagecandidate/?status__exact=pending"
    assert f'href="{triage}"' in queue.replace("&amp;", "&")
    listing = client.get(triage).content.decode()
    link_form = f"/admin/recommendations/billlink/add/?bill={bill.pk}&amp;recommendation={recommendation.pk}"
    assert link_form in listing  # "Link…" on the discovered bill
    response = client.post(
        link_form.replace("&amp;", "&"),
        {"recommendation": recommendation.pk, "bill": bill.pk, "effect": "advances", "rationale": "Ends a minimum."},
    )
    assert response.status_code == 302
    link = BillLink.objects.get(bill=bill)
    assert (link.review_status, link.submitted_by) == ("pending", editor)
    client.force_login(reviewer)
    assert f'value="link-{link.pk}"' in client.get(QUEUE).content.decode()


def test_a_status_override_waits_in_the_queue_and_its_approval_is_public(client, editor, reviewer):
    from recommendations.services import progress_review

    proposal = progress_review(
        recommendation=Recommendation.objects.get(code="PM-1"),
        jurisdiction=Jurisdiction.objects.get(code="ca"),
        status="achieved",
        reason="Signed on the last day.",
        evidence_url="https://example.org/signed",
        user=editor,
    )
    client.force_login(reviewer)
    html = client.get(QUEUE).content.decode()
    assert "Status of PM-1 in California" in html
    assert "to Achieved: Signed on the last day." in html
    assert "Chaptered." not in client.get("/jurisdictions/ca/").content.decode()
    client.post(QUEUE, {"items": [f"progress-{proposal.pk}"], "decision": "approve", "note": "Chaptered."})
    client.logout()
    page = client.get("/jurisdictions/ca/").content.decode()
    assert "Reviewed by staff: Signed on the last day." in page
    assert "Approved by reviewer on" in page
    assert "Chaptered." in page
