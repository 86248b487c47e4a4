"""The end-user API (/api/me/v1) on both backends: sign-up and sign-in, step-up enforced
by the server on every sensitive action, and data scoped to the signed-in user's own
customer (another user's wallets, pay-ins, beneficiaries and devices are not found)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

import coffer
from coffer.api import create_app
from coffer.api.settings import ApiSettings
from coffer.identity.users import AppSettings
from coffer.settings import Settings
from coffer.wallets import WalletSettings
from coffer.wallets import schemas as S
from coffer.wallets.endpoints import platform_for

PII_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
PASSWORD = "Umbrella-Kettle-Orbit-1984!"
ME = "/api/me/v1"


@pytest.fixture
def client(database_url: str, tmp_path: os.PathLike[str]) -> Iterator[TestClient]:
    settings = Settings(signing_key_file=os.path.join(tmp_path, "signing.key"))
    book = coffer.open(database_url, settings=settings)
    app = create_app(book, api_settings=ApiSettings(run_worker=False))
    app.state.wallets = None
    from coffer.wallets import open_wallets

    app.state.wallets = open_wallets(book, WalletSettings(pii_key=PII_KEY, pii_key_id="t"))
    app.state.app_settings = AppSettings(
        step_up_seconds=60, step_up_transfer_threshold=100, transfer_fee_basis_points=50
    )
    try:
        with TestClient(app) as test_client:
            yield test_client
    finally:
        book.close()


class User:
    """A signed-up user of the test: their token, TOTP secret and recovery codes."""

    def __init__(self, client: TestClient, email: str, name: str) -> None:
        self.client = client
        self.email = email
        answer = client.post(
            f"{ME}/sign-up", json={"email": email, "password": PASSWORD, "name": name}
        )
        assert answer.status_code == 201, answer.text
        self.token = answer.json()["token"]
        self.secret: str | None = None
        self.recovery: list[str] = []

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, status: int = 200) -> Any:
        answer = self.client.get(ME + path, headers=self.headers)
        assert answer.status_code == status, answer.text
        return answer.json() if answer.content else None

    def post(self, path: str, body: Any = None, status: int = 200, **headers: str) -> Any:
        answer = self.client.post(ME + path, json=body, headers={**self.headers, **headers})
        assert answer.status_code == status, answer.text
        return answer.json() if answer.content else None

    def delete(self, path: str, status: int = 204) -> None:
        answer = self.client.delete(ME + path, headers=self.headers)
        assert answer.status_code == status, answer.text

    def enrol_totp(self) -> None:
        setup = self.post("/security/totp")
        self.secret = setup["secret"]
        assert setup["uri"].startswith("otpauth://totp/")
        codes = self.post("/security/totp/confirm", {"code": pyotp.TOTP(self.secret).now()})
        self.recovery = codes["codes"]
        assert len(self.recovery) == 10

    def next_code(self) -> str:
        """A code of the next 30-second step (the current one was used to confirm)."""
        assert self.secret is not None
        return pyotp.TOTP(self.secret).at(time.time() + 30)

    def step_up(self) -> None:
        code = self.recovery.pop() if not self.secret_fresh() else self.next_code()
        answer = self.post("/security/step-up", {"code": code})
        assert answer["fresh"] is True

    _used_next = False

    def secret_fresh(self) -> bool:
        """The next step's code works once; recovery codes stand in afterwards."""
        fresh = not self._used_next
        self._used_next = True
        return fresh


def wallet_of(user: User, currency: str = "EUR") -> dict[str, Any]:
    return next(w for w in user.get("/wallets") if w["currency"] == currency)


def verify_kyc(client: TestClient, user: User) -> None:
    platform = platform_for(client.app)
    customer_id = user.get("/me")["customer_id"]
    document = platform.wallets.submit_kyc_document(
        customer_id, S.KycDocumentCreate(type="identity_proof", name="id.pdf", level="verified")
    )
    assert document.status == "validated"  # the sandbox validates at once


def top_up(user: User, amount: int) -> dict[str, Any]:
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
    payin = user.post(
        "/top-ups",
        {"wallet_id": wallet_of(user)["id"], "amount": amount, "card": card},
        status=201,
    )
    assert payin["status"] in ("succeeded", "processing"), payin
    return payin


def test_sign_up_then_sign_in_with_a_second_factor(client: TestClient) -> None:
    alice = User(client, "alice@example.org", "Alice Martin")
    me = alice.get("/me")
    assert me["email"] == "alice@example.org" and me["totp"] is False
    assert [w["currency"] for w in alice.get("/wallets")] == ["EUR"]
    alice.enrol_totp()
    # a wrong password and an unknown email answer the same
    wrong = client.post(f"{ME}/sign-in", json={"email": alice.email, "password": "nope"})
    unknown = client.post(f"{ME}/sign-in", json={"email": "bob@x.org", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]
    first = client.post(f"{ME}/sign-in", json={"email": "ALICE@example.org ", "password": PASSWORD})
    assert first.json()["status"] == "second_factor_required"
    assert first.json()["methods"] == ["totp"]
    pending = {"Authorization": f"Bearer {first.json()['token']}"}
    assert client.get(f"{ME}/me", headers=pending).status_code == 401  # not signed in yet
    bad = client.post(f"{ME}/sign-in/second-factor", json={"code": "000000"}, headers=pending)
    assert bad.status_code == 401
    good = client.post(
        f"{ME}/sign-in/second-factor", json={"code": alice.next_code()}, headers=pending
    )
    assert good.status_code == 200 and good.json()["status"] == "signed_in"
    token = good.json()["token"]
    assert token != first.json()["token"]  # rotated
    assert client.get(f"{ME}/me", headers=pending).status_code == 401
    second = {"Authorization": f"Bearer {token}"}
    me = client.get(f"{ME}/me", headers=second).json()
    assert me["step_up"]["fresh"] is False  # signing in is not a step-up
    devices = alice.get("/devices")
    assert len(devices) == 2 and sum(d["current"] for d in devices) == 1
    other = next(d for d in devices if not d["current"])
    alice.delete(f"/devices/{other['id']}")
    assert client.get(f"{ME}/me", headers=second).status_code == 401  # revoked at once
    alice.post("/sign-out", status=204)
    assert client.get(f"{ME}/me", headers=alice.headers).status_code == 401


def test_sensitive_actions_need_a_fresh_second_factor(client: TestClient) -> None:
    alice = User(client, "alice@example.org", "Alice Martin")
    bob = User(client, "bob@example.org", "Bob Stone")
    verify_kyc(client, alice)
    verify_kyc(client, bob)
    top_up(alice, 50_000)
    alice.enrol_totp()  # the first factor needs no step-up (there is none to give)
    assert alice.get("/me")["step_up"]["fresh"] is False

    # a new beneficiary: refused until a second factor is checked
    bank = {"kind": "bank_account", "name": "My bank", "iban": "DE89370400440532013000",
            "holder_name": "Alice Martin"}  # fmt: skip
    refused = alice.post("/beneficiaries", bank, status=403)
    assert refused["error"]["code"] == "step_up_required"
    assert refused["error"]["details"]["action"] == "beneficiary"
    assert alice.get("/beneficiaries") == []

    # a small transfer needs none; one above the threshold (100 EUR) does
    small = {"wallet_id": wallet_of(alice)["id"], "amount": 1_000, "to_email": bob.email}
    quote = alice.post("/transfers/quote", small)
    assert (quote["fee"], quote["credited_amount"], quote["step_up_required"]) == (5, 995, False)
    alice.post("/transfers", small, status=201)
    large = {**small, "amount": 20_000}
    assert alice.post("/transfers/quote", large)["step_up_required"] is True
    assert alice.post("/transfers", large, status=403)["error"]["code"] == "step_up_required"
    assert wallet_of(bob)["balance"] == 995

    # a wrong code does not step up
    assert alice.post("/security/step-up", {"code": "123456"}, status=403)
    alice.step_up()
    account = alice.post("/beneficiaries", bank, status=201)
    assert account["iban_last4"] == "3000"
    alice.post("/transfers", large, status=201)
    assert wallet_of(bob)["balance"] == 995 + 19_900
    payout = {"wallet_id": wallet_of(alice)["id"], "beneficiary_id": account["id"], "amount": 500}
    assert alice.post("/payouts", payout, status=201)["status"] == "created"

    # past the window the same actions are refused again
    users = client.app.state.wallet_app.users
    real_clock = users.clock
    users.clock = lambda: real_clock() + 61
    try:
        assert alice.post("/payouts", payout, status=403)["error"]["code"] == "step_up_required"
        assert alice.post("/transfers", large, status=403)["error"]["code"] == "step_up_required"
        assert alice.delete("/security/totp", status=403) is None
    finally:
        users.clock = real_clock
    assert len(alice.get("/payouts")) == 1

    # changing the second factors needs one too (a recovery code works)
    alice.step_up()
    alice.delete("/security/totp")
    assert alice.get("/me")["totp"] is False
    kinds = [n["kind"] for n in alice.get("/notifications")]
    assert {"payout_created", "money_sent", "totp_enabled", "totp_removed"} <= set(kinds)
    assert "money_received" in [n["kind"] for n in bob.get("/notifications")]


def test_a_user_reaches_only_their_own_data(client: TestClient) -> None:
    alice = User(client, "alice@example.org", "Alice Martin")
    mallory = User(client, "mallory@example.org", "Mallory Grey")
    verify_kyc(client, alice)
    payin = top_up(alice, 10_000)
    alice.enrol_totp()
    alice.step_up()
    bank = {"kind": "bank_account", "name": "Bank", "iban": "DE89370400440532013000",
            "holder_name": "Alice Martin"}  # fmt: skip
    beneficiary = alice.post("/beneficiaries", bank, status=201)
    wallet = wallet_of(alice)
    alice_device = alice.get("/devices")[0]["id"]

    # every route with Alice's ids, called by Mallory: not found, and nothing changes
    mallory.get(f"/wallets/{wallet['id']}", status=404)
    mallory.get(f"/history?wallet_id={wallet['id']}", status=404)
    mallory.get(f"/top-ups/{payin['id']}", status=404)
    mallory.post("/transfers/quote", {"wallet_id": wallet["id"], "amount": 100,
                                      "to_email": mallory.email}, status=404)  # fmt: skip
    mallory.post("/transfers", {"wallet_id": wallet["id"], "amount": 100,
                                "to_email": mallory.email}, status=404)  # fmt: skip
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
    mallory.post("/top-ups", {"wallet_id": wallet["id"], "amount": 100, "card": card}, status=404)
    mallory.enrol_totp()
    mallory.step_up()
    mallory.post("/payouts", {"wallet_id": wallet["id"], "beneficiary_id": beneficiary["id"],
                              "amount": 100}, status=404)  # fmt: skip
    own = wallet_of(mallory)["id"]
    refused = mallory.post(
        "/payouts", {"wallet_id": own, "beneficiary_id": beneficiary["id"], "amount": 100},
        status=404,
    )  # fmt: skip
    assert refused["error"]["code"] == "beneficiary_not_found"
    mallory.post("/transfers/quote", {"wallet_id": own, "amount": 100,
                                      "beneficiary_id": beneficiary["id"]}, status=404)  # fmt: skip
    mallory.delete(f"/beneficiaries/{beneficiary['id']}", status=404)
    mallory.delete(f"/devices/{alice_device}", status=404)
    mallory.post(f"/notifications/{alice.get('/notifications')[0]['id']}/read", status=404)
    assert mallory.get("/beneficiaries") == []
    assert [w["id"] for w in mallory.get("/wallets")] == [own]
    assert all(line["wallet_id"] == own for line in mallory.get("/history"))

    assert wallet_of(alice)["balance"] == 10_000
    assert [b["id"] for b in alice.get("/beneficiaries")] == [beneficiary["id"]]
    assert alice.get("/devices")[0]["id"] == alice_device
    assert all(not n["read"] for n in alice.get("/notifications"))
    history = alice.get("/history")
    assert [line["type"] for line in history] == ["payin"] and history[0]["amount"] == 10_000
    # no token, or a token of another realm, reaches nothing
    assert client.get(f"{ME}/wallets").status_code == 401
    assert client.get(f"{ME}/wallets", headers={"Authorization": "Bearer x"}).status_code == 401


def test_a_long_password_is_rated_not_refused_by_the_rater(client: TestClient) -> None:
    long_password = "Umbrella-Kettle-Orbit-1984!" * 4  # 108 characters: zxcvbn rates 72
    answer = client.post(
        f"{ME}/sign-up",
        json={"email": "long@example.org", "password": long_password, "name": "Lee Long"},
    )
    assert answer.status_code == 201, answer.text
    weak = client.post(
        f"{ME}/sign-up",
        json={"email": "weak@example.org", "password": "password" * 10, "name": "Wes Weak"},
    )
    assert weak.status_code == 400 and weak.json()["error"]["code"] == "weak_password"
