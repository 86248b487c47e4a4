"""Group commit on the event loop: concurrent requests handed to one batch call together.

The hot write endpoints (ledger transactions, wallet transfers) do not run one worker
thread per request. A :class:`CallBatcher` gathers the requests that arrive while earlier
ones are being served and hands them to a *batch function* (``Ledger.post_many``,
``Wallets.transfer_many``) in one worker-thread call: one thread hop, one sequencer
submission and a few database round trips per batch instead of per request, each item
still succeeding or failing alone (the batch function returns one result per item, an
error being a result like any other).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import anyio.to_thread

Item = TypeVar("Item")
Result = TypeVar("Result")

MAX_BATCH = 1_000  # items per batch call
MAX_WAITING = 50_000  # items waiting in one batcher; beyond, one call each
LANES = 2  # batch calls in flight: one commits while the next waits


class CallBatcher(Generic[Item, Result]):
    """Concurrent items, handed to ``call`` together (see the module docstring).

    Lives on the server's event loop. Up to ``lanes`` calls run at once, so while one
    batch commits the next is already queued behind it; items arriving meanwhile wait here
    and form the following call. When ``call`` raises, every item of that batch gets the
    exception.
    """

    def __init__(
        self,
        call: Callable[[list[Item]], Sequence[Result]],
        *,
        max_batch: int = MAX_BATCH,
        lanes: int = LANES,
    ) -> None:
        self.call = call
        self.max_batch = max_batch
        self.lanes = lanes
        self._waiting: deque[tuple[Item, asyncio.Future[Result]]] = deque()
        self._running = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            if self._waiting or self._running:
                # another event loop still uses this batcher (test clients only)
                return await self._alone(item)
            self._loop = loop
        if len(self._waiting) >= MAX_WAITING:
            return await self._alone(item)
        future: asyncio.Future[Result] = loop.create_future()
        self._waiting.append((item, future))
        if self._running < self.lanes:
            self._running += 1
            task = loop.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _alone(self, item: Item) -> Result:
        results = await anyio.to_thread.run_sync(self.call, [item])
        return results[0]

    async def _drain(self) -> None:
        try:
            for _ in range(1_000_000_000):  # bounded; ends when nothing waits
                if not self._waiting:
                    return
                count = min(len(self._waiting), self.max_batch)
                batch = [self._waiting.popleft() for _ in range(count)]
                try:
                    results = await anyio.to_thread.run_sync(self.call, [item for item, _ in batch])
                except Exception as exc:  # the whole call failed: every caller gets it
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._running -= 1
