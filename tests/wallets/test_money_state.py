"""The money-state tables outside the journal: a direct edit of each is caught by
``coffer verify --witness`` (cross-checked against the wallets ledger or the audit log),
and recovery adopts only the ledger transactions the wallets domain wrote itself."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

import coffer
from coffer import Posting
from coffer.api.clients import create_client
from coffer.settings import Settings
from coffer.trust import verify_money_state
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from wallets.conftest import PII_KEY
from wallets.helpers import fund, make_customer

IBAN_FR = "FR1420041010050500013M02606"


@dataclass
class World:
    """One of each money-state row, made through the services."""

    url: str
    folder: Path
    platform: WalletPlatform
    transfer: str
    payin: str
    payment: str
    payout: str
    frozen_wallet: str
    customer: str
    client: str


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    keys = tmp_path / "keys"
    keys.mkdir()
    settings = Settings(
        signing_key_file=str(keys / "signing.key"), witness_dir=str(tmp_path / "witness")
    )
    c = coffer.open(database_url, settings=settings)
    try:
        platform = open_wallets(c, WalletSettings(pii_key=PII_KEY, pii_key_id="test1"))
        alice = make_customer(platform, "Alice Martin")
        bob = make_customer(platform, "Bob Durand")
        a = platform.wallets.create_wallet(S.WalletCreate(customer_id=alice.id, currency="EUR"))
        b = platform.wallets.create_wallet(S.WalletCreate(customer_id=bob.id, currency="EUR"))
        fund(platform, a.id, 100_000)
        transfer = platform.wallets.transfer(
            S.TransferCreate(
                debited_wallet_id=a.id,
                credited_wallet_id=b.id,
                amount=1_000,
                currency="EUR",
                fee=10,
            )
        )
        payin = platform.payins.create_card_payin(
            S.CardPayinCreate(
                wallet_id=b.id,
                amount=5_000,
                currency="EUR",
                card=S.Card(number="4242424242424242", exp_month=12, exp_year=2034, cvc="123"),
            )
        )
        payment = platform.wallets.create_payment(
            S.PaymentCreate(
                buyer_wallet_id=a.id, seller_wallet_id=b.id, amount=4_000, currency="EUR", fee=200
            )
        )
        platform.wallets.capture_payment(payment.id, 3_000)
        bank = platform.payouts.add_bank_account(
            S.BankAccountCreate(customer_id=alice.id, holder_name="Alice Martin", iban=IBAN_FR)
        )
        payout = platform.payouts.create_payout(
            S.PayoutCreate(wallet_id=a.id, bank_account_id=bank.id, amount=2_000, currency="EUR")
        )
        platform.payouts.export_batch()
        platform.payouts.settle(payout.id, S.PayoutOutcome(status="paid"))
        carol = make_customer(platform, "Carol Petit", level="none")
        frozen = platform.wallets.create_wallet(
            S.WalletCreate(customer_id=carol.id, currency="EUR")
        )
        platform.wallets.set_wallet_status(frozen.id, "frozen")
        client = create_client(c.engine, "shop", ("wallets:read",))
        assert c.verify().ok  # and a checkpoint of it all, witnessed
        yield World(
            url=database_url,
            folder=tmp_path,
            platform=platform,
            transfer=transfer.id,
            payin=payin.id,
            payment=payment.id,
            payout=payout.id,
            frozen_wallet=frozen.id,
            customer=carol.id,
            client=client.client_id,
        )
    finally:
        c.close()


def _verify(world: World) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COFFER_")}
    env["COFFER_SIGNING_PUBLIC_KEY_FILE"] = str(world.folder / "keys" / "signing.key.pub")
    command = [
        sys.executable,
        "-m",
        "coffer.cli.main",
        "verify",
        "--database",
        world.url,
        "--witness",
        str(world.folder / "witness"),
    ]
    return subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=world.folder, env=env
    )


def _edit(world: World, sql: str, **params: object) -> None:
    with world.platform.core.engine.begin() as connection:
        connection.execute(sa.text(sql), params)


def test_an_intact_world_verifies(world: World) -> None:
    report = verify_money_state(world.platform.core.engine)
    assert report.ok, report.problems
    assert report.rows >= 10
    result = _verify(world)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "money state intact" in result.stdout


# (table, the row's id in World, the columns changed or None to delete the row, what
# verify says first)
EDITS: list[tuple[str, str, dict[str, object] | None, str]] = [
    ("wallet_transfers", "transfer", {"amount": 1_500}, "transfer {} does not match ledger"),
    ("wallet_transfers", "transfer", {"status": "failed"}, "transfer {} is stored as failed"),
    (
        "wallet_payins",
        "payin",
        {"amount_received": 50_000},
        "pay-in {} is stored as succeeded with 50000 EUR received",
    ),
    ("wallet_payments", "payment", {"status": "voided"}, "payment {} is stored as voided but"),
    ("wallet_payments", "payment", {"amount": 40_000}, "payment {} is stored as 40000 EUR"),
    ("wallet_payouts", "payout", {"status": "failed"}, "payout {} is stored as failed but"),
    ("wallet_payouts", "payout", None, "moves money for payout {}, which has no row"),
    (
        "wallet_wallets",
        "frozen_wallet",
        {"status": "active"},
        "wallet {} is stored as active but the audit log says frozen",
    ),
    (
        "wallet_wallets",
        "frozen_wallet",
        {"account": "platform:fees"},
        "wallet {} points at ledger account platform:fees",
    ),
    (
        "wallet_customers",
        "customer",
        {"kyc_level": "verified"},
        "customer {} has KYC level verified but the audit log says none",
    ),
    (
        "api_clients",
        "client",
        {"scopes": "wallets:read admin"},
        "API client {} has scopes ['admin', 'wallets:read'] but the audit log says",
    ),
    (
        "api_clients",
        "client",
        {"disabled": True},
        "API client {} has disabled True but the audit log says False",
    ),
]


@pytest.mark.slow  # a verify process per edit
def test_a_direct_edit_of_each_money_state_table_is_caught(world: World) -> None:
    """Each edit alone, undone before the next (one set-up per backend)."""
    engine = world.platform.core.engine
    table_names = {edit[0] for edit in EDITS}
    tables = {name: sa.Table(name, sa.MetaData(), autoload_with=engine) for name in table_names}
    for name, which, changes, expected in EDITS:
        table = tables[name]
        row_id = getattr(world, which)
        with engine.begin() as connection:
            before = connection.execute(sa.select(table).where(table.c.id == row_id)).mappings()
            original = dict(before.one())
            if changes is None:
                connection.execute(sa.delete(table).where(table.c.id == row_id))
            else:
                connection.execute(sa.update(table).where(table.c.id == row_id).values(changes))
        result = _verify(world)
        assert result.returncode == 1, (name, changes, result.stdout + result.stderr)
        first = next(line for line in result.stdout.splitlines() if "TAMPERED" in line)
        assert first.startswith("money state TAMPERED: "), result.stdout
        assert expected.format(row_id) in first, result.stdout
        with engine.begin() as connection:
            if changes is None:
                connection.execute(sa.insert(table).values(original))
            else:
                connection.execute(
                    sa.update(table)
                    .where(table.c.id == row_id)
                    .values({column: original[column] for column in changes})
                )
        assert verify_money_state(engine).ok


def test_recovery_adopts_only_its_own_movements(world: World) -> None:
    """A posting through the ledger API that names a transfer is never adopted; the
    domain's own movement, whose row a crash kept from being written, is."""
    platform = world.platform
    a = platform.wallets.transfer_by_id(world.transfer).debited_wallet_id
    b = platform.wallets.transfer_by_id(world.transfer).credited_wallet_id
    ledger = platform.core.ledger
    forged = ledger.post(
        [Posting(f"wallets:{a}", f"wallets:{b}", 700, "EUR/2")],
        metadata={"wallets_type": "transfer", "wallets_id": "tr_forged"},
    )
    # a proof copied from a real movement does not fit another id or amount
    real = ledger.transaction(
        platform.wallets.transfer_by_id(world.transfer).ledger_transaction_id or 0
    )
    copied = ledger.post(
        [Posting(f"wallets:{a}", f"wallets:{b}", 700, "EUR/2")],
        metadata={
            "wallets_type": "transfer",
            "wallets_id": "tr_copied",
            "wallets_proof": real.metadata["wallets_proof"],
        },
    )
    assert forged.id != copied.id
    # the domain's own transfer, its row lost to a crash
    real_insert = R.insert_rows

    def crash(*args: object) -> None:
        raise RuntimeError("the process died after the ledger call")

    R.insert_rows = crash  # type: ignore[assignment]
    try:
        with pytest.raises(RuntimeError):
            platform.wallets.transfer(
                S.TransferCreate(
                    debited_wallet_id=a, credited_wallet_id=b, amount=300, currency="EUR", fee=3
                )
            )
    finally:
        R.insert_rows = real_insert  # type: ignore[assignment]
    since = datetime.now(UTC) - timedelta(hours=1)
    assert platform.wallets.recover_transfers(since=since, older_than_seconds=0) == 1
    with platform.core.engine.connect() as connection:
        ids = {row[0] for row in connection.execute(sa.select(T.transfers.c.id))}
        amounts = {row[0] for row in connection.execute(sa.select(T.transfers.c.amount))}
    assert "tr_forged" not in ids and "tr_copied" not in ids
    assert 300 in amounts
