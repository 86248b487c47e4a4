"""Coffer command line (Typer)."""
