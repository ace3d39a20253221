"""Benchmark of the public pages: server time and SQL queries, uncached and cached.

    python bench/pages_bench.py [--bills 50000] [--quick] [--explain] [--check]
                                [--uncached 50] [--cached 200] [--warmups 3]
                                [--database-url postgres://...] [--redis-url redis://...]

Builds a PostgreSQL database of its own (default `tracker_pages_bench`: dropped, created and migrated on every
run) with the data of a busy tracker, then times the public pages in-process with Django's test `Client` (server
time: the time of `client.get`, no network; DEBUG off; the Redis cache of `--redis-url`, default db 11, flushed):

- data: `seed` (the report and the 57 legislatures), then N bills (default 50,000) with 10 actions each in every
  legislature, loaded with COPY by api_bench's loader (`api_bench.load`); legislatures of unequal size: 5,000 bills
  (a tenth of N at most) in California, 1 in Guam, the rest spread evenly; two StageChanges per bill (filed, then
  its current stage) seen over the last 8 months; each top-level recommendation linked to 250 bills with a mix of
  effects (one California bill linked to all of them, for the bill page, and Guam's bill to PM-1); Progress for
  every (recommendation, jurisdiction) pair, its status given by the real rule (`progress_status_from_links`) from
  the pair's links, one pair in 13 overridden by staff; 1 to 4 history rows per pair over 8 months
  (Progress.history), one creation row per link (BillLink.history), so the over-time chart has months to show;
- pages: `/`, `/map/`, `/map/?recommendation=PM-1`, `/jurisdictions/ca/` (5,000 bills), `/jurisdictions/gu/`
  (1 bill), `/recommendations/PM-1/`, the bill page of a bill with 10 actions and 7 links, `/changes/` and
  `/feeds/changes/`;
- uncached: the data version is bumped before every request (`api.cache.data_version_bump()`, untimed), as after
  any change: the page cache and every other cache keyed on it are cold; `--warmups` rounds, then `--uncached`
  rounds over all pages in turn;
- cached: anonymous repeat requests (no cookies), `--warmups` then `--cached` rounds over all pages in turn;
- queries per page (CaptureQueriesContext, on separate untimed requests), uncached and cached, on the full data
  and on a small data set built first in the same database (1 bill per legislature, 10 links per
  recommendation, 2 history rows per pair): equal counts show that a page's queries do not grow with the data.

Prints, per page, p50, p95 and max in ms (uncached and cached), this process's CPU time per uncached request
(the part of the server time that the machine's load does not inflate), the SQL time of an uncached request, the
queries, the size, and PASS/FAIL against the targets: p95 under 100 ms uncached and under 10 ms cached, the same
queries on small and full data (when they differ, the queries that do). A page that is not built yet (404) is
reported as missing, one that fails as an error. With `--explain`, the 3 slowest queries of each page's uncached
request with their EXPLAIN ANALYZE. Exit code 0, or with `--check` 1 when a page misses a target (or is missing).
"""

from __future__ import annotations

import argparse
import difflib
import logging
import math
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import api_bench  # noqa: E402  (the bench next door: its database set-up and COPY loader)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tracker_pages_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"  # api_bench uses 12, the tests 12 to 15 (xdist worker gw1: 12, 13)
ACTIONS_PER_BILL = 10
TARGET_UNCACHED_MS = 100.0
TARGET_CACHED_MS = 10.0


@dataclass(frozen=True)
class Scale:
    """How much to build around the bills."""

    bills: int
    links_per_recommendation: int
    history_months: int
    largest: int = 0  # bills moved to BIG (and all but one of TINY's), as legislatures differ; 0: spread evenly


SMALL = Scale(bills=57, links_per_recommendation=10, history_months=2)  # 1 bill per legislature
BIG, TINY = "ca", "gu"  # the legislature with the most bills, and one with a single bill
EFFECTS = (("advances", 40), ("partially_advances", 20), ("related", 25), ("regresses", 15))


# --- Data -------------------------------------------------------------------------------------------------------


def build(database_url: str, scale: Scale, env: dict[str, str]) -> dict[str, str]:
    """Bills (api_bench's loader), then stage changes, links, progress and history; returns the bill page's path."""
    from django.db import connections

    connections.close_all()  # the loader truncates the bill tables from its own connection
    api_bench.load(database_url, scale.bills, ACTIONS_PER_BILL, env)
    started = time.perf_counter()
    rng = random.Random(7)  # noqa: S311  (synthetic data, reproducible)
    now = datetime.now(UTC).replace(microsecond=0)

    from django.db import connection, transaction
    from django.db.models import Count

    from legislation.models import Bill, ImportRun, Jurisdiction
    from recommendations.models import BillLink, Progress, ProgressBasis, ProgressStatus, Recommendation
    from recommendations.services import progress_status_from_links

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE recommendations_historicalprogress, recommendations_historicalbilllink, "
                "recommendations_progress, recommendations_billlink, legislation_importrun CASCADE"
            )
        # One finished run per source: the freshness notes read them.
        runs = ImportRun.objects.bulk_create(
            ImportRun(
                source=source,
                scope=f"bench {source}",
                status="succeeded",
                started_at=now - timedelta(hours=hours, minutes=5),
                finished_at=now - timedelta(hours=hours),
                inserted=scale.bills if source == "openstates" else 0,
            )
            for source, hours in (("openstates", 2), ("legiscan", 5), ("congress", 9))
        )
        if scale.largest:
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    WITH target AS (
                        SELECT j.id AS jurisdiction_id, s.id AS session_id FROM legislation_jurisdiction j
                        JOIN legislation_legislativesession s ON s.jurisdiction_id = j.id WHERE j.code = %(big)s
                    ), tiny AS (SELECT id FROM legislation_jurisdiction WHERE code = %(tiny)s),
                    moved AS (
                        (SELECT b.id FROM legislation_bill b, tiny WHERE b.jurisdiction_id = tiny.id
                         ORDER BY b.id OFFSET 1)
                        UNION ALL
                        (SELECT b.id FROM legislation_bill b, target, tiny
                         WHERE b.jurisdiction_id NOT IN (target.jurisdiction_id, tiny.id)
                         ORDER BY b.id DESC
                         LIMIT greatest(0, %(largest)s + 1 - (
                             SELECT count(*) FROM legislation_bill b, target, tiny
                             WHERE b.jurisdiction_id IN (target.jurisdiction_id, tiny.id))))
                    )
                    UPDATE legislation_bill b SET jurisdiction_id = target.jurisdiction_id,
                                                  session_id = target.session_id
                    FROM target WHERE b.id IN (SELECT id FROM moved)
                    """,
                    {"big": BIG, "tiny": TINY, "largest": scale.largest},
                )
        page_bill = (
            Bill.objects.for_list().filter(jurisdiction__code=BIG).exclude(stage="introduced").order_by("id")[0]
        )
        # Two stage changes per bill, seen over the months the progress history covers: filed, then (5 to 44 days
        # later) moved to its current stage; the bill page's bill moved an hour ago, so that the latest changes
        # (home page) hold a stage change on any data size.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH seen AS (
                    SELECT id, first_action_date, stage, stage_date,
                           CASE WHEN id = %(page_bill)s THEN %(now)s - interval '1 hour'
                                ELSE %(now)s - ((id * 7919) %% %(days)s) * interval '1 day'
                                             - ((id * 104729) %% 86400) * interval '1 second' END AS moved_at
                    FROM legislation_bill
                )
                INSERT INTO legislation_stagechange (bill_id, from_stage, to_stage, date, source, seen_at,
                                                     import_run_id)
                SELECT id, '', 'introduced', first_action_date, 'openstates',
                       moved_at - (5 + id %% 40) * interval '1 day', %(run)s
                FROM seen
                UNION ALL
                SELECT id, 'introduced', stage, stage_date, 'openstates', moved_at, %(run)s
                FROM seen WHERE stage <> 'introduced'
                """,
                {"now": now, "run": runs[0].pk, "days": 30 * scale.history_months, "page_bill": page_bill.pk},
            )
            stage_changes = cursor.rowcount

        bills = {
            pk: (jurisdiction, stage, day)
            for pk, jurisdiction, stage, day in Bill.objects.values_list(
                "id", "jurisdiction_id", "stage", "stage_date"
            )
        }
        jurisdictions = list(Jurisdiction.objects.legislatures().order_by("code"))
        recommendations = list(Recommendation.objects.top_level().order_by("audience__order", "order"))

        # Links: each recommendation to `links_per_recommendation` bills (the bill page's bill to all of them).
        effects, weights = zip(*EFFECTS, strict=True)
        links = []
        bill_ids = sorted(bills)
        tiny_bill = Bill.objects.filter(jurisdiction__code=TINY).order_by("id").values_list("id", flat=True)[0]
        for number, recommendation in enumerate(recommendations):
            chosen = set(rng.sample(bill_ids, min(scale.links_per_recommendation, len(bill_ids))))
            forced = [page_bill.pk] + ([tiny_bill] if number == 0 else [])  # TINY's page shows a link too
            chosen = [*forced, *sorted(chosen - set(forced))][: scale.links_per_recommendation]
            for bill_id in chosen:
                effect = rng.choices(effects, weights)[0]
                links.append(
                    BillLink(
                        recommendation=recommendation,
                        bill_id=bill_id,
                        effect=effect,
                        rationale=f"The bill's text bears on {recommendation.code} ({effect.replace('_', ' ')}).",
                        evidence_url=f"https://example.org/evidence/{recommendation.code}/{bill_id}",
                        created_at=now - timedelta(days=rng.randrange(240), seconds=rng.randrange(86400)),
                    )
                )
        BillLink.objects.bulk_create(links, batch_size=2000)
        link_history = BillLink.history.model
        link_history.objects.bulk_create(
            (
                link_history(
                    id=link.pk,
                    recommendation_id=link.recommendation_id,
                    bill_id=link.bill_id,
                    effect=link.effect,
                    rationale=link.rationale,
                    evidence_url=link.evidence_url,
                    created_at=link.created_at,
                    history_date=link.created_at,
                    history_type="+",
                )
                for link in links
            ),
            batch_size=2000,
        )

        # Progress for every pair, from its links by the real rule; one pair in 13 reviewed by staff.
        by_pair: dict[tuple[int, int], list[tuple[str, str, object]]] = {}
        for link in links:
            jurisdiction_id, stage, day = bills[link.bill_id]
            by_pair.setdefault((link.recommendation_id, jurisdiction_id), []).append((link.effect, stage, day))
        statuses = list(ProgressStatus.values)
        progress_rows, plans = [], []
        for index, (recommendation, jurisdiction) in enumerate((r, j) for r in recommendations for j in jurisdictions):
            computed = progress_status_from_links(by_pair.get((recommendation.pk, jurisdiction.pk), []))
            reviewed = index % 13 == 5
            status = rng.choice([s for s in statuses if s != computed]) if reviewed else computed
            # History: 1 to 4 changes in distinct months, oldest first, ending at the current status.
            changes = rng.randint(1, min(4, scale.history_months))
            months = sorted(rng.sample(range(scale.history_months), changes), reverse=True)
            trail = []
            for _ in range(changes - 1):
                trail.append(rng.choice([s for s in statuses if s != (trail[-1] if trail else None)]))
            if trail and trail[-1] == status:
                trail[-1] = ProgressStatus.NO_ACTION if status != ProgressStatus.NO_ACTION else statuses[0]
            trail.append(status)
            dates = [
                now - timedelta(days=30 * month + rng.randrange(1, 28), seconds=rng.randrange(86400))
                for month in months
            ]
            plans.append(list(zip(dates, trail, strict=True)))
            progress_rows.append(
                Progress(
                    recommendation=recommendation,
                    jurisdiction=jurisdiction,
                    status=status,
                    computed_status=computed,
                    basis=ProgressBasis.REVIEWED if reviewed else ProgressBasis.COMPUTED,
                    reason="Staff review of the enacted text." if reviewed else "",
                    evidence_url=f"https://example.org/review/{index}" if reviewed else "",
                    updated_at=dates[-1],
                )
            )
        Progress.objects.bulk_create(progress_rows)
        progress_history = Progress.history.model
        progress_history.objects.bulk_create(
            (
                progress_history(
                    id=progress.pk,
                    recommendation_id=progress.recommendation_id,
                    jurisdiction_id=progress.jurisdiction_id,
                    status=status,
                    computed_status=progress.computed_status if number == len(plan) - 1 else status,
                    basis=progress.basis if number == len(plan) - 1 else ProgressBasis.COMPUTED,
                    reason=progress.reason if number == len(plan) - 1 else "",
                    evidence_url=progress.evidence_url if number == len(plan) - 1 else "",
                    updated_at=day,
                    history_date=day,
                    history_type="+" if number == 0 else "~",
                )
                for progress, plan in zip(progress_rows, plans, strict=True)
                for number, (day, status) in enumerate(plan)
            ),
            batch_size=2000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    history_rows = sum(len(plan) for plan in plans)
    mix = {s: sum(p.status == s for p in progress_rows) for s in statuses}
    print(
        f"built {stage_changes:,} stage changes, {len(links):,} links, {len(progress_rows)} progress rows "
        f"({', '.join(f'{s} {n}' for s, n in mix.items())}), {history_rows:,} progress history rows "
        f"in {time.perf_counter() - started:.1f} s"
    )
    counts = dict(
        Bill.objects.filter(jurisdiction__code__in=[BIG, TINY])
        .order_by()
        .values_list("jurisdiction__code")
        .annotate(n=Count("id"))
    )
    print(f"bills in {BIG}: {counts.get(BIG, 0):,}, in {TINY}: {counts.get(TINY, 0):,}")
    return {"bill": page_bill.get_absolute_url()}


# --- Measures ---------------------------------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    path: str
    state: str = "ok"  # or "missing (404)", "status 302", "error (...)"
    uncached: list[float] = field(default_factory=list)
    cached: list[float] = field(default_factory=list)
    queries: dict[str, int] = field(default_factory=dict)  # "uncached", "cached", "small uncached", ...
    sql_ms: float = 0.0
    statements: dict[str, list[str]] = field(default_factory=dict)  # the uncached request's SQL, per data size
    cpu: list[float] = field(default_factory=list)  # this process's CPU ms of each uncached request
    last_cpu: float = 0.0
    size: int = 0


def pages(bill_path: str) -> list[Page]:
    return [
        Page("home", "/"),
        Page("map", "/map/"),
        Page("map, one recommendation", "/map/?recommendation=PM-1"),
        Page("jurisdiction, most bills", f"/jurisdictions/{BIG}/"),
        Page("jurisdiction, 1 bill", f"/jurisdictions/{TINY}/"),
        Page("recommendation", "/recommendations/PM-1/"),
        Page("bill", bill_path),
        Page("changes", "/changes/"),
        Page("feed", "/feeds/changes/"),
    ]


def fetch(client, page: Page, *, bump: bool) -> float | None:
    """One anonymous request (no cookies) of the page, timed in ms; None when it did not answer 200 (the page's
    state then says why, and it is measured no further). With `bump`, the data version is bumped first, untimed:
    every cache keyed on it is cold, as after any change."""
    from api.cache import data_version_bump

    if bump:
        data_version_bump()
    client.cookies.clear()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        response = client.get(page.path)
    except Exception as exc:  # a page under construction: report it, keep measuring the others
        message = str(exc).splitlines()[0][:100] if str(exc) else ""
        page.state = f"error ({type(exc).__name__}: {message})"
        return None
    elapsed = (time.perf_counter() - started) * 1000
    page.last_cpu = (time.process_time() - cpu) * 1000
    if response.status_code != 200:
        page.state = "missing (404)" if response.status_code == 404 else f"status {response.status_code}"
        return None
    page.size = len(response.content)
    return elapsed


def captured(client, page: Page, *, cached: bool) -> list[dict] | None:
    """The queries of one request of the page: uncached (data version bumped), or cached (after a request that
    fills the cache, if the page has one)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if cached and fetch(client, page, bump=False) is None:
        return None
    durations: list[float] = []

    def timer(execute, sql, params, many, context):  # Django logs times in whole ms: too coarse here
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            durations.append((time.perf_counter() - started) * 1000)

    with CaptureQueriesContext(connection) as context, connection.execute_wrapper(timer):
        if fetch(client, page, bump=not cached) is None:
            return None
    queries = context.captured_queries
    for query, ms in zip(queries, durations, strict=len(queries) == len(durations)):
        query["ms"] = ms
    return queries


def time_pages(client, items: list[Page], *, warmups: int, uncached: int, cached: int) -> list[float]:
    """Uncached rounds (data version bumped, untimed, before each request), then cached rounds; pages in turn.
    Returns the machine's 1-minute load average, read at every round."""
    loads = []
    for bump, rounds, samples in ((True, uncached, "uncached"), (False, cached, "cached")):
        for number in range(warmups + rounds):
            loads.append(os.getloadavg()[0])
            for page in items:
                if page.state != "ok":
                    continue
                elapsed = fetch(client, page, bump=bump)
                if elapsed is not None and number >= warmups:
                    getattr(page, samples).append(elapsed)
                    if bump:
                        page.cpu.append(page.last_cpu)
    return loads


def record_queries(client, items: list[Page], prefix: str) -> None:
    """Queries per request, uncached and cached, under `prefix` ("small " for the small data); SQL time (the
    median of 3 uncached requests) for the full data."""
    for page in items:
        samples = []
        for _ in range(3):
            queries = captured(client, page, cached=False) if page.state == "ok" else None
            if queries is None:
                break
            samples.append(sum(query.get("ms", 0.0) for query in queries))
            page.queries[f"{prefix}uncached"] = len(queries)
            page.statements[prefix] = [query["sql"] for query in queries]
        queries = captured(client, page, cached=True) if page.state == "ok" else None
        if queries is None:
            continue
        page.queries[f"{prefix}cached"] = len(queries)
        if not prefix:
            page.sql_ms = statistics.median(samples)


def explain(client, items: list[Page]) -> None:
    """The 3 slowest queries of each page's uncached request, with their plans."""
    from django.db import connection

    for page in items:
        if page.state != "ok":
            continue
        queries = captured(client, page, cached=False)
        if queries is None:
            continue
        slowest = sorted(queries, key=lambda query: query.get("ms", 0.0), reverse=True)[:3]
        print(f"\n=== {page.name} ({page.path}): {len(queries)} queries, slowest {len(slowest)}")
        for query in slowest:
            sql = query["sql"]
            print(f"\n--- {query.get('ms', 0.0):.2f} ms\n{sql}")
            if sql.lstrip().upper().startswith(("SELECT", "WITH")):
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    print("\n".join(f"    {row[0]}" for row in cursor.fetchall()))


def shape(sql: str) -> str:
    """A query without its values (numbers, lists of them), shortened: to compare queries across data sizes."""
    sql = re.sub(r"\((?:0, )+0\)", "(0, ...)", re.sub(r"\b\d+\b", "0", sql))
    return sql if len(sql) <= 240 else sql[:160] + " ... " + sql[-75:]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def report(items: list[Page]) -> list[str]:
    """The table, and PASS/FAIL per page; returns the misses. Queries are `uncached/cached` per request."""
    print(f"\n{'':<24} {'uncached ms':^22} {'cached ms':^22} {'CPU ms':^14} {'SQL ms':>7} {'queries':>8} {'small':>8}")
    header = (
        f"{'page':<24} {'p50':>7}{'p95':>7}{'max':>8} {'p50':>7}{'p95':>7}{'max':>8} {'p50':>7}{'p95':>7} {'p50':>7} "
        f"{'full':>8} {'data':>8} {'KB':>5}  result"
    )
    print(header)
    print("-" * len(header))
    failures = []
    for page in items:
        if page.state != "ok":
            print(f"{page.name:<24} {page.state}")
            failures.append(f"{page.name}: {page.state}")
            continue
        u = [percentile(page.uncached, share) for share in (0.5, 0.95, 1.0)]
        c = [percentile(page.cached, share) for share in (0.5, 0.95, 1.0)]
        q = page.queries
        full = f"{q['uncached']}/{q['cached']}"
        small = f"{q['small uncached']}/{q['small cached']}" if "small cached" in q else "-"
        misses = []
        if u[1] >= TARGET_UNCACHED_MS:
            misses.append(f"uncached p95 {u[1]:.1f} ms")
        if c[1] >= TARGET_CACHED_MS:
            misses.append(f"cached p95 {c[1]:.1f} ms")
        if small != full:
            misses.append(f"queries {small} on small data, {full} on full data")
        print(
            f"{page.name:<24} {u[0]:>7.1f}{u[1]:>7.1f}{u[2]:>8.1f} {c[0]:>7.1f}{c[1]:>7.1f}{c[2]:>8.1f} "
            f"{percentile(page.cpu, 0.5):>7.1f}{percentile(page.cpu, 0.95):>7.1f} {page.sql_ms:>7.1f} "
            f"{full:>8} {small:>8} {page.size / 1024:>5.0f}  "
            + ("PASS" if not misses else "FAIL: " + "; ".join(misses))
        )
        failures += [f"{page.name}: {miss}" for miss in misses]
    for page in items:
        if (
            page.state == "ok"
            and "small " in page.statements
            and len(page.statements["small "]) != len(page.statements[""])
        ):
            print(f"\n{page.name}: uncached queries on small data (-) and on full data (+)")
            for line in difflib.unified_diff(
                [shape(sql) for sql in page.statements["small "]],
                [shape(sql) for sql in page.statements[""]],
                lineterm="",
                n=1,
            ):
                print(f"  {line}")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bills", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="2,000 bills and few requests: tests the script")
    parser.add_argument("--warmups", type=int, default=3, help="rounds before the clock starts")
    parser.add_argument("--uncached", type=int, default=50, help="timed uncached rounds (every page per round)")
    parser.add_argument("--cached", type=int, default=200, help="timed cached rounds (every page per round)")
    parser.add_argument("--explain", action="store_true", help="the 3 slowest queries of each page, explained")
    parser.add_argument("--check", action="store_true", help="exit code 1 when a target is missed")
    parser.add_argument("--database-url", default=os.environ.get("PAGES_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("PAGES_BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument(
        "--build-only", action="store_true", help="build the full data set in --database-url, time nothing (api_bench)"
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it comes, in order, also into a file
    if args.quick:
        args.bills, args.warmups, args.uncached, args.cached = 2_000, 1, 10, 40
    full = Scale(bills=args.bills, links_per_recommendation=250, history_months=8, largest=min(5000, args.bills // 10))

    var_dir = tempfile.mkdtemp(prefix="pages_bench_")  # static files' manifest (DEBUG off), exports
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "benchmark-only-secret-key-benchmark-only-secret-key",
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": args.database_url,
        "DJANGO_CONN_MAX_AGE": "600",
        "REDIS_URL": args.redis_url,
        "CELERY_BROKER_URL": args.redis_url,
        "API_THROTTLE_ANON": "100000000/min",  # measured, not limited (as api_bench)
        "TRACKER_VAR_DIR": var_dir,
    }
    os.environ.update(env)
    try:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
        api_bench.ensure_database(args.database_url, reload=True)
        api_bench.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env)
        import django

        django.setup()
        logging.getLogger("django.request").setLevel(logging.CRITICAL)  # 404s and errors: reported in the table
        from django.conf import settings
        from django.db import connections
        from django.test import Client

        assert not settings.DEBUG
        client = Client()

        if args.build_only:
            build(args.database_url, full, env)
            with connections["default"].cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            return 0
        # Small data first: the queries each page runs there, to compare with the full data's.
        paths = build(args.database_url, SMALL, env)
        items = pages(paths["bill"])
        for page in items:
            fetch(client, page, bump=True)
        record_queries(client, items, "small ")

        paths = build(args.database_url, full, env)
        redis.Redis.from_url(args.redis_url).flushdb()
        for page, path in zip(items, pages(paths["bill"]), strict=True):
            page.path, page.state = path.path, "ok"
            fetch(client, page, bump=True)
        record_queries(client, items, "")
        cache_settings = {
            name: getattr(settings, name)
            for name in ("API_CACHE_SECONDS", "PAGE_CACHE_SECONDS")
            if hasattr(settings, name)
        }
        load = os.getloadavg()
        print(
            f"\ntiming {sum(p.state == 'ok' for p in items)} pages: {args.warmups} warm-up rounds, "
            f"{args.uncached} uncached and {args.cached} cached rounds; {os.cpu_count()} cores, load average "
            f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {cache_settings}"
        )
        started = time.perf_counter()
        loads = time_pages(client, items, warmups=args.warmups, uncached=args.uncached, cached=args.cached)
        print(
            f"timed in {time.perf_counter() - started:.0f} s; 1-minute load average during the rounds: "
            f"min {min(loads):.2f}, median {statistics.median(loads):.2f}, max {max(loads):.2f} "
            f"({os.cpu_count()} cores)"
        )
        for page in items:
            print(f"  {page.name}: {page.path}")
        failures = report(items)
        print(
            f"\ntargets: p95 < {TARGET_UNCACHED_MS:.0f} ms uncached, < {TARGET_CACHED_MS:.0f} ms cached, queries "
            f"per page the same on small data ({SMALL.bills} bills, 1 per legislature) as on {full.bills:,} bills"
        )
        print("all met" if not failures else "missed:\n  " + "\n  ".join(failures))
        if args.explain:
            explain(client, items)
        redis.Redis.from_url(args.redis_url).flushdb()
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    return 1 if args.check and failures else 0


if __name__ == "__main__":
    sys.exit(main())
