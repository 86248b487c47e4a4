"""The wallet app's domain pages in a real browser (Debian's Chromium, headless): a
customer sets a budget and sees it with its chart, recategorizes a line, creates a goal,
asks a question, converts currency with a quote (rate, fee and expiry shown first),
creates a round-up rule and redeems points; axe-core runs on every page and the
screenshots of docs/app.md are written here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from tests.web.conftest import LiveServer
from tests.web.test_app_browser import PASSWORD, sign_up_verified, visit

from coffer.fx.endpoints import fx_for
from coffer.fx.loyalty import schemas as L

pytestmark = pytest.mark.browser
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}


@pytest.fixture(params=["sqlite"])
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


def fund(server: LiveServer, email: str, amount: int) -> str:
    """Top up the customer's EUR wallet by card through the end-user API; their id."""
    token = httpx.post(f"{server.url}/api/me/v1/sign-in",
                       json={"email": email, "password": PASSWORD}, timeout=60).json()["token"]  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    wallets = httpx.get(f"{server.url}/api/me/v1/wallets", headers=headers, timeout=60).json()
    body = {"wallet_id": wallets[0]["id"], "amount": amount, "card": CARD}
    payin = httpx.post(f"{server.url}/api/me/v1/top-ups", json=body, headers=headers, timeout=60)
    assert payin.status_code == 201, payin.text
    me = httpx.get(f"{server.url}/api/me/v1/me", headers=headers, timeout=60).json()
    return str(me["customer_id"])


def test_budgets_conversions_rules_and_points(live_server: LiveServer, page: Any) -> None:
    base = live_server.url
    page.set_viewport_size({"width": 420, "height": 900})
    fx = fx_for(live_server.app)
    fx.rates.set_manual("EUR", "USD", "1.0842")
    program = fx.loyalty.create_program(
        L.ProgramCreate(name="Coffer Miles", cash_currency="EUR", redemption_rate=Decimal(1))
    )

    sign_up_verified(page, live_server, "Ana Lima", "ana@example.org")
    customer_id = fund(live_server, "ana@example.org", 25_000)
    fx.loyalty.award(program.id, L.AwardCreate(customer_id=customer_id, points=1_200))

    # spending: recategorize the top-up
    page.click("nav >> text=Spending")
    page.wait_for_url("**/app/spending")
    visit(page, "spending")
    page.click("#spending-lines >> text=Change category")
    page.wait_for_selector("#category-form")
    visit(page, "spending-line")
    page.select_option("#category", "INCOME_WAGES")
    page.click("#category-form button[type=submit]")
    page.wait_for_url("**/app/spending?changed=1")
    assert "your category" in page.text_content("#spending-lines")
    visit(page, "spending", shot=True)
    page.click("#review-link")
    page.wait_for_url("**/app/spending?review=true")
    visit(page, "review")

    # a budget, seen with its progress and chart
    page.click("nav >> text=Budgets")
    page.wait_for_url("**/app/budgets")
    visit(page, "budgets-empty")
    page.select_option("#category", "FOOD_AND_DRINK")
    page.fill("#budget-amount", "300")
    page.click("#budget-form button[type=submit]")
    page.wait_for_url("**/app/budgets")
    assert "€300.00" in page.text_content("#budget-list")
    page.wait_for_function("document.querySelector('#budget-chart').width > 0")
    visit(page, "budgets", shot=True)

    # a goal with its forecast
    page.click("nav >> text=Goals")
    page.fill("#goal-name", "Holiday in Lisbon")
    page.fill("#goal-target", "1200")
    page.fill("#goal-saved", "300")
    page.fill("#goal-date", "2027-08-01")
    page.click("#goal-form button[type=submit]")
    page.wait_for_url("**/app/goals")
    assert "Holiday in Lisbon" in page.text_content("#goal-list")
    visit(page, "goals", shot=True)

    # a question, with the figures of the answer, and the insights
    page.click("nav >> text=Ask")
    page.fill("#question", "How much money came in this month?")
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector("#answer-text")
    visit(page, "ask", shot=True)

    # convert 50 EUR to USD: the quote first (rate, fee, expiry), then confirm
    page.click("nav >> text=Convert")
    page.wait_for_url("**/app/convert")
    visit(page, "convert")
    page.fill("#convert-amount", "50")
    page.select_option("#to_currency", "USD")
    page.click("#convert-form button[type=submit]")
    page.wait_for_selector("#fx-quote")
    assert "1.0842" in page.text_content("#quote-mid-rate")
    assert page.text_content("#quote-rate").startswith("1 EUR = 1.0")
    assert page.text_content("#quote-expiry")
    visit(page, "convert-quote", shot=True)
    page.click("#confirm-convert")
    page.wait_for_url("**/app/?converted=1")
    assert page.is_visible("#balance-USD")

    # a round-up rule into a pot
    page.click("nav >> text=Automations")
    page.wait_for_url("**/app/automations")
    page.check("#recipe-round_up")
    page.fill("#pot_name", "Rainy day")
    page.click("#rule-form button[type=submit]")
    page.wait_for_url("**/app/automations?created=1")
    assert "Round-ups · Rainy day" in page.text_content("#rule-list")
    assert "Rainy day" in page.text_content("#pot-1")
    visit(page, "automations", shot=True)
    page.click("#rule-list a")
    page.wait_for_selector("#rule-status")
    visit(page, "automation")

    # points: lots with their expiry, redeem into cash
    page.click("nav >> text=Points")
    page.wait_for_url("**/app/points")
    assert "1200" in page.text_content("#points-balance-1").replace(",", "")
    visit(page, "points", shot=True)
    page.fill("#redeem-points-1", "200")
    page.click("#redeem-form-1 button[type=submit]")
    page.wait_for_url("**/app/points?redeemed=1")
    assert "1000" in page.text_content("#points-balance-1").replace(",", "")

    # the same pages in Chinese
    page.select_option("#lang-select", "zh")
    page.click("#language-form button[type=submit]")
    page.wait_for_selector("html[lang=zh]")
    page.goto(base + "/app/budgets")
    assert "预算" in page.text_content("h1")
    visit(page, "budgets-zh")
