"""The console in a real browser (Debian's Chromium, headless, through Playwright): an
operator signs in with TOTP, reviews a KYC document, freezes a wallet, finds a
transaction and verifies its inclusion proof in the page; a second platform's operator
sees none of it; axe-core finds no serious or critical violation on any page, and no page
breaks its Content-Security-Policy. The tests write the screenshots of docs/console.md."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from tests.web.conftest import LiveServer, check_axe, screenshot, watch_csp
from tests.web.seed import PASSWORD, seed

from coffer.identity.operators.service import create_operator
from coffer.platforms.service import create_platform
from coffer.wallets.endpoints.deps import platform_for

pytestmark = pytest.mark.browser


@pytest.fixture(params=["sqlite"])
def database_url(sqlite_database_url: str) -> str:
    """Browser tests run on SQLite (the embedded default); the server-side tests of the
    same pages (tests/web/test_console_pages.py) run on both backends."""
    return sqlite_database_url


def sign_in(page: Any, url: str, email: str, code: str | None) -> None:
    page.goto(url + "/console/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    if code is not None:
        page.wait_for_url("**/sign-in/code")
        page.fill("#code", code)
        page.click("button[type=submit]")
    page.wait_for_url("**/console/**")


def test_operator_reviews_kyc_freezes_a_wallet_and_checks_a_proof(
    live_server: LiveServer, page: Any
) -> None:
    data = seed(live_server.app, live_server.coffer, "plat_default")
    url = live_server.url
    page.set_viewport_size({"width": 1280, "height": 860})
    csp = watch_csp(page)
    page.goto(url + "/console/")
    page.wait_for_url("**/console/sign-in**")
    check_axe(page, name="sign-in")
    screenshot(page, "console-sign-in")

    page.fill("#email", data.operator_email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/sign-in/code")
    check_axe(page, name="sign-in code")
    page.fill("#code", "000000")
    page.click("button[type=submit]")
    assert "incorrect" in page.text_content("#code-error")
    page.fill("#code", pyotp.TOTP(data.totp_secret).now())
    page.click("button[type=submit]")
    page.wait_for_url(url + "/console/")
    assert page.is_visible("#test-mode-banner")
    page.wait_for_function("document.querySelector('#volumes-chart').width > 0")
    check_axe(page, name="overview")
    screenshot(page, "console-overview")

    # review the waiting KYC document: from the queue to the customer, approve
    page.click("text=Customers & KYC")
    page.click("text=KYC documents waiting for review")
    page.click(f"text={data.customer_id}")
    row = page.locator(f"#doc-{data.document_id}")
    assert "validation_asked" in row.inner_text()
    check_axe(page, name="customer")
    screenshot(page, "console-kyc-review")
    row.locator("button[value=approve]").click()
    page.wait_for_load_state()
    assert "validated" in page.locator(f"#doc-{data.document_id} .doc-status").inner_text()
    assert page.text_content("#kyc-level") == "verified"
    assert "kyc_document.approved" in page.locator("table.trail").inner_text()

    # freeze a wallet
    page.goto(url + f"/console/wallets/{data.wallet_id}")
    page.fill("#freeze-reason", "chargeback pattern")
    page.click("#freeze")
    page.wait_for_load_state()
    assert "frozen" in page.text_content("#wallet-status")
    assert "wallet.frozen" in page.locator("table.trail").inner_text()
    check_axe(page, name="wallet")
    screenshot(page, "console-wallet")
    wallets = platform_for(live_server.app, "plat_default").wallets
    assert wallets.wallet(data.wallet_id).status == "frozen"

    # find a transaction by its reference and verify its proof in the browser
    page.click("text=Transactions")
    page.wait_for_url("**/transactions")
    check_axe(page, name="transactions")
    screenshot(page, "console-transactions")
    page.fill("#f-reference", "a-ref-17")
    page.click("button:has-text('Search')")
    page.wait_for_load_state()
    links = page.locator("#transactions tbody a")
    assert links.count() == 1
    links.first.click()
    page.wait_for_url("**/transactions/17")
    page.click("#verify-proof")
    page.wait_for_selector("#proof-verdict")
    assert page.text_content("#proof-verdict").startswith("Verified")
    check_axe(page, name="transaction")
    screenshot(page, "console-transaction-proof")

    # every other page: axe, and a screenshot of the audit log
    for path in [
        "/console/ledgers",
        f"/console/ledgers/{data.ledger}/accounts",
        f"/console/ledgers/{data.ledger}/holds",
        "/console/customers",
        "/console/kyc",
        "/console/wallets",
        "/console/payments",
        "/console/payouts",
        "/console/webhooks",
        f"/console/webhooks/{data.endpoint_id}",
        "/console/clients",
        "/console/operators",
        "/console/security",
        "/console/audit",
    ]:
        page.goto(url + path)
        check_axe(page, name=path)
    screenshot(page, "console-audit")
    assert not csp, csp


def test_a_tampered_proof_is_refused_in_the_browser(live_server: LiveServer, page: Any) -> None:
    data = seed(live_server.app, live_server.coffer, "plat_default")
    sign_in(page, live_server.url, data.operator_email, pyotp.TOTP(data.totp_secret).now())
    page.goto(live_server.url + f"/console/ledgers/{data.ledger}/transactions/4")

    def tamper(route: Any) -> None:
        response = route.fetch()
        proof = response.json()
        proof["entry"]["body"] = proof["entry"]["body"].replace("1004", "9004")
        route.fulfill(response=response, json=proof)

    page.route("**/proof", tamper)
    page.click("#verify-proof")
    page.wait_for_selector("#proof-verdict")
    assert page.text_content("#proof-verdict") == "NOT verified."


def test_second_platform_operator_sees_none_of_the_first(
    live_server: LiveServer, page: Any
) -> None:
    first = seed(live_server.app, live_server.coffer, "plat_default")
    other = create_platform(live_server.coffer.engine, "Second", "live")
    with live_server.coffer.engine.begin() as connection:
        create_operator(
            connection,
            email="viewer@second.example",
            role="support",
            platform_id=other.id,
            password=PASSWORD,
        )
    csp = watch_csp(page)
    sign_in(page, live_server.url, "viewer@second.example", None)
    assert not page.is_visible("#test-mode-banner")
    for path in [
        "/console/",
        "/console/ledgers",
        "/console/customers",
        "/console/kyc",
        "/console/wallets",
        "/console/webhooks",
        "/console/payments",
    ]:
        page.goto(live_server.url + path)
        text = page.inner_text("main")
        for secret in (
            first.ledger,
            first.customer_id,
            first.wallet_id,
            "Grace Hopper",
            "Alan Turing",
        ):
            assert secret not in text, (path, secret)
    response = page.goto(live_server.url + f"/console/customers/{first.customer_id}")
    assert response is not None and response.status == 404
    check_axe(page, name="not found")
    response = page.goto(live_server.url + f"/console/ledgers/{first.ledger}/transactions")
    assert response is not None and response.status == 404
    assert not csp, csp


def test_operator_adds_a_passkey_and_signs_in_with_it(live_server: LiveServer, page: Any) -> None:
    with live_server.coffer.engine.begin() as connection:
        create_operator(connection, email="support@example.com", role="support", password=PASSWORD)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    csp = watch_csp(page)
    sign_in(page, live_server.url, "support@example.com", None)
    page.goto(live_server.url + "/console/security")
    page.fill("#passkey-name", "Laptop")
    page.click("#passkey-register")
    page.wait_for_selector("td:has-text('Laptop')")
    assert not page.is_visible("#passkey-error")
    page.click("text=Sign out")
    page.wait_for_url("**/console/sign-in")
    page.click("#passkey-sign-in")
    page.wait_for_url(live_server.url + "/console/")
    assert "support@example.com" in page.inner_text("header")
    from coffer.identity.audit import list_entries

    methods = [
        e.details.get("method")
        for e in list_entries(live_server.coffer.engine, action="operator.signed_in")
    ]
    assert methods[0] == "passkey"
    assert not csp, csp


def test_analyst_decides_a_risk_case_and_admin_approves_an_automation(
    live_server: LiveServer, page: Any
) -> None:
    from tests.web.domains_seed import run_worker, seed_domains
    from tests.web.seed import new_operator

    from coffer.automations.endpoints import automations_for

    data = seed(live_server.app, live_server.coffer, "plat_default")
    domains = seed_domains(live_server.app, data)
    analyst_secret = new_operator(
        live_server.app, live_server.coffer, "analyst@example.com", "analyst"
    )
    url = live_server.url
    page.set_viewport_size({"width": 1280, "height": 860})
    csp = watch_csp(page)

    # the analyst finds the case in the queue and approves it: the held transfer is posted
    sign_in(page, url, "analyst@example.com", pyotp.TOTP(analyst_secret).now())
    page.click("nav.sidebar >> text=Risk")
    page.wait_for_url("**/console/risk")
    check_axe(page, name="risk cases")
    screenshot(page, "console-risk-cases")
    page.click(f"text={domains.case_id}")
    page.wait_for_url(f"**/risk/cases/{domains.case_id}")
    assert "large_a" in page.inner_text("main")
    check_axe(page, name="risk case")
    screenshot(page, "console-risk-case")
    page.fill("#decide-reason", "regular supplier, checked by phone")
    page.click("#decide-approve")
    page.wait_for_load_state()
    assert page.text_content("#case-status").strip().startswith("closed")
    assert "approve" in page.text_content("#case-decision")
    wallets = platform_for(live_server.app, "plat_default").wallets
    assert wallets.wallet(data.other_wallet_id).balance == 12_000
    for path in ["/console/risk/decisions", "/console/risk/lists", "/console/risk/screening"]:
        page.goto(url + path)
        check_axe(page, name=path)
    page.click("text=Sign out")
    page.wait_for_url("**/console/sign-in")

    # the admin approves the automation's pending approval; the run then succeeds
    sign_in(page, url, data.operator_email, pyotp.TOTP(data.totp_secret).now())
    page.goto(url + "/console/risk/rules")
    page.fill("#rule-name", "broken")
    page.fill("#rule-expression", "tx.amount >")
    page.click("#rule-form button[type=submit]")
    page.wait_for_selector("#rule-error")
    check_axe(page, name="risk rules")
    screenshot(page, "console-risk-rules")
    page.click("nav.sidebar >> text=Automations")
    page.wait_for_url("**/console/automations")
    check_axe(page, name="automations")
    page.click(f"text={domains.automation_id}")
    check_axe(page, name="automation")
    screenshot(page, "console-automation")
    page.goto(url + "/console/automations/approvals")
    check_axe(page, name="approvals")
    screenshot(page, "console-approvals")
    row = page.locator("#approvals tbody tr").first
    row.locator("input[name=note]").fill("amounts checked")
    row.locator("button[value=approve]").click()
    page.wait_for_url(f"**/automations/runs/{domains.run_id}")
    assert "approved" in page.inner_text("#approvals")
    run_worker(live_server.app)
    page.reload()
    assert page.text_content("#run-status").strip() == "succeeded"
    assert automations_for(live_server.app).run("plat_default", domains.run_id).status == (
        "succeeded"
    )
    check_axe(page, name="run")
    screenshot(page, "console-automation-run")
    page.goto(url + "/console/automations/runs")
    check_axe(page, name="runs")

    # FX and loyalty
    page.click("nav.sidebar >> text=FX & loyalty")
    page.wait_for_url("**/console/fx")
    check_axe(page, name="fx rates")
    screenshot(page, "console-fx-rates")
    for path, name in [
        ("/console/fx/quotes", "console-fx-quotes"),
        ("/console/fx/conversions", None),
        ("/console/fx/pnl", "console-fx-pnl"),
        ("/console/loyalty", None),
        (f"/console/loyalty/{domains.program_id}?customer={data.customer_id}", "console-loyalty"),
        ("/console/", None),
    ]:
        page.goto(url + path)
        check_axe(page, name=path)
        if name:
            screenshot(page, name)
    assert "no witness configured" in page.inner_text("#witness-config")
    assert not csp, csp
