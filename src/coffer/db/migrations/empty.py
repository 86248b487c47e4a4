"""The body of a revision that changes nothing.

A few revisions were numbered for work that landed in later ones. They stay in the chain
(a deployed database may be stamped at one of them) and take their ``upgrade`` and
``downgrade`` from here.
"""

from __future__ import annotations


def upgrade() -> None:
    """Nothing to create."""


def downgrade() -> None:
    """Nothing to remove."""
