"""Payment batch lines' personal data sealed, and per-platform limits of payment batches
(coffer.automations.payroll.tables).

``payment_batch_lines``: the clear ``iban``, ``bic``, ``name`` and ``reference`` become one
value, ``payee_enc``, sealed by the master key; ``id`` (``<batch id>:<line number>``)
names a line in one column (what ``coffer keys rotate`` pages through); an index on
``wallet_id`` finds the lines of an erased customer's wallets.

The lines already there keep their personal data in clear, moved into ``payee_enc`` in
the payload's form (base64 of a JSON object, no ``:``): a migration cannot reach the
master key (a key file or a setting of the server, not of the database). Coffer reads
both forms, and ``coffer keys rotate`` seals every value still in clear
(coffer.automations.payroll.payees, docs/automations.md).

Revision ID: 0037_payroll_payees
Revises: 0036_loyalty_keys
"""

from __future__ import annotations

import base64
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0037_payroll_payees"
down_revision = "0036_loyalty_keys"
branch_labels = None
depends_on = None

FIELDS = ("iban", "bic", "name", "reference")
CHUNK = 1000


def _encoded(row: Any) -> str | None:
    values = {name: row[name] for name in FIELDS if row[name] is not None}
    if not values:
        return None
    text = json.dumps(values, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode()


def upgrade() -> None:
    with op.batch_alter_table("payment_batch_lines") as batch:
        batch.add_column(sa.Column("id", sa.String(60), nullable=True))
        batch.add_column(sa.Column("payee_enc", sa.Text(), nullable=True))
    lines = sa.table(
        "payment_batch_lines",
        sa.column("batch_id", sa.String),
        sa.column("line_number", sa.Integer),
        sa.column("id", sa.String),
        sa.column("payee_enc", sa.Text),
        *(sa.column(name, sa.String) for name in FIELDS),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(lines.c.batch_id, lines.c.line_number, *(lines.c[name] for name in FIELDS))
    ).mappings()
    update = (
        sa.update(lines)
        .where(lines.c.batch_id == sa.bindparam("b"), lines.c.line_number == sa.bindparam("n"))
        .values(id=sa.bindparam("i"), payee_enc=sa.bindparam("p"))
    )
    pending: list[dict[str, Any]] = []
    for row in rows.fetchall():
        pending.append(
            {
                "b": row["batch_id"],
                "n": row["line_number"],
                "i": f"{row['batch_id']}:{row['line_number']}",
                "p": _encoded(row),
            }
        )
        if len(pending) >= CHUNK:
            connection.execute(update, pending)
            pending = []
    if pending:
        connection.execute(update, pending)
    with op.batch_alter_table("payment_batch_lines") as batch:
        batch.alter_column("id", existing_type=sa.String(60), nullable=False)
        for name in FIELDS:
            batch.drop_column(name)
    op.create_index("ux_payment_batch_lines_id", "payment_batch_lines", ["id"], unique=True)
    op.create_index("ix_payment_batch_lines_wallet", "payment_batch_lines", ["wallet_id"])
    op.create_table(
        "payment_batch_limits",
        sa.Column("platform_id", sa.String(40), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("max_lines", sa.Integer(), nullable=True),
        shapes.amount_column("max_line_amount", nullable=True),
        shapes.amount_column("max_batch_total", nullable=True),
        shapes.actor_column("updated_by"),
        shapes.time_column("updated_at"),
    )


def downgrade() -> None:
    # sealed values cannot be read here (no master key): the lines lose their personal data
    op.drop_table("payment_batch_limits")
    op.drop_index("ix_payment_batch_lines_wallet", table_name="payment_batch_lines")
    op.drop_index("ux_payment_batch_lines_id", table_name="payment_batch_lines")
    with op.batch_alter_table("payment_batch_lines") as batch:
        batch.add_column(sa.Column("iban", sa.String(34), nullable=True))
        batch.add_column(sa.Column("bic", sa.String(11), nullable=True))
        batch.add_column(sa.Column("name", sa.String(140), nullable=True))
        batch.add_column(sa.Column("reference", sa.String(140), nullable=True))
        batch.drop_column("payee_enc")
        batch.drop_column("id")
