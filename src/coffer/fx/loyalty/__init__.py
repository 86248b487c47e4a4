"""Loyalty programs: points as a house currency in the wallets ledger (see service.py)."""
