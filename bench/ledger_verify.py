"""verify(): journal entries checked per second (target: 100,000/s).

./dev bench ledger_verify [--runs 5] [--entries 200000] [--backend postgresql|sqlite|both]
                          [--against GIT_REF]

``--against`` also runs ``verify`` as it was at GIT_REF (its ``verify.py``, on today's
schema) on the same database, alternating run by run, and prints the ratio.
"""

from __future__ import annotations

import argparse
import importlib
import random
import subprocess
import sys
import types
from collections.abc import Callable
from typing import Any

import coffer
from coffer import Posting
from common import fresh_database, median, report, signing_key_env


def build(url: str, entries: int) -> None:
    rng = random.Random(7)
    with coffer.open(url) as c:
        ledger = c.ledger("bench")
        for start in range(0, entries, 1_000):
            ledger.post_many(
                [
                    [
                        Posting(
                            "world",
                            f"users:{rng.randrange(10_000)}",
                            rng.randrange(1, 10**6),
                            "USD/2",
                        )
                    ]
                    for _ in range(min(1_000, entries - start))
                ]
            )


def verify_at(ref: str) -> Callable[..., Any]:
    """``verify_database`` as it was at git ``ref``."""
    source = subprocess.run(
        ["git", "show", f"{ref}:src/coffer/ledger/verify.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType(f"verify_at_{ref}")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"verify.py@{ref}", "exec"), module.__dict__)
    return module.verify_database  # type: ignore[no-any-return]


def timed(url: str, verify_database: Callable[..., Any] | None = None) -> float:
    core = importlib.import_module("coffer.core")  # Coffer.verify calls its verify_database
    current = core.verify_database
    if verify_database is not None:
        setattr(core, "verify_database", verify_database)  # noqa: B010
    try:
        with coffer.open(url) as c:
            result = c.verify()
    finally:
        setattr(core, "verify_database", current)  # noqa: B010
    assert result.ok, result
    return result.entries / result.elapsed_seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--backend", default="both")
    parser.add_argument("--against", help="a git ref whose verify runs alternately")
    args = parser.parse_args()
    other = verify_at(args.against) if args.against else None
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with signing_key_env():
        for backend in backends:
            with fresh_database(backend) as url:
                build(url, args.entries)
                runs, before = [], []
                for _ in range(args.runs):
                    if other is not None:
                        before.append(timed(url, other))
                    runs.append(timed(url))
            report(f"verify, {args.entries:,} entries, {backend}", runs, "entries/s")
            if other is not None:
                report(f"verify at {args.against}, same database, {backend}", before, "entries/s")
                print(f"ratio now / {args.against}: {median(runs) / median(before):.2f}")


if __name__ == "__main__":
    main()
