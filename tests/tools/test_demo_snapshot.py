"""The demo snapshot (legislation/data/demo/, recommendations/data/demo_links.json) and the script that builds it.

No database: these tests read the committed files, and rebuild them from ../shared/data/demo_bills.json when that
file is there (CI has /work/shared beside the clone as ../shared).

The links are curated by hand, not built: a bill may bear on several recommendations, and each link's effect is a
judgement on the report's quoted text. The script still writes its older one-link-per-bill demo_links.json; running it
in the checkout overwrites the curated file (the link tests below then fail), so it is not among the compared outputs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "build_demo_snapshot.py"
DEMO_BILLS = ROOT.parent / "shared" / "data" / "demo_bills.json"
DEMO = ROOT / "legislation" / "data" / "demo"
LINKS = ROOT / "recommendations" / "data" / "demo_links.json"
REPORT = ROOT / "recommendations" / "data" / "report.yaml"
OUTPUTS = (
    "legislation/data/demo/bills_page_1.json",
    "legislation/data/demo/bills_page_2.json",
    "legislation/data/demo/jurisdictions.json",
    "legislation/data/demo/snapshot.json",
)

# openstates-core openstates/data/common.py, BILL_ACTION_CLASSIFICATION_CHOICES (38 values).
OPEN_STATES_ACTION_CLASSIFICATIONS = frozenset(
    {
        "filing",
        "introduction",
        "enrolled",
        "reading-1",
        "reading-2",
        "reading-3",
        "passage",
        "informal-passage",
        "failure",
        "withdrawal",
        "substitution",
        "amendment-introduction",
        "amendment-passage",
        "amendment-withdrawal",
        "amendment-failure",
        "amendment-amendment",
        "amendment-deferral",
        "committee-passage",
        "committee-passage-favorable",
        "committee-passage-unfavorable",
        "committee-failure",
        "executive-receipt",
        "executive-signature",
        "executive-veto",
        "executive-veto-line-item",
        "became-law",
        "veto-override-passage",
        "veto-override-failure",
        "deferral",
        "receipt",
        "referral",
        "referral-committee",
        "hearing-held",
        "work-session",
        "sponsorship",
        "carried-over",
        "reported-out-of-committee",
        "concurrence",
    }
)
RECOMMENDATION_CODES = frozenset({"PP-1", "PP-2", "PM-1", "SP-1", "AJ-1", "AJ-2", "RS-1"})
EFFECTS = frozenset({"advances", "partially_advances", "related", "regresses"})
# A bill's `direction` (demo_bills.json) is its bearing on sentencing for selling and distribution (PM-1): a PM-1
# link takes that direction, or `partially_advances` for an advancing bill, or `related` when the bill only touches
# the subject.
PM1_EFFECTS_BY_DIRECTION = {
    "advances": {"advances", "partially_advances", "related"},
    "regresses": {"regresses", "related"},
}
ORGANIZATION_CLASSIFICATIONS = frozenset({"upper", "lower", "legislature", "executive"})

needs_demo_bills = pytest.mark.skipif(
    not DEMO_BILLS.is_file(), reason=f"{DEMO_BILLS} is absent (the shared data sits beside the clone as ../shared)"
)


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def pages() -> list[dict[str, Any]]:
    return [load(DEMO / f"bills_page_{n}.json") for n in (1, 2)]


def bills() -> list[dict[str, Any]]:
    return [bill for page in pages() for bill in page["results"]]


def code_of(jurisdiction_id: str) -> str:
    """'ca' from ocd-jurisdiction/country:us/state:ca/government, 'us' for Congress."""
    parts = jurisdiction_id.split("/")
    return parts[2].split(":")[1] if len(parts) == 4 else "us"


def build_into(out_root: Path) -> None:
    subprocess.run(
        [sys.executable, str(SCRIPT), str(DEMO_BILLS), "--out-root", str(out_root)],
        check=True,
        capture_output=True,
        text=True,
    )


@needs_demo_bills
def test_committed_files_are_what_the_script_builds(tmp_path: Path) -> None:
    build_into(tmp_path)
    for relative in OUTPUTS:
        assert (tmp_path / relative).read_bytes() == (ROOT / relative).read_bytes(), (
            f"{relative} is stale: run `python tools/build_demo_snapshot.py` and commit the result"
        )


@needs_demo_bills
def test_the_script_is_deterministic(tmp_path: Path) -> None:
    build_into(tmp_path / "a")
    build_into(tmp_path / "b")
    for relative in OUTPUTS:
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes()


def test_pages_are_open_states_bills_pages_with_34_bills() -> None:
    all_pages = pages()
    assert [len(page["results"]) for page in all_pages] == [20, 14]
    for number, page in enumerate(all_pages, start=1):
        assert page["pagination"] == {"per_page": 20, "page": number, "max_page": 2, "total_items": 34}
    all_bills = bills()
    assert len({bill["id"] for bill in all_bills}) == 34
    assert len({(bill["jurisdiction"]["id"], bill["session"], bill["identifier"]) for bill in all_bills}) == 34
    for bill in all_bills:
        assert bill["id"].startswith("ocd-bill/")
        assert uuid.UUID(bill["id"].removeprefix("ocd-bill/")).version == 5
        assert bill["jurisdiction"]["classification"] == (
            "country" if code_of(bill["jurisdiction"]["id"]) == "us" else "state"
        )
        assert bill["from_organization"]["classification"] in {"upper", "lower"}
        assert bill["classification"] == ["bill"]
        assert bill["openstates_url"] == ""
        assert bill["actions"], bill["identifier"]
        assert bill["sources"]
        assert all(source["note"] == "" for source in bill["sources"])
        assert [a["order"] for a in bill["actions"]] == list(range(len(bill["actions"])))
        assert bill["first_action_date"] == min(a["date"] for a in bill["actions"])
        assert bill["latest_action_date"] == max(a["date"] for a in bill["actions"])
        for sponsorship in bill["sponsorships"]:
            assert sponsorship["entity_type"] == "person"
            assert sponsorship["person"] is None
            assert sponsorship["classification"] == ("primary" if sponsorship["primary"] else "cosponsor")


def test_every_action_classification_is_open_states_vocabulary() -> None:
    used: Counter[str] = Counter()
    for bill in bills():
        for action in bill["actions"]:
            assert set(action["classification"]) <= OPEN_STATES_ACTION_CLASSIFICATIONS, action
            assert action["organization"]["classification"] in ORGANIZATION_CLASSIFICATIONS
            used.update(action["classification"])
    # the milestones the stage derivation needs are there
    assert {"introduction", "passage", "executive-signature", "executive-veto"} <= set(used)


def test_every_bill_session_is_listed_for_its_jurisdiction() -> None:
    jurisdictions = load(DEMO / "jurisdictions.json")
    assert jurisdictions["pagination"]["total_items"] == len(jurisdictions["results"]) == 16
    sessions = {j["id"]: {s["identifier"] for s in j["legislative_sessions"]} for j in jurisdictions["results"]}
    for bill in bills():
        assert bill["session"] in sessions[bill["jurisdiction"]["id"]], (bill["identifier"], bill["session"])
    for jurisdiction in jurisdictions["results"]:
        for session in jurisdiction["legislative_sessions"]:
            assert session["classification"] in {"primary", "special"}


def bills_by_key() -> dict[tuple[str, str, str], dict[str, Any]]:
    """Each snapshot bill by the (jurisdiction code, session, identifier) a link names it with."""
    found: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for bill in bills():
        found.setdefault((code_of(bill["jurisdiction"]["id"]), bill["session"], bill["identifier"]), []).append(bill)
    assert all(len(same) == 1 for same in found.values())
    return {key: same[0] for key, same in found.items()}


def link_key(link: dict[str, Any]) -> tuple[str, str, str]:
    return (link["jurisdiction"], link["session"], link["identifier"])


def test_recommendation_codes_are_the_reports() -> None:
    report = yaml.safe_load(REPORT.read_text(encoding="utf-8"))
    codes = {r["code"] for audience in report["audiences"] for r in audience["recommendations"]}
    assert codes == RECOMMENDATION_CODES


def test_every_link_names_one_bill_and_a_recommendation_and_every_bill_is_linked() -> None:
    links = load(LINKS)
    by_key = bills_by_key()
    assert {link_key(link) for link in links} == set(by_key), "every link names a bill, and every bill has a link"
    pairs = Counter((*link_key(link), link["recommendation"]) for link in links)
    assert all(count == 1 for count in pairs.values()), "one link per bill and recommendation"
    for link in links:
        assert link["recommendation"] in RECOMMENDATION_CODES, link
        assert link["effect"] in EFFECTS, link


def test_every_evidence_url_is_one_of_the_bills_recorded_sources() -> None:
    by_key = bills_by_key()
    for link in load(LINKS):
        sources = {source["url"] for source in by_key[link_key(link)]["sources"]}
        assert link["evidence_url"] in sources, (link["identifier"], link["recommendation"], link["evidence_url"])


def test_every_rationale_is_one_short_line_and_says_when_it_is_a_judgement() -> None:
    for link in load(LINKS):
        rationale = link["rationale"]
        assert rationale.strip() == rationale, link
        assert rationale.endswith("."), link
        assert "\n" not in rationale
        assert len(rationale) <= 400, (link["identifier"], len(rationale))
        if link["effect"] == "related":
            assert rationale.endswith(": related."), link
        elif link["effect"] == "partially_advances" or link["recommendation"] != "PM-1":
            # every bearing beyond a bill's own sentencing direction is a judgement, and says so
            assert "A judgement" in rationale, link


def test_pm1_effects_follow_the_bills_directions() -> None:
    snapshot = load(DEMO / "snapshot.json")
    direction = {(b["jurisdiction"], b["session"], b["identifier"]): b["direction"] for b in snapshot["bills"]}
    assert len(direction) == 34
    pm1 = [link for link in load(LINKS) if link["recommendation"] == "PM-1"]
    assert {link_key(link) for link in pm1} <= set(direction)
    for link in pm1:
        assert link["effect"] in PM1_EFFECTS_BY_DIRECTION[direction[link_key(link)]], link


def test_the_links_are_the_curated_ones() -> None:
    """The counts of the curated links; the script's one-link-per-bill file (34 links, PM-1 and SP-1 only) fails."""
    counts = Counter((link["recommendation"], link["effect"]) for link in load(LINKS))
    assert counts == {
        ("PM-1", "advances"): 10,
        ("PM-1", "partially_advances"): 1,
        ("PM-1", "regresses"): 11,
        ("PM-1", "related"): 6,
        ("PP-1", "partially_advances"): 1,
        ("PP-1", "regresses"): 1,
        ("PP-2", "related"): 1,
        ("SP-1", "partially_advances"): 4,
        ("SP-1", "related"): 3,
    }


@needs_demo_bills
def test_effects_match_the_directions_in_the_shared_data() -> None:
    snapshot = load(DEMO / "snapshot.json")
    original = {(b["jurisdiction"], b["original_session"], b["original_identifier"]): b for b in snapshot["bills"]}
    for raw in load(DEMO_BILLS):
        entry = original[(raw["jurisdiction"], raw["session"], raw["identifier"])]
        assert entry["direction"] == raw["direction"]


def test_snapshot_metadata_says_what_the_snapshot_is() -> None:
    snapshot = load(DEMO / "snapshot.json")
    assert snapshot["snapshot_date"] == "2026-11-27"
    assert "synthetic" in snapshot["ids"]
    assert "uuid5" in snapshot["ids"]
    assert snapshot["sources"]["domains"]
    unverified = {(u["jurisdiction"], u["session"]) for u in snapshot["unverified_session_identifiers"]}
    assert ("or", "2024R1") in unverified
    died = [b for b in snapshot["bills"] if b["demo_status"] == "died"]
    assert len(died) == 5
