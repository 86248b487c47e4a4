"""The wallet app's notifications page lists the assistant's published alerts of the
signed-in customer (and of no one else), on both backends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from tests.web.conftest import WebApp
from tests.web.test_app_pages import sign_up

from coffer.assistant import repository as R
from coffer.assistant.endpoints import assistant_for
from coffer.assistant.models import CustomerData
from coffer.wallets.endpoints.deps import platform_for


def test_notifications_show_the_customers_assistant_alerts(web: WebApp) -> None:
    ana, bo = web.new_client(), web.new_client()
    sign_up(ana)
    sign_up(bo, "bo@example.org", "Bo Berg")
    customers = {c.name: c.id for c in platform_for(web.app).wallets.customers(limit=10).data}
    assistant = assistant_for(web.app)
    body = {"customer_id": customers["Ana Lima"], "type": "assistant.alert.budget_exceeded",
            "kind": "budget_exceeded", "date": "2026-03-12",
            "message": "You have exceeded Groceries by 30.00 EUR this month", "amount": 3000,
            "currency": "EUR", "transaction_ids": []}  # fmt: skip
    with assistant.unit() as connection:
        R.mark_alert_sent(connection, customers["Ana Lima"], "k1", "budget_exceeded", body)
    page = ana.get("/app/notifications")
    assert page.status_code == 200
    assert 'id="assistant-alerts"' in page.text and "exceeded Groceries" in page.text
    assert "exceeded Groceries" not in bo.get("/app/notifications").text


def test_the_notifications_api_brings_the_customers_assistant_alerts(web: WebApp) -> None:
    from tests.web.test_app_domains import Customer

    ana, bo = Customer(web, "ana@example.org", "Ana Lima"), Customer(web, "bo@example.org", "Bo")
    customer_id = ana.call("GET", "/me")["customer_id"]
    assistant = assistant_for(web.app)
    today = assistant.today()

    def day(days_ago: int) -> str:
        return (today - timedelta(days=days_ago)).isoformat()

    rows = [f"{day(70 - 7 * n)},BEAN CORNER CAFE,-3.50" for n in range(6)]
    rows.append(f"{day(2)},BEAN CORNER CAFE,-45.00")  # unusual spending
    rows += [f"{day(5)},PIXELWORKS ELECTRONICS,-89.99", f"{day(4)},PIXELWORKS ELECTRONICS,-89.99"]
    rows += [f"{day(3 + 30 * n)},NETFLIX.COM,-12.99" for n in range(1, 6)]
    rows.append(f"{day(3)},NETFLIX.COM,-15.99")  # a price increase
    statement = "date,description,amount\n" + "\n".join(rows) + "\n"
    assistant.import_statement(customer_id, "csv", statement, account_name="Giro", currency="EUR")

    def alerts(customer: Customer) -> list[str]:
        return [n["params"]["message"] for n in customer.call("GET", "/notifications")
                if n["kind"] == "assistant_alert"]  # fmt: skip

    messages = alerts(ana)
    for text in ("unusually high", "Two charges of 89.99", "Netflix went up"):
        assert sum(text in m for m in messages) == 1, (text, messages)
    assert alerts(ana) == messages  # each once
    # the same alerts published as events (the background task) are not notified again
    assert assistant.publish_alerts(customer_id)
    assert alerts(ana) == messages
    assert alerts(bo) == []


def test_reads_of_the_feed_do_not_compute_the_alerts_again(
    web: WebApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.web.test_app_domains import Customer

    from coffer.assistant import alerts as A
    from coffer.web.app.state import app_state_for

    computed: list[str] = []

    def counted(data: CustomerData, today: date, low_balance: int = 0) -> list[A.Alert]:
        computed.append(data.customer_id)
        return feed_alerts(data, today, low_balance)

    feed_alerts = A.feed_alerts
    monkeypatch.setattr(A, "feed_alerts", counted)
    ana = Customer(web, "ana@example.org", "Ana Lima")
    customer_id = ana.call("GET", "/me")["customer_id"]
    assistant = assistant_for(web.app)
    today = assistant.today()
    rows = [f"{(today - timedelta(days=70 - 7 * n)).isoformat()},BEAN CORNER CAFE,-3.50"
            for n in range(6)]  # fmt: skip

    def statement(lines: list[str]) -> None:
        text = "date,description,amount\n" + "\n".join(lines) + "\n"
        assistant.import_statement(customer_id, "csv", text, account_name="Giro", currency="EUR")

    def feed() -> list[str]:
        return [n["params"]["message"] for n in ana.call("GET", "/notifications")
                if n["kind"] == "assistant_alert"]  # fmt: skip

    statement(rows)
    computed.clear()
    first = feed()
    assert feed() == first and feed() == first
    assert len(computed) == 1  # within the interval (300 s): computed once
    statement([f"{(today - timedelta(days=2)).isoformat()},BEAN CORNER CAFE,-45.00"])
    messages = feed()  # the transactions changed: computed again, at once
    assert len(computed) == 2 and any("unusually high" in m for m in messages[len(first) :])
    assert feed() == messages and len(computed) == 2
    monkeypatch.setattr(app_state_for(web.app).settings, "notification_alerts_seconds", 0)
    assert feed() == messages and feed() == messages and len(computed) == 4
