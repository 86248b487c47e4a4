"""Shared helpers for benchmarks: fresh databases, medians, output."""

from __future__ import annotations

import os
import statistics
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

PG_ADMIN = os.environ.get("COFFER_BENCH_PG", "postgresql://root@127.0.0.1:5432/postgres")


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """Yield a URL of a new, empty database (dropped afterwards)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    name = f"coffer_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def signing_key_env() -> Iterator[None]:
    with tempfile.TemporaryDirectory() as folder:
        os.environ["COFFER_SIGNING_KEY_FILE"] = f"{folder}/signing.key"
        yield


def median(values: list[float]) -> float:
    return statistics.median(values)


def report(name: str, runs: list[float], unit: str) -> None:
    shown = ", ".join(f"{v:,.0f}" for v in runs)
    print(f"{name}: median {median(runs):,.0f} {unit} (runs: {shown})", flush=True)
