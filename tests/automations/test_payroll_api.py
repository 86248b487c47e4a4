"""Payment batches through the HTTP API (JSON and CSV upload, dry run, approvals, lines,
paging, pain.001, another platform's batch: 404) and the CLI."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.automations.conftest import PLATFORM, new_wallet
from tests.automations.payroll_helpers import BIC_FR, IBAN_FR, payee_wallets
from tests.automations.test_endpoints import automations_app, callers_from_headers
from typer.testing import CliRunner

import coffer
from coffer.automations import AutomationsPlatform, Worker
from coffer.automations.payroll.endpoints import router as batches_router
from coffer.cli.main import app as cli
from coffer.wallets import WalletPlatform

API = "/api/automations/v1/payment_batches"


@pytest.fixture
def api(
    coffer_db: coffer.Coffer, wallets: WalletPlatform, automations: AutomationsPlatform
) -> Iterator[TestClient]:
    app = automations_app(coffer_db, wallets, automations)

    callers_from_headers(app)

    app.include_router(batches_router)
    headers = {
        "Authorization": "Bearer automations:read automations:write",
        "x-test-client": "maker",
    }
    with TestClient(app, headers=headers) as client:
        yield client


def test_payment_batches_api(
    api: TestClient, wallets: WalletPlatform, automations: AutomationsPlatform, worker: Worker
) -> None:
    source = new_wallet(wallets, "Acme Payroll", 100_000)
    payees = payee_wallets(wallets, 3)
    body = {
        "source_wallet_id": source.id,
        "currency": "EUR",
        "name": "December payroll",
        "lines": [
            {"wallet_id": payees[0], "amount": 1000, "reference": "salary"},
            {"iban": IBAN_FR, "bic": BIC_FR, "name": "Fournisseur SA", "amount": "25.00"},
        ],
    }
    dry = api.post(API, json={**body, "validate_only": True})
    assert dry.status_code == 200, dry.text
    assert dry.json()["valid"] and dry.json()["total_amount"] == 3500
    bad = api.post(API, json={**body, "lines": [{"wallet_id": "wal_x", "amount": "1.2.3"}]})
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "payment_batch_invalid"
    report = error["details"]["report"]
    assert [e["code"] for e in report["lines"][0]["errors"]] == ["invalid_amount", "unknown_wallet"]
    assert api.get(API).json()["data"] == []
    malformed = api.post(API, json={"currency": "EUR"})
    assert malformed.status_code == 422

    created = api.post(API, json=body)
    assert created.status_code == 201, created.text
    batch = created.json()
    assert batch["status"] == "pending_approval" and batch["created_by"] == "client:maker"
    own = api.post(f"{API}/{batch['id']}/approve", json={})
    assert own.status_code == 403 and own.json()["error"]["code"] == "approver_not_allowed"
    approved = api.post(
        f"{API}/{batch['id']}/approve", json={}, headers={"x-test-client": "checker"}
    )
    assert approved.status_code == 200 and approved.json()["status"] == "scheduled"
    worker.run_until_idle()
    shown = api.get(f"{API}/{batch['id']}").json()
    assert shown["status"] == "completed" and shown["payout_batch_id"]
    lines = api.get(f"{API}/{batch['id']}/lines", params={"limit": 1}).json()
    assert lines["has_more"] and lines["data"][0]["status"] == "paid"
    rest = api.get(f"{API}/{batch['id']}/lines", params={"starting_after": 1}).json()
    assert [line["status"] for line in rest["data"]] == ["submitted"]
    xml = api.get(f"{API}/{batch['id']}/pain001")
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    assert IBAN_FR in xml.text

    text = f"wallet_id,amount,reference\n{payees[1]},5.00,bonus\n{payees[2]},700,bonus\n"
    uploaded = api.post(
        f"{API}/upload",
        params={"source_wallet_id": source.id, "currency": "EUR", "approvals": 2},
        content=text.encode(),
        headers={"content-type": "text/csv"},
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["total_amount"] == 1200 and uploaded.json()["required_approvals"] == 2
    rejected = api.post(
        f"{API}/{uploaded.json()['id']}/reject", json={"approver": "ops:ana", "note": "no"}
    )
    assert rejected.json()["status"] == "rejected"
    assert api.post(f"{API}/{uploaded.json()['id']}/cancel").status_code == 409
    page = api.get(API, params={"limit": 1}).json()
    assert page["has_more"] and page["data"][0]["id"] == uploaded.json()["id"]
    after = api.get(API, params={"limit": 1, "starting_after": page["data"][0]["id"]}).json()
    assert [b["id"] for b in after["data"]] == [batch["id"]]
    assert [b["id"] for b in api.get(API, params={"status": "completed"}).json()["data"]] == [
        batch["id"]
    ]

    from coffer.platforms.service import create_platform

    other_id = create_platform(wallets.coffer.engine, "other").id
    other = {"x-test-platform": other_id}
    for path in ("", "/lines", "/pain001"):
        assert api.get(f"{API}/{batch['id']}{path}", headers=other).status_code == 404
    assert api.post(f"{API}/{batch['id']}/cancel", headers=other).status_code == 404
    assert api.get(API, headers=other).json()["data"] == []
    # another platform's wallets are unknown to this one
    foreign = api.post(API, json={**body, "validate_only": True}, headers=other).json()
    assert [e["code"] for e in foreign["errors"]] == ["unknown_wallet"]
    assert api.get(API, headers={"Authorization": "Bearer nothing"}).status_code == 403


def _cli_database(tmp_path: os.PathLike[str]) -> tuple[list[str], str, list[str]]:
    """A SQLite database for the CLI: its option, a funded source wallet, two payees."""
    database = ["--database", f"sqlite:///{tmp_path}/c.db"]
    import coffer as coffer_module
    from coffer.wallets import open_wallets

    with coffer_module.open(database[1]) as book:
        wallets = open_wallets(book)
        source = new_wallet(wallets, "Acme Payroll", 10_000)
        payees = payee_wallets(wallets, 2)
    return database, source.id, payees


def test_cli_batches(tmp_path: os.PathLike[str]) -> None:
    database, source_id, payees = _cli_database(tmp_path)
    runner = CliRunner()
    lines = Path(tmp_path) / "payroll.csv"
    lines.write_text(f"wallet_id,amount,reference\n{payees[0]},1.00,a\n{payees[1]},2.00,b\n")
    options = ["--source-wallet", source_id, "--currency", "EUR"]
    checked = runner.invoke(
        cli, ["automations", "batches", "validate", str(lines), *options, *database]
    )
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output)["valid"]
    made = runner.invoke(
        cli,
        ["automations", "batches", "create", str(lines), *options, "--maker", "ops:a", *database],
    )
    assert made.exit_code == 0, made.output
    batch_id = json.loads(made.output)["id"]
    refused = runner.invoke(
        cli, ["automations", "batches", "approve", batch_id, "--approver", "ops:a", *database]
    )
    assert refused.exit_code == 1 and "approver_not_allowed" in refused.output
    approved = runner.invoke(
        cli, ["automations", "batches", "approve", batch_id, "--approver", "ops:b", *database]
    )
    assert json.loads(approved.output)["status"] == "scheduled"
    worked = runner.invoke(cli, ["worker", "--once", *database])
    assert worked.exit_code == 0, worked.output
    shown = runner.invoke(cli, ["automations", "batches", "show", batch_id, *database])
    assert json.loads(shown.output)["status"] == "completed"
    listed = runner.invoke(cli, ["automations", "batches", "lines", batch_id, *database])
    assert [line["status"] for line in json.loads(listed.output)["data"]] == ["paid", "paid"]
    missing = runner.invoke(cli, ["automations", "batches", "pain001", batch_id, *database])
    assert missing.exit_code == 1 and "payment_batch_state" in missing.output


def test_idempotency_key_on_batch_creation(
    api: TestClient, wallets: WalletPlatform, automations: AutomationsPlatform
) -> None:
    source = new_wallet(wallets, "Acme Payroll", 100_000)
    payees = payee_wallets(wallets, 2)
    body = {
        "source_wallet_id": source.id,
        "currency": "EUR",
        "lines": [{"wallet_id": payees[0], "amount": 1000, "reference": "salary"}],
    }
    first = api.post(API, json=body, headers={"Idempotency-Key": "pay-dec"})
    assert first.status_code == 201, first.text
    again = api.post(API, json=body, headers={"Idempotency-Key": "pay-dec"})
    assert again.status_code == 201 and again.json() == first.json()
    other = api.post(API, json={**body, "name": "another"}, headers={"Idempotency-Key": "pay-dec"})
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"
    assert [b["id"] for b in api.get(API).json()["data"]] == [first.json()["id"]]
    # a request still running when a retry took its claim over creates nothing once the
    # retry answered the key: the batch and the key's answer commit together
    from coffer.automations.payroll import schemas as S
    from coffer.errors import Conflict

    late = S.BatchCreate.model_validate(body)
    with pytest.raises(Conflict):
        automations.payment_batches._create(PLATFORM, late, "client:maker", "pay-dec")
    assert len(api.get(API).json()["data"]) == 1

    # a CSV upload: the same file with the same key is the same batch
    text = f"wallet_id,amount\n{payees[1]},3.00\n"
    query = {"source_wallet_id": source.id, "currency": "EUR"}
    csv_headers = {"content-type": "text/csv", "Idempotency-Key": "pay-csv"}
    uploaded = api.post(f"{API}/upload", params=query, content=text, headers=csv_headers)
    assert uploaded.status_code == 201, uploaded.text
    replayed = api.post(f"{API}/upload", params=query, content=text, headers=csv_headers)
    assert replayed.json()["id"] == uploaded.json()["id"]
    changed = api.post(
        f"{API}/upload", params=query, content=text + f"{payees[0]},1\n", headers=csv_headers
    )
    assert changed.status_code == 409
    assert len(api.get(API).json()["data"]) == 2

    # a refusal is the first answer too; a dry run uses no key
    bad = {**body, "lines": [{"wallet_id": "wal_nope", "amount": 1}]}
    refused = api.post(API, json=bad, headers={"Idempotency-Key": "pay-bad"})
    assert refused.status_code == 400
    refused_again = api.post(API, json=bad, headers={"Idempotency-Key": "pay-bad"})
    assert refused_again.status_code == 400
    assert refused_again.json()["error"]["details"]["replayed"] is True
    dry = {**body, "validate_only": True}
    for _ in range(2):
        checked = api.post(API, json=dry, headers={"Idempotency-Key": "pay-dry"})
        assert checked.status_code == 200 and checked.json()["valid"]

    # keys are unique per platform: another platform's "pay-dec" is its own
    from coffer.platforms.service import create_platform

    other_id = create_platform(wallets.coffer.engine, "other").id
    theirs = api.post(
        API,
        json={**body, "validate_only": False},
        headers={"Idempotency-Key": "pay-dec", "x-test-platform": other_id},
    )
    assert theirs.status_code == 400  # their own request: our wallets are unknown to them
    assert "replayed" not in theirs.json()["error"]["details"]


def test_platform_limits_api(api: TestClient, wallets: WalletPlatform) -> None:
    limits = "/api/automations/v1/payment_batch_limits"
    defaults = api.get(f"{limits}/EUR").json()
    assert defaults["set_by_platform"] == [] and defaults["max_lines"] == 20_000
    assert api.get(limits).json()["data"] == []
    reader = {"Authorization": "Bearer automations:read"}
    assert api.put(f"{limits}/EUR", json={"max_lines": 2}, headers=reader).status_code == 403
    assert api.get(f"{limits}/EURO").status_code == 400
    assert api.put(f"{limits}/EUR", json={"max_lines": 0}).status_code == 422
    put = api.put(f"{limits}/EUR", json={"max_lines": 2, "max_line_amount": 5000})
    assert put.status_code == 200, put.text
    assert put.json()["set_by_platform"] == ["max_lines", "max_line_amount"]
    assert put.json()["max_batch_total"] == defaults["max_batch_total"]
    assert put.json()["updated_by"] == "client:maker"
    assert [row["currency"] for row in api.get(limits).json()["data"]] == ["EUR"]
    assert api.get(f"{limits}/USD").json()["set_by_platform"] == []

    source = new_wallet(wallets, "Acme Payroll", 100_000)
    payees = payee_wallets(wallets, 3)
    lines = [
        {"wallet_id": payees[0], "amount": 1000},
        {"wallet_id": payees[1], "amount": "50.01"},  # over the line limit
        {"wallet_id": payees[2], "amount": 10},  # a third line: over the batch's lines
    ]
    body = {"source_wallet_id": source.id, "currency": "EUR", "lines": lines}
    report = api.post(API, json={**body, "validate_only": True}).json()
    assert [e["code"] for e in report["errors"]] == ["too_many_lines"]
    assert {
        line["line_number"]: [e["code"] for e in line["errors"]] for line in report["lines"]
    } == {2: ["over_line_limit"]}
    refused = api.post(API, json=body)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "payment_batch_over_limit"
    assert error["details"]["limits"]["max_lines"] == 2
    assert api.get(API).json()["data"] == []

    api.put(f"{limits}/EUR", json={"max_batch_total": 1000})
    total = api.post(API, json={**body, "lines": lines[::2]})
    assert total.json()["error"]["code"] == "payment_batch_over_limit"
    assert [e["code"] for e in total.json()["error"]["details"]["report"]["errors"]] == [
        "over_batch_limit"
    ]
    reset = api.delete(f"{limits}/EUR")
    assert reset.status_code == 200 and reset.json()["set_by_platform"] == []
    assert api.post(API, json=body).status_code == 201

    # another platform sees its own limits (the defaults), not these
    from coffer.platforms.service import create_platform

    api.put(f"{limits}/EUR", json={"max_lines": 1})
    other_id = create_platform(wallets.coffer.engine, "other").id
    theirs = api.get(f"{limits}/EUR", headers={"x-test-platform": other_id}).json()
    assert theirs["max_lines"] == 20_000 and theirs["set_by_platform"] == []


def test_cli_limits_and_idempotency_key(tmp_path: os.PathLike[str]) -> None:
    database, source_id, payees = _cli_database(tmp_path)
    runner = CliRunner()
    batches = ["automations", "batches"]
    set_limits = runner.invoke(
        cli, [*batches, "set-limits", "eur", "--max-line-amount", "150", *database]
    )
    assert set_limits.exit_code == 0, set_limits.output
    assert json.loads(set_limits.output)["max_line_amount"] == 150
    shown = runner.invoke(cli, [*batches, "limits", *database])
    assert [row["currency"] for row in json.loads(shown.output)["data"]] == ["EUR"]
    bad = runner.invoke(cli, [*batches, "limits", "EURO", *database])
    assert bad.exit_code == 1 and "invalid_currency" in bad.output
    lines = Path(tmp_path) / "payroll.csv"
    lines.write_text(f"wallet_id,amount\n{payees[0]},1.00\n{payees[1]},2.00\n")
    options = ["--source-wallet", source_id, "--currency", "EUR", *database]
    over = runner.invoke(cli, [*batches, "create", str(lines), *options])
    assert over.exit_code == 1 and "payment_batch_over_limit" in over.output
    reset = runner.invoke(cli, [*batches, "reset-limits", "EUR", *database])
    assert json.loads(reset.output)["set_by_platform"] == []
    keyed = [*batches, "create", str(lines), "--idempotency-key", "dec", *options]
    made = runner.invoke(cli, keyed)
    assert made.exit_code == 0, made.output
    again = runner.invoke(cli, keyed)
    assert json.loads(again.output)["id"] == json.loads(made.output)["id"]
    listed = runner.invoke(cli, [*batches, "list", *database])
    assert len(json.loads(listed.output)["data"]) == 1
