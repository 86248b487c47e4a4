"""The spending policies and payment batches pages of the console, and the end of a
scheduled rule in the wallet app, in a real browser (Debian's Chromium, headless): an
admin creates a policy (bad rules first: the reason is shown), validates and creates a
payment batch that another admin approves; a customer makes a monthly rule that ends after
three times. axe-core runs on every page; no page breaks its Content-Security-Policy."""

from __future__ import annotations

import json
from typing import Any

import pyotp
import pytest
from tests.web.conftest import LiveServer, check_axe, screenshot, watch_csp
from tests.web.seed import new_operator, seed
from tests.web.test_app_browser import sign_up_verified, visit
from tests.web.test_console_browser import sign_in

from coffer.automations.endpoints import automations_for

pytestmark = pytest.mark.browser
RULES = {"currency": "EUR", "max_per_transaction": 3_000, "limits": [{"window": "day", "count": 5}]}


@pytest.fixture(params=["sqlite"])
def database_url(sqlite_database_url: str) -> str:
    """On SQLite; the server-side tests of the same pages run on both backends."""
    return sqlite_database_url


def open_new(page: Any, section: str, path: str, link: str) -> None:
    """From the navigation to a section's list (checked by axe), then its "new" form."""
    page.click(f"nav.sidebar >> text={section}")
    page.wait_for_url(f"**/console/{path}")
    check_axe(page, name=section)
    page.click(f"text={link}")


def test_policies_and_batches_in_the_console(live_server: LiveServer, page: Any) -> None:
    data = seed(live_server.app, live_server.coffer, "plat_default")
    checker = new_operator(live_server.app, live_server.coffer, "checker@example.com", "admin")
    url = live_server.url
    page.set_viewport_size({"width": 1280, "height": 860})
    csp = watch_csp(page)
    sign_in(page, url, data.operator_email, pyotp.TOTP(data.totp_secret).now())

    open_new(page, "Spending policies", "spending-policies", "New spending policy")
    page.fill("#policy-name", "card limits")
    page.fill("#policy-target-id", data.wallet_id)
    page.fill("#policy-rules", json.dumps({"max_per_transaction": 10}))
    page.click("#policy-save")
    page.wait_for_selector("#policy-error")
    assert "currency" in page.text_content("#policy-error")
    check_axe(page, name="new spending policy")
    page.fill("#policy-rules", json.dumps(RULES))
    page.click("#policy-save")
    page.wait_for_selector("#policy-usage")
    assert page.text_content("#policy-status").strip() == "active"
    check_axe(page, name="spending policy")
    screenshot(page, "console-spending-policy")

    open_new(page, "Payment batches", "payment-batches", "New payment batch")
    page.fill("#batch-name", "May payroll")
    page.fill("#batch-source", data.wallet_id)
    lines = f"wallet_id,amount,reference\n{data.other_wallet_id},1500,may\nwal_nobody,10,x\n"
    page.fill("#batch-csv", lines)
    page.click("#batch-validate")
    page.wait_for_selector("#report-lines")
    assert page.text_content("#report-invalid").strip() == "1"
    check_axe(page, name="batch report")
    page.fill("#batch-csv", lines.rsplit("wal_nobody", 1)[0])
    page.click("#batch-create")
    page.wait_for_selector("#batch-lines")
    assert page.is_visible("#batch-maker") and not page.is_visible("#batch-approve")
    check_axe(page, name="payment batch")
    screenshot(page, "console-payment-batch")
    batch_id = page.url.rsplit("/", 1)[1]
    page.click("text=Sign out")
    page.wait_for_url("**/console/sign-in")

    sign_in(page, url, "checker@example.com", pyotp.TOTP(checker).now())
    page.goto(f"{url}/console/payment-batches/{batch_id}")
    page.fill("#batch-note", "amounts checked")
    page.click("#batch-approve")
    page.wait_for_load_state()
    assert page.text_content("#batch-status").strip() == "scheduled"
    assert "amounts checked" in page.inner_text("#batch-approvals")
    batches = automations_for(live_server.app).payment_batches
    assert batches.batch("plat_default", batch_id).status == "scheduled"
    assert not csp, csp


def test_a_monthly_rule_that_ends_after_three_times(live_server: LiveServer, page: Any) -> None:
    base = live_server.url
    page.set_viewport_size({"width": 420, "height": 900})
    csp = watch_csp(page)
    sign_up_verified(page, live_server, "Ana Lima", "ana@example.org")
    page.goto(base + "/app/automations")
    page.check("#recipe-payday")
    page.fill("#rule-amount", "5")
    page.fill("#rule-day", "5")
    page.fill("#rule-at", "07:30")
    page.fill("#rule-zone", "Europe/Paris")
    page.check("#ends-after")
    page.fill("#rule-occurrences", "0")
    page.click("#rule-form button[type=submit]")
    page.wait_for_selector("text=a number from 1 to 600")
    page.fill("#rule-occurrences", "3")
    page.click("#rule-form button[type=submit]")
    page.wait_for_url("**/app/automations?created=1")
    schedule = page.text_content("#rule-schedule-1")
    assert "Monthly on day 5 at 07:30 (Europe/Paris)" in schedule and "3 times in all" in schedule
    visit(page, "automations-ends")
    assert not csp, csp
