"""Schemathesis against the OpenAPI of the ASGI app: no 5xx, no response off the schema.

Bounded (a few examples per operation) so it takes well under two minutes. Most generated
cases are pointed at a ledger that exists and holds data, so the checks see real
transactions, accounts and holds, not only 404s.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import coffer
from coffer.api import create_app
from coffer.api.auth import SCOPES, create_client

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
_state: dict[str, Any] = {}


def _seeded_app() -> Any:
    """An app on a fresh SQLite database with a ledger that holds some data.

    Built at import: schemathesis' lazy fixture loader does not support this pytest.
    """
    folder = Path(tempfile.mkdtemp(prefix="coffer-schema-"))
    instance = coffer.open(f"sqlite:///{folder}/coffer.db")
    credentials = create_client(instance.engine, "schema", SCOPES)
    app = create_app(instance)
    client = TestClient(app)
    form = {
        "grant_type": "client_credentials",
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
    }
    access = client.post("/api/auth/oauth/token", data=form).json()["access_token"]
    headers = {"Authorization": f"Bearer {access}"}
    client.post("/api/ledger/v2/main", headers=headers)
    for index in range(5):
        client.post(
            "/api/ledger/v2/main/transactions",
            json={
                "postings": [
                    {
                        "source": "world",
                        "destination": f"users:{index}",
                        "amount": 10**20 + index,
                        "asset": "USD/2",
                    }
                ],
                "metadata": {"index": str(index)},
            },
            headers=headers,
        )
    client.post(
        "/api/ledger/v2/main/holds",
        json={
            "postings": [
                {"source": "users:1", "destination": "shop", "amount": 5, "asset": "USD/2"}
            ]
        },
        headers=headers,
    )
    client.post("/api/ledger/v2/main/checkpoints", headers=headers)
    _state["headers"] = headers
    return app


schema = schemathesis.openapi.from_asgi("/openapi.json", _seeded_app())
_chooser = random.Random(7)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_openapi_conformance(case: Any) -> None:
    if "ledger" in (case.path_parameters or {}) and _chooser.random() < 0.75:
        case.path_parameters["ledger"] = "main"
    if "id" in (case.path_parameters or {}) and _chooser.random() < 0.5:
        case.path_parameters["id"] = _chooser.randrange(0, 6)
    if case.path == "/api/auth/oauth/token":
        case.call_and_validate(checks=CHECKS)
        return
    case.call_and_validate(headers=_state["headers"], checks=CHECKS)
