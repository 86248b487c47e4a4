from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from coffer import errors
from coffer.wallets import WalletPlatform
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from wallets.helpers import fund, make_customer


def _wallet(platform: WalletPlatform, customer_id: str, currency: str = "EUR") -> S.Wallet:
    return platform.wallets.create_wallet(
        S.WalletCreate(customer_id=customer_id, currency=currency)
    )


def test_customer_roundtrip_and_kyc(platform: WalletPlatform) -> None:
    customer = make_customer(platform, level="none")
    assert customer.kyc_level == "none"
    assert customer.name == "Alice Martin"
    assert customer.address is not None and customer.address.city == "Lyon"
    assert "Alice" not in repr(customer)
    doc = platform.wallets.submit_kyc_document(
        customer.id, S.KycDocumentCreate(type="identity_proof", name="passport.pdf", level="light")
    )
    assert doc.status == "validated"
    assert platform.wallets.customer(customer.id).kyc_level == "light"
    refused = platform.wallets.submit_kyc_document(
        customer.id, S.KycDocumentCreate(type="identity_proof", name="refuse-me.pdf")
    )
    assert refused.status == "refused"
    waiting = platform.wallets.submit_kyc_document(
        customer.id, S.KycDocumentCreate(type="identity_proof", name="needs-review.pdf")
    )
    assert waiting.status == "validation_asked"
    assert platform.wallets.review_kyc_document(waiting.id, approve=True).status == "validated"
    assert platform.wallets.customer(customer.id).kyc_level == "verified"
    with pytest.raises(errors.InvalidState):
        platform.wallets.review_kyc_document(waiting.id, approve=False)


def test_wallet_currencies_exponents(platform: WalletPlatform) -> None:
    customer = make_customer(platform)
    jpy = _wallet(platform, customer.id, "JPY")
    bhd = _wallet(platform, customer.id, "BHD")
    fund(platform, jpy.id, 5000)
    fund(platform, bhd.id, 1234)
    assert platform.core.ledger.balance(f"wallets:{jpy.id}", "JPY/0") == 5000
    assert platform.core.ledger.balance(f"wallets:{bhd.id}", "BHD/3") == 1234
    assert platform.wallets.wallet(bhd.id).balance == 1234
    with pytest.raises(errors.InvalidCurrency):
        _wallet(platform, customer.id, "ABC")
    with pytest.raises(errors.Conflict):
        _wallet(platform, customer.id, "JPY")


def test_transfer_with_fee(platform: WalletPlatform) -> None:
    alice = make_customer(platform, "Alice Martin")
    bob = make_customer(platform, "Bob Durand")
    a, b = _wallet(platform, alice.id), _wallet(platform, bob.id)
    fund(platform, a.id, 10_000)
    transfer = platform.wallets.transfer(
        S.TransferCreate(
            debited_wallet_id=a.id, credited_wallet_id=b.id, amount=2_500, currency="EUR", fee=100
        ),
        idempotency_key="k1",
    )
    assert transfer.status == "succeeded"
    assert transfer.credited_amount == 2_400
    assert platform.wallets.wallet(a.id).balance == 7_500
    assert platform.wallets.wallet(b.id).balance == 2_400
    assert platform.wallets.platform_wallet("fees", "EUR").balance == 100
    again = platform.wallets.transfer(
        S.TransferCreate(
            debited_wallet_id=a.id, credited_wallet_id=b.id, amount=2_500, currency="EUR", fee=100
        ),
        idempotency_key="k1",
    )
    assert again.id == transfer.id
    assert platform.wallets.wallet(a.id).balance == 7_500
    statement = platform.wallets.statement(a.id)
    assert [line.balance for line in statement.data] == [10_000, 7_500]
    assert statement.data[-1].reference_id == transfer.id


def test_refusals(platform: WalletPlatform) -> None:
    alice = make_customer(platform, "Alice Martin")
    bob = make_customer(platform, "Bob Durand", level="none")
    a, b = _wallet(platform, alice.id), _wallet(platform, bob.id)
    usd = _wallet(platform, bob.id, "USD")
    fund(platform, a.id, 100_000)

    def transfer(
        amount: int,
        to: str = b.id,
        currency: str = "EUR",
        key: str | None = None,
        source: str = a.id,
    ) -> S.Transfer:
        return platform.wallets.transfer(
            S.TransferCreate(
                debited_wallet_id=source, credited_wallet_id=to, amount=amount, currency=currency
            ),
            idempotency_key=key,
        )

    # Bob is at KYC level none: 150 EUR per transaction and at most 150 EUR held
    transfer(13_000)
    with pytest.raises(errors.KycLimitExceeded) as info:
        transfer(2_500)
    assert info.value.details["limit"] == "max_balance"
    assert "max_balance" in info.value.message
    with pytest.raises(errors.CurrencyMismatch):
        transfer(100, to=usd.id)
    with pytest.raises(errors.CurrencyMismatch):
        transfer(100, currency="USD")
    with pytest.raises(errors.InsufficientFunds):
        transfer(14_000, source=b.id, to=a.id)
    transfer(1_000, key="same")
    with pytest.raises(errors.IdempotencyConflict):
        transfer(1_001, key="same")
    platform.wallets.set_wallet_status(a.id, "frozen")
    with pytest.raises(errors.WalletFrozen):
        transfer(100)
    # a frozen wallet still receives
    transfer(100, source=b.id, to=a.id)
    platform.wallets.set_wallet_status(a.id, "active")
    transfer(100)
    with pytest.raises(errors.KycLimitExceeded) as info:
        transfer(15_001)
    assert info.value.details["limit"] == "max_transaction_amount"


def test_merchant_payment_capture_void_refund(platform: WalletPlatform) -> None:
    buyer = make_customer(platform, "Alice Martin")
    seller = make_customer(platform, "Bob Durand")
    a, b = _wallet(platform, buyer.id), _wallet(platform, seller.id)
    fund(platform, a.id, 10_000)
    payment = platform.wallets.create_payment(
        S.PaymentCreate(
            buyer_wallet_id=a.id, seller_wallet_id=b.id, amount=4_000, currency="EUR", fee=200
        )
    )
    assert payment.status == "authorized"
    wallet = platform.wallets.wallet(a.id)
    assert (wallet.balance, wallet.available) == (10_000, 6_000)
    with pytest.raises(errors.CaptureExceedsAuthorization):
        platform.wallets.capture_payment(payment.id, 4_001)
    captured = platform.wallets.capture_payment(payment.id, 3_000)
    assert captured.captured_amount == 3_000
    assert platform.wallets.wallet(a.id).available == 7_000
    assert platform.wallets.wallet(b.id).balance == 2_800
    refund = platform.wallets.refund_payment(payment.id, 1_000)
    assert refund.status == "succeeded"
    with pytest.raises(errors.RefundExceedsCaptured):
        platform.wallets.refund_payment(payment.id, 2_001)
    platform.wallets.refund_payment(payment.id, 2_000 - 200)
    assert platform.wallets.payment(payment.id).refunded_amount == 2_800
    with pytest.raises(errors.InvalidState):
        platform.wallets.capture_payment(payment.id)

    second = platform.wallets.create_payment(
        S.PaymentCreate(buyer_wallet_id=a.id, seller_wallet_id=b.id, amount=1_000, currency="EUR")
    )
    assert platform.wallets.void_payment(second.id).status == "voided"
    assert platform.wallets.wallet(a.id).available == platform.wallets.wallet(a.id).balance


def test_escrow_release_and_return(platform: WalletPlatform) -> None:
    buyer = make_customer(platform, "Alice Martin")
    seller = make_customer(platform, "Bob Durand")
    a, b = _wallet(platform, buyer.id), _wallet(platform, seller.id)
    fund(platform, a.id, 10_000)
    held = platform.wallets.create_payment(
        S.PaymentCreate(
            buyer_wallet_id=a.id,
            seller_wallet_id=b.id,
            amount=5_000,
            currency="EUR",
            fee=500,
            escrow=True,
            capture=True,
        )
    )
    assert (held.status, held.escrow_status) == ("captured", "held")
    assert platform.wallets.wallet(b.id).balance == 0
    assert platform.wallets.wallet(a.id).balance == 5_000
    released = platform.wallets.release_escrow(held.id)
    assert released.escrow_status == "released"
    assert platform.wallets.wallet(b.id).balance == 4_500
    with pytest.raises(errors.InvalidState):
        platform.wallets.release_escrow(held.id)
    other = platform.wallets.create_payment(
        S.PaymentCreate(
            buyer_wallet_id=a.id,
            seller_wallet_id=b.id,
            amount=2_000,
            currency="EUR",
            fee=100,
            escrow=True,
            capture=True,
        )
    )
    platform.wallets.return_escrow(other.id)
    assert platform.wallets.wallet(a.id).balance == 5_000
    assert platform.wallets.platform_wallet("fees", "EUR").balance == 500


def test_units_that_read_then_write_run_concurrently(platform: WalletPlatform) -> None:
    """Compare-and-swap units from many threads all succeed, none lost, on both backends
    (on SQLite a unit takes the write lock when it begins: a deferred transaction that
    another writer overtook could not write at all)."""
    customer = make_customer(platform)
    wallet = _wallet(platform, customer.id)
    payin = platform.payins.bank_transfer(
        S.BankTransferSimulate(reference=wallet.bank_reference, amount=1_000, currency="EUR")
    )
    start = threading.Barrier(8)

    def bump() -> None:
        start.wait()
        for _ in range(10):
            platform.core.cas(
                T.payins, payin.id, lambda row: {"amount_disputed": row["amount_disputed"] + 1}
            )

    with ThreadPoolExecutor(8) as pool:
        for future in [pool.submit(bump) for _ in range(8)]:
            future.result()
    with platform.core.unit() as connection:
        row = R.get(connection, T.payins, payin.id)
    assert row is not None and row["amount_disputed"] == 80
