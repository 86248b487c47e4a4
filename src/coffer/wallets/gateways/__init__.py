"""Card gateways: the built-in sandbox and a Stripe adapter behind one interface."""

from coffer.wallets.gateways.base import CardGateway, GatewayEvent, GatewayIntent, GatewayRefund
from coffer.wallets.gateways.sandbox import SandboxGateway
from coffer.wallets.gateways.stripe import StripeGateway

__all__ = [
    "CardGateway",
    "GatewayEvent",
    "GatewayIntent",
    "GatewayRefund",
    "SandboxGateway",
    "StripeGateway",
]
