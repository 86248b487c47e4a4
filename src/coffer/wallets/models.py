"""Rows to the API's models, for the resources more than one service answers with."""

from __future__ import annotations

import functools

from coffer.db.columns import model_from_row
from coffer.wallets import schemas as S
from coffer.wallets.common import Row

_LEDGER_TX = {"ledger_transaction_id": "ledger_tx_id"}


def transfer_model(row: Row) -> S.Transfer:
    credited = row["amount"] - row["fee"]
    return model_from_row(S.Transfer, row, _LEDGER_TX, credited_amount=credited)


payment_model = functools.partial(model_from_row, S.Payment)
redacted_customer = functools.partial(model_from_row, S.RedactedCustomer)
refund_model = functools.partial(model_from_row, S.Refund)
