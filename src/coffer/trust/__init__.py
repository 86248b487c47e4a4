"""Trust beyond the journal: the money-state tables checked by ``coffer verify``.

See :mod:`coffer.trust.money_state` and docs/security.md ("Money state outside the
journal")."""

from coffer.trust.money_state import MoneyStateReport, verify_money_state

__all__ = ["MoneyStateReport", "verify_money_state"]
