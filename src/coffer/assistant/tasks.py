"""Background work of the assistant: every customer's new alerts published as events.

``AlertsTask`` runs inside the wallets worker (``coffer worker``, and the worker thread of
``coffer serve``) at its housekeeping cadence, and publishes each platform's alerts at most
once per ``assistant_alerts_interval_seconds`` (0: never), the first time a minute after the
worker starts (or after one interval, if shorter), so a starting server is not slowed. Each alert is published once
(``Assistant.publish_alerts`` keys it per customer, committed with its outbox event), so a
restart or a second worker does not send it again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from coffer.assistant.service import Assistant
from coffer.settings import Settings, get_settings

logger = logging.getLogger("coffer.assistant.tasks")
CUSTOMERS_PAGE = 100
FIRST_DELAY_SECONDS = 60.0


class AlertsTask:
    """Called with one wallets platform; returns the number of alerts it published."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        today: Callable[[], date] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval_seconds = (settings or get_settings()).assistant_alerts_interval_seconds
        self.today = today
        self.clock = clock
        self._last: dict[str, float] = {}
        self._assistants: dict[str, Assistant] = {}
        # the first round: FIRST_DELAY_SECONDS after start (or one interval, if shorter)
        first = min(FIRST_DELAY_SECONDS, self.interval_seconds)
        self._first = self.clock() - self.interval_seconds + first

    def due(self, platform_id: str) -> bool:
        if self.interval_seconds <= 0:
            return False
        last = self._last.get(platform_id, self._first)
        return self.clock() - last >= self.interval_seconds

    def __call__(self, platform: Any) -> int:
        platform_id = str(platform.platform_id)
        if not self.due(platform_id):
            return 0
        self._last[platform_id] = self.clock()
        assistant = self._assistants.get(platform_id)
        if assistant is None:
            assistant = Assistant(platform.core.engine, platform.wallets, today=self.today)
            self._assistants[platform_id] = assistant
        return publish_all(assistant)


def publish_all(assistant: Assistant) -> int:
    """Publish the new alerts of every customer of the assistant's platform (a customer
    whose alerts fail is reported in the log and the others go on)."""
    published = 0
    cursor: str | None = None
    while True:
        page = assistant.wallets.customers(limit=CUSTOMERS_PAGE, starting_after=cursor)
        for customer in page.data:
            try:
                published += len(assistant.publish_alerts(customer.id))
            except Exception:
                logger.exception("publishing the alerts of customer %s failed", customer.id)
        if not page.has_more or not page.data:
            return published
        cursor = page.data[-1].id
