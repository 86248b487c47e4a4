"""Tokens: signing keys outside the database (kid, rotation, adoption of a stored
secret), revocation of a disabled, deleted or rotated client's tokens, invalid_scope."""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import coffer
from coffer.api import clients as client_service
from coffer.api import create_app
from coffer.api.auth import create_client
from coffer.api.jwt_keys import LEGACY_KID, Keyring, rotate
from coffer.api.settings import ApiSettings
from coffer.api.tables import api_clients, api_secrets
from coffer.cli.main import app as cli
from coffer.identity.audit import list_entries

TOKEN = "/api/auth/oauth/token"
READ = "/api/ledger/v2/main/transactions"


def settings(folder: Path, **overrides: Any) -> ApiSettings:
    values: dict[str, Any] = {
        "jwt_key_file": str(folder / "jwt.keys"),
        "client_check_seconds": 0.3,
        "run_worker": False,
        "log_requests": False,
    }
    return ApiSettings(**{**values, **overrides})


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    instance = coffer.open(database_url)
    instance.ledger("main")
    reader = create_client(instance.engine, "reader", ("ledger:read",))
    app = create_app(instance, api_settings=settings(tmp_path))
    with TestClient(app) as client:
        yield {"client": client, "coffer": instance, "reader": reader, "folder": tmp_path}
    instance.close()


def request_token(client: TestClient, credentials: Any, scope: str | None = None) -> Any:
    form = {
        "grant_type": "client_credentials",
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
    }
    if scope is not None:
        form["scope"] = scope
    return client.post(TOKEN, data=form)


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def read_status(client: TestClient, token: str) -> int:
    return int(client.get(READ, headers=bearer(token)).status_code)


def test_the_signing_key_lives_in_a_private_key_file_and_tokens_name_it(
    served: dict[str, Any],
) -> None:
    client, engine = served["client"], served["coffer"].engine
    response = request_token(client, served["reader"])
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    key_file = served["folder"] / "jwt.keys"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    kids = [key["kid"] for key in json.loads(key_file.read_text())["keys"]]
    assert jwt.get_unverified_header(token)["kid"] in kids
    assert jwt.decode(token, options={"verify_signature": False})["ver"] == 1
    with engine.connect() as connection:
        assert connection.execute(sa.select(api_secrets)).fetchall() == []


def test_rotating_the_key_keeps_earlier_tokens_valid(served: dict[str, Any]) -> None:
    client = served["client"]
    old = request_token(client, served["reader"]).json()["access_token"]
    keyring = client.app.state.server.authority.keyring  # type: ignore[attr-defined]
    before = keyring.current.kid
    fresh, _dropped = rotate(Keyring(served["folder"] / "jwt.keys"))  # as another process
    keyring.refresh(force=True)
    new = request_token(client, served["reader"]).json()["access_token"]
    assert jwt.get_unverified_header(new)["kid"] == fresh.kid != before
    assert read_status(client, old) == 200
    assert read_status(client, new) == 200
    url = served["coffer"].url.render_as_string(hide_password=False).replace("+psycopg", "")
    env = {"COFFER_JWT_KEY_FILE": str(served["folder"] / "jwt.keys")}
    result = CliRunner().invoke(cli, ["keys", "rotate-jwt", "--database", url], env=env)
    assert result.exit_code == 0, result.output
    keyring.refresh(force=True)
    assert len(keyring.kids()) == 3 and keyring.current.kid != fresh.kid
    assert read_status(client, old) == 200 and read_status(client, new) == 200
    rotations = list_entries(served["coffer"].engine, action="keys.jwt_rotated")
    assert [entry.target for entry in rotations] == [keyring.current.kid]


def test_a_secret_stored_in_the_database_moves_to_the_key_file(
    database_url: str, tmp_path: Path
) -> None:
    """A database from before key files: its stored secret still verifies the tokens it
    signed (no kid, no version claim), and is deleted from the table."""
    legacy_secret = "an-old-secret-kept-in-the-database-in-clear-text"
    with coffer.open(database_url) as instance:
        instance.ledger("main")
        reader = create_client(instance.engine, "reader", ("ledger:read",))
        with instance.engine.begin() as connection:
            connection.execute(
                api_secrets.insert().values(name="jwt", value=legacy_secret, created_at=1)
            )
        now = int(time.time())
        old_token = jwt.encode(
            {
                "iss": "coffer",
                "sub": reader.client_id,
                "iat": now,
                "exp": now + 600,
                "scope": "ledger:read",
            },
            legacy_secret,
            algorithm="HS256",
        )
        app = create_app(instance, api_settings=settings(tmp_path))
        with TestClient(app) as client:
            assert read_status(client, old_token) == 200
        with instance.engine.connect() as connection:
            assert connection.execute(sa.select(api_secrets)).fetchall() == []
        keys = json.loads((tmp_path / "jwt.keys").read_text())["keys"]
        assert [k["secret"] for k in keys if k["kid"] == LEGACY_KID] == [legacy_secret]
        assert [e.action for e in list_entries(instance.engine, action="keys.*")] == [
            "keys.jwt_secret_moved"
        ]


def test_disable_enable_delete_and_rotate_take_effect_at_once(served: dict[str, Any]) -> None:
    client, engine = served["client"], served["coffer"].engine
    reader = served["reader"]
    token = request_token(client, reader).json()["access_token"]
    assert read_status(client, token) == 200
    client_service.set_disabled(engine, reader.client_id, True, actor="test")
    assert read_status(client, token) == 401
    assert request_token(client, reader).status_code == 401
    client_service.set_disabled(engine, reader.client_id, False, actor="test")
    assert read_status(client, token) == 200
    rotated = client_service.rotate_secret(engine, reader.client_id, actor="test")
    assert read_status(client, token) == 401
    assert request_token(client, reader).status_code == 401  # the old secret
    fresh = request_token(client, rotated).json()["access_token"]
    assert read_status(client, fresh) == 200
    client_service.delete_client(engine, reader.client_id, actor="test")
    assert read_status(client, fresh) == 401
    actions = [e.action for e in list_entries(engine, action="client.*")]
    assert actions == [
        "client.deleted",
        "client.secret_rotated",
        "client.enabled",
        "client.disabled",
        "client.created",
    ]


def test_a_change_made_by_another_process_is_seen_within_the_bound(
    served: dict[str, Any],
) -> None:
    client, engine = served["client"], served["coffer"].engine
    token = request_token(client, served["reader"]).json()["access_token"]
    assert read_status(client, token) == 200
    with engine.begin() as connection:  # as `coffer clients disable` in another process
        connection.execute(
            api_clients.update()
            .where(api_clients.c.id == served["reader"].client_id)
            .values(disabled=True)
        )
    time.sleep(0.4)  # client_check_seconds is 0.3 here
    assert read_status(client, token) == 401


def test_the_cli_disables_enables_rotates_and_deletes(served: dict[str, Any]) -> None:
    client = served["client"]
    url = served["coffer"].url.render_as_string(hide_password=False)
    env = {"COFFER_DATABASE_URL": url.replace("+psycopg", "")}
    client_id = served["reader"].client_id
    token = request_token(client, served["reader"]).json()["access_token"]
    runner = CliRunner()
    assert runner.invoke(cli, ["clients", "disable", client_id], env=env).exit_code == 0
    time.sleep(0.4)
    assert read_status(client, token) == 401
    assert runner.invoke(cli, ["clients", "enable", client_id], env=env).exit_code == 0
    time.sleep(0.4)
    assert read_status(client, token) == 200
    listed = runner.invoke(cli, ["clients", "list"], env=env)
    assert client_id in listed.output and "enabled" in listed.output
    rotated = runner.invoke(cli, ["clients", "rotate-secret", client_id], env=env)
    assert rotated.exit_code == 0, rotated.output
    secret = rotated.output.split("client_secret: ")[1].split()[0]
    time.sleep(0.4)
    assert read_status(client, token) == 401
    new = client_service.ClientCredentials(client_id, secret, "reader", ("ledger:read",))
    assert request_token(client, new).status_code == 200
    assert runner.invoke(cli, ["clients", "delete", client_id], env=env).exit_code == 0
    assert request_token(client, new).status_code == 401
    missing = runner.invoke(cli, ["clients", "disable", client_id], env=env)
    assert missing.exit_code == 2 and "no client" in missing.output
    audit = runner.invoke(cli, ["audit", "--action", "client.*", "--limit", "10"], env=env)
    assert audit.exit_code == 0
    assert "client.deleted" in audit.output and "cli:" in audit.output


def test_scopes_the_client_lacks_answer_invalid_scope(served: dict[str, Any]) -> None:
    client, reader = served["client"], served["reader"]
    for scope in ("ledger:write", "ledger:read ledger:write", "root", "admin"):
        response = request_token(client, reader, scope)
        assert response.status_code == 400, (scope, response.text)
        assert response.json()["error"] == "invalid_scope"
    granted = request_token(client, reader, "ledger:read")
    assert granted.status_code == 200 and granted.json()["scope"] == "ledger:read"
    default = request_token(client, reader)
    assert default.status_code == 200 and default.json()["scope"] == "ledger:read"


def test_a_token_with_an_unknown_kid_or_a_forged_version_is_refused(
    served: dict[str, Any],
) -> None:
    client = served["client"]
    key = client.app.state.server.authority.keyring.current  # type: ignore[attr-defined]
    now = int(time.time())
    claims = {
        "iss": "coffer",
        "sub": served["reader"].client_id,
        "iat": now,
        "exp": now + 600,
        "scope": "ledger:read",
    }
    unknown_kid = jwt.encode(claims, key.secret, algorithm="HS256", headers={"kid": "k-nope"})
    other_version = jwt.encode(
        {**claims, "ver": 2}, key.secret, algorithm="HS256", headers={"kid": key.kid}
    )
    ghost = jwt.encode(
        {**claims, "sub": "cl_ghost", "ver": 1},
        key.secret,
        algorithm="HS256",
        headers={"kid": key.kid},
    )
    for token in (unknown_kid, other_version, ghost):
        assert read_status(client, token) == 401
