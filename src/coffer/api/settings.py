"""Settings of the HTTP API (``COFFER_*`` variables the core settings do not cover)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from coffer.settings import CofferSettings


class ApiSettings(CofferSettings):
    jwt_secret: str | None = None
    """HMAC key that signs access tokens (at least 32 characters). When unset, keys are kept in
    jwt_key_file (created once, mode 0600; `coffer keys rotate-jwt` adds a new one and keeps the old
    one for verification until its tokens expire)."""
    jwt_key_file: str = "./coffer-jwt.keys"
    """Where the token signing keys are kept (mode 0600) when jwt_secret is unset. Every server
    process of one database must read the same file."""
    refused_requests_window_seconds: Annotated[float, Field(ge=1, le=3600)] = 60.0
    """Requests refused for their bearer token (missing, invalid, expired, revoked, lacking the
    scope) are counted per source address, reason and client and written to the audit log as one
    request.refused entry per window of this length."""
    refused_requests_max_keys: Annotated[int, Field(ge=1, le=10_000)] = 100
    """Distinct (address, reason, client) counts per window; refusals past them are counted in one
    overflow entry, so a flood writes at most this many + 1 audit entries per window."""
    client_check_seconds: Annotated[float, Field(ge=0, le=60)] = 1.0
    """How long each process caches a client's state (enabled, secret version, scopes) when checking
    a token. A disabled, deleted or rotated client's tokens stop at once in the process that made
    the change and within this bound in the others; 0 reads the database on every request."""
    token_rate_per_client: Annotated[int, Field(ge=0)] = 60
    """Token requests per minute per client id (bursts up to this number); beyond, 429 with
    Retry-After. 0: no limit."""
    token_rate_per_address: Annotated[int, Field(ge=0)] = 120
    """Token requests per minute per source address (bursts up to this number); beyond, 429 with
    Retry-After. 0: no limit."""
    token_lockout_failures: Annotated[int, Field(ge=0)] = 10
    """Consecutive failed token requests (wrong secret) after which a client id, and separately a
    source address, is locked out. 0: no lockout."""
    token_lockout_seconds: Annotated[int, Field(ge=1, le=86_400)] = 300
    """How long a lockout lasts."""
    secret_hash_concurrency: Annotated[int, Field(ge=1, le=64)] = 2
    """Client secrets verified (Argon2, 64 MiB each) at the same time."""
    secret_hash_queue: Annotated[int, Field(ge=0, le=10_000)] = 16
    """Token requests that may wait for a verification slot; beyond, 503 at once (bounds the memory
    and threads a flood of wrong secrets can take)."""
    secret_hash_nice: Annotated[int, Field(ge=0, le=19)] = 5
    """How much lower the CPU priority of the secret-checking threads is (Linux nice increment, per
    thread): under a flood of token requests the rest of the server keeps the CPU. 0: the same
    priority."""
    max_body_bytes: Annotated[int, Field(ge=1024)] = 32 * 1024 * 1024
    """Largest request body accepted on any route (413 beyond, before the body is read). The token
    endpoint accepts at most 16 KiB."""
    check_request_bodies: bool = True
    """Refuse oversized bodies (413), and bodies, paths and query strings that are not valid UTF-8
    or hold lone surrogates (400), before any route sees them. Turn off only to measure what the
    check costs."""
    token_ttl_seconds: Annotated[int, Field(ge=1, le=86_400)] = 3600
    """Lifetime of an access token."""
    thread_pool_size: Annotated[int, Field(ge=8, le=4096)] = 256
    """Worker threads for blocking ledger calls; concurrent requests beyond this wait. Many threads
    let concurrent writes share one sequencer batch."""
    log_requests: bool = True
    """Log one JSON line per request."""
    max_bulk_size: Annotated[int, Field(ge=1)] = 10_000
    """Most elements accepted in one _bulk request."""
    run_worker: bool = True
    """Run the background worker (webhook deliveries, authorization expiry, recovery of interrupted
    payments) inside the server; `coffer worker` runs it alone."""
