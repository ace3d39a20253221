import csv
import io

import pytest
from django.core.management import call_command

from legislation.models import Jurisdiction
from recommendations.models import Recommendation
from recommendations.services import bill_link_create
from tests.factories import BillFactory

from .conftest import count_queries, link_bills

pytestmark = pytest.mark.django_db


def test_map_of_one_recommendation_labels_each_tile_in_words_and_links_it(client, seeded):
    link_bills(2)  # CA in progress, NY at risk
    response = client.get("/map/", {"recommendation": "PM-1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<a class="tile status-') == 57
    assert '<a class="tile status-in_progress" href="/jurisdictions/ca/" aria-label="California: In progress">' in html
    assert 'aria-label="New York: At risk"' in html
    assert 'aria-label="Guam: No action"' in html
    assert 'aria-label="United States: No action"' in html
    assert ">CA</text>" in html
    assert ">In progress</text>" in html
    # The legend counts the tiles.
    assert "In progress: <strong>1</strong>" in html
    assert "At risk: <strong>1</strong>" in html
    assert "No action: <strong>55</strong>" in html
    assert '<option value="PM-1" selected>' in html


def test_overall_map_shows_the_most_pressing_status_and_says_the_rule(client, seeded):
    california = Jurisdiction.objects.get(code="ca")
    bill_link_create(
        recommendation=Recommendation.objects.get(code="PM-1"),
        bill=BillFactory(jurisdiction=california, stage="enacted", furthest_stage="enacted"),
        effect="advances",
        rationale="Cuts a mandatory minimum.",
    )
    bill_link_create(
        recommendation=Recommendation.objects.get(code="PP-1"),
        bill=BillFactory(jurisdiction=california),
        effect="regresses",
        rationale="A new drug-induced homicide offence.",
    )
    html = client.get("/map/").content.decode()
    assert 'aria-label="California: At risk (1 achieved, 1 at risk, 5 no action)"' in html
    assert "regressed &gt; at risk &gt; achieved &gt; partial &gt; in progress &gt; stalled &gt; no action" in html
    assert "At risk: <strong>1</strong>" in html


def test_unknown_recommendation_on_the_map_is_a_404(client, seeded):
    assert client.get("/map/", {"recommendation": "NOPE-9"}).status_code == 404


def test_map_table_as_csv_and_api_link(client, seeded):
    link_bills(2)
    response = client.get("/map/", {"recommendation": "PM-1", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 57
    assert {row["jurisdiction"]: row["status"] for row in rows}["ny"] == "at_risk"
    html = client.get("/map/", {"recommendation": "PM-1"}).content.decode()
    assert 'href="/api/v1/progress/?recommendation=PM-1"' in html
    assert 'href="/map/?recommendation=PM-1&amp;format=csv"' in html
    overall = list(csv.reader(io.StringIO(client.get("/map/", {"format": "csv"}).content.decode())))
    assert overall[0][:4] == ["jurisdiction", "name", "most_pressing", "achieved"]


def test_map_select_swaps_only_the_panel_with_htmx(client, seeded):
    link_bills(1)
    response = client.get("/map/", {"recommendation": "PM-1"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="map-panel"')
    assert 'id="map-panel"' in html
    assert "<html" not in html
    assert "<form" not in html
    assert "HX-Request" in response["Vary"]
    page = client.get("/map/").content.decode()
    assert 'hx-get="/map/"' in page
    assert 'hx-target="#map-panel"' in page
    assert 'hx-push-url="true"' in page
    assert '<form class="inline-form" method="get" action="/map/"' in page  # works without JavaScript


def test_map_runs_as_many_queries_for_30_linked_bills_as_for_one(client, seeded):
    link_bills(1)
    few = (count_queries(client, "/map/"), count_queries(client, "/map/?recommendation=PM-1"))
    link_bills(29, start=1)
    many = (count_queries(client, "/map/"), count_queries(client, "/map/?recommendation=PM-1"))
    assert few == many
    assert max(many) <= 8  # incl. the data freshness and the local jurisdictions with measures


@pytest.mark.parametrize("path", ["/map/", "/map/?recommendation=PM-1", "/recommendations/PM-1/"])
def test_map_and_recommendation_pages_say_how_fresh_the_data_is(client, seeded, path):
    call_command("load_demo", stdout=io.StringIO())
    html = client.get(path).content.decode()
    assert "Data freshness" in html
    assert "Open States: last import" in html
