"""What steps reach outside the run: the read-only lookups expressions call and the action
steps (transfer, payment, hold, refund, payout, convert, numscript, webhook) through the
wallets, fx and ledger services, scoped to the automation's owner.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from coffer.automations.core import AutomationsCore
from coffer.automations.outbound import post_webhook
from coffer.automations.runstate import StepError
from coffer.errors import CofferError


class StepActions(AutomationsCore):
    """Lookups and actions for the executor; the platform's second layer."""

    def _owned_wallet(self, automation: Mapping[str, Any], wallet_id: str) -> Any:
        """A customer's automation may spend only from that customer's wallets (a
        platform's automation is not checked here: the service checks the wallet)."""
        owner = automation["owner_customer_id"]
        if not owner:
            return None
        wallet = self._automation_wallets(automation).wallets.wallet(wallet_id)
        if wallet.customer_id != owner:
            raise StepError(
                f"wallet {wallet_id} is not a wallet of customer {owner}, whose automation this is"
            )
        return wallet

    def _automation_wallets(self, automation: Mapping[str, Any]) -> Any:
        """The wallets domain of the automation's platform (never another platform's)."""
        return self.platform_wallets(str(automation["platform_id"]))

    def lookups(self, automation: Mapping[str, Any]) -> dict[str, Callable[..., Any]]:
        """The read-only functions expressions may call, scoped to the automation's owner."""
        wallets = self._automation_wallets(automation).wallets

        def readable(wallet_id: str) -> Any:
            return self._owned_wallet(automation, wallet_id) or wallets.wallet(wallet_id)

        def balance(wallet_id: str) -> int:
            return int(readable(wallet_id).balance)

        def available(wallet_id: str) -> int:
            return int(readable(wallet_id).available)

        def kyc_level(customer_id: str) -> str:
            owner = automation["owner_customer_id"]
            if owner and customer_id != owner:
                raise StepError("a customer's automation reads only its own customer")
            return str(wallets.customer(customer_id).kyc_level)

        def wallet_customer(wallet_id: str) -> str:
            return str(wallets.wallet(wallet_id).customer_id or "")

        return {
            "balance": balance,
            "available": available,
            "kyc_level": kyc_level,
            "wallet_customer": wallet_customer,
        }

    def perform(
        self,
        kind: str,
        params: Mapping[str, Any],
        key: str,
        automation: Mapping[str, Any],
        run: Mapping[str, Any],
    ) -> Any:
        """One action step, with the idempotency key derived from (run, step)."""
        from pydantic import ValidationError as PydanticError

        from coffer.wallets import schemas as W

        params = dict(params)
        try:
            platform = self._automation_wallets(automation)
            wallets = platform.wallets
            if kind == "transfer":
                request = self._transfer_request(params, automation, run)
                return wallets.transfer(request, idempotency_key=key).model_dump(mode="json")
            metadata = _metadata(params, run)
            if kind == "payment" or (kind == "hold" and params.get("action") == "create"):
                action = params.pop("action", None)
                self._owned_wallet(automation, str(params["buyer_wallet_id"]))
                capture = bool(params.pop("capture", True)) if action is None else False
                created = W.PaymentCreate(**params, capture=capture, metadata=metadata)
                return wallets.create_payment(created, idempotency_key=key).model_dump(mode="json")
            if kind == "hold":
                return self._hold(str(params["action"]), params, automation)
            if kind == "refund":
                payment = wallets.payment(str(params["payment_id"]))
                self._owned_wallet(automation, payment.seller_wallet_id)
                amount = params.get("amount")
                refund = wallets.refund_payment(
                    payment.id, None if amount is None else int(amount), idempotency_key=key
                )
                return refund.model_dump(mode="json")
            if kind == "payout":
                self._owned_wallet(automation, str(params["wallet_id"]))
                payout = W.PayoutCreate(**params)
                return platform.payouts.create_payout(payout, idempotency_key=key).model_dump(
                    mode="json"
                )
            if kind == "convert":
                from coffer.fx import schemas as F

                self._owned_wallet(automation, str(params["from_wallet_id"]))
                conversion = F.CrossBorderTransferCreate(**params, metadata=metadata)
                fx = self.fx_of(platform.platform_id)
                return fx.conversions.transfer(conversion, idempotency_key=key).model_dump(
                    mode="json"
                )
            if kind == "numscript":
                ledger_name = str(params.get("ledger") or "main")
                owner = self.coffer.ledger_owner(ledger_name)
                if ledger_name == self.wallets.settings.wallets_ledger or (owner and owner[1]):
                    raise StepError(
                        "a numscript step cannot write the wallets' ledger; name another ledger"
                    )
                if owner is not None and owner[0] != platform.platform_id:  # as if it did not exist
                    raise StepError(f"ledger {ledger_name!r} is not a ledger of this platform")
                variables = {str(k): str(v) for k, v in (params.get("vars") or {}).items()}
                ledger = self.coffer.ledger(ledger_name, platform_id=platform.platform_id)
                result = ledger.run(
                    str(params["script"]), variables, metadata=metadata, idempotency_key=key
                )
                return {"ledger": ledger_name, "transaction_id": getattr(result, "id", None)}
            if kind == "webhook":
                url = str(params["url"])
                # the webhook endpoints' egress policy: https and public addresses on live
                # platforms, checked after DNS resolution (docs/security.md)
                target = platform.webhooks.check_url(url, platform.platform_id)
                return post_webhook(
                    self.http,
                    url,
                    params.get("body") or {},
                    message_id=key,
                    secret=self._secret(automation),
                    timeout_seconds=self.settings.automation_webhook_timeout_seconds,
                    target=target,
                )
            raise StepError(f"unknown step type {kind}")
        except PydanticError as error:
            raise _step_error(kind, error) from error

    def perform_transfers(
        self, wanted: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]]
    ) -> dict[str, Any]:
        """Transfer steps of many runs in one ``transfer_many`` (each with its step's
        idempotency key): idempotency key -> the transfer's output or the error refusing
        it (an exception of the whole call: every transfer's outcome, unknown)."""
        from pydantic import ValidationError as PydanticError

        outcomes: dict[str, Any] = {}
        by_platform: dict[str, list[Any]] = {}  # each platform's transfers, on its wallets
        for key, params, automation, run in wanted:
            try:
                request = self._transfer_request(dict(params), automation, run)
            except PydanticError as error:
                outcomes[key] = _step_error("transfer", error)
            except CofferError as error:
                outcomes[key] = error
            else:
                by_platform.setdefault(str(automation["platform_id"]), []).append((request, key))
        for platform_id, items in by_platform.items():
            try:
                results = self.platform_wallets(platform_id).wallets.transfer_many(items)
            except Exception as error:  # an unknown outcome: each step retries with its key
                outcomes.update({key: error for _, key in items})
                continue
            for (_, key), result in zip(items, results, strict=True):
                assert key is not None
                outcomes[key] = (
                    result if isinstance(result, CofferError) else result.model_dump(mode="json")
                )
        return outcomes

    def _transfer_request(
        self, params: dict[str, Any], automation: Mapping[str, Any], run: Mapping[str, Any]
    ) -> Any:
        from coffer.wallets import schemas as W

        metadata = _metadata(params, run)
        self._owned_wallet(automation, str(params["debited_wallet_id"]))
        return W.TransferCreate(**params, metadata=metadata)

    def _hold(self, action: str, params: Mapping[str, Any], automation: Mapping[str, Any]) -> Any:
        """capture / void / release / return a payment: adopts the outcome when a first
        attempt already did it (a retry after a crash)."""
        wallets = self._automation_wallets(automation).wallets
        payment = wallets.payment(str(params["payment_id"]))
        # capture/void spend the buyer's hold; release/return move the seller's escrow
        spender = (
            payment.buyer_wallet_id if action in ("capture", "void") else payment.seller_wallet_id
        )
        if automation["owner_customer_id"] and action in ("capture", "void"):
            self._owned_wallet(automation, spender)
        if action == "capture":
            if payment.status == "captured":
                return payment.model_dump(mode="json")
            amount = params.get("amount")
            return wallets.capture_payment(
                payment.id, None if amount is None else int(amount)
            ).model_dump(mode="json")
        if action == "void":
            if payment.status == "voided":
                return payment.model_dump(mode="json")
            return wallets.void_payment(payment.id).model_dump(mode="json")
        if action == "release":
            if payment.escrow_status == "released":
                return payment.model_dump(mode="json")
            return wallets.release_escrow(payment.id).model_dump(mode="json")
        if payment.escrow_status == "returned":
            return payment.model_dump(mode="json")
        return wallets.return_escrow(payment.id).model_dump(mode="json")


def _step_error(kind: str, error: Any) -> StepError:
    """A step's parameters refused by the service's request model, as a step error."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return StepError(f"{kind} step: {where}: {first['msg']}")


def _metadata(params: dict[str, Any], run: Mapping[str, Any]) -> dict[str, str]:
    """A money step's metadata (taken out of ``params``), naming the run."""
    metadata = {str(k): str(v) for k, v in (params.pop("metadata", None) or {}).items()}
    metadata.setdefault("automation_run_id", str(run["id"]))
    return metadata
