"""Bank accounts and payouts, exported in batches as ISO 20022 pain.001.001.03 files.

A payout places a ledger hold from the wallet to ``external:bank:payouts`` (``created``:
the money is reserved, no longer available). Exporting a batch moves payouts to
``processing``; the bank's answer then posts the hold (``paid``) or voids it (``failed``).
A ``returned`` payout (the bank sent the money back after paying it) credits the wallet
back from ``external:bank:payouts``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from typing import Any
from xml.etree import ElementTree as ET

import sqlalchemy as sa
import xmlschema
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from coffer.db.columns import model_from_row
from coffer.errors import (
    HoldStateError,
    InsufficientFunds,
    InvalidBankAccount,
    InvalidState,
    ResourceNotFound,
    ValidationError,
)
from coffer.wallets import currencies
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets import templates as N
from coffer.wallets.checks import Movement
from coffer.wallets.common import Row, as_datetime, error_from_code, wallet_account
from coffer.wallets.core import WalletsCore, movement
from coffer.wallets.privacy.keys import CustomerKey
from coffer.wallets.reviews import insert_assessed

PAIN_001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
PAYOUT_ACCOUNT = "external:bank:payouts"
MAX_BATCH = 1000
ERASED = "ERASED"  # stands for a name or IBAN of an erased customer in a rebuilt batch
_schema: xmlschema.XMLSchema | None = None


def pain001_schema() -> xmlschema.XMLSchema:
    """The official ISO 20022 pain.001.001.03 schema shipped with Coffer."""
    global _schema
    if _schema is None:
        path = resources.files("coffer.wallets.iso20022") / "pain.001.001.03.xsd"
        with resources.as_file(path) as file:
            _schema = xmlschema.XMLSchema(str(file))
    return _schema


def validate_bank_details(iban: str, bic: str | None) -> tuple[IBAN, str]:
    try:
        parsed = IBAN(iban)
    except SchwiftyException as exc:
        raise InvalidBankAccount(f"invalid IBAN: {exc}", field="iban") from exc
    if bic is None:
        derived = parsed.bic
        if derived is None:
            raise InvalidBankAccount(
                "no BIC is known for this IBAN's bank; give the BIC", field="bic"
            )
        return parsed, str(derived)
    try:
        parsed_bic = BIC(bic)
    except SchwiftyException as exc:
        raise InvalidBankAccount(f"invalid BIC: {exc}", field="bic") from exc
    if parsed_bic.country_code != parsed.country_code:
        raise InvalidBankAccount(
            f"the BIC is from {parsed_bic.country_code} but the IBAN from {parsed.country_code}",
            field="bic",
        )
    return parsed, str(parsed_bic)


def bank_account_model(row: Row, key: CustomerKey) -> S.BankAccount:
    """A bank account as the API shows it, the holder's name opened with the customer's
    data key (empty once the customer is erased)."""
    holder_name = key.decrypt(row["holder_name_enc"], context="bank_account.holder_name")
    return model_from_row(S.BankAccount, row, holder_name=holder_name or "")


class Payouts:
    def __init__(self, core: WalletsCore) -> None:
        self.core = core

    # -- bank accounts ------------------------------------------------------------------

    def add_bank_account(
        self, request: S.BankAccountCreate, *, idempotency_key: str | None = None
    ) -> S.BankAccount:
        core = self.core
        iban, bic = validate_bank_details(request.iban, request.bic)
        payload = request.model_dump(mode="json")
        payload["iban"] = R.sha256_hex(iban.compact)  # the hash, not the IBAN, is stored
        payload["holder_name"] = R.sha256_hex(request.holder_name)

        def create(connection: sa.Connection) -> str:
            account_id, now = core.insert_for_customer(
                connection,
                T.bank_accounts,
                "ba",
                request.customer_id,
                lambda key: {
                    "holder_name_enc": key.encrypt(
                        request.holder_name, context="bank_account.holder_name"
                    ),
                    "iban_enc": key.encrypt(iban.compact, context="bank_account.iban"),
                    "iban_last4": iban.compact[-4:],
                    "country": iban.country_code,
                    "bic": bic,
                },
            )
            core.event(
                connection,
                "bank_account.created",
                S.RedactedBankAccount(
                    id=account_id,
                    customer_id=request.customer_id,
                    iban_last4=iban.compact[-4:],
                    country=iban.country_code,
                    bic=bic,
                    created_at=as_datetime(now),
                ),
            )
            return account_id

        account_id, _ = core.create_once(
            key=idempotency_key, operation="bank_account", payload=payload, create=create
        )
        return self.bank_account(account_id)

    def _bank_row(self, connection: sa.Connection, account_id: str) -> Row:
        row = R.get(connection, T.bank_accounts, account_id)
        if row is None:
            raise ResourceNotFound(f"bank account {account_id!r} does not exist")
        return row

    def bank_account(self, account_id: str) -> S.BankAccount:
        with self.core.engine.connect() as connection:
            row = self._bank_row(connection, account_id)
            key = self.core.data_keys.of(connection, row["customer_id"])
        return bank_account_model(row, key)

    def bank_accounts(
        self, query: S.ListQuery | None = None, **filters: Any
    ) -> S.ListPage[S.BankAccount]:
        return self.core.list_sealed_page(
            "bank_accounts", query, filters, S.BankAccount, bank_account_model, "customer_id"
        )

    # -- payouts -------------------------------------------------------------------------

    def create_payout(
        self, request: S.PayoutCreate, *, idempotency_key: str | None = None
    ) -> S.Payout:
        core = self.core
        currency = currencies.check_currency(request.currency)
        payload = request.model_dump(mode="json")

        def create(connection: sa.Connection) -> str:
            wallet = core.wallet_row(connection, request.wallet_id)
            bank = self._bank_row(connection, request.bank_account_id)
            if wallet["customer_id"] != bank["customer_id"]:
                raise ValidationError(
                    "the bank account belongs to another customer than the wallet"
                )
            core.check_currency(wallet, currency)
            core.check_can_send(wallet)
            core.check_limits(connection, wallet, request.amount, sending=True, payout=True)
            payout_id = R.new_id("po")
            bank_key = core.data_keys.of(connection, bank["customer_id"])
            movement = Movement.of_wallet(
                "payout",
                payout_id,
                wallet,
                request.amount,
                currency,
                counterparty="iban:"
                + (bank_key.decrypt(bank["iban_enc"], context="bank_account.iban") or ""),
                counterparty_name=bank_key.decrypt(
                    bank["holder_name_enc"], context="bank_account.holder_name"
                ),
            )
            return insert_assessed(
                core,
                connection,
                T.payouts,
                movement,
                {
                    "id": payout_id,
                    "wallet_id": wallet["id"],
                    "bank_account_id": bank["id"],
                    "currency": currency,
                    "amount": request.amount,
                    "hold_id": None,
                    "batch_id": None,
                },
            )

        payout_id, _ = core.create_once(
            key=idempotency_key, operation="payout", payload=payload, create=create
        )
        return self._reserve(payout_id)

    def _row(self, payout_id: str) -> Row:
        return self.core.existing(T.payouts, payout_id, "payout")

    def _reserve(self, payout_id: str) -> S.Payout:
        row = self._row(payout_id)
        if row["status"] == "pending":
            try:
                hold = self.core.run(
                    N.PAYOUT,
                    N.move(
                        wallet_account(row["wallet_id"]),
                        PAYOUT_ACCOUNT,
                        row["currency"],
                        row["amount"],
                    ),
                    **movement("payout", payout_id, "hold"),
                    pending=True,
                )
            except InsufficientFunds as error:
                row = self._transition(payout_id, ["pending"], "failed", failure_code=error.code)
                raise
            with self.core.unit() as connection:
                review = R.review_row(connection, "payout", payout_id)
                if review is not None:
                    R.set_review_hold(connection, "payout", payout_id, hold.id)
            status = "in_review" if review is not None else "created"
            row = self._transition(payout_id, ["pending"], status, hold_id=hold.id)
        if row["status"] == "failed" and row["hold_id"] is None:
            raise error_from_code(row["failure_code"])
        return payout_model(row)

    def _transition(self, payout_id: str, expect: list[str], status: str, **values: Any) -> Row:
        with self.core.unit() as connection:
            changed, row = self.core.update_status(
                connection,
                T.payouts,
                payout_id,
                {"status": status, **values},
                expect=expect,
                event_type=f"payout.{status}",
                model=payout_model,
            )
            if not changed:
                raise InvalidState(
                    f"payout {payout_id} is {row['status']}; it cannot become {status}",
                    status=row["status"],
                )
        return row

    def payout(self, payout_id: str) -> S.Payout:
        return payout_model(self._row(payout_id))

    def payouts(self, query: S.ListQuery | None = None, **filters: Any) -> S.ListPage[S.Payout]:
        return self.core.list_page("payouts", query, filters, S.Payout, payout_model)

    # -- payout batches ------------------------------------------------------------------

    def payout_batches(
        self, query: S.ListQuery | None = None, **filters: Any
    ) -> S.ListPage[S.PayoutBatch]:
        """Batches holding payouts that meet the filters (of the payouts: ``wallet_id``,
        ``customer_id``, ``status``, ``created_*``), newest first."""
        query = S.ListQuery.of(query, filters)
        conditions = self.core.list_conditions("payouts", query)
        with self.core.unit() as connection:
            ids, more = R.payout_batch_ids(
                connection, conditions, starting_after=query.starting_after, limit=query.limit
            )
        return S.ListPage[S.PayoutBatch](data=[self.payout_batch(i) for i in ids], has_more=more)

    def payout_batch(self, batch_id: str) -> S.PayoutBatch:
        """A batch, its pain.001 file built again: the same bytes as at its export (the
        file's creation time is the batch's), as long as the platform's bank details
        (``COFFER_PLATFORM_NAME``, ``_IBAN``, ``_BIC``) are unchanged."""
        with self.core.unit() as connection:
            rows = R.payouts_of_batch(connection, batch_id)
            if not rows:
                raise ResourceNotFound(f"payout batch {batch_id!r} does not exist")
            xml = self._pain001(connection, batch_id, rows)
        return S.PayoutBatch(
            id=batch_id,
            payout_ids=[r["id"] for r in rows],
            xml=xml,
            created_at=batch_time(batch_id),
        )

    def _pain001(self, connection: sa.Connection, batch_id: str, rows: list[Row]) -> str:
        core = self.core
        banks = R.get_many(connection, T.bank_accounts, [r["bank_account_id"] for r in rows])
        keys = core.data_keys.of_many(connection, [b["customer_id"] for b in banks.values()])
        lines = []
        for row in rows:
            bank = banks[row["bank_account_id"]]
            key = keys[bank["customer_id"]]
            # an erased customer's paid batch is rebuilt without its name and IBAN
            lines.append(
                {
                    "id": row["id"],
                    "amount": currencies.to_major(row["currency"], row["amount"]),
                    "currency": row["currency"],
                    "name": key.decrypt(bank["holder_name_enc"], context="bank_account.holder_name")
                    or ERASED,
                    "iban": key.decrypt(bank["iban_enc"], context="bank_account.iban") or ERASED,
                    "bic": bank["bic"],
                }
            )
        return build_pain001(
            batch_id,
            lines,
            debtor_name=core.settings.platform_name,
            debtor_iban=core.settings.platform_iban,
            debtor_bic=core.settings.platform_bic,
            now=batch_time(batch_id),
        )

    def export_batch(self, *, limit: int = MAX_BATCH) -> S.PayoutBatch | None:
        """Write every ``created`` payout (up to ``limit``) into one pain.001 file, validated
        against the official schema, and move them to ``processing``. None: nothing to pay."""
        core = self.core
        limit = max(1, min(limit, MAX_BATCH))
        batch_id = R.new_id("pb")
        with core.unit() as connection:
            rows = R.payouts_in_status(connection, "created", limit)
            if not rows:
                return None
            return self._export(connection, batch_id, rows)

    def export_payouts(self, payout_ids: list[str]) -> S.PayoutBatch:
        """Write the ``created`` payouts ``payout_ids`` (at most MAX_BATCH) into one
        pain.001 file and move them to ``processing``. Idempotent: when they are all in one
        batch already, that batch is answered (built again)."""
        if not payout_ids or len(payout_ids) > MAX_BATCH:
            raise ValidationError(f"a payout batch holds 1 to {MAX_BATCH} payouts")
        with self.core.unit() as connection:
            found = R.get_many(connection, T.payouts, payout_ids)
            missing = [i for i in payout_ids if i not in found]
            if missing:
                raise ResourceNotFound(f"payout {missing[0]!r} does not exist")
            batches = {found[i]["batch_id"] for i in payout_ids}
            if len(batches) == 1 and None not in batches:
                existing = str(batches.pop())
            else:
                rows = [found[i] for i in payout_ids]
                return self._export(connection, R.new_id("pb"), rows)
        return self.payout_batch(existing)

    def _export(self, connection: sa.Connection, batch_id: str, rows: list[Row]) -> S.PayoutBatch:
        core = self.core
        xml = self._pain001(connection, batch_id, rows)
        pain001_schema().validate(xml)
        for row in rows:
            changed, _ = core.update_status(
                connection,
                T.payouts,
                row["id"],
                {"status": "processing", "batch_id": batch_id},
                expect=["created"],
                event_type="payout.processing",
                model=payout_model,
            )
            if not changed:
                raise InvalidState(f"payout {row['id']} changed during the export; retry")
        return S.PayoutBatch(
            id=batch_id,
            payout_ids=[r["id"] for r in rows],
            xml=xml,
            created_at=batch_time(batch_id),
        )

    def settle(self, payout_id: str, outcome: S.PayoutOutcome) -> S.Payout:
        """Record the bank's answer: ``paid``, ``failed`` (money back to the wallet) or,
        after paid, ``returned`` (the bank sent it back: the wallet is credited again)."""
        core = self.core
        row = self._row(payout_id)
        if outcome.status == "paid":
            self._hold_step(row, post=True)
            row = self._transition(payout_id, ["processing"], "paid")
        elif outcome.status == "failed":
            self._hold_step(row, post=False)
            row = self._transition(
                payout_id,
                ["created", "processing"],
                "failed",
                failure_code=outcome.failure_code or "bank_rejected",
            )
        else:
            if row["status"] != "paid":
                raise InvalidState(
                    f"payout {payout_id} is {row['status']}; only a paid payout is returned"
                )
            core.run(
                N.PAYIN,
                N.payin(
                    PAYOUT_ACCOUNT, wallet_account(row["wallet_id"]), row["currency"], row["amount"]
                ),
                key=f"payout:{payout_id}:return",
                kind="payout_return",
                object_id=payout_id,
            )
            row = self._transition(
                payout_id, ["paid"], "returned", failure_code=outcome.failure_code or "returned"
            )
        return payout_model(row)

    def _hold_step(self, row: Row, *, post: bool) -> None:
        allowed = ["processing"] if post else ["created", "processing"]
        if row["status"] == "created" and post:
            raise InvalidState(
                f"payout {row['id']} was not sent to the bank yet: add it to a payout batch "
                "first (POST /payout_batches), then record the bank's answer",
                status=row["status"],
            )
        if row["status"] not in allowed:
            raise InvalidState(
                f"payout {row['id']} is {row['status']} already: the bank's answer was recorded",
                status=row["status"],
            )
        try:
            if post:
                self.core.post_hold(
                    row["hold_id"],
                    **movement("payout", row["id"], "post"),
                )
            else:
                self.core.ledger.void_pending(
                    row["hold_id"], idempotency_key=f"wallets:payout:{row['id']}:void"
                )
        except HoldStateError as error:
            raise InvalidState(f"payout {row['id']}: {error.message}") from error


def batch_time(batch_id: str) -> datetime:
    """When a batch was exported: the milliseconds its id starts with (see ``new_id``)."""
    try:
        millis = int(batch_id.split("_", 1)[1][:12], 16)
    except (IndexError, ValueError) as exc:
        raise ResourceNotFound(f"payout batch {batch_id!r} does not exist") from exc
    return datetime.fromtimestamp(millis / 1000, UTC)


def payout_model(row: Row) -> S.Payout:
    return model_from_row(S.Payout, row)


def _text(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _latin(text: str | None, limit: int = 70) -> str:
    """SEPA's restricted character set, cut to the field's length."""
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")
    cleaned = "".join(c if c in allowed else " " for c in (text or "")).strip()
    return (cleaned or "unknown")[:limit]


def build_pain001(
    message_id: str,
    lines: list[dict[str, Any]],
    *,
    debtor_name: str,
    debtor_iban: str,
    debtor_bic: str,
    now: datetime | None = None,
) -> str:
    """A CustomerCreditTransferInitiation: one payment information block per currency."""
    moment = (now or datetime.now(UTC)).replace(microsecond=0, tzinfo=None)
    ET.register_namespace("", PAIN_001)
    document = ET.Element(f"{{{PAIN_001}}}Document")
    ns = f"{{{PAIN_001}}}"

    def sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
        return _text(parent, ns + tag, text)

    root = sub(document, "CstmrCdtTrfInitn")
    header = sub(root, "GrpHdr")
    sub(header, "MsgId", message_id[:35])
    sub(header, "CreDtTm", moment.isoformat())
    sub(header, "NbOfTxs", str(len(lines)))
    sub(header, "CtrlSum", str(sum((Decimal(line["amount"]) for line in lines), Decimal(0))))
    sub(sub(header, "InitgPty"), "Nm", _latin(debtor_name))
    by_currency: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_currency.setdefault(line["currency"], []).append(line)
    for index, (currency, group) in enumerate(sorted(by_currency.items())):
        info = sub(root, "PmtInf")
        sub(info, "PmtInfId", f"{message_id[:30]}-{index}")
        sub(info, "PmtMtd", "TRF")
        sub(info, "BtchBookg", "true")
        sub(info, "NbOfTxs", str(len(group)))
        sub(info, "CtrlSum", str(sum((Decimal(line["amount"]) for line in group), Decimal(0))))
        service = sub(sub(info, "PmtTpInf"), "SvcLvl")
        sub(service, "Cd", "SEPA" if currency == "EUR" else "NURG")
        sub(info, "ReqdExctnDt", moment.date().isoformat())
        sub(sub(info, "Dbtr"), "Nm", _latin(debtor_name))
        sub(sub(sub(info, "DbtrAcct"), "Id"), "IBAN", debtor_iban)
        sub(sub(sub(info, "DbtrAgt"), "FinInstnId"), "BIC", debtor_bic)
        sub(info, "ChrgBr", "SLEV")
        for line in group:
            transaction = sub(info, "CdtTrfTxInf")
            sub(sub(transaction, "PmtId"), "EndToEndId", line["id"][:35])
            amount = sub(sub(transaction, "Amt"), "InstdAmt", str(line["amount"]))
            amount.set("Ccy", currency)
            sub(sub(sub(transaction, "CdtrAgt"), "FinInstnId"), "BIC", line["bic"])
            sub(sub(transaction, "Cdtr"), "Nm", _latin(line["name"]))
            sub(sub(sub(transaction, "CdtrAcct"), "Id"), "IBAN", line["iban"])
            sub(sub(transaction, "RmtInf"), "Ustrd", _latin(f"Payout {line['id']}", 140))
    return ET.tostring(document, encoding="unicode", xml_declaration=True)
