"""Fixtures of the HTTP API tests: a fresh database per backend, a live uvicorn server.

PostgreSQL is the local server (trust auth, user root): each test module gets its own
``coffer_api_<random>`` database, dropped afterwards. When PostgreSQL is unreachable its
tests are skipped loudly, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PG_ADMIN_URL = os.environ.get("COFFER_TEST_PG", "postgresql://root@127.0.0.1:5432/postgres")
_KEYS = tempfile.mkdtemp(prefix="coffer-api-keys-")
os.environ.setdefault("COFFER_SIGNING_KEY_FILE", os.path.join(_KEYS, "signing.key"))
os.environ.setdefault("COFFER_PII_KEY_FILE", os.path.join(_KEYS, "pii.key"))
os.environ.setdefault("COFFER_JWT_KEY_FILE", os.path.join(_KEYS, "jwt.keys"))


def _pg_problem() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:
        return str(exc)


def _require_postgres() -> None:
    problem = _pg_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {problem}")
        pytest.skip(f"!!! PostgreSQL unreachable, its API tests are SKIPPED: {problem}")


def new_database(backend: str, folder: Path) -> Iterator[str]:
    """A URL of a new, empty database on ``backend`` (dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder}/coffer-{uuid.uuid4().hex[:8]}.db"
        return
    _require_postgres()
    import psycopg

    name = f"coffer_api_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    yield from new_database(request.param, tmp_path_factory.mktemp("api-db"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/coffer.db"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Client:
    client_id: str
    client_secret: str


@dataclass
class LiveServer:
    base_url: str
    database_url: str
    writer: Client
    reader: Client
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(
    database_url: str,
    folder: Path,
    *,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> tuple[subprocess.Popen[bytes], str, Path]:
    import httpx

    port = free_port()
    log_path = folder / f"server-{port}.log"
    environment = {
        **os.environ,
        "COFFER_DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "coffer.cli.main", "serve", "--port", str(port), *args],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return process, base_url, log_path
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the server did not start:\n{log_path.read_text()}")


def stop_server(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


@pytest.fixture(scope="module")
def live_server(
    api_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """``coffer serve`` in a subprocess on a free loopback port, with two clients."""
    import coffer
    from coffer.api.auth import create_client

    with coffer.open(api_database_url) as instance:
        writer = create_client(instance.engine, "writer", ("ledger:read", "ledger:write"))
        reader = create_client(instance.engine, "reader", ("ledger:read",))
    process, base_url, log_path = start_server(api_database_url, tmp_path_factory.mktemp("server"))
    try:
        yield LiveServer(
            base_url=base_url,
            database_url=api_database_url,
            writer=Client(writer.client_id, writer.client_secret),
            reader=Client(reader.client_id, reader.client_secret),
            process=process,
            log_path=log_path,
        )
    finally:
        stop_server(process)


@pytest.fixture
def server_control() -> tuple[Any, Any]:
    """(start_server, stop_server), for tests that run ``coffer serve`` themselves."""
    return start_server, stop_server
