"""Payloads for importer and command tests, built from the real fixtures and the demo snapshot's real bills."""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures"
DEMO = ROOT / "legislation" / "data" / "demo"
DEMO_PAGES = sorted(DEMO.glob("bills_page_*.json"))
OHIO = FIXTURES / "legiscan" / "getMasterList_OH_133rd_GA.json"
AK_HB1 = FIXTURES / "legiscan" / "dataset_bill_AK_HB1_2011.json"
MA_HD6143 = FIXTURES / "openstates" / "bill_MA_HD6143.json"
S1947 = [FIXTURES / "congress" / f"bill_119_s_1947{suffix}.json" for suffix in ("", "_actions", "_cosponsors")]
CONGRESS_LIST = FIXTURES / "congress" / "bill_list_117.json"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def demo_bills() -> list[dict[str, Any]]:
    """The 34 real bills of the demo snapshot, as Open States v3 bill objects (fresh copies)."""
    return [bill for path in DEMO_PAGES for bill in load(path)["results"]]


def demo_bill(jurisdiction: str, identifier: str) -> dict[str, Any]:
    ocd_end = "country:us/government" if jurisdiction == "us" else f"state:{jurisdiction}/government"
    matches = [
        bill
        for bill in demo_bills()
        if bill["identifier"] == identifier and bill["jurisdiction"]["id"].endswith(ocd_end)
    ]
    assert len(matches) == 1, (jurisdiction, identifier)
    return copy.deepcopy(matches[0])


def page(*bills: dict[str, Any]) -> dict[str, Any]:
    return {
        "results": list(bills),
        "pagination": {"per_page": 20, "page": 1, "max_page": 1, "total_items": len(bills)},
    }


def write_json(path: Path, payload: Any) -> Path:
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def action(order: int, when: str, chamber: str, description: str, *classification: str) -> dict[str, Any]:
    names = {"upper": "Senate", "lower": "House", "executive": "Executive Office of the President"}
    return {
        "organization": {"id": f"ocd-organization/{chamber}", "name": names[chamber], "classification": chamber},
        "description": description,
        "date": when,
        "classification": list(classification),
        "order": order,
        "related_entities": [],
    }


def write_zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def export_bill(bill: dict[str, Any]) -> dict[str, Any]:
    """A v3 bill object in the shape of openstates.org's bulk JSON export (bulk_export's bill serializer)."""
    return {
        "id": bill["id"],
        "legislative_session": bill["session"],
        "identifier": bill["identifier"],
        "title": bill["title"],
        "chamber": bill["from_organization"]["classification"],
        "classification": bill["classification"],
        "subject": bill["subject"],
        "abstracts": bill["abstracts"],
        "actions": [
            {
                "organization__name": item["organization"]["name"],
                "description": item["description"],
                "date": item["date"],
                "classification": item["classification"],
                "order": item["order"],
            }
            for item in bill["actions"]
        ],
        "sponsors": [{key: s[key] for key in ("name", "primary", "classification")} for s in bill["sponsorships"]],
        "sources": bill["sources"],
    }


def openstates_json_zip(path: Path, state: str, session: str, bills: list[dict[str, Any]]) -> Path:
    member = f"{state.upper()}/{session}/{state.upper()}_{session}_bills.json"
    return write_zip(
        path, {"README": "Open States Data Export\n", member: json.dumps([export_bill(b) for b in bills])}
    )


def _csv(header: str, *rows: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header.split(","))
    writer.writerows(rows)
    return out.getvalue()


def openstates_csv_zip(path: Path) -> Path:
    """A CSV bulk zip (bulk_export, CSV format 2.1) with two Ohio bills, one passed by the House."""
    prefix = "OH/136/OH_136_"
    jurisdiction = "ocd-jurisdiction/country:us/state:oh/government"
    return write_zip(
        path,
        {
            f"{prefix}organizations.csv": _csv(
                "id,name,classification,jurisdiction_id", ("org-h", "House", "lower", jurisdiction)
            ),
            f"{prefix}bills.csv": _csv(
                "id,identifier,title,classification,subject,session_identifier,jurisdiction,organization_classification",
                ("ocd-bill/oh-1", "HB 1", "Record sealing", "['bill']", "[]", "136", "Ohio", "lower"),
                ("ocd-bill/oh-2", "HB 2", "Penalties", "['bill']", "[]", "136", "Ohio", "lower"),
            ),
            f"{prefix}bill_actions.csv": _csv(
                "id,bill_id,organization_id,description,date,classification,order",
                ("a1", "ocd-bill/oh-1", "org-h", "Introduced", "2025-01-21", "['introduction']", "1"),
                ("a2", "ocd-bill/oh-1", "org-h", "Passed", "2025-03-05", "['passage']", "2"),
                ("a3", "ocd-bill/oh-2", "org-h", "Introduced", "2025-01-22", "['introduction']", "1"),
            ),
        },
    )


def legiscan_get_bill() -> dict[str, Any]:
    """AK HB 1 (2011) as a getBill response: the dataset file inside the OK envelope."""
    return {"status": "OK", **load(AK_HB1)}


def legiscan_dataset_zip(path: Path) -> Path:
    return write_zip(path, {"AK/2011-2012/bill/HB1.json": AK_HB1.read_text(encoding="utf-8")})
