"""The stored state compared with what the journal's replay says it is: the ledger's head
and counters, rows with no entry, transaction and account metadata, hold states, balances
(as far as their rows go) and posting lists. Each check reports in the ledger's
:class:`~.report.LedgerCheck`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from coffer.db.engine import Backend
from coffer.ledger import merkle
from coffer.ledger.signing import checkpoint_message, verify_signature
from coffer.ledger.verify.report import LedgerCheck
from coffer.ledger.verify.rows import rows

if TYPE_CHECKING:
    from coffer.ledger.verify.replay import Replay

MASK = (1 << 64) - 1
ONE = 1 << 64  # a transaction's count, above its mixed id
BalanceRow = tuple[int, int, int, int, int | None]


def check_head(check: LedgerCheck, replay: Replay, ledger: tuple[Any, ...]) -> None:
    """The ledger's head and counters match the journal, and no row is left without an
    entry."""
    _, _, next_seq, head_hash, next_tx_id, next_hold_id, _, _ = ledger
    streams = replay.streams
    if replay.entries != next_seq or replay.previous != bytes(head_hash):
        check.problem(
            f"the ledger head says {next_seq} entries but the journal has {replay.entries}: "
            "entries were removed or the head was changed"
        )
    if next_tx_id != check.transactions or next_hold_id != check.holds:
        check.problem("the ledger's transaction or hold counters do not match the journal")
    for leftover, what in (
        (streams.transactions, "transaction"),
        (streams.postings, "posting of transaction"),
        (streams.holds, "hold"),
    ):
        if leftover.head is not None:
            check.problem(f"{what} {leftover.head[0]} has no journal entry")
    checkpoints = streams.checkpoints
    if replay.next_checkpoint != len(checkpoints):
        size = checkpoints[replay.next_checkpoint][0]
        check.problem(f"checkpoint of size {size} is beyond the journal")
    check.checkpoints = len(checkpoints)


def check_hold_states(
    connection: Any, backend: Backend, lid: int, check: LedgerCheck, replay: Replay
) -> None:
    for row in rows(
        connection, backend, "SELECT id, status FROM holds WHERE ledger_id = ? ORDER BY id", (lid,)
    ):
        held = replay.hold_state.get(row[0])
        if held is not None and held[1] != row[1]:
            check.problem(f"hold {row[0]} is stored as {row[1]} but the journal says {held[1]}")


def stored_balances(
    connection: Any, backend: Backend, lid: int
) -> dict[tuple[str, str], BalanceRow]:
    stored: dict[tuple[str, str], BalanceRow] = {}
    for account, asset, inp, out, pin, pout, overdraft in rows(
        connection,
        backend,
        "SELECT account, asset, input, output, pending_input, pending_output, overdraft"
        " FROM balances WHERE ledger_id = ?",
        (lid,),
    ):
        stored[(account, asset)] = (
            int(inp),
            int(out),
            int(pin),
            int(pout),
            None if overdraft is None else int(overdraft),
        )
    return stored


def check_balances(
    check: LedgerCheck, replay: Replay, stored: dict[tuple[str, str], BalanceRow]
) -> None:
    """Every balance row holds what the replay gives (the postings before the rows' mark)."""
    columns, overdrafts = replay.columns, replay.overdrafts
    keys = set(stored).union(*columns, overdrafts)
    for key in sorted(keys):
        default_limit = None if key[0] == "world" else 0
        expected_row = (
            *(column.get(key, 0) for column in columns),
            overdrafts.get(key, default_limit),
        )
        actual = stored.get(key, (0, 0, 0, 0, default_limit))
        if expected_row != actual:
            check.problem(
                f"balance of {key[0]} in {key[1]} is stored as {_show(actual)} but the journal "
                f"gives {_show(expected_row)}"
            )


def check_posting_lists(
    connection: Any,
    backend: Backend,
    lid: int,
    check: LedgerCheck,
    listed_tx: int,
    end: int,
    salt: int,
    expected: tuple[dict[str, int], dict[str, int]],
) -> None:
    """The posting lists must hold the (account, side, transaction) of the postings before
    their mark, each once. Both are summed up per account and side: each transaction
    counts as its id mixed with ``salt`` (drawn anew by every run) in the low 64 bits, plus
    2**64, so the high bits count them. The postings' sums are made during the main pass.
    A list changed, shortened, lengthened or deleted, or a moved mark, changes a sum,
    except with a chance of about 2**-64 that no tampering made beforehand can aim at."""
    if not 0 <= listed_tx <= end:
        check.problem(f"the ledger's posting lists mark {listed_tx} is beyond its transactions")
        return
    stored: tuple[dict[str, int], dict[str, int]] = ({}, {})
    try:
        # As text, split here: JSON arrays on SQLite, and on PostgreSQL array literals,
        # which the driver would otherwise convert element by element.
        columns = "sources, destinations"
        brackets = "[]"
        if backend is Backend.POSTGRESQL:
            columns = "sources::text, destinations::text"
            brackets = "{}"
        for account, sources, destinations in rows(
            connection,
            backend,
            f"SELECT account, {columns} FROM posting_lists WHERE ledger_id = ?",
            (lid,),
        ):
            for side, text in ((0, sources), (1, destinations)):
                if text[0] != brackets[0] or text[-1] != brackets[1]:
                    raise ValueError(f"{account}'s list is not an array: {text[:40]!r}")
                ids = [int(tx_id) for tx_id in text[1:-1].split(",")] if len(text) > 2 else []
                if ids:
                    totals = stored[side]
                    totals[account] = totals.get(account, 0) + sum(
                        [(hash((salt, tx_id)) & MASK) + ONE for tx_id in ids]
                    )
    except (ValueError, TypeError) as exc:
        check.problem(f"the posting lists cannot be read: {exc}")
        return
    for side, role in ((0, "source"), (1, "destination")):
        found, wanted = stored[side], expected[side]
        for account in sorted(found.keys() | wanted.keys()):
            listed, posted = found.get(account, 0), wanted.get(account, 0)
            if listed != posted:
                check.problem(
                    f"the posting list of {account} as {role} does not match its postings"
                    f" ({listed >> 64} transactions listed, {posted >> 64} before the lists'"
                    " mark)"
                )
                return


def _show(row: tuple[Any, ...]) -> str:
    return f"input={row[0]} output={row[1]} pending_in={row[2]} pending_out={row[3]}"


def check_checkpoint(
    check: LedgerCheck,
    name: str,
    row: tuple[Any, ...],
    frontier: merkle.Frontier,
    public_key: bytes | None,
) -> None:
    size, root, key, signature = row
    root, key, signature = bytes(root), bytes(key), bytes(signature)
    if frontier.root() != root:
        check.problem(f"checkpoint of size {size} does not match the journal's Merkle root")
    elif public_key is not None and key != public_key:
        check.problem(f"checkpoint of size {size} is signed by an unknown key")
    elif not verify_signature(key, checkpoint_message(name, size, root), signature):
        check.problem(f"checkpoint of size {size} has an invalid signature")


def check_transaction_metadata(
    connection: Any,
    backend: Backend,
    lid: int,
    check: LedgerCheck,
    changes: dict[int, list[dict[str, Any]]],
    stored_differs: dict[int, str],
) -> None:
    for tx_id in sorted(stored_differs):
        if tx_id not in changes:
            check.problem(f"metadata of transaction {tx_id} was changed outside the ledger")
    for tx_id, change in sorted(changes.items()):
        found = list(
            rows(
                connection,
                backend,
                "SELECT t.metadata, j.payload FROM transactions t JOIN journal j ON j.ledger_id ="
                " t.ledger_id AND j.seq = t.seq WHERE t.ledger_id = ? AND t.id = ?",
                (lid, tx_id),
            )
        )
        if not found:
            check.problem(f"metadata entries name transaction {tx_id}, which does not exist")
            continue
        stored_meta, initial = found[0]
        expected = json.loads(initial)
        for step in change:
            if "metadata" in step:
                expected.update(step["metadata"])
            else:
                expected.pop(step["key"], None)
        if json.loads(stored_meta) != expected:
            check.problem(f"metadata of transaction {tx_id} does not match the journal")


def check_accounts(
    connection: Any,
    backend: Backend,
    lid: int,
    check: LedgerCheck,
    expected: dict[str, dict[str, str]],
) -> None:
    for address, metadata in rows(
        connection, backend, "SELECT address, metadata FROM accounts WHERE ledger_id = ?", (lid,)
    ):
        if json.loads(metadata) != expected.get(address, {}):
            check.problem(f"metadata of account {address} does not match the journal")
