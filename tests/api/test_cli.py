"""``coffer clients create`` and ``coffer serve`` (first run prints a client; SIGTERM stops
cleanly)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from coffer.api.clients import DEFAULT_SCOPES
from coffer.cli.main import app

CREDENTIALS = re.compile(r"client_id: (\S+)\nclient_secret: (\S+)")


def _token(
    base_url: str, client_id: str, client_secret: str, scope: str | None = None
) -> dict[str, Any]:
    form = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
    }
    if scope:
        form["scope"] = scope
    response = httpx.post(f"{base_url}/api/auth/oauth/token", data=form, timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _create_client(database_url: str, name: str, scopes: str) -> tuple[str, str]:
    """``coffer clients create``: the new client's id and secret, as printed."""
    result = CliRunner().invoke(
        app,
        ["clients", "create", name, "--scopes", scopes],
        env={"COFFER_DATABASE_URL": database_url},
    )
    assert result.exit_code == 0, result.output
    created = CREDENTIALS.search(result.output)
    assert created, result.output
    return created.group(1), created.group(2)


def test_clients_create_and_first_serve(
    api_database_url: str, tmp_path: Path, server_control: tuple[Any, Any]
) -> None:
    start_server, stop_server = server_control
    process, base_url, log_path = start_server(api_database_url, tmp_path)
    try:
        deadline = time.monotonic() + 30
        # token_url is printed after the secret: wait for it, not for a half-written line
        while "operator_password:" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        found = CREDENTIALS.search(log_path.read_text())
        console = re.search(
            r"console: (\S+)\n.*\noperator_email: (\S+)\noperator_password: (\S+)",
            log_path.read_text(),
        )
        assert console, log_path.read_text()
        assert console.group(1) == f"{base_url}/console/"
        with httpx.Client(base_url=base_url, timeout=30) as browser:
            form = browser.get("/console/sign-in")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token
            signed_in = browser.post(
                "/console/sign-in",
                data={
                    "email": console.group(2),
                    "password": console.group(3),
                    "csrf_token": token.group(1),
                },
            )
            # the first operator is an admin: TOTP is set up before anything else
            assert signed_in.status_code == 303
            assert browser.get("/console/").headers["location"] == "/console/security"
        assert found, log_path.read_text()
        body = _token(base_url, found.group(1), found.group(2))
        assert body["scope"] == " ".join(DEFAULT_SCOPES)
        client_id, secret = _create_client(api_database_url, "reporting", "ledger:read")
        read_only = _token(base_url, client_id, secret)
        assert read_only["scope"] == "ledger:read"
        headers = {"Authorization": f"Bearer {read_only['access_token']}"}
        denied = httpx.post(f"{base_url}/api/ledger/v2/main", headers=headers, timeout=10)
        assert denied.status_code == 403
        bad = CliRunner().invoke(
            app,
            ["clients", "create", "x", "--scopes", "root"],
            env={"COFFER_DATABASE_URL": api_database_url},
        )
        assert bad.exit_code == 2
    finally:
        # uvicorn re-raises the signal after its graceful shutdown
        assert stop_server(process) in (0, -15)
    log = log_path.read_text()
    assert '"message": "coffer api stopped"' in log
    # a second start on the same database does not create another client
    process, base_url, log_path = start_server(api_database_url, tmp_path)
    try:
        time.sleep(0.3)
        assert "client_secret" not in log_path.read_text()
        assert "operator_password" not in log_path.read_text()
    finally:
        stop_server(process)


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="threads are pinned on Linux only")
def test_serve_pin_cpu_keeps_every_thread_on_one_cpu(
    api_database_url: str, tmp_path: Path, server_control: tuple[Any, Any]
) -> None:
    start_server, stop_server = server_control
    process, base_url, log_path = start_server(api_database_url, tmp_path, args=("--pin-cpu",))
    try:
        found = re.search(r"pinned to CPU (\d+)", log_path.read_text())
        assert found, log_path.read_text()
        cpu = int(found.group(1))
        # requests start the thread pool's threads, and the ledger's after a write
        client_id, secret = _create_client(api_database_url, "pinned", "ledger:read,ledger:write")
        token = _token(base_url, client_id, secret)["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        httpx.post(f"{base_url}/api/ledger/v2/main", headers=headers, timeout=10)
        created = httpx.post(
            f"{base_url}/api/ledger/v2/main/transactions",
            json={"postings": [{"source": "world", "destination": "a", "amount": 1, "asset": "X"}]},
            headers=headers,
            timeout=10,
        )
        assert created.status_code == 200, created.text
        tasks = os.listdir(f"/proc/{process.pid}/task")
        assert len(tasks) > 2
        for task in tasks:
            assert os.sched_getaffinity(int(task)) == {cpu}, task
    finally:
        stop_server(process)
