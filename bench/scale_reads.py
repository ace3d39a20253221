"""The busiest reads at scale (issue 11): the public pages and every API list on a database of N bills.

    python bench/scale_reads.py [--bills 500000] [--database-url postgres://...] [--redis-url redis://...]
                                [--ports 8500-8549] [--list-duration 3] [--uncached 10] [--cached 50]

Two steps, the benchmarks next door run as they are, on one database:

1. `pages_bench.py --bills N`: builds its data set in `--database-url` (dropped and rebuilt: the seeded report and
   legislatures, N bills with 10 actions each, links, progress and its history, stage changes) and times the
   public pages uncached and cached, with their queries on small and full data;
2. `api_bench.py --lists` on the same database (already built, so not rebuilt): each list URL at 1 connection,
   loaded at 16 uncached and cached, against the plain psycopg baseline where there is one.

The only change to api_bench is where its gunicorn servers listen: ports taken in turn from `--ports` (a range
kept for this job on a shared machine) instead of any free port. Prints what the two print; exit code 1 when
either reports a missed target.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tracker_scale_reads"


def ports_from(spec: str):
    """A free_port for api_bench that hands out the free ports of a range such as 8500-8549, in turn."""
    first, last = (int(part) for part in spec.split("-"))
    candidates = iter(range(first, last + 1))

    def free_port() -> int:
        for port in candidates:
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise RuntimeError(f"no free port left in {spec}")

    return free_port


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bills", type=int, default=500_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--ports", default="8500-8549")
    parser.add_argument("--list-duration", type=int, default=3)
    parser.add_argument("--uncached", type=int, default=10)
    parser.add_argument("--cached", type=int, default=50)
    parser.add_argument("--skip-pages", action="store_true", help="the database is built: only the lists")
    args = parser.parse_args()

    failed = False
    if not args.skip_pages:
        pages = [
            sys.executable,
            "bench/pages_bench.py",
            *("--bills", str(args.bills), "--database-url", args.database_url, "--redis-url", args.redis_url),
            *("--uncached", str(args.uncached), "--cached", str(args.cached), "--check"),
        ]
        failed = subprocess.run(pages, cwd=ROOT, check=False).returncode != 0

    sys.path.insert(0, str(ROOT / "bench"))
    import api_bench

    api_bench.free_port = ports_from(args.ports)
    sys.argv = [
        "api_bench.py",
        "--lists",
        *("--bills", str(args.bills), "--lists-database-url", args.database_url, "--redis-url", args.redis_url),
        *("--list-duration", str(args.list_duration)),
    ]
    os.chdir(ROOT)
    return 1 if api_bench.main() or failed else 0


if __name__ == "__main__":
    sys.exit(main())
