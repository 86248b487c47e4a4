"""The tables outside the journal that carry money state, each checked so that a direct
edit shows in ``coffer verify``:

- cross-checked against the wallets ledger (whose journal is hash-chained, signed and
  witnessed): transfers and pay-ins against the transactions naming them (metadata
  ``wallets_type``/``wallets_id``: accounts, amounts, fee, currency, status), payments
  and payouts against the holds naming them (account, amount, and the hold's state for
  the row's status), and every ledger movement naming an object against that object's
  row (a deleted or re-pointed row). Customer wallets' ledger accounts must be their own.
- cross-checked against the hash-chained audit log (:mod:`coffer.identity.audit`):
  wallets' status (``wallet.frozen``/``unfrozen``/``closed``), customers' KYC level
  (``customer.kyc_level_changed``), API clients, their scopes, disabled flag and secret
  version (``client.*``).

Runs after the ledgers verified intact (what it compares with is then trusted), inside
one read-only transaction.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from coffer.ledger import journal as J
from coffer.ledger.verify.report import Problems

# A transfer's ledger movement younger than this may still be writing its row (see
# coffer.wallets.recovery, which writes it after a crash).
ROW_GRACE_SECONDS = 300
WALLET_PREFIX = "wallets:"
FEES_ACCOUNT = "platform:fees"


@dataclass
class MoneyStateReport(Problems):
    rows: int = 0
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.ok:
            return f"money state intact ({self.rows} rows cross-checked)"
        lines = [f"money state TAMPERED: {self.problems[0]}"]
        lines.extend(f"  - {problem}" for problem in self.problems[1:])
        return "\n".join(lines)


@dataclass
class Movement:
    """A ledger transaction or hold naming a wallets object."""

    id: int
    kind: str  # "tx" or "hold"
    postings: list[tuple[str, str, int, str]]
    inserted_at: int
    status: str | None = None  # a hold's
    hold_id: int | None = None  # a transaction's


def verify_money_state(
    engine: sa.Engine, *, ledger_names: tuple[str, ...] = ()
) -> MoneyStateReport:
    """Check every money-state table against the wallets ledger and the audit log."""
    from coffer.wallets.settings import WalletSettings

    report = MoneyStateReport()
    with engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
        names = ledger_names or _wallets_ledgers(connection, WalletSettings().wallets_ledger)
        if "wallet_transfers" in tables:
            movements = _movements(connection, names)
            _check_transfers(connection, report, movements)
            _check_payins(connection, report, movements)
            _check_holds(connection, report, movements, "payment", "wallet_payments")
            _check_holds(connection, report, movements, "payout", "wallet_payouts")
            _check_orphans(connection, report, movements)
            audited = _audited_states(connection) if "audit_log" in tables else {}
            _check_wallets(connection, report, audited)
            _check_customers(connection, report, audited)
        if "api_clients" in tables and "audit_log" in tables:
            _check_clients(connection, report)
    return report


def _wallets_ledgers(connection: sa.Connection, base: str) -> tuple[str, ...]:
    """Every platform's wallets ledger: ``base`` and ``base-<platform id>``."""
    found = _rows(
        connection,
        "SELECT name FROM ledgers WHERE name = :base OR name LIKE :prefix",
        base=base,
        prefix=base + "-plat_%",
    )
    return tuple(str(row[0]) for row in found) or (base,)


def _rows(connection: sa.Connection, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in connection.execute(sa.text(sql), params).fetchall()]


def _movements(
    connection: sa.Connection, names: tuple[str, ...]
) -> dict[tuple[str, str], list[Movement]]:
    """The wallets ledgers' transactions and holds, by (wallets_type, wallets_id)."""
    found: dict[tuple[str, str], list[Movement]] = defaultdict(list)
    ids = [row[0] for row in _rows(connection, "SELECT id, name FROM ledgers") if row[1] in names]
    for lid in ids:
        txs = _rows(
            connection,
            "SELECT id, metadata, inserted_at, hold_id FROM transactions WHERE ledger_id = :lid"
            " AND metadata LIKE :pattern ORDER BY id",
            lid=lid,
            pattern='%"wallets_type"%',
        )
        postings: dict[int, list[tuple[str, str, int, str]]] = defaultdict(list)
        if txs:
            for tx_id, source, destination, amount, asset in _rows(
                connection,
                "SELECT tx_id, source, destination, amount, asset FROM postings"
                " WHERE ledger_id = :lid AND tx_id >= :low ORDER BY tx_id, idx",
                lid=lid,
                low=txs[0][0],
            ):
                postings[int(tx_id)].append((source, destination, int(amount), asset))
        for tx_id, metadata, inserted_at, hold_id in txs:
            key = _named(metadata)
            if key is not None:
                found[key].append(
                    Movement(
                        int(tx_id),
                        "tx",
                        postings.get(int(tx_id), []),
                        int(inserted_at),
                        hold_id=None if hold_id is None else int(hold_id),
                    )
                )
        for hold_id, postings_text, metadata, created_at, status in _rows(
            connection,
            "SELECT id, postings, metadata, created_at, status FROM holds WHERE ledger_id = :lid"
            " AND metadata LIKE :pattern ORDER BY id",
            lid=lid,
            pattern='%"wallets_type"%',
        ):
            key = _named(metadata)
            if key is not None:
                found[key].append(
                    Movement(
                        int(hold_id),
                        "hold",
                        J.decode_postings(postings_text),
                        int(created_at),
                        status=status,
                    )
                )
    return found


def _named(metadata: str) -> tuple[str, str] | None:
    try:
        data = json.loads(metadata)
    except ValueError:
        return None
    kind, object_id = data.get("wallets_type"), data.get("wallets_id")
    if isinstance(kind, str) and isinstance(object_id, str):
        return kind, object_id
    return None


def _asset_code(asset: str) -> str:
    return asset.split("/")[0]


def _check_transfers(
    connection: sa.Connection,
    report: MoneyStateReport,
    movements: dict[tuple[str, str], list[Movement]],
) -> None:
    for row in _rows(
        connection,
        "SELECT id, debited_wallet_id, credited_wallet_id, currency, amount, fee, status,"
        " ledger_tx_id FROM wallet_transfers ORDER BY id",
    ):
        report.rows += 1
        transfer_id, debited, credited, currency, amount, fee, status, tx_id = row
        moved = [m for m in movements.get(("transfer", transfer_id), []) if m.kind == "tx"]
        if status != "succeeded":
            if status == "failed" and moved:
                report.problem(
                    f"transfer {transfer_id} is stored as failed but ledger transaction "
                    f"{moved[0].id} moved its money"
                )
            continue
        tx = next((m for m in moved if m.id == tx_id), None)
        if tx is None:
            report.problem(
                f"transfer {transfer_id} is stored as succeeded but no ledger transaction "
                "of it matches its ledger_tx_id"
            )
            continue
        fees = sum(p[2] for p in tx.postings if p[1] == FEES_ACCOUNT)
        expected = (
            {WALLET_PREFIX + debited},
            {WALLET_PREFIX + credited},
            int(amount),
            int(fee),
            {currency},
        )
        actual = (
            {p[0] for p in tx.postings},
            {p[1] for p in tx.postings if p[1] != FEES_ACCOUNT},
            sum(p[2] for p in tx.postings),
            fees,
            {_asset_code(p[3]) for p in tx.postings},
        )
        if expected != actual:
            report.problem(
                f"transfer {transfer_id} does not match ledger transaction {tx.id}: stored "
                f"{debited}->{credited} {amount} (fee {fee}) {currency}, the ledger moved "
                f"{sorted(actual[0])}->{sorted(actual[1])} {actual[2]} (fee {fees})"
            )


def _check_payins(
    connection: sa.Connection,
    report: MoneyStateReport,
    movements: dict[tuple[str, str], list[Movement]],
) -> None:
    for payin_id, wallet_id, currency, received, status, tx_id in _rows(
        connection,
        "SELECT id, wallet_id, currency, amount_received, status, ledger_tx_id FROM"
        " wallet_payins ORDER BY id",
    ):
        report.rows += 1
        moved = [m for m in movements.get(("payin", payin_id), []) if m.kind == "tx"]
        if status != "succeeded":
            if status in ("canceled", "requires_payment_method") and moved:
                report.problem(
                    f"pay-in {payin_id} is stored as {status} but ledger transaction "
                    f"{moved[0].id} credited it"
                )
            continue
        tx = next((m for m in moved if m.id == tx_id), None)
        credited = (
            None
            if tx is None
            else sum(p[2] for p in tx.postings if p[1] == WALLET_PREFIX + wallet_id)
        )
        assets = set() if tx is None else {_asset_code(p[3]) for p in tx.postings}
        if tx is None or credited != int(received) or assets != {currency}:
            report.problem(
                f"pay-in {payin_id} is stored as succeeded with {received} {currency} "
                f"received into {wallet_id}, but the ledger "
                + ("has no credit of it" if tx is None else f"credited {credited} {assets}")
            )


# A row's status, and the states its hold may be in.
_HOLD_STATES = {
    "payment": {
        "authorized": {"pending", "expired"},
        "captured": {"posted"},
        "voided": {"voided", "expired"},
    },
    "payout": {
        "pending": {"pending"},
        "created": {"pending"},
        "processing": {"pending"},
        "paid": {"posted"},
        "returned": {"posted"},
        "failed": {"voided", "expired"},
    },
}
_HOLD_COLUMNS = {
    "payment": "buyer_wallet_id, currency, amount, status, hold_id",
    "payout": "wallet_id, currency, amount, status, hold_id",
}


def _check_holds(
    connection: sa.Connection,
    report: MoneyStateReport,
    movements: dict[tuple[str, str], list[Movement]],
    kind: str,
    table: str,
) -> None:
    """Payments and payouts: the hold they name reserves their amount from their wallet,
    and is in a state their status allows."""
    for object_id, wallet_id, currency, amount, status, hold_id in _rows(
        connection, f"SELECT id, {_HOLD_COLUMNS[kind]} FROM {table} ORDER BY id"
    ):
        report.rows += 1
        holds = [m for m in movements.get((kind, object_id), []) if m.kind == "hold"]
        if hold_id is None:
            if holds and status not in ("pending", "failed"):
                report.problem(f"{kind} {object_id} names no hold but hold {holds[0].id} is its")
            continue
        hold = next((m for m in holds if m.id == hold_id), None)
        if hold is None:
            report.problem(f"{kind} {object_id} names hold {hold_id}, which is not its own")
            continue
        sources = {p[0] for p in hold.postings}
        total = sum(p[2] for p in hold.postings)
        assets = {_asset_code(p[3]) for p in hold.postings}
        if sources != {WALLET_PREFIX + wallet_id} or total != int(amount) or assets != {currency}:
            report.problem(
                f"{kind} {object_id} is stored as {amount} {currency} from {wallet_id}, but "
                f"its hold {hold_id} reserves {total} {sorted(assets)} from {sorted(sources)}"
            )
            continue
        allowed = _HOLD_STATES[kind].get(status)
        if allowed is not None and hold.status not in allowed:
            report.problem(
                f"{kind} {object_id} is stored as {status} but its hold {hold_id} is {hold.status}"
            )


_ROW_TABLES = {
    "transfer": "wallet_transfers",
    "payin": "wallet_payins",
    "payment": "wallet_payments",
    "payout": "wallet_payouts",
}


def _check_orphans(
    connection: sa.Connection,
    report: MoneyStateReport,
    movements: dict[tuple[str, str], list[Movement]],
) -> None:
    """Every ledger movement naming one of these objects has the object's row."""
    grace = (time.time() - ROW_GRACE_SECONDS) * 1_000_000
    for kind, table in _ROW_TABLES.items():
        named = {object_id for (k, object_id) in movements if k == kind}
        if not named:
            continue
        present = {row[0] for row in _rows(connection, f"SELECT id FROM {table}")}
        for object_id in sorted(named - present):
            first = movements[(kind, object_id)][0]
            # A transfer's row is written after its ledger call (recovery writes it after a
            # crash); every other row is written before its first movement.
            if kind != "transfer" or first.inserted_at < grace:
                report.problem(
                    f"ledger {'transaction' if first.kind == 'tx' else 'hold'} {first.id} "
                    f"moves money for {kind} {object_id}, which has no row (deleted?)"
                )


def _audited_states(connection: sa.Connection) -> dict[tuple[str, str], str]:
    """The state the audit log gives each wallet (status) and customer (KYC level)."""
    states: dict[tuple[str, str], str] = {}
    wallet_actions = {
        "wallet.frozen": "frozen",
        "wallet.unfrozen": "active",
        "wallet.closed": "closed",
    }
    for action, target, details in _rows(
        connection,
        "SELECT action, target, details FROM audit_log WHERE action IN ('wallet.frozen',"
        " 'wallet.unfrozen', 'wallet.closed', 'customer.kyc_level_changed') ORDER BY seq",
    ):
        if target is None:
            continue
        if action in wallet_actions:
            states[("wallet", target)] = wallet_actions[action]
        else:
            level = _details(details).get("kyc_level")
            if isinstance(level, str):
                states[("customer", target)] = level
    return states


def _details(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _check_wallets(
    connection: sa.Connection, report: MoneyStateReport, audited: dict[tuple[str, str], str]
) -> None:
    for wallet_id, kind, account, status in _rows(
        connection, "SELECT id, kind, account, status FROM wallet_wallets ORDER BY id"
    ):
        report.rows += 1
        if kind == "customer" and account != WALLET_PREFIX + wallet_id:
            report.problem(f"wallet {wallet_id} points at ledger account {account}, not its own")
        expected = audited.get(("wallet", wallet_id), "active")
        if status != expected:
            report.problem(
                f"wallet {wallet_id} is stored as {status} but the audit log says {expected}"
            )


def _check_customers(
    connection: sa.Connection, report: MoneyStateReport, audited: dict[tuple[str, str], str]
) -> None:
    for customer_id, level in _rows(
        connection, "SELECT id, kyc_level FROM wallet_customers ORDER BY id"
    ):
        report.rows += 1
        expected = audited.get(("customer", customer_id), "none")
        if level != expected:
            report.problem(
                f"customer {customer_id} has KYC level {level} but the audit log says {expected}"
            )


def _check_clients(connection: sa.Connection, report: MoneyStateReport) -> None:
    """API clients: each row as the audit log's client.* entries leave it."""
    expected: dict[str, dict[str, Any]] = {}
    for action, target, details in _rows(
        connection,
        "SELECT action, target, details FROM audit_log WHERE action LIKE 'client.%' ORDER BY seq",
    ):
        if target is None:
            continue
        data = _details(details)
        if action == "client.created":
            expected[target] = {
                "scopes": sorted(data.get("scopes") or []),
                "disabled": False,
                "secret_version": 1,
            }
        elif target in expected:
            state = expected[target]
            if action == "client.disabled":
                state["disabled"] = True
            elif action == "client.enabled":
                state["disabled"] = False
            elif action == "client.secret_rotated":
                state["secret_version"] = int(data.get("secret_version", 0))
            elif action == "client.scopes_changed" and "scopes" in data:
                state["scopes"] = sorted(data["scopes"])
            elif action == "client.deleted":
                del expected[target]
    stored: set[str] = set()
    for client_id, scopes, disabled, secret_version in _rows(
        connection, "SELECT id, scopes, disabled, secret_version FROM api_clients ORDER BY id"
    ):
        report.rows += 1
        stored.add(client_id)
        audited = expected.get(client_id)
        if audited is None:
            report.problem(f"API client {client_id} has no client.created entry in the audit log")
            continue
        actual = {
            "scopes": sorted(s for s in str(scopes).replace(",", " ").split() if s),
            "disabled": bool(disabled),
            "secret_version": int(secret_version),
        }
        for name in ("scopes", "disabled", "secret_version"):
            if actual[name] != audited[name]:
                report.problem(
                    f"API client {client_id} has {name} {actual[name]} but the audit log says "
                    f"{audited[name]}"
                )
    for client_id in sorted(set(expected) - stored):
        report.problem(f"API client {client_id} was deleted without a client.deleted entry")
