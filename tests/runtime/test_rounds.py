"""The workers' background loop: a failing round is reported and the loop goes on; stop
ends it."""

from __future__ import annotations

import threading

from coffer.runtime.rounds import RoundLoop


class Counting(RoundLoop):
    thread_name = "test-rounds"

    def __init__(self) -> None:
        super().__init__(interval_seconds=0.01)
        self.rounds = 0
        self.failures: list[str] = []
        self.idle = threading.Event()

    def run_once(self) -> int:
        self.rounds += 1
        if self.rounds == 1:
            raise RuntimeError("first round fails")
        if self.rounds >= 3:
            self.idle.set()
            return 0
        return 1

    def round_failed(self, error: Exception) -> None:
        self.failures.append(str(error))


def test_a_failing_round_is_reported_and_the_loop_goes_on() -> None:
    loop = Counting()
    loop.start()
    assert loop.idle.wait(5)
    loop.stop()
    assert loop._thread is not None and not loop._thread.is_alive()
    assert loop.failures == ["first round fails"]
    assert loop.rounds >= 3


def test_run_forever_without_a_reporter_swallows_the_error() -> None:
    loop = Counting()
    threading.Timer(0.2, loop.stop).start()
    loop.run_forever()
    assert loop.rounds >= 3 and loop.failures == []
