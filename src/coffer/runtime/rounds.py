"""The background loop of Coffer's workers: rounds of work on a daemon thread, a pause
after a round that found nothing to do, a stop that ends the loop between two rounds."""

from __future__ import annotations

import threading
from collections.abc import Callable


class RoundLoop:
    """Runs :meth:`run_once` again and again (``start``: on a daemon thread named
    ``thread_name``), waiting ``interval_seconds`` after a round that did no work. A round
    that raises is reported to :meth:`round_failed` and counts as idle: the loop goes on."""

    thread_name = "coffer-worker"

    def __init__(self, interval_seconds: float) -> None:
        self.interval_seconds = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """One round; how much work it did (0: idle)."""
        raise NotImplementedError

    def round_failed(self, error: Exception) -> None:
        """Report a round that raised, on the started thread (by default: nothing)."""

    def run_forever(self, *, on_error: Callable[[Exception], None] | None = None) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception as error:  # keep the worker alive; report and back off
                busy = 0
                if on_error is not None:
                    on_error(error)
            if not busy:
                self._stop.wait(self.interval_seconds)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.run_forever,
            kwargs={"on_error": self.round_failed},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout_seconds: float = 10.0) -> None:
        """Ask the loop to end and wait up to ``timeout_seconds`` for its round to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_seconds)
