"""How fast is this machine today? pgbench's TPC-B-like script, the issue's own yardstick.

    ./dev bench pgbench_reference [--runs 5] [--seconds 10] [--clients 16]

The ledger issue sets its figures against "one-database-transaction-per-transfer designs
are capped near 5,500 transfers/s on this machine (what pgbench's TPC-B-like script
reaches)". The machines a session gets vary a lot in speed from day to day, so this prints
today's pgbench figure and how it compares with that 5,500: run it in the same hour as
the ledger benches to read their figures against the reference machine. Needs the
``pgbench`` client (Debian's postgresql-client).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from urllib.parse import urlparse

from common import fresh_database, median, report

REFERENCE_TPS = 5_500  # what the ledger issue quotes for this kind of machine


def pgbench(url: str, *args: str) -> str:
    parts = urlparse(url)
    command = [
        "pgbench",
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "root",
        *args,
        parts.path.lstrip("/"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pgbench failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--scale", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("pgbench") is None:
        raise SystemExit("pgbench is not installed (Debian: apt-get install postgresql-client)")
    with fresh_database("postgresql") as url:
        pgbench(url, "-i", "-q", "-s", str(args.scale))
        runs = []
        for _ in range(args.runs):
            out = pgbench(url, "-c", str(args.clients), "-j", "2", "-T", str(args.seconds))
            found = re.search(r"tps = ([0-9.]+)", out)
            if found is None:
                raise SystemExit(f"no tps in pgbench's output:\n{out}")
            runs.append(float(found.group(1)))
    report(
        f"pgbench TPC-B-like, scale {args.scale}, {args.clients} clients", runs, "transactions/s"
    )
    today = median(runs)
    print(
        f"this machine now runs at {today / REFERENCE_TPS:.2f}x the issue's reference"
        f" ({REFERENCE_TPS:,} tps): a ledger figure F measured in the same hour reads as"
        f" F x {REFERENCE_TPS / today:.2f} there",
        flush=True,
    )


if __name__ == "__main__":
    main()
