import io

import pytest
from django.core.management import call_command

from legislation.models import Jurisdiction
from recommendations.models import Recommendation
from recommendations.services import progress_review
from tests.factories import UserFactory

from .conftest import approved, count_queries, link_bills

pytestmark = pytest.mark.django_db


def test_home_shows_each_recommendations_nationwide_standing_with_counts_in_words(client, seeded):
    link_bills(3)  # PM-1: advances in CA, regresses in NY, partially advances in TX (all pending)
    html = client.get("/").content.decode()
    # 57 legislatures; CA in progress, NY at risk, TX in progress (a pending partial bill still advances).
    assert "Nationwide, in 57 legislatures" in html
    assert "In progress: <strong>2</strong>" in html
    assert "At risk: <strong>1</strong>" in html
    assert "No action: <strong>54</strong>" in html
    # The bar draws each status from where the previous ones end.
    assert '<rect class="status-in_progress" x="0" y="0" width="2" height="1"/>' in html
    assert '<rect class="status-at_risk" x="2" y="0" width="1" height="1"/>' in html
    assert 'href="/recommendations/PM-1/"' in html
    assert 'href="/map/?recommendation=PM-1"' in html


def test_home_has_the_overall_tile_map_with_links_to_every_jurisdiction(client, seeded):
    link_bills(2)
    html = client.get("/").content.decode()
    assert html.count('<a class="tile status-') == 57
    assert 'href="/jurisdictions/ny/" aria-label="New York: At risk (1 at risk, 6 no action)"' in html
    assert 'href="/map/"' in html


def test_home_lists_latest_changes_with_setbacks_first(client, seeded, staff_user):
    link_bills(1)  # CA in progress (newest of the bills' stage changes is older than these progress changes)
    approved(
        progress_review(
            recommendation=Recommendation.objects.get(code="PP-1"),
            jurisdiction=Jurisdiction.objects.get(code="fl"),
            status="regressed",
            reason="A new drug-induced homicide law.",
            evidence_url="https://example.org/law",
            user=staff_user,
        )
    )
    approved(
        progress_review(
            recommendation=Recommendation.objects.get(code="PP-2"),
            jurisdiction=Jurisdiction.objects.get(code="ga"),
            status="achieved",
            reason="Signed.",
            evidence_url="https://example.org/signed",
            user=UserFactory(),
        )
    )
    html = client.get("/").content.decode()
    changes = html[html.index('id="changes-title"') :]
    setback, achieved = changes.index("Florida"), changes.index("Georgia")
    assert setback < achieved  # the regression is older but comes first
    assert "Setback" in changes[:achieved]
    assert 'href="/bills/ca/2025/hb-1/"' in changes  # the bill's stage change links to its page


def test_home_says_how_fresh_the_data_is_and_the_demo_notice_is_plain_words(client, seeded):
    call_command("load_demo", stdout=io.StringIO())
    html = client.get("/").content.decode()
    assert "Data freshness" in html
    assert "Open States: last import" in html
    notice = html[html.index('class="data-notice"') : html.index("</aside>")]
    assert "Demo data." in notice
    assert "November 27, 2026" in notice
    assert "`" not in notice
    assert 'href="/about/"' in notice


def test_home_runs_as_many_queries_for_30_linked_bills_as_for_one(client, seeded):
    link_bills(1)
    few = count_queries(client, "/")
    link_bills(29, start=1)
    many = count_queries(client, "/")
    assert few == many
    assert many <= 13  # incl. the measure changes
