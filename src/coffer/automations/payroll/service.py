"""Payment batches (payroll and supplier payments): create from JSON or CSV (validated line
by line before anything is stored), maker-checker approval through the automations'
approvals, cancel, reads and the pain.001 file of the bank lines. Execution is the
worker's (:mod:`coffer.automations.payroll.execution`).

No SQL here (repository.py) and no HTTP (endpoints.py). Each public method is its own unit
of work.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coffer.automations import repository as AR
from coffer.automations import schemas as AS
from coffer.automations.payroll import payees
from coffer.automations.payroll import repository as R
from coffer.automations.payroll import schemas as S
from coffer.automations.payroll.errors import (
    ApproverNotAllowed,
    PaymentBatchInvalid,
    PaymentBatchNotFound,
    PaymentBatchOverLimit,
    PaymentBatchState,
)
from coffer.automations.payroll.settings import PayrollSettings, get_payroll_settings
from coffer.automations.payroll.validation import Checked, Validator, over_limit, read_csv
from coffer.automations.runstate import from_micros, micros
from coffer.automations.schedules import BusinessDays
from coffer.automations.views import decoded, moments, same_named
from coffer.errors import Conflict, ValidationError
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.wallets.currencies import check_currency

if TYPE_CHECKING:
    from coffer.automations.service import AutomationsPlatform
    from coffer.wallets.platform import WalletPlatform

APPROVAL_STEP = "payment_batch"  # the step_key of a batch's approval
OPERATION = "payment_batch"  # the Idempotency-Key operation of a batch's creation
ANSWER_CONTEXT = "idempotency.response"  # how the wallets seal a key's stored answer
LIMIT_FIELDS = ("max_lines", "max_line_amount", "max_batch_total")
CANCELLABLE = ("pending_approval", "scheduled", "waiting_funds")


def batch_model(row: Mapping[str, Any]) -> S.Batch:
    return S.Batch(
        **same_named(
            row,
            "id",
            "name",
            "status",
            "source_wallet_id",
            "currency",
            "funding_policy",
            "required_approvals",
            "approval_id",
            "created_by",
            "line_count",
            "payout_batch_id",
        ),
        **moments(row, "approval_expires_at", "execute_at", "completed_at", "created_at"),
        **decoded(row, "summary"),
        execute_on=None if row["execute_on"] is None else date.fromisoformat(row["execute_on"]),
        total_amount=int(row["total_amount"]),
    )


def line_model(row: Mapping[str, Any]) -> S.Line:
    """The line of a row whose personal data was unsealed (:meth:`PaymentBatches.opened`)."""
    return S.Line(**{name: row[name] for name in S.Line.model_fields if name != "object"})


class PaymentBatches:
    """Payment batches on an automations platform (its engine, clock and approvals)."""

    def __init__(
        self, automations: AutomationsPlatform, settings: PayrollSettings | None = None
    ) -> None:
        self.automations = automations
        self.engine: sa.Engine = automations.engine
        self.settings = settings or get_payroll_settings()
        self._wallets: dict[str, WalletPlatform] = {}
        self._lock = threading.Lock()
        self.sealer: payees.Sealer = automations.wallets.core.cipher
        automations.approval_subjects[APPROVAL_STEP] = self

    def now_micros(self) -> int:
        return self.automations.now_micros()

    def wallets_of(self, platform_id: str) -> WalletPlatform:
        """The wallets domain of ``platform_id`` (its services see only its wallets)."""
        own = self.automations.wallets
        if platform_id == own.platform_id:
            return own
        found = self._wallets.get(platform_id)
        if found is None:
            from coffer.wallets.platform import open_wallets

            with self._lock:
                found = self._wallets.get(platform_id)
                if found is None:
                    found = open_wallets(own.coffer, own.settings, platform_id=platform_id)
                    self._wallets[platform_id] = found
        return found

    # -- create ----------------------------------------------------------------------------

    def validate(self, platform_id: str, request: S.BatchCreate) -> Checked:
        """Every line checked against the platform's wallets and the limits."""
        problems: list[S.LineError] = []
        lines = list(request.lines or [])
        if request.csv is not None and request.lines is not None:
            problems.append(S.LineError(code="csv_invalid", message="give lines or csv, not both"))
        elif request.csv is not None:
            lines, problems = read_csv(request.csv)
        try:
            self._execute_at(request)
        except ValidationError as error:
            problems.append(S.LineError(code="invalid_calendar", message=error.message))
        ids = sorted(
            {request.source_wallet_id} | {line.wallet_id for line in lines if line.wallet_id}
        )
        core = self.wallets_of(platform_id).core
        with core.hot_connection() as connection:
            rows = core.cached_wallets(connection, ids)
        wallets = {
            wallet_id: row
            for wallet_id, row in rows.items()
            if (row.get("platform_id") or DEFAULT_PLATFORM_ID) == platform_id
        }
        limits = self.limits(platform_id, request.currency)
        return Validator(limits).check(request, lines, wallets, problems)

    def _execute_at(self, request: S.BatchOptions) -> int:
        if request.execute_on is None:
            return self.now_micros()
        day = request.execute_on
        rule = request.business_days
        if rule is not None:
            try:
                day = BusinessDays(rule.country, rule.convention, rule.subdivision).adjust(day)
            except (NotImplementedError, KeyError) as error:
                raise ValidationError(
                    f"unknown holiday calendar {rule.country!r} ({rule.subdivision or '-'})"
                ) from error
        return micros(datetime.combine(day, time(0), UTC))

    def create(
        self,
        platform_id: str,
        request: S.BatchCreate,
        *,
        maker: str,
        idempotency_key: str | None = None,
    ) -> S.Batch | S.ValidationReport:
        """Validate, then (unless ``validate_only``) store the batch and its lines and open
        its approval, in one transaction: a batch with any bad line stores nothing.

        With ``idempotency_key`` (unique per platform, the wallets' Idempotency-Key
        records), a repeat of the same request answers the first answer (the batch as
        created, or the same refusal) and creates nothing; the key with another request is
        refused (``idempotency_conflict``). A ``validate_only`` request stores nothing and
        uses no key."""
        if request.validate_only:
            return self.validate(platform_id, request).report
        if idempotency_key is None:
            return self._create(platform_id, request, maker)
        batch = self.wallets_of(platform_id).core.once(
            key=idempotency_key,
            operation=OPERATION,
            payload=request.model_dump(mode="json"),
            run=lambda: self._create(platform_id, request, maker, idempotency_key),
            model=S.Batch,
        )
        assert batch is not None
        return batch

    def _create(
        self, platform_id: str, request: S.BatchCreate, maker: str, key: str | None = None
    ) -> S.Batch:
        checked = self.validate(platform_id, request)
        report = checked.report
        if not report.valid:
            bad = report.invalid_lines + len(report.errors)
            message = f"the batch has {bad} problem(s): nothing was stored (see details)"
            if over_limit(report):
                limits = self.limits(platform_id, request.currency)
                raise PaymentBatchOverLimit(
                    message,
                    report=report.model_dump(mode="json"),
                    limits=limits.model_dump(mode="json"),
                )
            raise PaymentBatchInvalid(message, report=report.model_dump(mode="json"))
        now = self.now_micros()
        batch_id = AR.new_id("pbt")
        timeout = request.approval_timeout_seconds or self.settings.payroll_approval_timeout_seconds
        expires_at = now + int(timeout * 1_000_000)
        values = {
            "id": batch_id,
            "platform_id": platform_id,
            "name": request.name,
            "status": "pending_approval",
            "source_wallet_id": request.source_wallet_id,
            "currency": request.currency,
            "funding_policy": request.funding_policy,
            "required_approvals": request.approvals,
            "approval_expires_at": expires_at,
            "created_by": request.created_by or maker,
            "execute_on": None if request.execute_on is None else request.execute_on.isoformat(),
            "business_days": None
            if request.business_days is None
            else AR.dumps(request.business_days.model_dump()),
            "execute_at": self._execute_at(request),
            "line_count": report.line_count,
            "total_amount": report.total_amount,
            "created_at": now,
            "updated_at": now,
        }
        sealer = self.sealer
        lines = [
            {
                "batch_id": batch_id,
                "line_number": line["line_number"],
                "id": payees.line_id(batch_id, line["line_number"]),
                "platform_id": platform_id,
                "kind": line["kind"],
                "wallet_id": line.get("wallet_id"),
                "payee_enc": payees.seal(sealer, line),
                "amount": line["amount"],
                "currency": line["currency"],
                "status": "pending",
                "attempts": 0,
                "updated_at": now,
            }
            for line in checked.lines
        ]
        message = (
            f"payment batch {request.name or batch_id}: {report.line_count} lines, "
            f"{report.total_amount} {request.currency} (minor units)"
        )
        with AR.unit(self.engine) as connection:
            R.insert_batch(connection, values, lines)
            approval_id = self.automations.open_approval(
                connection,
                {"platform_id": platform_id, "id": batch_id},
                APPROVAL_STEP,
                {"approvals": request.approvals, "message": message},
                expires_at,
            )
            R.update_batch(connection, batch_id, {"approval_id": approval_id})
            if key is not None:
                self._answer_key(connection, platform_id, batch_id, key)
        return self.batch(platform_id, batch_id)

    def _answer_key(
        self, connection: sa.Connection, platform_id: str, batch_id: str, key: str
    ) -> None:
        """Store the new batch as the Idempotency-Key's answer in the transaction that
        creates it: of two requests holding the key (a retry that took over the claim of a
        request still running), only the first to commit creates a batch."""
        row = R.batch(connection, platform_id, batch_id)
        assert row is not None
        answer = self.sealer.encrypt(batch_model(row).model_dump_json(), context=ANSWER_CONTEXT)
        assert answer is not None
        if not R.answer_key(connection, platform_id, key, batch_id, answer):
            raise Conflict(f"Idempotency-Key {key!r} is being used by a concurrent request; retry")

    # -- approvals (ApprovalSubject) ---------------------------------------------------------

    def check_decision(
        self, connection: sa.Connection, approval: Mapping[str, Any], approver: str
    ) -> None:
        row = R.batch(connection, str(approval["platform_id"]), str(approval["run_id"]))
        if row is None:
            raise PaymentBatchNotFound(f"payment batch {approval['run_id']!r} does not exist")
        if row["status"] != "pending_approval":
            raise PaymentBatchState(f"payment batch {row['id']} is {row['status']}")
        if (
            row["approval_expires_at"] is not None
            and row["approval_expires_at"] <= self.now_micros()
        ):
            raise PaymentBatchState(f"the approval of payment batch {row['id']} has expired")
        if approver == row["created_by"]:
            raise ApproverNotAllowed(f"{approver} created payment batch {row['id']}")

    def decided(self, connection: sa.Connection, approval: Mapping[str, Any], status: str) -> None:
        batch_id = str(approval["run_id"])
        now = self.now_micros()
        if status == "approved":
            row = R.batch(connection, None, batch_id)
            assert row is not None
            R.update_batch(
                connection,
                batch_id,
                {"status": "scheduled", "next_check_at": row["execute_at"], "updated_at": now},
                status_in=["pending_approval"],
            )
        else:
            self._close(connection, batch_id, "rejected", now)

    def _close(self, connection: sa.Connection, batch_id: str, status: str, now: int) -> bool:
        if not R.update_batch(
            connection,
            batch_id,
            {"status": status, "next_check_at": None, "completed_at": now, "updated_at": now},
            status_in=CANCELLABLE,
        ):
            return False
        R.close_pending(connection, batch_id, "cancelled", {"updated_at": now})
        return True

    def approve(
        self, platform_id: str, batch_id: str, decision: S.Decision, *, caller: str, approve: bool
    ) -> S.Batch:
        """One approver's decision (``caller`` unless the decision names one); enough
        approvals schedule the batch, one rejection rejects it."""
        batch = self.batch(platform_id, batch_id)
        if batch.approval_id is None or batch.status != "pending_approval":
            raise PaymentBatchState(f"payment batch {batch_id} is {batch.status}")
        self.automations.decide(
            platform_id,
            batch.approval_id,
            AS.ApprovalDecision(
                approve=approve, approver=decision.approver or caller, note=decision.note
            ),
        )
        return self.batch(platform_id, batch_id)

    def cancel(self, platform_id: str, batch_id: str) -> S.Batch:
        """Cancel a batch that has not started paying (its lines become ``cancelled``)."""
        now = self.now_micros()
        with AR.unit(self.engine) as connection:
            row = R.batch(connection, platform_id, batch_id, lock=True)
            if row is None:
                raise PaymentBatchNotFound(f"payment batch {batch_id!r} does not exist")
            if not self._close(connection, batch_id, "cancelled", now):
                raise PaymentBatchState(
                    f"payment batch {batch_id} is {row['status']}; only a batch not "
                    "executing yet is cancelled"
                )
        if row["status"] == "pending_approval":
            self.automations.expire_approval(batch_id, APPROVAL_STEP)
        return self.batch(platform_id, batch_id)

    def expire(self) -> int:
        """Batches whose approval ran out become ``expired``; how many."""
        now = self.now_micros()
        with AR.reading(self.engine) as connection:
            ids = R.expired_approvals(connection, now)
        for batch_id in ids:
            with AR.unit(self.engine) as connection:
                R.update_batch(
                    connection,
                    batch_id,
                    {"status": "expired", "completed_at": now, "updated_at": now},
                    status_in=["pending_approval"],
                )
                R.close_pending(connection, batch_id, "cancelled", {"updated_at": now})
            self.automations.expire_approval(batch_id, APPROVAL_STEP)
        return len(ids)

    # -- reads -------------------------------------------------------------------------------

    def batch(self, platform_id: str, batch_id: str) -> S.Batch:
        with AR.reading(self.engine) as connection:
            row = R.batch(connection, platform_id, batch_id)
        if row is None:
            raise PaymentBatchNotFound(f"payment batch {batch_id!r} does not exist")
        return batch_model(row)

    def batches(
        self,
        platform_id: str,
        *,
        status: str | None = None,
        source_wallet_id: str | None = None,
        starting_after: str | None = None,
        limit: int = 20,
    ) -> S.ListPage[S.Batch]:
        return self.automations.listed(
            S.ListPage[S.Batch],
            lambda _connection, row: batch_model(row),
            R.BATCHES,
            platform_id,
            {"status": status, "source_wallet_id": source_wallet_id},
            starting_after=starting_after,
            limit=limit,
        )

    def lines(
        self,
        platform_id: str,
        batch_id: str,
        *,
        status: str | None = None,
        starting_after: int | None = None,
        limit: int = 100,
    ) -> S.ListPage[S.Line]:
        self.batch(platform_id, batch_id)  # 404 for another platform's batch
        with AR.reading(self.engine) as connection:
            rows, more = R.lines_page(
                connection, batch_id, status=status, starting_after=starting_after, limit=limit
            )
        return S.ListPage[S.Line](
            data=[line_model(row) for row in self.opened(rows)], has_more=more
        )

    def opened(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``rows`` of lines with their personal data unsealed (iban, bic, name, reference)."""
        sealer = self.sealer
        return [{**row, **payees.unseal(sealer, row["payee_enc"])} for row in rows]

    def pain001(self, platform_id: str, batch_id: str) -> str:
        """The pain.001 file of the batch's bank lines (built again: the same bytes)."""
        batch = self.batch(platform_id, batch_id)
        if batch.payout_batch_id is None:
            raise PaymentBatchState(
                f"payment batch {batch_id} has no pain.001 file: it has no bank lines, "
                "or they are not paid out yet"
            )
        return self.wallets_of(platform_id).payouts.payout_batch(batch.payout_batch_id).xml

    # -- limits ------------------------------------------------------------------------------

    def _limits_model(self, currency: str, row: Mapping[str, Any] | None) -> S.Limits:
        settings = self.settings
        defaults = {
            "max_lines": settings.payroll_max_lines,
            "max_line_amount": settings.payroll_max_line_amount,
            "max_batch_total": settings.payroll_max_batch_total,
        }
        own = {} if row is None else {k: row[k] for k in LIMIT_FIELDS if row[k] is not None}
        value = {name: int(own.get(name, defaults[name])) for name in LIMIT_FIELDS}
        return S.Limits(
            currency=currency,
            max_lines=value["max_lines"],
            max_line_amount=value["max_line_amount"],
            max_batch_total=value["max_batch_total"],
            set_by_platform=list(own),
            updated_by=None if row is None else row["updated_by"],
            updated_at=None if row is None else from_micros(row["updated_at"]),
        )

    def limits(self, platform_id: str, currency: str) -> S.Limits:
        """The limits a batch of ``platform_id`` in ``currency`` is validated against: the
        platform's own, the default settings for those it did not set."""
        with AR.reading(self.engine) as connection:
            rows = R.limits(connection, platform_id, currency)
        return self._limits_model(currency, rows[0] if rows else None)

    def all_limits(self, platform_id: str) -> S.ListPage[S.Limits]:
        """The limits of every currency the platform set some for."""
        with AR.reading(self.engine) as connection:
            rows = R.limits(connection, platform_id, None)
        data = [self._limits_model(row["currency"], row) for row in rows]
        return S.ListPage[S.Limits](data=data, has_more=False)

    def set_limits(
        self, platform_id: str, currency: str, request: S.LimitsSet, *, actor: str
    ) -> S.Limits:
        """Set the platform's limits in ``currency`` (a field left null: the default)."""
        currency = check_currency(currency)
        values = request.model_dump()
        with AR.unit(self.engine) as connection:
            R.put_limits(
                connection,
                {
                    "platform_id": platform_id,
                    "currency": currency,
                    **values,
                    "updated_by": actor,
                    "updated_at": self.now_micros(),
                },
            )
        return self.limits(platform_id, currency)

    def reset_limits(self, platform_id: str, currency: str) -> S.Limits:
        """Back to the default settings in ``currency``."""
        currency = check_currency(currency)
        with AR.unit(self.engine) as connection:
            R.delete_limits(connection, platform_id, currency)
        return self.limits(platform_id, currency)
