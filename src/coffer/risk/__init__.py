"""Risk and compliance: fraud scoring, AML monitoring, sanctions screening, cases."""
