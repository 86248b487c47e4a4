"""What an integrator meets: URLs handed out, statement lines that say what they were."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import coffer
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets
from coffer.wallets import schemas as S
from coffer.wallets.endpoints import platform_for, router
from wallets.conftest import PII_KEY
from wallets.helpers import fund, make_customer
from wallets.test_endpoints import FakeAuthority

CHALLENGE = "4000000000003220"
SUCCESS = "4242424242424242"
PAYIN_3DS = {
    "amount": 5_000,
    "currency": "EUR",
    "card": {"number": CHALLENGE, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
}
AUTH = {"Authorization": "Bearer wallets:read wallets:write"}


def _app(coffer_db: coffer.Coffer, platform: WalletPlatform | None = None) -> FastAPI:
    app = FastAPI()
    app.state.server = SimpleNamespace(coffer=coffer_db, authority=FakeAuthority())
    if platform is not None:
        app.state.wallets = platform
    app.include_router(router)
    return app


def _wallet(platform: WalletPlatform, currency: str = "EUR") -> S.Wallet:
    customer = make_customer(platform, "Nina Next")
    return platform.wallets.create_wallet(
        S.WalletCreate(customer_id=customer.id, currency=currency)
    )


@pytest.mark.parametrize("base", ["http://shop.example:9123", "https://pay.example"])
def test_next_action_url_is_built_from_the_request(
    coffer_db: coffer.Coffer, platform: WalletPlatform, base: str
) -> None:
    wallet = _wallet(platform)
    with TestClient(_app(coffer_db, platform), base_url=base, headers=AUTH) as api:
        body = {"wallet_id": wallet.id, **PAYIN_3DS}
        created = api.post("/api/wallets/v1/payins/card", json=body).json()
        url = created["next_action"]["url"]
        assert url.startswith(f"{base}/api/wallets/v1/sandbox/3ds/{created['id']}?token=")
        again = api.get(f"/api/wallets/v1/payins/{created['id']}").json()
        assert again["next_action"]["url"] == url
        listed = api.get(f"/api/wallets/v1/payins?wallet_id={wallet.id}").json()
        assert listed["data"][0]["next_action"]["url"] == url
        assert api.get(url).status_code == 200  # the challenge page answers there


def test_next_action_url_from_the_setting_then_serves_address(coffer_db: coffer.Coffer) -> None:
    configured = open_wallets(
        coffer_db,
        WalletSettings(
            pii_key=PII_KEY, pii_key_id="test1", public_base_url="https://wallets.example/"
        ),
    )
    wallet = _wallet(configured)
    payin = configured.payins.create_card_payin(
        S.CardPayinCreate.model_validate({"wallet_id": wallet.id, **PAYIN_3DS})
    )
    assert payin.next_action is not None
    assert payin.next_action.url.startswith("https://wallets.example/api/wallets/v1/sandbox/3ds/")
    # no setting: `coffer serve --host H --port P` gives its address to the app
    app = _app(coffer_db)
    app.state.public_base_url = "http://10.1.2.3:8765"
    served = platform_for(app)
    assert served.settings.public_base_url == "http://10.1.2.3:8765"


def _types(platform: WalletPlatform, wallet_id: str) -> list[tuple[str | None, str | None]]:
    lines = platform.wallets.statement(wallet_id, limit=100).data
    assert all(line.type and line.reference_id for line in lines), lines
    return [(line.type, line.reference_id) for line in lines]


def test_every_statement_line_says_what_it_was(platform: WalletPlatform) -> None:
    buyer = _wallet(platform)
    seller_customer = make_customer(platform, "Sol Seller")
    seller = platform.wallets.create_wallet(
        S.WalletCreate(customer_id=seller_customer.id, currency="EUR")
    )
    payin = platform.payins.create_card_payin(
        S.CardPayinCreate(
            wallet_id=buyer.id,
            amount=50_000,
            currency="EUR",
            card=S.Card(number=SUCCESS, exp_month=12, exp_year=2034, cvc="123"),
        )
    )
    # a payment capture (partial), an escrow capture, a pay-in refund, a payout marked paid
    payment = platform.wallets.create_payment(
        S.PaymentCreate(
            buyer_wallet_id=buyer.id,
            seller_wallet_id=seller.id,
            amount=3_000,
            currency="EUR",
            fee=100,
        )
    )
    platform.wallets.capture_payment(payment.id, 2_000)
    escrowed = platform.wallets.create_payment(
        S.PaymentCreate(
            buyer_wallet_id=buyer.id,
            seller_wallet_id=seller.id,
            amount=4_000,
            currency="EUR",
            escrow=True,
        )
    )
    platform.wallets.capture_payment(escrowed.id)
    platform.wallets.release_escrow(escrowed.id)
    refund = platform.payins.refund_payin(payin.id, 1_000)
    bank = platform.payouts.add_bank_account(
        S.BankAccountCreate(
            customer_id=seller_customer.id,
            holder_name="Sol Seller",
            iban="FR1420041010050500013M02606",
        )
    )
    payout = platform.payouts.create_payout(
        S.PayoutCreate(wallet_id=seller.id, bank_account_id=bank.id, amount=500, currency="EUR")
    )
    assert platform.payouts.export_batch() is not None
    platform.payouts.settle(payout.id, S.PayoutOutcome(status="paid"))

    assert _types(platform, buyer.id) == [
        ("payin", payin.id),
        ("payment", payment.id),  # the capture
        ("payment", escrowed.id),  # the escrow capture
        ("refund", refund.id),
    ]
    assert _types(platform, seller.id) == [
        ("payment", payment.id),  # settled at capture
        ("payment", escrowed.id),  # the escrow released
        ("payout", payout.id),
    ]


def test_a_funded_wallet_statement_from_the_ledger_directly(platform: WalletPlatform) -> None:
    wallet = _wallet(platform)
    fund(platform, wallet.id, 100)  # straight through the ledger, not a wallets movement
    lines = platform.wallets.statement(wallet.id).data
    assert [(line.amount, line.type) for line in lines] == [(100, None)]


def _marketplace(platform: WalletPlatform) -> SimpleNamespace:
    """Two customers with a wallet each, and one object of every resource."""
    alice, bob = make_customer(platform, "Alma List"), make_customer(platform, "Bert List")
    a = platform.wallets.create_wallet(S.WalletCreate(customer_id=alice.id, currency="EUR"))
    b = platform.wallets.create_wallet(S.WalletCreate(customer_id=bob.id, currency="EUR"))
    card = S.Card(number=SUCCESS, exp_month=12, exp_year=2034, cvc="123")
    payin = platform.payins.create_card_payin(
        S.CardPayinCreate(wallet_id=a.id, amount=10_000, currency="EUR", card=card)
    )
    transfer = platform.wallets.transfer(
        S.TransferCreate(
            debited_wallet_id=a.id, credited_wallet_id=b.id, amount=100, currency="EUR"
        )
    )
    payment = platform.wallets.create_payment(
        S.PaymentCreate(
            buyer_wallet_id=a.id, seller_wallet_id=b.id, amount=500, currency="EUR", capture=True
        )
    )
    payment_refund = platform.wallets.refund_payment(payment.id, 100)
    payin_refund = platform.payins.refund_payin(payin.id, 200)
    dispute = platform.payins.open_dispute(payin.id, S.DisputeCreate(amount=300))
    bank = platform.payouts.add_bank_account(
        S.BankAccountCreate(
            customer_id=bob.id, holder_name="Bert List", iban="FR1420041010050500013M02606"
        )
    )
    payout = platform.payouts.create_payout(
        S.PayoutCreate(wallet_id=b.id, bank_account_id=bank.id, amount=50, currency="EUR")
    )
    batch = platform.payouts.export_batch()
    assert batch is not None
    return SimpleNamespace(**locals())


def test_every_resource_is_listed_and_retrieved(
    coffer_db: coffer.Coffer, platform: WalletPlatform
) -> None:
    m = _marketplace(platform)
    with TestClient(_app(coffer_db, platform), headers=AUTH) as api:

        def ids(path: str) -> list[str]:
            response = api.get(f"/api/wallets/v1/{path}")
            assert response.status_code == 200, response.text
            return [item["id"] for item in response.json()["data"]]

        def retrieve(path: str) -> dict[str, object]:
            response = api.get(f"/api/wallets/v1/{path}")
            assert response.status_code == 200, response.text
            return dict(response.json())

        a, b, alice, bob = m.a.id, m.b.id, m.alice.id, m.bob.id
        assert ids(f"payments?wallet_id={a}") == [m.payment.id]
        assert ids(f"payments?customer_id={bob}&status=captured") == [m.payment.id]
        assert ids("payments?status=voided") == []
        assert retrieve(f"payments/{m.payment.id}")["amount"] == 500
        assert ids("payouts") == [m.payout.id] == ids(f"payouts?customer_id={bob}")
        assert ids(f"payouts?wallet_id={a}") == [] and ids("payouts?status=processing")
        assert ids(f"refunds?wallet_id={a}") == [m.payin_refund.id, m.payment_refund.id]
        assert ids(f"refunds?wallet_id={b}") == [m.payment_refund.id]
        assert retrieve(f"refunds/{m.payin_refund.id}")["target_id"] == m.payin.id
        assert ids(f"disputes?customer_id={alice}") == [m.dispute.id]
        assert ids(f"disputes?customer_id={bob}") == []
        assert ids(f"bank_accounts?customer_id={bob}") == [m.bank.id]
        assert ids(f"bank_accounts?wallet_id={b}") == [m.bank.id]
        assert ids(f"bank_accounts?wallet_id={a}") == []
        assert len(ids(f"kyc_documents?customer_id={alice}")) == 1
        assert ids("kyc_documents?status=refused") == []
        assert ids(f"transfers?wallet_id={b}") == [m.transfer.id]
        assert ids(f"wallets?customer_id={alice}") == [a]
        assert ids(f"customers?wallet_id={b}") == [bob]
        assert ids(f"payins?customer_id={alice}&status=succeeded") == [m.payin.id]
        # the created range, and the cursor
        later = "2100-01-01T00:00:00Z"
        assert ids(f"payments?created_lt={later}") == [m.payment.id]
        assert ids(f"payments?created_gte={later}") == []
        first = api.get("/api/wallets/v1/refunds?limit=1").json()
        assert first["has_more"] and len(first["data"]) == 1
        after = first["data"][0]["id"]
        assert ids(f"refunds?limit=1&starting_after={after}") == [m.payment_refund.id]
        # refused filters: unknown parameters, a status on a resource without one
        assert api.get("/api/wallets/v1/payments?colour=red").status_code == 422
        refused = api.get("/api/wallets/v1/bank_accounts?status=x")
        assert refused.status_code == 400
        # payout batches: listed, retrieved, and their pain.001 downloaded again, same bytes
        assert ids("payout_batches") == [m.batch.id] == ids(f"payout_batches?wallet_id={b}")
        assert ids(f"payout_batches?wallet_id={a}") == []
        again = retrieve(f"payout_batches/{m.batch.id}")
        assert again["xml"] == m.batch.xml and again["payout_ids"] == [m.payout.id]
        download = api.get(f"/api/wallets/v1/payout_batches/{m.batch.id}/pain001")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("application/xml")
        assert download.content == m.batch.xml.encode()
        missing = api.get("/api/wallets/v1/payout_batches/pb_0000000000000000000000/pain001")
        assert missing.status_code == 404


def test_a_luhn_failure_is_a_card_error_like_stripes(
    coffer_db: coffer.Coffer, platform: WalletPlatform
) -> None:
    wallet = _wallet(platform)
    with TestClient(_app(coffer_db, platform), headers=AUTH) as api:
        card = {"number": "4242424242424241", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
        body = {"wallet_id": wallet.id, "amount": 100, "currency": "EUR", "card": card}
        response = api.post("/api/wallets/v1/payins/card", json=body)
        assert response.status_code == 402
        error = response.json()["error"]
        assert (error["type"], error["code"], error["param"]) == (
            "card_error",
            "incorrect_number",
            "card[number]",
        )
        card["number"] = "4000000000000002"  # declined: decline_code at the top, as Stripe
        declined = api.post("/api/wallets/v1/payins/card", json=body).json()["error"]
        assert (declined["code"], declined["decline_code"]) == ("card_declined", "generic_decline")


@pytest.mark.parametrize("amount", ["10", 10.0, True, "1e3"])
def test_amounts_must_be_json_integers(
    coffer_db: coffer.Coffer, platform: WalletPlatform, amount: object
) -> None:
    a, b = _wallet(platform), _wallet(platform, "USD")
    with TestClient(_app(coffer_db, platform), headers=AUTH) as api:
        transfer = {"debited_wallet_id": a.id, "credited_wallet_id": b.id, "currency": "EUR"}
        for path, body in (
            ("/transfers", {**transfer, "amount": amount}),
            ("/transfers", {**transfer, "amount": 10, "fee": amount}),
            (
                "/payments",
                {
                    "buyer_wallet_id": a.id,
                    "seller_wallet_id": b.id,
                    "currency": "EUR",
                    "amount": amount,
                },
            ),
            (
                "/payins/card",
                {
                    "wallet_id": a.id,
                    "currency": "EUR",
                    "amount": amount,
                    "payment_method": "pm_card_visa",
                },
            ),
        ):
            response = api.post(f"/api/wallets/v1{path}", json=body)
            assert response.status_code == 422, (path, response.text)
            assert response.json()["error"]["code"] == "parameter_invalid"


def test_messages_speak_wallets_and_name_the_next_step(platform: WalletPlatform) -> None:
    from coffer import errors

    a, b = _wallet(platform), _wallet(platform)
    with pytest.raises(errors.InsufficientFunds) as info:
        platform.wallets.transfer(
            S.TransferCreate(
                debited_wallet_id=a.id, credited_wallet_id=b.id, amount=5, currency="EUR"
            )
        )
    assert "overdraft" not in info.value.message and "credit the wallet" in info.value.message
    assert info.value.details["wallet_id"] == a.id
    fund(platform, a.id, 1_000)
    customer = platform.wallets.wallet(a.id).customer_id
    assert customer is not None
    bank = platform.payouts.add_bank_account(
        S.BankAccountCreate(
            customer_id=customer, holder_name="N N", iban="FR1420041010050500013M02606"
        )
    )
    payout = platform.payouts.create_payout(
        S.PayoutCreate(wallet_id=a.id, bank_account_id=bank.id, amount=100, currency="EUR")
    )
    with pytest.raises(errors.InvalidState) as state:
        platform.payouts.settle(payout.id, S.PayoutOutcome(status="paid"))
    assert "add it to a payout batch first" in state.value.message


def test_every_event_carries_its_resource_as_data_object(platform: WalletPlatform) -> None:
    m = _marketplace(platform)
    # more of the lifecycle: freeze/unfreeze, a voided payment, an escrow returned, a paid
    # and a returned payout, a lost dispute, a refused KYC document, a 3-D Secure pay-in
    platform.wallets.set_wallet_status(m.a.id, "frozen")
    platform.wallets.set_wallet_status(m.a.id, "active")
    voided = platform.wallets.create_payment(
        S.PaymentCreate(buyer_wallet_id=m.a.id, seller_wallet_id=m.b.id, amount=5, currency="EUR")
    )
    platform.wallets.void_payment(voided.id)
    escrowed = platform.wallets.create_payment(
        S.PaymentCreate(
            buyer_wallet_id=m.a.id,
            seller_wallet_id=m.b.id,
            amount=7,
            currency="EUR",
            escrow=True,
            capture=True,
        )
    )
    platform.wallets.return_escrow(escrowed.id)
    platform.payouts.settle(m.payout.id, S.PayoutOutcome(status="paid"))
    platform.payouts.settle(m.payout.id, S.PayoutOutcome(status="returned"))
    platform.payins.close_dispute(m.dispute.id, "lost")
    platform.wallets.submit_kyc_document(
        m.alice.id, S.KycDocumentCreate(type="address_proof", name="refuse-me.pdf")
    )
    platform.payins.create_card_payin(
        S.CardPayinCreate.model_validate({"wallet_id": m.a.id, **PAYIN_3DS})
    )
    events, after = [], None
    while True:
        page = platform.webhooks.events(limit=100, starting_after=after)
        events += page.data
        if not page.has_more:
            break
        after = page.data[-1].id
    seen = set()
    for event in events:
        assert event.type in S.EVENT_TYPES, event.type
        assert set(event.data) == {"object"}, event.type
        schema = S.EVENT_OBJECTS[event.type.split(".")[0]]
        resource = schema.model_validate(event.data["object"])
        assert resource.model_dump(mode="json") == event.data["object"]
        seen.add(event.type)
    assert len(seen) >= 25, sorted(set(S.EVENT_TYPES) - seen)
