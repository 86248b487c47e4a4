"""The OpenAPI document as a contract: request bodies documented, 2xx answers with a
schema, error answers with the error object and the codes they carry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import coffer
import coffer.numscript.errors  # more error classes: the listed codes must not change
from coffer.api import create_app
from coffer.wallets.http_errors import codes_by_status

# POST operations that take no body at all: actions named by their path alone
NO_BODY = {
    "/api/automations/v1/automations/{automation_id}/pause",
    "/api/automations/v1/automations/{automation_id}/resume",
    "/api/automations/v1/automations/{automation_id}/archive",
    "/api/automations/v1/runs/{run_id}/cancel",
    "/api/automations/v1/runs/{run_id}/retry",
    "/api/automations/v1/payment_batches/{batch_id}/cancel",
    "/api/ledger/v2/{ledger}/logs/export",
    "/api/ledger/v2/{ledger}/holds/{id}/void",
    "/api/ledger/v2/{ledger}/checkpoints",
    "/api/wallets/v1/wallets/{wallet_id}/{action}",
    "/api/wallets/v1/payments/{payment_id}/void",
    "/api/wallets/v1/payments/{payment_id}/escrow/{action}",
    "/api/wallets/v1/payins/{payin_id}/cancel",
    "/api/wallets/v1/payout_batches",
    "/api/wallets/v1/webhook_endpoints/{endpoint_id}/events/{event_id}/replay",
    "/api/wallets/v1/webhook_endpoints/{endpoint_id}/disable",
    "/api/wallets/v1/customers/{customer_id}/erase",
    "/api/wallets/v1/loyalty/programs/{program_id}/expire",
    "/api/wallets/v1/fx/rates/refresh",
    "/api/assistant/v1/customers/{customer_id}/alerts/publish",
    # the end-user API's actions without a body
    "/api/me/v1/sign-in/passkey/options",
    "/api/me/v1/sign-out",
    "/api/me/v1/security/step-up/passkey/options",
    "/api/me/v1/security/totp",
    "/api/me/v1/security/recovery-codes",
    "/api/me/v1/security/passkeys/options",
    "/api/me/v1/notifications/read",
    "/api/me/v1/notifications/{notification_id}/read",
    "/api/me/v1/automations/{automation_id}/{action}",
    "/api/automations/v1/spending_policies/{policy_id}/disable",
    "/api/automations/v1/spending_policies/{policy_id}/enable",
}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder: Path = tmp_path_factory.mktemp("openapi")
    instance = coffer.open(f"sqlite:///{folder}/coffer.db")
    try:
        return create_app(instance).openapi()
    finally:
        instance.close()


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_post_documents_its_body(spec: dict[str, Any]) -> None:
    missing, empty = [], []
    for path, method, operation in _operations(spec):
        if method != "post" or path in NO_BODY:
            continue
        body = operation.get("requestBody")
        if body is None:
            missing.append(path)
            continue
        if not body.get("content") or any(
            not media.get("schema") for media in body["content"].values()
        ):
            empty.append(path)
    assert missing == [] and empty == []
    challenge = spec["paths"]["/api/wallets/v1/sandbox/3ds/{payin_id}"]["post"]
    form = challenge["requestBody"]["content"]["application/x-www-form-urlencoded"]
    assert form["schema"]["required"] == ["token", "decision"]


def test_every_success_answer_has_a_schema(spec: dict[str, Any]) -> None:
    empty = []
    for path, method, operation in _operations(spec):
        for status, response in operation.get("responses", {}).items():
            if not status.startswith("2") or status == "204":
                continue
            content = response.get("content") or {}
            if not content or any(not media.get("schema") for media in content.values()):
                empty.append((method, path, status))
    assert empty == []
    batches = spec["paths"]["/api/wallets/v1/payout_batches"]["post"]["responses"]
    schema = batches["201"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/PayoutBatch"}


def test_wallets_errors_carry_the_error_object_and_their_codes(spec: dict[str, Any]) -> None:
    codes = codes_by_status()
    assert "incorrect_number" in codes[402] and "insufficient_funds" in codes[400]
    for path, _method, operation in _operations(spec):
        if not path.startswith("/api/wallets/v1"):
            continue
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ApiError"}, (path, status)
            for code in codes[int(status)]:
                assert f"`{code}`" in response["description"], (path, status, code)


def test_the_idempotency_key_is_optional_and_documented(spec: dict[str, Any]) -> None:
    operation = spec["paths"]["/api/wallets/v1/transfers"]["post"]
    [header] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert header["required"] is False and "Optional" in header["description"]
