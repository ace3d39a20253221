import csv
import datetime
import io
import re

import pytest
from django.utils import timezone

from legislation.models import Jurisdiction
from recommendations.models import BillLink, Progress, Recommendation
from recommendations.selectors import progress_by_month
from tests.factories import BillFactory, LegislativeSessionFactory, RecommendationFactory

from .conftest import count_queries, link_bills

pytestmark = pytest.mark.django_db


def _rows(html: str) -> list[str]:
    table = html[html.index('id="bills"') : html.index("</table>", html.index('id="bills"'))]
    body = table[table.index("<tbody>") :]
    return body.split("<tr>")[1:]


def test_recommendation_page_quotes_it_and_says_its_items_are_pending(client, seeded):
    response = client.get("/recommendations/PM-1/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Policymakers must urgently reform all criminal laws" in html
    assert "Local, state and federal policymakers" in html
    assert "not yet transcribed here" in html
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert "/feeds/recommendations/PM-1/" in html
    assert html.count('<a class="tile status-') == 57


def test_recommendation_page_lists_its_sub_items(client, seeded):
    parent = Recommendation.objects.get(code="PM-1")
    RecommendationFactory(
        report=parent.report, audience=parent.audience, parent=parent, code="PM-1.a", text="An item of the list."
    )
    html = client.get("/recommendations/PM-1/").content.decode()
    assert '<a href="/recommendations/PM-1.a/">An item of the list.</a>' in html
    assert "Part of" in client.get("/recommendations/PM-1.a/").content.decode()


def test_unknown_recommendation_is_a_404(client, seeded):
    assert client.get("/recommendations/NOPE-1/").status_code == 404


def test_filters_work_without_javascript(client, seeded):
    link_bills(12)
    html = client.get("/recommendations/PM-1/", {"jurisdiction": "ny"}).content.decode()
    rows = _rows(html)
    assert len(rows) == 2
    assert all("New York" in row for row in rows)
    assert '<option value="ny" selected>New York</option>' in html
    assert "Clear filters" in html
    effect = _rows(client.get("/recommendations/PM-1/", {"effect": "regresses"}).content.decode())
    assert len(effect) == 4
    assert all("Regresses" in row for row in effect)
    assert _rows(client.get("/recommendations/PM-1/", {"stage": "introduced", "jurisdiction": "tx"}).content.decode())


def test_session_filter(client, seeded):
    links = link_bills(6)
    other = links[0].bill.session.__class__.objects.create(jurisdiction=links[0].bill.jurisdiction, identifier="2023")
    links[0].bill.session = other
    links[0].bill.save()
    rows = _rows(client.get("/recommendations/PM-1/", {"session": "2023"}).content.decode())
    assert len(rows) == 1
    assert "CA HB 1" in rows[0]
    assert len(_rows(client.get("/recommendations/PM-1/", {"session": "2025"}).content.decode())) == 5


def test_filters_with_htmx_swap_only_the_table(client, seeded):
    link_bills(12)
    response = client.get("/recommendations/PM-1/", {"jurisdiction": "ny"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="bills-panel"')
    assert 'id="bills-panel"' in html
    assert "<html" not in html
    assert "tile" not in html
    assert len(_rows(html)) == 2
    assert "HX-Request" in response["Vary"]
    page = client.get("/recommendations/PM-1/").content.decode()
    assert 'hx-get="/recommendations/PM-1/"' in page
    assert 'hx-target="#bills-panel"' in page
    assert 'hx-push-url="true"' in page


def test_a_bad_filter_value_is_a_400_that_names_it(client, seeded):
    response = client.get("/recommendations/PM-1/", {"stage": "nonsense"})
    assert response.status_code == 400
    assert "Some filters could not be read: stage" in response.content.decode()


def test_bills_as_csv_and_the_api_link_returns_the_same_rows(client, api_client, seeded):
    link_bills(12)
    response = client.get("/recommendations/PM-1/", {"jurisdiction": "ny", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(row["identifier"] for row in rows) == ["HB 2", "HB 8"]
    html = client.get("/recommendations/PM-1/", {"jurisdiction": "ny", "session": "2025"}).content.decode()
    api = "/api/v1/links/?recommendation=PM-1&amp;jurisdiction=ny&amp;session=2025"
    assert f'href="{api}"' in html
    results = api_client.get(api.replace("&amp;", "&")).json()["results"]
    assert sorted(result["bill"] for result in results) == sorted(link.bill_id for link in _links_in("ny"))


def _links_in(code):
    return Recommendation.objects.get(code="PM-1").links.filter(bill__jurisdiction__code=code)


def test_status_by_month_counts_each_jurisdiction_at_the_end_of_each_month(seeded):
    links = link_bills(2)  # CA in progress, NY at risk
    recommendation = links[0].recommendation
    california, new_york = (Jurisdiction.objects.get(code=code) for code in ("ca", "ny"))
    history = Progress.history.filter(recommendation=recommendation)
    august = timezone.make_aware(datetime.datetime(2025, 8, 20))
    history.filter(jurisdiction=california).update(history_date=august)
    history.filter(jurisdiction=new_york).update(history_date=august.replace(month=10))
    Progress.objects.get(recommendation=recommendation, jurisdiction=california).delete()  # a "-" history row
    history.filter(jurisdiction=california, history_type="-").update(history_date=august.replace(month=11, day=2))
    legislatures = list(Jurisdiction.objects.legislatures())
    months = progress_by_month(
        recommendation=recommendation, jurisdictions=legislatures, today=datetime.date(2025, 11, 3)
    )
    counts = {month.month: {item.status: item.count for item in month.counts} for month in months}
    assert list(counts) == [datetime.date(2025, month, 1) for month in (8, 9, 10, 11)]
    assert counts[datetime.date(2025, 9, 1)]["in_progress"] == 1
    assert counts[datetime.date(2025, 9, 1)]["at_risk"] == 0
    assert counts[datetime.date(2025, 10, 1)]["at_risk"] == 1
    assert counts[datetime.date(2025, 10, 1)]["in_progress"] == 1
    assert counts[datetime.date(2025, 11, 1)]["in_progress"] == 0  # deleted: no action again
    assert counts[datetime.date(2025, 11, 1)]["no_action"] == 56


def test_recommendation_page_draws_the_history_chart_with_a_table(client, seeded):
    link_bills(2)
    html = client.get("/recommendations/PM-1/").content.decode()
    assert '<svg class="chart-svg"' in html
    month = timezone.localdate().strftime("%B %Y")
    assert f"{month}: 1 in progress, 1 at risk, 55 no action." in html
    assert 'href="/recommendations/PM-1/?format=csv&amp;table=history"' in html
    rows = list(
        csv.reader(io.StringIO(client.get("/recommendations/PM-1/?format=csv&table=history").content.decode()))
    )
    assert rows[0] == ["month", "achieved", "partial", "in_progress", "stalled", "at_risk", "regressed", "no_action"]
    assert rows[-1][1:] == ["0", "0", "1", "0", "1", "0", "55"]


def test_recommendation_page_runs_as_many_queries_for_90_linked_bills_as_for_one(client, seeded):
    link_bills(1)
    few = (
        count_queries(client, "/recommendations/PM-1/"),
        count_queries(client, "/recommendations/PM-1/?stage=introduced", HTTP_HX_REQUEST="true"),
    )
    link_bills(29, start=1)
    _many_links(60)  # more than a page
    many = (
        count_queries(client, "/recommendations/PM-1/"),
        count_queries(client, "/recommendations/PM-1/?stage=introduced", HTTP_HX_REQUEST="true"),
    )
    # The page of bills counts them all in the same query (a scalar subquery): nothing grows with the links.
    assert many == few
    assert many[0] <= 11  # incl. the data freshness, the linked measures and the local jurisdictions
    assert many[1] <= 4


def _many_links(count: int, *, code: str = "ca") -> None:
    """`count` bills of one jurisdiction linked to PM-1, HB 1 the least recently active."""
    jurisdiction = Jurisdiction.objects.get(code=code)
    session = LegislativeSessionFactory(jurisdiction=jurisdiction, identifier="2024")
    recommendation = Recommendation.objects.get(code="PM-1")
    for number in range(count):
        bill = BillFactory(
            jurisdiction=jurisdiction,
            session=session,
            identifier=f"SB {number + 1}",
            latest_action_date=datetime.date(2024, 1, 1) + datetime.timedelta(days=number),
        )
        BillLink.objects.create(recommendation=recommendation, bill=bill, effect="advances", rationale="Many.")


def _identifiers(html: str) -> list[str]:
    return [re.search(r">([A-Z]{2} [A-Z]+ \d+)</a>", row).group(1) for row in _rows(html)]


def test_bills_come_50_a_page_with_page_links_that_keep_the_filters(client, seeded):
    _many_links(60)
    link_bills(6)  # one in California, five elsewhere
    first = client.get("/recommendations/PM-1/", {"jurisdiction": "ca"}).content.decode()
    rows = _identifiers(first)
    assert len(rows) == 50
    assert rows[0] == "CA HB 1"  # the most recently active (2025), then SB 60, SB 59 ...
    assert rows[1:3] == ["CA SB 60", "CA SB 59"]
    assert "61 linked bills match the filters. Bills 1 to 50, page 1 of 2." in " ".join(first.split())
    assert '<a href="/recommendations/PM-1/?jurisdiction=ca&amp;page=2" hx-get=' in first
    assert 'rel="next">Next page</a>' in first
    assert 'href="/recommendations/PM-1/?jurisdiction=ca&amp;format=csv&amp;table=bills"' in first
    second = client.get("/recommendations/PM-1/", {"jurisdiction": "ca", "page": "2"}).content.decode()
    assert _identifiers(second) == [f"CA SB {number}" for number in range(11, 0, -1)]
    assert 'rel="prev">Previous page</a>' in second
    assert 'href="/recommendations/PM-1/?jurisdiction=ca&amp;format=csv&amp;table=bills"' in second  # no page
    assert "Next page" not in second
    # The CSV of a page has every filtered bill.
    csv_rows = list(
        csv.DictReader(
            io.StringIO(client.get("/recommendations/PM-1/?jurisdiction=ca&page=2&format=csv").content.decode())
        )
    )
    assert len(csv_rows) == 61


def test_a_page_of_bills_swaps_in_with_htmx(client, seeded):
    _many_links(55)
    response = client.get("/recommendations/PM-1/", {"page": "2"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="bills-panel"')
    assert _identifiers(html) == [f"CA SB {number}" for number in range(5, 0, -1)]
    assert 'hx-target="#bills-panel"' in html
    assert 'hx-get="/recommendations/PM-1/?page=1"' in html


@pytest.mark.parametrize("page", ["0", "-1", "two", "3", "1.5"])
def test_a_page_that_does_not_exist_is_a_404(client, seeded, page):
    _many_links(55)
    assert client.get("/recommendations/PM-1/", {"page": page}).status_code == 404


def test_the_table_links_each_bill_and_its_jurisdiction_as_reverse_would(client, seeded):
    links = link_bills(3)
    html = client.get("/recommendations/PM-1/").content.decode()
    for link in links:
        bill = link.bill
        assert f'<a href="{bill.get_absolute_url()}">{bill.jurisdiction.code.upper()} {bill.identifier}</a>' in html
        assert f'<a href="/jurisdictions/{bill.jurisdiction.code}/">{bill.jurisdiction.name}</a>' in html
