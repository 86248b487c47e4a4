"""What a witness holds, compared with the database.

The database's history must extend what the witness holds: each witnessed checkpoint is
signed by the checkpoint key, the root of the journal's first ``tree_size`` entries (as
recomputed from the stored rows) is the witnessed root, and the checkpoint is still
stored. A deleted checkpoint, a journal rewritten with its hashes recomputed, a removed
tail or a removed ledger each break one of these, whatever was recomputed in the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from coffer.ledger.models import Checkpoint
from coffer.ledger.signing import checkpoint_message, verify_signature
from coffer.ledger.verify.report import LedgerCheck
from coffer.ledger.witness import AUDIT_LOG_STREAM, Witness


def read_witness(witness: Witness) -> dict[str, list[Checkpoint]]:
    """Every ledger's witnessed checkpoints, by increasing tree size (the audit log's
    heads, published alongside, are checked by the audit log's verification)."""
    return {
        name: sorted(witness.published(name), key=lambda c: c.tree_size)
        for name in witness.ledgers()
        if name != AUDIT_LOG_STREAM
    }


def signed_roots(
    check: LedgerCheck, held: Sequence[Checkpoint], public_key: bytes | None
) -> list[tuple[int, bytes]]:
    """The (size, root) of the witnessed checkpoints signed by ``public_key``; each one
    that is not is a problem (the witness was written by someone else, or another key)."""
    roots: list[tuple[int, bytes]] = []
    for checkpoint in held:
        size = checkpoint.tree_size
        message = checkpoint_message(checkpoint.ledger, size, checkpoint.root)
        if (public_key is not None and checkpoint.public_key != public_key) or not (
            verify_signature(checkpoint.public_key, message, checkpoint.signature)
        ):
            check.problem(
                f"the witness's checkpoint of size {size} is not signed by the checkpoint key"
            )
            continue
        if roots and roots[-1][0] == size:
            if roots[-1][1] != checkpoint.root:
                check.problem(f"the witness holds two different checkpoints of size {size}")
            continue
        roots.append((size, checkpoint.root))
    return roots


def check_witnessed(
    check: LedgerCheck,
    roots: Sequence[tuple[int, bytes]],
    entries: int | None,
    stored: Mapping[int, bytes],
) -> None:
    """After the replay: the witnessed checkpoints beyond the journal (a removed tail) and
    those no longer stored (deleted checkpoints). ``entries``: how many the replay
    matched (None: it stopped at a broken entry, already reported)."""
    if not roots:
        return
    check.witnessed = roots[-1][0]
    if entries is None:
        return
    beyond = [size for size, _ in roots if size > entries]
    if beyond:
        check.problem(
            f"the witness holds a checkpoint of size {beyond[-1]} but the journal has "
            f"{entries} entries: entries {entries} to {beyond[-1] - 1} were removed"
        )
    for size, root in roots:
        if size <= entries and stored.get(size) != root:
            check.problem(
                f"checkpoint of size {size}, published to the witness, is missing from the "
                "database: checkpoints were deleted"
            )
            return


def missing_ledgers(
    witnessed: Mapping[str, Sequence[Checkpoint]], names: set[str]
) -> list[LedgerCheck]:
    """A check for each ledger the witness holds but the database does not."""
    out = []
    for name in sorted(set(witnessed) - names):
        held = witnessed[name]
        check = LedgerCheck(name=name)
        size = max((c.tree_size for c in held), default=0)
        check.witnessed = size
        check.problem(
            f"the witness holds checkpoints of ledger {name!r} (up to size {size}) but the "
            "database has no such ledger: it was removed"
        )
        out.append(check)
    return out


def stored_roots(checkpoints: Sequence[tuple[Any, ...]]) -> dict[int, bytes]:
    return {int(row[0]): bytes(row[1]) for row in checkpoints}
