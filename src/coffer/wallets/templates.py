"""The Numscript templates behind every money movement of the wallets domain.

Each template is run with :meth:`coffer.ledger.Ledger.run` and variables only (never string
interpolation), and an idempotency key derived from the domain object's id and step, so a
retry after a crash returns the first result instead of moving money twice. The chart of
accounts is documented in ``docs/wallets.md``.
"""

from __future__ import annotations

from coffer.wallets.currencies import monetary

# Money arriving from outside (card network, bank): the external account may go negative,
# which is how the ledger records money that entered the platform.
PAYIN = """\
vars {
  account $external
  account $wallet
  monetary $amount
}
send $amount (
  source = $external allowing unbounded overdraft
  destination = $wallet
)
"""

# Wallet to wallet, one currency: debited = credited + fee, the fee to the platform.
TRANSFER = """\
vars {
  account $from
  account $to
  monetary $amount
  monetary $fee
}
send $amount (
  source = $from
  destination = {
    max $fee to @platform:fees
    remaining to $to
  }
)
"""

# Plain move between two accounts that must have the funds (holds, refunds, returns).
MOVE = """\
vars {
  account $from
  account $to
  monetary $amount
}
send $amount (
  source = $from
  destination = $to
)
"""

# Money leaving to the outside (card refund, payout): the external account takes it back.
PAYOUT = MOVE


def payin(external: str, wallet: str, currency: str, amount: int) -> dict[str, str]:
    """The variables of :data:`PAYIN`: ``amount`` of ``currency`` from ``external`` to
    ``wallet``."""
    return {"external": external, "wallet": wallet, "amount": monetary(currency, amount)}


def move(source: str, destination: str, currency: str, amount: int) -> dict[str, str]:
    """The variables of :data:`MOVE` and :data:`PAYOUT`: ``amount`` of ``currency`` from
    ``source`` to ``destination``."""
    return {"from": source, "to": destination, "amount": monetary(currency, amount)}


def _from_wallet_or_credit(destination: str) -> str:
    """``$amount`` from ``$wallet`` to ``$<destination>``; when the wallet is short the
    platform's credit wallet advances the rest (it may go negative: the platform's exposure)."""
    return f"""\
vars {{
  account $wallet
  account ${destination}
  monetary $amount
}}
send $amount (
  source = {{
    $wallet
    @platform:credit allowing unbounded overdraft
  }}
  destination = ${destination}
)
"""


# A dispute takes the disputed amount from the wallet (or the platform's credit).
DISPUTE_OPEN = _from_wallet_or_credit("dispute")

# A refund made outside Coffer (in the gateway's dashboard) has already left: it is taken
# from the wallet (or the platform's credit).
GATEWAY_REFUND = _from_wallet_or_credit("external")


def dispute_open(wallet: str, dispute: str, currency: str, amount: int) -> dict[str, str]:
    """The variables of :data:`DISPUTE_OPEN`."""
    return {"wallet": wallet, "dispute": dispute, "amount": monetary(currency, amount)}


def gateway_refund(wallet: str, external: str, currency: str, amount: int) -> dict[str, str]:
    """The variables of :data:`GATEWAY_REFUND`."""
    return {"wallet": wallet, "external": external, "amount": monetary(currency, amount)}


# A won dispute gives back what each side put in.
DISPUTE_WON = """\
vars {
  account $dispute
  account $wallet
  monetary $wallet_amount
  monetary $credit_amount
}
send $wallet_amount (
  source = $dispute
  destination = $wallet
)
send $credit_amount (
  source = $dispute
  destination = @platform:credit
)
"""

# A settled merchant payment or released escrow: the fee to the platform, the rest to the
# seller.
SETTLE = TRANSFER
