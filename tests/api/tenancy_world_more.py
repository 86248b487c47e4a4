"""The rest of the tenancy world (tests/api/tenancy_world.py): platform alpha's risk objects
(a rule, a list entry, a decision, a case, its saved settings, a model version),
automations objects (an automation with two versions, a run waiting on its approval, a
spending policy, a payment batch waiting on its approval), and the wallet app's end users with their /api/me/v1 sessions: Ada
(alpha) owns a wallet, a card top-up, a beneficiary, a device, a passkey, a notification,
a budget, a goal, a round-up rule and its pot, a conversion quote and loyalty points in
alpha's program; Carol (another customer of alpha) and Mallory (a customer of
beta) each hold a session with a fresh second factor, so that step-up never hides what
a route would do with Ada's objects."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import sqlalchemy as sa
from tests.api.tenancy_world import WALLETS, World, ok

from coffer.identity.factors.repository import PasskeyRow, add_passkey
from coffer.identity.users import AppSettings
from coffer.risk.online import tables as RT
from coffer.risk.online.core import CACHE_SECONDS
from coffer.wallets import schemas as S
from coffer.wallets import tables as WT
from coffer.wallets.endpoints import platform_for

ME = "/api/me/v1"
RISK = "/api/risk/v1"
AUTOMATIONS = "/api/automations/v1"
PASSWORD = "Umbrella-Kettle-Orbit-1984!"
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
REVIEWED_AMOUNT = 4_321  # alpha's risk rule sends transfers of exactly this to review
APPROVAL_WAIT_SECONDS = 30.0


def build_more(world: World, suffix: str) -> None:
    _risk_objects(world, suffix)
    _automation_objects(world)
    _end_users(world, suffix)


def _risk_objects(world: World, suffix: str) -> None:
    c, h, ids = world.client, world.headers["alpha"], world.ids
    rule = f"alpha_review_{suffix}"
    body = {"expression": f"tx.amount == {REVIEWED_AMOUNT}", "action": "review"}
    ok(c.put(f"{RISK}/rules/{rule}", headers=h, json=body), 201)
    ids["rule_name"] = rule
    entry = ok(
        c.post(
            f"{RISK}/lists",
            headers=h,
            json={"list": "block", "kind": "device", "value": f"alpha-device-{suffix}"},
        ),
        201,
    )
    ids["list_entry_id"] = entry["id"]
    time.sleep(CACHE_SECONDS + 0.1)  # the risk check's cache of alpha's rules sees the rule
    transfer = ok(
        c.post(
            f"{WALLETS}/transfers",
            headers=h,
            json={
                "debited_wallet_id": ids["wallet_id"],
                "credited_wallet_id": ids["other_wallet_id"],
                "amount": REVIEWED_AMOUNT,
                "currency": "EUR",
            },
        )
    )
    assert transfer["status"] == "in_review", transfer
    cases = ok(c.get(f"{RISK}/cases", headers=h))["data"]
    ids["case_id"] = next(case["id"] for case in cases if case["movement_id"] == transfer["id"])
    decisions = ok(c.get(f"{RISK}/decisions", headers=h))["data"]
    ids["decision_id"] = decisions[0]["id"]
    # no sanctions list is loaded in this world: a screening hit's id that exists nowhere
    ids["hit_id"] = "hit_unknown"
    saved = ok(c.put(f"{RISK}/settings", headers=h, json={"review_expiry_policy": "escalate"}))
    ids["alpha_client_id"] = saved["updated_by"]  # alpha's client, in alpha's settings
    ids["model_version_id"] = _model_version(world, suffix)


def _model_version(world: World, suffix: str) -> str:
    """A version of alpha's risk model, written as registering a trained folder would
    (training one would take far longer than this test)."""
    version_id = f"rmv_alpha{suffix}"
    now = time.time_ns() // 1000
    row = {"id": version_id, "platform_id": world.platforms["alpha"], "version": 1,
           "model_dir": f"/nonexistent/alpha-model-{suffix}", "model_id": f"alpha-{suffix}",
           "window_start": None, "window_end": None, "metrics": "{}", "feature_names": "[]",
           "active": False, "activated_at": None, "created_by": "alpha", "created_at": now}  # fmt: skip
    with world.instance.engine.begin() as connection:
        connection.execute(sa.insert(RT.model_versions).values(row))
    return version_id


def _automation_objects(world: World) -> None:
    c, h, ids = world.client, world.headers["alpha"], world.ids
    definition = {
        "trigger": {"type": "manual"},
        "steps": [{"id": "ok", "type": "approval", "message": "alpha's approval"}],
    }
    automation = ok(
        c.post(
            f"{AUTOMATIONS}/automations",
            headers=h,
            json={"name": "alpha approvals", "definition": definition},
        ),
        201,
    )
    ids["automation_id"] = automation["id"]
    edited = {**definition, "steps": [{**definition["steps"][0], "message": "alpha's v2"}]}
    ok(
        c.post(
            f"{AUTOMATIONS}/automations/{automation['id']}",
            headers=h,
            json={"definition": edited},
        )
    )
    run = ok(c.post(f"{AUTOMATIONS}/automations/{automation['id']}/runs", headers=h, json={}), 201)
    ids["run_id"] = run["id"]
    deadline = time.monotonic() + APPROVAL_WAIT_SECONDS
    approvals: list[Any] = []
    while not approvals and time.monotonic() < deadline:  # the server's worker runs it
        approvals = ok(c.get(f"{AUTOMATIONS}/approvals", headers=h))["data"]
        if not approvals:
            time.sleep(0.1)
    assert approvals, "the automations worker did not reach the approval step"
    ids["approval_id"] = approvals[0]["id"]
    policy = ok(
        c.post(
            f"{AUTOMATIONS}/spending_policies",
            headers=h,
            json={
                "name": "alpha's limit",
                "wallet_id": ids["wallet_id"],
                "rules": {"currency": "EUR", "max_per_transaction": 1_000_000},
            },
        ),
        201,
    )
    ids["policy_id"] = policy["id"]
    batch = {
        "source_wallet_id": ids["wallet_id"],
        "currency": "EUR",
        "name": "alpha payroll",
        "lines": [{"wallet_id": ids["other_wallet_id"], "amount": 100, "reference": "pay"}],
    }
    made = ok(c.post(f"{AUTOMATIONS}/payment_batches", headers=h, json=batch), 201)
    ids["payment_batch_id"] = made["id"]  # waiting for its approval


class EndUser:
    """A signed-up user of the wallet app, signed in with a fresh second factor."""

    def __init__(self, world: World, email: str, name: str) -> None:
        self.client = world.client
        self.email = email
        answer = ok(
            self.client.post(
                f"{ME}/sign-up", json={"email": email, "password": PASSWORD, "name": name}
            ),
            201,
        )
        self.headers = {"Authorization": f"Bearer {answer['token']}"}
        setup = self.post("/security/totp")
        secret = setup["secret"]
        self.post("/security/totp/confirm", {"code": pyotp.TOTP(secret).now()})
        # the code of the next 30-second step (the current one confirmed the secret)
        stepped = self.post("/security/step-up", {"code": pyotp.TOTP(secret).at(time.time() + 30)})
        assert stepped["fresh"] is True
        self.me = self.get("/me")

    def get(self, path: str) -> Any:
        return ok(self.client.get(ME + path, headers=self.headers))

    def post(self, path: str, body: Any = None, status: int = 200) -> Any:
        return ok(self.client.post(ME + path, json=body, headers=self.headers), status)


def _serve_platform(world: World, platform_id: str) -> None:
    """The wallet app serves one platform's sign-ups (COFFER_APP_PLATFORM_ID)."""
    app = world.client.app
    app.state.app_settings = AppSettings(platform_id=platform_id, step_up_seconds=3_600)
    app.state.wallet_app = None  # built again, for that platform, on the next request


def _end_users(world: World, suffix: str) -> None:
    alpha, beta = world.platforms["alpha"], world.platforms["beta"]
    _serve_platform(world, beta)
    mallory = EndUser(world, f"mallory-{suffix}@example.org", "Mallory Beta")
    _serve_platform(world, alpha)
    ada = EndUser(world, f"ada-{suffix}@example.org", "Ada Lovelace")
    carol = EndUser(world, f"carol-{suffix}@example.org", "Carol Alpha")
    wallets = platform_for(world.client.app, alpha).wallets
    document = wallets.submit_kyc_document(
        ada.me["customer_id"],
        S.KycDocumentCreate(type="identity_proof", name="id.pdf", level="verified"),
    )
    assert document.status == "validated"
    ids = world.ids
    wallet = ada.get("/wallets")[0]
    ids["user_wallet_id"] = wallet["id"]
    payin = ada.post("/top-ups", {"wallet_id": wallet["id"], "amount": 5_000, "card": CARD}, 201)
    ids["user_payin_id"] = payin["id"]
    beneficiary = ada.post(
        "/beneficiaries",
        {
            "kind": "bank_account",
            "name": "Ada's bank",
            "iban": "DE89370400440532013000",
            "holder_name": "Ada Lovelace",
        },
        201,
    )
    ids["beneficiary_id"] = beneficiary["id"]
    ids["device_id"] = ada.get("/devices")[0]["id"]
    ids["notification_id"] = ada.get("/notifications")[0]["id"]
    passkey_id = f"pk_alpha{suffix}"
    with world.instance.engine.begin() as connection:
        add_passkey(
            connection,
            PasskeyRow(
                id=passkey_id,
                subject=ada.me["id"],
                platform_id=alpha,
                credential_id=f"credential-{suffix}".encode(),
                public_key=b"\x01" * 77,
                sign_count=0,
                transports="internal",
                name="Ada's phone",
                created_at=time.time_ns() // 1000,
                last_used_at=None,
            ),
        )
    ids["passkey_id"] = passkey_id
    ids["user_email"] = ada.email
    world.headers.update(ada=ada.headers, carol=carol.headers, mallory=mallory.headers)
    _ada_domains(world, ada)
    _screened(world)


def _screened(world: World) -> None:
    """Wait for the worker's screening of every customer of alpha (its rows must not
    appear during the test, as if another platform's call had made them)."""
    hits, customers = RT.screening_hits, WT.customers
    alpha = world.platforms["alpha"]
    unscreened = sa.select(sa.func.count()).where(
        customers.c.platform_id == alpha,
        ~customers.c.id.in_(sa.select(hits.c.subject_id).where(hits.c.platform_id == alpha)),
    )
    deadline = time.monotonic() + APPROVAL_WAIT_SECONDS
    while time.monotonic() < deadline:
        with world.instance.engine.connect() as connection:
            if connection.execute(unscreened).scalar() == 0:
                return
        time.sleep(0.1)
    raise AssertionError("the worker did not screen the new customers")


def _ada_domains(world: World, ada: EndUser) -> None:
    """Ada's objects in the wallet app's domains: a budget, a goal, a round-up rule and
    the pot it saves into, a conversion quote, and loyalty points in alpha's program."""
    ids, wallet_id = world.ids, world.ids["user_wallet_id"]
    budget = ada.post(
        "/budgets", {"category": "FOOD_AND_DRINK", "amount": 9_000, "currency": "EUR"}, 201
    )
    ids["user_budget_id"] = budget["id"]
    ids["user_customer_id"] = ada.me["customer_id"]
    goal = ada.post(
        "/goals", {"name": "Ada's bike", "target_amount": 70_000, "currency": "EUR"}, 201
    )
    ids["user_goal_id"] = goal["goal_id"]
    rule = ada.post("/automations", {"recipe": "round_up", "wallet_id": wallet_id}, 201)
    ids["user_automation_id"] = rule["id"]
    ids["user_pot_id"] = ada.get("/pots")[0]["id"]
    lines = ada.get("/spending")
    ids["user_transaction_id"] = lines[0]["id"]
    rate = {"base": "EUR", "quote": "USD", "rate": "1.1"}  # a fresh rate (the operator's)
    ok(world.client.post(f"{WALLETS}/fx/rates", headers=world.headers["default_writer"], json=rate))
    quote = ada.post(
        "/conversions/quote", {"wallet_id": wallet_id, "to_currency": "USD", "amount": 1_000}, 201
    )
    ids["user_quote_id"] = ids["quote_id"] = quote["id"]  # alpha's quote, for both APIs
    ok(
        world.client.post(
            f"{WALLETS}/loyalty/programs/{ids['program_id']}/awards",
            headers=world.headers["alpha"],
            json={"customer_id": ada.me["customer_id"], "points": 700},
        )
    )
    [balance] = [b for b in ada.get("/loyalty") if b["program"]["id"] == ids["program_id"]]
    ids["user_loyalty_lot_id"] = balance["lots"][0]["id"]
