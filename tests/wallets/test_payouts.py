from __future__ import annotations

import pytest

from coffer import errors
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as S
from coffer.wallets.payouts import pain001_schema
from wallets.helpers import fund, make_customer

IBAN_DE = "DE89 3704 0044 0532 0130 00"
IBAN_FR = "FR1420041010050500013M02606"


def _setup(platform: WalletPlatform) -> tuple[S.Wallet, S.BankAccount]:
    customer = make_customer(platform)
    wallet = platform.wallets.create_wallet(S.WalletCreate(customer_id=customer.id, currency="EUR"))
    fund(platform, wallet.id, 100_000)
    bank = platform.payouts.add_bank_account(
        S.BankAccountCreate(customer_id=customer.id, holder_name="Alice Martin", iban=IBAN_FR)
    )
    return wallet, bank


def test_bank_account_validation(platform: WalletPlatform) -> None:
    customer = make_customer(platform)
    bank = platform.payouts.add_bank_account(
        S.BankAccountCreate(
            customer_id=customer.id, holder_name="Alice Martin", iban=IBAN_DE, bic="COBADEFFXXX"
        )
    )
    assert (bank.iban_last4, bank.country, bank.bic) == ("3000", "DE", "COBADEFFXXX")
    assert "DE89" not in repr(bank)
    with pytest.raises(errors.InvalidBankAccount):
        platform.payouts.add_bank_account(
            S.BankAccountCreate(
                customer_id=customer.id, holder_name="A", iban="DE89370400440532013001"
            )
        )
    with pytest.raises(errors.InvalidBankAccount):
        platform.payouts.add_bank_account(
            S.BankAccountCreate(
                customer_id=customer.id, holder_name="A", iban=IBAN_DE, bic="PSSTFRPPXXX"
            )
        )
    with pytest.raises(errors.InvalidBankAccount):
        platform.payouts.add_bank_account(
            S.BankAccountCreate(
                customer_id=customer.id, holder_name="A", iban=IBAN_DE, bic="NOPE1234"
            )
        )


def test_payout_lifecycle_and_pain001(platform: WalletPlatform) -> None:
    wallet, bank = _setup(platform)

    def payout(amount: int) -> S.Payout:
        return platform.payouts.create_payout(
            S.PayoutCreate(
                wallet_id=wallet.id, bank_account_id=bank.id, amount=amount, currency="EUR"
            )
        )

    first, second, third = payout(10_000), payout(20_050), payout(5_000)
    assert first.status == "created"
    current = platform.wallets.wallet(wallet.id)
    assert (current.balance, current.available) == (100_000, 64_950)
    with pytest.raises(errors.InsufficientFunds):
        payout(70_000)
    batch = platform.payouts.export_batch()
    assert batch is not None and len(batch.payout_ids) == 3
    assert pain001_schema().is_valid(batch.xml)
    assert "<CtrlSum>350.50</CtrlSum>" in batch.xml
    assert "FR1420041010050500013M02606" in batch.xml
    assert platform.payouts.export_batch() is None
    assert platform.payouts.payout(first.id).status == "processing"
    platform.payouts.settle(first.id, S.PayoutOutcome(status="paid"))
    platform.payouts.settle(second.id, S.PayoutOutcome(status="failed", failure_code="closed"))
    platform.payouts.settle(third.id, S.PayoutOutcome(status="paid"))
    platform.payouts.settle(third.id, S.PayoutOutcome(status="returned"))
    with pytest.raises(errors.InvalidState):
        platform.payouts.settle(first.id, S.PayoutOutcome(status="failed"))
    current = platform.wallets.wallet(wallet.id)
    assert (current.balance, current.available) == (90_000, 90_000)
    assert platform.core.ledger.balance("external:bank:payouts", "EUR/2") == 10_000


def test_frozen_wallet_cannot_pay_out(platform: WalletPlatform) -> None:
    wallet, bank = _setup(platform)
    platform.wallets.set_wallet_status(wallet.id, "frozen")
    with pytest.raises(errors.WalletFrozen):
        platform.payouts.create_payout(
            S.PayoutCreate(wallet_id=wallet.id, bank_account_id=bank.id, amount=1, currency="EUR")
        )


def test_pain001_schema_rejects_garbage() -> None:
    assert not pain001_schema().is_valid(
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><X/></Document>'
    )
