"""Operator roles and what each may do in the console.

- ``admin``: everything, including operators, API clients, the audit log, risk rules and
  lists, automations (pause, resume, archive, approvals) and manual exchange rates.
- ``analyst``: reads everything (ledgers, customers, payments, the audit log) and decides
  risk cases; changes nothing else.
- ``support``: reads customers and payments, reviews KYC documents, freezes wallets,
  replays webhook deliveries.
- ``viewer``: reads the overview, ledgers, wallets, payments, risk, automations and FX; no
  customers' documents, no audit log, changes nothing.

TOTP is required for ``admin`` and ``analyst`` (they see or change the most).
"""

from __future__ import annotations

from typing import Final

ROLES: Final = ("admin", "analyst", "support", "viewer")
MFA_REQUIRED_ROLES: Final = frozenset({"admin", "analyst"})

PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    "ledger.read": frozenset({"admin", "analyst", "support", "viewer"}),
    "wallets.read": frozenset({"admin", "analyst", "support", "viewer"}),
    "customers.read": frozenset({"admin", "analyst", "support"}),
    "kyc.review": frozenset({"admin", "support"}),
    "wallets.freeze": frozenset({"admin", "support"}),
    "payouts.export": frozenset({"admin", "analyst"}),
    "webhooks.read": frozenset({"admin", "analyst", "support"}),
    "webhooks.replay": frozenset({"admin", "support"}),
    "clients.read": frozenset({"admin", "analyst"}),
    "clients.manage": frozenset({"admin"}),
    "operators.read": frozenset({"admin", "analyst"}),
    "operators.manage": frozenset({"admin"}),
    "audit.read": frozenset({"admin", "analyst"}),
    "risk.read": frozenset({"admin", "analyst", "support", "viewer"}),
    "risk.decide": frozenset({"admin", "analyst"}),
    "risk.manage": frozenset({"admin"}),
    "automations.read": frozenset({"admin", "analyst", "support", "viewer"}),
    "automations.manage": frozenset({"admin"}),
    "automations.approve": frozenset({"admin"}),
    "fx.read": frozenset({"admin", "analyst", "support", "viewer"}),
    "fx.manage": frozenset({"admin"}),
}


def allows(role: str, permission: str) -> bool:
    return role in PERMISSIONS.get(permission, frozenset())


def requires_mfa(role: str) -> bool:
    return role in MFA_REQUIRED_ROLES
