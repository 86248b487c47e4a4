"""No personal data in clear: not in any table of the database, not in any log line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

import coffer
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets
from coffer.wallets import schemas as S
from wallets.conftest import PII_KEY

NAME, EMAIL, BIRTH = "Zorglub Quetzalcoatl", "zorglub.q@example.org", "1971-07-29"
STREET, IBAN, CARD = "77 Impasse Xylophone", "FR1420041010050500013M02606", "4242424242424242"
SECRETS = [NAME, "Zorglub", EMAIL, BIRTH, STREET, "Xylophone", IBAN, "20041010050500013", CARD]


def _everything(engine: sa.Engine) -> str:
    texts: list[str] = []
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                texts.extend(str(value) for value in row)
    return "\n".join(texts)


def test_no_pii_in_the_database_or_logs(
    platform: WalletPlatform, coffer_db: coffer.Coffer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    customer = platform.wallets.create_customer(
        S.CustomerCreate(
            kind="natural",
            name=NAME,
            email=EMAIL,
            birth_date=BIRTH,
            address=S.Address(line1=STREET, city="Brest", postal_code="29200", country="FR"),
        ),
        idempotency_key="pii-1",
    )
    platform.wallets.submit_kyc_document(
        customer.id, S.KycDocumentCreate(type="identity_proof", name=f"{NAME} passport.pdf")
    )
    wallet = platform.wallets.create_wallet(S.WalletCreate(customer_id=customer.id, currency="EUR"))
    platform.payins.create_card_payin(
        S.CardPayinCreate(
            wallet_id=wallet.id,
            amount=1_000,
            currency="EUR",
            card=S.Card(number=CARD, exp_month=1, exp_year=2031, cvc="123"),
        ),
        idempotency_key="pii-2",
    )
    bank = platform.payouts.add_bank_account(
        S.BankAccountCreate(customer_id=customer.id, holder_name=NAME, iban=IBAN),
        idempotency_key="pii-3",
    )
    platform.payouts.create_payout(
        S.PayoutCreate(wallet_id=wallet.id, bank_account_id=bank.id, amount=500, currency="EUR")
    )
    # the service gives the data back decrypted...
    assert platform.wallets.customer(customer.id).email == EMAIL
    assert NAME not in repr(platform.wallets.customer(customer.id))
    # ...but the raw rows and the logs never hold it
    raw = _everything(coffer_db.engine)
    assert customer.id in raw
    for secret in SECRETS:
        assert secret not in raw, f"{secret!r} is stored in clear"
        assert secret not in caplog.text, f"{secret!r} was logged"


def test_key_rotation(coffer_db: coffer.Coffer) -> None:
    old = open_wallets(coffer_db, WalletSettings(pii_key=PII_KEY, pii_key_id="old"))
    customer = old.wallets.create_customer(S.CustomerCreate(kind="legal", name="Acme SA"))
    new_key = "ff" * 32
    rotated = open_wallets(
        coffer_db,
        WalletSettings(pii_key=new_key, pii_key_id="new", pii_old_keys={"old": PII_KEY}),
    )
    assert rotated.wallets.customer(customer.id).name == "Acme SA"
    later = rotated.wallets.create_customer(S.CustomerCreate(kind="legal", name="Beta SA"))
    with coffer_db.engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT name_enc FROM wallet_customers WHERE id = :id"), {"id": later.id}
        ).scalar_one()
        wrapped = connection.execute(
            sa.text("SELECT wrapped_key FROM privacy_customer_keys WHERE customer_id = :id"),
            {"id": later.id},
        ).scalar_one()
    assert stored.startswith("ck1.")  # sealed by the customer's own data key...
    assert wrapped.startswith("new:")  # ...wrapped by the current master key
    assert rotated.core.cipher.needs_rotation(old.core.cipher.encrypt("x", context="customer.name"))


def test_a_generated_key_file_is_kept_and_read_back(tmp_path: Path) -> None:
    """Without COFFER_PII_KEY a key is generated once into the key file (mode 0600), the
    same way as the checkpoint signing key (coffer.keyfile; the signing key's test starts
    processes at once), and read back by the next start."""
    path = tmp_path / "pii.key"
    settings = WalletSettings(pii_key=None, pii_key_file=str(path))
    key_id, first = settings.encryption_keys()
    assert len(first[key_id]) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert settings.encryption_keys()[1] == first
    assert [p.name for p in tmp_path.iterdir()] == ["pii.key"]  # no partial file left
