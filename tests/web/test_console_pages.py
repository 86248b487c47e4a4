"""Every console page answers for an admin, the KYC review and the freeze change state
and are audited, the filters and paging work, and another platform's operator sees none
of the first platform's data (server side, both backends)."""

from __future__ import annotations

import re

import pytest
from tests.web.conftest import WebApp, csrf_of, sign_in_console
from tests.web.seed import PASSWORD, Seeded, seed

from coffer.identity.audit import list_entries
from coffer.platforms.service import create_platform
from coffer.wallets.endpoints.deps import platform_for


@pytest.fixture
def seeded(web: WebApp) -> Seeded:
    return seed(web.app, web.coffer, "plat_default")


def admin_client(web: WebApp, seeded: Seeded) -> object:
    client = web.new_client()
    response = sign_in_console(
        client, seeded.operator_email, PASSWORD, totp_secret=seeded.totp_secret
    )
    assert response.status_code == 303 and response.headers["location"] == "/console/", (
        response.text
    )
    return client


def pages_of(seeded: Seeded) -> list[str]:
    return [
        "/console/",
        "/console/ledgers",
        f"/console/ledgers/{seeded.ledger}/transactions",
        f"/console/ledgers/{seeded.ledger}/transactions/3",
        f"/console/ledgers/{seeded.ledger}/accounts",
        f"/console/ledgers/{seeded.ledger}/holds",
        "/console/customers",
        f"/console/customers/{seeded.customer_id}",
        "/console/kyc",
        "/console/wallets",
        f"/console/wallets/{seeded.wallet_id}",
        "/console/payments",
        "/console/payments?kind=payments",
        "/console/payments?kind=refunds",
        "/console/payments?kind=disputes",
        "/console/payouts",
        "/console/webhooks",
        f"/console/webhooks/{seeded.endpoint_id}",
        "/console/clients",
        "/console/operators",
        "/console/audit",
        "/console/security",
    ]


def test_every_page_answers(web: WebApp, seeded: Seeded) -> None:
    client = admin_client(web, seeded)
    for path in pages_of(seeded):
        response = client.get(path)  # type: ignore[attr-defined]
        assert response.status_code == 200, (path, response.text[:500])
        assert "test-mode-banner" in response.text  # the default platform is a sandbox


def test_transactions_filter_and_keyset_paging(web: WebApp, seeded: Seeded) -> None:
    client = admin_client(web, seeded)
    base = f"/console/ledgers/{seeded.ledger}/transactions"
    first = client.get(base).text  # type: ignore[attr-defined]
    ids = [int(x) for x in re.findall(r"/transactions/(\d+)\"", first)]
    assert ids == list(range(39, 14, -1))  # 25 newest first
    older = re.search(r'id="next-page" href="([^"]+)"', first)
    assert older
    second = client.get(base + older.group(1).replace("&amp;", "&")).text  # type: ignore[attr-defined]
    assert [int(x) for x in re.findall(r"/transactions/(\d+)\"", second)] == list(range(14, -1, -1))
    by_account = client.get(base, params={"account": "users:3"}).text  # type: ignore[attr-defined]
    assert [int(x) for x in re.findall(r"/transactions/(\d+)\"", by_account)] == [
        38,
        31,
        24,
        17,
        10,
        3,
    ]
    by_json = client.get(base, params={"filter": '{"$match": {"reference": "a-ref-7"}}'}).text  # type: ignore[attr-defined]
    assert re.findall(r"/transactions/(\d+)\"", by_json) == ["7"]
    by_meta = client.get(base, params={"metadata": "order=o12"}).text  # type: ignore[attr-defined]
    assert re.findall(r"/transactions/(\d+)\"", by_meta) == ["12"]
    bad = client.get(base, params={"filter": "{not json"})  # type: ignore[attr-defined]
    assert bad.status_code == 400 and "not JSON" in bad.text


def test_proof_json_verifies(web: WebApp, seeded: Seeded) -> None:
    import coffer
    from coffer.ledger import journal  # noqa: F401  (the proof's fields follow its hash)

    client = admin_client(web, seeded)
    proof = client.get(f"/console/ledgers/{seeded.ledger}/transactions/5/proof").json()  # type: ignore[attr-defined]
    assert proof["entry"]["ref_id"] == 5 and proof["tree_size"] >= 6
    book = web.coffer.ledger(seeded.ledger)
    assert coffer.verify_inclusion_proof(book.inclusion_proof(5), web.coffer.signer.public_key)


def test_kyc_review_and_freeze_are_applied_and_audited(web: WebApp, seeded: Seeded) -> None:
    client = admin_client(web, seeded)
    page = client.get(f"/console/customers/{seeded.customer_id}")  # type: ignore[attr-defined]
    assert "validation_asked" in page.text
    refused = client.post(  # type: ignore[attr-defined]
        f"/console/kyc/{seeded.document_id}/review",
        data={"decision": "refuse", "reason": "", "csrf_token": csrf_of(page.text)},
    )
    assert refused.status_code == 400 and "reason" in refused.text  # a refusal needs a reason
    approved = client.post(  # type: ignore[attr-defined]
        f"/console/kyc/{seeded.document_id}/review",
        data={"decision": "approve", "csrf_token": csrf_of(page.text)},
    )
    assert approved.status_code == 303
    platform = platform_for(web.app, "plat_default")
    assert platform.wallets.kyc_document(seeded.document_id).status == "validated"
    assert platform.wallets.customer(seeded.customer_id).kyc_level == "verified"
    after = client.get(f"/console/customers/{seeded.customer_id}").text  # type: ignore[attr-defined]
    assert "kyc_document.approved" in after  # the customer's audit trail

    wallet_page = client.get(f"/console/wallets/{seeded.wallet_id}")  # type: ignore[attr-defined]
    frozen = client.post(  # type: ignore[attr-defined]
        f"/console/wallets/{seeded.wallet_id}/status",
        data={
            "status": "frozen",
            "reason": "fraud review",
            "csrf_token": csrf_of(wallet_page.text),
        },
    )
    assert frozen.status_code == 303
    assert platform.wallets.wallet(seeded.wallet_id).status == "frozen"
    entries = list_entries(web.coffer.engine, target=seeded.wallet_id)
    assert entries[0].action == "wallet.frozen" and entries[0].details["reason"] == "fraud review"


def test_roles_limit_what_an_operator_can_do(web: WebApp, seeded: Seeded) -> None:
    from coffer.identity.operators.service import create_operator

    with web.coffer.engine.begin() as connection:
        create_operator(connection, email="viewer@example.com", role="viewer", password=PASSWORD)
    client = web.new_client()
    sign_in_console(client, "viewer@example.com", PASSWORD)
    assert client.get("/console/wallets").status_code == 200
    for path in ("/console/customers", "/console/audit", "/console/clients", "/console/operators"):
        assert client.get(path).status_code == 403, path
    page = client.get(f"/console/wallets/{seeded.wallet_id}")
    assert 'id="freeze"' not in page.text
    denied = client.post(
        f"/console/wallets/{seeded.wallet_id}/status",
        data={"status": "frozen", "csrf_token": csrf_of(page.text)},
    )
    assert denied.status_code == 403
    assert platform_for(web.app, "plat_default").wallets.wallet(seeded.wallet_id).status == "active"


def test_another_platform_sees_none_of_the_first(web: WebApp, seeded: Seeded) -> None:
    other = create_platform(web.coffer.engine, "Other Co", "live")
    other_seed = seed(web.app, web.coffer, other.id, tag="b")
    client = web.new_client()
    assert (
        sign_in_console(
            client, other_seed.operator_email, PASSWORD, totp_secret=other_seed.totp_secret
        ).status_code
        == 303
    )
    home = client.get("/console/").text
    assert "test-mode-banner" not in home  # a live platform
    for path in pages_of(seeded):
        response = client.get(path)
        if response.status_code == 200:
            text = response.text
            for secret in (
                seeded.ledger,
                seeded.customer_id,
                seeded.wallet_id,
                seeded.endpoint_id,
                "Grace Hopper a",
                "Alan Turing a",
                seeded.operator_email,
            ):
                assert secret not in text, (path, secret)
        else:
            assert response.status_code == 404, (path, response.status_code)
    # and the other platform's own pages show its own data
    assert other_seed.customer_id in client.get("/console/kyc").text
    page = client.get(f"/console/ledgers/{other_seed.ledger}/transactions")
    assert page.status_code == 200
    blocked = client.post(
        f"/console/wallets/{seeded.wallet_id}/status",
        data={"status": "frozen", "csrf_token": csrf_of(page.text)},
    )
    assert blocked.status_code == 404
    assert platform_for(web.app, "plat_default").wallets.wallet(seeded.wallet_id).status == "active"
    review = client.post(
        f"/console/kyc/{seeded.document_id}/review",
        data={"decision": "approve", "csrf_token": csrf_of(page.text)},
    )
    assert review.status_code == 404
