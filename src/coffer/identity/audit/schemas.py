"""Response models of the audit log's HTTP API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class AuditEntryOut(BaseModel):
    seq: int = Field(description="Position in the log: 1, 2, ... without gaps.")
    created_at: str = Field(description="When (RFC 3339, UTC).")
    actor: str = Field(description="Who: a client id, cli:<user> or system.")
    action: str = Field(description="What, as noun.verb: client.disabled, token.refused, ...")
    target: str | None = Field(description="What it was done to (a client id, a key id...).")
    address: str | None = Field(description="From where: the source address, if any.")
    details: dict[str, Any]
    hash: str = Field(description="SHA-256 chaining this entry to the one before (hex).")


class AuditPage(BaseModel):
    data: list[AuditEntryOut]
    has_more: bool
    next_cursor: str | None = Field(description="Pass as cursor for the next (older) page.")
