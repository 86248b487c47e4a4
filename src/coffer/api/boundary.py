"""The request boundary: body size and text checks before any route or fast path runs.

Pure ASGI, in front of every route (the fast paths included):

- a ``Content-Length`` past the limit is answered 413 at once, without reading the body
  (and the connection is closed, so the rest is never read either); a body sent in chunks
  is counted as it arrives and refused as soon as it passes the limit, so no request
  buffers more than ``max_body_bytes`` (16 KiB on the token endpoint);
- a text body (JSON, a form, or no content type) that is not valid UTF-8, or whose JSON
  strings hold a lone surrogate escape (``"\\ud800"``), is answered 400: such strings
  cannot be stored or encoded again, so they never reach a service;
- so is a path or query string whose percent-escapes decode to invalid UTF-8 (which the
  server would otherwise turn into U+FFFD silently) or to a lone surrogate escape; on every
  route, in the error shape of the API the path belongs to.

The body is then handed on whole, as one message, to the app.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from coffer.api.deps import TOKEN_PATH
from coffer.asgi import read_body, replay

TOKEN_MAX_BODY_BYTES = 16 * 1024
_ESCAPE = re.compile(rb"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
# paths whose errors are the Stripe-like error object (the rest answer Formance's shape)
OWN_SHAPE_PREFIXES = (
    "/api/wallets/",
    "/api/assistant/",
    "/api/me/",
    "/api/risk/",
    "/api/automations/",
)


def lone_surrogate(body: bytes) -> bool:
    """Whether the JSON text ``body`` escapes a surrogate that is not half of a pair."""
    if b"\\u" not in body and b"\\U" not in body:
        return False
    pending_high_end = -1  # where the last unpaired high surrogate escape ended
    for match in _ESCAPE.finditer(body):
        escape = match.group(1)
        if len(escape) != 5:
            if pending_high_end >= 0:
                return True
            continue
        code = int(escape[1:], 16)
        if 0xD800 <= code <= 0xDBFF:
            if pending_high_end >= 0:
                return True
            pending_high_end = match.end()
        elif 0xDC00 <= code <= 0xDFFF:
            if pending_high_end != match.start():
                return True
            pending_high_end = -1
        elif pending_high_end >= 0:
            return True
    return pending_high_end >= 0


def text_problem(body: bytes) -> str | None:
    """Why ``body`` cannot be taken as text, or None."""
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return "the request body is not valid UTF-8"
    if lone_surrogate(body):
        return "the request body holds a lone surrogate escape (like \\ud800): not valid Unicode"
    return None


def url_problem(raw_path: bytes, query_string: bytes) -> str | None:
    """Why a request's path or query string cannot be taken as text, or None."""
    for part, name in ((raw_path, "path"), (query_string, "query string")):
        if b"%" not in part and b"\\" not in part and part.isascii():
            continue
        decoded = unquote_to_bytes(part.replace(b"+", b" "))
        if text_problem(decoded) is not None:
            return f"the {name} is not valid UTF-8 text once percent-decoded"
    return None


class RequestBoundary:
    """See the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        token_max_body_bytes: int = TOKEN_MAX_BODY_BYTES,
        enabled: bool = True,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.token_max_body_bytes = min(token_max_body_bytes, max_body_bytes)
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "replace")
        query_string: bytes = scope.get("query_string", b"")
        problem = url_problem(raw_path, query_string)
        if problem is not None:
            await _refuse(scope, send, 400, problem, code="invalid_unicode")
            return
        length: bytes | None = None
        chunked = False
        content_type = b""
        for name, value in scope["headers"]:
            if name == b"content-length":
                if length is not None and length != value:
                    await _refuse(scope, send, 400, "conflicting Content-Length headers")
                    return
                length = value
            elif name == b"transfer-encoding":
                chunked = True
            elif name == b"content-type":
                content_type = value.lower()
        if length is None and not chunked:
            await self.app(scope, receive, send)
            return
        limit = self.token_max_body_bytes if scope["path"] == TOKEN_PATH else self.max_body_bytes
        if length is not None:
            if not length.isdigit() or len(length) > 18:
                await _refuse(scope, send, 400, "invalid Content-Length")
                return
            if int(length) > limit:
                await _refuse(scope, send, 413, f"the request body is larger than {limit} bytes")
                return
            if int(length) == 0 and not chunked:
                await self.app(scope, receive, send)
                return
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return
        body: bytes = message.get("body", b"")
        if message.get("more_body", False):  # more to come: count it as it streams
            read = await read_body(replay(body, receive, more=True), limit)
            if read is None:
                return
            body, complete = read
            if not complete:
                body = b""
                await _refuse(scope, send, 413, f"the request body is larger than {limit} bytes")
                return
        if len(body) > limit:
            await _refuse(scope, send, 413, f"the request body is larger than {limit} bytes")
            return
        if b"x-www-form-urlencoded" in content_type:
            problem = url_problem(b"", body)
            if problem is not None:
                await _refuse(
                    scope,
                    send,
                    400,
                    "the form body is not valid UTF-8 text",
                    code="invalid_unicode",
                )
                return
        elif (not content_type or b"json" in content_type or b"text/" in content_type) and (
            not body.isascii() or b"\\u" in body
        ):
            problem = text_problem(body)
            if problem is not None:
                await _refuse(scope, send, 400, problem, code="invalid_unicode")
                return
        await self.app(scope, replay(body, receive), send)


async def _refuse(
    scope: Scope, send: Send, status: int, message: str, *, code: str | None = None
) -> None:
    """Answer in the error shape of the API the path belongs to, and close the connection
    (what remains of the body is never read)."""
    path: str = scope["path"]
    if code is None:
        code = "payload_too_large" if status == 413 else "validation_error"
    if path == TOKEN_PATH:
        payload: object = {"error": "invalid_request", "error_description": message}
    elif path.startswith(OWN_SHAPE_PREFIXES):
        payload = {"error": {"type": "invalid_request_error", "code": code, "message": message}}
    else:
        formance = "VALIDATION" if status == 400 else "PAYLOAD_TOO_LARGE"
        payload = {"errorCode": formance, "errorMessage": message, "details": code}
    encoded = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-length", str(len(encoded)).encode()),
                (b"content-type", b"application/json"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": encoded})
