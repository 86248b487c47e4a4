"""Spending policies on wallets (like Stripe Issuing's spending controls): per-transaction
maximum, velocity limits per calendar day/week/month, allowed and blocked counterparties
and merchant categories, time-of-day windows; ``enforce`` or ``monitor`` mode. Checked
before money moves, atomically with the movement (docs/automations.md, "Spending
policies").

    from coffer.automations.policies import open_spending_policies

    policies = open_spending_policies(wallets)  # registers the check on the wallets
"""

from coffer.automations.policies.check import SpendingPolicyCheck
from coffer.automations.policies.service import SpendingPolicies, open_spending_policies

__all__ = ["SpendingPolicies", "SpendingPolicyCheck", "open_spending_policies"]
