"""Automations: programmable wallets. Schedules, event and webhook triggers, CEL
conditions, workflows of money steps with approvals and waits, executed exactly once
through the ledger by durable runs (docs/automations.md).

    from coffer.automations import open_automations
    from coffer.wallets import open_wallets

    automations = open_automations(open_wallets(coffer.open(url)))
"""

from coffer.automations.service import AutomationsPlatform, open_automations
from coffer.automations.tasks import Worker

__all__ = ["AutomationsPlatform", "Worker", "open_automations"]
