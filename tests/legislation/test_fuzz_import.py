"""Bad input, generated: the real fixtures of every source, mutated by hypothesis (a value anywhere replaced by an
odd one, a key dropped), go into every parser and through `import_files` (docs/RELIABILITY.md, "Bad input").

- A parser either returns records or raises ParseError (SourceError is one): nothing else, ever.
- An import never raises. Every record ends up written, unchanged or failed, and the run's status follows the
  one rule (README, "Bad records"): `succeeded` with no failure, `partial` when some records were written and some
  failed, `failed` when nothing was; a failed run wrote no bill; every bill in the database is one the run counts
  as inserted; every error is cut to its bound.

Derandomized (the same cases on every run, as CI needs); `FUZZ_EXPLORE=1` draws new ones. FUZZ_EXAMPLES sets the
cases per source (default 40 per parser, 10 per import).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from legislation.importers import import_files
from legislation.models import Bill, ImportRunStatus
from legislation.services import jurisdictions_seed
from legislation.sources import congress, legiscan, openstates
from legislation.sources.records import ParseError

from .importers.payloads import AK_HB1, CONGRESS_LIST, DEMO_PAGES, MA_HD6143, OHIO, S1947, export_bill, load

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES,
    derandomize=not os.environ.get("FUZZ_EXPLORE"),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
IMPORT_SETTINGS = hypothesis_settings(SETTINGS, max_examples=max(5, EXAMPLES // 4))

ODD_STRINGS = [
    "",
    "\x00",
    "HB\x001",
    "2021-02-31",
    "31/02/2021",
    "0000-00-00",
    "9999-12-31T99:99:99Z",
    "x" * 5000,
    "ocd-jurisdiction/country:us/state:zz/government",
    "<script>alert(1)</script>",
    "\ud800",
]
ODD = st.one_of(
    st.sampled_from(ODD_STRINGS),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.recursive(
        st.none() | st.integers() | st.text(max_size=5),
        lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
        max_leaves=4,
    ),
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:5]):  # the first few items of long lists are enough
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, payload: Any) -> Any:
    """``payload`` with one to four of its values replaced by odd ones or removed."""
    payload = copy.deepcopy(payload)
    for _ in range(draw(st.integers(1, 4))):
        paths = [path for path in _paths(payload) if path]
        if not paths:
            return draw(ODD)
        path = draw(st.sampled_from(paths))
        parent = payload
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()) or not isinstance(parent, dict):
            parent[path[-1]] = draw(ODD)
        else:
            del parent[path[-1]]
    return payload


def _write(path: Path, payload: Any) -> Path:
    # The standard library writes what orjson would refuse to (integers over 64 bits, lone surrogates): the files
    # layer must cope with what it finds on disk.
    path.write_text(json.dumps(payload), encoding="utf-8", errors="surrogatepass")
    return path


def _bulk_zip(path: Path, bills: list[Any]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("CA/20212022/CA_20212022_bills.json", json.dumps(bills).encode("utf-8", "surrogatepass"))
    return path


def _dataset_zip(path: Path, files: list[Any]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for index, payload in enumerate(files):
            archive.writestr(f"AK/2011/bill/HB{index}.json", json.dumps(payload).encode("utf-8", "surrogatepass"))
    return path


def _demo_export_bills() -> list[dict]:
    bills = []
    for bill in load(DEMO_PAGES[0])["results"][:3]:
        exported = export_bill(bill)
        exported["legislative_session"] = "20212022"
        bills.append(exported)
    return bills


# Each source's payloads: (name, the real payload, how a mutant is written to files).
PAGE = load(DEMO_PAGES[0])
PAGE["results"] = PAGE["results"][:4]
CASES: dict[str, tuple[str, Any, Any]] = {
    "openstates page": ("openstates", PAGE, lambda d, p: [_write(d / "page.json", p)]),
    "openstates bill": ("openstates", load(MA_HD6143), lambda d, p: [_write(d / "bill.json", p)]),
    "openstates bulk zip": ("openstates", _demo_export_bills(), lambda d, p: [_bulk_zip(d / "ca.zip", p)]),
    "legiscan dataset file": ("legiscan", load(AK_HB1), lambda d, p: [_write(d / "hb1.json", p)]),
    "legiscan dataset zip": ("legiscan", [load(AK_HB1)], lambda d, p: [_dataset_zip(d / "ak.zip", p)]),
    "legiscan master list": ("legiscan", load(OHIO), lambda d, p: [_write(d / "ohio.json", p)]),
    "congress bill and actions": (
        "congress",
        [load(S1947[0]), load(S1947[1])],
        lambda d, p: [_write(d / f"part{index}.json", part) for index, part in enumerate(p)],
    ),
    "congress bill list": ("congress", load(CONGRESS_LIST), lambda d, p: [_write(d / "list.json", p)]),
}


def _parse(case: str, payload: Any, tmp: Path) -> None:
    """Every parser that reads this kind of payload."""
    if case.startswith("openstates") and "zip" not in case:
        openstates.parse_payload(payload)
        if isinstance(payload, dict) and "results" in payload:
            openstates.parse_bills_page(payload, alone=True)
        else:
            openstates.parse_bill(payload)
    elif case == "openstates bulk zip":
        list(openstates.iter_bulk_zip(_bulk_zip(tmp / "ca.zip", payload)))
    elif case == "legiscan dataset zip":
        list(legiscan.iter_dataset_zip(_dataset_zip(tmp / "ak.zip", payload)))
    elif case.startswith("legiscan"):
        legiscan.parse_payload(payload)
        if case == "legiscan master list":
            legiscan.parse_master_list(payload)
        else:
            legiscan.parse_get_bill(payload)
    elif case == "congress bill and actions":
        congress.parse_payloads([("bill.json", payload[0]), ("actions.json", payload[1])])
        congress.parse_payloads([("bill.json", payload[0]), ("actions.json", payload[1])], on_error=lambda exc: None)
    else:
        congress.parse_payloads([("list.json", payload)], on_error=lambda exc: None)


@pytest.mark.parametrize("case", CASES)
def test_parsers_raise_nothing_but_parse_errors(case: str, tmp_path_factory) -> None:
    _, payload, _ = CASES[case]

    @SETTINGS
    @given(mutant=mutated(payload))
    def check(mutant: Any) -> None:
        with contextlib.suppress(ParseError):
            _parse(case, mutant, tmp_path_factory.mktemp("p"))

    check()


class _Rollback(Exception):
    pass


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES)
def test_import_of_mutated_files_follows_the_bad_record_rule(case: str, tmp_path_factory) -> None:
    source, payload, write = CASES[case]
    jurisdictions_seed()

    @IMPORT_SETTINGS
    @given(mutant=mutated(payload))
    def check(mutant: Any) -> None:
        paths = write(tmp_path_factory.mktemp("f"), mutant)
        try:
            with transaction.atomic():  # each case from the same empty database
                run = import_files(source=source, paths=paths)
                written = run.inserted + run.updated + run.unchanged
                bills = Bill.objects.count()
                if run.status == ImportRunStatus.SUCCEEDED:
                    assert not run.failed
                    assert not run.errors
                elif run.status == ImportRunStatus.PARTIAL:
                    assert written
                    assert run.failed or run.errors
                else:
                    assert run.status == ImportRunStatus.FAILED, run.status
                    assert not written
                    assert bills == 0
                assert bills == run.inserted  # an empty database: every bill written is one the run counts
                for error in run.errors:
                    assert len(error["message"]) <= 301
                    assert len(error["where"]) <= 301
                raise _Rollback
        except _Rollback:
            pass

    check()
