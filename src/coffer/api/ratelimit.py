"""Bounds on the token endpoint: rate limits, lockouts, and the secret-verification gate.

All three live in the server process's memory, each with a bounded number of keys (the
least recently used key is forgotten first), and are safe to call from any thread.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from coffer.errors import ServerBusy

MAX_KEYS = 100_000
T = TypeVar("T")


class RateLimiter:
    """A token bucket per key: ``per_minute`` requests a minute, bursts up to as many."""

    def __init__(
        self,
        per_minute: int,
        *,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when the request may go ahead (one token taken), else the seconds to wait."""
        if self.capacity <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait


class Lockout:
    """After ``failures`` consecutive failures, each within ``seconds`` of the one before,
    a key is locked for ``seconds``."""

    def __init__(
        self,
        failures: int,
        seconds: float,
        *,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.seconds = seconds
        self.max_keys = max_keys
        self.clock = clock
        # count, locked until, last failure
        self._state: OrderedDict[str, tuple[int, float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def remaining(self, key: str) -> float:
        """Seconds the key stays locked (0: not locked)."""
        if self.failures <= 0:
            return 0.0
        with self._lock:
            state = self._state.get(key)
        if state is None:
            return 0.0
        return max(0.0, state[1] - self.clock())

    def failed(self, key: str) -> bool:
        """Count a failure; True when it starts a lockout."""
        if self.failures <= 0:
            return False
        now = self.clock()
        with self._lock:
            count, until, last = self._state.pop(key, (0, 0.0, now))
            if (until and until <= now) or now - last > self.seconds:
                count, until = 0, 0.0  # a lockout that ended, or old failures: start over
            count += 1
            started = count >= self.failures and not until
            if started:
                until = now + self.seconds
            self._state[key] = (count, until, now)
            while len(self._state) > self.max_keys:
                self._state.popitem(last=False)
        return started

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._state.pop(key, None)


def _lower_priority(nice: int) -> None:
    """Run this thread (and the threads it starts: Argon2's lanes) at a lower priority, so
    that the event loop answering other requests keeps the CPU under a flood."""
    get_id = getattr(threading, "get_native_id", None)
    if nice <= 0 or get_id is None or not hasattr(os, "setpriority"):
        return
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, get_id(), nice)  # Linux: this thread only


class SecretGate:
    """Secret verifications (Argon2, 64 MiB each) run on ``concurrency`` threads of their
    own, at a lower CPU priority; at most ``queue`` more wait; beyond, :class:`ServerBusy`
    at once. Memory and CPU taken by a flood of wrong secrets are bounded by these."""

    def __init__(
        self, concurrency: int, queue: int, *, wait_seconds: float = 30.0, nice: int = 10
    ) -> None:
        self.concurrency = concurrency
        self.queue = queue
        self.wait_seconds = wait_seconds
        self.nice = nice
        self._executor: ThreadPoolExecutor | None = None  # made on first use
        self._lock = threading.Lock()
        self._admitted = 0  # running + waiting

    def full(self) -> bool:
        """Whether a new request would be refused now (a cheap look, without the lock)."""
        return self._admitted >= self.concurrency + self.queue

    def run(self, function: Callable[..., T], *args: object) -> T:
        """``function(*args)`` on a verification thread; ServerBusy when too many wait."""
        with self._lock:
            if self._admitted >= self.concurrency + self.queue:
                raise ServerBusy("too many token requests are being checked; retry shortly")
            self._admitted += 1
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=self.concurrency,
                    thread_name_prefix="coffer-secret-check",
                    initializer=_lower_priority,
                    initargs=(self.nice,),
                )
            executor = self._executor
        try:
            future = executor.submit(function, *args)
            try:
                return future.result(timeout=self.wait_seconds)
            except FutureTimeout:
                future.cancel()
                raise ServerBusy(
                    "too many token requests are being checked; retry shortly"
                ) from None
        finally:
            with self._lock:
                self._admitted -= 1

    def close(self) -> None:
        """Stop the verification threads (a later check starts new ones)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
