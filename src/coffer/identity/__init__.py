"""Identity: who acts on Coffer (API clients, operators) and the audit log of what they did."""
