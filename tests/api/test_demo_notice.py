import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_freshness_names_the_demo_snapshot_and_its_date(api_client, seeded):
    assert api_client.get("/api/v1/freshness/").json()["demo_snapshot"] is None
    call_command("load_demo", stdout=io.StringIO())
    snapshot = api_client.get("/api/v1/freshness/").json()["demo_snapshot"]
    assert snapshot["date"] == "2026-11-27"
    assert "www.congress.gov" in snapshot["source_domains"]
    assert snapshot["loaded_at"] is not None
