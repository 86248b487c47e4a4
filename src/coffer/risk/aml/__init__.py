"""AML transaction monitoring: typology detectors over the graph of customers and parties."""

from coffer.risk.aml.monitor import TYPOLOGIES, Alert, Monitor, MonitorSettings

__all__ = ["TYPOLOGIES", "Alert", "Monitor", "MonitorSettings"]
