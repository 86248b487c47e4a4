"""The registry of master-key sealed columns: every domain's columns are re-sealed by
``coffer keys rotate``, so ``--drop-old`` strands none (an automation's inbound webhook
secret, outside wallets, keeps signing with the same secret; TOTP secrets, sealed or
still in clear from before migration 0034, keep giving the same codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
import sqlalchemy as sa
from tests.automations.test_endpoints import sign

import coffer
from coffer.automations import open_automations
from coffer.automations import schemas as A
from coffer.automations.settings import AutomationSettings
from coffer.identity.factors import repository as FR
from coffer.identity.factors import service as F
from coffer.identity.factors import totp
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.platforms.sealed import registered
from coffer.wallets import WalletSettings, open_wallets
from coffer.wallets.privacy.rotation import rotate


def test_every_domain_registers_its_sealed_columns() -> None:
    names = {column.name for column in registered()}
    assert {
        "wallet_webhook_endpoints.secret_enc",
        "wallet_idempotency_keys.response_enc",
        "automations.webhook_secret_enc",
        "totp_factors.secret",
    } <= names


def test_rotate_drop_old_keeps_an_automations_webhook_secret(
    coffer_db: coffer.Coffer, tmp_path: Path
) -> None:
    settings = WalletSettings(pii_key=None, pii_key_file=str(tmp_path / "pii.key"))
    wallets = open_wallets(coffer_db, settings)
    automations = open_automations(wallets, AutomationSettings(automation_worker_threads=1))
    created = automations.create(
        DEFAULT_PLATFORM_ID,
        A.AutomationCreate(
            name="hook",
            definition={
                "trigger": {"type": "webhook"},
                "steps": [{"id": "ok", "type": "approval", "message": "=trigger.body.reason"}],
            },
        ),
    )
    assert created.secret is not None
    with coffer_db.engine.connect() as connection:
        before = connection.execute(sa.text("SELECT webhook_secret_enc FROM automations")).scalar()
    old_key = wallets.core.cipher.key_id

    report = rotate(wallets.privacy, drop_old=True, reload_wait_seconds=0)

    assert report.values_reencrypted >= 1
    document = json.loads((tmp_path / "pii.key").read_text())
    assert list(document["keys"]) == [report.key_id] and old_key not in document["keys"]
    with coffer_db.engine.connect() as connection:
        after = connection.execute(sa.text("SELECT webhook_secret_enc FROM automations")).scalar()
    assert after != before and str(after).startswith(report.key_id + ":")
    # a server started after the rotation (only the new key) verifies the same secret
    fresh = open_automations(
        open_wallets(coffer_db, settings), AutomationSettings(automation_worker_threads=1)
    )
    body = json.dumps({"reason": "restock"}).encode()
    run = fresh.webhook_in(created.id, sign(created.secret, "msg_1", body), body)
    assert run.automation_id == created.id


def test_rotate_drop_old_seals_and_keeps_totp_secrets(
    coffer_db: coffer.Coffer, tmp_path: Path
) -> None:
    """A TOTP secret sealed under the old key and one still in clear (a row from before
    migration 0034) are both sealed under the new key, and their codes still work."""
    settings = WalletSettings(pii_key=None, pii_key_file=str(tmp_path / "pii.key"))
    wallets = open_wallets(coffer_db, settings)
    cipher = wallets.core.cipher
    with coffer_db.engine.begin() as connection:
        sealed = F.start_totp(
            connection, subject="op_sealed", platform_id=DEFAULT_PLATFORM_ID, sealer=cipher
        )
        FR.confirm_totp(connection, "op_sealed", step=0, now=F.now_micros())
        legacy = _totp_in_clear(connection, "op_legacy")
    stored = _totp_rows(coffer_db)
    assert stored["op_legacy"] == legacy and stored["op_sealed"].startswith(cipher.key_id + ":")
    assert sealed not in stored["op_sealed"]

    report = rotate(wallets.privacy, drop_old=True, reload_wait_seconds=0)

    stored = _totp_rows(coffer_db)
    assert all(value.startswith(report.key_id + ":") for value in stored.values())
    fresh = open_wallets(coffer_db, settings).core.cipher  # only the new key
    with coffer_db.engine.begin() as connection:
        for subject, secret in (("op_sealed", sealed), ("op_legacy", legacy)):
            code = pyotp.TOTP(secret).now()
            method = F.check_second_factor(connection, subject=subject, code=code, sealer=fresh)
            assert method == "totp"


def test_a_totp_secret_in_clear_is_sealed_at_its_first_use(
    coffer_db: coffer.Coffer, tmp_path: Path
) -> None:
    cipher = open_wallets(
        coffer_db, WalletSettings(pii_key=None, pii_key_file=str(tmp_path / "pii.key"))
    ).core.cipher
    with coffer_db.engine.begin() as connection:
        legacy = _totp_in_clear(connection, "usr_old")
    with coffer_db.engine.begin() as connection:
        code = pyotp.TOTP(legacy).now()
        assert F.check_second_factor(connection, subject="usr_old", code=code, sealer=cipher)
    stored = _totp_rows(coffer_db)["usr_old"]
    assert stored.startswith(cipher.key_id + ":") and legacy not in stored
    assert cipher.decrypt(stored, context="totp.secret") == legacy


def _totp_in_clear(connection: sa.Connection, subject: str) -> str:
    """A confirmed TOTP factor stored as before migration 0034: its secret in clear."""
    secret = totp.new_secret()
    FR.put_totp(connection, subject=subject, platform_id=DEFAULT_PLATFORM_ID, secret=secret, now=0)
    FR.confirm_totp(connection, subject, step=0, now=F.now_micros())
    return secret


def _totp_rows(coffer_db: coffer.Coffer) -> dict[str, str]:
    with coffer_db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT subject, secret FROM totp_factors")).all()
    return {str(subject): str(secret) for subject, secret in rows}
