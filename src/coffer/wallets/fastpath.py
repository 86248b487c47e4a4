"""``POST /api/wallets/v1/transfers`` as plain ASGI, in front of its FastAPI route.

Wallet-to-wallet transfers are the wallets API's hot write. Through FastAPI's routing over
every route of the app, dependency solving and response validation, a request costs the
server's event loop more CPU than the transfer itself; on two cores that caps the API far
below what the service does in-process. Here the common request is parsed (the request
model, validated by pydantic-core), authorized (``wallets:write``) and answered directly,
with the same JSON and status as the route: 201 and the transfer, or the typed error
object. Concurrent transfers
are not run one worker thread each: a :class:`~coffer.runtime.batching.CallBatcher` hands
those that arrive together to ``Wallets.transfer_many`` (one ledger submission and a few
statements per batch), each still succeeding or failing alone.

Anything else (another path or method, a body the model refuses, duplicated headers) goes
to the FastAPI route untouched, body included, so the route's 422 answers stay the only
ones. The route stays the documented one in the OpenAPI. Wire it with
``app.add_middleware(WalletsFastPath)`` (``coffer.api.create_app`` does).
"""

from __future__ import annotations

import logging

import pydantic
from starlette.types import ASGIApp, Receive, Scope, Send

from coffer.asgi import fast_path_headers, read_body, replay, send_json
from coffer.errors import CofferError
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.runtime.batching import CallBatcher
from coffer.wallets import schemas as S
from coffer.wallets.endpoints import PREFIX, platform_for, render_error

logger = logging.getLogger("coffer.wallets")

PATH = PREFIX + "/transfers"
MAX_BODY_BYTES = 64 * 1024  # a transfer is a few hundred bytes; beyond, the route decides
MAX_PLATFORMS_BATCHED = 10_000


TransferBatcher = CallBatcher[tuple[S.TransferCreate, str | None], S.Transfer | CofferError]


class _Route:
    path = PREFIX + "/transfers"  # what metrics label the request with, as the router would


class WalletsFastPath:
    """Pure ASGI middleware: see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # one batcher per platform: a batch goes to one platform's wallets service
        self._batchers: dict[str, TransferBatcher] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        headers = fast_path_headers(scope)
        if headers is None or scope.get("query_string"):
            await self.app(scope, receive, send)
            return
        read = await read_body(receive, MAX_BODY_BYTES)
        if read is None:  # the client went away
            return
        body, complete = read
        if not complete:  # too large for a transfer: the route decides, with all of it
            await self.app(scope, replay(body, receive, more=True), send)
            return
        try:
            handled = await self._handle(scope, send, headers, body)
        except CofferError as error:
            await render_error(error)(scope, replay(body, receive), send)
            return
        if not handled:
            await self.app(scope, replay(body, receive), send)

    async def _handle(
        self, scope: Scope, send: Send, headers: dict[bytes, str], body: bytes
    ) -> bool:
        """Answer the request and return True, or return False to leave it to the route."""
        content_type = headers.get(b"content-type", "")
        if content_type.split(";", 1)[0].strip().lower() != "application/json":
            return False
        try:
            request = S.TransferCreate.model_validate_json(body)
        except pydantic.ValidationError:
            return False  # the route answers 422 with the problems listed
        app = scope["app"]
        scope["route"] = _Route
        principal = app.state.server.authority.authorize(
            headers.get(b"authorization"), "wallets:write"
        )
        platform_id = getattr(principal, "platform_id", DEFAULT_PLATFORM_ID)
        platform = platform_for(app, platform_id)
        batcher = self._batchers.get(platform_id)
        if batcher is None or batcher.call != platform.wallets.transfer_many:
            if len(self._batchers) >= MAX_PLATFORMS_BATCHED:
                self._batchers.clear()
            batcher = self._batchers[platform_id] = CallBatcher(platform.wallets.transfer_many)
        result = await batcher.submit((request, headers.get(b"idempotency-key")))
        if isinstance(result, CofferError):
            raise result
        await send_json(send, 201, result.model_dump_json().encode())
        return True
