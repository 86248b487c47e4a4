"""The console's spending policies and payment batches pages, server side on both
backends: an admin creates a policy (bad rules are refused with the reason, nothing
saved), sees a refusal and the usage, edits it (a new version) and disables it; a batch is
validated line by line, created, refused to its maker and approved by another admin,
executed, its lines filtered; roles, CSRF and another platform's operator are refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.web.conftest import WebApp, csrf_of
from tests.web.domains_seed import run_worker
from tests.web.seed import Seeded, seed
from tests.web.test_console_domains import client_of, operator

from coffer.automations.endpoints import automations_for
from coffer.automations.payroll import schemas as B
from coffer.automations.policies import schemas as P
from coffer.automations.policies.endpoints import policies_for
from coffer.automations.policies.errors import SpendingPolicyRefused
from coffer.identity.audit import list_entries
from coffer.platforms.service import create_platform
from coffer.wallets import schemas as W
from coffer.wallets.endpoints.deps import platform_for

RULES = {"currency": "EUR", "max_per_transaction": 3_000, "limits": [{"window": "day", "count": 5}]}


@pytest.fixture
def seeded(web: WebApp) -> Seeded:
    return seed(web.app, web.coffer, "plat_default")


def transfer(web: WebApp, seeded: Seeded, amount: int) -> None:
    platform_for(web.app, seeded.platform_id).wallets.transfer(
        W.TransferCreate(
            debited_wallet_id=seeded.wallet_id,
            credited_wallet_id=seeded.other_wallet_id,
            amount=amount,
            currency="EUR",
        )
    )


def test_an_admin_manages_a_spending_policy(web: WebApp, seeded: Seeded) -> None:
    admin = client_of(web, seeded.operator_email, seeded.totp_secret)
    form = admin.get("/console/spending-policies/new")
    assert form.status_code == 200 and 'id="policy-form"' in form.text
    token = csrf_of(form.text)
    fields = {"name": "card limits", "target": "wallet", "target_id": seeded.wallet_id}
    for rules, reason in (
        ("{not json", "not JSON"),
        (json.dumps({"max_per_transaction": 10}), "currency"),
        (json.dumps({**RULES, "time_zone": "Mars/Olympus"}), "IANA"),
    ):
        bad = admin.post(
            "/console/spending-policies", data={**fields, "rules": rules, "csrf_token": token}
        )
        assert bad.status_code == 400 and 'id="policy-error"' in bad.text, bad.text[:300]
        assert reason in bad.text
    service = policies_for(web.app)
    assert service.policies("plat_default").data == []
    created = admin.post(
        "/console/spending-policies",
        data={**fields, "rules": json.dumps(RULES), "csrf_token": token},
    )
    assert created.status_code == 303, created.text[:300]
    policy_id = created.headers["location"].rsplit("/", 1)[1]
    transfer(web, seeded, 2_000)
    with pytest.raises(SpendingPolicyRefused):
        transfer(web, seeded, 4_000)
    page = admin.get(f"/console/spending-policies/{policy_id}").text
    assert "refused" in page and "max_per_transaction" in page  # the refusal, its rule
    assert 'id="policy-usage"' in page and ">1</td>" in page  # one movement today
    listed = admin.get(f"/console/spending-policies?wallet={seeded.wallet_id}").text
    assert policy_id in listed
    assert policy_id not in admin.get("/console/spending-policies?wallet=wal_none").text
    edited = admin.post(
        f"/console/spending-policies/{policy_id}",
        data={"name": "card limits", "mode": "monitor", "rules": "[]", "csrf_token": token},
    )
    assert edited.status_code == 400 and 'id="policy-error"' in edited.text
    edited = admin.post(
        f"/console/spending-policies/{policy_id}",
        data={"name": "cards", "mode": "monitor", "rules": json.dumps(RULES), "csrf_token": token},
    )
    assert edited.status_code == 303
    assert (service.policy("plat_default", policy_id).version, "monitor") == (
        2,
        service.policy("plat_default", policy_id).mode,
    )
    disabled = admin.post(
        f"/console/spending-policies/{policy_id}/status",
        data={"action": "disable", "csrf_token": token},
    )
    assert disabled.status_code == 303
    assert service.policy("plat_default", policy_id).status == "disabled"
    actions = {e.action for e in list_entries(web.coffer.engine, target=policy_id)}
    assert {
        "spending_policy.created",
        "spending_policy.updated",
        "spending_policy.disabled",
    } <= actions


def _batch(web: WebApp, seeded: Seeded, maker: str, amount: int = 1_000) -> B.Batch:
    made = automations_for(web.app).payment_batches.create(
        seeded.platform_id,
        B.BatchCreate(
            source_wallet_id=seeded.wallet_id,
            currency="EUR",
            csv=f"wallet_id,amount,reference\n{seeded.other_wallet_id},{amount},salary\n",
        ),
        maker=maker,
    )
    assert isinstance(made, B.Batch)
    return made


def test_a_batch_is_validated_created_and_approved_by_another(web: WebApp, seeded: Seeded) -> None:
    admin = client_of(web, seeded.operator_email, seeded.totp_secret)
    token = csrf_of(admin.get("/console/payment-batches/new").text)
    fields: dict[str, Any] = {
        "name": "May payroll",
        "source_wallet_id": seeded.wallet_id,
        "currency": "EUR",
        "csrf_token": token,
    }
    good = f"wallet_id,amount,reference\n{seeded.other_wallet_id},1500,may\n"
    bad = good + "wal_nobody,-3,x\n"
    report = admin.post("/console/payment-batches", data={**fields, "csv": bad, "step": "create"})
    assert report.status_code == 400 and 'id="report-lines"' in report.text
    assert automations_for(web.app).payment_batches.batches("plat_default").data == []
    checked = admin.post("/console/payment-batches", data={**fields, "csv": good})
    assert checked.status_code == 200 and "every line is valid" in checked.text
    created = admin.post("/console/payment-batches", data={**fields, "csv": good, "step": "create"})
    assert created.status_code == 303, created.text[:300]
    batch_id = created.headers["location"].rsplit("/", 1)[1]
    page = admin.get(f"/console/payment-batches/{batch_id}").text
    assert 'id="batch-maker"' in page and 'id="batch-approve"' not in page
    refused = admin.post(
        f"/console/payment-batches/{batch_id}/decision",
        data={"decision": "approve", "csrf_token": token},
    )
    assert refused.status_code == 403 and "maker-checker" in refused.text
    checker = operator(web, "checker@example.com", "admin")
    page = checker.get(f"/console/payment-batches/{batch_id}").text
    assert 'id="batch-approve"' in page
    approved = checker.post(
        f"/console/payment-batches/{batch_id}/decision",
        data={"decision": "approve", "note": "ok", "csrf_token": csrf_of(page)},
    )
    assert approved.status_code == 303
    run_worker(web.app)
    service = automations_for(web.app).payment_batches
    assert service.batch("plat_default", batch_id).status == "completed"
    paid = admin.get(f"/console/payment-batches/{batch_id}?line_status=paid").text
    assert 'id="line-1"' in paid
    assert (
        'id="line-1"'
        not in admin.get(f"/console/payment-batches/{batch_id}?line_status=failed").text
    )
    assert batch_id in admin.get("/console/payment-batches?status=completed").text
    assert batch_id not in admin.get("/console/payment-batches?status=cancelled").text
    # no bank line: no pain.001 file (a clear 409)
    assert admin.get(f"/console/payment-batches/{batch_id}/pain001").status_code == 409
    other = _batch(web, seeded, "client:api")
    cancelled = admin.post(
        f"/console/payment-batches/{other.id}/cancel", data={"csrf_token": token}
    )
    assert cancelled.status_code == 303
    assert service.batch("plat_default", other.id).status == "cancelled"
    actions = {e.action for e in list_entries(web.coffer.engine, action="payment_batch*")}
    assert {"payment_batch.created", "payment_batch.approved", "payment_batch.cancelled"} <= actions


def test_roles_csrf_and_other_platforms(web: WebApp, seeded: Seeded) -> None:
    policy = policies_for(web.app).create(
        "plat_default",
        P.SpendingPolicyCreate(name="p", wallet_id=seeded.wallet_id, rules=RULES),  # type: ignore[arg-type]
    )
    batch = _batch(web, seeded, "client:api")
    viewer = operator(web, "viewer@example.com", "viewer")
    for path in (
        "/console/spending-policies",
        f"/console/spending-policies/{policy.id}",
        "/console/payment-batches",
        f"/console/payment-batches/{batch.id}",
    ):
        assert viewer.get(path).status_code == 200, path
    page = viewer.get(f"/console/payment-batches/{batch.id}").text
    assert 'id="batch-decision"' not in page and 'id="batch-cancel"' not in page
    assert 'id="policy-form"' not in viewer.get(f"/console/spending-policies/{policy.id}").text
    assert viewer.get("/console/spending-policies/new").status_code == 403
    token = csrf_of(page)
    for path, data in (
        (f"/console/spending-policies/{policy.id}/status", {"action": "disable"}),
        (f"/console/payment-batches/{batch.id}/decision", {"decision": "approve"}),
        (f"/console/payment-batches/{batch.id}/cancel", {}),
    ):
        assert viewer.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    admin = client_of(web, seeded.operator_email, seeded.totp_secret)
    forged = admin.post(f"/console/payment-batches/{batch.id}/cancel")
    assert forged.status_code == 403
    nav = admin.get("/console/").text.split('aria-label="Console"')[1]
    assert "Spending policies" in nav and "Payment batches" in nav
    # another platform's operator: 404 for the ids, nothing of ours in the lists
    other = create_platform(web.coffer.engine, "Other Co", "live")
    theirs = seed(web.app, web.coffer, other.id, tag="b")
    stranger = client_of(web, theirs.operator_email, theirs.totp_secret)
    for path in (f"/console/spending-policies/{policy.id}", f"/console/payment-batches/{batch.id}"):
        assert stranger.get(path).status_code == 404, path
    for path in ("/console/spending-policies", "/console/payment-batches"):
        assert policy.id not in stranger.get(path).text and batch.id not in stranger.get(path).text
    token = csrf_of(stranger.get("/console/").text)
    for path, data in (
        (f"/console/spending-policies/{policy.id}/status", {"action": "disable"}),
        (f"/console/payment-batches/{batch.id}/decision", {"decision": "approve"}),
        (f"/console/payment-batches/{batch.id}/cancel", {}),
    ):
        assert stranger.post(path, data={**data, "csrf_token": token}).status_code == 404, path
    assert policies_for(web.app).policy("plat_default", policy.id).status == "active"
