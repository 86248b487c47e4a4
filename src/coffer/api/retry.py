"""Requests that meet a database connection ended by a restart.

A restart or failover of PostgreSQL ends every pooled connection. SQLAlchemy drops them
from its pool when one fails, but the request that met the dead connection fails with it.

- A read (GET or HEAD) changes nothing: before anything of its response has been sent, it
  runs once more, on a new connection.
- Anything else is not run again. It answers ``database_unavailable`` (503, with
  ``Retry-After``), and the client retries with the same ``Idempotency-Key``.

The ledger's own reads and writes settle such losses themselves (docs/ledger.md).
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coffer.api.errors import connection_lost_response
from coffer.db.engine import connection_lost

logger = logging.getLogger("coffer.api")

_READS = frozenset({"GET", "HEAD"})


class ConnectionLossMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        received: list[Message] = []  # the request's messages, to give a second run

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                received.append(message)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        attempts = 2 if scope["method"] in _READS else 1
        for attempt in range(attempts):
            try:
                await self.app(scope, _replaying(received, recording_receive), tracking_send)
                return
            except Exception as exc:
                if started or not connection_lost(exc):
                    raise
                logger.warning(
                    "%s %s: the database connection was lost (%s)%s",
                    scope["method"],
                    scope["path"],
                    exc.__class__.__name__,
                    "; reading again" if attempt + 1 < attempts else "",
                )
        await connection_lost_response()(scope, receive, send)


def _replaying(received: list[Message], receive: Receive) -> Receive:
    """A receive that gives the messages already received again, then reads on."""
    replay = list(received)

    async def replaying_receive() -> Message:
        return replay.pop(0) if replay else await receive()

    return replaying_receive
