"""The bills list's prepared statement (api/bill_list.py) answers exactly as the general path (FilterSet, ORM, DRF):
same status, bytes and headers, over every filter it takes; everything else goes to the general path."""

import base64
import datetime
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

import api.bill_list
import api.views
from api.bill_list import PageRequest, bill_page
from api.cache import CACHED_HEADERS
from api.pagination import CursorPagination
from legislation.choices import Source, Stage
from legislation.models import Bill, BillExternalId
from recommendations.models import BillLink, Effect, Measure, MeasureKind, MeasureStatus
from tests.api.conftest import client_for
from tests.factories import (
    AudienceFactory,
    BillFactory,
    BillLinkFactory,
    JurisdictionFactory,
    LegislativeSessionFactory,
    RecommendationFactory,
)

EFFECTS = list(Effect)

pytestmark = pytest.mark.django_db

STAGES = [Stage.INTRODUCED, Stage.IN_COMMITTEE, Stage.PASSED_ORIGIN, Stage.ENACTED, Stage.VETOED, Stage.DIED]

# Filters the prepared statement takes: each is compared with the general path.
LEAN = [
    "",
    "jurisdiction=CA",
    "jurisdiction=ca,ny",
    "jurisdiction=ca&jurisdiction=TX&jurisdiction=ny",
    "jurisdiction=zz",
    "stage=enacted",
    "stage=enacted,vetoed&jurisdiction=ny",
    "furthest_stage=passed_origin&furthest_stage=enacted",
    "session=2024",
    "session=2025&jurisdiction=tx",
    "updated_since=2025-03-01T00:00:00Z",
    "updated_since=2025-03-01T02:00:00%2B02:00",
    "latest_action_after=2025-02-10&latest_action_before=2025-04-01",
    "latest_action_before=2025-01-20",
    "page=2&page_size=5",
    "page=3&page_size=5&jurisdiction=ca,ny,tx",
    "page_size=500",
    "page_size=",
    "page=",
    "format=json&stage=introduced",
    "jurisdiction=&stage=",
    "unknown=1&stage=died",
    "stage=enacted&stage=enacted",
    "q=fentanyl",
    "q=controlled",
    "q=%22controlled%20substances%22&page=2&page_size=5",
    "q=substances%20-fentanyl&jurisdiction=ny",
    "q=SB",
    "q=%20%20",
    "ordering=-latest_action_date",
    "ordering=latest_action_date",
    "ordering=-stage_date",
    "ordering=stage_date,-identifier",
    "ordering=-updated_at&page=2&page_size=5",
    "ordering=identifier&jurisdiction=tx",
    "ordering=-id",
    "ordering=,",
    "q=controlled&ordering=-stage_date&stage=enacted,vetoed",
]
# Filters only the general path takes, and invalid values (its 400s and 404s).
GENERAL = [
    "identifier=AB%201",
    "ordering=bogus",
    "recommendation=" + "9" * 21,  # longer than a code can be: a 400
    "recommendation=PM-1&effect=bogus",
    "page=last&page_size=5",
    "page=99",
    "page=0",
    "page_size=-1",
    "stage=bogus",
    "jurisdiction=c%20a",
    "updated_since=yesterday",
    "latest_action_after=2025-13-01",
]


@pytest.fixture(autouse=True)
def _no_response_cache(settings):
    settings.API_CACHE_SECONDS = 0  # every request runs its path; ETags still work


@pytest.fixture
def bills(db):
    """Three states, two sessions, six stages, dates present and missing, LegiScan ids on some bills, and times
    with and without microseconds."""
    made = []
    for code in ("ca", "ny", "tx"):
        jurisdiction = JurisdictionFactory(code=code)
        for year in ("2024", "2025"):
            session = LegislativeSessionFactory(jurisdiction=jurisdiction, identifier=year)
            for number, stage in enumerate(STAGES, start=1):
                day = datetime.date(2025, 1, 10) + datetime.timedelta(days=9 * number + len(made))
                made.append(
                    BillFactory(
                        jurisdiction=jurisdiction,
                        session=session,
                        identifier=f"{'AB' if number % 2 else 'SB'} {number}",
                        stage=stage,
                        furthest_stage=Stage.ENACTED if stage == Stage.VETOED else stage,
                        stage_date=None if number == 3 else day,
                        latest_action_date=day,
                        latest_action_description=f"Action on day {day}",
                        url=f"https://example.org/{code}/{year}/{number}",
                    )
                )
    for index, bill in enumerate(made):
        updated = datetime.datetime(2025, 2, 1, 12, 0, tzinfo=datetime.UTC) + datetime.timedelta(
            days=index, microseconds=0 if index % 4 == 0 else 1234 * index
        )
        Bill.objects.filter(pk=bill.pk).update(updated_at=updated)
        if index % 5 == 0:
            BillExternalId.objects.create(bill=bill, source=Source.LEGISCAN, external_id=str(9000 + index))
    BillLinkFactory(bill=made[0], effect="advances")
    return made


def general_path(monkeypatch):
    monkeypatch.setattr(api.bill_list, "bill_page", lambda params, url, version=None: None)
    monkeypatch.setattr(api.views, "bill_page", lambda params, url, version=None: None)


def answer(client, query: str):
    response = client.get(f"/api/v1/bills/?{query}")
    return response.status_code, response.content, {name: response.get(name) for name in (*CACHED_HEADERS, "ETag")}


@pytest.mark.parametrize("query", LEAN)
def test_the_prepared_statement_answers_as_the_general_path(bills, editor, monkeypatch, query):
    assert bill_page(QueryDict(query), f"http://testserver/api/v1/bills/?{query}") is not None
    anonymous = answer(client_for(None), query)  # the cache front, without DRF
    signed_in = answer(client_for(editor), query)  # the DRF view
    general_path(monkeypatch)
    assert anonymous[0] == 200
    assert anonymous == answer(client_for(None), query)
    assert signed_in == answer(client_for(editor), query)


@pytest.mark.parametrize("query", GENERAL)
def test_other_filters_and_bad_values_go_to_the_general_path(bills, monkeypatch, query):
    assert bill_page(QueryDict(query), f"http://testserver/api/v1/bills/?{query}") is None
    given = answer(client_for(None), query)
    general_path(monkeypatch)
    assert given == answer(client_for(None), query)


# The link filters (each condition on one same link), alone, together and with the bill filters.
LINKED = [
    "recommendation={pm1}",
    "recommendation=PM-1",
    "recommendation=PM-1,{pp1}",
    "recommendation=PM-1&effect=regresses",  # a bill linked to PM-1 (advances) and PP-1 (regresses): not it
    "recommendation=PP-1&effect=regresses",
    "audience=police",
    "audience=police,policymakers&stage=enacted,vetoed,introduced",
    "effect=advances",
    "effect=advances,related&ordering=-latest_action_date&page=2&page_size=2",
    "q=controlled&effect=advances",
    "recommendation=" + "9" * 19,  # past 64 bits, not a code: no link matches
    "recommendation=NOPE",
    "audience=nobody",
]


@pytest.fixture
def links(bills):
    police = AudienceFactory(slug="police")
    policymakers = AudienceFactory(slug="policymakers", report=police.report)
    pm1 = RecommendationFactory(code="PM-1", audience=policymakers, report=police.report)
    pp1 = RecommendationFactory(code="PP-1", audience=police, report=police.report)
    for index, bill in enumerate(bills[1:16]):
        BillLinkFactory(bill=bill, recommendation=pm1 if index % 2 else pp1, effect=EFFECTS[index % len(EFFECTS)])
    BillLinkFactory(bill=bills[2], recommendation=pp1, effect=Effect.REGRESSES)
    measure = Measure.objects.create(
        jurisdiction=bills[0].jurisdiction,
        kind=MeasureKind.PROSECUTOR_POLICY,
        title="A charging memo",
        status=MeasureStatus.IN_EFFECT,
        url="https://example.org/memo",
    )
    BillLinkFactory(bill=None, measure=measure, recommendation=pm1, effect=Effect.REGRESSES)
    return {"pm1": pm1.pk, "pp1": pp1.pk}


@pytest.mark.parametrize("query", LINKED)
def test_link_filters_through_the_prepared_statement_answer_as_the_general_path(links, editor, monkeypatch, query):
    query = query.format(**links)
    assert bill_page(QueryDict(query), f"http://testserver/api/v1/bills/?{query}") is not None
    anonymous = answer(client_for(None), query)
    signed_in = answer(client_for(editor), query)
    general_path(monkeypatch)
    assert anonymous[0] == 200
    assert anonymous == answer(client_for(None), query)
    assert signed_in == answer(client_for(editor), query)


def test_link_filters_find_the_bills_of_one_same_link(links):
    def identifiers(query: str) -> list[str]:
        return [row["id"] for row in client_for(None).get(f"/api/v1/bills/?{query}").json()["results"]]

    pm1 = identifiers("recommendation=PM-1&page_size=100")
    regressing = identifiers("effect=regresses&page_size=100")
    assert pm1
    assert regressing
    both = identifiers("recommendation=PM-1&effect=regresses&page_size=100")
    assert set(both) < set(pm1) & set(regressing)  # bills[2] regresses PP-1 and is linked to PM-1 otherwise
    expected = {
        link.bill_id
        for link in BillLink.objects.filter(recommendation__code="PM-1", effect=Effect.REGRESSES, bill__isnull=False)
    }
    assert set(both) == expected


def test_bad_values_are_400s_naming_the_parameter(bills):
    response = client_for(None).get("/api/v1/bills/?stage=bogus&jurisdiction=ca")
    assert response.status_code == 400
    assert "stage" in response.json()


def test_csv_through_the_prepared_statement_matches_the_general_path(bills, monkeypatch):
    query = "format=csv&jurisdiction=ca,ny&page_size=7&page=2"
    given = answer(client_for(None), query)
    general_path(monkeypatch)
    assert given == answer(client_for(None), query)
    assert given[0] == 200
    assert given[2]["Content-Type"].startswith("text/csv")


def test_pages_cover_every_bill_once_in_order(bills):
    client, seen, url = client_for(None), [], "/api/v1/bills/?page_size=7"
    while url:
        body = client.get(url).json()
        seen += [(row["jurisdiction"], row["session"], row["identifier"], row["id"]) for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(bills) == 36
    assert seen == sorted(seen)


def test_legiscan_rows_are_credited_and_others_not(bills):
    client = client_for(None)
    credited = client.get("/api/v1/bills/?jurisdiction=ca&session=2024")  # holds bills[0], a LegiScan bill
    assert "CC BY 4.0" in credited["X-Attribution"]
    plain = client.get("/api/v1/bills/?jurisdiction=ca&session=2024&stage=in_committee")  # bills[1]: none
    assert plain.json()["count"] == 1
    assert not plain.has_header("X-Attribution")


def test_one_prepared_query_per_page(bills):
    with CaptureQueriesContext(connection) as queries:
        response = client_for(None).get("/api/v1/bills/?jurisdiction=ny&stage=enacted,vetoed")
    assert response.status_code == 200
    assert len(queries) == 1
    assert "LEFT JOIN LATERAL" in queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any("LEFT JOIN LATERAL" in statement and "LIMIT $" in statement for statement in statements)


def test_a_total_is_counted_once_per_data_version(bills, settings):
    """A filter's total is counted by the page's statement once; its other pages reuse it until the data change."""
    settings.API_COUNT_CACHE_SECONDS = 60
    client = client_for(None)

    def statement(url: str) -> str:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).json()["count"] == 12
        assert len(queries) == 1
        return queries[0]["sql"]

    assert "count(*)" in statement("/api/v1/bills/?jurisdiction=ca&page_size=5")
    assert "count(*)" not in statement("/api/v1/bills/?jurisdiction=ca&page_size=5&page=2")
    assert "count(*)" in statement("/api/v1/bills/?jurisdiction=ny&page_size=5&page=2")
    Bill.objects.filter(jurisdiction__code="ca").first().save()  # a change: every cached total is dropped
    assert "count(*)" in statement("/api/v1/bills/?jurisdiction=ca&page_size=5&page=3")


def test_legiscan_rows_are_credited_on_the_general_path_and_in_bulk(bills):
    client = client_for(None)
    assert "CC BY 4.0" in client.get("/api/v1/bills/bulk/?page_size=3")["X-Attribution"]  # holds bills[0]
    assert "CC BY 4.0" in client.get("/api/v1/bills/?identifier=AB%201&jurisdiction=ca&session=2024")["X-Attribution"]
    assert not client.get("/api/v1/bills/?identifier=SB%202&jurisdiction=ca&session=2024").has_header("X-Attribution")


def test_a_search_known_to_match_few_bills_runs_prepared(bills, settings):
    """A search is planned for its words until its total is known; one known to match few bills then runs as a
    prepared statement (read by the index, not planned again)."""
    settings.API_COUNT_CACHE_SECONDS = 60
    client, url = client_for(None), "/api/v1/bills/?q=controlled&jurisdiction=ny&page_size=5"

    def prepared_searches() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%websearch_to_tsquery%%'"
            )
            return cursor.fetchone()[0]

    assert client.get(url).json()["count"] == 12
    assert prepared_searches() == 0  # its total was not known: planned for its words
    assert client.get(f"{url}&page=2").json()["count"] == 12
    assert prepared_searches() == 1


# --- The bulk listing: the same statement by id, paged by DRF's cursors ------------------------------------------


def cursor(**tokens: str) -> str:
    """A cursor as DRF encodes one (base64 of a query string: `o` offset, `r` reverse, `p` position)."""
    return base64.b64encode(urlencode(tokens).encode()).decode()


def bulk_general_path(monkeypatch):
    monkeypatch.setattr(api.bill_list, "bulk_page", lambda request, paginator: None)
    monkeypatch.setattr(api.views, "bulk_page", lambda request, paginator: None)


def answer_at(client, url: str):
    response = client.get(url)
    return response.status_code, response.content, {name: response.get(name) for name in (*CACHED_HEADERS, "ETag")}


def bulk_would_answer(query: str) -> bool:
    return (
        api.bill_list.bulk_page(
            PageRequest(QueryDict(query), f"http://testserver/api/v1/bills/bulk/?{query}"), CursorPagination()
        )
        is not None
    )


# Filters and page sizes the statement takes; each is walked forward by `next` and back by `previous`.
BULK = [
    "",
    "page_size=5",
    "page_size=7&jurisdiction=ca,ny",
    "page_size=4&stage=enacted,vetoed,introduced",
    "page_size=3&session=2025&furthest_stage=enacted",
    "page_size=5&updated_since=2025-02-20T00:00:00Z&latest_action_before=2025-03-20",
    "page_size=4&q=controlled",
    "page_size=2&effect=advances",
    "page_size=5000",
    "page_size=&ordering=-id&unknown=1",
    "format=json&page_size=6&jurisdiction=tx",
    "jurisdiction=zz",
]


@pytest.mark.parametrize("query", BULK)
def test_bulk_pages_and_their_cursors_answer_as_the_general_path(bills, editor, monkeypatch, query):
    assert bulk_would_answer(query)
    urls, seen, pending = [], set(), [f"/api/v1/bills/bulk/?{query}"]
    while pending:  # every page reached by next and previous links from the first
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        urls.append(url)
        body = client_for(None).get(url).json()
        pending += [link for link in (body["next"], body["previous"]) if link]
    given = [(answer_at(client_for(None), url), answer_at(client_for(editor), url)) for url in urls]
    bulk_general_path(monkeypatch)
    assert given == [(answer_at(client_for(None), url), answer_at(client_for(editor), url)) for url in urls]
    assert all(anonymous[0] == 200 for anonymous, _ in given)


def test_bulk_walks_back_and_forth_over_every_bill(bills):
    client, ids = client_for(None), sorted(bill.pk for bill in bills)
    forward, url = [], "/api/v1/bills/bulk/?page_size=5"
    while url:
        body = client.get(url).json()
        forward.append([row["id"] for row in body["results"]])
        last, url = body, body["next"]
    assert [bill_id for page in forward for bill_id in page] == ids
    backward, url = [], last["previous"]
    while url:
        body = client.get(url).json()
        backward.insert(0, [row["id"] for row in body["results"]])
        url = body["previous"]
    assert backward == forward[:-1]


def bulk_cursors(bills) -> list[str]:
    """Cursors DRF makes and others a client may send: offsets (DRF's for equal positions), reverse ones, no
    position, positions past either end, with leading zeros."""
    ids = sorted(bill.pk for bill in bills)
    middle, last = ids[len(ids) // 2], ids[-1]
    return [
        f"page_size=4&cursor={cursor(p=str(middle))}",
        f"page_size=4&cursor={cursor(r='1', p=str(middle))}",
        f"page_size=4&cursor={cursor(o='2', p=str(middle))}",
        f"page_size=4&cursor={cursor(o='3', r='1', p=str(middle))}",
        f"page_size=4&cursor={cursor(o='6')}",
        f"page_size=4&cursor={cursor(r='1')}",
        f"page_size=4&cursor={cursor(o='2', r='1')}",
        f"page_size=4&cursor={cursor(p=str(last))}",
        f"page_size=4&cursor={cursor(r='1', p=str(ids[0]))}",
        f"page_size=4&cursor={cursor(p='0')}",
        f"page_size=4&cursor={cursor(r='1', p=str(last + 1000))}",
        f"page_size=4&cursor={cursor(p='00' + str(middle))}",
        f"page_size=4&cursor={cursor(r='1', p='00' + str(middle))}",
        f"page_size=1&cursor={cursor(o='1', r='1', p=str(middle))}",
        f"page_size=3&jurisdiction=ny&cursor={cursor(r='1', p=str(middle))}",
        f"page_size=3&q=controlled&cursor={cursor(p=str(middle))}",
        f"page_size=4&cursor={cursor(p=str(ids[0]))}",  # its extra row has LegiScan data, its page none
        f"page_size=4&cursor={cursor(o='5000', p=str(ids[0]))}",  # DRF caps offsets at 1000
        "page_size=4&cursor=%00",  # no base64 in it: an empty cursor, the first page
    ]


def test_bulk_cursors_answer_as_the_general_path(bills, editor, monkeypatch):
    queries = bulk_cursors(bills)
    assert all(bulk_would_answer(query) for query in queries)
    urls = [f"/api/v1/bills/bulk/?{query}" for query in queries]
    given = [(answer_at(client_for(None), url), answer_at(client_for(editor), url)) for url in urls]
    bulk_general_path(monkeypatch)
    for url, answers in zip(urls, given, strict=True):
        assert answers == (answer_at(client_for(None), url), answer_at(client_for(editor), url)), url
    assert {anonymous[0] for anonymous, _ in given} == {200}


# Only the general path answers these: a filter that is not a column condition, bad values and cursors (its
# 400s, with the same body), positions that are not plain ids.
BULK_GENERAL = [
    "identifier=AB%201",
    "stage=bogus",
    "page_size=0",
    "page_size=-3",
    "cursor=notacursor",
    "cursor=" + cursor(o="-1"),
    "cursor=" + cursor(r="x"),
    "cursor=" + cursor(p="-5"),
    "cursor=" + cursor(p="1" * 19),
    "cursor=" + cursor(p=" 7"),
    "cursor=" + cursor(p="abc"),
    "stage=bogus&cursor=notacursor",
]


@pytest.mark.parametrize("query", BULK_GENERAL)
def test_bulk_other_filters_and_bad_cursors_go_to_the_general_path(bills, monkeypatch, query):
    assert not bulk_would_answer(query)
    url = f"/api/v1/bills/bulk/?{query}"
    given = answer_at(client_for(None), url)
    bulk_general_path(monkeypatch)
    assert given == answer_at(client_for(None), url)


@pytest.mark.parametrize(
    "bad", ["notacursor", cursor(o="-1"), cursor(p="abc"), cursor(r="1", p="1.5"), cursor(p="9" * 5000)]
)
def test_bulk_bad_cursor_is_a_400_naming_it(bills, bad):
    client = client_for(None)
    client.raise_request_exception = False  # a 500 is a failure here, not an error
    response = client.get(f"/api/v1/bills/bulk/?cursor={bad}")
    assert response.status_code == 400
    assert response.json() == {"cursor": ["Invalid cursor: use the `next` or `previous` URL."]}


def test_bulk_credits_legiscan_for_its_page_only(bills):
    ids = sorted(bill.pk for bill in bills)  # bills[0], [5], [10]... have LegiScan ids
    client = client_for(None)
    assert "CC BY 4.0" in client.get("/api/v1/bills/bulk/?page_size=4")["X-Attribution"]
    after_first = client.get(f"/api/v1/bills/bulk/?page_size=4&cursor={cursor(p=str(ids[0]))}")
    assert [row["id"] for row in after_first.json()["results"]] == ids[1:5]
    assert not after_first.has_header("X-Attribution")  # the row read beyond the page (bills[5]) is not on it
    assert 'rel="next"' in after_first["Link"]
    assert "legiscan" not in after_first["Link"]


@pytest.mark.parametrize("signed_in", [False, True])
def test_bulk_runs_one_prepared_query_per_page(bills, editor, signed_in):
    ids = sorted(bill.pk for bill in bills)
    client = client_for(editor if signed_in else None)
    for query in ("page_size=5&jurisdiction=ca,ny", f"page_size=5&cursor={cursor(r='1', p=str(ids[20]))}"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/bills/bulk/?{query}")
        assert response.status_code == 200
        statements = [query["sql"] for query in queries if "legislation_bill" in query["sql"]]
        assert len(statements) == 1, statements
        assert "LEFT JOIN LATERAL" in statements[0]
        assert len(queries) == (2 if signed_in else 1)  # and the token's user, signed in
    with connection.cursor() as cursor_:
        cursor_.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor_.fetchall()]
    assert any("LEFT JOIN LATERAL" in text and '"id" < $' in text for text in prepared)


def test_bulk_csv_through_the_statement_matches_the_general_path(bills, monkeypatch):
    ids = sorted(bill.pk for bill in bills)
    url = f"/api/v1/bills/bulk/?format=csv&jurisdiction=ca,ny&page_size=4&cursor={cursor(r='1', p=str(ids[30]))}"
    assert bulk_would_answer(url.split("?", 1)[1])
    given = answer_at(client_for(None), url)
    bulk_general_path(monkeypatch)
    assert given == answer_at(client_for(None), url)
    assert given[0] == 200
    assert given[2]["Content-Type"].startswith("text/csv")
    assert 'rel="next"' in given[2]["Link"]
