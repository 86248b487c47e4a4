"""The wallets domain's SQL for the list endpoints: one paging and filtering helper for
every resource."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from coffer.wallets import tables as T
from coffer.wallets.repository.rows import Row, owned

# -- lists: one paging and filtering helper for every resource ------------------------

WalletOwned = Callable[[Any], "sa.ColumnElement[bool]"]


@dataclass(frozen=True)
class Listing:
    """How a resource's rows are filtered by the list endpoints' common parameters.

    ``wallet`` is the condition "belongs to one of these wallets" (given a list of ids or
    a select of them); ``customer_column`` the column naming the owning customer, for
    resources that name one directly (the customer filter of the others goes through the
    customer's wallets); ``has_status`` whether the ``status`` filter applies."""

    table: sa.Table
    wallet: WalletOwned
    customer_column: str | None = None
    has_status: bool = True


def _of_wallets(*columns: sa.Column[Any]) -> WalletOwned:
    return lambda ids: sa.or_(*(column.in_(ids) for column in columns))


def _customers_of(ids: Any) -> Any:
    return sa.select(T.wallets.c.customer_id).where(T.wallets.c.id.in_(ids))


def _payins_of(ids: Any) -> Any:
    return sa.select(T.payins.c.id).where(T.payins.c.wallet_id.in_(ids))


def _payments_of(ids: Any) -> Any:
    payments = T.payments.c
    return sa.select(payments.id).where(
        sa.or_(payments.buyer_wallet_id.in_(ids), payments.seller_wallet_id.in_(ids))
    )


LISTINGS: dict[str, Listing] = {
    "customers": Listing(
        T.customers,
        lambda ids: T.customers.c.id.in_(_customers_of(ids)),
        customer_column="id",
        has_status=False,
    ),
    "kyc_documents": Listing(
        T.kyc_documents,
        lambda ids: T.kyc_documents.c.customer_id.in_(_customers_of(ids)),
        customer_column="customer_id",
    ),
    "wallets": Listing(T.wallets, _of_wallets(T.wallets.c.id), customer_column="customer_id"),
    "transfers": Listing(
        T.transfers, _of_wallets(T.transfers.c.debited_wallet_id, T.transfers.c.credited_wallet_id)
    ),
    "payments": Listing(
        T.payments, _of_wallets(T.payments.c.buyer_wallet_id, T.payments.c.seller_wallet_id)
    ),
    "payins": Listing(T.payins, _of_wallets(T.payins.c.wallet_id)),
    "refunds": Listing(
        T.refunds,
        lambda ids: sa.or_(
            sa.and_(T.refunds.c.target_type == "payin", T.refunds.c.target_id.in_(_payins_of(ids))),
            sa.and_(
                T.refunds.c.target_type == "payment", T.refunds.c.target_id.in_(_payments_of(ids))
            ),
        ),
    ),
    "disputes": Listing(T.disputes, lambda ids: T.disputes.c.payin_id.in_(_payins_of(ids))),
    "bank_accounts": Listing(
        T.bank_accounts,
        lambda ids: T.bank_accounts.c.customer_id.in_(_customers_of(ids)),
        customer_column="customer_id",
        has_status=False,
    ),
    "payouts": Listing(T.payouts, _of_wallets(T.payouts.c.wallet_id)),
}


def list_conditions(
    listing: Listing,
    *,
    customer_id: str | None,
    wallet_id: str | None,
    status: str | None,
    created_from: int | None,
    created_before: int | None,
) -> list[sa.ColumnElement[bool]]:
    """The WHERE conditions of a list request's filters (all of them must hold)."""
    table = listing.table
    conditions: list[sa.ColumnElement[bool]] = []
    if customer_id is not None:
        if listing.customer_column is not None:
            conditions.append(table.c[listing.customer_column] == customer_id)
        else:
            owned = sa.select(T.wallets.c.id).where(T.wallets.c.customer_id == customer_id)
            conditions.append(listing.wallet(owned))
    if wallet_id is not None:
        conditions.append(listing.wallet([wallet_id]))
    if status is not None:
        conditions.append(table.c.status == status)
    if created_from is not None:
        conditions.append(table.c.created_at >= created_from)
    if created_before is not None:
        conditions.append(table.c.created_at < created_before)
    return conditions


def payout_batch_ids(
    connection: sa.Connection,
    conditions: Sequence[sa.ColumnElement[bool]],
    *,
    starting_after: str | None,
    limit: int,
) -> tuple[list[str], bool]:
    """Ids of payout batches holding a payout that meets ``conditions``, newest first."""
    batch = T.payouts.c.batch_id
    statement = (
        sa.select(batch)
        .distinct()
        .where(batch.is_not(None), owned(connection, T.payouts), *conditions)
    )
    if starting_after is not None:
        statement = statement.where(batch < starting_after)
    ids = list(connection.execute(statement.order_by(batch.desc()).limit(limit + 1)).scalars())
    return ids[:limit], len(ids) > limit


def payouts_of_batch(connection: sa.Connection, batch_id: str) -> list[Row]:
    """The payouts a batch exported, in the order its file lists them."""
    statement = sa.select(T.payouts).where(
        T.payouts.c.batch_id == batch_id, owned(connection, T.payouts)
    )
    rows = connection.execute(statement.order_by(T.payouts.c.id)).mappings()
    return [dict(row) for row in rows]
