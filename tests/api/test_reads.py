"""Contracts of the other public reads: reports, audiences, recommendations, jurisdictions, links, progress,
changes, freshness, import runs and exports."""

import datetime
import io
import json
import zipfile

import pytest
from django.utils import timezone

from legislation.choices import Source, Stage
from legislation.models import ImportRun, ImportRunStatus, StageChange
from recommendations.models import Progress
from recommendations.services import bill_link_create, progress_review
from tests.api.conftest import client_for
from tests.factories import BillFactory, RecommendationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_root_lists_the_endpoints(api_client, db):
    body = api_client.get("/api/v1/").json()
    assert {"reports", "audiences", "recommendations", "jurisdictions", "bills", "links", "progress"} <= set(body)


def test_seeded_report_audiences_recommendations_and_jurisdictions(api_client, seeded):
    reports = api_client.get("/api/v1/reports/").json()
    assert reports["count"] == 1
    assert "Drug Dealer" in reports["results"][0]["title"]
    audiences = api_client.get("/api/v1/audiences/").json()
    assert audiences["count"] == 5
    recommendations = api_client.get("/api/v1/recommendations/?page_size=200").json()
    assert recommendations["count"] >= 5
    jurisdictions = api_client.get("/api/v1/jurisdictions/?page_size=200").json()
    codes = {row["code"] for row in jurisdictions["results"]}
    assert {"ca", "dc", "pr", "us"} <= codes
    ca = next(row for row in jurisdictions["results"] if row["code"] == "ca")
    assert {"code", "name", "kind", "ocd_id"} <= set(ca)
    assert ca["ocd_id"] == "ocd-jurisdiction/country:us/state:ca/government"


def test_jurisdiction_filters(api_client, seeded):
    assert [row["code"] for row in api_client.get("/api/v1/jurisdictions/?code=CA").json()["results"]] == ["ca"]
    kinds = {row["kind"] for row in api_client.get("/api/v1/jurisdictions/?kind=territory").json()["results"]}
    assert kinds == {"territory"}
    assert api_client.get("/api/v1/jurisdictions/?kind=planet").status_code == 400


def test_recommendation_with_links_and_progress(api_client, world):
    recommendation = world["regress"].recommendation
    listing = api_client.get(f"/api/v1/recommendations/?code={recommendation.code}").json()["results"]
    assert listing[0]["links_count"] == 1
    assert listing[0]["progress_summary"]["regressed"] == 1
    detail = api_client.get(f"/api/v1/recommendations/{recommendation.pk}/").json()
    assert [(link["identifier"], link["effect"]) for link in detail["links"]] == [("AB 1044", "regresses")]
    assert detail["progress"] == [
        {
            "jurisdiction": "ca",
            "status": "regressed",
            "basis": "computed",
            "computed_status": "regressed",
            "reason": "",
            "evidence_url": "",
            "updated_at": detail["progress"][0]["updated_at"],
        }
    ]


def test_recommendation_filters(api_client, world):
    recommendation = world["regress"].recommendation
    rows = api_client.get(f"/api/v1/recommendations/?audience={recommendation.audience.slug}").json()["results"]
    assert [row["id"] for row in rows] == [recommendation.pk]
    assert api_client.get("/api/v1/recommendations/?top_level=true").json()["count"] == 2


def test_jurisdiction_detail_has_progress_per_recommendation(api_client, world):
    body = api_client.get(f"/api/v1/jurisdictions/{world['ny'].pk}/").json()
    assert body["progress_summary"]["in_progress"] == 1
    assert [(row["recommendation"], row["status"]) for row in body["progress"]] == [
        (world["advance"].recommendation_id, "in_progress")
    ]


def test_links_list_and_filters(api_client, world):
    body = api_client.get("/api/v1/links/").json()
    assert body["count"] == 2
    assert {"recommendation", "bill", "effect", "rationale", "evidence_url"} <= set(body["results"][0])
    only = api_client.get("/api/v1/links/?effect=advances").json()["results"]
    assert [row["bill"] for row in only] == [world["other"].pk]
    assert api_client.get("/api/v1/links/?jurisdiction=CA").json()["count"] == 1
    assert api_client.get(f"/api/v1/links/?bill={world['enacted'].pk}").json()["count"] == 1
    code = world["advance"].recommendation.code
    assert api_client.get(f"/api/v1/links/?recommendation={code}").json()["count"] == 1
    assert api_client.get("/api/v1/links/?stage=enacted").json()["count"] == 1
    assert api_client.get("/api/v1/links/?bill=abc").status_code == 400


def test_progress_matrix_and_filters(api_client, world):
    body = api_client.get("/api/v1/progress/").json()
    assert {(row["jurisdiction"], row["status"]) for row in body["results"]} == {
        ("ca", "regressed"),
        ("ny", "in_progress"),
    }
    assert api_client.get("/api/v1/progress/?jurisdiction=ny").json()["count"] == 1
    assert api_client.get("/api/v1/progress/?status=regressed,achieved").json()["count"] == 1
    assert api_client.get("/api/v1/progress/?basis=reviewed").json()["count"] == 0
    assert api_client.get("/api/v1/progress/?status=great").status_code == 400


def test_changes_feed_merges_stage_and_progress_changes_in_order(api_client, world, reviewer, no_review):
    t0 = timezone.now()
    StageChange.objects.create(
        bill=world["other"],
        from_stage=Stage.INTRODUCED,
        to_stage=Stage.IN_COMMITTEE,
        date=datetime.date(2025, 3, 1),
        source=Source.OPENSTATES,
    )
    progress_review(
        recommendation=world["advance"].recommendation,
        jurisdiction=world["ny"],
        status="achieved",
        reason="Signed as part of the budget.",
        evidence_url="https://example.org/budget",
        user=reviewer,
    )
    since = t0.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = api_client.get(f"/api/v1/changes/?since={since}").json()
    kinds = [(row["kind"], row.get("to_stage") or row.get("to_status")) for row in body["results"]]
    assert kinds == [("stage", "in_committee"), ("progress", "achieved")]
    progress = body["results"][1]
    assert progress["from_status"] == "in_progress"
    assert progress["basis"] == "reviewed"
    assert progress["jurisdiction"] == "ny"
    # Reading on from `next` gives nothing new, then the next change.
    follow = api_client.get(body["next"]).json()
    assert follow["results"] == []
    progress_review(
        recommendation=world["advance"].recommendation,
        jurisdiction=world["ny"],
        status="partial",
        reason="Only part of it was funded.",
        evidence_url="https://example.org/budget",
        user=reviewer,
    )
    later = api_client.get(follow["next"]).json()["results"]
    assert [(row["from_status"], row["to_status"]) for row in later] == [("achieved", "partial")]


def test_changes_pages_by_cursor_without_gaps(api_client, world):
    base = timezone.now()
    bill = world["pending"]
    for second in range(7):
        StageChange.objects.create(
            bill=bill,
            from_stage=Stage.INTRODUCED,
            to_stage=Stage.IN_COMMITTEE,
            source=Source.OPENSTATES,
            seen_at=base + datetime.timedelta(seconds=second // 2),  # ties on time
        )
    seen, url = [], f"/api/v1/changes/?kind=stage&page_size=3&since={base.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"
    for _ in range(5):
        body = api_client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == [f"stage-{pk}" for pk in StageChange.objects.order_by("seen_at", "id").values_list("id", flat=True)]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("since=yesterday", "since"), ("kind=vote", "kind"), ("cursor=%%%", "cursor"), ("page_size=x", "page_size")],
)
def test_changes_bad_parameters_are_400(api_client, db, query, parameter):
    response = api_client.get(f"/api/v1/changes/?{query}")
    assert response.status_code == 400
    assert parameter in response.json()


def test_freshness_is_public_and_flags_stale_sources(api_client, db, settings):
    settings.API_FRESHNESS_STALE_HOURS = 24
    now = timezone.now()
    ImportRun.objects.create(
        source=Source.OPENSTATES,
        scope="ca bills",
        status=ImportRunStatus.SUCCEEDED,
        started_at=now - datetime.timedelta(hours=1),
        finished_at=now - datetime.timedelta(minutes=50),
    )
    ImportRun.objects.create(
        source=Source.LEGISCAN,
        scope="master list",
        status=ImportRunStatus.SUCCEEDED,
        started_at=now - datetime.timedelta(days=3),
        finished_at=now - datetime.timedelta(days=3),
    )
    ImportRun.objects.create(source=Source.LEGISCAN, scope="master list", status=ImportRunStatus.FAILED)
    body = api_client.get("/api/v1/freshness/").json()
    sources = {row["source"]: row for row in body["sources"]}
    assert body["stale_after_hours"] == 24
    assert sources["openstates"]["stale"] is False
    assert sources["openstates"]["scopes"][0]["scope"] == "ca bills"
    assert sources["legiscan"]["stale"] is True
    assert sources["legiscan"]["last_status"] == "failed"
    assert sources["congress"]["last_success_at"] is None
    assert sources["congress"]["stale"] is True
    assert body["stale"] is True


def test_import_runs_are_for_staff_only(api_client, users, db):
    ImportRun.objects.create(source=Source.OPENSTATES, scope="x", errors=[{"file": "a.json", "error": "bad"}])
    assert api_client.get("/api/v1/import-runs/").status_code == 401
    for name in ("editor", "reviewer", "admin"):
        body = client_for(users[name]).get("/api/v1/import-runs/").json()
        assert body["results"][0]["errors"] == [{"file": "a.json", "error": "bad"}]
    nobody = client_for(UserFactory(username="nobody"))
    assert nobody.get("/api/v1/import-runs/").status_code == 403


def test_exports_are_built_listed_and_served(api_client, world, settings, tmp_path):
    from api.exports import exports_build

    settings.EXPORTS_DIR = tmp_path
    paths = exports_build(today=datetime.date(2025, 2, 1))
    assert [path.name for path in paths] == ["tracker-2025-02-01-json.zip", "tracker-2025-02-01-csv.zip"]
    listing = api_client.get("/api/v1/exports/").json()
    assert {(row["name"], row["format"], row["date"]) for row in listing} == {
        ("tracker-2025-02-01-json.zip", "json", "2025-02-01"),
        ("tracker-2025-02-01-csv.zip", "csv", "2025-02-01"),
    }
    assert "LegiScan" in listing[0]["attribution"]  # the world has a LegiScan bill
    response = api_client.get("/api/v1/exports/tracker-2025-02-01-csv.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = set(archive.namelist())
    assert {"bills.csv", "actions.csv", "links.csv", "progress.csv", "README.txt"} <= names
    assert archive.read("bills.csv").decode().count("\n") == 5  # header and four bills
    assert "CC BY 4.0" in archive.read("README.txt").decode()
    json_archive = zipfile.ZipFile(paths[0])
    bills = json.loads(json_archive.read("bills.json"))
    assert {row["identifier"] for row in bills} == {"AB 1044", "SB 180", "S 756", "A 12"}
    assert api_client.get("/api/v1/exports/settings.py").status_code == 404
    assert api_client.get("/api/v1/exports/../settings.py", follow=True).status_code == 404
    from api.exports import export_path

    assert export_path("../tracker-2025-02-01-csv.zip") is None
    assert api_client.get("/api/v1/exports/tracker-2020-01-01-csv.zip").status_code == 404


def test_exports_keep_the_newest_days(world, settings, tmp_path):
    from api.exports import exports_build, exports_list

    settings.EXPORTS_DIR = tmp_path
    for day in (1, 2, 3):
        exports_build(today=datetime.date(2025, 2, day), keep=2)
    assert sorted({item.date.day for item in exports_list()}) == [2, 3]


def test_build_exports_command_and_task(world, settings, tmp_path):
    from django.core.management import call_command

    from api.tasks import exports_build

    settings.EXPORTS_DIR = tmp_path
    out = io.StringIO()
    call_command("build_exports", stdout=out)
    assert "-json.zip" in out.getvalue()
    assert len(exports_build()) == 2


def test_link_created_through_the_service_shows_in_the_bill(api_client, world):
    bill = BillFactory(jurisdiction=world["ca"])
    recommendation = RecommendationFactory()
    bill_link_create(recommendation=recommendation, bill=bill, effect="advances", rationale="Why.")
    body = api_client.get(f"/api/v1/bills/{bill.pk}/").json()
    assert [link["recommendation"] for link in body["links"]] == [recommendation.pk]
    assert Progress.objects.filter(recommendation=recommendation).count() == 1


@pytest.mark.parametrize(
    ("url", "by"), [("/api/v1/recommendations/", "recommendation"), ("/api/v1/jurisdictions/", "jurisdiction")]
)
def test_list_summaries_are_counted_in_one_grouped_query(api_client, world, url, by):
    """The lists' `progress_summary` comes from one GROUP BY over progress (recommendations.selectors.
    progress_counts), not from loading every progress row and its jurisdiction as models: the summaries match the
    details', and no query reads progress rows one by one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        rows = api_client.get(f"{url}?page_size=200").json()["results"]
    progress = [query["sql"] for query in queries if '"recommendations_progress"' in query["sql"]]
    assert len(progress) == 1
    assert "GROUP BY" in progress[0].upper()
    summaries = {row["id"]: row["progress_summary"] for row in rows}
    for pk, summary in summaries.items():
        assert api_client.get(f"{url}{pk}/").json()["progress_summary"] == summary
    assert sum(sum(summary.values()) for summary in summaries.values()) >= 2
