"""The two hot write endpoints as plain ASGI, beside their FastAPI routes.

``POST /api/ledger/v2/{ledger}/transactions`` with postings and ``POST .../_bulk`` carry
nearly all write traffic. Through FastAPI's routing, dependency solving, validation and
exception layers one request costs about 0.7 ms of CPU on a small machine before the
ledger sees it; on two cores that alone caps the server near 1,500 requests/s. Here the
same requests are parsed, authorized and answered directly:

- the JSON body is checked by hand for the common shape (:func:`plain_transaction`);
- single transactions are not run one thread each: :class:`PostBatcher` gathers the
  concurrent ones of a ledger and hands them to ``Ledger.post_many`` together (one thread
  hop and one sequencer submission per batch, each transaction still succeeding or
  failing alone), which is what the sequencer would have batched anyway;
- the response is the same JSON the route builds.

Anything else (scripts, ``dryRun``, account metadata, timestamps, unknown query
parameters, bodies that are not exactly the common shape, unknown ledgers...) is passed on
to the FastAPI route untouched, body included, so behaviour and error messages stay the
route's. The routes stay the documented ones in the OpenAPI.
"""

from __future__ import annotations

import json
import logging
import re
from types import SimpleNamespace

import anyio.to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from coffer.api import errors
from coffer.api.deps import MAX_BODY_BYTES, ServerState, plain_transaction, transaction_text
from coffer.api.ledger_access import check_force, check_ledger
from coffer.asgi import fast_path_headers, read_body, replay, send_json
from coffer.errors import CofferError
from coffer.ledger import Ledger, Transaction, TransactionRequest
from coffer.ledger.service import Result
from coffer.platforms import bind_caller
from coffer.runtime.batching import CallBatcher

logger = logging.getLogger("coffer.api")

_HOT_PATH = re.compile(r"^/api/ledger/v2/([0-9a-zA-Z_-]{1,63})/(transactions|_bulk)$")
_TRUE = frozenset(("true", "1", "yes", "on", "t", "y"))
_FALSE = frozenset(("false", "0", "no", "off", "f", "n"))
_ROUTES = {
    kind: SimpleNamespace(path=f"/api/ledger/v2/{{ledger}}/{kind}")
    for kind in ("transactions", "_bulk")
}
MAX_LEDGERS_REMEMBERED = 10_000


class PostBatcher(CallBatcher[TransactionRequest, Result]):
    """Concurrent single transactions of one ledger, handed to ``post_many`` together."""

    def __init__(self, ledger: Ledger) -> None:
        super().__init__(ledger.post_many)
        self.ledger = ledger

    async def post(self, item: TransactionRequest) -> Result:
        return await self.submit(item)


class FastPath:
    """Pure ASGI middleware in front of the router: see the module docstring."""

    def __init__(self, app: ASGIApp, server: ServerState) -> None:
        self.app = app
        self.server = server
        self._ledgers: dict[str, Ledger] = {}
        self._batchers: dict[int, PostBatcher] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        match = _HOT_PATH.match(scope["path"])
        if match is None:
            await self.app(scope, receive, send)
            return
        name, kind = match.group(1), match.group(2)
        query = _flags(scope["query_string"], bulk=kind == "_bulk")
        headers = fast_path_headers(scope)
        if query is None or headers is None:
            await self.app(scope, receive, send)
            return
        read = await read_body(receive, MAX_BODY_BYTES)
        if read is None:  # the client went away
            return
        body = read[0]
        replay_body = replay(body, receive)
        try:
            handled = await self._handle(scope, send, name, kind, query, headers, body)
        except CofferError as error:
            await errors.render(error)(scope, replay_body, send)
            return
        except Exception as exc:
            logger.exception("unhandled error", exc_info=exc)
            response = errors.internal_error_response()
            await response(scope, replay_body, send)
            return
        if not handled:
            await self.app(scope, replay_body, send)

    async def _handle(
        self,
        scope: Scope,
        send: Send,
        name: str,
        kind: str,
        query: dict[str, bool],
        headers: dict[bytes, str],
        body: bytes,
    ) -> bool:
        """Answer the request and return True, or return False to leave it to the route."""
        content_type = headers.get(b"content-type")
        if content_type is None or content_type.split(";", 1)[0].strip().lower() != (
            "application/json"
        ):
            return False
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return False
        self._set_route(scope, kind)
        principal = self.server.authority.authorize(headers.get(b"authorization"), "ledger:write")
        coffer = self.server.coffer
        check_ledger(coffer, principal, name, write=True, scope=scope)
        if kind == "transactions":
            item = plain_transaction(
                data, headers.get(b"idempotency-key"), force=query.get("force", False)
            )
            if item is None:
                return False
            if item.overdrafts is not None:
                check_force(coffer, principal, name)
            ledger = await self._ledger(name)
            result = await self._batcher(ledger).post(item)
            if isinstance(result, CofferError):
                raise result
            assert isinstance(result, Transaction)
            text = '{"data":' + transaction_text(result) + "}"
            await send_json(send, 200, text.encode("utf-8"))
            return True
        from coffer.api.routers.ledger import bulk_elements, run_bulk

        elements = bulk_elements(data)
        if elements is None:
            return False
        ledger = await self._ledger(name)
        request = Request(scope)
        bind_caller(request, principal)  # the bulk elements' checks read it
        status, payload = await anyio.to_thread.run_sync(
            lambda: run_bulk(
                request,
                ledger,
                elements,
                atomic=query.get("atomic", False),
                continue_on_failure=query.get("continueOnFailure", False),
                parallel=query.get("parallel", False),
            )
        )
        await send_json(send, status, payload)
        return True

    async def _ledger(self, name: str) -> Ledger:
        ledger = self._ledgers.get(name)
        if ledger is None:
            coffer = self.server.coffer
            ledger = await anyio.to_thread.run_sync(lambda: coffer.ledger(name, create=False))
            if len(self._ledgers) < MAX_LEDGERS_REMEMBERED:
                self._ledgers[name] = ledger
        return ledger

    def _batcher(self, ledger: Ledger) -> PostBatcher:
        batcher = self._batchers.get(ledger.ledger_id)
        if batcher is None:
            batcher = PostBatcher(ledger)
            if len(self._batchers) < MAX_LEDGERS_REMEMBERED:
                self._batchers[ledger.ledger_id] = batcher
        return batcher

    @staticmethod
    def _set_route(scope: Scope, kind: str) -> None:
        """Name the route in the scope as the router would (metrics are labelled by it)."""
        scope["route"] = _ROUTES[kind]


def _flags(query_string: bytes, *, bulk: bool) -> dict[str, bool] | None:
    """The boolean query parameters this path knows, or None to leave it to the route."""
    if not query_string:
        return {}
    allowed = ("atomic", "continueOnFailure", "parallel") if bulk else ("force",)
    out: dict[str, bool] = {}
    for part in query_string.decode("latin-1").split("&"):
        key, _, value = part.partition("=")
        if key not in allowed or key in out:
            return None
        value = value.lower()
        if value in _TRUE:
            out[key] = True
        elif value in _FALSE:
            out[key] = False
        else:
            return None
    return out
