"""Platforms: creation (audited), listing, resolution by id or name, clients joined to a
platform, and migrating a single-platform database into the default platform."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

import coffer
from coffer.api.clients import create_client, list_clients
from coffer.cli.main import app
from coffer.errors import Conflict, PlatformNotFound, ValidationError
from coffer.identity.audit import list_entries
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.platforms.service import create_platform, list_platforms, resolve_platform
from coffer.settings import Settings


@pytest.fixture
def instance(database_url: str, tmp_path: os.PathLike[str]) -> Iterator[coffer.Coffer]:
    settings = Settings(signing_key_file=os.path.join(tmp_path, "signing.key"))
    with coffer.open(database_url, settings=settings) as opened:
        yield opened


def test_the_default_platform_exists_and_others_are_created(instance: coffer.Coffer) -> None:
    engine = instance.engine
    assert [(p.id, p.mode) for p in list_platforms(engine)] == [(DEFAULT_PLATFORM_ID, "sandbox")]
    acme = create_platform(engine, "acme", "live", actor="cli:tester")
    assert acme.id.startswith("plat_") and acme.live
    assert resolve_platform(engine, "acme") == acme == resolve_platform(engine, acme.id)
    with pytest.raises(Conflict):
        create_platform(engine, "acme")
    with pytest.raises(ValidationError):
        create_platform(engine, "other", "production")
    with pytest.raises(ValidationError):
        create_platform(engine, "")
    with pytest.raises(PlatformNotFound):
        resolve_platform(engine, "nobody")
    entries = list_entries(engine, action="platform.created", limit=10)
    assert [(e.target, e.actor, e.details["mode"]) for e in entries] == [
        (acme.id, "cli:tester", "live")
    ]


def test_clients_belong_to_a_platform(instance: coffer.Coffer) -> None:
    engine = instance.engine
    acme = create_platform(engine, "acme")
    first = create_client(engine, "default one", ("ledger:read",))
    second = create_client(engine, "acme one", ("ledger:read",), platform_id=acme.id)
    by_id = {row.id: row.platform_id for row in list_clients(engine)}
    assert by_id == {first.client_id: DEFAULT_PLATFORM_ID, second.client_id: acme.id}
    with pytest.raises(PlatformNotFound):
        create_client(engine, "lost", ("ledger:read",), platform_id="plat_nowhere")


def test_cli_platforms_and_clients(database_url: str, tmp_path: os.PathLike[str]) -> None:
    runner = CliRunner()
    env = {"COFFER_SIGNING_KEY_FILE": os.path.join(tmp_path, "signing.key")}
    made = runner.invoke(
        app, ["platforms", "create", "shop", "--mode", "live", "--database", database_url], env=env
    )
    assert made.exit_code == 0, made.output
    platform_id = made.output.split("platform_id: ")[1].split()[0]
    listed = runner.invoke(app, ["platforms", "list", "--database", database_url], env=env)
    assert platform_id in listed.output and "live" in listed.output
    client = runner.invoke(
        app,
        ["clients", "create", "api", "--platform", "shop", "--database", database_url],
        env=env,
    )
    assert client.exit_code == 0 and f"platform_id: {platform_id}" in client.output
    wrong = runner.invoke(
        app,
        ["clients", "create", "api", "--platform", "nope", "--database", database_url],
        env=env,
    )
    assert wrong.exit_code == 2 and "no platform" in wrong.output
    sandbox = runner.invoke(
        app,
        [
            "sandbox",
            "bank-transfer",
            "CFR123",
            "100",
            "EUR",
            "--platform",
            "shop",
            "--database",
            database_url,
        ],
        env=env,
    )
    assert sandbox.exit_code == 1 and "sandbox_only" in sandbox.output


def test_a_single_platform_database_migrates_into_the_default_platform(
    tmp_path: os.PathLike[str],
) -> None:
    """Rows written before 0019 belong to plat_default; the wallets ledger is a system
    ledger of it."""
    import sqlalchemy as sa
    from alembic import command

    from coffer.db.migrate import _config

    url = f"sqlite:///{tmp_path}/old.db"
    engine = sa.create_engine(url)
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0018_security")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO ledgers (name, created_at, metadata, bucket, features, next_seq,"
                " head_hash, next_tx_id, next_hold_id) VALUES ('wallets', 0, '{}', '_default',"
                " '{}', 0, x'00', 0, 0)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO wallet_idempotency_keys (key, request_hash, resource_type,"
                " resource_id, created_at) VALUES ('k1', 'h', 'customer', 'cus_1', 0)"
            )
        )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0019_platforms")
    with engine.connect() as connection:
        ledger = connection.execute(sa.text("SELECT platform_id, system FROM ledgers")).one()
        key = connection.execute(
            sa.text("SELECT platform_id, key FROM wallet_idempotency_keys")
        ).one()
    assert ledger[0] == DEFAULT_PLATFORM_ID and bool(ledger[1])
    assert tuple(key) == (DEFAULT_PLATFORM_ID, "k1")
    engine.dispose()
