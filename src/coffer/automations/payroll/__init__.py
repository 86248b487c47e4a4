"""Payment batches: payroll and supplier payments (docs/automations.md)."""
