"""Benchmark of the bill importer on PostgreSQL (issue 3, item 6; targets of issue 12).

    python bench/import_bench.py [--bills 50000] [--per-page 20] [--database-url postgres://...]

Generates N synthetic bills (10 actions, 2 sponsors, 1 source each) as Open States v3 `/bills` pages in a temporary
folder, one file at a time (the generator never holds more than a page), and imports them through the real path
(`legislation.importers.import_files`, what `manage.py import_bills openstates` runs) into a database of its own,
dropped and migrated at the start (default `postgres://postgres@127.0.0.1:5432/tracker_bench`) and left in place
at the end (a 500,000-bill run leaves the database the read benchmarks can be pointed at). Passes:

1. first import, in slices of 50,000 bills (one import run each), each slice timed: the first slice is the
   50,000-bill first import of issue 12, the last one the same work on a table that already holds N - 50,000;
   right after the first slice, the database is copied (a template copy): the unchanged re-import of that slice is
   then timed in alternating rounds on the copy (50,000 bills) and on the full database (N bills), medians kept;
2. the same files again, all N bills (must write 0 rows);
3. the same files with 1% of the bills changed (one more action that moves their stage);
4. the Ohio master list fixture (LegiScan, 2,131 bills), first import and re-import.

For each pass: seconds, the importer's CPU seconds and its PostgreSQL backend's (a local server), bills per second,
rows written (inserted / updated / deleted, from pg_stat_user_tables; the ImportRun row that logs the pass is
counted apart), peak memory (the process's RSS high-water mark, reset before each pass through
/proc/self/clear_refs), and the ratio of the pass's time to a plain `COPY` of all the rows of pass 1 into scratch
tables without indexes, timed in the same run.

Targets (issue 12, set for 50,000 bills on the 2-core machine): first import 20 s, unchanged re-import 3 s (both
scaled by N / 50,000), 0 rows written by the unchanged pass, the 1% pass updating exactly its bills, memory under
300 MB whatever N, Ohio 3 s; and linear growth: with N > 50,000, the time a bill of the last slice of the first
import and of the N-bill unchanged pass within 10% of the 50,000-bill figures of the same run. Growth is judged on
CPU time (importer + PostgreSQL), which a busy shared machine disturbs far less than wall time; both are printed.
The exit code is 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tracker_bench"
OHIO = ROOT / "tests" / "fixtures" / "legiscan" / "getMasterList_OH_133rd_GA.json"
TABLES = (
    "legislation_bill",
    "legislation_billaction",
    "legislation_billsponsorship",
    "legislation_billsource",
    "legislation_billexternalid",
    "legislation_stagechange",
    "legislation_legislativesession",
)
# The 50 states, as seeded (legislation/data/jurisdictions.json).
STATES = tuple(
    row["code"]
    for row in json.loads((ROOT / "legislation" / "data" / "jurisdictions.json").read_text())["jurisdictions"]
    if row["kind"] == "state"
)
# Ten classified actions: the bill passes its first chamber (stage passed_origin); the 1% pass adds an 11th.
ACTIONS = (
    ("Introduced and read first time", ["introduction", "reading-1"], "lower"),
    ("Referred to Committee on Judiciary", ["referral-committee"], "lower"),
    ("Public hearing held", ["hearing-held"], "lower"),
    ("Executive session", ["work-session"], "lower"),
    ("Reported do pass as amended", ["committee-passage-favorable"], "lower"),
    ("Referred to Rules", ["referral-committee"], "lower"),
    ("Placed on second reading", ["reading-2"], "lower"),
    ("Floor amendment adopted", ["amendment-passage"], "lower"),
    ("Third reading, passed; yeas 60 nays 38", ["reading-3", "passage"], "lower"),
    ("First reading in the Senate", ["introduction", "reading-1"], "upper"),
)
# A session of this year, still sitting: its bills are pending, so the 1% pass moves their stage (a past year's
# session is over and every bill in it has died, stage moves or not).
YEAR = date.today().year
CHANGE = ("Third reading, passed the Senate; yeas 30 nays 19", ["reading-3", "passage"], "upper")
ORGS = {
    "lower": {"id": "ocd-organization/lower", "name": "House", "classification": "lower"},
    "upper": {"id": "ocd-organization/upper", "name": "Senate", "classification": "upper"},
}
LOAD: list[str] = []
BLOCKS = "(shared buffers)"  # a key of table_writes that is no table
TARGETS = {"first_seconds": 20.0, "unchanged_seconds": 3.0, "peak_mb": 300.0, "ohio_seconds": 3.0}
SLICE = 50_000  # bills a slice of the first import; the targets are set for this many
MAX_GROWTH = 1.10  # time a bill at N bills over the time a bill at 50,000
REPEATS = 5  # alternating rounds of the unchanged slice at 50,000 bills and at N, medians kept: a busy machine adds
# noise, and a drift in the machine's speed between the two (minutes apart when timed one after the other) looked
# like growth
LAST_SLICES = 3  # the first import's growth: the mean of the last slices (all but the first, at most this many)


def _maintenance(database_url: str, *statements: str) -> None:
    """Run statements on the server's `postgres` database (creating and dropping databases)."""
    import psycopg

    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def configure(database_url: str) -> None:
    """Create the benchmark database afresh, then set Django up on it."""
    name = database_url.rsplit("/", 1)[1]
    _maintenance(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    from legislation.services import jurisdictions_seed

    call_command("migrate", verbosity=0)
    jurisdictions_seed()


# --- Synthetic Open States pages ----------------------------------------------------------------------------------


def bill(number: int, *, changed: bool) -> dict:
    state = STATES[number % len(STATES)]
    rng = random.Random(number)  # noqa: S311 - deterministic test data, not security
    start = date(YEAR, 1, 6) + timedelta(days=rng.randrange(60))
    actions = list(ACTIONS) + ([CHANGE] if changed else [])
    identifier = f"HB {number // len(STATES) + 1}"
    return {
        "id": f"ocd-bill/{uuid.uuid5(uuid.NAMESPACE_URL, f'bench:{number}')}",
        "session": str(YEAR),
        "jurisdiction": {
            "id": f"ocd-jurisdiction/country:us/state:{state}/government",
            "name": state.upper(),
            "classification": "state",
        },
        "from_organization": ORGS["lower"],
        "identifier": identifier,
        "title": f"An act relating to controlled substances and sentencing, number {number}",
        "classification": ["bill"],
        "subject": ["Crime", "Drugs"],
        "extras": {},
        "created_at": f"{YEAR}-01-06T00:00:00+00:00",
        "updated_at": f"{YEAR}-06-01T00:00:00+00:00",
        "openstates_url": f"https://openstates.org/{state}/bills/{YEAR}/{identifier.replace(' ', '')}/",
        "first_action_date": start.isoformat(),
        "latest_action_date": (start + timedelta(days=3 * len(actions))).isoformat(),
        "latest_action_description": actions[-1][0],
        "latest_passage_date": "",
        "abstracts": [{"abstract": f"Changes penalties for distribution ({number}).", "note": "", "date": ""}],
        "sponsorships": [
            {
                "name": f"Member {rng.randrange(100)}",
                "entity_type": "person",
                "primary": True,
                "classification": "primary",
                "person": None,
            },
            {
                "name": f"Member {rng.randrange(100)}",
                "entity_type": "person",
                "primary": False,
                "classification": "cosponsor",
                "person": None,
            },
        ],
        "sources": [{"url": f"https://legislature.example/{state}/{YEAR}/{number}", "note": ""}],
        "actions": [
            {
                "organization": ORGS[chamber],
                "description": description,
                "date": (start + timedelta(days=3 * order)).isoformat(),
                "classification": classification,
                "order": order,
                "related_entities": [],
            }
            for order, (description, classification, chamber) in enumerate(actions)
        ],
    }


def write_pages(folder: Path, bills: int, per_page: int, *, changed_every: int = 0) -> list[Path]:
    """Page files of `per_page` bills; with `changed_every`, every n-th bill has one action more."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    pages = (bills + per_page - 1) // per_page
    for page in range(pages):
        numbers = range(page * per_page, min(bills, (page + 1) * per_page))
        results = [bill(n, changed=bool(changed_every) and n % changed_every == 0) for n in numbers]
        body = {
            "results": results,
            "pagination": {"per_page": per_page, "page": page + 1, "max_page": pages, "total_items": bills},
        }
        path = folder / f"bills_page_{page + 1:06d}.json"
        path.write_text(json.dumps(body), encoding="utf-8")
        paths.append(path)
    return paths


# --- Measures -----------------------------------------------------------------------------------------------------


def reset_peak_rss() -> None:
    with contextlib.suppress(OSError):  # not Linux: the high-water mark of the whole process is reported
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def server_cpu_seconds() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (user + system, from /proc: a local server
    only; 0 when it cannot be read). With the client's CPU time it says where a pass spends its time when the
    machine is busy and wall time is not to be trusted."""
    from django.db import connection

    connection.ensure_connection()
    try:
        fields = Path(f"/proc/{connection.connection.info.backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def table_writes() -> dict[str, tuple[int, int, int]]:
    """(inserted, updated, deleted) rows per table so far, flushed from this backend's pending statistics."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    with connection.cursor() as cursor:  # a new statement: the flush happened at the end of the last one
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables")
        writes = {name: (ins, upd, dele) for name, ins, upd, dele in cursor.fetchall()}
        # Blocks PostgreSQL had to read into shared buffers (from the OS) and blocks it found there, whole database.
        cursor.execute("SELECT blks_read, blks_hit FROM pg_stat_database WHERE datname = current_database()")
        writes[BLOCKS] = (*cursor.fetchone(), 0)
        return writes


@dataclass
class Pass:
    name: str
    bills: int
    seconds: float
    cpu_seconds: float
    server_cpu_seconds: float
    rows: dict[str, tuple[int, int, int]]
    run_rows: tuple[int, int, int]
    peak_mb: float
    summary: str
    blocks: tuple[int, int] = (0, 0)  # (read into shared buffers, found there) during the pass

    @property
    def written(self) -> int:
        return sum(sum(values) for values in self.rows.values())

    @property
    def cpu_per_bill(self) -> float:
        """Importer and PostgreSQL CPU seconds a bill."""
        return (self.cpu_seconds + self.server_cpu_seconds) / self.bills


def measure(name: str, bills: int, action) -> Pass:
    from legislation.importers import summary_line

    before = table_writes()
    reset_peak_rss()
    server_started = server_cpu_seconds()
    started, cpu_started = time.perf_counter(), time.process_time()
    run = action()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    server = server_cpu_seconds() - server_started
    peak = peak_rss_mb()
    after = table_writes()
    delta = {
        table: tuple(a - b for a, b in zip(after.get(table, (0, 0, 0)), before.get(table, (0, 0, 0)), strict=True))
        for table in after
    }
    run_rows = delta.pop("legislation_importrun", (0, 0, 0))
    blocks = delta.pop(BLOCKS)[:2]
    rows = {table: values for table, values in delta.items() if any(values)}
    return Pass(name, bills, seconds, cpu_seconds, server, rows, run_rows, peak, summary_line(run), blocks)


def copy_baseline() -> tuple[float, int]:
    """Seconds to COPY every row of the bill tables into scratch tables without indexes (same rows, same run)."""
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection  # psycopg 3
    dumps = {}
    with raw.cursor() as cursor:
        for table in TABLES:
            buffer = io.BytesIO()
            # SELECT *: generated columns (the search vector) come out too, as plain columns of the scratch table
            with cursor.copy(f"COPY (SELECT * FROM {table}) TO STDOUT (FORMAT binary)") as copy:
                for data in copy:
                    buffer.write(data)
            dumps[table] = buffer.getvalue()
            cursor.execute(f"DROP TABLE IF EXISTS scratch_{table}")
            cursor.execute(f"CREATE TABLE scratch_{table} (LIKE {table})")
    raw.commit()
    rows = 0
    started = time.perf_counter()
    with raw.cursor() as cursor:
        for table, data in dumps.items():
            with cursor.copy(f"COPY scratch_{table} FROM STDIN (FORMAT binary)") as copy:
                copy.write(data)
            rows += cursor.rowcount
    raw.commit()
    seconds = time.perf_counter() - started
    with raw.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DROP TABLE scratch_{table}")
    raw.commit()
    return seconds, rows


def report(passes: list[Pass], copy_seconds: float, copy_rows: int) -> list[str]:
    print(f"\nplain COPY of the {copy_rows:,} rows of pass 1 into scratch tables: {copy_seconds:.2f} s\n")
    print(f"load average before the passes: {LOAD[0]}; after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    header = f"{'pass':<34}{'seconds':>9}{'cpu s':>7}{'pg s':>7}{'bills/s':>10}{'rows written':>14}{'peak MB':>9}"
    header += f"{'x COPY':>8}"
    header += "  counts"
    print(header)
    print("-" * len(header))
    for item in passes:
        print(
            f"{item.name:<34}{item.seconds:>9.2f}{item.cpu_seconds:>7.2f}{item.server_cpu_seconds:>7.2f}"
            f"{item.bills / item.seconds:>10,.0f}"
            f"{item.written:>14,}"
            f"{item.peak_mb:>9.0f}{item.seconds / copy_seconds:>8.1f}  {item.summary}"
        )
    print("\nshared buffers: blocks read from the OS a bill (misses), and their share of the blocks used:")
    for item in passes:
        read, hit = item.blocks
        share = read / (read + hit) if read + hit else 0
        print(f"  {item.name}: {read / item.bills:.2f} a bill, {share:.1%} of {read + hit:,}")
    print("\nrows written per table (inserted/updated/deleted); each pass also logs one ImportRun (1 ins + 1 upd):")
    for item in passes:
        tables = ", ".join(f"{t.removeprefix('legislation_')} {i}/{u}/{d}" for t, (i, u, d) in item.rows.items())
        print(f"  {item.name}: {tables or 'none'}")
    return []


def median(passes: list[Pass]) -> Pass:
    return sorted(passes, key=lambda item: item.cpu_per_bill)[len(passes) // 2]


def use_database(name: str) -> None:
    """Point Django's connection at another database of the same server (closed now, opened on next use)."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def snapshot(database_url: str) -> str:
    """Copy the benchmark database as it is now (a template copy of its files) and return the copy's name."""
    name = database_url.rsplit("/", 1)[1]
    copy = f"{name}_at_{SLICE // 1000}k"
    use_database(name)  # closed: a template may have no other connection
    _maintenance(
        database_url,
        f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)',
        f'CREATE DATABASE "{copy}" TEMPLATE "{name}" STRATEGY FILE_COPY',
    )
    return copy


def growth(passes: dict[str, Pass]) -> list[tuple[str, Pass, list[Pass]]]:
    """(name, the pass at 50,000 bills, the passes of the same work at N) for the first and the unchanged import."""
    slices = [item for key, item in passes.items() if key.startswith("slice ")]
    if len(slices) < 2:
        return []
    return [
        ("first import: slice 1 / the last slices", slices[0], slices[1:][-LAST_SLICES:]),
        ("unchanged re-import of slice 1", passes["unchanged 50k"], [passes["unchanged 50k at N"]]),
    ]


def report_growth(passes: dict[str, Pass]) -> None:
    """Time a bill at N bills against 50,000 (same run): wall and CPU, for the first import and the unchanged one."""
    comparisons = growth(passes)
    if not comparisons:
        return
    print(f"\ngrowth, time a bill at {passes['first'].bills:,} bills over {SLICE:,} (same run):")
    for name, base, lasts in comparisons:
        bills = sum(item.bills for item in lasts)
        wall = (sum(item.seconds for item in lasts) / bills) / (base.seconds / base.bills)
        importer = (sum(item.cpu_seconds for item in lasts) / bills) / (base.cpu_seconds / base.bills)
        server = (sum(item.server_cpu_seconds for item in lasts) / bills) / max(
            base.server_cpu_seconds / base.bills, 1e-9
        )
        print(
            f"  {name}: CPU {_cpu_growth(base, lasts):.2f}x (importer {importer:.2f}x, PostgreSQL {server:.2f}x),"
            f" wall {wall:.2f}x"
        )
    whole, base = passes["unchanged"], passes["unchanged 50k"]
    print(f"  unchanged re-import of all {whole.bills:,} bills over slice 1: CPU {_cpu_growth(base, [whole]):.2f}x")


def _cpu_growth(base: Pass, lasts: list[Pass]) -> float:
    per_bill = sum(item.cpu_seconds + item.server_cpu_seconds for item in lasts) / sum(item.bills for item in lasts)
    return per_bill / base.cpu_per_bill


def check(passes: dict[str, Pass], *, changed: int) -> list[str]:
    """The targets, set for 50,000 bills: times scale with the number of bills, memory does not."""
    misses = []
    first, unchanged, one_percent, ohio = (passes[key] for key in ("first", "unchanged", "changed", "ohio"))
    scale = first.bills / SLICE
    slices = [item for key, item in passes.items() if key.startswith("slice ")]
    for name, base, lasts in growth(passes):
        ratio = _cpu_growth(base, lasts)
        if ratio > MAX_GROWTH:
            misses.append(f"{name}: CPU a bill grew {ratio:.2f}x from {SLICE:,} to {first.bills:,} bills")
    if len(slices) > 1:
        if slices[0].seconds > TARGETS["first_seconds"]:
            misses.append(f"first import of {SLICE:,} bills {slices[0].seconds:.1f} s > {TARGETS['first_seconds']} s")
        if passes["unchanged 50k"].seconds > TARGETS["unchanged_seconds"]:
            seconds = passes["unchanged 50k"].seconds
            misses.append(f"unchanged re-import of {SLICE:,} bills {seconds:.1f} s > {TARGETS['unchanged_seconds']} s")
    if first.seconds > TARGETS["first_seconds"] * scale:
        misses.append(f"first import {first.seconds:.1f} s > {TARGETS['first_seconds'] * scale:.0f} s")
    if unchanged.seconds > TARGETS["unchanged_seconds"] * scale:
        misses.append(f"unchanged re-import {unchanged.seconds:.1f} s > {TARGETS['unchanged_seconds'] * scale:.0f} s")
    if unchanged.written:
        misses.append(f"unchanged re-import wrote {unchanged.written} rows")
    updated_bills = one_percent.rows.get("legislation_bill", (0, 0, 0))[1]
    if updated_bills != changed or one_percent.rows.get("legislation_bill", (0, 0, 0))[0]:
        misses.append(f"1% pass updated {updated_bills} bills, expected {changed} (and no inserts)")
    worst = max(item.peak_mb for item in passes.values())
    if worst > TARGETS["peak_mb"]:
        misses.append(f"peak memory {worst:.0f} MB > {TARGETS['peak_mb']:.0f} MB")
    if ohio.seconds > TARGETS["ohio_seconds"]:
        misses.append(f"Ohio master list {ohio.seconds:.2f} s > {TARGETS['ohio_seconds']:.0f} s")
    return misses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bills", type=int, default=50_000)
    parser.add_argument("--per-page", type=int, default=20, help="bills per page file (Open States allows 20)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    args = parser.parse_args()
    configure(args.database_url)
    LOAD.append(" ".join(f"{x:.2f}" for x in os.getloadavg()))
    from legislation.importers import import_files

    changed_every = 100
    changed = len(range(0, args.bills, changed_every))
    passes: dict[str, Pass] = {}
    with tempfile.TemporaryDirectory(prefix="import_bench_") as folder:
        started = time.perf_counter()
        paths = write_pages(Path(folder) / "v1", args.bills, args.per_page)
        print(f"generated {args.bills:,} bills in {len(paths):,} page files in {time.perf_counter() - started:.1f} s")

        def run(files: list[Path]):
            return lambda: import_files(source="openstates", paths=files, scope="bench")

        full = args.database_url.rsplit("/", 1)[1]
        per_slice = SLICE // args.per_page
        groups = [paths[start : start + per_slice] for start in range(0, len(paths), per_slice)]
        slices = []
        for number, group in enumerate(groups, 1):
            bills = min(SLICE, args.bills - (number - 1) * SLICE)
            name = f"slice {number}"
            slices.append(passes.setdefault(name, measure(f"1.{number} first import, {name}", bills, run(group))))
            if number == 1 and len(groups) > 1:
                at_slice = snapshot(args.database_url)
        if len(groups) > 1:
            rounds: dict[str, list[Pass]] = {"unchanged 50k": [], "unchanged 50k at N": []}
            for _ in range(REPEATS):
                for key, database, name in (
                    ("unchanged 50k", at_slice, f"2.0 slice 1 unchanged, {SLICE // 1000}k db"),
                    ("unchanged 50k at N", full, f"2.0 slice 1 unchanged, {args.bills // 1000}k db"),
                ):
                    use_database(database)
                    rounds[key].append(measure(name, SLICE, run(groups[0])))
            passes.update({key: median(items) for key, items in rounds.items()})
            use_database(full)
            _maintenance(args.database_url, f'DROP DATABASE "{at_slice}" WITH (FORCE)')
        passes["first"] = Pass(
            "1. first import",
            args.bills,
            sum(item.seconds for item in slices),
            sum(item.cpu_seconds for item in slices),
            sum(item.server_cpu_seconds for item in slices),
            {
                table: tuple(sum(item.rows.get(table, (0, 0, 0))[i] for item in slices) for i in range(3))
                for table in {table for item in slices for table in item.rows}
            },
            (0, 0, 0),
            max(item.peak_mb for item in slices),
            slices[0].summary if len(slices) == 1 else f"{len(slices)} slices",
            (sum(item.blocks[0] for item in slices), sum(item.blocks[1] for item in slices)),
        )
        if len(slices) == 1:
            del passes["slice 1"]
            passes = {"first": passes.pop("first"), **passes}
        copy_seconds, copy_rows = copy_baseline()
        passes["unchanged"] = measure("2. unchanged re-import", args.bills, run(paths))
        changed_paths = write_pages(Path(folder) / "v2", args.bills, args.per_page, changed_every=changed_every)
        passes["changed"] = measure(f"3. re-import, {changed} changed", args.bills, run(changed_paths))
    ohio = lambda: import_files(source="legiscan", paths=[OHIO], scope="bench ohio")  # noqa: E731
    passes["ohio"] = measure("4. Ohio master list", 2131, ohio)
    passes["ohio_again"] = measure("5. Ohio master list again", 2131, ohio)
    report(list(passes.values()), copy_seconds, copy_rows)
    report_growth(passes)
    misses = check(passes, changed=changed)
    print("\n" + ("all targets met" if not misses else "targets missed:\n  " + "\n  ".join(misses)))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
