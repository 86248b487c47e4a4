"""Personal data: per-customer data keys, erasure (crypto-shredding), export, consents,
retention, the upgrade of rows written before data keys, and the master key's rotation."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

import coffer
from coffer.errors import CustomerErased, ErasureBlocked
from coffer.identity.audit import Actor, list_entries, verify_audit_chain
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets
from coffer.wallets import schemas as S
from coffer.wallets.privacy import schemas as P
from coffer.wallets.privacy.keys import sealed_by_customer_key
from coffer.wallets.privacy.rotation import rotate
from wallets.helpers import fund, make_customer

PHONE = "+33 6 12 34 56 78"
NAME = "Quentin Zyxwvut"
IBAN = "FR1420041010050500013M02606"


def _raw(coffer_db: coffer.Coffer) -> bytes:
    """Everything the database stores: the SQLite files' bytes, or every PostgreSQL row."""
    url = coffer_db.engine.url
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        files = [path, path.with_name(path.name + "-wal")]
        return b"".join(p.read_bytes() for p in files if p.exists())
    metadata = sa.MetaData()
    metadata.reflect(coffer_db.engine)
    texts: list[str] = []
    with coffer_db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                texts.extend(str(value) for value in row)
    return "\n".join(texts).encode()


def _customer(platform: WalletPlatform, name: str = NAME, key: str | None = None) -> S.Customer:
    return platform.wallets.create_customer(
        S.CustomerCreate(
            kind="natural",
            name=name,
            email="quentin@example.org",
            birth_date="1984-02-29",
            address=S.Address(
                line1="3 allee Wxyz", city="Nantes", postal_code="44000", country="FR"
            ),
            metadata={"phone": PHONE, "segment": "gold"},
        ),
        idempotency_key=key,
    )


def _emptied_wallet(platform: WalletPlatform, customer_id: str) -> S.Wallet:
    """A wallet of the customer that received money and sent it all away."""
    wallet = platform.wallets.create_wallet(S.WalletCreate(customer_id=customer_id, currency="EUR"))
    other = make_customer(platform, "Olga Other")
    sink = platform.wallets.create_wallet(S.WalletCreate(customer_id=other.id, currency="EUR"))
    fund(platform, wallet.id, 5_000)
    platform.wallets.transfer(
        S.TransferCreate(
            debited_wallet_id=wallet.id, credited_wallet_id=sink.id, amount=5_000, currency="EUR"
        )
    )
    return wallet


def test_metadata_and_personal_data_are_not_in_the_database_file(
    platform: WalletPlatform, coffer_db: coffer.Coffer
) -> None:
    customer = _customer(platform)
    platform.payouts.add_bank_account(
        S.BankAccountCreate(customer_id=customer.id, holder_name=NAME, iban=IBAN)
    )
    assert platform.wallets.customer(customer.id).metadata == {"phone": PHONE, "segment": "gold"}
    listed = platform.wallets.customers(limit=10).data
    assert [c.metadata["phone"] for c in listed if c.id == customer.id] == [PHONE]
    raw = _raw(coffer_db)
    assert customer.id.encode() in raw
    for secret in (PHONE, "+33 6", "612345678", NAME, "Zyxwvut", "quentin@example", IBAN, "Wxyz"):
        assert secret.encode() not in raw, f"{secret!r} is stored in clear"
    with coffer_db.engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT name_enc, metadata, metadata_enc FROM wallet_customers WHERE id = :i"),
            {"i": customer.id},
        ).one()
    assert sealed_by_customer_key(row.name_enc) and sealed_by_customer_key(row.metadata_enc)
    assert row.metadata == "{}"
    # events carry no personal data, metadata included
    events = platform.webhooks.events(types=["customer.created"]).data
    assert "metadata" not in events[0].data["object"]


def test_a_value_moved_to_another_customer_does_not_decrypt(
    platform: WalletPlatform, coffer_db: coffer.Coffer
) -> None:
    first, second = _customer(platform), _customer(platform, "Other Person")
    with coffer_db.engine.begin() as connection:
        sealed = connection.execute(
            sa.text("SELECT name_enc FROM wallet_customers WHERE id = :i"), {"i": first.id}
        ).scalar_one()
        connection.execute(
            sa.text("UPDATE wallet_customers SET name_enc = :v WHERE id = :i"),
            {"v": sealed, "i": second.id},
        )
    platform.core.drop_cached("customer", second.id)
    with pytest.raises(Exception, match="does not decrypt"):
        platform.wallets.customer(second.id)


def test_erasure_shreds_the_key_keeps_the_money_record_and_verify_passes(
    platform: WalletPlatform, coffer_db: coffer.Coffer
) -> None:
    customer = _customer(platform, key="create-quentin")
    platform.wallets.submit_kyc_document(
        customer.id, S.KycDocumentCreate(type="identity_proof", name=f"{NAME} passport.pdf")
    )
    bank = platform.payouts.add_bank_account(
        S.BankAccountCreate(customer_id=customer.id, holder_name=NAME, iban=IBAN)
    )
    wallet = _emptied_wallet(platform, customer.id)
    statement_before = platform.wallets.statement(wallet.id)
    with coffer_db.engine.connect() as connection:
        wrapped_before = connection.execute(
            sa.text("SELECT wrapped_key FROM privacy_customer_keys WHERE customer_id = :i"),
            {"i": customer.id},
        ).scalar_one()

    erased = platform.privacy.erase(customer.id, actor=Actor("cl_operator", "198.51.100.4"))

    assert erased.erased_at is not None
    assert (erased.name, erased.email, erased.birth_date, erased.address) == ("", None, None, None)
    assert erased.metadata == {}
    assert platform.payouts.bank_account(bank.id).holder_name == ""
    assert platform.wallets.wallet(wallet.id).status == "closed"
    # the legal record of movements remains, with the same balances
    assert platform.wallets.statement(wallet.id) == statement_before
    assert platform.wallets.wallet(wallet.id).balance == 0
    with coffer_db.engine.connect() as connection:
        wrapped = connection.execute(
            sa.text("SELECT wrapped_key FROM privacy_customer_keys WHERE customer_id = :i"),
            {"i": customer.id},
        ).scalar_one()
    assert wrapped is None  # the key is gone: no master key can open the data again
    # the creation's Idempotency-Key record (a hash of the personal data) is gone too
    assert _one(coffer_db, "SELECT count(*) FROM wallet_idempotency_keys") == "0"
    # ...not even from the database file's free space or write-ahead log (SQLite)
    assert wrapped_before.split(":")[1].encode() not in _raw(coffer_db)
    # a new process (fresh caches) with the same master key reads nothing either
    fresh = open_wallets(coffer_db, platform.core.settings)
    assert fresh.wallets.customer(customer.id).name == ""
    assert fresh.privacy.export(customer.id).kyc_documents[0].name is None
    # an erased customer takes no new data
    with pytest.raises(CustomerErased):
        platform.wallets.create_wallet(S.WalletCreate(customer_id=customer.id, currency="USD"))
    with pytest.raises(CustomerErased):
        platform.privacy.record_consent(
            customer.id, P.ConsentCreate(type="terms", version="1", status="granted")
        )
    # erasing again changes nothing
    again = platform.privacy.erase(customer.id)
    assert again.erased_at == erased.erased_at
    assert coffer_db.verify().ok
    assert verify_audit_chain(coffer_db.engine).ok
    entries = list_entries(coffer_db.engine, action="customer.erased")
    assert [(e.actor, e.target, e.address) for e in entries] == [
        ("cl_operator", customer.id, "198.51.100.4")
    ]
    closed = list_entries(coffer_db.engine, action="wallet.closed")
    assert closed[0].target == wallet.id and closed[0].details["reason"] == "erasure"
    events = platform.webhooks.events(limit=100).data
    assert {"customer.erased", "wallet.closed"} <= {e.type for e in events}
    for event in events:  # each in the documented catalogue, with its documented schema
        assert event.type in S.EVENT_TYPES
        schema = S.EVENT_OBJECTS[event.type.split(".")[0]]
        assert (
            schema.model_validate(event.data["object"]).model_dump(mode="json")
            == (event.data["object"])
        )


def test_erasure_is_refused_while_money_is_held(platform: WalletPlatform) -> None:
    customer = _customer(platform)
    wallet = platform.wallets.create_wallet(S.WalletCreate(customer_id=customer.id, currency="EUR"))
    fund(platform, wallet.id, 1_234)
    with pytest.raises(ErasureBlocked) as refused:
        platform.privacy.erase(customer.id)
    assert refused.value.status == 409
    assert refused.value.details["wallets"][wallet.id]["balance"] == 1_234
    # nothing changed
    assert platform.wallets.customer(customer.id).name == NAME
    assert platform.wallets.wallet(wallet.id).status == "active"


def test_erasure_is_refused_while_a_card_payin_waits_for_capture(platform: WalletPlatform) -> None:
    customer = _customer(platform)
    wallet = platform.wallets.create_wallet(S.WalletCreate(customer_id=customer.id, currency="EUR"))
    payin = platform.payins.create_card_payin(
        S.CardPayinCreate(
            wallet_id=wallet.id,
            amount=1_000,
            currency="EUR",
            card=S.Card(number="4242424242424242", exp_month=1, exp_year=2031, cvc="123"),
            capture_method="manual",
        )
    )
    assert payin.status == "requires_capture" and platform.wallets.wallet(wallet.id).balance == 0
    with pytest.raises(ErasureBlocked) as refused:
        platform.privacy.erase(customer.id)
    assert refused.value.details["payins_in_flight"] == 1
    platform.payins.cancel_payin(payin.id)
    assert platform.privacy.erase(customer.id).erased_at is not None


def test_export_holds_everything(platform: WalletPlatform, coffer_db: coffer.Coffer) -> None:
    customer = _customer(platform)
    platform.wallets.submit_kyc_document(
        customer.id, S.KycDocumentCreate(type="identity_proof", name="passport.pdf")
    )
    platform.payouts.add_bank_account(
        S.BankAccountCreate(customer_id=customer.id, holder_name=NAME, iban=IBAN)
    )
    wallet = _emptied_wallet(platform, customer.id)
    platform.privacy.record_consent(
        customer.id, P.ConsentCreate(type="marketing_email", version="2024-01", status="granted")
    )
    document = platform.privacy.export(customer.id, actor=Actor("cli:ops"))
    data = json.loads(document.model_dump_json())
    assert data["customer"]["metadata"]["phone"] == PHONE
    assert data["customer"]["email"] == "quentin@example.org"
    assert [d["name"] for d in data["kyc_documents"]] == ["passport.pdf"]
    assert data["bank_accounts"][0]["iban"] == IBAN
    assert [w["id"] for w in data["wallets"]] == [wallet.id]
    assert [m["amount"] for m in data["movements"]] == [5_000, -5_000]
    assert data["movements_complete"] is True
    assert len(data["transfers"]) == 1 and data["transfers"][0]["debited_wallet_id"] == wallet.id
    assert [c["type"] for c in data["consents"]] == ["marketing_email"]
    entry = list_entries(coffer_db.engine, action="customer.exported")[0]
    assert (entry.actor, entry.target) == ("cli:ops", customer.id)


def test_consents_keep_their_history(platform: WalletPlatform) -> None:
    customer = _customer(platform)
    granted = P.ConsentCreate(type="marketing_email", version="v1", status="granted")
    platform.privacy.record_consent(customer.id, granted, actor=Actor("cl_app", "192.0.2.1"))
    platform.privacy.record_consent(
        customer.id, P.ConsentCreate(type="terms", version="v3", status="granted")
    )
    platform.privacy.record_consent(
        customer.id, P.ConsentCreate(type="marketing_email", version="v1", status="withdrawn")
    )
    listed = platform.privacy.consents(customer.id)
    assert [(c.type, c.status) for c in listed.data] == [
        ("marketing_email", "granted"),
        ("terms", "granted"),
        ("marketing_email", "withdrawn"),
    ]
    assert listed.data[0].recorded_by == "cl_app" and listed.data[0].address == "192.0.2.1"
    assert {k: v.status for k, v in listed.current.items()} == {
        "marketing_email": "withdrawn",
        "terms": "granted",
    }
    events = platform.webhooks.events(types=["consent.granted", "consent.withdrawn"]).data
    assert sorted(e.type for e in events) == ["consent.granted"] * 2 + ["consent.withdrawn"]
    assert S.Consent.model_validate(events[0].data["object"]).customer_id == customer.id


def _legacy_customer(platform: WalletPlatform, coffer_db: coffer.Coffer) -> str:
    """A customer as Coffer wrote it before data keys: sealed by the master key, its
    metadata in clear, no data key."""
    encrypt = platform.core.cipher.encrypt
    with coffer_db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO wallet_customers (id, kind, kyc_level, name_enc, email_enc, "
                "metadata, created_at, updated_at) VALUES "
                "('cus_legacy', 'natural', 'none', :n, :e, :m, 1, 1)"
            ),
            {
                "n": encrypt("Old Timer", context="customer.name"),
                "e": encrypt("old@example.org", context="customer.email"),
                "m": json.dumps({"phone": PHONE}),
            },
        )
        connection.execute(
            sa.text(
                "INSERT INTO wallet_bank_accounts (id, customer_id, holder_name_enc, iban_enc, "
                "iban_last4, country, bic, created_at, updated_at) VALUES "
                "('ba_legacy', 'cus_legacy', :h, :i, '2606', 'FR', 'PSSTFRPPXXX', 1, 1)"
            ),
            {
                "h": encrypt("Old Timer", context="bank_account.holder_name"),
                "i": encrypt(IBAN, context="bank_account.iban"),
            },
        )
    return "cus_legacy"


def test_rows_written_before_data_keys_are_read_then_upgraded(
    platform: WalletPlatform, coffer_db: coffer.Coffer
) -> None:
    customer_id = _legacy_customer(platform, coffer_db)
    before = platform.wallets.customer(customer_id)
    assert (before.name, before.metadata) == ("Old Timer", {"phone": PHONE})
    assert platform.privacy.upgrade().customers_upgraded == 1
    assert platform.privacy.upgrade().customers_upgraded == 0  # idempotent
    after = platform.wallets.customer(customer_id)
    assert after.model_dump() == before.model_dump()
    assert platform.payouts.bank_account("ba_legacy").holder_name == "Old Timer"
    assert PHONE.encode() not in _raw(coffer_db)
    with coffer_db.engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT name_enc, email_enc, metadata FROM wallet_customers WHERE id = :i"),
            {"i": customer_id},
        ).one()
        iban = connection.execute(
            sa.text("SELECT iban_enc FROM wallet_bank_accounts WHERE id = 'ba_legacy'")
        ).scalar_one()
    assert sealed_by_customer_key(row.name_enc) and sealed_by_customer_key(row.email_enc)
    assert sealed_by_customer_key(iban) and row.metadata == "{}"


def test_erasing_a_customer_written_before_data_keys_leaves_nothing_readable(
    platform: WalletPlatform, coffer_db: coffer.Coffer
) -> None:
    customer_id = _legacy_customer(platform, coffer_db)
    platform.privacy.erase(customer_id)
    assert platform.wallets.customer(customer_id).name == ""
    assert platform.payouts.bank_account("ba_legacy").holder_name == ""
    master = platform.core.cipher
    with coffer_db.engine.connect() as connection:
        values = connection.execute(
            sa.text("SELECT name_enc, email_enc, metadata FROM wallet_customers WHERE id = :i"),
            {"i": customer_id},
        ).one()
    assert values.metadata == "{}"
    for value in (values.name_enc, values.email_enc):
        assert not value or sealed_by_customer_key(value)
    del master


def test_rotation_rewraps_every_key_and_data_stays_readable(
    coffer_db: coffer.Coffer, tmp_path: Path
) -> None:
    settings = WalletSettings(pii_key=None, pii_key_file=str(tmp_path / "pii.key"))
    platform = open_wallets(coffer_db, settings)
    customer = _customer(platform)
    bank = platform.payouts.add_bank_account(
        S.BankAccountCreate(customer_id=customer.id, holder_name=NAME, iban=IBAN)
    )
    endpoint = platform.webhooks.create_endpoint(
        S.WebhookEndpointCreate(url="https://example.org/hook", event_types=["*"])
    )
    legacy = _legacy_customer(platform, coffer_db)
    old_id = platform.core.cipher.key_id
    running = open_wallets(coffer_db, settings)  # another server, started before

    report = rotate(platform.privacy, actor=Actor("cli:ops"), reload_wait_seconds=0)

    assert report.key_id != old_id and report.retired_key_ids == [old_id]
    # the legacy customer's new data key is wrapped by the new master key from the start
    assert report.customer_keys_rewrapped == 1 and report.customers_upgraded == 1
    assert report.values_reencrypted == 1  # the webhook secret
    with coffer_db.engine.connect() as connection:
        wrapped = (
            connection.execute(sa.text("SELECT wrapped_key FROM privacy_customer_keys"))
            .scalars()
            .all()
        )
    assert wrapped and all(w.startswith(report.key_id + ":") for w in wrapped)
    document = json.loads((tmp_path / "pii.key").read_text())
    assert document["current"] == report.key_id and set(document["keys"]) == {old_id, report.key_id}
    # a process opened afterwards, and one running since before, both read everything
    for reader in (open_wallets(coffer_db, settings), running):
        reader.core.cipher.reload(force=True)
        assert reader.wallets.customer(customer.id).metadata["phone"] == PHONE
        assert reader.wallets.customer(legacy).name == "Old Timer"
        assert reader.payouts.bank_account(bank.id).holder_name == NAME
    # dropping the retired key: nothing needs it any more
    dropped = rotate(platform.privacy, drop_old=True, reload_wait_seconds=0)
    document = json.loads((tmp_path / "pii.key").read_text())
    assert list(document["keys"]) == [dropped.key_id]
    fresh = open_wallets(coffer_db, settings)
    assert fresh.wallets.customer(customer.id).name == NAME
    secret = fresh.core.cipher.decrypt(
        _one(coffer_db, "SELECT secret_enc FROM wallet_webhook_endpoints"), context="webhook.secret"
    )
    assert secret is not None and secret.startswith("whsec_")
    del endpoint
    entries = list_entries(coffer_db.engine, action="keys.pii_rotated")
    assert [e.target for e in entries] == [dropped.key_id, report.key_id]
    assert entries[1].actor == "cli:ops"
    assert coffer_db.verify().ok and verify_audit_chain(coffer_db.engine).ok


def _one(coffer_db: coffer.Coffer, sql: str) -> str:
    with coffer_db.engine.connect() as connection:
        return str(connection.execute(sa.text(sql)).scalar_one())


def test_retention_erases_ended_relationships_and_purges_old_rows(
    coffer_db: coffer.Coffer, wallet_settings: WalletSettings
) -> None:
    settings = wallet_settings.model_copy(
        update={
            "retention_closed_customer_days": 30,
            "retention_events_days": 10,
            "retention_idempotency_days": 10,
        }
    )
    platform = open_wallets(coffer_db, settings)
    gone = _customer(platform, "Gone Person")
    wallet = platform.wallets.create_wallet(
        S.WalletCreate(customer_id=gone.id, currency="EUR"), idempotency_key="w-1"
    )
    platform.wallets.set_wallet_status(wallet.id, "closed")
    staying = _customer(platform, "Staying Person")
    platform.wallets.create_wallet(S.WalletCreate(customer_id=staying.id, currency="EUR"))
    long_ago = int((datetime.now(UTC) - timedelta(days=40)).timestamp() * 1_000_000)
    with coffer_db.engine.begin() as connection:
        for table in ("wallet_customers", "wallet_wallets", "wallet_events"):
            connection.execute(sa.text(f"UPDATE {table} SET created_at = :t"), {"t": long_ago})
        connection.execute(sa.text("UPDATE wallet_wallets SET updated_at = :t"), {"t": long_ago})
        connection.execute(
            sa.text("UPDATE wallet_idempotency_keys SET created_at = :t"), {"t": long_ago}
        )
    platform.webhooks.dispatch()  # no endpoint: events are marked dispatched

    dry = platform.privacy.apply_retention(apply=False)
    assert dry.customers_erased == [gone.id] and dry.events_deleted > 0
    assert platform.wallets.customer(gone.id).erased_at is None  # a dry run changes nothing

    done = platform.privacy.apply_retention(actor=Actor("cli:ops"))
    assert done.customers_erased == [gone.id]
    assert done.events_deleted == dry.events_deleted
    assert done.idempotency_keys_deleted == 1
    assert platform.wallets.customer(gone.id).erased_at is not None
    assert platform.wallets.customer(staying.id).name == "Staying Person"
    assert platform.privacy.apply_retention().customers_erased == []
    assert verify_audit_chain(coffer_db.engine).ok


def test_the_worker_upgrades_old_rows_and_applies_retention(
    coffer_db: coffer.Coffer, wallet_settings: WalletSettings
) -> None:
    from coffer.wallets.webhooks import Worker

    settings = wallet_settings.model_copy(update={"retention_events_days": 1})
    platform = open_wallets(coffer_db, settings)
    customer_id = _legacy_customer(platform, coffer_db)
    platform.wallets.create_customer(S.CustomerCreate(kind="legal", name="Event Maker"))
    with coffer_db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE wallet_events SET created_at = 1"))
    worker = Worker(platform)
    # both are due (monotonic time starts at the machine's boot)
    worker._last_housekeeping = worker._last_retention = time.monotonic() - 100_000
    worker.run_once()
    assert platform.privacy.upgrade().customers_upgraded == 0  # the worker did it
    assert platform.wallets.customer(customer_id).metadata == {"phone": PHONE}
    assert platform.webhooks.events().data == []  # past retention, dispatched, deleted
    worker.client.close()


def test_a_running_server_keeps_its_keys_when_the_key_file_goes_missing(tmp_path: Path) -> None:
    from coffer.wallets.crypto import Cipher

    path = tmp_path / "pii.key"
    settings = WalletSettings(pii_key=None, pii_key_file=str(path))
    key_id, keys = settings.encryption_keys()
    cipher = Cipher(key_id, keys, lambda: settings.encryption_keys(create=False))
    sealed = cipher.encrypt("kept", context="test")
    path.unlink()
    cipher._reload_due = 0.0  # a reload is due
    assert cipher.decrypt(cipher.encrypt("new", context="test"), context="test") == "new"
    assert cipher.decrypt(sealed, context="test") == "kept"
    assert not path.exists()  # never a new key made behind the server's back
