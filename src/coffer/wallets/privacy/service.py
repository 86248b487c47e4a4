"""Personal data: erasure (crypto-shredding), export, consents, retention, and the upgrade
of rows written before customers had data keys. Rotation of the master key lives in
:mod:`.rotation`.

Erasure destroys the customer's data key, so every copy of its personal data (rows,
backups, replicas) becomes unreadable, closes its wallets, and blanks the personal data
other domains keep about them (:func:`coffer.platforms.sealed.registered_wallet_data`).
It is refused while money is held or moving for the customer (a non-zero balance, a
pending hold, a payout or pay-in in flight): the platform pays out or moves the balance
first. The ledger keeps every
movement (its journal names wallets by pseudonymous ids only) and ``coffer verify`` still
passes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from coffer.db.columns import model_from_row
from coffer.errors import CustomerErased, CustomerNotFound, ErasureBlocked
from coffer.identity.audit import SYSTEM, Actor, record_by
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.platforms.sealed import registered_wallet_data
from coffer.wallets import repository as WR
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets.common import Row
from coffer.wallets.core import WalletsCore
from coffer.wallets.customers import customer_model
from coffer.wallets.models import redacted_customer
from coffer.wallets.payouts import Payouts, bank_account_model
from coffer.wallets.privacy import repository as R
from coffer.wallets.privacy import schemas as P
from coffer.wallets.privacy.keys import sealed_by_customer_key
from coffer.wallets.service import Wallets

PAGE = 100
UPGRADE_BATCH = 200
RETENTION_BATCH = 500
MAX_RETENTION_PAGES = 1_000  # per run: 500,000 rows of each kind at most
PAYINS_IN_FLIGHT = ("requires_payment_method", "requires_action", "processing", "requires_capture")

# the personal columns sealed by a customer's data key, per table, with their contexts
CUSTOMER_COLUMNS = {
    "name_enc": "customer.name",
    "email_enc": "customer.email",
    "birth_date_enc": "customer.birth_date",
    "address_enc": "customer.address",
}
BANK_COLUMNS = {"holder_name_enc": "bank_account.holder_name", "iban_enc": "bank_account.iban"}
DOCUMENT_COLUMNS = {"name_enc": "kyc_document.name"}


class Privacy:
    """Erasure, export, consents, retention and the data-key upgrade of one wallets domain."""

    def __init__(self, core: WalletsCore, wallets: Wallets, payins: Any, payouts: Payouts) -> None:
        self.core = core
        self.wallets = wallets
        self.payins = payins
        self.payouts = payouts

    # -- erasure -------------------------------------------------------------------------

    def erase(self, customer_id: str, *, actor: Actor = SYSTEM) -> S.Customer:
        """Erase the customer's personal data (see the module's docstring). Erasing an
        erased customer changes nothing and answers it again."""
        core = self.core
        closed: list[str] = []
        with core.unit() as connection, R.overwriting(connection):
            customer = R.lock_customer(connection, customer_id)
            if customer is None:
                raise CustomerNotFound(
                    f"customer {customer_id!r} does not exist", customer_id=customer_id
                )
            if customer["erased_at"] is not None:
                return self.wallets.customer(customer_id)
            wallets = R.wallet_rows(connection, customer_id)
            self._check_erasable(connection, customer_id, wallets)
            now = R.now_micros()
            self._drop_master_sealed(connection, customer)
            platform_id = customer.get("platform_id") or DEFAULT_PLATFORM_ID
            for column in registered_wallet_data():  # other domains' copies
                R.blank_wallet_data(connection, column, platform_id, [w["id"] for w in wallets])
            if not core.data_keys.destroy(connection, customer_id):
                R.insert_key(
                    connection,
                    customer_id=customer_id,
                    platform_id=platform_id,
                    wrapped_key=None,
                    created_at=now,
                    erased_at=now,
                )
            R.mark_customer_erased(connection, customer_id, now)
            for wallet in wallets:
                if wallet["status"] != "closed":
                    closed.append(self._close(connection, wallet, actor))
            resources = [customer_id]
            resources += [row["id"] for row in R.kyc_document_rows(connection, customer_id)]
            resources += [row["id"] for row in R.bank_account_rows(connection, customer_id)]
            forgotten = R.forget_idempotency_records(connection, resources)
            erased = {**customer, "erased_at": now}
            core.event(connection, "customer.erased", redacted_customer(erased))
            record_by(
                connection,
                actor,
                "customer.erased",
                customer_id,
                {"wallets_closed": closed, "idempotency_records_deleted": forgotten},
            )
            core.forget_customer(connection, customer_id)
        R.checkpoint(core.engine)
        core.drop_cached("customer", customer_id)
        for wallet_id in closed:
            core.drop_cached("wallet", wallet_id)
        return self.wallets.customer(customer_id)

    def _check_erasable(
        self, connection: sa.Connection, customer_id: str, wallets: Sequence[Row]
    ) -> None:
        held: dict[str, dict[str, int]] = {}
        for wallet in wallets:
            balance = self.core.balance_of(wallet)
            if balance.balance or balance.pending_input or balance.pending_output:
                held[wallet["id"]] = {
                    "balance": balance.balance,
                    "pending_in": balance.pending_input,
                    "pending_out": balance.pending_output,
                }
        ids = [wallet["id"] for wallet in wallets]
        payouts = R.payouts_in_flight(connection, ids)
        payins = R.payins_in_flight(connection, ids, PAYINS_IN_FLIGHT)
        if held or payouts or payins:
            raise ErasureBlocked(
                f"customer {customer_id} still has money held or moving: "
                f"{len(held)} wallet(s) with a balance or hold, {payouts} payout(s) and "
                f"{payins} pay-in(s) in flight; pay out or move the balance first",
                customer_id=customer_id,
                wallets=held,
                payouts_in_flight=payouts,
                payins_in_flight=payins,
            )

    def _drop_master_sealed(self, connection: sa.Connection, customer: Row) -> None:
        """Blank the customer's values still sealed by the master key (written before data
        keys): destroying the data key would not make them unreadable."""

        def blanked(row: Row, columns: dict[str, str], required: set[str]) -> dict[str, Any]:
            return {
                column: ("" if column in required else None)
                for column in columns
                if row[column] is not None and not sealed_by_customer_key(row[column])
            }

        values = blanked(customer, CUSTOMER_COLUMNS, {"name_enc"})
        if values:
            R.update_row(connection, T.customers, customer["id"], values)
        for row in R.kyc_document_rows(connection, customer["id"]):
            values = blanked(row, DOCUMENT_COLUMNS, {"name_enc"})
            if values:
                R.update_row(connection, T.kyc_documents, row["id"], values)
        for row in R.bank_account_rows(connection, customer["id"]):
            values = blanked(row, BANK_COLUMNS, set(BANK_COLUMNS))
            if values:
                R.update_row(connection, T.bank_accounts, row["id"], values)

    def _close(self, connection: sa.Connection, wallet: Row, actor: Actor) -> str:
        core = self.core
        WR.update(connection, T.wallets, wallet["id"], {"status": "closed"})
        core.event(
            connection,
            "wallet.closed",
            self.wallets._wallet_model({**wallet, "status": "closed"}),
        )
        record_by(
            connection,
            actor,
            "wallet.closed",
            wallet["id"],
            {"from": wallet["status"], "customer_id": wallet["customer_id"], "reason": "erasure"},
        )
        core.forget_wallet(connection, wallet["id"])
        return str(wallet["id"])

    # -- export --------------------------------------------------------------------------

    def export(self, customer_id: str, *, actor: Actor = SYSTEM) -> P.CustomerExport:
        """Everything held about the customer, in one document (recorded in the audit log:
        an export discloses personal data)."""
        core = self.core
        limit = core.settings.export_max_movements
        with core.engine.connect() as connection:
            row = core.customer_row(connection, customer_id)
            key = core.customer_key(connection, row)
            documents = [
                P.ExportedKycDocument(
                    **self.wallets._kyc_document_model(document).model_dump(),
                    name=key.decrypt(document["name_enc"], context="kyc_document.name"),
                )
                for document in R.kyc_document_rows(connection, customer_id)
            ]
            banks = [
                P.ExportedBankAccount(
                    **bank_account_model(bank, key).model_dump(),
                    iban=key.decrypt(bank["iban_enc"], context="bank_account.iban"),
                )
                for bank in R.bank_account_rows(connection, customer_id)
            ]
            wallet_rows = R.wallet_rows(connection, customer_id)
            consents = [
                _consent_model(c)
                for c in R.consent_rows(
                    connection, row.get("platform_id") or DEFAULT_PLATFORM_ID, customer_id
                )
            ]
        wallets = [self.wallets._wallet_model(wallet) for wallet in wallet_rows]
        movements, complete = self._movements(wallets, limit)
        lists: dict[str, list[Any]] = {}
        for name, lister in (
            ("transfers", self.wallets.transfers),
            ("payments", self.wallets.payments),
            ("payins", self.payins.payins),
            ("payouts", self.payouts.payouts),
        ):
            items, whole = _every(lister, customer_id, limit)
            lists[name] = items
            complete = complete and whole
        document = P.CustomerExport(
            generated_at=datetime.now(UTC),
            customer=customer_model(row, key),
            kyc_documents=documents,
            bank_accounts=banks,
            wallets=wallets,
            movements=movements,
            movements_complete=complete,
            consents=consents,
            transfers=lists["transfers"],
            payments=lists["payments"],
            payins=lists["payins"],
            payouts=lists["payouts"],
        )
        with core.unit() as connection:
            record_by(
                connection,
                actor,
                "customer.exported",
                customer_id,
                {"movements": len(movements), "complete": complete},
            )
        return document

    def _movements(self, wallets: list[S.Wallet], limit: int) -> tuple[list[P.Movement], bool]:
        lines: list[P.Movement] = []
        for wallet in wallets:
            cursor: str | None = None
            while True:
                page = self.wallets.statement(wallet.id, limit=1000, cursor=cursor)
                for line in page.data:
                    if len(lines) >= limit:
                        return lines, False
                    lines.append(
                        P.Movement(
                            wallet_id=wallet.id, currency=wallet.currency, **line.model_dump()
                        )
                    )
                if not page.has_more or page.next_cursor is None:
                    break
                cursor = page.next_cursor
        return lines, True

    # -- consents ------------------------------------------------------------------------

    def record_consent(
        self, customer_id: str, request: P.ConsentCreate, *, actor: Actor = SYSTEM
    ) -> P.Consent:
        """Record a consent granted or withdrawn (append-only: the history is kept)."""
        core = self.core
        with core.unit() as connection:
            customer = core.live_customer_row(connection, customer_id)
            values = {
                "id": WR.new_id("cns"),
                "platform_id": customer.get("platform_id") or DEFAULT_PLATFORM_ID,
                "customer_id": customer_id,
                "type": request.type,
                "version": request.version,
                "status": request.status,
                "actor": actor.name[:200],
                "address": None if actor.address is None else actor.address[:64],
                "created_at": R.now_micros(),
            }
            R.insert_consent(connection, values)
            consent = _consent_model(values)
            core.event(connection, f"consent.{request.status}", consent)
        return consent

    def consents(self, customer_id: str) -> P.ConsentList:
        with self.core.engine.connect() as connection:
            customer = self.core.customer_row(connection, customer_id)
            rows = R.consent_rows(
                connection, customer.get("platform_id") or DEFAULT_PLATFORM_ID, customer_id
            )
        data = [_consent_model(row) for row in rows]
        return P.ConsentList(data=data, current={c.type: c for c in data})

    # -- retention -----------------------------------------------------------------------

    def apply_retention(
        self, *, apply: bool = True, actor: Actor | None = None
    ) -> P.RetentionReport:
        """Apply the retention periods that are set (``apply`` False: only say what would
        be done). Customers past their period are erased (skipped, and left for the next
        run, while money is still held for them)."""
        settings = self.core.settings
        who = actor or Actor("system:retention")
        now = datetime.now(UTC)
        erased: list[str] = []
        events = keys = 0
        if settings.retention_closed_customer_days is not None:
            before = _micros(now - timedelta(days=settings.retention_closed_customer_days))
            after = ""
            for _ in range(MAX_RETENTION_PAGES):
                with self.core.engine.connect() as connection:
                    ids = R.customers_ended_before(connection, before, after, RETENTION_BATCH)
                for customer_id in ids:
                    if not apply:
                        erased.append(customer_id)
                        continue
                    try:
                        self.erase(customer_id, actor=who)
                    except (ErasureBlocked, CustomerErased):
                        continue
                    erased.append(customer_id)
                if len(ids) < RETENTION_BATCH:
                    break
                after = ids[-1]
        if settings.retention_events_days is not None:
            before = _micros(now - timedelta(days=settings.retention_events_days))
            events = self._purge(R.old_event_ids, R.delete_events, before, apply)
        if settings.retention_idempotency_days is not None:
            before = _micros(now - timedelta(days=settings.retention_idempotency_days))
            keys = self._purge(R.old_idempotency_keys, R.delete_idempotency_keys, before, apply)
        report = P.RetentionReport(
            applied=apply,
            customers_erased=erased,
            events_deleted=events,
            idempotency_keys_deleted=keys,
        )
        if apply and (events or keys or erased):
            with self.core.unit() as connection:
                record_by(
                    connection,
                    who,
                    "retention.applied",
                    None,
                    {
                        "events_deleted": events,
                        "idempotency_keys_deleted": keys,
                        "customers_erased": len(erased),
                    },
                )
        return report

    def _purge(
        self,
        find: Callable[[sa.Connection, int, int], list[str]],
        delete: Callable[[sa.Connection, list[str]], int],
        before: int,
        apply: bool,
    ) -> int:
        total = 0
        for _ in range(MAX_RETENTION_PAGES):
            with self.core.unit() as connection:
                ids = find(connection, before, RETENTION_BATCH)
                total += delete(connection, ids) if apply else len(ids)
            if len(ids) < RETENTION_BATCH or not apply:
                break
        return total

    # -- the upgrade of rows written before data keys ------------------------------------

    def upgrade(self, *, max_customers: int | None = None) -> P.UpgradeReport:
        """Re-seal, under each customer's own data key, the values written before data keys
        existed (sealed by the master key; metadata in clear). Idempotent; in batches."""
        done = 0
        after = ""
        while max_customers is None or done < max_customers:
            size = (
                UPGRADE_BATCH if max_customers is None else min(UPGRADE_BATCH, max_customers - done)
            )
            with self.core.engine.connect() as connection:
                ids = R.customers_to_upgrade(connection, after, size)
            for customer_id in ids:
                if self._upgrade_customer(customer_id):
                    done += 1
            if len(ids) < size:
                break
            after = ids[-1]
        if done:
            R.checkpoint(self.core.engine)
        return P.UpgradeReport(customers_upgraded=done)

    def _upgrade_customer(self, customer_id: str) -> bool:
        core = self.core
        with core.unit() as connection, R.overwriting(connection):
            customer = R.lock_customer(connection, customer_id)
            if customer is None or customer["erased_at"] is not None:
                return False
            key = core.customer_key(connection, customer, create=True)

            def resealed(row: Row, columns: dict[str, str]) -> dict[str, Any]:
                return {
                    column: key.encrypt(key.decrypt(row[column], context=context), context=context)
                    for column, context in columns.items()
                    if row[column] is not None and not sealed_by_customer_key(row[column])
                }

            values = resealed(customer, CUSTOMER_COLUMNS)
            if customer["metadata"] != "{}" and customer["metadata_enc"] is None:
                values["metadata_enc"] = key.encrypt(
                    json.dumps(json.loads(customer["metadata"])), context="customer.metadata"
                )
                values["metadata"] = "{}"
            if values:
                R.update_row(connection, T.customers, customer_id, values)
            for row in R.kyc_document_rows(connection, customer_id):
                values = resealed(row, DOCUMENT_COLUMNS)
                if values:
                    R.update_row(connection, T.kyc_documents, row["id"], values)
            for row in R.bank_account_rows(connection, customer_id):
                values = resealed(row, BANK_COLUMNS)
                if values:
                    R.update_row(connection, T.bank_accounts, row["id"], values)
            core.forget_customer(connection, customer_id)
        core.drop_cached("customer", customer_id)
        return True


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _consent_model(row: Row) -> P.Consent:
    return model_from_row(P.Consent, row, {"recorded_by": "actor"})


def _every(
    lister: Callable[..., S.ListPage[Any]], customer_id: str, limit: int
) -> tuple[list[Any], bool]:
    """Every item a list method gives for the customer (at most ``limit``), oldest last,
    and whether that was all of them."""
    items: list[Any] = []
    after: str | None = None
    while len(items) < limit:
        page = lister(S.ListQuery(customer_id=customer_id, limit=PAGE, starting_after=after))
        items.extend(page.data)
        if not page.has_more or not page.data:
            return items[:limit], len(items) <= limit
        after = page.data[-1].id
    return items[:limit], False
