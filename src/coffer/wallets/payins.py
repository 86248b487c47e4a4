"""Pay-ins: card payments (PaymentIntent states, 3-D Secure, manual capture), bank
transfers, refunds and disputes.

Card pay-ins credit the wallet only when money is captured (``succeeded``): the ledger
moves it from ``external:card:<gateway>`` into ``wallets:<id>``. Bank transfers come from
``external:bank:<gateway>``. A refund is a ledger hold from the wallet back to the external
account, posted once the gateway confirms the refund (voided if it fails). A dispute moves
the disputed amount into ``disputes:<id>``, taking what the wallet lacks from the platform's
credit wallet; a won dispute gives each side its part back, a lost one sends it out.

A card comes as a raw ``card`` (the sandbox, Stripe's test cards) or as the gateway's
``payment_method`` id (Stripe.js); only its last four digits and brand are stored. With
Stripe, what happens after the pay-in was created (3-D Secure passed or failed, an
authorization captured or expired elsewhere) arrives by signed webhook:
:meth:`Payins.handle_stripe_event` moves the pay-in along its state machine, each change at
most once (a compare-and-set on the status; the ledger credit has its idempotency key), so
a replayed or late event changes nothing.
"""

from __future__ import annotations

from coffer.wallets import repository as R
from coffer.wallets import tables as T
from coffer.wallets.gateway_events import GatewayEvents
from coffer.wallets.payin_base import (
    CHALLENGE_PATH,
    MAX_WEBHOOK_BYTES,
    PAYIN_EVENTS,
    STRIPE_DISPUTE_EVENTS,
    STRIPE_EVENTS,
    STRIPE_REFUND_EVENTS,
    dispute_model,
)


class Payins(GatewayEvents):
    """Card and bank pay-ins, their refunds and disputes, and the gateway's webhooks (one
    module each: card_payins, payin_refunds, disputes, gateway_events)."""

    def resume_pending(self, *, limit: int = 100) -> int:
        """Finish pay-ins left ``processing`` and disputes left ``pending`` by a crash."""
        with self.core.unit() as connection:
            payin_ids = R.ids_in_status(connection, T.payins, "processing", limit)
            dispute_ids = R.stuck(connection, T.disputes, R.now_micros(), limit)
        for payin_id in payin_ids:
            self._credit(self._row(payin_id))
        for dispute_id in dispute_ids:
            self._take_disputed(dispute_id)
        return len(payin_ids) + len(dispute_ids)


__all__ = [
    "CHALLENGE_PATH",
    "MAX_WEBHOOK_BYTES",
    "PAYIN_EVENTS",
    "STRIPE_DISPUTE_EVENTS",
    "STRIPE_EVENTS",
    "STRIPE_REFUND_EVENTS",
    "Payins",
    "dispute_model",
]
