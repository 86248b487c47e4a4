"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is the local server (trust auth, user root). Each test gets a fresh database
cloned from a migrated template, so tests never see each other's rows. When PostgreSQL is
unreachable its tests are skipped loudly, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator

import pytest

PG_ADMIN_URL = os.environ.get("COFFER_TEST_PG", "postgresql://root@127.0.0.1:5432/postgres")
_KEY_FOLDER = tempfile.mkdtemp(prefix="coffer-test-keys-")
os.environ.setdefault("COFFER_SIGNING_KEY_FILE", os.path.join(_KEY_FOLDER, "signing.key"))
os.environ.setdefault("COFFER_PII_KEY_FILE", os.path.join(_KEY_FOLDER, "pii.key"))
os.environ.setdefault("COFFER_JWT_KEY_FILE", os.path.join(_KEY_FOLDER, "jwt.keys"))
# Tests share one process and reuse ledger names across databases: no witness unless a
# test sets up its own (tests/ledger/test_witness.py).
os.environ.setdefault("COFFER_WITNESS_DIR", "")
# Two test processes (and the servers they start) share PostgreSQL's 100 connections.
os.environ.setdefault("COFFER_DB_POOL_SIZE", "16")


def _pg_problem() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:
        return str(exc)


def pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database, cloned per test."""
    problem = _pg_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {problem}")
        pytest.skip(f"!!! PostgreSQL unreachable, its tests are SKIPPED: {problem}")
    import psycopg

    import coffer

    name = f"coffer_tmpl_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    coffer.open(pg_url(name)).close()
    try:
        yield name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_execute(statement: str) -> None:
    """Run ``statement`` on the admin database; when the server has no connection slot
    free for a moment (two test processes share it), wait for one, up to 30 s."""
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(statement)
            return
        except psycopg.OperationalError as exc:
            if "too many clients" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _fresh_postgres(template: str) -> Iterator[str]:
    name = f"coffer_test_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield pg_url(name)
    finally:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """A URL of a new, empty Coffer database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/coffer.db"
        return
    template = request.getfixturevalue("postgres_template")
    yield from _fresh_postgres(template)


@pytest.fixture
def coffer_db(database_url: str) -> Iterator[object]:
    import coffer

    with coffer.open(database_url) as c:
        yield c


@pytest.fixture(autouse=True)
def _no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Webhook URLs resolve without DNS in tests (no traffic leaves 127.0.0.1): ``localhost``
    to 127.0.0.1, every other name to one public address that nothing ever connects to
    (deliveries in tests go to httpx mock transports or to loopback IP literals)."""

    def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"] if host == "localhost" else ["93.184.216.34"]

    monkeypatch.setattr("coffer.wallets.egress.system_resolver", resolve)


@pytest.fixture(autouse=True)
def _pg_application_name(request: pytest.FixtureRequest) -> Iterator[None]:
    """PostgreSQL connections opened during a test carry its name (pg_stat_activity's
    application_name), so a connection leak or peak names the test that caused it."""
    previous = os.environ.get("PGAPPNAME")
    os.environ["PGAPPNAME"] = request.node.name[:63]
    yield
    if previous is None:
        os.environ.pop("PGAPPNAME", None)
    else:
        os.environ["PGAPPNAME"] = previous
