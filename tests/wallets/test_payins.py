from __future__ import annotations

import pytest

from coffer import errors
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as S
from coffer.wallets.gateways.sandbox import luhn_valid
from wallets.helpers import make_customer

SUCCESS = "4242424242424242"
DECLINE = "4000000000000002"
NO_FUNDS = "4000000000009995"
CHALLENGE = "4000000000003220"


def _setup(platform: WalletPlatform, currency: str = "EUR") -> S.Wallet:
    customer = make_customer(platform)
    return platform.wallets.create_wallet(
        S.WalletCreate(customer_id=customer.id, currency=currency)
    )


def _card_payin(
    platform: WalletPlatform,
    wallet_id: str,
    number: str,
    amount: int = 5_000,
    capture: str = "automatic",
    key: str | None = None,
    currency: str = "EUR",
) -> S.Payin:
    return platform.payins.create_card_payin(
        S.CardPayinCreate(
            wallet_id=wallet_id,
            amount=amount,
            currency=currency,
            capture_method=capture,  # type: ignore[arg-type]
            card=S.Card(number=number, exp_month=12, exp_year=2034, cvc="123"),
        ),
        idempotency_key=key,
    )


def test_luhn() -> None:
    assert luhn_valid(SUCCESS) and luhn_valid(CHALLENGE)
    assert not luhn_valid("4242424242424241")


def test_card_success_and_idempotency(platform: WalletPlatform) -> None:
    wallet = _setup(platform)
    payin = _card_payin(platform, wallet.id, SUCCESS, key="p1")
    assert payin.status == "succeeded" and payin.amount_received == 5_000
    assert payin.card_last4 == "4242" and payin.card_brand == "visa"
    again = _card_payin(platform, wallet.id, SUCCESS, key="p1")
    assert again.id == payin.id
    assert platform.wallets.wallet(wallet.id).balance == 5_000
    with pytest.raises(errors.IdempotencyConflict):
        _card_payin(platform, wallet.id, SUCCESS, key="p1", amount=5_001)


def test_bad_cards(platform: WalletPlatform) -> None:
    wallet = _setup(platform)
    with pytest.raises(errors.InvalidCardNumber):
        _card_payin(platform, wallet.id, "4242424242424241")
    with pytest.raises(errors.CardDeclined) as info:
        _card_payin(platform, wallet.id, DECLINE)
    assert info.value.details["decline_code"] == "generic_decline"
    assert info.value.status == 402
    with pytest.raises(errors.CardDeclined) as info:
        _card_payin(platform, wallet.id, NO_FUNDS)
    assert info.value.details["decline_code"] == "insufficient_funds"
    with pytest.raises(errors.CurrencyMismatch):
        _card_payin(platform, wallet.id, SUCCESS, currency="USD")
    assert platform.wallets.wallet(wallet.id).balance == 0


def test_three_d_secure(platform: WalletPlatform) -> None:
    wallet = _setup(platform)
    payin = _card_payin(platform, wallet.id, CHALLENGE)
    assert payin.status == "requires_action"
    assert payin.next_action is not None
    token = payin.next_action.url.split("token=")[1]
    with pytest.raises(errors.ValidationError):
        platform.payins.complete_challenge(payin.id, token="wrong", approve=True)
    done = platform.payins.complete_challenge(payin.id, token=token, approve=True)
    assert done.status == "succeeded"
    assert platform.wallets.wallet(wallet.id).balance == 5_000
    denied = _card_payin(platform, wallet.id, CHALLENGE)
    token = denied.next_action.url.split("token=")[1]  # type: ignore[union-attr]
    failed = platform.payins.complete_challenge(denied.id, token=token, approve=False)
    assert failed.status == "requires_payment_method"
    assert platform.wallets.wallet(wallet.id).balance == 5_000


def test_manual_capture_partial_and_expiry(platform: WalletPlatform) -> None:
    wallet = _setup(platform)
    payin = _card_payin(platform, wallet.id, SUCCESS, capture="manual")
    assert payin.status == "requires_capture"
    assert platform.wallets.wallet(wallet.id).balance == 0
    with pytest.raises(errors.CaptureExceedsAuthorization):
        platform.payins.capture_payin(payin.id, 5_001)
    captured = platform.payins.capture_payin(payin.id, 3_000)
    assert captured.status == "succeeded" and captured.amount_received == 3_000
    assert platform.wallets.wallet(wallet.id).balance == 3_000
    with pytest.raises(errors.InvalidState):
        platform.payins.capture_payin(payin.id)
    stale = _card_payin(platform, wallet.id, SUCCESS, capture="manual")
    assert platform.payins.expire_authorizations() == 0
    eight_days = 8 * 24 * 3600 * 1_000_000
    from coffer.wallets.repository import now_micros

    assert platform.payins.expire_authorizations(now_micros=now_micros() + eight_days) == 1
    expired = platform.payins.payin(stale.id)
    assert (expired.status, expired.cancellation_reason) == ("canceled", "expired")


def test_refunds(platform: WalletPlatform) -> None:
    wallet = _setup(platform)
    payin = _card_payin(platform, wallet.id, SUCCESS)
    first = platform.payins.refund_payin(payin.id, 1_000, idempotency_key="r1")
    assert first.status == "succeeded"
    assert platform.payins.refund_payin(payin.id, 1_000, idempotency_key="r1").id == first.id
    platform.payins.refund_payin(payin.id, 1_500)
    with pytest.raises(errors.RefundExceedsCaptured):
        platform.payins.refund_payin(payin.id, 2_501)
    platform.payins.refund_payin(payin.id)  # the rest
    assert platform.payins.payin(payin.id).amount_refunded == 5_000
    assert platform.wallets.wallet(wallet.id).balance == 0
    assert platform.core.ledger.balance("external:card:sandbox", "EUR/2") == 0


def test_refund_needs_funds(platform: WalletPlatform) -> None:
    wallet = _setup(platform)
    other = platform.wallets.create_wallet(
        S.WalletCreate(customer_id=make_customer(platform, "Bob Durand").id, currency="EUR")
    )
    payin = _card_payin(platform, wallet.id, SUCCESS)
    platform.wallets.transfer(
        S.TransferCreate(
            debited_wallet_id=wallet.id, credited_wallet_id=other.id, amount=4_500, currency="EUR"
        )
    )
    with pytest.raises(errors.InsufficientFunds):
        platform.payins.refund_payin(payin.id, 1_000)
    assert platform.payins.payin(payin.id).amount_refunded == 0
    platform.payins.refund_payin(payin.id, 500)


def test_disputes(platform: WalletPlatform) -> None:
    wallet = _setup(platform)
    other = platform.wallets.create_wallet(
        S.WalletCreate(customer_id=make_customer(platform, "Bob Durand").id, currency="EUR")
    )
    payin = _card_payin(platform, wallet.id, SUCCESS)
    platform.wallets.transfer(
        S.TransferCreate(
            debited_wallet_id=wallet.id, credited_wallet_id=other.id, amount=4_000, currency="EUR"
        )
    )
    dispute = platform.payins.open_dispute(payin.id, S.DisputeCreate(amount=3_000))
    assert (dispute.wallet_amount, dispute.credit_amount) == (1_000, 2_000)
    assert platform.wallets.wallet(wallet.id).balance == 0
    assert platform.wallets.platform_wallet("credit", "EUR").balance == -2_000
    won = platform.payins.close_dispute(dispute.id, "won")
    assert won.status == "won"
    assert platform.wallets.wallet(wallet.id).balance == 1_000
    assert platform.wallets.platform_wallet("credit", "EUR").balance == 0
    lost = platform.payins.open_dispute(payin.id, S.DisputeCreate(amount=500))
    assert (lost.wallet_amount, lost.credit_amount) == (500, 0)
    platform.payins.close_dispute(lost.id, "lost")
    assert platform.wallets.wallet(wallet.id).balance == 500
    assert platform.core.ledger.balance("external:card:sandbox", "EUR/2") == -4_500


def test_bank_transfer_payin(platform: WalletPlatform) -> None:
    wallet = _setup(platform, "JPY")
    assert wallet.bank_reference
    payin = platform.payins.bank_transfer(
        S.BankTransferSimulate(reference=wallet.bank_reference, amount=12_000, currency="JPY"),
        idempotency_key="b1",
    )
    assert payin.status == "succeeded" and payin.method == "bank_transfer"
    assert platform.wallets.wallet(wallet.id).available == 12_000
    with pytest.raises(errors.ResourceNotFound):
        platform.payins.bank_transfer(
            S.BankTransferSimulate(reference="NOPE", amount=1, currency="JPY")
        )


def test_monthly_payin_limit(platform: WalletPlatform) -> None:
    customer = make_customer(platform, level="light")  # 2,500 EUR a month
    wallet = platform.wallets.create_wallet(S.WalletCreate(customer_id=customer.id, currency="EUR"))
    first = _card_payin(platform, wallet.id, SUCCESS, amount=100_000)
    _card_payin(platform, wallet.id, SUCCESS, amount=100_000)
    platform.payins.refund_payin(first.id)  # refunds do not give the monthly allowance back
    with pytest.raises(errors.KycLimitExceeded) as info:
        _card_payin(platform, wallet.id, SUCCESS, amount=60_000)
    assert info.value.details["limit"] == "max_monthly_payin"
