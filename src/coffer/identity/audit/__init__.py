"""The audit log: administrative and security-relevant actions, hash-chained.

Other domains record their actions with :func:`record` (inside their own database
transaction) or :func:`record_now` (in a transaction of its own)::

    from coffer.identity.audit import record

    record(connection, actor="cl_123", action="wallet.frozen", target="wa_42",
           address="203.0.113.9", details={"reason": "fraud review"})

Services that act for someone take an :class:`Actor` (who, from where; ``SYSTEM`` by
default) and call :func:`record_by` in the transaction of the change.

``coffer verify`` checks the chain (:func:`verify_audit_chain`); ``coffer audit`` and
``GET /api/admin/v1/audit`` (scope ``admin``) read it.
"""

from coffer.identity.audit.service import (
    SYSTEM,
    Actor,
    AuditEntry,
    AuditReport,
    list_entries,
    record,
    record_by,
    record_now,
    record_sign_in,
    verify_audit_chain,
)

__all__ = [
    "SYSTEM",
    "Actor",
    "AuditEntry",
    "AuditReport",
    "list_entries",
    "record",
    "record_by",
    "record_now",
    "record_sign_in",
    "verify_audit_chain",
]
