import io
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from legislation.models import Jurisdiction
from recommendations.models import Audience, Recommendation, Report

pytestmark = pytest.mark.django_db

REPORT_FILE = Path(__file__).resolve().parents[2] / "recommendations" / "data" / "report.yaml"


def _snapshot() -> dict:
    return {
        model.__name__: sorted(model.objects.values_list(*fields))
        for model, fields in (
            (Report, ("slug", "title", "published", "principle")),
            (Audience, ("slug", "name", "order")),
            (Recommendation, ("code", "audience__slug", "title", "text", "verified", "sub_items_pending", "order")),
            (Jurisdiction, ("code", "name", "kind", "ocd_id", "unicameral")),
        )
    }


def test_seed_twice_gives_the_same_rows():
    call_command("seed", stdout=io.StringIO())
    first = _snapshot()
    out = io.StringIO()
    call_command("seed", stdout=out)
    assert _snapshot() == first
    assert "0 created, 0 updated" in out.getvalue()


def test_every_recommendation_matches_the_data_file_word_for_word(seeded):
    data = yaml.safe_load(REPORT_FILE.read_text())
    expected = {
        rec["code"]: rec["text"].split() for audience in data["audiences"] for rec in audience["recommendations"]
    }
    stored = {rec.code: rec.text.split() for rec in Recommendation.objects.all()}
    assert stored == expected


def test_seed_has_five_audiences_in_report_order(seeded):
    assert list(Audience.objects.order_by("order").values_list("name", flat=True)) == [
        "Police and prosecutors",
        "Local, state and federal policymakers",
        "Service providers",
        "Advocates, journalists and other cultural influencers",
        "Researchers",
    ]


def test_recommendations_with_untranscribed_lists_say_so(seeded):
    assert set(Recommendation.objects.filter(sub_items_pending=True).values_list("code", flat=True)) == {
        "PM-1",
        "SP-1",
        "RS-1",
    }


def test_seed_has_every_state_dc_territories_and_congress(seeded):
    kinds = dict(Jurisdiction.objects.values_list("code", "kind"))
    assert sum(kind == "state" for kind in kinds.values()) == 50
    assert kinds["dc"] == "district"
    assert {code for code, kind in kinds.items() if kind == "territory"} == {"pr", "gu", "vi", "as", "mp"}
    assert Jurisdiction.objects.get(code="us").ocd_id == "ocd-jurisdiction/country:us/government"
    assert Jurisdiction.objects.get(code="dc").ocd_id == "ocd-jurisdiction/country:us/district:dc/government"
    assert Jurisdiction.objects.get(code="pr").ocd_id == "ocd-jurisdiction/country:us/territory:pr/government"


def test_seed_repairs_an_edited_name(seeded):
    Jurisdiction.objects.filter(code="ca").update(name="Califrnia")
    call_command("seed", stdout=io.StringIO())
    assert Jurisdiction.objects.get(code="ca").name == "California"
