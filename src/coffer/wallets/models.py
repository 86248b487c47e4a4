"""Rows to the API's models, for the resources more than one service answers with."""

from __future__ import annotations

from coffer.db.columns import model_from_row
from coffer.wallets import schemas as S
from coffer.wallets.common import Row

_LEDGER_TX = {"ledger_transaction_id": "ledger_tx_id"}


def transfer_model(row: Row) -> S.Transfer:
    credited = row["amount"] - row["fee"]
    return model_from_row(S.Transfer, row, _LEDGER_TX, credited_amount=credited)


def payment_model(row: Row) -> S.Payment:
    return model_from_row(S.Payment, row)


def redacted_customer(row: Row) -> S.RedactedCustomer:
    return model_from_row(S.RedactedCustomer, row)


def refund_model(row: Row) -> S.Refund:
    return model_from_row(S.Refund, row)
