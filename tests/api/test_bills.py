"""Contract and filters of /api/v1/bills/: fields, every filter, errors that name their parameter, CSV, cursors."""

import csv
import datetime
import io

import orjson
import pytest
from django.db import connection
from django.utils import timezone

from api.renderers import json_dumps
from api.serializers import BillSerializer
from legislation.choices import Stage
from legislation.models import Bill
from tests.factories import BillFactory, BillLinkFactory, JurisdictionFactory

pytestmark = pytest.mark.django_db

LIST_FIELDS = {
    "id",
    "jurisdiction",
    "session",
    "identifier",
    "title",
    "stage",
    "stage_date",
    "furthest_stage",
    "latest_action_date",
    "latest_action_description",
    "url",
}


def identifiers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row["identifier"] for row in response.json()["results"])


def test_list_has_the_contract_fields_and_page_shape(api_client, world):
    body = api_client.get("/api/v1/bills/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 4
    assert set(body["results"][0]) >= LIST_FIELDS
    first = body["results"][0]
    assert first["jurisdiction"] == "ca"
    assert first["session"] == "2025"


def test_list_rows_equal_the_serializer_output(api_client, world):
    """The list is rendered from values() for speed; it must say exactly what BillSerializer says."""
    rows = api_client.get("/api/v1/bills/").json()["results"]
    expected = BillSerializer(Bill.objects.for_list().order_by("jurisdiction__code", "identifier"), many=True).data
    assert rows == orjson.loads(json_dumps(list(expected)))


def test_detail_adds_actions_sponsors_sources_and_links(api_client, world):
    body = api_client.get(f"/api/v1/bills/{world['enacted'].pk}/").json()
    assert set(body) >= LIST_FIELDS
    assert [action["description"] for action in body["actions"]] == ["Introduced", "Chaptered"]
    assert set(body["actions"][0]) >= {"date", "description", "classification"}
    assert body["actions"][1]["classification"] == ["executive-signature"]
    assert body["sponsors"] == []
    assert body["sources"] == []
    assert body["links"] == [
        {
            "id": world["regress"].pk,
            "recommendation": world["regress"].recommendation_id,
            "recommendation_code": world["regress"].recommendation.code,
            "effect": "regresses",
            "rationale": "Raises penalties.",
            "evidence_url": "",
        }
    ]
    assert body["attribution"] is None


def test_legiscan_bills_credit_legiscan(api_client, world):
    response = api_client.get(f"/api/v1/bills/{world['legiscan'].pk}/")
    assert "CC BY 4.0" in response.json()["attribution"]
    assert 'rel="license"' in response["Link"]
    listing = api_client.get("/api/v1/bills/?jurisdiction=ny")
    assert "creativecommons.org/licenses/by/4.0" in listing["Link"]
    assert "LegiScan" in listing["X-Attribution"]
    assert "Link" not in api_client.get("/api/v1/bills/?jurisdiction=ca")


def test_unknown_bill_is_404(api_client, world):
    assert api_client.get("/api/v1/bills/999999/").status_code == 404
    assert api_client.get("/api/v1/bills/99999999999999999999999/").status_code == 404
    assert api_client.get("/api/v1/bills/abc/").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("jurisdiction=ca", ["AB 1044", "SB 180"]),
        ("jurisdiction=CA", ["AB 1044", "SB 180"]),
        ("jurisdiction=ca&jurisdiction=ny", ["A 12", "AB 1044", "S 756", "SB 180"]),
        ("jurisdiction=ca,ny", ["A 12", "AB 1044", "S 756", "SB 180"]),
        ("jurisdiction=tx", []),
        ("session=2025", ["A 12", "AB 1044", "S 756", "SB 180"]),
        ("session=2024", []),
        ("identifier=AB1044", ["AB 1044"]),
        ("identifier=a.b.%201044", ["AB 1044"]),
        ("identifier=AB%2001044", ["AB 1044"]),
        ("stage=enacted", ["AB 1044"]),
        ("stage=enacted&stage=in_committee", ["AB 1044", "S 756"]),
        ("furthest_stage=in_committee", ["S 756"]),
        ("effect=regresses", ["AB 1044"]),
        ("effect=advances&effect=regresses", ["AB 1044", "S 756"]),
        ("latest_action_after=2025-03-01", ["AB 1044", "S 756"]),
        ("latest_action_before=2025-02-01", ["A 12", "SB 180"]),
        ("latest_action_after=2025-02-01&latest_action_before=2025-04-01", ["S 756"]),
        ("q=fentanyl", ["AB 1044"]),
        ("q=selling", ["AB 1044"]),  # in the summary; stemmed
        ("q=sentencing%20drug", ["S 756"]),
        ("q=%22harm%20reduction%22", ["A 12"]),
        ("q=relates%20-harm", ["AB 1044", "S 756", "SB 180"]),  # stemmed: relating, relates
        ("q=", ["A 12", "AB 1044", "S 756", "SB 180"]),
    ],
)
def test_filters(api_client, world, query, expected):
    assert identifiers(api_client.get(f"/api/v1/bills/?{query}")) == expected


def test_filter_by_recommendation_id_code_and_audience(api_client, world):
    recommendation = world["regress"].recommendation
    for value in (recommendation.pk, recommendation.code):
        assert identifiers(api_client.get(f"/api/v1/bills/?recommendation={value}")) == ["AB 1044"]
    assert identifiers(api_client.get(f"/api/v1/bills/?audience={recommendation.audience.slug}")) == ["AB 1044"]
    # The link conditions hold for one same link: this recommendation's link regresses, it does not advance.
    assert identifiers(api_client.get(f"/api/v1/bills/?recommendation={recommendation.pk}&effect=advances")) == []


def test_a_bill_linked_twice_is_listed_once(api_client, world):
    BillLinkFactory(bill=world["enacted"], effect="related", rationale="Also about fentanyl.")
    assert identifiers(api_client.get("/api/v1/bills/?effect=regresses,related")) == ["AB 1044"]


def test_updated_since(api_client, world):
    Bill.objects.filter(pk=world["other"].pk).update(updated_at=timezone.now() + datetime.timedelta(days=2))
    since = (timezone.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert identifiers(api_client.get(f"/api/v1/bills/?updated_since={since}")) == ["S 756"]


def test_ordering(api_client, world):
    rows = api_client.get("/api/v1/bills/?ordering=-latest_action_date").json()["results"]
    assert [row["identifier"] for row in rows[:2]] == ["AB 1044", "S 756"]
    rows = api_client.get("/api/v1/bills/?ordering=identifier").json()["results"]
    assert [row["identifier"] for row in rows] == ["A 12", "AB 1044", "S 756", "SB 180"]


def test_default_order_is_jurisdiction_session_identifier(api_client, world):
    rows = api_client.get("/api/v1/bills/").json()["results"]
    assert [(row["jurisdiction"], row["identifier"]) for row in rows] == [
        ("ca", "AB 1044"),
        ("ca", "SB 180"),
        ("ny", "A 12"),
        ("ny", "S 756"),
    ]


@pytest.mark.parametrize(
    ("query", "parameter", "words"),
    [
        ("stage=bogus", "stage", "bogus is not one of the available choices"),
        ("furthest_stage=enacted,nope", "furthest_stage", "nope is not one of"),
        ("effect=helps", "effect", "helps is not one of"),
        ("updated_since=notadate", "updated_since", "valid date/time"),
        ("latest_action_after=2025-13-01", "latest_action_after", "valid date"),
        ("jurisdiction=c%20a", "jurisdiction", "slug"),
        ("ordering=title", "ordering", "not one of the available choices"),
        ("page=abc", "page", "positive integer"),
        ("page=0", "page", "positive integer"),
        ("page_size=0", "page_size", "positive integer"),
        ("page_size=-5", "page_size", "positive integer"),
        ("page_size=%C2%B2", "page_size", "positive integer"),
        ("q=a%00b", "q", "Null characters"),
        ("session=" + "x" * 101, "session", "at most 100"),
    ],
)
def test_invalid_values_are_400s_naming_the_parameter(api_client, world, query, parameter, words):
    response = api_client.get(f"/api/v1/bills/?{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body) == [parameter]
    assert words in " ".join(body[parameter])


def test_page_past_the_last_is_404_naming_page(api_client, world):
    response = api_client.get("/api/v1/bills/?page=9")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("page:")


@pytest.mark.parametrize("page", ["9223372036854775807", "184467440737095517", str(10**30)])
@pytest.mark.parametrize(
    "query",
    ["", "&format=csv", "&jurisdiction=ca", "&q=fentanyl", "&ordering=-latest_action_date", "&page_size=200"],
)
def test_a_page_past_any_database_offset_is_404_on_every_path(api_client, world, page, query):
    """A page whose offset no database takes (bigint) is empty: a 404, on the prepared path and the ORM path."""
    response = api_client.get(f"/api/v1/bills/?page={page}{query}")
    assert response.status_code == 404, response.content
    assert b"page" in response.content


def test_page_size_is_capped_at_200(api_client, world):
    jurisdiction = JurisdictionFactory(code="tx")
    BillFactory.create_batch(205, jurisdiction=jurisdiction)
    body = api_client.get("/api/v1/bills/?jurisdiction=tx&page_size=500").json()
    assert body["count"] == 205
    assert len(body["results"]) == 200
    assert "page=2" in body["next"]


def test_pagination_links_and_total_in_headers(api_client, world):
    response = api_client.get("/api/v1/bills/?page_size=2")
    assert response["X-Total-Count"] == "4"
    assert 'rel="next"' in response["Link"]


def test_csv_has_flat_columns_and_the_same_filters(api_client, world):
    response = api_client.get("/api/v1/bills/?format=csv&jurisdiction=ca")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["identifier"] for row in rows] == ["AB 1044", "SB 180"]
    assert set(rows[0]) >= LIST_FIELDS


def test_csv_of_an_empty_page_still_has_its_header(api_client, world):
    text = api_client.get("/api/v1/bills/?format=csv&jurisdiction=tx").content.decode()
    assert text.splitlines()[0].startswith("id,jurisdiction,session,identifier,title,stage")


def test_csv_by_accept_header(api_client, world):
    response = api_client.get("/api/v1/bills/", HTTP_ACCEPT="text/csv")
    assert response["Content-Type"].startswith("text/csv")


def test_bulk_walks_every_bill_by_cursor(api_client, world):
    BillFactory.create_batch(5, jurisdiction=world["ca"])
    seen, url = [], "/api/v1/bills/bulk/?page_size=3&jurisdiction=ca"
    while url:
        body = api_client.get(url).json()
        assert set(body) == {"next", "previous", "results"}
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == sorted(Bill.objects.filter(jurisdiction=world["ca"]).values_list("id", flat=True))


def test_bulk_bad_cursor_is_400(api_client, world):
    response = api_client.get("/api/v1/bills/bulk/?cursor=notacursor")
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_full_text_search_uses_the_gin_index(world):
    from legislation.filters import bill_search

    queryset = bill_search(Bill.objects.all(), "fentanyl")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "bill_search_vector_gin" in plan


def test_stage_values_are_the_contract_vocabulary(api_client, world):
    stages = {row["stage"] for row in api_client.get("/api/v1/bills/").json()["results"]}
    assert stages <= set(Stage.values)


def test_detail_gives_the_bill_page_as_html_url(api_client, world, client):
    """`html_url`: the absolute URL of the bill's public page, in the detail only (the list's two paths, prepared
    and general, keep the list fields)."""
    body = api_client.get(f"/api/v1/bills/{world['enacted'].pk}/").json()
    assert body["html_url"] == "http://testserver/bills/ca/2025/ab-1044/"
    assert client.get(body["html_url"]).status_code == 200
    assert all("html_url" not in row for row in api_client.get("/api/v1/bills/").json()["results"])
    assert all("html_url" not in row for row in api_client.get("/api/v1/bills/?q=fentanyl").json()["results"])
    schema = api_client.get("/api/v1/schema/?format=json").json()
    field = schema["components"]["schemas"]["BillDetail"]["properties"]["html_url"]
    assert field["format"] == "uri"
    assert "page" in field["description"]
