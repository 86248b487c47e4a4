"""``POST /api/auth/oauth/token``: OAuth2 client credentials (RFC 6749 section 4.4)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, unquote_plus

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from coffer.api import schemas as S
from coffer.api.deps import TOKEN_PATH, state
from coffer.errors import InvalidScope, RateLimited, ServerBusy, Unauthorized

router = APIRouter(tags=["auth"])

TOKEN_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "client_id": {"type": "string"},
                        "client_secret": {"type": "string"},
                        "scope": {"type": "string"},
                    },
                }
            }
        },
    }
}


def _oauth_error(error: str, description: str, status: int) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="coffer"'
    return JSONResponse({"error": error, "error_description": description}, status, headers=headers)


@router.post(
    TOKEN_PATH,
    response_model=S.TokenResponse,
    responses={
        400: {
            "model": S.OAuthError,
            "description": "Bad request; invalid_scope: a scope the client may not have",
        },
        401: {"model": S.OAuthError, "description": "Unknown client or wrong secret"},
        429: {"model": S.OAuthError, "description": "Rate limited or locked out (Retry-After)"},
        503: {"model": S.OAuthError, "description": "Too many secrets being checked"},
    },
    operation_id="oauthToken",
    openapi_extra=TOKEN_BODY_DOC,
)
async def token(request: Request) -> Any:
    """Exchange a client id and secret (form fields or HTTP Basic) for an access token."""
    raw = await request.body()
    if len(raw) > 16_384:
        return _oauth_error("invalid_request", "the request is too large", 400)
    try:
        form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
    except (UnicodeDecodeError, ValueError):
        return _oauth_error("invalid_request", "send a form-encoded body", 400)
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    basic = request.headers.get("authorization", "")
    if basic.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(basic[6:].strip(), validate=True).decode()
            user, _, password = decoded.partition(":")
            client_id, client_secret = unquote_plus(user), unquote_plus(password)
        except (ValueError, UnicodeDecodeError):
            return _oauth_error("invalid_client", "malformed Basic credentials", 401)
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(
            "unsupported_grant_type", "only grant_type=client_credentials is supported", 400
        )
    if not client_id or not client_secret:
        return _oauth_error("invalid_request", "client_id and client_secret are required", 400)
    authority = state(request).authority
    address = request.client.host if request.client else None
    try:
        authority.admit(client_id, address)
        access_token, scope = await anyio.to_thread.run_sync(
            authority.issue, client_id, client_secret, form.get("scope"), address
        )
    except Unauthorized as error:
        return _oauth_error("invalid_client", error.message, 401)
    except InvalidScope as error:
        return _oauth_error("invalid_scope", error.message, 400)
    except RateLimited as error:
        response = _oauth_error("slow_down", error.message, 429)
        response.headers["Retry-After"] = str(error.retry_after_seconds)
        return response
    except ServerBusy as error:
        response = _oauth_error("temporarily_unavailable", error.message, 503)
        response.headers["Retry-After"] = "1"
        return response
    return JSONResponse(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": authority.ttl_seconds,
            "scope": scope,
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
