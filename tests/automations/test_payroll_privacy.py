"""Payment batch lines' personal data at rest: sealed by the master key (the database holds
no IBAN, BIC, name or reference in clear), read back through the API and into the pain.001
file, re-sealed by ``coffer keys rotate`` (lines from before 0037 too, held in clear), and
blanked when the customer of a payee wallet is erased."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import sqlalchemy as sa
from tests.automations.conftest import PLATFORM, Clock, new_wallet
from tests.automations.payroll_helpers import BIC_FR, IBAN_FR, batch_body, payee_wallets
from tests.automations.test_payroll import approve, create

import coffer
from coffer.automations import AutomationsPlatform, Worker, open_automations
from coffer.automations.payroll import payees
from coffer.automations.settings import AutomationSettings
from coffer.platforms.sealed import registered, registered_wallet_data
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets
from coffer.wallets.privacy.rotation import rotate

LINES = sa.text("SELECT line_number, payee_enc FROM payment_batch_lines ORDER BY line_number")


class InClear:
    """A sealer that leaves values in clear (and has no key to decrypt with)."""

    def encrypt(self, plaintext: str | None, *, context: str) -> str | None:
        return plaintext

    def decrypt(self, stored: str | None, *, context: str) -> str | None:
        raise AssertionError("a value in clear is not decrypted")


def _stored(coffer_db: coffer.Coffer) -> dict[int, str | None]:
    with coffer_db.engine.connect() as connection:
        return {int(row[0]): row[1] for row in connection.execute(LINES)}


def _lines(automations: AutomationsPlatform, batch_id: str) -> dict[int, dict]:
    page = automations.payment_batches.lines(PLATFORM, batch_id)
    return {line.line_number: line.model_dump() for line in page.data}


def _body(source: str, payee: str) -> dict:
    return batch_body(
        source,
        [
            {"wallet_id": payee, "amount": 1000, "reference": "salary Jane Doe"},
            {
                "iban": IBAN_FR,
                "bic": BIC_FR,
                "name": "Fournisseur SA",
                "amount": 500,
                "reference": "invoice 42",
            },
        ],
    )


def test_lines_are_sealed_at_rest_and_the_pain001_carries_the_payee(
    coffer_db: coffer.Coffer,
    wallets: WalletPlatform,
    automations: AutomationsPlatform,
    worker: Worker,
) -> None:
    assert "payment_batch_lines.payee_enc" in {column.name for column in registered()}
    source = new_wallet(wallets, "Acme Payroll", 100_000)
    payee = payee_wallets(wallets, 1)[0]
    batch = create(automations, _body(source.id, payee))
    with coffer_db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM payment_batch_lines")).all()
    dump = repr(rows)
    for clear in (IBAN_FR, BIC_FR, "Fournisseur", "invoice 42", "Jane"):
        assert clear not in dump
    stored = _stored(coffer_db)
    assert all(str(value).startswith(wallets.core.cipher.key_id + ":") for value in stored.values())
    lines = _lines(automations, batch.id)
    assert lines[1]["reference"] == "salary Jane Doe" and lines[1]["iban"] is None
    assert (lines[2]["iban"], lines[2]["bic"], lines[2]["name"]) == (
        IBAN_FR,
        BIC_FR,
        "Fournisseur SA",
    )

    approve(automations, batch.id, "ops:checker")
    worker.run_until_idle()
    xml = automations.payment_batches.pain001(PLATFORM, batch.id)
    assert IBAN_FR in xml and "Fournisseur SA" in xml
    assert [line["status"] for line in _lines(automations, batch.id).values()] == [
        "paid",
        "submitted",
    ]


def test_rotation_reseals_lines_and_those_still_in_clear(
    coffer_db: coffer.Coffer, clock: Clock, tmp_path: Path
) -> None:
    settings = WalletSettings(pii_key=None, pii_key_file=str(tmp_path / "pii.key"))
    wallets = open_wallets(coffer_db, settings)
    automations = open_automations(wallets, AutomationSettings(automation_worker_threads=1), clock)
    source = new_wallet(wallets, "Acme Payroll", 100_000)
    batch = create(automations, _body(source.id, payee_wallets(wallets, 1)[0]))
    before = _lines(automations, batch.id)
    # line 2 as a row from before 0037_payroll_payees holds it: the payload in clear
    legacy = {"iban": IBAN_FR, "bic": BIC_FR, "name": "Fournisseur SA", "reference": "invoice 42"}
    encoded = base64.urlsafe_b64encode(json.dumps(legacy).encode()).decode()
    with coffer_db.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE payment_batch_lines SET payee_enc = :v WHERE line_number = 2"),
            {"v": encoded},
        )
    assert _lines(automations, batch.id) == before  # read in both forms
    old = _stored(coffer_db)

    report = rotate(wallets.privacy, drop_old=True, reload_wait_seconds=0)

    stored = _stored(coffer_db)
    assert all(str(value).startswith(report.key_id + ":") for value in stored.values())
    assert stored[1] != old[1] and report.values_reencrypted >= 2
    fresh = open_automations(
        open_wallets(coffer_db, settings), AutomationSettings(automation_worker_threads=1), clock
    )  # only the new key
    assert _lines(fresh, batch.id) == before


def test_erasing_a_payee_wallets_customer_blanks_its_lines(
    coffer_db: coffer.Coffer, wallets: WalletPlatform, automations: AutomationsPlatform
) -> None:
    assert "payment_batch_lines.payee_enc" in {c.name for c in registered_wallet_data()}
    source = new_wallet(wallets, "Acme Payroll", 100_000)
    payee = payee_wallets(wallets, 1)[0]
    batch = create(automations, _body(source.id, payee))
    customer_id = wallets.wallets.wallet(payee).customer_id
    assert customer_id is not None

    wallets.privacy.erase(customer_id)

    stored = _stored(coffer_db)
    assert stored[1] is None and stored[2] is not None
    lines = _lines(automations, batch.id)
    assert lines[1]["reference"] is None and lines[1]["wallet_id"] == payee
    assert lines[2]["iban"] == IBAN_FR and lines[2]["reference"] == "invoice 42"


def test_the_payload_never_holds_the_sealed_mark() -> None:
    """A value in clear is told from a sealed one by ``:`` (sealed: ``<key id>:...``)."""

    line = {"name": "Café: Ünïcode & Co", "reference": "ref: 1/2", "iban": None}
    encoded = payees.seal(InClear(), line)
    assert encoded is not None and ":" not in encoded
    assert payees.unseal(InClear(), encoded) == {
        "iban": None,
        "bic": None,
        "name": "Café: Ünïcode & Co",
        "reference": "ref: 1/2",
    }
    assert payees.seal(InClear(), {"iban": None}) is None


def test_migration_moves_lines_in_clear_into_the_payload(database_url: str) -> None:
    """0037_payroll_payees keeps a line's personal data (in clear: a migration has no
    master key), in the payload's form; it reads back, and its downgrade goes back."""
    from alembic import command

    from coffer.db.migrate import _config

    coffer.open(database_url).close()
    engine = sa.create_engine(database_url)
    config = _config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0036_loyalty_keys")
        with engine.begin() as connection:
            for number, iban, name, reference in (
                (1, None, None, "salary: Jane"),
                (2, IBAN_FR, "Fournisseur SA", None),
                (3, None, None, None),
            ):
                connection.execute(
                    sa.text(
                        "INSERT INTO payment_batch_lines (batch_id, line_number, platform_id,"
                        " kind, iban, bic, name, amount, currency, reference, status, attempts,"
                        " updated_at) VALUES ('pbt_1', :n, 'plat_default', 'bank', :iban,"
                        " :bic, :name, '5', 'EUR', :ref, 'pending', 0, 0)"
                    ),
                    {
                        "n": number,
                        "iban": iban,
                        "bic": iban and BIC_FR,
                        "name": name,
                        "ref": reference,
                    },
                )
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT id, payee_enc FROM payment_batch_lines ORDER BY line_number")
            ).all()
    finally:
        engine.dispose()
    assert [row[0] for row in rows] == ["pbt_1:1", "pbt_1:2", "pbt_1:3"]
    assert rows[2][1] is None and all(":" not in row[1] for row in rows[:2])

    assert payees.unseal(InClear(), rows[0][1])["reference"] == "salary: Jane"
    assert payees.unseal(InClear(), rows[1][1]) == {
        "iban": IBAN_FR,
        "bic": BIC_FR,
        "name": "Fournisseur SA",
        "reference": None,
    }
