"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is the local server (trust auth, user root). Each test gets a fresh database
cloned from a migrated template (reset and reused: :class:`PostgresClones`), and on SQLite
a copy of a migrated file, so tests never see each other's rows. When PostgreSQL is
unreachable its tests are skipped loudly, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import pgclones

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
    import coffer

    name = f"coffer_tmpl_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    coffer.open(pg_url(name)).close()
    try:
        yield name
    finally:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_execute(statement: str) -> None:
    """Run ``statement`` on the admin database; when the server has no connection slot
    free for a moment (two test processes share it), wait for one, up to 30 s."""
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(
                PG_ADMIN_URL, autocommit=True, application_name="coffer-test-admin"
            ) as admin:
                admin.execute(statement)
            return
        except psycopg.OperationalError as exc:
            if "too many clients" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


class PostgresClones:
    """Clones of the template, each reset to the template's state after a test and handed
    to the next (see tests/pgclones.py); a clone that cannot be reset is dropped."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.state = pgclones.read_template(pg_url(template))
        self._free: list[str] = []
        self._made: list[str] = []

    def take(self) -> str:
        """The name of a database as the template is, no other test using it."""
        if self._free:
            return self._free.pop()
        name = pgclones.new_name()
        _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self._made.append(name)
        return name

    def release(self, name: str) -> None:
        try:
            reusable = pgclones.reset(pg_url(name), self.state)
        except Exception:
            reusable = False
        if reusable:
            self._free.append(name)
            return
        self._made.remove(name)
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        for name in self._made:
            _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_clones(postgres_template: str) -> Iterator[PostgresClones]:
    clones = PostgresClones(postgres_template)
    try:
        yield clones
    finally:
        clones.close()


def _fresh_postgres(clones: PostgresClones) -> Iterator[str]:
    name = clones.take()
    try:
        yield pg_url(name)
    finally:
        clones.release(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database file, copied per test (migrating a new file takes most
    of a second; copying one, milliseconds)."""
    import coffer

    path = tmp_path_factory.mktemp("sqlite-template") / "coffer.db"
    coffer.open(f"sqlite:///{path}").close()
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
    return path


def fresh_sqlite(template: Path, folder: Path | str, name: str = "coffer.db") -> str:
    """The URL of a copy of the migrated ``template`` at ``folder``/``name``."""
    target = Path(folder) / name
    shutil.copy(template, target)  # with its mode: 0600, as Coffer makes its files
    return f"sqlite:///{target}"


@contextlib.contextmanager
def _new_database(request: pytest.FixtureRequest, backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        name = f"coffer-{uuid.uuid4().hex[:8]}.db"
        yield fresh_sqlite(request.getfixturevalue("sqlite_template"), folder, name)
        return
    yield from _fresh_postgres(request.getfixturevalue("postgres_clones"))


@pytest.fixture(scope="session")
def new_database(
    request: pytest.FixtureRequest,
) -> Callable[[str, Path], contextlib.AbstractContextManager[str]]:
    """For fixtures wider than a test: ``with new_database(backend, folder) as url:`` a
    new Coffer database (migrated, no rows of any test) on ``backend``."""
    return functools.partial(_new_database, request)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a new Coffer database (migrated, no rows of any test) on each backend."""
    with _new_database(request, request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A URL of a new Coffer database on SQLite (migrated, no rows of any test)."""
    return fresh_sqlite(sqlite_template, tmp_path)


@pytest.fixture
def coffer_db(database_url: str) -> Iterator[object]:
    import coffer

    with coffer.open(database_url) as c:
        yield c


@pytest.fixture(scope="session", autouse=True)
def _cheap_argon2() -> Iterator[None]:
    """Passwords and client secrets hashed with Argon2id at its lowest cost in this process:
    the tests check who gets in and who does not, never the cost, and argon2-cffi's default
    (64 MiB, three passes) takes most of a second on a busy 2-core machine. A hash keeps
    its parameters, so what a server in a subprocess hashes still verifies here, and the
    other way round."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        for module in (
            "coffer.api.auth",
            "coffer.api.clients",
            "coffer.identity.factors.passwords",
        ):
            patch.setattr(f"{module}._hasher", cheap)
        patch.setattr(
            "coffer.identity.factors.passwords._DUMMY_HASH", cheap.hash("no such account")
        )
        yield


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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files of slow tests (``slow``, ``browser``) run first, each file's tests still
    together and in their order: with two workers, a long test started last would leave
    the other worker idle until it ends."""
    slow = {item.path for item in items if item.get_closest_marker("slow") is not None}
    slow |= {item.path for item in items if item.get_closest_marker("browser") is not None}
    items.sort(key=lambda item: item.path not in slow)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``-n``'s default distribution hands each worker a fixed run of tests; work stealing
    lets an idle worker take the other's pending ones (``--dist`` given: that one)."""
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import WorkStealingScheduling

    return WorkStealingScheduling(config, log)
