"""The audit log's signed head is published to the witness with the ledgers' checkpoints,
and ``coffer verify --witness`` catches a log rewritten with its hashes recomputed, or
truncated with its head row fixed up: changes its own hash chain cannot show."""

from __future__ import annotations

import sqlalchemy as sa
from tests.ledger.test_witness import _settings, _verify_cli, _witness, _witness_args

import coffer
from coffer.identity.audit import record_now, verify_audit_chain
from coffer.identity.audit.service import GENESIS_HASH, entry_hash
from coffer.identity.audit.witness import AuditHeadPublisher
from coffer.ledger.witness import AUDIT_LOG_STREAM


def _write_log(c: coffer.Coffer, entries: int = 6) -> None:
    for index in range(entries):
        record_now(
            c.engine, actor="cli:ops", action="webhook_endpoint.created", target=f"we_{index}"
        )


def _rechain(engine: sa.Engine, keep: int | None = None) -> None:
    """What a database writer does: recompute every hash (and the head) from the stored
    fields, after dropping the entries past ``keep``."""
    with engine.begin() as connection:
        if keep is not None:
            connection.execute(sa.text("DELETE FROM audit_log WHERE seq > :k"), {"k": keep})
        rows = connection.execute(
            sa.text(
                "SELECT seq, created_at, actor, action, target, address, details"
                " FROM audit_log ORDER BY seq"
            )
        ).all()
        previous = GENESIS_HASH
        for row in rows:
            previous = entry_hash(previous, *row)
            connection.execute(
                sa.text("UPDATE audit_log SET hash = :h WHERE seq = :s"),
                {"h": previous, "s": row.seq},
            )
        connection.execute(
            sa.text("UPDATE audit_head SET next_seq = :n, head_hash = :h"),
            {"n": len(rows) + 1, "h": previous},
        )


def test_verify_publishes_the_signed_head(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with coffer.open(database_url, settings=_settings(tmp_path)) as c:
        _write_log(c)
        assert c.verify().ok
        entries = verify_audit_chain(c.engine).entries
        held = _witness(tmp_path, database_url).published(AUDIT_LOG_STREAM)
        assert held and held[-1].tree_size == entries
        publisher = AuditHeadPublisher(c.engine, c.signer, c.witness)
        assert publisher.publish_if_moved() is True  # first call in this process
        assert publisher.publish_if_moved() is False  # nothing moved since
        record_now(c.engine, actor="cli:ops", action="webhook_endpoint.disabled", target="we_0")
        assert publisher.publish_if_moved() is True
        assert _witness(tmp_path, database_url).published(AUDIT_LOG_STREAM)[-1].tree_size == (
            entries + 1
        )
        report = verify_audit_chain(c.engine, witness=c.witness, public_key=c.signer.public_key)
        assert report.ok and report.witnessed == entries + 1
    result = _verify_cli(database_url, tmp_path, *_witness_args(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"witnessed up to {entries + 1}" in result.stdout


def test_a_rewritten_audit_log_is_caught_by_the_witness(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with coffer.open(database_url, settings=_settings(tmp_path)) as c:
        _write_log(c)
        assert c.verify().ok
        with c.engine.begin() as connection:  # hide who created the second client
            connection.execute(sa.text("UPDATE audit_log SET actor = 'system' WHERE seq = 2"))
        _rechain(c.engine)
        assert verify_audit_chain(c.engine).ok  # the chain alone cannot tell
    assert _verify_cli(database_url, tmp_path).returncode == 0
    result = _verify_cli(database_url, tmp_path, *_witness_args(tmp_path))
    assert result.returncode == 1
    assert "audit log TAMPERED" in result.stdout and "rewritten" in result.stdout


def test_a_truncated_audit_log_is_caught_by_the_witness(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with coffer.open(database_url, settings=_settings(tmp_path)) as c:
        _write_log(c)
        assert c.verify().ok
        entries = verify_audit_chain(c.engine).entries
        _rechain(c.engine, keep=entries - 3)
        assert verify_audit_chain(c.engine).ok
    assert _verify_cli(database_url, tmp_path).returncode == 0
    result = _verify_cli(database_url, tmp_path, *_witness_args(tmp_path))
    assert result.returncode == 1
    assert f"entries {entries - 2} to {entries} were removed" in result.stdout


def test_a_forged_audit_head_in_the_witness_is_reported(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.ledger.test_witness import _checkpoint

    with coffer.open(database_url, settings=_settings(tmp_path)) as c:
        _write_log(c)
        witness = _witness(tmp_path, database_url)
        forged = _checkpoint(3, bytes(32))
        witness.publish(
            type(forged)(
                ledger=AUDIT_LOG_STREAM,
                tree_size=3,
                root=bytes(32),
                created_at=forged.created_at,
                public_key=forged.public_key,
                signature=forged.signature,
            )
        )
        report = verify_audit_chain(c.engine, witness=witness, public_key=c.signer.public_key)
        assert not report.ok and "not signed by the checkpoint key" in str(report)
