"""Small ASGI helpers shared by the HTTP fast paths (ledger and wallets)."""

from __future__ import annotations

from starlette.types import Message, Receive, Scope, Send

FAST_PATH_HEADERS = (b"authorization", b"content-type", b"idempotency-key")
MAX_KEY_LENGTH = 255


def fast_path_headers(scope: Scope) -> dict[bytes, str] | None:
    """The headers a fast path reads, or None when one is repeated or a key is too long."""
    out: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in FAST_PATH_HEADERS:
            if name in out:
                return None
            out[name] = value.decode("latin-1")
    key = out.get(b"idempotency-key")
    if key is not None and len(key) > MAX_KEY_LENGTH:
        return None
    return out


async def read_body(receive: Receive, limit: int) -> tuple[bytes, bool] | None:
    """The body and whether it is all of it (reading stops past ``limit`` bytes).

    None when the client went away.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        if chunk:
            chunks.append(chunk)
            size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > limit:
            return b"".join(chunks), False


def replay(body: bytes, receive: Receive, *, more: bool = False) -> Receive:
    """A ``receive`` that gives the body already read, then defers to the real one."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return again


async def send_json(send: Send, status: int, payload: bytes) -> None:
    """Answer with ``payload``, already encoded JSON."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-length", str(len(payload)).encode("latin-1")),
                (b"content-type", b"application/json"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
