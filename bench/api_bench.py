"""Benchmark of the bills list of the API against a minimal baseline (issue 5).

    python bench/api_bench.py [--bills 50000] [--actions-per-bill 10] [--duration 10] [--connections 16]
                              [--database-url postgres://...] [--redis-url redis://...] [--reload]

Loads 50,000 bills with 500,000 actions (and LegiScan ids on a tenth of the bills) into a PostgreSQL database of
its own (default `tracker_apibench`, created and migrated on first use, loaded with COPY; `--reload` starts it
afresh). Then serves, on 127.0.0.1 with gunicorn (2 sync workers each, persistent database
connections, production settings):

- the baseline: a plain WSGI app (psycopg + orjson, below) answering the same page of the same query from the
  same tables, `{count, next, previous, results}` with the same fields;
- the API with its response cache off (`API_CACHE_SECONDS=0`): every request runs the filters and the queries;
- the API with its response cache on (the default): repeated pages come from Redis.

The three run side by side; each is loaded for `--duration` seconds at `--connections` connections with wrk
(Debian's package; installed if missing and we are root) on `/api/v1/bills/?jurisdiction=XX&stage=YY`, after a
warm-up, in turn, for `--rounds` rounds (3): the machine's speed drifts between minutes, and alternating puts
every server under the same drift. Prints each round, then the medians over the rounds of requests per second,
p50 and p99 latency, the errors of all rounds, and the ratios API / baseline; checks the targets: uncached
>= 0.5, cached >= 1.0, p99 < 50 ms, no errors. Exit code 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tracker_apibench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
STAGES = [
    "prefiled",
    "introduced",
    "in_committee",
    "passed_origin",
    "passed_legislature",
    "enacted",
    "vetoed",
    "failed",
    "withdrawn",
    "died",
    "carried_over",
]
PAGE_SIZE = 50
TARGETS = {"uncached": 0.5, "cached": 1.0}
P99_LIMIT_MS = 50.0


# --- The baseline: what a hand-written endpoint costs ----------------------------------------------------------

BASELINE_COUNT = """
SELECT count(*) FROM legislation_bill b JOIN legislation_jurisdiction j ON j.id = b.jurisdiction_id
WHERE j.code = %s AND b.stage = %s
"""
BASELINE_PAGE = """
SELECT b.id, j.code, s.identifier, b.identifier, b.title, b.stage, b.stage_date, b.furthest_stage,
       b.furthest_stage_date, b.latest_action_date, b.latest_action_description, b.url, b.updated_at
FROM legislation_bill b
JOIN legislation_jurisdiction j ON j.id = b.jurisdiction_id
JOIN legislation_legislativesession s ON s.id = b.session_id
WHERE j.code = %s AND b.stage = %s
ORDER BY j.code, s.identifier, b.identifier, b.id
LIMIT %s
"""
BASELINE_FIELDS = (
    "id",
    "jurisdiction",
    "session",
    "identifier",
    "title",
    "stage",
    "stage_date",
    "furthest_stage",
    "furthest_stage_date",
    "latest_action_date",
    "latest_action_description",
    "url",
    "updated_at",
)
_baseline_connection = None


def baseline_app(environ, start_response):
    """WSGI: GET /api/v1/bills/?jurisdiction=XX&stage=YY -> the first page, as the API shapes it."""
    import orjson
    import psycopg

    global _baseline_connection
    if _baseline_connection is None or _baseline_connection.closed:
        _baseline_connection = psycopg.connect(os.environ["BASELINE_DATABASE_URL"], autocommit=True)
    query = parse_qs(environ.get("QUERY_STRING", ""))
    code, stage = query.get("jurisdiction", [""])[0].lower(), query.get("stage", [""])[0]
    with _baseline_connection.cursor() as cursor:
        count = cursor.execute(BASELINE_COUNT, (code, stage)).fetchone()[0]
        rows = cursor.execute(BASELINE_PAGE, (code, stage, PAGE_SIZE)).fetchall()
    next_url = None
    if count > PAGE_SIZE:
        next_url = f"http://{environ['HTTP_HOST']}{environ['PATH_INFO']}?{environ['QUERY_STRING']}&page=2"
    body = orjson.dumps(
        {
            "count": count,
            "next": next_url,
            "previous": None,
            "results": [dict(zip(BASELINE_FIELDS, row, strict=True)) for row in rows],
        },
        option=orjson.OPT_UTC_Z,
    )
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


_statements: list[dict] | None = None


def statements_app(environ, start_response):
    """WSGI: GET /<n> -> what a hand-written endpoint for list URL n returns: the SQL statements the API ran for
    it (captured once, `capture_statements`), run as they are with psycopg, the page's rows as JSON objects named
    by their columns, with the total of the statement that counts. The same queries with none of the framework:
    what the list would cost written by hand."""
    import json

    import orjson
    import psycopg

    global _baseline_connection, _statements
    if _statements is None:
        _statements = json.loads(Path(os.environ["BASELINE_STATEMENTS"]).read_text())
    if _baseline_connection is None or _baseline_connection.closed:
        _baseline_connection = psycopg.connect(os.environ["BASELINE_DATABASE_URL"], autocommit=True)
    entry = _statements[int(environ["PATH_INFO"].strip("/"))]
    rows: list[dict] = []
    count = None
    with _baseline_connection.cursor() as cursor:
        for sql, params in entry["sql"]:
            cursor.execute(sql, params or None)
            if cursor.description is None:
                continue
            names = [column.name for column in cursor.description]
            fetched = cursor.fetchall()
            if names == ["__count"] or names == ["count"]:
                count = fetched[0][0]
            elif not rows:
                rows = [dict(zip(names, row, strict=True)) for row in fetched]
    body = orjson.dumps(
        {"count": len(rows) if count is None else count, "next": None, "previous": None, "results": rows},
        option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS,
    )
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


# --- Data -----------------------------------------------------------------------------------------------------


def run(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def ensure_database(database_url: str, reload: bool) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and reload:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def load(database_url: str, bills: int, actions_per_bill: int, env: dict[str, str]) -> None:
    """Migrate, seed (report and jurisdictions), then COPY sessions, bills, actions and external ids."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        try:
            have = connection.execute("SELECT count(*) FROM legislation_bill").fetchone()[0]
            actions = connection.execute("SELECT count(*) FROM legislation_billaction").fetchone()[0]
        except psycopg.errors.UndefinedTable:
            have = actions = -1
    if have == bills and actions == bills * actions_per_bill:
        print(f"database ready: {have} bills, {actions} actions")
        return
    started = time.perf_counter()
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([sys.executable, "manage.py", "seed"], env)
    rng = random.Random(5)  # noqa: S311  (synthetic data, reproducible)
    with psycopg.connect(database_url) as connection:
        connection.execute(
            "TRUNCATE legislation_billaction, legislation_billexternalid, legislation_stagechange, "
            "recommendations_billlink, legislation_bill, legislation_legislativesession CASCADE"
        )
        jurisdictions = connection.execute(
            "SELECT id FROM legislation_jurisdiction WHERE kind IN ('state', 'district', 'territory', 'federal') "
            "ORDER BY id"
        ).fetchall()
        sessions = []
        with connection.cursor().copy(
            "COPY legislation_legislativesession (id, jurisdiction_id, identifier, name, classification, start_date, "
            "ended) FROM STDIN"
        ) as copy:
            for index, (jurisdiction_id,) in enumerate(jurisdictions, start=1):
                copy.write_row(
                    (index, jurisdiction_id, "2025", "2025 Regular Session", "primary", date(2025, 1, 1), False)
                )
                sessions.append((index, jurisdiction_id))
        now = datetime.now(UTC)
        day0 = date(2025, 1, 1)
        bill_rows, action_rows, external_rows = io.StringIO(), io.StringIO(), io.StringIO()
        for bill_id in range(1, bills + 1):
            session_id, jurisdiction_id = sessions[bill_id % len(sessions)]
            stage = rng.choice(STAGES)
            first = day0 + timedelta(days=rng.randrange(300))
            latest = first + timedelta(days=rng.randrange(60))
            title = f"An act relating to controlled substances and sentencing, number {bill_id}"
            bill_rows.write(
                f"{bill_id}\t{jurisdiction_id}\t{session_id}\tHB {bill_id}\tHB{bill_id}\t{title}\t\t[]\t[]\t"
                f"https://example.org/bills/{bill_id}\t{stage}\t{latest}\t{stage}\t{latest}\t{first}\t{latest}\t"
                f"Action {actions_per_bill}\t\t{now.isoformat()}\t{now.isoformat()}\t\t\n"
            )
            for order in range(1, actions_per_bill + 1):
                day = first + timedelta(days=order)
                action_rows.write(f'{bill_id}\t{order}\t{day}\tAction {order}\tlower\tHouse\t["referral"]\n')
            if bill_id % 10 == 0:
                external_rows.write(f"{bill_id}\tlegiscan\t{bill_id}\n")
        with connection.cursor() as cursor:
            for table, columns, data in (
                (
                    "legislation_bill",
                    "id, jurisdiction_id, session_id, identifier, source_identifier, title, summary, classification, "
                    "subjects, url, stage, stage_date, furthest_stage, furthest_stage_date, first_action_date, "
                    "latest_action_date, latest_action_description, content_hash, created_at, updated_at, "
                    "popular_title, staff_notes",
                    bill_rows,
                ),
                (
                    "legislation_billaction",
                    'bill_id, "order", date, description, chamber, actor, classification',
                    action_rows,
                ),
                ("legislation_billexternalid", "bill_id, source, external_id", external_rows),
            ):
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write(data.getvalue())
            for table in ("legislation_legislativesession", "legislation_bill"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        connection.commit()
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    print(f"loaded {bills} bills and {bills * actions_per_bill} actions in {time.perf_counter() - started:.1f} s")


def pick_query(database_url: str) -> str:
    """A jurisdiction and stage whose page is full (more rows than one page), as a real filtered list is."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        code, stage, count = connection.execute(
            "SELECT j.code, b.stage, count(*) FROM legislation_bill b JOIN legislation_jurisdiction j "
            "ON j.id = b.jurisdiction_id WHERE j.code = 'ca' GROUP BY j.code, b.stage ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
    print(f"query: jurisdiction={code} stage={stage} ({count} bills)")
    return f"/api/v1/bills/?jurisdiction={code.upper()}&stage={stage}"


# --- Serving and loading --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app: str, env: dict[str, str], chdir: Path, *, workers: int = 2):
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        app,
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(chdir),
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.time() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError(f"gunicorn {app} did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@dataclass
class Result:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
        return shutil.which("wrk") or "wrk"
    raise SystemExit("wrk is missing: sudo apt-get install wrk")


def load_test(name: str, url: str, duration: int, connections: int, *, warmup: bool = True) -> Result:
    # Warm up: every worker opens its database connection and fills its caches before the clock starts.
    for _ in range(50 if warmup else 0):
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310  (http://127.0.0.1 only)
            assert response.status == 200, (name, response.status)
            body = response.read()
    if warmup:
        assert body.startswith(b'{"count":'), body[:100]
    output = subprocess.run(
        [ensure_wrk(), "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency", "--timeout", "5s", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+(?:us|ms|s|m))\s*$", output, re.MULTILINE))
    if "99" not in latency:  # too few requests for wrk to print a distribution: say so rather than guess
        raise RuntimeError(f"{name}: no latency distribution from wrk:\n{output}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Result(
        name=name,
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_ms(latency["50"]),
        p99_ms=_ms(latency["99"]),
        errors=errors + (int(non_2xx.group(1)) if non_2xx else 0),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
    )


def median_result(results: list[Result]) -> Result:
    """Each figure's median over the rounds (a round slowed by the machine does not decide); errors are those of
    every round."""
    return Result(
        name=results[0].name,
        requests_per_second=statistics.median(result.requests_per_second for result in results),
        p50_ms=statistics.median(result.p50_ms for result in results),
        p99_ms=statistics.median(result.p99_ms for result in results),
        errors=sum(result.errors for result in results),
        requests=sum(result.requests for result in results),
    )


# --- Every list: the URL table (issue 12) ---------------------------------------------------------------------

# Every public list with each ordering and filter it documents. Bills rows are also run against a hand-written
# baseline of the same queries (`statements_app`). The data: pages_bench's full set (its `--build-only`): 50,000
# bills with 500,000 actions, 250 links per recommendation, progress and history for every pair, stage changes.
LIST_URLS = [
    "/api/v1/bills/?jurisdiction=CA&stage=enacted",
    "/api/v1/bills/",
    "/api/v1/bills/?page=20",
    "/api/v1/bills/?ordering=-latest_action_date",
    "/api/v1/bills/?ordering=latest_action_date",
    "/api/v1/bills/?ordering=-stage_date",
    "/api/v1/bills/?ordering=-updated_at",
    "/api/v1/bills/?ordering=identifier",
    "/api/v1/bills/?q=sentencing",
    "/api/v1/bills/?q=%22number%204711%22",
    "/api/v1/bills/?recommendation=PM-1",
    "/api/v1/bills/?effect=regresses",
    "/api/v1/bills/bulk/",
    "/api/v1/links/",
    "/api/v1/links/?recommendation=PM-1&ordering=-created_at",
    "/api/v1/progress/",
    "/api/v1/progress/?status=in_progress&ordering=-updated_at",
    "/api/v1/recommendations/",
    "/api/v1/jurisdictions/",
    "/api/v1/changes/",
    "/api/v1/audiences/",
    "/api/v1/reports/",
    "/api/v1/measures/",
    "/api/v1/freshness/",
]
LIST_TARGETS = {"one_ms": 5.0, "p99_ms": 50.0, "ratio": 0.5, "cached_ratio": 1.5}


def capture_statements(urls: list[str], path: Path) -> list[str]:
    """The SQL (with parameters) the API runs for each bills URL, uncached, written to `path` for the baseline;
    returns the URLs that answer 200 (a list not built yet is left out of the table)."""
    import json

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    client, entries, answered = Client(), [], []
    for url in urls:
        cache.clear()
        if client.get(url).status_code != 200:
            continue
        answered.append(url)
        if not url.startswith("/api/v1/bills/"):
            entries.append({"url": url, "sql": []})
            continue
        cache.clear()
        statements: list = []

        def record(execute, sql, params, many, context, statements=statements):
            statements.append([sql, list(params or ())])
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            client.get(url)
        entries.append({"url": url, "sql": statements})
    path.write_text(json.dumps([entry for entry in entries if entry["sql"]], default=str))
    connection.close()
    return answered


def wrk_mean_ms(url: str, duration: int) -> float:
    """Mean latency at one connection: the server time of a request, plus a loopback round trip."""
    output = subprocess.run(
        [ensure_wrk(), "-t", "1", "-c", "1", "-d", f"{duration}s", "--timeout", "5s", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return _ms(re.search(r"Latency\s+(\S+)", output).group(1))


def warm(url: str, *, times: int = 20, statuses: tuple[int, ...] = (200,)) -> None:
    for _ in range(times):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310  (http://127.0.0.1 only)
                status = response.status
                response.read()
        except urllib.error.HTTPError as error:
            status = error.code
        assert status in statuses, (url, status)


def lists_table(args, env: dict[str, str]) -> int:
    database_url = args.lists_database_url
    env = {**env, "DATABASE_URL": database_url, "BASELINE_DATABASE_URL": database_url}
    if args.reload or not database_ready(database_url):
        subprocess.run(
            [sys.executable, "bench/pages_bench.py", "--build-only", "--bills", str(args.bills)],
            cwd=ROOT,
            env={**env, "PAGES_BENCH_DATABASE_URL": database_url, "PAGES_BENCH_REDIS_URL": args.redis_url},
            check=True,
        )
    run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    statements = Path(tempfile.mkdtemp(prefix="api_bench_")) / "statements.json"
    os.environ.update({**env, "API_CACHE_SECONDS": "0", "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1"})
    selected = [url for url in LIST_URLS if args.only is None or args.only in url]
    urls = capture_statements(selected, statements)
    baselines = {entry["url"]: index for index, entry in enumerate(json.loads(statements.read_text()))}
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    rows = []
    with (
        gunicorn("api_bench:statements_app", {**env, "BASELINE_STATEMENTS": str(statements)}, ROOT / "bench") as base,
        gunicorn("tracker.wsgi:application", {**env, "API_CACHE_SECONDS": "0"}, ROOT) as uncached,
        gunicorn("tracker.wsgi:application", env, ROOT) as cached,
    ):
        for url in urls:
            warm(uncached + url)
            warm(cached + url)
            row = {"url": url, "one_ms": wrk_mean_ms(uncached + url, args.list_duration)}
            hot = load_test("uncached", uncached + url, args.list_duration, args.connections, warmup=False)
            row["p99_ms"], row["rps"], row["errors"] = hot.p99_ms, hot.requests_per_second, hot.errors
            cold = load_test("cached", cached + url, args.list_duration, args.connections, warmup=False)
            row["cached_rps"], row["errors"] = cold.requests_per_second, row["errors"] + cold.errors
            if url in baselines:
                warm(f"{base}/{baselines[url]}")
                plain = load_test(
                    "baseline", f"{base}/{baselines[url]}", args.list_duration, args.connections, warmup=False
                )
                row["base_rps"], row["errors"] = plain.requests_per_second, row["errors"] + plain.errors
            rows.append(row)
            print(list_row(row), flush=True)
    failures = []
    for row in rows:
        if row["one_ms"] >= LIST_TARGETS["one_ms"]:
            failures.append(f"{row['url']}: {row['one_ms']:.1f} ms at 1 connection")
        if row["p99_ms"] >= LIST_TARGETS["p99_ms"]:
            failures.append(f"{row['url']}: p99 {row['p99_ms']:.1f} ms")
        if row["errors"]:
            failures.append(f"{row['url']}: {row['errors']} errors")
        if "base_rps" in row:
            if row["rps"] / row["base_rps"] < LIST_TARGETS["ratio"]:
                failures.append(f"{row['url']}: uncached {row['rps'] / row['base_rps']:.2f}x the baseline")
            if row["cached_rps"] / row["base_rps"] < LIST_TARGETS["cached_ratio"]:
                failures.append(f"{row['url']}: cached {row['cached_rps'] / row['base_rps']:.2f}x the baseline")
    print(
        f"\ntargets: under {LIST_TARGETS['one_ms']:.0f} ms a request at 1 connection, p99 under "
        f"{LIST_TARGETS['p99_ms']:.0f} ms at {args.connections}, bills lists >= {LIST_TARGETS['ratio']}x their "
        f"baseline uncached and >= {LIST_TARGETS['cached_ratio']}x cached; {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f}"
    )
    print("all met" if not failures else "missed:\n  " + "\n  ".join(failures))
    return 1 if failures else 0


def list_row(row: dict) -> str:
    ratio = f"{row['rps'] / row['base_rps']:5.2f}" if "base_rps" in row else "    -"
    cached_ratio = f"{row['cached_rps'] / row['base_rps']:5.2f}" if "base_rps" in row else "    -"
    return (
        f"{row['url'][:58]:58} {row['one_ms']:6.2f} {row['p99_ms']:7.1f} {row['rps']:7.0f} {row['cached_rps']:7.0f} "
        f"{ratio} {cached_ratio} {row['errors']:4d}"
    )


LIST_HEADER = f"{'URL':58} {'1c ms':>6} {'p99 ms':>7} {'req/s':>7} {'cached':>7} {'ratio':>5} {'c.rat':>5} {'err':>4}"


def database_ready(database_url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(database_url) as connection:
            return connection.execute("SELECT count(*) FROM recommendations_billlink").fetchone()[0] > 0
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return False


def production_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a server run under production settings on 127.0.0.1 (this bench and load_bench)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings.production",
        "DJANGO_SECRET_KEY": "benchmark-only-secret-key-benchmark-only-secret-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
        "DJANGO_CONN_MAX_AGE": "600",
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        **extra,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bills", type=int, default=50_000)
    parser.add_argument("--actions-per-bill", type=int, default=10)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of loading each server in turn")
    parser.add_argument("--database-url", default=os.environ.get("API_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("API_BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--reload", action="store_true", help="drop and reload the benchmark database")
    parser.add_argument("--lists", action="store_true", help="the URL table of every list instead (issue 12)")
    parser.add_argument("--list-duration", type=int, default=5, help="seconds of each URL's wrk runs (--lists)")
    parser.add_argument(
        "--lists-database-url",
        default=os.environ.get("API_LISTS_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL + "_lists"),
        help="the database of --lists (pages_bench's full data set, built on first use)",
    )
    parser.add_argument("--only", metavar="SUBSTRING", help="--lists: only the URLs that contain SUBSTRING")
    args = parser.parse_args()

    env = production_env(
        args.database_url,
        args.redis_url,
        API_THROTTLE_ANON="100000000/min",  # measured, not limited: the throttle still counts every request
        BASELINE_DATABASE_URL=args.database_url,
    )
    if args.lists:
        print(LIST_HEADER)
        return lists_table(args, env)
    ensure_database(args.database_url, args.reload)
    load(args.database_url, args.bills, args.actions_per_bill, env)
    run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env)  # production serves them
    path = pick_query(args.database_url)

    import redis

    redis.Redis.from_url(args.redis_url).flushdb()  # no page cached by an earlier run
    # The three servers run side by side and are loaded in turn, round after round: the machine's speed drifts
    # by a tenth from minute to minute, and alternating short rounds puts each under the same drift. Each
    # figure is the median of its rounds.
    rounds: dict[str, list[Result]] = {"baseline": [], "uncached": [], "cached": []}
    with (
        gunicorn("api_bench:baseline_app", env, ROOT / "bench") as base,
        gunicorn("tracker.wsgi:application", {**env, "API_CACHE_SECONDS": "0"}, ROOT) as uncached,
        gunicorn("tracker.wsgi:application", env, ROOT) as cached,
    ):
        servers = {"baseline": base, "uncached": uncached, "cached": cached}
        names = {"baseline": "baseline", "uncached": "API uncached", "cached": "API cached"}
        for number in range(1, args.rounds + 1):
            for key, server in servers.items():
                result = load_test(names[key], server + path, args.duration, args.connections)
                rounds[key].append(result)
                print(
                    f"round {number}: {result.name:13} {result.requests_per_second:7.0f} req/s "
                    f"p50 {result.p50_ms:6.2f} ms p99 {result.p99_ms:6.2f} ms errors {result.errors}"
                )
    results = {key: median_result(values) for key, values in rounds.items()}

    baseline = results["baseline"].requests_per_second
    print(f"\n{'':14} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'ratio':>6}")
    for result in results.values():
        ratio = result.requests_per_second / baseline
        print(
            f"{result.name:14} {result.requests_per_second:9.0f} {result.p50_ms:8.2f} {result.p99_ms:8.2f} "
            f"{result.errors:7d} {ratio:6.2f}"
        )
    failures = []
    for key, target in TARGETS.items():
        ratio = results[key].requests_per_second / baseline
        if ratio < target:
            failures.append(f"{key}: ratio {ratio:.2f} < {target}")
    for key in ("uncached", "cached"):
        if results[key].p99_ms >= P99_LIMIT_MS:
            failures.append(f"{key}: p99 {results[key].p99_ms:.1f} ms >= {P99_LIMIT_MS} ms")
        if results[key].errors:
            failures.append(f"{key}: {results[key].errors} errors")
    print("\ntargets: uncached >= 0.5, cached >= 1.0, p99 < 50 ms, no errors")
    print("all met" if not failures else "missed: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
