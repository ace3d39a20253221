"""Load test of the API and the public pages together (issue 11, "Load").

    python bench/load_bench.py [--duration 30] [--connections 64] [--workers 5] [--throttle]
                               [--database-url postgres://...] [--redis-url redis://...] [--reload]

Serves the tracker with gunicorn and production settings (`--workers` sync workers, persistent database
connections, the Redis cache, static files from whitenoise) over pages_bench's full data set (50,000 bills with
500,000 actions, 250 links per recommendation, progress and history for every pair, stage changes; built with
`pages_bench.py --build-only` into a database of its own on first use, or again with `--reload`), then loads it
with wrk for `--duration` seconds at `--connections` connections on 127.0.0.1. Every connection walks the same
mixed list of API lists and details, public pages and feeds (a wrk Lua script, each request the next path), as
anonymous readers do: cached answers count, as they do in production.

The anonymous rate limit is raised by default, so that every request does its work (as api_bench does); with
`--throttle` the production limit stays (API_THROTTLE_ANON, 60 a minute for the one client address), and the
429s it answers are counted apart: they are designed, not errors.

Prints requests per second, latency percentiles, the answers by status, and checks the target: no error (a
connection error, a timeout or a status other than 2xx, 3xx and a designed 429) and p99 under 100 ms. Exit code 1
if it is missed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import api_bench  # noqa: E402  (the bench next door: its gunicorn runner, wrk and data checks)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tracker_apibench_lists"  # api_bench --lists' data
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"
P99_LIMIT_MS = 100.0

# What anonymous readers ask for: the busiest API lists with their usual filters, details, the pages and a feed.
PATHS = [
    "/api/v1/bills/?jurisdiction=CA&stage=enacted",
    "/api/v1/bills/",
    "/api/v1/bills/?ordering=-latest_action_date",
    "/api/v1/bills/?q=sentencing",
    "/api/v1/bills/?recommendation=PM-1",
    "/api/v1/links/?recommendation=PM-1",
    "/api/v1/progress/?jurisdiction=CA",
    "/api/v1/recommendations/",
    "/api/v1/jurisdictions/",
    "/api/v1/changes/",
    "/api/v1/measures/",
    "/api/v1/freshness/",
    "/",
    "/map/",
    "/map/?recommendation=PM-1",
    "/jurisdictions/ca/",
    "/jurisdictions/gu/",
    "/recommendations/PM-1/",
    "/changes/",
    "/search/?q=sentencing",
    "/about/",
    "/feeds/changes/",
]

# wrk: each request the next path of the list (per thread), and the answers counted by class, so that designed 429s
# can be told from errors.
LUA = """
local paths = {%(paths)s}
local index = 0
local threads = {}
-- wrk copies only plain values between a thread and the main script: one counter per class of answer.
local classes = {"ok", "redirect", "throttled", "client_error", "server_error"}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok, redirect, throttled, client_error, server_error = 0, 0, 0, 0, 0
end

function request()
  index = index %% #paths + 1
  return wrk.format("GET", paths[index])
end

function response(status, headers, body)
  if status == 429 then throttled = throttled + 1
  elseif status >= 500 then server_error = server_error + 1
  elseif status >= 400 then client_error = client_error + 1
  elseif status >= 300 then redirect = redirect + 1
  else ok = ok + 1 end
end

function done(summary, latency, requests)
  for _, name in ipairs(classes) do
    local total = 0
    for _, thread in ipairs(threads) do
      total = total + (thread:get(name) or 0)
    end
    io.write(string.format("answers %%s %%d\\n", name, total))
  end
  for _, p in ipairs({50, 90, 99}) do
    io.write(string.format("percentile %%d %%.3f\\n", p, latency:percentile(p) / 1000))
  end
end
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--bills", type=int, default=50_000)
    parser.add_argument("--throttle", action="store_true", help="keep the production anonymous rate limit")
    parser.add_argument("--database-url", default=os.environ.get("LOAD_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("LOAD_BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--reload", action="store_true", help="build the data set again")
    args = parser.parse_args()

    env = api_bench.production_env(
        args.database_url, args.redis_url, TRACKER_VAR_DIR=tempfile.mkdtemp(prefix="load_bench_")
    )
    if not args.throttle:
        env["API_THROTTLE_ANON"] = "100000000/min"
    if args.reload or not api_bench.database_ready(args.database_url):
        subprocess.run(
            [sys.executable, "bench/pages_bench.py", "--build-only", "--bills", str(args.bills)],
            cwd=ROOT,
            env={**env, "PAGES_BENCH_DATABASE_URL": args.database_url, "PAGES_BENCH_REDIS_URL": args.redis_url},
            check=True,
        )
    api_bench.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
    api_bench.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    script = Path(env["TRACKER_VAR_DIR"]) / "paths.lua"
    script.write_text(LUA % {"paths": ", ".join(f'"{path}"' for path in PATHS)})

    with api_bench.gunicorn("tracker.wsgi:application", env, ROOT, workers=args.workers) as server:
        for path in PATHS:  # every worker warm: connections open, templates compiled
            for _ in range(args.workers):
                api_bench.warm(server + path, times=1, statuses=(200, 429))
        output = subprocess.run(
            [
                api_bench.ensure_wrk(),
                "-t",
                "2",
                "-c",
                str(args.connections),
                "-d",
                f"{args.duration}s",
                "--timeout",
                "5s",
                "-s",
                str(script),
                server,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    answers = {name: int(count) for name, count in re.findall(r"^answers (\w+) (\d+)$", output, re.MULTILINE)}
    percentiles = {int(p): float(ms) for p, ms in re.findall(r"^percentile (\d+) ([\d.]+)$", output, re.MULTILINE)}
    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = socket_errors + answers["client_error"] + answers["server_error"]
    load = os.getloadavg()
    print(
        f"{len(PATHS)} paths, {args.connections} connections, {args.duration} s, gunicorn {args.workers} workers, "
        f"{os.cpu_count()} cores, load average {load[0]:.2f}"
    )
    print(
        f"requests/s {rate:.0f}; p50 {percentiles[50]:.1f} ms, p90 {percentiles[90]:.1f} ms, "
        f"p99 {percentiles[99]:.1f} ms"
    )
    print("answers: " + ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in answers.items()))
    print(f"socket errors and timeouts: {socket_errors}")
    failures = []
    if errors:
        failures.append(f"{errors} errors")
    if percentiles[99] >= P99_LIMIT_MS:
        failures.append(f"p99 {percentiles[99]:.1f} ms >= {P99_LIMIT_MS:.0f} ms")
    print(f"\ntarget: no errors besides designed 429s, p99 under {P99_LIMIT_MS:.0f} ms")
    print("met" if not failures else "missed: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
