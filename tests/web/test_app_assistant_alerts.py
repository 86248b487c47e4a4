"""The wallet app's notifications page lists the assistant's published alerts of the
signed-in customer (and of no one else), on both backends."""

from __future__ import annotations

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
