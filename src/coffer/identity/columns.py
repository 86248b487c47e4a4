"""Columns every identity table declares alike: a row's id, the platform its user or
operator belongs to, the subject a sign-in factor is of, and times in microseconds."""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db.columns import id_column, ref_column


def owned_id_columns() -> list[sa.Column[str]]:
    """A row's ``id`` (``usr_...``, ``op_...``) and the ``platform_id`` it belongs to."""
    return [id_column(), platform_id_column()]


def platform_id_column() -> sa.Column[str]:
    """The platform of the row's user or operator."""
    return sa.Column("platform_id", sa.String(64), nullable=False)


def subject_columns(*, primary_key: bool = False) -> list[sa.Column[str]]:
    """Whose factor a row is (an operator's or a user's id) and that subject's platform."""
    subject = (
        sa.Column("subject", sa.String(64), primary_key=True)
        if primary_key
        else sa.Column("subject", sa.String(64), nullable=False)
    )
    return [subject, platform_id_column()]


def subject_index(table: str) -> sa.Index:
    """The index ``ix_<table>_subject`` that finds a subject's factors."""
    return sa.Index(f"ix_{table}_subject", "subject")


def user_row_columns() -> list[sa.Column[str]]:
    """The id, platform and user of a row a wallet app user owns."""
    user = ref_column("user_id", sa.ForeignKey("app_users.id"))
    return [*owned_id_columns(), user]
