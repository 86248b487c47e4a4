"""PostgreSQL ends every connection (a restart, a failover, an administrator): reads
through the HTTP API run once more on a new connection, and other requests answer 503
``database_unavailable`` with ``Retry-After`` instead of a bare 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

import coffer
from coffer.api import create_app
from coffer.api.auth import create_client
from coffer.api.settings import ApiSettings
from dbtools import end_connections

LEDGER = "/api/ledger/v2/main"


def test_requests_after_postgresql_ends_the_connections(api_database_url: str) -> None:
    if not api_database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to end connections")
    instance = coffer.open(api_database_url)
    writer = create_client(instance.engine, "restart", ("ledger:read", "ledger:write"))
    form = {
        "grant_type": "client_credentials",
        "client_id": writer.client_id,
        "client_secret": writer.client_secret,
    }
    try:
        # no background worker: its polls would meet the ended connections first and
        # refresh the pool before the requests under test do
        app = create_app(instance, api_settings=ApiSettings(run_worker=False))
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.post("/api/auth/oauth/token", data=form)
            headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
            client.post(LEDGER, headers=headers)
            posting = {"source": "world", "destination": "users:a", "amount": 5, "asset": "EUR"}
            created = client.post(
                f"{LEDGER}/transactions", json={"postings": [posting]}, headers=headers
            )
            assert created.status_code == 200, created.text

            def accounts() -> Any:
                return client.get(
                    f"{LEDGER}/accounts", params={"expand": "volumes"}, headers=headers
                )

            for _ in range(3):  # several pooled connections in use
                assert accounts().status_code == 200
            assert end_connections(api_database_url) > 0
            after = accounts()
            assert after.status_code == 200, after.text
            volumes = {a["address"]: a["volumes"] for a in after.json()["cursor"]["data"]}
            assert volumes["users:a"]["EUR"]["balance"] == 5
            listed = client.get(f"{LEDGER}/transactions", headers=headers)
            assert listed.status_code == 200 and len(listed.json()["cursor"]["data"]) == 1

            # A request that is not a read is not run again: 503, retry later.
            for _ in range(3):
                assert client.post("/api/auth/oauth/token", data=form).status_code == 200
            assert end_connections(api_database_url) > 0
            refused = client.post("/api/auth/oauth/token", data=form)
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"] == "1"
            assert refused.json()["details"] == "database_unavailable"
            assert client.post("/api/auth/oauth/token", data=form).status_code == 200
    finally:
        instance.close()
