"""The card gateway of a live platform when no real one is configured: every call is
refused with :class:`~coffer.errors.LiveGatewayMissing` (a live platform never falls back
to the sandbox, whose test cards would mint money)."""

from __future__ import annotations

from typing import NoReturn, Unpack

from coffer.errors import LiveGatewayMissing
from coffer.wallets.gateways.base import GatewayIntent, GatewayRefund, IntentRequest


def _refuse() -> NoReturn:
    raise LiveGatewayMissing(
        "this live platform has no card gateway: set COFFER_STRIPE_SECRET_KEY (live "
        "platforms never use the sandbox gateway)"
    )


class MissingGateway:
    name = "none"

    def check_source(self, *, card_number: str | None, payment_method: str | None) -> None:
        _refuse()

    def create_intent(self, **request: Unpack[IntentRequest]) -> GatewayIntent:
        _refuse()

    def complete_challenge(
        self, intent: GatewayIntent, *, approve: bool, capture_method: str
    ) -> GatewayIntent:
        _refuse()

    def capture(self, intent: GatewayIntent, *, amount: int, idempotency_key: str) -> GatewayIntent:
        _refuse()

    def cancel(self, intent: GatewayIntent, *, idempotency_key: str) -> GatewayIntent:
        _refuse()

    def refund(self, intent: GatewayIntent, *, amount: int, idempotency_key: str) -> GatewayRefund:
        _refuse()
