"""64 threads each calling post() one transfer at a time (target: 15,000/s on PostgreSQL,
and at least 80% of that when every transfer also credits one hot fee account).

    ./dev bench ledger_threads [--runs 5] [--seconds 5] [--backend postgresql|sqlite|both] [--tune-gc]
                               [--case both|spread|hot] [--pin-cpu | --compare-pin]
                               [--against GIT_REF] [--trust] [--pgbench]

Prints both figures and their ratio, measured in the same run. ``--against`` runs each
run in a new process, alternately with Coffer as it is now and as it was at GIT_REF.
``--pin-cpu`` keeps the process on one CPU (``coffer.pin_to_one_cpu()``, as ``coffer serve
--pin-cpu`` does); ``--compare-pin`` runs each run in a new process, alternately with and
without it, and prints both medians and their ratio.

``--trust`` runs each run twice, alternately: with timed checkpoints and a directory
witness (the defaults: every signed checkpoint appended and fsynced to a file) and with
both off (no witness, no checkpoint by time), and prints the on/off ratio (target >= 0.95).
``--pgbench`` also runs pgbench's TPC-B-like script (``pgbench -i``, then ``pgbench -T``
with 16 clients) on a scratch PostgreSQL database in each run, and prints the ledger's
transfers per second as a ratio to pgbench's transactions per second.
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import threading
import time

import coffer
from coffer import Posting
from coffer.settings import Settings
from common import (
    add_tuning_arguments,
    apply_tuning,
    compare,
    fresh_database,
    median,
    report,
    signing_key_env,
)

THREADS = 64
ACCOUNTS = 10_000


def one_run(url: str, seconds: float, hot: bool, settings: Settings | None = None) -> float:
    with coffer.open(url, settings=settings) as c:
        ledger = c.ledger("bench")
        for start in range(0, ACCOUNTS, 1_000):
            ledger.post_many(
                [
                    [Posting("world", f"users:{i}", 10**12, "USD/2")]
                    for i in range(start, start + 1_000)
                ]
            )
        deadline = time.perf_counter() + seconds
        counts = [0] * THREADS
        go = threading.Barrier(THREADS + 1)

        def worker(index: int) -> None:
            rng = random.Random(index)
            go.wait()
            done = 0
            while time.perf_counter() < deadline:
                source = f"users:{rng.randrange(ACCOUNTS)}"
                postings = [
                    Posting(
                        source, f"users:{rng.randrange(ACCOUNTS)}", rng.randrange(1, 100), "USD/2"
                    )
                ]
                if hot:
                    postings.append(Posting(source, "platform:fees", 1, "USD/2"))
                ledger.post(postings)
                done += 1
            counts[index] = done

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        go.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        return sum(counts) / (time.perf_counter() - started)


def trust_settings(on: bool, witness_dir: str) -> Settings:
    """Timed checkpoints and a directory witness (the defaults), or neither."""
    if on:
        return Settings(witness_dir=witness_dir, checkpoint_seconds=60)
    return Settings(witness_dir="", checkpoint_seconds=10**9)


def pgbench_tps(seconds: float) -> float:
    """pgbench's TPC-B-like script on a scratch database: transactions per second."""
    from pgbench_reference import pgbench

    with fresh_database("postgresql") as url:
        pgbench(url, "-i", "-q", "-s", "10")
        out = pgbench(url, "-c", "16", "-j", "2", "-T", str(max(1, round(seconds))))
    found = re.search(r"tps = ([0-9.]+)", out)
    if found is None:
        raise SystemExit(f"no tps in pgbench's output:\n{out}")
    return float(found.group(1))


def trust_runs(args: argparse.Namespace, backends: list[str], cases: list[str]) -> None:
    """Witness and timed checkpoints on against off (and pgbench), run by run."""
    for backend in backends:
        for case in cases:
            on: list[float] = []
            off: list[float] = []
            reference: list[float] = []
            for index in range(args.runs):
                with tempfile.TemporaryDirectory(prefix="coffer-witness-") as folder:
                    order = [True, False] if index % 2 == 0 else [False, True]
                    for enabled in order:
                        with fresh_database(backend) as url:
                            figure = one_run(
                                url, args.seconds, case == "hot", trust_settings(enabled, folder)
                            )
                        (on if enabled else off).append(figure)
                if args.pgbench:
                    reference.append(pgbench_tps(args.seconds))
            name = f"64 threads x post(){' + hot fee account' if case == 'hot' else ''}, {backend}"
            report(f"{name}, witness + timed checkpoints", on, "transfers/s")
            report(f"{name}, neither", off, "transfers/s")
            print(f"witness + timed checkpoints on/off ratio: {median(on) / median(off):.3f}")
            if reference:
                report("pgbench TPC-B-like, 16 clients, 127.0.0.1", reference, "tps")
                print(f"ledger (witness on) / pgbench ratio: {median(on) / median(reference):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    add_tuning_arguments(parser)
    parser.add_argument("--backend", default="postgresql")
    parser.add_argument("--case", choices=["both", "spread", "hot"], default="both")
    parser.add_argument("--against", help="a git ref to compare with, run by run")
    parser.add_argument("--trust", action="store_true", help="witness and timed checkpoints on/off")
    parser.add_argument("--pgbench", action="store_true", help="also run pgbench's TPC-B-like")
    args = parser.parse_args()
    suffix, flags = apply_tuning(args)
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    cases = ["spread", "hot"] if args.case == "both" else [args.case]
    names = {"spread": "64 threads x post()", "hot": "64 threads x post() + hot fee account"}
    if args.compare_pin or args.against:
        for backend in backends:
            for case in cases:
                extra = ["--seconds", str(args.seconds), "--backend", backend, "--case", case]
                name = f"{names[case]}, {backend}{suffix}"
                compare("ledger_threads.py", args, [*extra, *flags], name, "transfers/s")
        return
    if args.trust or args.pgbench:
        with signing_key_env():
            trust_runs(args, backends, cases)
        return
    with signing_key_env():
        for backend in backends:
            figures: dict[str, list[float]] = {case: [] for case in cases}
            for _ in range(args.runs):
                for case in cases:
                    with fresh_database(backend) as url:
                        figures[case].append(one_run(url, args.seconds, hot=case == "hot"))
            for case in cases:
                report(f"{names[case]}, {backend}{suffix}", figures[case], "transfers/s")
            if len(cases) == 2:
                ratio = median(figures["hot"]) / median(figures["spread"])
                print(f"hot/spread ratio, {backend}: {ratio:.2f}")


if __name__ == "__main__":
    main()
