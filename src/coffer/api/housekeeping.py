"""Background work of ``coffer serve``: hold expiry, the audit log's counts of refused
requests, the wallets worker, the risk tasks and the automations worker."""

from __future__ import annotations

import logging
import threading

from fastapi import FastAPI

from coffer.core import Coffer

logger = logging.getLogger("coffer.api.housekeeping")
HOLD_EXPIRY_INTERVAL_SECONDS = 0.5


class Housekeeper:
    """Expires due holds of open ledgers and, if asked, runs the wallets worker."""

    def __init__(self, book: Coffer, app: FastAPI, *, run_worker: bool) -> None:
        self.book = book
        self.app = app
        self.run_worker = run_worker
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._expire_loop, name="hold-expiry", daemon=True)
        self._worker: object | None = None
        self._automations: object | None = None

    def start(self) -> None:
        self._thread.start()
        if self.run_worker:
            from coffer.wallets.endpoints import all_platforms
            from coffer.wallets.webhooks import Worker

            app = self.app
            from coffer.assistant.tasks import AlertsTask

            # the platforms the routes use; the assistant's alerts on their own schedule
            worker = Worker(lambda: all_platforms(app), tasks=[AlertsTask(self.book.settings)])
            worker.start()
            self._worker = worker
            from coffer.risk.online.endpoints import risk_for
            from coffer.risk.online.tasks import RiskWorker

            risk_worker = RiskWorker(risk_for(self.app))
            risk_worker.start()
            self._risk_worker: object | None = risk_worker
            from coffer.automations import Worker as AutomationsWorker
            from coffer.automations.endpoints import automations_for

            automations = AutomationsWorker(automations_for(self.app))
            automations.start()
            self._automations = automations

    def stop(self) -> None:
        self._stop.set()
        if self._worker is not None:
            self._worker.stop()  # type: ignore[attr-defined]
        if getattr(self, "_risk_worker", None) is not None:
            self._risk_worker.stop()  # type: ignore[union-attr]
        if getattr(self, "_automations", None) is not None:
            self._automations.stop()  # type: ignore[union-attr]
        self._thread.join(timeout=5)
        try:
            self.app.state.server.authority.refusals.flush(force=True)
        except Exception:
            logger.exception("writing refused requests to the audit log failed")

    def _expire_loop(self) -> None:
        while not self._stop.wait(HOLD_EXPIRY_INTERVAL_SECONDS):
            try:  # requests refused for their token: the window's counts to the audit log
                self.app.state.server.authority.refusals.flush()
            except Exception:
                logger.exception("writing refused requests to the audit log failed")
            for ledger in self.book.open_ledgers():
                try:
                    ledger.expire_holds()
                except Exception:  # keep expiring the other ledgers; report and go on
                    logger.exception("expiring holds of ledger %s failed", ledger.name)
