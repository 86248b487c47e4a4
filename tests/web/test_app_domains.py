"""The wallet app's domain pages and their end-user API routes (assistant, the
customer's automations, conversions, loyalty points), server side, on both backends:
each reaches only the signed-in customer's data (another customer's ids answer 404),
forms carry the anti-forgery token, a rule that moves a large amount asks for step-up,
and an expired quote is refused with a clear message."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyotp
import pytest
from starlette.testclient import TestClient
from tests.web.conftest import WebApp, csrf_of
from tests.web.test_app_pages import PASSWORD, post, sign_up

from coffer.fx.loyalty import schemas as L
from coffer.fx.platform import open_fx
from coffer.wallets.endpoints import platform_for

ME = "/api/me/v1"
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(web: WebApp) -> Iterator[Clock]:
    """The fx domain of the app on a clock the test moves, with a EUR/USD rate."""
    clock = Clock()
    fx = open_fx(platform_for(web.app), clock=clock)
    fx.rates.set_manual("EUR", "USD", "1.1")
    web.app.state.fx = fx
    yield clock


class Customer:
    """A customer signed in through the end-user API (a bearer token)."""

    def __init__(self, web: WebApp, email: str, name: str) -> None:
        self.client = web.new_client()
        answer = self.client.post(
            f"{ME}/sign-up", json={"email": email, "password": PASSWORD, "name": name}
        )
        assert answer.status_code == 201, answer.text
        self.headers = {"Authorization": f"Bearer {answer.json()['token']}"}

    def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        answer = self.client.request(method, ME + path, json=body, headers=self.headers)
        assert answer.status_code == status, (path, answer.text)
        return answer.json() if answer.content else None

    def wallet(self, currency: str = "EUR") -> str:
        return next(w["id"] for w in self.call("GET", "/wallets") if w["currency"] == currency)

    def top_up(self, amount: int) -> None:
        body = {"wallet_id": self.wallet(), "amount": amount, "card": CARD}
        assert self.call("POST", "/top-ups", body, 201)["status"] in ("succeeded", "processing")


def test_the_assistant_through_the_api_reaches_only_its_customer(web: WebApp) -> None:
    ana, bo = Customer(web, "ana@example.org", "Ana Lima"), Customer(web, "bo@example.org", "Bo")
    ana.top_up(12_000)
    lines = ana.call("GET", "/spending")
    assert len(lines) == 1 and lines[0]["amount"] == 12_000
    line_id = lines[0]["id"]
    path = f"/spending/{line_id}/category"
    changed = ana.call("POST", path, {"category": "INCOME_WAGES"})
    assert (changed["primary"], changed["detailed"]) == ("INCOME", "INCOME_WAGES")
    assert changed["category_source"] == "correction"
    bo.call("POST", path, {"category": "INCOME_WAGES"}, 404)  # not Bo's line
    ana.call("POST", path, {"category": "NOT_A_CATEGORY"}, 400)
    assert ana.call("GET", "/spending?review=true") == []

    budget = ana.call(
        "POST", "/budgets", {"category": "FOOD_AND_DRINK", "amount": 20_000, "currency": "EUR"}, 201
    )
    assert budget["available"] >= 20_000 and budget["spent"] == 0
    assert [b["id"] for b in ana.call("GET", "/budgets")["data"]] == [budget["id"]]
    assert bo.call("GET", "/budgets")["data"] == []
    bo.call("DELETE", f"/budgets/{budget['id']}", status=404)
    ana.call("POST", "/budgets", {"category": "GROCERIES?", "amount": 1, "currency": "EUR"}, 400)

    goal = ana.call(
        "POST", "/goals",
        {"name": "Holiday", "target_amount": 100_000, "currency": "EUR", "saved_amount": 25_000},
        201,
    )  # fmt: skip
    assert goal["percent"] == 25.0 and goal["remaining"] == 75_000
    assert bo.call("GET", "/goals") == []

    answer = ana.call("POST", "/ask", {"question": "How much did I spend this month?"})
    assert answer["intent"] and answer["answer"]
    assert ana.call("GET", "/insights")["currency"] == "EUR"


def test_rules_from_recipes_with_step_up_and_scoping(web: WebApp) -> None:
    ana, bo = Customer(web, "ana@example.org", "Ana Lima"), Customer(web, "bo@example.org", "Bo")
    wallet = ana.wallet()
    round_up = ana.call("POST", "/automations", {"recipe": "round_up", "wallet_id": wallet}, 201)
    assert round_up["status"] == "active" and round_up["consent"]["how"] == "wallet app"
    step = round_up["definition"]["steps"][0]
    assert step["debited_wallet_id"] == wallet and step["credited_wallet_id"] != wallet
    sweep = {"recipe": "sweep", "wallet_id": wallet, "threshold": 50_000, "pot_name": "Savings"}
    swept = ana.call("POST", "/automations", sweep, 201)
    # the same pot: one per name and currency
    assert swept["definition"]["steps"][0]["credited_wallet_id"] == step["credited_wallet_id"]
    # a fixed amount above the step-up threshold asks for a second factor first
    payday = {"recipe": "payday", "wallet_id": wallet, "amount": 50_000, "day": 25}
    refused = ana.call("POST", "/automations", payday, 403)
    assert refused["error"]["code"] == "step_up_required"
    small = ana.call("POST", "/automations", {**payday, "amount": 5_000}, 201)
    assert small["trigger_type"] == "schedule" and small["next_fire_at"]
    # another customer's wallet or rule is not found
    bo.call("POST", "/automations", {"recipe": "round_up", "wallet_id": wallet}, 404)
    bo.call("POST", f"/automations/{round_up['id']}/pause", status=404)
    bo.call("GET", f"/automations/{round_up['id']}/runs", status=404)
    assert bo.call("GET", "/automations") == []
    assert ana.call("POST", f"/automations/{round_up['id']}/pause")["status"] == "paused"
    assert ana.call("POST", f"/automations/{round_up['id']}/resume")["status"] == "active"
    assert ana.call("GET", f"/automations/{round_up['id']}/runs") == []
    ana.call("POST", f"/automations/{round_up['id']}/cancel")
    assert {r["id"] for r in ana.call("GET", "/automations")} == {swept["id"], small["id"]}

    # a recurring payment to a saved person (saving them needed a second factor)
    secret = ana.call("POST", "/security/totp")["secret"]
    ana.call("POST", "/security/totp/confirm", {"code": pyotp.TOTP(secret).now()})
    ana.call("POST", "/security/step-up", {"code": pyotp.TOTP(secret).at(time.time() + 30)})
    person = ana.call("POST", "/beneficiaries",
                      {"kind": "customer", "name": "Bo", "email": "bo@example.org"}, 201)  # fmt: skip
    rent = {"recipe": "recurring_payment", "wallet_id": wallet, "amount": 2_500,
            "beneficiary_id": person["id"], "day": 1}  # fmt: skip
    paying = ana.call("POST", "/automations", rent, 201)
    (pay,) = paying["definition"]["steps"]
    assert pay["credited_wallet_id"] == bo.wallet() and pay["retry"]["on"] == ["insufficient_funds"]
    bo.call("POST", "/automations", {**rent, "wallet_id": bo.wallet()}, 404)  # Ana's person


def test_conversions_and_points_through_the_api(web: WebApp, clock: Clock) -> None:
    ana, bo = Customer(web, "ana@example.org", "Ana Lima"), Customer(web, "bo@example.org", "Bo")
    ana.top_up(10_000)
    eur = ana.wallet()
    quote = ana.call("POST", "/conversions/quote",
                     {"wallet_id": eur, "to_currency": "USD", "amount": 5_000}, 201)  # fmt: skip
    assert quote["sell_amount"] == 5_000 and 0 < quote["buy_amount"] < 5_500
    bo.call("POST", "/conversions", {"quote_id": quote["id"], "wallet_id": eur}, 404)
    bo.call("POST", "/conversions", {"quote_id": quote["id"], "wallet_id": bo.wallet()}, 404)
    done = ana.call("POST", "/conversions", {"quote_id": quote["id"], "wallet_id": eur}, 201)
    assert done["buy_amount"] == quote["buy_amount"]
    assert ana.wallet("USD")  # opened by the conversion
    ana.call("POST", "/conversions", {"quote_id": quote["id"], "wallet_id": eur}, 409)  # used
    late = ana.call("POST", "/conversions/quote",
                    {"wallet_id": eur, "to_currency": "USD", "amount": 1_000}, 201)  # fmt: skip
    clock.now += timedelta(hours=1)
    expired = ana.client.post(f"{ME}/conversions", headers=ana.headers,
                              json={"quote_id": late["id"], "wallet_id": eur})  # fmt: skip
    assert expired.status_code == 410, expired.text

    fx = web.app.state.fx
    program = fx.loyalty.create_program(
        L.ProgramCreate(name="Coffer Miles", cash_currency="EUR", redemption_rate=Decimal(1))
    )
    customer_id = ana.call("GET", "/me")["customer_id"]
    fx.loyalty.award(program.id, L.AwardCreate(customer_id=customer_id, points=500))
    (balance,) = ana.call("GET", "/loyalty")
    assert balance["account"]["balance"] == 500 and balance["lots"][0]["expires_at"]
    assert bo.call("GET", "/loyalty")[0]["account"]["balance"] == 0
    redeem = {"program_id": program.id, "points": 200, "wallet_id": eur}
    bo.call("POST", "/loyalty/redemptions", redeem, 404)  # Ana's wallet
    moved = ana.call("POST", "/loyalty/redemptions", redeem, 201)
    assert moved["cash_amount"] == 200
    assert ana.call("GET", "/loyalty")[0]["account"]["balance"] == 300


# -- the pages ----------------------------------------------------------------------------

PAGES = ("/app/spending", "/app/spending?review=true", "/app/budgets", "/app/goals",
         "/app/ask", "/app/automations", "/app/convert", "/app/points")  # fmt: skip


def _signed_in(web: WebApp, email: str = "ana@example.org") -> tuple[TestClient, Customer]:
    """A browser (forms) and the same customer through the API (to fund the wallet)."""
    client = web.new_client()
    sign_up(client, email=email)
    api = Customer.__new__(Customer)
    api.client = web.new_client()
    token = api.client.post(f"{ME}/sign-in", json={"email": email, "password": PASSWORD})
    api.headers = {"Authorization": f"Bearer {token.json()['token']}"}
    return client, api


def test_every_domain_page_renders_and_forms_need_the_token(web: WebApp) -> None:
    client, _ = _signed_in(web)
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, (path, page.text)
        assert "<script>" not in page.text
    refused = client.post("/app/budgets", data={"category": "FOOD_AND_DRINK", "amount": "50",
                                                "currency": "EUR"})  # fmt: skip
    assert refused.status_code == 403
    assert 'id="budget-list"' not in client.get("/app/budgets").text


def test_pages_recategorize_budget_goal_and_ask(web: WebApp) -> None:
    client, api = _signed_in(web)
    api.top_up(5_000)
    page = client.get("/app/spending").text
    link = re.search(r'href="(/app/spending/[^"?]+)"', page)
    assert link is not None
    edit = client.get(link.group(1))
    assert edit.status_code == 200 and 'id="category-form"' in edit.text
    saved = client.post(link.group(1), data={"category": "INCOME_WAGES",
                                              "csrf_token": csrf_of(edit.text)})  # fmt: skip
    assert saved.status_code == 303
    assert "your category" in client.get("/app/spending").text
    bad = client.post(link.group(1), data={"category": "X", "csrf_token": csrf_of(edit.text)})
    assert bad.status_code == 400

    made = post(client, "/app/budgets", {"category": "FOOD_AND_DRINK", "amount": "150",
                                         "currency": "EUR", "rollover": "on"}, "/app/budgets")  # fmt: skip
    assert made.status_code == 303  # type: ignore[attr-defined]
    budgets = client.get("/app/budgets").text
    assert 'id="budget-list"' in budgets and "budget-chart" in budgets and "€150.00" in budgets
    wrong = post(client, "/app/budgets", {"category": "FOOD_AND_DRINK", "amount": "lots",
                                          "currency": "EUR"}, "/app/budgets")  # fmt: skip
    assert wrong.status_code == 400  # type: ignore[attr-defined]

    goal = post(client, "/app/goals", {"name": "Bike", "target_amount": "800", "currency": "EUR",
                                       "target_date": "2030-06-01"}, "/app/goals")  # fmt: skip
    assert goal.status_code == 303  # type: ignore[attr-defined]
    assert "Bike" in client.get("/app/goals").text
    answer = post(client, "/app/ask", {"question": "how much did I spend last month?"}, "/app/ask")
    assert 'id="answer-text"' in answer.text  # type: ignore[attr-defined]


def test_pages_of_another_customer_are_not_found(web: WebApp) -> None:
    _, ana = _signed_in(web, "ana@example.org")
    ana.top_up(5_000)
    line_id = ana.call("GET", "/spending")[0]["id"]
    rule = ana.call("POST", "/automations", {"recipe": "round_up", "wallet_id": ana.wallet()}, 201)
    bo, _ = _signed_in(web, "bo@example.org")
    from urllib.parse import quote

    assert bo.get(f"/app/spending/{quote(line_id, safe='')}").status_code == 404
    assert bo.get(f"/app/automations/{rule['id']}").status_code == 404
    page = bo.get("/app/automations").text
    paused = bo.post(f"/app/automations/{rule['id']}/pause", data={"csrf_token": csrf_of(page)})
    assert paused.status_code == 404
    assert ana.call("GET", "/automations")[0]["status"] == "active"


def test_a_rule_page_asks_for_step_up_above_the_threshold(web: WebApp) -> None:
    client, api = _signed_in(web)
    wallet = api.wallet()
    made = post(client, "/app/automations", {"recipe": "round_up", "wallet_id": wallet,
                                             "pot_name": "Rainy day"}, "/app/automations")  # fmt: skip
    assert made.headers["location"] == "/app/automations?created=1"  # type: ignore[attr-defined]
    listed = client.get("/app/automations").text
    assert 'id="rule-list"' in listed and "Rainy day" in listed
    big = {"recipe": "payday", "wallet_id": wallet, "amount": "500", "day": "25"}
    asked = post(client, "/app/automations", big, "/app/automations")
    assert asked.headers["location"].startswith("/app/step-up")  # type: ignore[attr-defined]
    refilled = client.get("/app/automations").text  # the form comes back filled in
    assert 'value="500"' in refilled and 'value="payday" id="recipe-payday" checked' in refilled


def test_convert_pages_show_the_quote_and_refuse_an_expired_one(web: WebApp, clock: Clock) -> None:
    client, api = _signed_in(web)
    api.top_up(10_000)
    wallet = api.wallet()
    quoted = post(client, "/app/convert/quote",
                  {"wallet_id": wallet, "amount": "20", "to_currency": "USD"}, "/app/convert")  # fmt: skip
    text = quoted.text  # type: ignore[attr-defined]
    for part in ('id="quote-rate"', 'id="quote-fee"', 'id="quote-expiry"', 'id="quote-buy"'):
        assert part in text
    confirm = {"quote_id": re.search(r'name="quote_id" value="([^"]+)"', text).group(1),  # type: ignore[union-attr]
               "wallet_id": wallet, "csrf_token": csrf_of(text)}  # fmt: skip
    clock.now += timedelta(minutes=10)
    expired = client.post("/app/convert", data=confirm)
    assert expired.status_code == 409 and "quote expired" in expired.text
    clock.now = datetime.now(UTC)
    again = post(client, "/app/convert/quote",
                 {"wallet_id": wallet, "amount": "20", "to_currency": "USD"}, "/app/convert")  # fmt: skip
    text = again.text  # type: ignore[attr-defined]
    confirm["quote_id"] = re.search(r'name="quote_id" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]
    done = client.post("/app/convert", data=confirm)
    assert done.status_code == 303
    assert 'id="balance-USD"' in client.get("/app/").text


def test_notifications_are_fed_by_the_customers_events(web: WebApp) -> None:
    ana, bo = Customer(web, "ana@example.org", "Ana Lima"), Customer(web, "bo@example.org", "Bo")
    ana.top_up(5_000)  # the app notified it itself: its event does not repeat it
    rule = ana.call("POST", "/automations", {"recipe": "round_up", "wallet_id": ana.wallet()}, 201)
    me = ana.call("GET", "/me")
    outbox = platform_for(web.app).webhooks
    outbox.publish("automation.run_failed", {"object": "automation_run", "id": "run_1",
                   "automation_id": rule["id"], "error": {"message": "insufficient funds"}})  # fmt: skip
    outbox.publish("assistant.alert.duplicate_charge", {"customer_id": me["customer_id"],
                   "message": "Two charges of 9.99 EUR at Netflix", "amount": 999,
                   "currency": "EUR"})  # fmt: skip
    outbox.publish("risk.decision.created", {"object": "risk_decision", "outcome": "review",
                   "customer_id": me["customer_id"], "amount": 70_000, "currency": "EUR"})  # fmt: skip
    outbox.publish("transfer.succeeded", {"id": "tr_1", "debited_wallet_id": bo.wallet(),
                   "credited_wallet_id": ana.wallet(), "amount": 1_500, "currency": "EUR"})  # fmt: skip
    # a budget spent beyond its pace: its alert, once this month
    ana.call("POST", "/transfers", {"wallet_id": ana.wallet(), "amount": 2_000,
                                    "to_email": "bo@example.org"}, 201)  # fmt: skip
    sent = next(t for t in ana.call("GET", "/spending") if t["amount"] < 0)
    ana.call("POST", f"/spending/{sent['id']}/category", {"category": "FOOD_AND_DRINK_RESTAURANT"})
    ana.call("POST", "/budgets", {"category": "FOOD_AND_DRINK", "amount": 100, "currency": "EUR",
                                  "rollover": False}, 201)  # fmt: skip
    kinds = [n["kind"] for n in ana.call("GET", "/notifications")]
    assert kinds.count("top_up_succeeded") == 1
    for kind in ("automation_failed", "assistant_alert", "risk_review", "money_received",
                 "budget_alert"):  # fmt: skip
        assert kinds.count(kind) == 1, kinds
    assert [n["kind"] for n in ana.call("GET", "/notifications")] == kinds  # each once
    # none of them is Bo's
    bo_kinds = {n["kind"] for n in bo.call("GET", "/notifications")}
    assert bo_kinds <= {"welcome", "signed_in", "money_received"}  # Ana's transfer
    client = web.new_client()
    post(client, "/app/sign-in", {"email": "ana@example.org", "password": PASSWORD}, "/app/sign-in")
    page = client.get("/app/notifications").text
    for text in ("could not run: insufficient funds", "Two charges", "is being checked",
                 "You received €15.00 from Bo.", "Budget: "):  # fmt: skip
        assert text in page, text
    other, _ = _signed_in(web, "cy@example.org")
    assert "could not run" not in other.get("/app/notifications").text


def test_every_detailed_category_has_a_short_name_in_each_language() -> None:
    from coffer.assistant.taxonomy import DETAILED_CATEGORIES
    from coffer.web.app.categories import CHINESE, detailed_name

    assert set(CHINESE) == set(DETAILED_CATEGORIES)
    assert detailed_name("FOOD_AND_DRINK_GROCERIES", "en") == "Groceries"
    assert detailed_name("FOOD_AND_DRINK_GROCERIES", "zh") == "食品杂货"


def test_a_round_up_rule_made_in_the_app_fills_its_pot(web: WebApp) -> None:
    from coffer.automations.endpoints import automations_for
    from coffer.automations.tasks import Worker
    from coffer.wallets import schemas as W

    ana, bo = Customer(web, "ana@example.org", "Ana Lima"), Customer(web, "bo@example.org", "Bo")
    ana.top_up(10_000)
    rule = ana.call("POST", "/automations", {"recipe": "round_up", "wallet_id": ana.wallet()}, 201)
    pot = rule["definition"]["steps"][0]["credited_wallet_id"]
    worker = Worker(automations_for(web.app), threads=1)
    try:
        worker.run_until_idle()
        platform = platform_for(web.app)
        platform.wallets.create_payment(
            W.PaymentCreate(buyer_wallet_id=ana.wallet(), seller_wallet_id=bo.wallet(),
                            amount=1_250, currency="EUR", capture=True)
        )  # fmt: skip
        worker.run_until_idle()
    finally:
        worker.stop()
    assert platform.wallets.wallet(pot).balance == 50
    (run,) = ana.call("GET", f"/automations/{rule['id']}/runs")
    assert run["status"] == "succeeded"
    # the pot is Ana's: she sees it and moves money back; Bo cannot
    assert [p["id"] for p in ana.call("GET", "/pots")] == [pot]
    assert bo.call("GET", "/pots") == []
    bo.call("POST", f"/pots/{pot}/withdrawals", {"amount": 10}, 404)
    ana.call("POST", f"/pots/{pot}/withdrawals", {"amount": 60}, 400)  # insufficient funds
    ana.call("POST", f"/pots/{pot}/withdrawals", {"amount": 30}, 201)
    assert platform.wallets.wallet(pot).balance == 20
    # and from the rules page
    client = web.new_client()
    post(client, "/app/sign-in", {"email": "ana@example.org", "password": PASSWORD}, "/app/sign-in")
    page = client.get("/app/automations").text
    assert 'id="withdraw-form-1"' in page
    moved = client.post(f"/app/pots/{pot}/withdraw", data={"amount": "0.15",
                                                          "csrf_token": csrf_of(page)})  # fmt: skip
    assert moved.status_code == 303 and platform.wallets.wallet(pot).balance == 5


def test_a_recurring_rule_ends_never_on_a_date_or_after_n_times(web: WebApp) -> None:
    """The end of a scheduled rule (RRULE UNTIL / COUNT) at a time of day in a time zone:
    bad input answers a clear error and makes nothing; the list says when it ends."""
    from coffer.automations.definitions import ScheduleTrigger

    client, api = _signed_in(web)
    wallet = api.wallet()
    base = {"recipe": "payday", "wallet_id": wallet, "amount": "5", "day": "5",
            "pot_name": "Holidays", "at": "07:30", "time_zone": "Europe/Paris"}  # fmt: skip
    today = datetime.now(UTC).date()
    for extra, message in (
        ({"ends": "on_date"}, "Choose the last day of the payments."),
        ({"ends": "on_date", "end_date": str(today - timedelta(days=1))}, "after today"),
        ({"ends": "on_date", "end_date": "31/12/2030"}, "for example 2027-06-30"),
        ({"ends": "after"}, "a number from 1 to 600"),
        ({"ends": "after", "occurrences": "0"}, "a number from 1 to 600"),
        ({"ends": "after", "occurrences": "ten"}, "a number from 1 to 600"),
        ({"at": "25:00"}, "HH:MM"),
        ({"time_zone": "Mars/Olympus"}, "Europe/Paris"),
    ):
        refused = post(client, "/app/automations", {**base, **extra}, "/app/automations")
        assert refused.status_code == 400, (extra, refused.text[:200])  # type: ignore[attr-defined]
        assert message in refused.text, extra  # type: ignore[attr-defined]
    assert api.call("GET", "/automations") == []
    made = post(client, "/app/automations", {**base, "ends": "after", "occurrences": "3"},
                "/app/automations")  # fmt: skip
    assert made.status_code == 303  # type: ignore[attr-defined]
    last = today.replace(year=today.year + 1)
    post(client, "/app/automations",
         {**base, "name": "Until", "ends": "on_date", "end_date": str(last)}, "/app/automations")  # fmt: skip
    post(client, "/app/automations", {**base, "name": "Forever"}, "/app/automations")
    listed = client.get("/app/automations").text
    assert listed.count("Monthly on day 5 at 07:30 (Europe/Paris)") == 3
    assert "3 times in all" in listed and "until " in listed and "no end date" in listed
    rules = {r["name"]: r for r in api.call("GET", "/automations")}
    counted = next(r for name, r in rules.items() if name not in ("Until", "Forever"))
    trigger = ScheduleTrigger.model_validate(counted["definition"]["trigger"])
    assert trigger.rrule is not None and trigger.rrule.endswith(";COUNT=3")
    now = datetime.now(UTC)
    times = trigger.schedule().between(now - timedelta(days=1), now + timedelta(days=3650))
    assert len(times) == 3
    assert {(t.astimezone(trigger.schedule().zone).hour, t.minute) for t in times} == {(7, 30)}
    until = ScheduleTrigger.model_validate(rules["Until"]["definition"]["trigger"]).schedule()
    assert 11 <= len(until.between(now - timedelta(days=1), now + timedelta(days=3650))) <= 13
    # the end-user API refuses the same mistakes
    body = {"recipe": "payday", "wallet_id": wallet, "amount": 500, "ends": "after"}
    assert "1 to 600" in api.call("POST", "/automations", body, 400)["error"]["message"]
