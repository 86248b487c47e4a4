"""The journal's canonical encoding and hash chain.

Entry ``seq`` hashes as ``SHA-256(previous_hash || seq || kind || ref_id || created_at || body)``
where ``body`` is a canonical text of what the entry records. For a transaction the body is
rebuilt from the stored transaction and posting rows, so changing any of them breaks the
chain at that entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Final

GENESIS_HASH: Final = bytes(32)

# Entry kinds (stored as small integers).
TX: Final = 1
HOLD: Final = 2
HOLD_VOID: Final = 3
HOLD_EXPIRE: Final = 4
TX_METADATA: Final = 5
TX_METADATA_DELETE: Final = 6
ACCOUNT_METADATA: Final = 7
ACCOUNT_METADATA_DELETE: Final = 8
OVERDRAFT: Final = 9
LEDGER_METADATA: Final = 10

KIND_NAMES: Final = {
    TX: "NEW_TRANSACTION",
    HOLD: "NEW_HOLD",
    HOLD_VOID: "VOID_HOLD",
    HOLD_EXPIRE: "EXPIRE_HOLD",
    TX_METADATA: "SET_METADATA",
    TX_METADATA_DELETE: "DELETE_METADATA",
    ACCOUNT_METADATA: "SET_METADATA",
    ACCOUNT_METADATA_DELETE: "DELETE_METADATA",
    OVERDRAFT: "SET_OVERDRAFT",
    LEDGER_METADATA: "SET_LEDGER_METADATA",
}

_sha256 = hashlib.sha256
_json_encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(value: object) -> str:
    """Sorted keys, no spaces, non-ASCII kept: one text per value."""
    return _json_encoder.encode(value)


def encode_postings(postings: Sequence[tuple[str, str, int, str]]) -> str:
    """``source,destination,amount,asset`` joined by ``;`` (addresses and assets hold neither)."""
    if len(postings) == 1:  # most transactions: no list to build and join
        s, d, a, asset = postings[0]
        return f"{s},{d},{a},{asset}"
    return ";".join([f"{s},{d},{a},{asset}" for s, d, a, asset in postings])


def decode_postings(text: str) -> list[tuple[str, str, int, str]]:
    if not text:
        return []
    out: list[tuple[str, str, int, str]] = []
    for item in text.split(";"):
        source, destination, amount, asset = item.split(",")
        out.append((source, destination, int(amount), asset))
    return out


def optional_text(value: str | None) -> str:
    return "" if value is None else canonical_json(value)


def optional_int(value: int | None) -> str:
    return "" if value is None else str(value)


def transaction_body(
    tx_id: int,
    timestamp: int,
    reference: str | None,
    reverts_id: int | None,
    hold_id: int | None,
    initial_metadata: str,
    postings_text: str,
) -> str:
    # optional_text / optional_int, inline: this runs for every transaction
    return (
        f"{tx_id}|{timestamp}|{'' if reference is None else canonical_json(reference)}|"
        f"{'' if reverts_id is None else reverts_id}|{'' if hold_id is None else hold_id}|"
        f"{initial_metadata}|{postings_text}"
    )


def hold_body(
    hold_id: int,
    postings_text: str,
    expires_at: int | None,
    reference: str | None,
    metadata: str,
) -> str:
    return f"{hold_id}|{postings_text}|{optional_int(expires_at)}|{optional_text(reference)}|{metadata}"


def entry_hash(
    previous: bytes, seq: int, kind: int, ref_id: int | None, created_at: int, body: str
) -> bytes:
    """The one definition of an entry's hash (the sequencer, verify and proofs all use it)."""
    header = f"{seq}|{kind}|{'' if ref_id is None else ref_id}|{created_at}|{body}"
    return _sha256(previous + header.encode()).digest()


def metadata_text(metadata: Mapping[str, str] | None) -> str:
    return canonical_json(dict(metadata)) if metadata else "{}"
