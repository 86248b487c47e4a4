"""Sliding time windows with running counts, sums and distinct counts.

A window of ``h`` seconds asked at time ``t`` holds the events with ``t - h < time <= t``:
an event exactly ``h`` seconds old has left it. Every operation is amortised O(1).
"""

from __future__ import annotations

from collections import deque

HOUR = 3600.0
DAY = 86400.0
HORIZONS = (HOUR, DAY, 7 * DAY, 30 * DAY)
HORIZON_NAMES = ("1h", "24h", "7d", "30d")


class Window:
    """Counts and sums of amounts over several horizons (the longest one is kept)."""

    __slots__ = ("amounts", "counts", "heads", "horizons", "next_expiry", "sums", "times")

    def __init__(self, horizons: tuple[float, ...] = HORIZONS) -> None:
        self.horizons = horizons
        self.times: list[float] = []
        self.amounts: list[int] = []
        self.heads = [0] * len(horizons)
        self.sums = [0] * len(horizons)
        self.counts = [0] * len(horizons)
        self.next_expiry = float("inf")  # nothing leaves any window before this time

    def advance(self, now: float) -> None:
        """Drop what is at least a horizon old at ``now``."""
        if now < self.next_expiry:
            return
        times = self.times
        amounts = self.amounts
        size = len(times)
        for index, horizon in enumerate(self.horizons):
            head = self.heads[index]
            limit = now - horizon
            if head < size and times[head] <= limit:
                total = 0
                while head < size and times[head] <= limit:
                    total += amounts[head]
                    head += 1
                self.sums[index] -= total
                self.counts[index] = size - head
                self.heads[index] = head
        first = min(self.heads)
        if first > 256 and first * 2 > size:
            del times[:first]
            del amounts[:first]
            self.heads = [head - first for head in self.heads]
        self._plan()

    def _plan(self) -> None:
        times = self.times
        size = len(times)
        horizons = self.horizons
        best = float("inf")
        for index, head in enumerate(self.heads):
            if head < size:
                expiry = times[head] + horizons[index]
                if expiry < best:
                    best = expiry
        self.next_expiry = best

    def add(self, now: float, amount: int) -> None:
        self.times.append(now)
        self.amounts.append(amount)
        sums = self.sums
        counts = self.counts
        size = len(sums)
        if size == 4:  # the usual horizons, without a loop
            s0, s1, s2, s3 = sums
            c0, c1, c2, c3 = counts
            sums[:] = (s0 + amount, s1 + amount, s2 + amount, s3 + amount)
            counts[:] = (c0 + 1, c1 + 1, c2 + 1, c3 + 1)
        elif size == 2:
            s0, s1 = sums
            c0, c1 = counts
            sums[:] = (s0 + amount, s1 + amount)
            counts[:] = (c0 + 1, c1 + 1)
        else:
            for index in range(len(sums)):
                sums[index] += amount
                counts[index] += 1
        expiry = now + self.horizons[0]
        if expiry < self.next_expiry:
            self.next_expiry = expiry

    def counts_at(self, now: float) -> list[int]:
        """The counts :meth:`stats` would give at ``now``, the window left as it is."""
        if now < self.next_expiry:
            return list(self.counts)
        times = self.times
        size = len(times)
        counts = []
        for head, horizon in zip(self.heads, self.horizons, strict=True):
            limit = now - horizon
            while head < size and times[head] <= limit:
                head += 1
            counts.append(size - head)
        return counts

    def stats(self, now: float) -> tuple[list[int], list[int]]:
        """(counts, sums) per horizon at ``now``, the window advanced first."""
        if now >= self.next_expiry:
            self.advance(now)
        return self.counts, self.sums


class DistinctWindow:
    """How many distinct keys were seen in the last ``horizon`` seconds."""

    __slots__ = ("horizon", "last_seen", "queue")

    def __init__(self, horizon: float) -> None:
        self.horizon = horizon
        self.queue: deque[tuple[float, str]] = deque()
        self.last_seen: dict[str, float] = {}

    def advance(self, now: float) -> None:
        limit = now - self.horizon
        queue = self.queue
        last_seen = self.last_seen
        while queue and queue[0][0] <= limit:
            moment, key = queue.popleft()
            if last_seen.get(key) == moment:
                del last_seen[key]

    def add(self, now: float, key: str) -> None:
        self.queue.append((now, key))
        self.last_seen[key] = now

    def count(self, now: float) -> int:
        queue = self.queue
        if queue and queue[0][0] <= now - self.horizon:
            self.advance(now)
        return len(self.last_seen)

    def keys(self, now: float) -> list[str]:
        self.advance(now)
        return list(self.last_seen)

    def __contains__(self, key: str) -> bool:
        return key in self.last_seen


class RunningStats:
    """Mean and variance (Welford) and maximum of a stream of values, plus recent values."""

    __slots__ = ("count", "maximum", "mean", "recent", "squares")

    def __init__(self) -> None:
        self.count = 0
        self.mean = 0.0
        self.squares = 0.0
        self.maximum = 0.0
        self.recent: deque[float] = deque(maxlen=31)

    def add(self, value: float) -> None:
        self.count += 1
        delta = value - self.mean
        self.mean += delta / self.count
        self.squares += delta * (value - self.mean)
        if value > self.maximum:
            self.maximum = value
        self.recent.append(value)

    @property
    def std(self) -> float:
        return (self.squares / (self.count - 1)) ** 0.5 if self.count > 1 else 0.0

    def median(self) -> float:
        if not self.recent:
            return 0.0
        ordered = sorted(self.recent)
        return ordered[len(ordered) // 2]
