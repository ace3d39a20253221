"""`manage.py load_recommendations FILE.yaml [--dry-run]`: the report's sub-items loaded from a file in report.yaml's
format, idempotently, with history; a dry run prints what would change and writes nothing.

The sub-item texts below are test data only (marked as such), never the report's words: the shipped report.yaml
holds only quoted text, and its sub-items are added by staff from the report's PDF."""

import io
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from recommendations.models import Recommendation
from recommendations.services import REPORT_FILE

pytestmark = pytest.mark.django_db

ITEMS = [
    {"code": "PM-1.a", "text": "TEST DATA first list item, not the report's words.", "page": "5", "evidence": "S"},
    {
        "code": "PM-1.b",
        "title": "Second item",
        "text": "TEST DATA second list item.",
        "page": "5",
        "evidence": "S",
        "verified": True,
    },
]


@pytest.fixture
def report_with_items(tmp_path) -> Path:
    """The shipped report.yaml with two sub-items under PM-1 (whose sub-items are pending there)."""
    data = yaml.safe_load(REPORT_FILE.read_text(encoding="utf-8"))
    recommendation = next(
        rec for audience in data["audiences"] for rec in audience["recommendations"] if rec["code"] == "PM-1"
    )
    assert recommendation["sub_items_pending"] is True
    recommendation["items"] = ITEMS
    path = tmp_path / "report.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def load(path: Path, *options: str) -> str:
    out = io.StringIO()
    call_command("load_recommendations", str(path), *options, stdout=out)
    return out.getvalue()


def rows() -> list[tuple]:
    return sorted(
        Recommendation.objects.values_list(
            "code", "parent__code", "title", "text", "page", "evidence_level", "verified", "sub_items_pending", "order"
        )
    )


def test_load_round_trip_adds_sub_items_clears_pending_and_is_idempotent(report_with_items):
    call_command("seed", stdout=io.StringIO())
    out = load(report_with_items)
    assert "create sub-item PM-1.a of PM-1" in out
    assert "update recommendation PM-1: sub_items_pending" in out
    assert "2 created, 1 updated" in out
    pm1 = Recommendation.objects.get(code="PM-1")
    assert pm1.sub_items_pending is False
    items = list(pm1.children.order_by("order").values_list("code", "title", "text", "page", "verified"))
    assert items == [
        ("PM-1.a", "TEST DATA first list item, not the report's words.", ITEMS[0]["text"], "5", False),
        ("PM-1.b", "Second item", "TEST DATA second list item.", "5", True),
    ]
    first = rows()
    again = load(report_with_items)
    assert rows() == first
    assert "0 created, 0 updated" in again
    # History kept: who changed the recommendation, and when its sub-items came.
    assert [row.sub_items_pending for row in pm1.history.order_by("history_id")] == [True, False]
    # The shipped file (no items) does not mark PM-1 pending again once its items exist.
    call_command("seed", stdout=io.StringIO())
    assert Recommendation.objects.get(code="PM-1").sub_items_pending is False


def test_dry_run_prints_what_would_change_and_writes_nothing(report_with_items):
    call_command("seed", stdout=io.StringIO())
    before = rows()
    out = load(report_with_items, "--dry-run")
    assert "would create sub-item PM-1.a of PM-1" in out
    assert "would create sub-item PM-1.b of PM-1" in out
    assert "2 would be created, 1 would be updated" in out
    assert "dry run: nothing written" in out
    assert rows() == before
    assert not Recommendation.history.filter(code="PM-1.a").exists()


def test_a_file_not_in_the_format_is_refused_naming_it(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("report: {slug: x}\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"broken\.yaml"):
        load(path)
    with pytest.raises(CommandError, match="no such file"):
        load(tmp_path / "missing.yaml")
