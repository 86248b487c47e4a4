"""Every administrative and security-relevant action reaches the audit log with who, what,
when and from where, through the real HTTP app: KYC reviews, wallet freeze/unfreeze/close,
webhook endpoints, erasure, export, consents, key rotation, API clients, and refused bearer
tokens (counted per window, so a flood cannot fill the database)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import coffer
from coffer.api import create_app
from coffer.api.auth import create_client
from coffer.api.clients import rotate_secret, set_disabled
from coffer.api.settings import ApiSettings
from coffer.cli.main import app as cli
from coffer.identity.audit import list_entries, verify_audit_chain
from coffer.settings import Settings
from coffer.wallets import WalletSettings, open_wallets

PII_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
PREFIX = "/api/wallets/v1"


@pytest.fixture
def instance(database_url: str, tmp_path: Path) -> Iterator[coffer.Coffer]:
    settings = Settings(signing_key_file=str(tmp_path / "signing.key"))
    with coffer.open(database_url, settings=settings) as opened:
        yield opened


@pytest.fixture
def served(instance: coffer.Coffer, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """The API app with a wallets:read/write client's token; and its client id."""
    settings = ApiSettings(jwt_key_file=str(tmp_path / "jwt.keys"), run_worker=False)
    app = create_app(instance, api_settings=settings)
    app.state.wallets = open_wallets(instance, WalletSettings(pii_key=PII_KEY, pii_key_id="t1"))
    credentials = create_client(instance.engine, "ops", ("wallets:read", "wallets:write"))
    with TestClient(app) as client:
        answer = client.post(
            "/api/auth/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
            },
        )
        assert answer.status_code == 200, answer.text
        client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        yield client, credentials.client_id


def _post(client: TestClient, path: str, body: Any = None, status: int = 200) -> Any:
    response = client.post(PREFIX + path, json=body)
    assert response.status_code == status, response.text
    return response.json()


def _entry(instance: coffer.Coffer, action: str) -> Any:
    entries = list_entries(instance.engine, action=action)
    assert entries, f"no {action} entry"
    return entries[0]


def test_wallet_actions_are_audited_with_who_and_from_where(
    served: tuple[TestClient, str], instance: coffer.Coffer
) -> None:
    client, client_id = served
    customer = _post(client, "/customers", {"kind": "natural", "name": "Ana Lyse"}, 201)
    document = _post(
        client,
        f"/customers/{customer['id']}/kyc_documents",
        {"type": "identity_proof", "name": "to review.pdf"},
        201,
    )
    _post(client, f"/kyc_documents/{document['id']}/review", {"decision": "approve"})
    wallet = _post(client, "/wallets", {"customer_id": customer["id"], "currency": "EUR"}, 201)
    for action in ("freeze", "unfreeze", "close"):
        _post(client, f"/wallets/{wallet['id']}/{action}")
    endpoint = _post(
        client, "/webhook_endpoints", {"url": "https://example.org/hook", "event_types": ["*"]}, 201
    )
    _post(client, f"/webhook_endpoints/{endpoint['id']}/disable")
    _post(
        client,
        f"/customers/{customer['id']}/consents",
        {"type": "terms", "version": "2025-01", "status": "granted"},
        201,
    )
    consents = client.get(f"{PREFIX}/customers/{customer['id']}/consents").json()
    assert consents["current"]["terms"]["recorded_by"] == client_id
    exported = client.get(f"{PREFIX}/customers/{customer['id']}/export")
    assert exported.status_code == 200
    assert exported.json()["customer"]["name"] == "Ana Lyse"
    assert exported.json()["consents"][0]["version"] == "2025-01"
    erased = _post(client, f"/customers/{customer['id']}/erase")
    assert erased["erased_at"] is not None and erased["name"] == ""

    expected = {
        "kyc_document.reviewed": document["id"],
        "wallet.frozen": wallet["id"],
        "wallet.unfrozen": wallet["id"],
        "wallet.closed": wallet["id"],
        "webhook_endpoint.created": endpoint["id"],
        "webhook_endpoint.disabled": endpoint["id"],
        "customer.exported": customer["id"],
        "customer.erased": customer["id"],
    }
    for action, target in expected.items():
        entry = _entry(instance, action)
        assert (entry.actor, entry.target, entry.address) == (client_id, target, "testclient")
    assert _entry(instance, "kyc_document.reviewed").details["decision"] == "approve"
    assert _entry(instance, "webhook_endpoint.created").details["url"] == "https://example.org/hook"
    assert verify_audit_chain(instance.engine).ok


def test_automatic_kyc_reviews_are_audited_as_the_system(instance: coffer.Coffer) -> None:
    platform = open_wallets(instance, WalletSettings(pii_key=PII_KEY, pii_key_id="t1"))
    from coffer.wallets import schemas as S

    customer = platform.wallets.create_customer(S.CustomerCreate(kind="legal", name="Acme"))
    platform.wallets.submit_kyc_document(
        customer.id, S.KycDocumentCreate(type="registration_proof", name="refuse.pdf")
    )
    entry = _entry(instance, "kyc_document.reviewed")
    assert entry.actor == "system:sandbox_reviewer"
    assert entry.details == {
        "customer_id": customer.id,
        "decision": "refuse",
        "level": "verified",
        "reason": "unreadable",
    }


def test_refused_tokens_are_counted_into_bounded_entries(
    served: tuple[TestClient, str], instance: coffer.Coffer
) -> None:
    client, _ = served
    refusals = client.app.state.server.authority.refusals  # type: ignore[attr-defined]
    refusals.flush(force=True)  # start from an empty window
    for _ in range(50):
        assert (
            client.get(f"{PREFIX}/customers", headers={"Authorization": "Bearer junk"}).status_code
            == 401
        )
    for _ in range(3):
        assert client.get(f"{PREFIX}/customers", headers={"Authorization": ""}).status_code == 401
    reader = create_client(instance.engine, "reader", ("ledger:read",))
    token = client.post(
        "/api/auth/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": reader.client_id,
            "client_secret": reader.client_secret,
        },
    ).json()["access_token"]
    forbidden = client.get(f"{PREFIX}/customers", headers={"Authorization": f"Bearer {token}"})
    assert forbidden.status_code == 403
    # nothing written in the request path; one entry per (address, reason, client) per window
    assert list_entries(instance.engine, action="request.refused") == []
    assert refusals.flush() == 0  # the window has not ended
    assert refusals.flush(force=True) == 3
    entries = {
        e.details["reason"]: e for e in list_entries(instance.engine, action="request.refused")
    }
    assert entries["invalid"].details["count"] == 50 and entries["invalid"].address == "testclient"
    assert entries["missing"].details["count"] == 3
    assert entries["scope"].actor == reader.client_id
    # a flood from more sources than a window keeps: the rest share one overflow entry
    refusals.max_keys = 5
    for n in range(40):
        refusals.note(f"203.0.113.{n}", "invalid")
    assert refusals.flush(force=True) == 6
    overflow = list_entries(instance.engine, action="request.refused")[0]
    assert overflow.address == "*" and overflow.details["count"] == 35
    assert verify_audit_chain(instance.engine).ok


def test_a_revoked_clients_refused_token_names_the_client(
    served: tuple[TestClient, str], instance: coffer.Coffer
) -> None:
    client, client_id = served
    set_disabled(instance.engine, client_id, True, actor="cli:admin")
    assert client.get(f"{PREFIX}/customers").status_code == 401
    refusals = client.app.state.server.authority.refusals  # type: ignore[attr-defined]
    refusals.flush(force=True)
    entry = _entry(instance, "request.refused")
    assert (entry.actor, entry.details["reason"]) == (client_id, "client_revoked")


def test_client_changes_are_audited(instance: coffer.Coffer) -> None:
    credentials = create_client(instance.engine, "partner", ("ledger:read",), actor="cli:admin")
    set_disabled(instance.engine, credentials.client_id, True, actor="cli:admin")
    rotate_secret(instance.engine, credentials.client_id, actor="cli:admin", address="192.0.2.9")
    for action in ("client.created", "client.disabled", "client.secret_rotated"):
        entry = _entry(instance, action)
        assert (entry.actor, entry.target) == ("cli:admin", credentials.client_id)
    assert _entry(instance, "client.secret_rotated").address == "192.0.2.9"


def test_cli_erase_export_and_rotate_are_audited(
    instance: coffer.Coffer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "pii.key"
    monkeypatch.setenv("COFFER_PII_KEY_FILE", str(key_file))
    monkeypatch.delenv("COFFER_PII_KEY", raising=False)
    platform = open_wallets(instance, WalletSettings())
    from coffer.wallets import schemas as S

    customer = platform.wallets.create_customer(
        S.CustomerCreate(kind="natural", name="Cli Person", metadata={"phone": "+44 20 7946 0000"})
    )
    url = instance.url.render_as_string(hide_password=False).replace("+psycopg", "")
    runner = CliRunner()
    out = tmp_path / "export.json"
    result = runner.invoke(
        cli, ["customers", "export", customer.id, "-o", str(out), "--database", url]
    )
    assert result.exit_code == 0, result.output
    assert '"+44 20 7946 0000"' in out.read_text() and out.stat().st_mode & 0o777 == 0o600
    result = runner.invoke(cli, ["keys", "rotate", "--database", url])
    assert result.exit_code == 0, result.output
    assert "customer data keys re-wrapped: 1" in result.output
    assert (
        open_wallets(instance, WalletSettings()).wallets.customer(customer.id).name == "Cli Person"
    )
    result = runner.invoke(cli, ["customers", "erase", customer.id, "--yes", "--database", url])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["privacy", "retention", "--database", url])
    assert result.exit_code == 0 and "dry run" in result.output
    for action in ("customer.exported", "keys.pii_rotated", "customer.erased"):
        assert _entry(instance, action).actor.startswith("cli:")
    assert verify_audit_chain(instance.engine).ok and instance.verify().ok
