"""Every route of the OpenAPI document, called by another tenant holding every right, on
platform alpha's real objects: it answers 403 or 404 and changes nothing (row counts of
every table and every ledger's journal head are compared before and after); lists answer,
without any of alpha's objects.

Who calls: on every API, beta's client (every scope). On the end-user API (/api/me/v1),
also Mallory (beta's end user) and Carol (another customer of alpha), each signed in with a
fresh second factor, on the objects of Ada (alpha's end user); beta's client token is not a
user's session there (401).

A route added later is covered automatically: a path parameter this test does not know,
or a write route that neither names alpha's objects nor is declared below, fails the test
with the route's name until it is declared, so that its tenancy is thought about.

How to extend it, for a new route:

- a path parameter naming an object: build the object in alpha's world
  (tests/api/tenancy_world.py, or tenancy_world_more.py for risk, automations and end
  users), store its id in ``world.ids``, and add ``parameter -> ids key`` to ``OBJECTS``
  (or to ``END_USER_OBJECTS`` when the end-user API names another object by that name,
  to ``OBJECTS_BY_PATH`` when it means another object under some paths);
- a path parameter naming no object (an action, a currency...): add it to ``PLAIN``
  (``PLAIN_BY_PATH`` for a route's own value);
- a write taking a body: add a body naming alpha's objects to ``_bodies`` (``RAW_BODIES``
  for a body that is not JSON; ``QUERIES`` for query strings, ``{key}`` naming alpha's);
- an end-user route that shows what every customer of the platform may see (its loyalty
  programs): add the object's key to ``SHARED_WITH_PLATFORM_CUSTOMERS``;
- a write that only makes the caller's own objects: add it to ``OWN_CREATIONS`` (or
  ``OWN_ACCOUNT`` for the end user's own account); a public route to ``PUBLIC``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.api.tenancy_world import World, build
from tests.api.tenancy_world_more import CARD, build_more

import coffer
from coffer.api import create_app

ME = "/api/me/v1"

# Public routes (no token, or not the caller's objects): health, the token endpoint, the
# pages a paying customer's browser opens, the gateway's signed webhook, an automation's
# inbound webhook (signed with that automation's own secret) and the end users' sign-in.
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("POST", "/api/auth/oauth/token"),
    ("POST", "/api/wallets/v1/gateways/stripe/webhook"),
    ("GET", "/payments/return"),
    ("GET", "/api/wallets/v1/sandbox/3ds/{payin_id}"),
    ("POST", "/api/wallets/v1/sandbox/3ds/{payin_id}"),
    ("POST", "/api/automations/v1/hooks/{automation_id}"),
    ("POST", f"{ME}/sign-up"),
    ("POST", f"{ME}/sign-in"),
    ("POST", f"{ME}/sign-in/second-factor"),
    ("POST", f"{ME}/sign-in/passkey/options"),
    ("POST", f"{ME}/sign-in/passkey"),
}
# Routes that only create the caller's own objects and name nothing of another platform.
OWN_CREATIONS = {
    ("POST", "/api/wallets/v1/customers"),
    ("POST", "/api/wallets/v1/webhook_endpoints"),
    ("POST", "/api/wallets/v1/loyalty/programs"),
    ("POST", "/api/wallets/v1/payout_batches"),
    ("POST", "/api/wallets/v1/fx/pricing"),
    ("POST", "/api/risk/v1/lists"),
    ("PUT", "/api/risk/v1/rules/{name}"),  # the caller's own rule of that name
    ("POST", "/api/automations/v1/automations"),
    ("POST", "/api/automations/v1/events"),  # the caller's own event, to its automations
    # the caller's own platform's risk model and settings (the body names a trained folder,
    # a policy: no object)
    ("POST", "/api/risk/v1/models/versions"),
    ("POST", "/api/risk/v1/models/rollback"),
    ("PUT", "/api/risk/v1/settings"),
    # the caller's own platform's limits of its payment batches in a currency (no object)
    ("PUT", "/api/automations/v1/payment_batch_limits/{currency}"),
    ("DELETE", "/api/automations/v1/payment_batch_limits/{currency}"),
}
# End-user routes that act only on the signed-in user's own account (not called: they
# would sign the caller out or change its factors).
OWN_ACCOUNT = {
    ("POST", f"{ME}/sign-out"),
    ("PATCH", f"{ME}/me"),
    ("POST", f"{ME}/security/step-up"),
    ("POST", f"{ME}/security/step-up/passkey/options"),
    ("POST", f"{ME}/security/step-up/passkey"),
    ("POST", f"{ME}/security/password"),
    ("POST", f"{ME}/security/totp"),
    ("DELETE", f"{ME}/security/totp"),
    ("POST", f"{ME}/security/totp/confirm"),
    ("POST", f"{ME}/security/recovery-codes"),
    ("POST", f"{ME}/security/passkeys"),
    ("POST", f"{ME}/security/passkeys/options"),
    ("POST", f"{ME}/wallets"),
    ("POST", f"{ME}/beneficiaries"),
    ("POST", f"{ME}/notifications/read"),
    # the signed-in customer's own budgets, goals and questions (on their own lines)
    ("POST", f"{ME}/budgets"),
    ("POST", f"{ME}/goals"),
    ("POST", f"{ME}/ask"),
}

# Shared data only the default platform's clients change (403 for any other platform).
OPERATOR_ONLY = {
    ("POST", "/api/wallets/v1/fx/rates"),
    ("POST", "/api/wallets/v1/fx/rates/refresh"),
}

# THE TABLE: path parameter -> the key in World.ids of alpha's object it names.
OBJECTS = {
    # ledger API
    "ledger": "ledger",
    "address": "address",
    # wallets API
    "customer_id": "customer_id",
    "document_id": "document_id",
    "wallet_id": "wallet_id",
    "transfer_id": "transfer_id",
    "payment_id": "payment_id",
    "payin_id": "payin_id",
    "refund_id": "refund_id",
    "dispute_id": "dispute_id",
    "account_id": "account_id",
    "payout_id": "payout_id",
    "batch_id": "batch_id",
    "event_id": "event_id",
    "endpoint_id": "endpoint_id",
    "program_id": "program_id",
    "quote_id": "quote_id",
    "conversion_id": "conversion_id",
    # spending policies
    "policy_id": "policy_id",
    # assistant API
    "budget_id": "budget_id",
    "goal_id": "goal_id",
    "rule_id": "rule_id",
    "transaction_id": "transaction_id",
    # risk API
    "name": "rule_name",
    "decision_id": "decision_id",
    "entry_id": "list_entry_id",
    "case_id": "case_id",
    "hit_id": "hit_id",
    "version_id": "model_version_id",
    # automations API
    "automation_id": "automation_id",
    "run_id": "run_id",
    "approval_id": "approval_id",
    # end-user API (Ada's)
    "beneficiary_id": "beneficiary_id",
    "device_id": "device_id",
    "passkey_id": "passkey_id",
    "notification_id": "notification_id",
}
# On the end-user API, these parameters name Ada's objects (made through her session).
END_USER_OBJECTS = {
    "wallet_id": "user_wallet_id",
    "payin_id": "user_payin_id",
    "budget_id": "user_budget_id",
    "goal_id": "user_goal_id",
    "transaction_id": "user_transaction_id",
    "quote_id": "user_quote_id",
    "pot_id": "user_pot_id",
    "automation_id": "user_automation_id",
}
# What every customer of alpha may see on the end-user API: alpha's loyalty programs (each
# customer's points in them are theirs). Not a secret for Carol; still one for Mallory.
SHARED_WITH_PLATFORM_CUSTOMERS = ("program_id",)
# Path parameters that name no object (an action, a kind, a currency...).
PLAIN = {
    "key": "kind",
    "action": "freeze",
    "kind": "fees",
    "currency": "EUR",
    "base": "EUR",
    "quote": "USD",
}


# Values of plain parameters that differ by route, and the query strings routes require.
PLAIN_BY_PATH = {
    ("/api/wallets/v1/payments/{payment_id}/escrow/{action}", "action"): "release",
    ("/api/assistant/v1/customers/{customer_id}/charts/{kind}", "kind"): "spending",
    (f"{ME}/automations/{{automation_id}}/{{action}}", "action"): "pause",
}
# (``{key}``: alpha's object of that key in World.ids; a query naming one names alpha's.)
QUERIES = {
    "/api/wallets/v1/fx/customers/{customer_id}/valuation": "?currency=EUR",
    "/api/wallets/v1/fx/wallets/{wallet_id}/statement": "?currency=EUR",
    "/api/automations/v1/payment_batches/upload": "?source_wallet_id={wallet_id}&currency=EUR",
}
# Bodies that are not JSON: (media type, content naming alpha's objects).
RAW_BODIES = {
    ("POST", "/api/automations/v1/payment_batches/upload"): (
        "text/csv",
        "wallet_id,amount,reference\n{other_wallet_id},1,pay\n",
    ),
}
# Writes that validate their objects into a report: another platform's wallet is reported
# as an unknown one (400, "does not exist"), exactly like a made-up id, and nothing is stored.
REPORTED_AS_UNKNOWN = {
    ("POST", "/api/automations/v1/payment_batches"),
    ("POST", "/api/automations/v1/payment_batches/upload"),
}
# Path parameters naming another object under some paths: (path prefix, name) -> key.
OBJECTS_BY_PATH = {
    ("/api/automations/v1/payment_batches/", "batch_id"): "payment_batch_id",
}


def _id_parameter(path: str) -> str:
    """``{id}`` is a transaction's id, or a hold's under /holds/."""
    return "hold_id" if "/holds/" in path else "id"


def _bodies(ids: dict[str, str]) -> dict[tuple[str, str], Any]:
    """A valid body for each route taking one, naming alpha's objects where it can."""
    move = {"source": "world", "destination": "beta:loot", "amount": 1, "asset": "EUR/2"}
    w = "/api/wallets/v1"
    a = "/api/assistant/v1/customers/{customer_id}"
    ledger = "/api/ledger/v2/{ledger}"
    wallets = {
        "debited_wallet_id": ids["wallet_id"],
        "credited_wallet_id": ids["other_wallet_id"],
        "amount": 1,
        "currency": "EUR",
    }
    risk, automations = "/api/risk/v1", "/api/automations/v1"
    user_wallet = ids["user_wallet_id"]
    user_move = {"wallet_id": user_wallet, "amount": 1, "to_email": ids["user_email"]}
    payroll = f"{automations}/payment_batches"
    batch = {
        "source_wallet_id": ids["wallet_id"],
        "currency": "EUR",
        "lines": [{"wallet_id": ids["other_wallet_id"], "amount": 1}],
    }
    policy = {"name": "taken over", "wallet_id": ids["wallet_id"], "rules": {}}
    return {
        ("POST", f"{risk}/models/versions/{{version_id}}/activate"): {"reason": "taken over"},
        ("POST", f"{automations}/spending_policies"): policy,
        ("POST", payroll): batch,
        ("POST", f"{payroll}/{{batch_id}}/approve"): {"note": "taken over"},
        ("POST", f"{payroll}/{{batch_id}}/reject"): {"note": "taken over"},
        ("POST", f"{automations}/spending_policies/{{policy_id}}"): {"name": "taken over"},
        ("POST", f"{ME}/spending/{{transaction_id}}/category"): {"category": "FOOD_AND_DRINK"},
        ("POST", f"{ME}/automations"): {"recipe": "round_up", "wallet_id": user_wallet},
        ("POST", f"{ME}/pots/{{pot_id}}/withdrawals"): {"amount": 1},
        ("POST", f"{ME}/conversions/quote"): {
            "wallet_id": user_wallet,
            "to_currency": "USD",
            "amount": 100,
        },
        ("POST", f"{ME}/conversions"): {"quote_id": ids["user_quote_id"], "wallet_id": user_wallet},
        ("POST", f"{ME}/loyalty/redemptions"): {
            "program_id": ids["program_id"],
            "points": 1,
            "wallet_id": user_wallet,
        },
        ("POST", f"{risk}/cases/{{case_id}}/assign"): {"assignee": "mallory"},
        ("POST", f"{risk}/cases/{{case_id}}/notes"): {"body": "seen"},
        ("POST", f"{risk}/cases/{{case_id}}/decision"): {"decision": "approve", "reason": "x"},
        ("POST", f"{risk}/screening/customers"): {"customer_id": ids["customer_id"]},
        ("POST", f"{risk}/screening/hits/{{hit_id}}/whitelist"): {"reason": "not them"},
        ("POST", f"{automations}/automations/{{automation_id}}"): {"name": "taken over"},
        ("POST", f"{automations}/automations/{{automation_id}}/runs"): {"inputs": {}},
        ("POST", f"{automations}/approvals/{{approval_id}}/decisions"): {
            "approve": True,
            "approver": "mallory",
        },
        ("POST", f"{ME}/transfers/quote"): user_move,
        ("POST", f"{ME}/transfers"): user_move,
        ("POST", f"{ME}/top-ups"): {
            "wallet_id": ids["user_wallet_id"],
            "amount": 100,
            "card": CARD,
        },
        ("POST", f"{ME}/payouts"): {
            "wallet_id": ids["user_wallet_id"],
            "beneficiary_id": ids["beneficiary_id"],
            "amount": 1,
        },
        ("POST", ledger): {},
        ("PUT", f"{ledger}/metadata"): {"k": "v"},
        ("POST", f"{ledger}/transactions"): {"postings": [move]},
        ("POST", f"{ledger}/transactions/{{id}}/metadata"): {"k": "v"},
        ("POST", f"{ledger}/transactions/{{id}}/revert"): {},
        ("POST", f"{ledger}/accounts/{{address}}/metadata"): {"k": "v"},
        ("POST", f"{ledger}/_bulk"): [
            {"action": "CREATE_TRANSACTION", "data": {"postings": [move]}}
        ],
        ("POST", f"{ledger}/holds"): {"postings": [move]},
        ("POST", f"{ledger}/holds/{{id}}/post"): {},
        ("POST", f"{w}/customers/{{customer_id}}/consents"): {
            "type": "terms",
            "version": "v1",
            "status": "granted",
        },
        ("POST", f"{w}/customers/{{customer_id}}/kyc_documents"): {
            "type": "identity_proof",
            "name": "x.pdf",
        },
        ("POST", f"{w}/kyc_documents/{{document_id}}/review"): {"decision": "approve"},
        ("POST", f"{w}/wallets"): {"customer_id": ids["customer_id"], "currency": "USD"},
        ("POST", f"{w}/transfers"): wallets,
        ("POST", f"{w}/payments"): {
            "buyer_wallet_id": ids["wallet_id"],
            "seller_wallet_id": ids["other_wallet_id"],
            "amount": 1,
            "currency": "EUR",
        },
        ("POST", f"{w}/payments/{{payment_id}}/capture"): {},
        ("POST", f"{w}/payments/{{payment_id}}/refunds"): {"amount": 1},
        ("POST", f"{w}/payins/card"): {
            "wallet_id": ids["wallet_id"],
            "amount": 100,
            "currency": "EUR",
            "payment_method": "pm_card_visa",
        },
        ("POST", f"{w}/payins/{{payin_id}}/capture"): {},
        ("POST", f"{w}/payins/{{payin_id}}/refunds"): {"amount": 1},
        ("POST", f"{w}/payins/{{payin_id}}/disputes"): {"amount": 1},
        ("POST", f"{w}/disputes/{{dispute_id}}/close"): {"outcome": "won"},
        ("POST", f"{w}/sandbox/bank_transfers"): {
            "reference": ids["bank_reference"],
            "amount": 100,
            "currency": "EUR",
        },
        ("POST", f"{w}/bank_accounts"): {
            "customer_id": ids["customer_id"],
            "holder_name": "Mallory",
            "iban": "DE89370400440532013000",
        },
        ("POST", f"{w}/payouts"): {
            "wallet_id": ids["wallet_id"],
            "bank_account_id": ids["account_id"],
            "amount": 1,
            "currency": "EUR",
        },
        ("POST", f"{w}/payouts/{{payout_id}}/outcome"): {"status": "paid"},
        ("POST", f"{a}/ask"): {"question": "how much did I spend?"},
        ("POST", f"{a}/budgets"): {"category": "FOOD_AND_DRINK", "amount": 1, "currency": "EUR"},
        ("POST", f"{a}/goals"): {"name": "x", "target_amount": 1, "currency": "EUR"},
        ("POST", f"{a}/corrections"): {"transaction_id": "x", "primary": "FOOD_AND_DRINK"},
        ("POST", f"{a}/goals/{{goal_id}}/contributions"): {"amount": 1},
        ("POST", f"{a}/rules"): {
            "conditions": [{"field": "description", "operator": "contains", "value": "x"}],
            "category": "FOOD_AND_DRINK_COFFEE",
        },
        ("POST", f"{a}/rules/test"): {
            "conditions": [{"field": "description", "operator": "contains", "value": "x"}],
            "category": "FOOD_AND_DRINK_COFFEE",
        },
        ("PUT", f"{a}/rules/{{rule_id}}"): {
            "conditions": [{"field": "description", "operator": "contains", "value": "x"}],
            "category": "FOOD_AND_DRINK_COFFEE",
        },
        ("POST", f"{a}/imports"): {"format": "csv", "content": "date,amount\n"},
        ("POST", f"{w}/fx/rates"): {"base": "EUR", "quote": "USD", "rate": "1.1"},
        ("POST", f"{w}/fx/pricing"): {"spread_bps": 1},
        ("PUT", f"{w}/fx/customers/{{customer_id}}/tier"): {"tier": "gold"},
        ("POST", f"{w}/fx/quotes"): {
            "sell_currency": "EUR",
            "buy_currency": "USD",
            "sell_amount": 100,
            "customer_id": ids["customer_id"],
        },
        ("POST", f"{w}/fx/conversions"): {
            "quote_id": ids["quote_id"],
            "from_wallet_id": ids["wallet_id"],
            "to_wallet_id": ids["other_wallet_id"],
        },
        ("POST", f"{w}/fx/transfers"): {
            "from_wallet_id": ids["wallet_id"],
            "to_wallet_id": ids["other_wallet_id"],
            "sell_amount": 100,
        },
        ("POST", f"{w}/fx/payouts"): {
            "from_wallet_id": ids["wallet_id"],
            "bank_account_id": ids["account_id"],
            "amount": 1,
            "currency": "USD",
        },
        ("POST", f"{w}/loyalty/programs/{{program_id}}/awards"): {
            "customer_id": ids["customer_id"],
            "points": 1,
        },
        ("POST", f"{w}/loyalty/programs/{{program_id}}/purchases"): {
            "from_wallet_id": ids["wallet_id"],
            "to_wallet_id": ids["other_wallet_id"],
            "amount": 1,
            "currency": "EUR",
        },
        ("POST", f"{w}/loyalty/programs/{{program_id}}/redemptions"): {
            "customer_id": ids["customer_id"],
            "points": 1,
            "wallet_id": ids["wallet_id"],
        },
    }


# Tables the background worker writes on its own schedule (delivery attempts of alpha's own
# events to alpha's own endpoints), whatever the other platform's client does.
# Written by timers whatever the requests do (a checkpoint every checkpoint_seconds).
_BACKGROUND_TABLES = frozenset({"alembic_version", "wallet_webhook_deliveries", "checkpoints"})


def _snapshot(engine: sa.Engine, platform_id: str) -> dict[str, Any]:
    """What alpha owns: its rows in every table with a ``platform_id`` (every row of the
    shared tables), and the journal head and metadata of its ledgers. (The caller may
    create objects of its own, such as its platform wallets on first read.)"""
    out: dict[str, Any] = {}
    with engine.connect() as connection:
        inspector = sa.inspect(connection)
        for table in sorted(inspector.get_table_names()):
            if table in _BACKGROUND_TABLES:
                continue
            columns = {column["name"] for column in inspector.get_columns(table)}
            where = " WHERE platform_id = :platform" if "platform_id" in columns else ""
            statement = sa.text(f'SELECT count(*) FROM "{table}"{where}')
            out[table] = connection.execute(statement, {"platform": platform_id}).scalar()
        rows = connection.execute(
            sa.text("SELECT name, next_seq, metadata FROM ledgers WHERE platform_id = :platform"),
            {"platform": platform_id},
        )
        out["ledgers"] = sorted(tuple(row) for row in rows)
    return out


@pytest.fixture(scope="module")
def world(api_database_url: str) -> Iterator[World]:
    instance = coffer.open(api_database_url)
    app = create_app(instance)
    with TestClient(app) as client:
        built = build(client, instance)
        build_more(built, built.ids["ledger"].rsplit("-", 1)[-1])
        yield built
    instance.close()


def _operations(client: TestClient) -> list[tuple[str, str, list[str]]]:
    spec = client.app.openapi()
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            found.append((method.upper(), path, names))
    return found


# Objects the world does not build yet: their ids exist nowhere, and the routes naming
# them must still answer 403/404 (not 500, not another platform's data).
UNBUILT = {"conversion_id": "cv_unknown", "batch_id": "pb_unknown", "rule_id": "rule_unknown",
           "transaction_id": "tx_unknown"}  # fmt: skip


CAROL = "Carol (alpha's other end user)"


def _callers(world: World, path: str) -> list[tuple[str, dict[str, str], tuple[int, ...]]]:
    """Who calls ``path`` and the answers that refuse them."""
    beta = ("beta's client", world.headers["beta"], (403, 404))
    if not path.startswith(ME + "/"):
        return [beta]
    refused = (403, 404)
    return [
        ("Mallory (beta's end user)", world.headers["mallory"], refused),
        (CAROL, world.headers["carol"], refused),
        ("beta's client", world.headers["beta"], (401, 403, 404)),
    ]


def _object_id(ids: dict[str, str], path: str, name: str) -> str | None:
    """The id of alpha's object that parameter ``name`` of ``path`` names (None: none)."""
    if name == "id":
        return ids[_id_parameter(path)]
    key = END_USER_OBJECTS.get(name) if path.startswith(ME + "/") else None
    by_path = (
        k for (prefix, n), k in OBJECTS_BY_PATH.items() if n == name and path.startswith(prefix)
    )
    key = key or next(by_path, None) or OBJECTS.get(name)
    if key is None:
        return None
    return ids.get(key) or UNBUILT.get(key) or f"missing: no {key!r} in World.ids"


def test_every_route_refuses_another_platforms_objects(world: World) -> None:
    client = world.client
    ids = dict(world.ids)
    bodies = _bodies(ids)
    secrets = {
        value
        for key, value in ids.items()
        if key not in ("address", "key", "id", "hold_id", "user_email")
    }
    shared = {ids[key] for key in SHARED_WITH_PLATFORM_CUSTOMERS}
    undeclared: list[str] = []
    leaks: list[str] = []
    before = _snapshot(world.instance.engine, world.platforms["alpha"])
    for method, path, names in _operations(client):
        route = (method, path)
        if route in PUBLIC or route in OWN_CREATIONS or route in OWN_ACCOUNT:
            continue
        url = path
        owned = False
        for name in names:
            value = _object_id(ids, path, name)
            if value is not None:
                owned = True
                if value.startswith("missing:"):
                    undeclared.append(f"{method} {path}: parameter {name!r}: {value}")
            elif name in PLAIN:
                value = PLAIN_BY_PATH.get((path, name), PLAIN[name])
            else:
                undeclared.append(
                    f"{method} {path}: path parameter {name!r} (add it to OBJECTS or PLAIN)"
                )
                continue
            url = url.replace("{" + name + "}", value)
        body = bodies.get(route)
        query = QUERIES.get(path, "").format(**ids)
        raw = RAW_BODIES.get(route)
        content = None if raw is None else raw[1].format(**ids)
        named = [query, content, *_strings(body)]
        names_alpha = owned or any(secret in text for text in named if text for secret in secrets)
        names_alpha = names_alpha or route in OPERATOR_ONLY
        writes = method in ("POST", "PUT", "PATCH", "DELETE")
        if writes and not names_alpha and route not in bodies and route not in RAW_BODIES:
            undeclared.append(f"{method} {path}: names none of alpha's objects")
        for who, headers, refused in _callers(world, path):
            kwargs: dict[str, Any] = {"headers": headers}
            if body is not None:
                kwargs["json"] = body
            if raw is not None:
                kwargs["headers"] = {**headers, "Content-Type": raw[0]}
                kwargs["content"] = content
            response = client.request(method, url + query, **kwargs)
            text = response.text
            hidden = secrets - shared if who == CAROL else secrets
            if route in REPORTED_AS_UNKNOWN and response.status_code == 400:
                refused = (400,) if "does not exist" in text else refused
            if names_alpha or writes:
                if response.status_code not in refused:
                    leaks.append(f"{who}: {method} {url}: {response.status_code} {text[:200]}")
            elif response.status_code >= 500 or any(secret in text for secret in hidden):
                leaks.append(f"{who}: {method} {url}: {response.status_code} shows alpha's objects")
    after = _snapshot(world.instance.engine, world.platforms["alpha"])
    problems = [f"undeclared (declare its tenancy in this test): {u}" for u in undeclared]
    assert not problems + leaks, "\n".join(problems + leaks)
    changed = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
    assert not changed, changed


def test_an_undeclared_route_without_tenancy_fails_the_check(world: World) -> None:
    """The check itself: a route reading any wallet by id (no platform filter) leaks."""
    from coffer.wallets import tables as T

    app = world.client.app
    engine = world.instance.engine

    @app.get("/api/wallets/v1/leaky/{wallet_id}")
    def leaky(wallet_id: str) -> Any:
        with engine.connect() as connection:  # the bare engine: no platform
            row = (
                connection.execute(sa.select(T.wallets).where(T.wallets.c.id == wallet_id))
                .mappings()
                .first()
            )
        return json.loads(json.dumps(dict(row) if row else {}, default=str))

    app.openapi_schema = None  # the document now lists the new route
    try:
        response = world.client.get(
            f"/api/wallets/v1/leaky/{world.ids['wallet_id']}", headers=world.headers["beta"]
        )
        assert response.status_code == 200 and world.ids["wallet_id"] in response.text
        with pytest.raises(AssertionError):
            test_every_route_refuses_another_platforms_objects(world)
    finally:
        app.router.routes.pop()
        app.openapi_schema = None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
