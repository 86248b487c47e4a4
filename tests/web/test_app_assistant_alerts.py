"""The wallet app's notifications page lists the assistant's published alerts of the
signed-in customer (and of no one else), on both backends."""

from __future__ import annotations

from datetime import timedelta

from tests.web.conftest import WebApp
from tests.web.test_app_pages import sign_up

from coffer.assistant import repository as R
from coffer.assistant.endpoints import assistant_for
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
