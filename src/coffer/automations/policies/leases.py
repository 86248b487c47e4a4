"""Headroom of velocity windows that this process reserved ahead (its leases).

A usage row (``spending_policy_usage``) is the arbiter between processes: ``used +
reserved`` never passes an enforced limit. When the check counts movements in a window
under the row's lock, it also reserves a share of what is left (1/16: a lease) for this
process; later movements in that window are counted against the lease in memory, with no
database round trip, until it runs short. What a lease counted is moved from ``reserved``
to ``used`` by the next reconciliation (:meth:`Leases.take_sync`, about every second); a
lease unused for a while, or reserved under an older version of its policy, goes back to
the row then. Near a limit the shares shrink to nothing and each movement is judged by
the row itself, so two processes never pass the last slot; what a process holds and does
not use only makes the others stricter, never laxer. So that no movement waits on a row in
steady state, a lease in use with less than half of its last grant free is topped up in
the background (:meth:`Leases.held`), and the leases of a window's successor are taken a
few seconds before it starts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WindowKey = tuple[str, str, str]  # policy_id, window, window_start
Need = tuple[WindowKey, int, object, object]  # a window, its policy's version, (the caller's)
LEASE_SHARE = 16  # a lease is 1/LEASE_SHARE of what is left in the window
IDLE_SECONDS = 10.0  # a lease unused this long goes back to its row


@dataclass(slots=True)
class Lease:
    """This process's free headroom in one window (None: the window has no such limit)."""

    version: int  # the policy version it was reserved under
    amount: int | None
    count: int | None
    touched: float
    granted: tuple[int, int] = (0, 0)  # amount and count of its last grant

    def short(self) -> bool:
        """Less than half of its last grant is free: worth renewing before it runs out."""
        return (self.amount is not None and self.amount * 2 < self.granted[0]) or (
            self.count is not None and self.count * 2 < self.granted[1]
        )

    def add(self, amount: int, count: int) -> tuple[int, int]:
        """Add headroom (negative: take it); answers the free headroom it had."""
        had = (self.amount or 0, self.count or 0)
        if self.amount is not None:
            self.amount += amount
        if self.count is not None:
            self.count += count
        return had


@dataclass(slots=True)
class Sync:
    """What one row must hear: counted from leases (``used +=``, ``reserved -=``) and
    headroom given back (``reserved -=``)."""

    used_amount: int = 0
    used_count: int = 0
    returned_amount: int = 0
    returned_count: int = 0

    def change(self) -> tuple[int, int, int, int]:
        """The row's change: amount and count used (+), amount and count reserved (-)."""
        return (
            self.used_amount,
            self.used_count,
            self.used_amount + self.returned_amount,
            self.used_count + self.returned_count,
        )

    def add(self, other: Sync) -> None:
        self.used_amount += other.used_amount
        self.used_count += other.used_count
        self.returned_amount += other.returned_amount
        self.returned_count += other.returned_count


class Leases:
    """The leases of one check (one process), and what their rows must still hear;
    thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._leases: dict[WindowKey, Lease] = {}
        self._pending: dict[WindowKey, Sync] = {}

    def __bool__(self) -> bool:
        return bool(self._leases or self._pending)

    def _sync(self, key: WindowKey) -> Sync:
        sync = self._pending.get(key)
        if sync is None:
            sync = self._pending[key] = Sync()
        return sync

    def take(self, movements: Sequence[tuple[Sequence[Need], int] | None]) -> list[bool]:
        """Count each movement (the windows it needs and its amount; None: not from
        leases) in every window it needs, all from leases, or in none: whether it was."""
        out = []
        leases, pending = self._leases, self._pending
        with self._lock:
            now = time.monotonic()
            for movement in movements:
                if movement is None:
                    out.append(False)
                    continue
                needs, amount = movement
                found = []
                for need in needs:
                    lease = leases.get(need[0])
                    if (
                        lease is None
                        or lease.version != need[1]
                        or (lease.amount is not None and lease.amount < amount)
                        or (lease.count is not None and lease.count < 1)
                    ):
                        out.append(False)
                        break
                    found.append(lease)
                else:
                    for need, lease in zip(needs, found, strict=True):
                        if lease.amount is not None:
                            lease.amount -= amount
                        if lease.count is not None:
                            lease.count -= 1
                        lease.touched = now
                        sync = pending.get(need[0]) or self._sync(need[0])
                        sync.used_amount += amount
                        sync.used_count += 1
                    out.append(True)
        return out

    def give_back(self, counted: Iterable[tuple[WindowKey, int]]) -> None:
        """Movements counted from leases that did not happen: uncounted, their headroom
        back in the lease (or in the row, when the lease is gone)."""
        with self._lock:
            for key, amount in counted:
                sync = self._sync(key)
                sync.used_amount -= amount
                sync.used_count -= 1
                lease = self._leases.get(key)
                if lease is not None:
                    lease.add(amount, 1)
                else:
                    sync.returned_amount += amount
                    sync.returned_count += 1

    def withdraw(self, keys: Iterable[WindowKey]) -> dict[WindowKey, tuple[int, int]]:
        """Take the free headroom of ``keys`` out of their leases: the caller's unit gives
        it back to the rows (or :meth:`restore` when that unit fails)."""
        out = {}
        with self._lock:
            for key in keys:
                lease = self._leases.get(key)
                if lease is not None:
                    free = (lease.amount or 0, lease.count or 0)
                    if free != (0, 0):
                        out[key] = free
                        lease.add(-free[0], -free[1])
        return out

    def restore(self, withdrawn: dict[WindowKey, tuple[int, int]]) -> None:
        """The unit that was to give ``withdrawn`` back failed: the next one will."""
        with self._lock:
            for key, (amount, count) in withdrawn.items():
                sync = self._sync(key)
                sync.returned_amount += amount
                sync.returned_count += count

    def grant(
        self,
        key: WindowKey,
        version: int,
        amount: int | None,
        count: int | None,
        *,
        ahead: bool = False,
    ) -> None:
        """Headroom a row reserved for this process (once the unit committed); ``ahead``:
        reserved before a movement needed it (a lease topped up does not count as used)."""
        with self._lock:
            lease = self._leases.get(key)
            now = time.monotonic()
            if lease is None or lease.version != version:
                if lease is not None:  # reserved under another version: back to the row
                    returned_amount, returned_count = lease.add(0, 0)
                    sync = self._sync(key)
                    sync.returned_amount += returned_amount
                    sync.returned_count += returned_count
                self._leases[key] = Lease(version, amount, count, now, (amount or 0, count or 0))
                return
            lease.add(amount or 0, count or 0)
            lease.granted = (amount or 0, count or 0)
            if not ahead:
                lease.touched = now

    def held(self) -> list[tuple[WindowKey, bool]]:
        """The windows this process holds a lease of, and whether it runs short."""
        with self._lock:
            return [(key, lease.short()) for key, lease in self._leases.items()]

    def take_sync(self, *, everything: bool = False) -> dict[WindowKey, Sync]:
        """What the rows must hear, no longer pending here; the leases unused for
        :data:`IDLE_SECONDS` (or all of them: ``everything``) are given back with it."""
        idle_before = time.monotonic() - IDLE_SECONDS
        with self._lock:
            for key, lease in list(self._leases.items()):
                if everything or lease.touched < idle_before:
                    del self._leases[key]
                    amount, count = lease.add(0, 0)
                    if amount or count:
                        sync = self._sync(key)
                        sync.returned_amount += amount
                        sync.returned_count += count
            pending, self._pending = self._pending, {}
        return {key: sync for key, sync in pending.items() if sync != Sync()}

    def untake_sync(self, synced: dict[WindowKey, Sync]) -> None:
        """The unit that was to tell the rows failed: it stays pending."""
        with self._lock:
            for key, sync in synced.items():
                self._sync(key).add(sync)
