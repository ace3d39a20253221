import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import BillFactory, BillLinkFactory, RecommendationFactory

pytestmark = pytest.mark.django_db


def test_home_shows_the_report_and_its_five_audiences(client, seeded):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rethinking the &quot;Drug Dealer&quot;" in html
    assert "outside of the failed apparatus of criminalization" in html
    for name in (
        "Police and prosecutors",
        "Local, state and federal policymakers",
        "Service providers",
        "Advocates, journalists and other cultural influencers",
        "Researchers",
    ):
        assert f">{name}</h2>" in html
    assert "not yet\n        transcribed" in html


def test_home_before_seeding_says_how_to_seed(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "manage.py seed" in response.content.decode()


def test_every_admin_list_and_change_page_loads_for_staff(client, seeded, staff_user):
    BillLinkFactory(bill=BillFactory())
    client.force_login(staff_user)
    changed_pages = 0
    for model in admin.site._registry:
        opts = model._meta
        list_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(list_url).status_code == 200, list_url
        obj = model._default_manager.first()
        if obj is not None:
            change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert client.get(change_url).status_code == 200, change_url
            changed_pages += 1
    assert changed_pages >= 8  # jurisdictions, sessions, bills, report, audiences, recommendations, links, users...


def test_admin_requires_login(client):
    response = client.get(reverse("admin:legislation_bill_changelist"))
    assert response.status_code == 302



def test_admin_progress_override_without_evidence_is_refused(client, staff_user):
    from recommendations.models import Progress
    from recommendations.services import bill_link_create, review
    from tests.factories import UserFactory

    bill_link_create(recommendation=RecommendationFactory(), bill=BillFactory(), effect="advances", rationale="Why.")
    progress = Progress.objects.get()
    client.force_login(staff_user)
    url = reverse("admin:recommendations_progress_change", args=[progress.pk])
    form = {
        "recommendation": progress.recommendation_id,
        "jurisdiction": progress.jurisdiction_id,
        "status": "achieved",
        "basis": "computed",
        "reason": "",
        "evidence_url": "",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "needs a reason and an evidence URL" in response.content.decode()
    progress.refresh_from_db()
    assert progress.status == "in_progress"

    response = client.post(url, {**form, "reason": "Signed.", "evidence_url": "https://example.org/law"})
    assert response.status_code == 302
    progress.refresh_from_db()
    # A proposal waiting for a second reviewer; the public status moves once another reviewer approves it.
    proposal = (progress.status, progress.proposed_status, progress.review_status)
    assert proposal == ("in_progress", "achieved", "pending")
    review(obj=progress, user=UserFactory(username="second", is_staff=True, is_superuser=True), decision="approve")
    progress.refresh_from_db()
    assert (progress.status, progress.basis, progress.updated_by) == ("achieved", "reviewed", staff_user)


def test_pages_say_when_the_bills_are_the_demo_snapshot(client, seeded):
    import io

    from django.core.management import call_command

    assert "Demo data." not in client.get("/").content.decode()
    call_command("load_demo", stdout=io.StringIO())
    html = client.get("/").content.decode()
    assert "Demo data." in html
    assert 'datetime="2026-11-27"' in html
