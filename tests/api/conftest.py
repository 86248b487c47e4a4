"""Fixtures of the HTTP API tests: a fresh database per backend, a live uvicorn server.

Each test module gets its own database on each backend (``new_database`` of
tests/conftest.py, which skips or fails when PostgreSQL is unreachable).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

_KEYS = tempfile.mkdtemp(prefix="coffer-api-keys-")
os.environ.setdefault("COFFER_SIGNING_KEY_FILE", os.path.join(_KEYS, "signing.key"))
os.environ.setdefault("COFFER_PII_KEY_FILE", os.path.join(_KEYS, "pii.key"))
os.environ.setdefault("COFFER_JWT_KEY_FILE", os.path.join(_KEYS, "jwt.keys"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api_database_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    new_database: Callable[[str, Path], contextlib.AbstractContextManager[str]],
) -> Iterator[str]:
    """A new Coffer database (tests/conftest.py) on each backend, for a module's tests."""
    with new_database(request.param, tmp_path_factory.mktemp("api-db")) as url:
        yield url


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
