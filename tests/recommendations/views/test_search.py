"""Search: bills through the API's full-text `q` and recommendations by code, title or text; empty, no-result and
bad-input states (a NUL byte, 10,000 characters: a message, never a 500); pages; CSV and the same rows in the API;
a query budget that does not grow with the results."""

import csv
import io
import re

import pytest
from django.core.cache import cache

from legislation.choices import Stage
from legislation.models import Jurisdiction
from tests.factories import BillFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_pages():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bills(seeded):
    california, new_york = Jurisdiction.objects.get(code="ca"), Jurisdiction.objects.get(code="ny")
    return {
        "penalties": BillFactory(
            jurisdiction=california,
            identifier="AB 1044",
            title="An act relating to fentanyl penalties",
            stage=Stage.ENACTED,
            furthest_stage=Stage.ENACTED,
        ),
        "diversion": BillFactory(
            jurisdiction=california, identifier="SB 180", title="An act relating to diversion programs"
        ),
        "sentencing": BillFactory(
            jurisdiction=new_york,
            identifier="S 756",
            title="Relates to the sentencing of drug offences",
            summary="Repeals a mandatory minimum for selling fentanyl.",
        ),
    }


def words(response) -> str:
    return " ".join(response.content.decode().split())


def found_bills(response) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', words(response))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("fentanyl", {"CA AB 1044", "NY S 756"}),  # title or summary
        ("penalty", {"CA AB 1044"}),  # stemmed: full text, not a plain contains
        ('"diversion programs"', {"CA SB 180"}),
        ("fentanyl -penalties", {"NY S 756"}),
        ("AB 1044", {"CA AB 1044"}),
        ("zebra", set()),
    ],
)
def test_bills_are_found_as_the_api_finds_them(client, bills, q, expected):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    assert set(found_bills(response)) == expected
    api = client.get("/api/v1/bills/", {"q": q}).json()
    assert {f"{row['jurisdiction'].upper()} {row['identifier']}" for row in api["results"]} == expected
    if not expected:
        assert "No bill matches “zebra”." in words(response)


def test_results_link_to_bill_pages_with_their_stage(client, bills):
    html = words(client.get("/search/", {"q": "fentanyl penalties"}))
    assert f'<a href="{bills["penalties"].get_absolute_url()}">CA AB 1044</a>' in html
    assert 'class="badge stage-enacted">Enacted</span>' in html
    assert "California, 2025" in html


def test_recommendations_are_found_by_code_title_or_text(client, seeded):
    by_code = words(client.get("/search/", {"q": "pm-1"}))
    assert '<a href="/recommendations/PM-1/">PM-1 ' in by_code
    assert "Recommendations (1)" in by_code
    by_text = words(client.get("/search/", {"q": "sentencing"}))
    assert 'href="/recommendations/PM-1/"' in by_text
    assert "No recommendation matches “zebra”." in words(client.get("/search/", {"q": "zebra"}))


def test_empty_search_invites_a_query(client, seeded):
    for query in ({}, {"q": ""}, {"q": "   "}):
        response = client.get("/search/", query)
        assert response.status_code == 200
        html = words(response)
        assert "Type a word, a bill identifier" in html
        assert "Bills (" not in html


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("fentanyl\x00", "Null characters are not allowed."),
        ("a" * 10_000, "Ensure this value has at most 200 characters (it has 10000)."),
    ],
)
def test_bad_input_is_a_message_not_a_500(client, bills, q, message):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 400
    html = words(response)
    assert "This search cannot be run" in html
    assert message in html
    assert "a" * 300 not in html


def test_odd_but_valid_text_is_just_searched(client, bills):
    for q in ('"', "-", "!!! & | :*", "the", "' OR 1=1 --", "<script>"):
        response = client.get("/search/", {"q": q})
        assert response.status_code == 200, q
        assert "<script>" not in response.content.decode().split('name="q"')[1].split(">")[0]


def test_pages_csv_and_the_same_rows_in_the_api(client, seeded):
    texas = Jurisdiction.objects.get(code="tx")
    for number in range(30):
        BillFactory(jurisdiction=texas, identifier=f"HB {number + 1}", title="Relating to fentanyl testing strips")
    first = client.get("/search/", {"q": "fentanyl"})
    assert len(found_bills(first)) == 25
    assert "Bills (30)" in words(first)
    assert "(page 1 of 2)" in words(first)
    second = client.get("/search/", {"q": "fentanyl", "page": "2"})
    assert len(found_bills(second)) == 5
    assert set(found_bills(first)).isdisjoint(found_bills(second))
    assert client.get("/search/", {"q": "fentanyl", "page": "x\x00"}).status_code == 200
    # The CSV has the page's rows; the API link returns the same rows in the same order.
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/search/", {"q": "fentanyl", "page": "2", "format": "csv"}).content.decode())
        )
    )
    assert [f"{row['jurisdiction'].upper()} {row['identifier']}" for row in rows] == found_bills(second)
    api_link = re.search(r'href="(/api/v1/bills/\?[^"]+)">The same rows', second.content.decode()).group(1)
    api = client.get(api_link.replace("&amp;", "&")).json()
    assert [f"{row['jurisdiction'].upper()} {row['identifier']}" for row in api["results"]] == found_bills(second)


def test_queries_do_not_grow_with_the_results(client, seeded, django_assert_num_queries):
    texas = Jurisdiction.objects.get(code="tx")
    BillFactory(jurisdiction=texas, identifier="HB 1", title="Relating to fentanyl testing strips")
    # Count and page of bills, recommendations, measures, freshness, the demo notice.
    with django_assert_num_queries(6):
        assert len(found_bills(client.get("/search/", {"q": "fentanyl"}))) == 1
    for number in range(1, 30):
        BillFactory(jurisdiction=texas, identifier=f"HB {number + 1}", title="Relating to fentanyl testing strips")
    with django_assert_num_queries(6):
        assert len(found_bills(client.get("/search/", {"q": "fentanyl strips"}))) == 25
