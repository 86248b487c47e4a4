"""The online risk path: the check before money moves, rules, lists, cases, screening.

``open_risk(wallets)`` builds the :class:`RiskService` of a wallets platform and registers
it as the wallets' ``risk`` check (unless ``COFFER_RISK_CHECKS_ENABLED`` is false: then the
service still answers the API, and no movement is checked).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from coffer.risk.online.service import RiskService
from coffer.settings import Settings, get_settings

if TYPE_CHECKING:
    from coffer.wallets.platform import WalletPlatform

__all__ = ["RiskService", "open_risk"]


def open_risk(
    wallets: WalletPlatform,
    settings: Settings | None = None,
    platforms: Callable[[str], WalletPlatform] | None = None,
) -> RiskService:
    """The risk service of the database of ``wallets``, checking its movements. It serves
    every platform: another platform's wallets domain comes from ``platforms`` (by id; by
    default opened on first use) and is checked too."""
    settings = settings or get_settings()
    service = RiskService(wallets, settings, platforms)
    service.attach(wallets)
    return service
