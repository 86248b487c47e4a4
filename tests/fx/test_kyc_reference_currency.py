"""KYC limits in a reference currency (both backends): a wallet in another currency gets
them converted at the current coffer.fx rate; without a rate its movements are refused."""

from __future__ import annotations

import pytest

import coffer
from coffer.errors import CofferError, KycLimitExceeded, RateNotFound
from coffer.fx import FxSettings, open_fx
from coffer.wallets import WalletSettings, open_wallets
from coffer.wallets import schemas as WS

from .conftest import PII_KEY, customer, wallet


def test_limits_in_euros_apply_to_a_dollar_wallet(coffer_db: coffer.Coffer) -> None:
    platform = open_wallets(coffer_db, WalletSettings(
        pii_key=PII_KEY, pii_key_id="t1", kyc_limits_currency="eur"))  # fmt: skip
    assert platform.settings.kyc_limits_currency == "EUR"
    fx = open_fx(platform, FxSettings(fx_providers="manual"))
    fx.rates.set_manual("EUR", "USD", "1.1")
    # level "none": at most 150 EUR per movement, i.e. 165.00 USD
    newcomer = platform.wallets.create_customer(WS.CustomerCreate(kind="natural", name="New")).id
    sender = wallet(platform, newcomer, "USD", 20000)
    receiver = wallet(platform, customer(platform, "Bob"), "USD")

    def send(amount: int, source: str = sender, target: str = receiver) -> None:
        platform.wallets.transfer(WS.TransferCreate(
            debited_wallet_id=source, credited_wallet_id=target, amount=amount,
            currency=platform.wallets.wallet(source).currency))  # fmt: skip

    with pytest.raises(KycLimitExceeded) as refused:
        send(16501)
    assert refused.value.details["limit_amount"] == 16500
    assert refused.value.details["currency"] == "USD"
    send(16500)
    assert platform.wallets.wallet(receiver).balance == 16500
    # the rate moves: so does the limit
    fx.rates.set_manual("EUR", "USD", "1.2")
    platform.core._limit_rates = None  # a new process: no cached current rate
    send(1)  # the balance left is 3,499 cents, below 180.00 USD
    # a wallet in the reference currency: no conversion at all
    euros = wallet(platform, newcomer, "EUR", 20000)
    with pytest.raises(KycLimitExceeded) as in_euros:
        send(15001, euros, wallet(platform, customer(platform, "Cy"), "EUR"))
    assert in_euros.value.details["limit_amount"] == 15000


def test_without_a_rate_the_movement_is_refused(coffer_db: coffer.Coffer) -> None:
    platform = open_wallets(coffer_db, WalletSettings(
        pii_key=PII_KEY, pii_key_id="t1", kyc_limits_currency="EUR"))  # fmt: skip
    newcomer = platform.wallets.create_customer(WS.CustomerCreate(kind="natural", name="New")).id
    source = wallet(platform, newcomer, "NGN", 5000)
    target = wallet(platform, customer(platform, "Bob"), "NGN")
    with pytest.raises(RateNotFound):
        platform.wallets.transfer(
            WS.TransferCreate(
                debited_wallet_id=source, credited_wallet_id=target, amount=100, currency="NGN"
            )
        )
    assert platform.wallets.wallet(target).balance == 0


def test_an_unknown_reference_currency_is_refused() -> None:
    with pytest.raises((CofferError, ValueError)):
        WalletSettings(pii_key=PII_KEY, pii_key_id="t1", kyc_limits_currency="EURO")
