"""The OpenAPI schema says what the API does (issue 11, item 9): anonymous access where reads are public, paging
minimums, and what the API refuses with a 400 refused by the schema too (NUL in a parameter, an empty `format`)."""

import re

import pytest

pytestmark = pytest.mark.django_db

STAFF_READS = ("/api/v1/triage/", "/api/v1/import-runs/")


@pytest.fixture
def schema(api_client):
    return api_client.get("/api/v1/schema/?format=json").json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_public_reads_admit_anonymous_clients_and_writes_do_not(schema):
    for path, method, operation in operations(schema):
        anonymous = {} in operation.get("security", [])
        if path == "/api/v1/auth/token/":
            assert anonymous == (method == "post"), (method, path)
        elif method == "get" and not path.startswith(STAFF_READS):
            assert anonymous, path
        else:
            assert not anonymous, (method, path)


def test_paging_parameters_state_their_minimum(schema):
    seen = 0
    for path, _, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in ("page", "page_size"):
                integer = next(s for s in parameter["schema"]["anyOf"] if s["type"] == "integer")
                assert integer["minimum"] == 1, path
                seen += 1
    assert seen > 10


def test_free_text_parameters_refuse_nul_in_the_schema_as_the_api_does(schema, api_client):
    nul = re.compile(r"\^\[\^\\x00\]\*\$")
    params = [
        (path, parameter)
        for path, _, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter["name"] in ("q", "identifier", "session", "recommendation")
    ]
    assert params
    for path, parameter in params:
        schema_ = parameter["schema"]
        item = schema_.get("items", schema_)
        assert nul.fullmatch(item["pattern"]), (path, parameter["name"], item)
    assert api_client.get("/api/v1/bills/?q=a%00b").status_code == 400


@pytest.mark.parametrize("url", ["/api/v1/bills/", "/api/v1/freshness/", "/api/v1/exports/", "/api/v1/changes/"])
def test_an_empty_format_is_a_400_and_not_in_the_schema(schema, api_client, url):
    response = api_client.get(f"{url}?format=")
    assert response.status_code == 400
    assert "format" in response.json()
    parameter = next(p for p in schema["paths"][url]["get"]["parameters"] if p["name"] == "format")
    assert "" not in parameter["schema"]["enum"]


def test_a_boolean_filter_refuses_other_words(api_client):
    assert api_client.get("/api/v1/recommendations/?top_level=true").status_code == 200
    assert api_client.get("/api/v1/recommendations/?top_level=").status_code == 200
    response = api_client.get("/api/v1/recommendations/?top_level=maybe")
    assert response.status_code == 400
    assert "top_level" in response.json()


def test_a_page_size_given_twice_is_a_400(api_client):
    response = api_client.get("/api/v1/bills/?page_size=5&page_size=")
    assert response.status_code == 400
    assert "page_size" in response.json()


def test_wrong_credentials_are_a_401_as_documented(schema, api_client, staff_user):
    response = api_client.post("/api/v1/auth/token/", {"username": "staff", "password": "nope"}, format="json")
    assert response.status_code == 401
    assert "401" in schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
