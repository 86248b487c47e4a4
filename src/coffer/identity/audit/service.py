"""The audit log's operations: record an action, list entries, verify the chain.

Each entry's hash is SHA-256 over the previous entry's hash followed by the entry's
canonical encoding (a JSON array of its fields, keys sorted, no spaces), the first entry
chained to 32 zero bytes, as the ledger's journal does. Sequence numbers are gapless; the
head row keeps the next number and the last hash, so deleting the newest entries is seen
too. The chain is not keyed: it shows edits by someone who does not also recompute every
later hash (see docs/security.md for what that does and does not promise).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NotRequired, TypedDict, Unpack

import sqlalchemy as sa

from coffer.db.engine import for_writes
from coffer.identity.audit import repository as R
from coffer.identity.audit.repository import AuditRow
from coffer.identity.audit.witness import head_check, witnessed_heads
from coffer.ledger.witness import Witness

GENESIS_HASH = bytes(32)
_encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
MAX_ACTOR_LENGTH = 200
MAX_TARGET_LENGTH = 200
MAX_ACTION_LENGTH = 64
MAX_ADDRESS_LENGTH = 64
MAX_DETAILS_LENGTH = 8192
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does an action, for the audit log: ``name`` is a client id, ``cli:<user>``,
    ``system`` (or ``system:<task>``); ``address`` where the request came from, if any."""

    name: str
    address: str | None = None


SYSTEM = Actor("system")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    created_at: datetime
    actor: str
    action: str
    target: str | None
    address: str | None
    details: dict[str, Any]
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "address": self.address,
            "details": self.details,
            "hash": self.hash,
        }


@dataclass(frozen=True, slots=True)
class AuditReport:
    ok: bool
    entries: int
    first_broken_seq: int | None = None
    problem: str | None = None
    witnessed: int | None = None  # the newest head the witness holds, when checked

    def __str__(self) -> str:
        if self.ok:
            seen = "" if self.witnessed is None else f", witnessed up to {self.witnessed}"
            return f"audit log intact ({self.entries} entries{seen})"
        return f"audit log TAMPERED at entry {self.first_broken_seq}: {self.problem}"


def _clean(text: str, limit: int) -> str:
    """Valid UTF-8 (lone surrogates replaced), at most ``limit`` characters."""
    return text.encode("utf-8", "replace").decode("utf-8")[:limit]


def _details_text(details: Mapping[str, Any] | None) -> str:
    text = _encoder.encode(dict(details or {}))
    text = text.encode("utf-8", "replace").decode("utf-8")
    if len(text) > MAX_DETAILS_LENGTH:
        text = _encoder.encode({"truncated": text[: MAX_DETAILS_LENGTH - 100]})
    return text


def entry_hash(
    previous: bytes,
    seq: int,
    created_at: int,
    actor: str,
    action: str,
    target: str | None,
    address: str | None,
    details: str,
) -> bytes:
    """The one definition of an audit entry's hash (record and verify both use it)."""
    encoded = _encoder.encode([seq, created_at, actor, action, target, address, details])
    return hashlib.sha256(previous + encoded.encode("utf-8")).digest()


def record(
    connection: sa.Connection,
    *,
    actor: str,
    action: str,
    target: str | None = None,
    address: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> int:
    """Append an entry in the caller's transaction (it commits with the action it
    describes); returns its sequence number. ``action`` is ``noun.verb`` in snake_case
    (``client.disabled``, ``wallet.frozen``); ``actor`` who did it (a client id,
    ``cli:<user>``, ``system``); ``address`` where the request came from."""
    clean_actor = _clean(actor or "unknown", MAX_ACTOR_LENGTH)
    clean_action = _clean(action, MAX_ACTION_LENGTH)
    clean_target = None if target is None else _clean(target, MAX_TARGET_LENGTH)
    clean_address = None if address is None else _clean(address, MAX_ADDRESS_LENGTH)
    text = _details_text(details)
    created_at = time.time_ns() // 1000
    seq, previous = R.claim_next(connection)
    # the row's fields in order: all of them but the hash are hashed
    fields = (seq, created_at, clean_actor, clean_action, clean_target, clean_address, text)
    R.append(connection, AuditRow(*fields, hash=entry_hash(previous, *fields)))
    return seq


def record_by(
    connection: sa.Connection,
    who: Actor,
    action: str,
    target: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> int:
    """:func:`record` with the actor and address of ``who``."""
    return record(
        connection,
        actor=who.name,
        action=action,
        target=target,
        address=who.address,
        details=details,
    )


def record_sign_in(
    connection: sa.Connection,
    kind: str,
    subject: str,
    target: str,
    platform_id: str,
    *,
    method: str,
    address: str | None,
) -> int:
    """A completed sign-in (action ``<kind>.signed_in``: ``operator``, ``user``) of
    ``subject`` (entry's target ``target``) of ``platform_id`` with ``method`` (password,
    password+totp, passkey, ...)."""
    return record(
        connection,
        actor=subject,
        action=f"{kind}.signed_in",
        target=target,
        address=address,
        details={"method": method, "platform_id": platform_id},
    )


class NewEntry(TypedDict):
    """The keyword arguments of :func:`record` (who did what, to what, from where)."""

    actor: str
    action: str
    target: NotRequired[str | None]
    address: NotRequired[str | None]
    details: NotRequired[Mapping[str, Any] | None]


def record_now(engine: sa.Engine, **entry: Unpack[NewEntry]) -> int:
    """:func:`record` in a transaction of its own, committed before it returns."""
    connection = for_writes(engine.connect())
    with connection, connection.begin():
        return record(connection, **entry)


def _entry(row: AuditRow) -> AuditEntry:
    try:
        details = json.loads(row.details)
    except ValueError:
        details = {"unreadable": row.details}
    return AuditEntry(
        seq=row.seq,
        created_at=datetime.fromtimestamp(row.created_at / 1_000_000, UTC),
        actor=row.actor,
        action=row.action,
        target=row.target,
        address=row.address,
        details=details if isinstance(details, dict) else {"value": details},
        hash=row.hash.hex(),
    )


def list_entries(
    engine: sa.Engine,
    *,
    before_seq: int | None = None,
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    actors: list[str] | None = None,
    target: str | None = None,
) -> list[AuditEntry]:
    """Entries newest first; ``action`` may end with ``*`` (a prefix: ``client.*``);
    ``actors``: entries by any of these; ``target``: entries about this object."""
    size = max(1, min(limit, MAX_PAGE_SIZE))
    with engine.connect() as connection:
        rows = R.search(
            connection,
            before_seq=before_seq,
            action=action,
            actor=actor,
            since=None if since is None else int(since.timestamp() * 1_000_000),
            until=None if until is None else int(until.timestamp() * 1_000_000),
            limit=size,
            actors=actors,
            target=target,
        )
    return [_entry(row) for row in rows]


def verify_audit_chain(
    engine: sa.Engine, *, witness: Witness | None = None, public_key: bytes | None = None
) -> AuditReport:
    """Recompute every entry's hash from the stored rows; report the first that does not
    match (an edited, inserted or deleted entry), or a head that disagrees with the last
    entry (entries deleted at the end). With ``witness``: also that the log still holds
    every head the witness holds (signed by ``public_key``), with the same hashes."""
    heads = witnessed_heads(witness, public_key) if witness is not None else None
    if heads is not None and heads.problems:
        return AuditReport(False, 0, None, heads.problems[0])
    witnessed = head_check(heads) if heads is not None else None
    previous = GENESIS_HASH
    expected = 1
    with engine.connect() as connection:
        head = R.head(connection)
        for row in R.iterate(connection):
            if head is not None and row.seq >= head[0] and row.seq == expected:
                break  # appended after the head was read: the next verification's
            if row.seq != expected:
                return AuditReport(
                    False, expected - 1, expected, f"entry {expected} is missing (found {row.seq})"
                )
            digest = entry_hash(
                previous,
                row.seq,
                row.created_at,
                row.actor,
                row.action,
                row.target,
                row.address,
                row.details,
            )
            if digest != row.hash:
                return AuditReport(
                    False,
                    expected - 1,
                    row.seq,
                    "its stored fields do not give its hash (edited, or a later entry's chain"
                    " was recomputed)",
                )
            problem = witnessed(row.seq, digest) if witnessed is not None else None
            if problem is not None:
                return AuditReport(False, expected - 1, row.seq, problem)
            previous = digest
            expected += 1
    entries = expected - 1
    if head is None:
        return AuditReport(False, entries, 1, "the audit head row is missing")
    next_seq, head_hash = head
    if next_seq != expected or head_hash != previous:
        return AuditReport(
            False,
            entries,
            expected,
            f"the head says {next_seq - 1} entries ending in {head_hash.hex()[:16]}..., the "
            f"log holds {entries} (entries deleted at the end?)",
        )
    if heads is not None and heads.newest > entries:
        return AuditReport(
            False,
            entries,
            entries + 1,
            f"the witness holds the audit log's head at entry {heads.newest} but the log has "
            f"{entries} entries: entries {entries + 1} to {heads.newest} were removed",
        )
    return AuditReport(True, entries, witnessed=heads.newest if heads is not None else None)
