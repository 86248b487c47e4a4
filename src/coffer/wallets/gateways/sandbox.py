"""The built-in sandbox card gateway.

It answers like Stripe's test mode for Stripe's published test card numbers:

============================  =========================================
4242424242424242              succeeds
4000000000000002              declined (``generic_decline``)
4000000000009995              declined (``insufficient_funds``)
4000000000003220              3-D Secure challenge, then as approved or denied
============================  =========================================

Any other number that passes the Luhn check succeeds; a number that fails it is refused
with ``invalid_card_number`` before anything is created. The sandbox keeps no state of its
own: the pay-in row carries the intent's state, and the challenge page is served by the
wallets API (``/api/wallets/v1/sandbox/3ds/{payin_id}``).

A ``payment_method`` instead of a card: Stripe's test payment methods stand for the test
cards above (``pm_card_visa`` is ``4242424242424242``, ``pm_card_chargeDeclined`` is
``4000000000000002``..., see :data:`TEST_PAYMENT_METHODS`), so a client written against
Stripe runs unchanged on the sandbox; any other payment method is refused with
``invalid_payment_method`` (the sandbox cannot know what card a real ``pm_...`` stands for).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Unpack

from coffer.errors import IncorrectCardNumber, InvalidPaymentMethod
from coffer.wallets.gateways.base import GatewayIntent, GatewayRefund, IntentRequest

DECLINES = {
    "4000000000000002": "generic_decline",
    "4000000000009995": "insufficient_funds",
}
CHALLENGE = "4000000000003220"
# Stripe's test cards and the test PaymentMethods standing for them (Stripe's test mode
# knows these ids; the sandbox maps them back to the cards).
TEST_PAYMENT_METHODS = {
    "4242424242424242": "pm_card_visa",
    "5555555555554444": "pm_card_mastercard",
    "4000000000000002": "pm_card_chargeDeclined",
    "4000000000009995": "pm_card_chargeDeclinedInsufficientFunds",
    "4000000000003220": "pm_card_threeDSecure2Required",
}
TEST_CARDS = {method: number for number, method in TEST_PAYMENT_METHODS.items()}


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or (
        number[:4].isdigit() and (2221 <= int(number[:4]) <= 2720)
    ):
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    return "unknown"


def normalize(number: str) -> str:
    return number.replace(" ", "").replace("-", "")


class SandboxGateway:
    name = "sandbox"

    @staticmethod
    def _number(card_number: str | None, payment_method: str | None) -> str:
        if payment_method is not None:
            number = TEST_CARDS.get(payment_method)
            if number is None:
                raise InvalidPaymentMethod(
                    "the sandbox takes a raw test card or one of Stripe's test payment methods "
                    f"({', '.join(TEST_CARDS)}); a real payment method needs the Stripe gateway",
                    accepted=list(TEST_CARDS),
                )
            return number
        number = normalize(card_number or "")
        if not luhn_valid(number):
            raise IncorrectCardNumber(
                "the card number is incorrect (it fails the Luhn check): check its digits",
                param="card[number]",
            )
        return number

    def check_source(self, *, card_number: str | None, payment_method: str | None) -> None:
        self._number(card_number, payment_method)

    def create_intent(self, **request: Unpack[IntentRequest]) -> GatewayIntent:
        number = self._number(request["card_number"], request["payment_method"])
        key = request["idempotency_key"]
        reference = "sbx_pi_" + hashlib.sha256(key.encode()).hexdigest()[:24]
        intent = GatewayIntent(
            reference=reference,
            status="processing",
            amount=request["amount"],
            amount_capturable=0,
            amount_received=0,
            card_last4=number[-4:],
            card_brand=brand(number),
        )
        decline = DECLINES.get(number)
        if decline is not None:
            return replace(intent, status="requires_payment_method", decline_code=decline)
        if number == CHALLENGE:
            return replace(intent, status="requires_action", requires_challenge=True)
        return self._authorized(intent, request["capture_method"])

    @staticmethod
    def _authorized(intent: GatewayIntent, capture_method: str) -> GatewayIntent:
        if capture_method == "manual":
            return replace(intent, status="requires_capture", amount_capturable=intent.amount)
        return replace(intent, status="succeeded", amount_received=intent.amount)

    def complete_challenge(
        self, intent: GatewayIntent, *, approve: bool, capture_method: str = "automatic"
    ) -> GatewayIntent:
        if not approve:
            return replace(
                intent,
                status="requires_payment_method",
                decline_code="authentication_required",
                requires_challenge=False,
            )
        return self._authorized(replace(intent, requires_challenge=False), capture_method)

    def capture(self, intent: GatewayIntent, *, amount: int, idempotency_key: str) -> GatewayIntent:
        return replace(intent, status="succeeded", amount_capturable=0, amount_received=amount)

    def cancel(self, intent: GatewayIntent, *, idempotency_key: str) -> GatewayIntent:
        return replace(intent, status="canceled", amount_capturable=0)

    def refund(self, intent: GatewayIntent, *, amount: int, idempotency_key: str) -> GatewayRefund:
        reference = "sbx_re_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        return GatewayRefund(reference=reference, status="succeeded", amount=amount)
