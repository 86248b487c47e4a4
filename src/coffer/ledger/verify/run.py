"""``verify``'s entry point: every ledger in one read-only transaction, one pass each."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from coffer.db.engine import Backend
from coffer.ledger.models import Checkpoint
from coffer.ledger.verify.checks import (
    check_accounts,
    check_balances,
    check_head,
    check_hold_states,
    check_posting_lists,
    check_transaction_metadata,
    stored_balances,
)
from coffer.ledger.verify.replay import Replay, Streams
from coffer.ledger.verify.report import LedgerCheck, VerifyReport
from coffer.ledger.verify.rows import Stream, rows
from coffer.ledger.verify.witnessed import (
    check_witnessed,
    missing_ledgers,
    read_witness,
    signed_roots,
    stored_roots,
)
from coffer.ledger.witness import Witness

Witnessed = Mapping[str, Sequence[Checkpoint]]


def verify_database(
    connection: Any,
    backend: Backend,
    public_key: bytes | None,
    *,
    witness: Witness | None = None,
) -> VerifyReport:
    """Verify every ledger through ``connection`` (a raw driver connection, autocommit);
    with ``witness``, also that each ledger's history extends what the witness holds."""
    started = time.perf_counter()
    witnessed = None if witness is None else read_witness(witness)
    begin = "BEGIN"
    if backend is Backend.POSTGRESQL:
        begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        with connection.pipeline():
            checks = _verify_all(connection, backend, public_key, begin, witnessed)
    else:
        checks = _verify_all(connection, backend, public_key, begin, witnessed)
    return VerifyReport(ledgers=checks, elapsed_seconds=time.perf_counter() - started)


def _verify_all(
    connection: Any,
    backend: Backend,
    public_key: bytes | None,
    begin: str,
    witnessed: Witnessed | None,
) -> list[LedgerCheck]:
    connection.execute(begin)
    try:
        ledgers = list(
            connection.execute(
                "SELECT id, name, next_seq, head_hash, next_tx_id, next_hold_id, balances_tx,"
                " listed_tx FROM ledgers ORDER BY name"
            ).fetchall()
        )
        checks = [
            verify_ledger(
                connection,
                backend,
                row,
                public_key,
                None if witnessed is None else witnessed.get(row[1], ()),
            )
            for row in ledgers
        ]
        if witnessed is not None:
            checks.extend(missing_ledgers(witnessed, {row[1] for row in ledgers}))
        return checks
    finally:
        connection.execute("ROLLBACK")


def open_streams(connection: Any, backend: Backend, lid: int) -> Streams:
    """The journal, transactions, postings, holds and checkpoints of ledger ``lid``, in order."""
    params = (lid,)

    def stream(sql: str) -> Stream:
        return Stream(rows(connection, backend, sql, params))

    return Streams(
        entries=rows(
            connection,
            backend,
            "SELECT seq, kind, ref_id, payload, created_at, hash FROM journal"
            " WHERE ledger_id = ? ORDER BY seq",
            params,
        ),
        transactions=stream(
            "SELECT id, seq, timestamp, inserted_at, reference, metadata, reverts_id, hold_id"
            " FROM transactions WHERE ledger_id = ? ORDER BY id"
        ),
        postings=stream(
            "SELECT tx_id, idx, source, destination, amount, asset, timestamp FROM postings"
            " WHERE ledger_id = ? ORDER BY tx_id, idx"
        ),
        holds=stream(
            "SELECT id, seq, postings, expires_at, reference, metadata, status FROM holds"
            " WHERE ledger_id = ? ORDER BY id"
        ),
        checkpoints=list(
            rows(
                connection,
                backend,
                "SELECT tree_size, root, public_key, signature FROM checkpoints"
                " WHERE ledger_id = ? ORDER BY tree_size",
                params,
            )
        ),
    )


def verify_ledger(
    connection: Any,
    backend: Backend,
    ledger: tuple[Any, ...],
    public_key: bytes | None,
    witnessed: Sequence[Checkpoint] | None = None,
) -> LedgerCheck:
    """Replay one ledger's journal, then compare the stored state with the replay's (and
    with what a witness holds of it, when ``witnessed`` is given)."""
    lid, name, _, _, next_tx_id, _, balances_tx, listed_tx = ledger
    check = LedgerCheck(name=name)
    roots = None if witnessed is None else signed_roots(check, witnessed, public_key)
    streams = open_streams(connection, backend, lid)
    replay = Replay(
        check,
        streams,
        balances_tx=balances_tx,
        listed_tx=listed_tx,
        public_key=public_key,
        witnessed=roots,
    )
    before = len(check.problems)
    replay.run()
    check.entries = replay.entries
    check.transactions = replay.transactions
    if roots is not None:
        # After a broken entry the replay stops: the entries beyond are not "removed".
        entries = replay.entries if len(check.problems) == before else None
        check_witnessed(check, roots, entries, stored_roots(streams.checkpoints))
    if check.problems:
        return check
    check_head(check, replay, ledger)
    if replay.tx_meta_changes or replay.tx_meta_stored:
        check_transaction_metadata(
            connection, backend, lid, check, replay.tx_meta_changes, replay.tx_meta_stored
        )
    check_accounts(connection, backend, lid, check, replay.account_meta)
    check_hold_states(connection, backend, lid, check, replay)
    stored = stored_balances(connection, backend, lid)
    check.balances = len(stored)
    check_posting_lists(
        connection,
        backend,
        lid,
        check,
        listed_tx,
        next_tx_id,
        replay.salt,
        (replay.by_source, replay.by_destination),
    )
    if not 0 <= balances_tx <= next_tx_id:
        check.problem(f"the ledger's balance mark {balances_tx} is beyond its transactions")
        return check
    check_balances(check, replay, stored)
    return check
