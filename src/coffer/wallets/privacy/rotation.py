"""``coffer keys rotate``: a new master key, and every value it seals re-sealed under it.

What the master key seals: each customer's wrapped data key (the personal data itself is
sealed by the data keys and is not touched), and the values of
:func:`coffer.platforms.sealed.registered` columns (every domain registers those it seals:
webhook signing secrets, stored idempotent answers, automations' inbound webhook secrets,
TOTP secrets, payment batch lines' payees). Rows written before data keys are first upgraded (their personal data
re-sealed under the customer's data key).

With the key in the key file (``COFFER_PII_KEY_FILE``, the default), a new key is made and
becomes current in the file, the old ones stay in it as retired keys (readable) until
``--drop-old``, which removes them once nothing is sealed by them any more. Running servers
read the file again within a second. With ``COFFER_PII_KEY`` set, Coffer cannot change the
environment: set the new key there (with a new ``COFFER_PII_KEY_ID``, the old key in
``COFFER_PII_OLD_KEYS``) and run the rotation, which re-seals everything under it.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from coffer.identity.audit import SYSTEM, Actor, record_by
from coffer.keyfile import replace
from coffer.platforms.sealed import registered
from coffer.wallets.privacy import repository as R
from coffer.wallets.privacy import schemas as P
from coffer.wallets.privacy.service import Privacy
from coffer.wallets.settings import read_key_file

BATCH = 500
MAX_PASSES = 3
RELOAD_WAIT_SECONDS = 2.0  # > the servers' key reload interval (crypto.RELOAD_SECONDS)


def new_key_id(existing: list[str]) -> str:
    numbers = [int(m.group(1)) for k in existing if (m := re.fullmatch(r"k(\d+)", k))]
    candidate = f"k{max(numbers, default=len(existing)) + 1}"
    while candidate in existing:
        candidate += "x"
    return candidate


def _write_key_file(path: Path, current: str, keys: dict[str, bytes]) -> None:
    text = json.dumps(
        {"current": current, "keys": {key_id: key.hex() for key_id, key in keys.items()}},
        indent=1,
    )
    replace(path, text)


def rotate(
    privacy: Privacy,
    *,
    actor: Actor = SYSTEM,
    drop_old: bool = False,
    reload_wait_seconds: float = RELOAD_WAIT_SECONDS,
) -> P.RotationReport:
    """Rotate the master key (see the module's docstring)."""
    core = privacy.core
    settings = core.settings
    cipher = core.cipher
    path = Path(settings.pii_key_file)
    if settings.keys_in_file:
        current, keys = read_key_file(path, settings.pii_key_id)
        key_id = new_key_id(list(keys) + list(settings.pii_old_keys))
        _write_key_file(path, key_id, {key_id: secrets.token_bytes(32), **keys})
        cipher.reload(force=True)
        time.sleep(reload_wait_seconds)  # every running server now seals with the new key
    else:
        cipher.reload(force=True)
    upgraded = privacy.upgrade().customers_upgraded
    rewrapped = values = 0
    for _ in range(MAX_PASSES):
        pass_keys, pass_values = _reseal_all(privacy)
        rewrapped += pass_keys
        values += pass_values
        if pass_keys == 0 and pass_values == 0:
            break
    retired = [k for k in cipher.key_ids if k != cipher.key_id]
    if drop_old and settings.keys_in_file and _nothing_left(privacy):
        current, keys = read_key_file(path, settings.pii_key_id)
        _write_key_file(path, current, {current: keys[current]})
        cipher.reload(force=True)
        dropped = retired
        retired = []
    else:
        dropped = []
    with core.unit() as connection:
        record_by(
            connection,
            actor,
            "keys.pii_rotated",
            cipher.key_id,
            {
                "customer_keys_rewrapped": rewrapped,
                "values_reencrypted": values,
                "customers_upgraded": upgraded,
                "retired": retired,
                "dropped": dropped,
            },
        )
    return P.RotationReport(
        key_id=cipher.key_id,
        customer_keys_rewrapped=rewrapped,
        values_reencrypted=values,
        customers_upgraded=upgraded,
        retired_key_ids=retired,
    )


def _reseal_all(privacy: Privacy) -> tuple[int, int]:
    """Re-seal, under the current master key, what an older one seals: one pass."""
    core = privacy.core
    cipher = core.cipher
    data_keys = core.data_keys
    rewrapped = 0
    after = ""
    while True:
        with core.engine.connect() as connection:
            page = R.wrapped_keys_after(connection, after, BATCH)
        stale = [(c, w) for c, w in page if cipher.needs_rotation(w)]
        if stale:
            with core.unit() as connection:
                for customer_id, wrapped in stale:
                    fresh = data_keys.wrap(customer_id, data_keys.unwrap(customer_id, wrapped))
                    rewrapped += R.rewrap_key(connection, customer_id, wrapped, fresh)
        if len(page) < BATCH:
            break
        after = page[-1][0]
    values = 0
    for column in registered():
        after = ""
        while True:
            with core.engine.connect() as connection:
                rows = R.master_values_after(connection, column, after, BATCH)
            stale = [(k, v) for k, v in rows if cipher.needs_rotation(v)]
            if stale:
                with core.unit() as connection:
                    for object_key, old in stale:
                        plain = (
                            old
                            if column.plaintext(old)
                            else cipher.decrypt(old, context=column.context)
                        )
                        new = cipher.encrypt(plain, context=column.context)
                        assert new is not None
                        values += R.replace_master_value(connection, column, object_key, old, new)
            if len(rows) < BATCH:
                break
            after = rows[-1][0]
    return rewrapped, values


def _nothing_left(privacy: Privacy) -> bool:
    """Whether no value is sealed by a master key other than the current one."""
    cipher = privacy.core.cipher
    with privacy.core.engine.connect() as connection:
        after = ""
        while True:
            page = R.wrapped_keys_after(connection, after, BATCH)
            if any(cipher.needs_rotation(w) for _, w in page):
                return False
            if len(page) < BATCH:
                break
            after = page[-1][0]
        for column in registered():
            after = ""
            while True:
                rows = R.master_values_after(connection, column, after, BATCH)
                if any(cipher.needs_rotation(v) for _, v in rows):
                    return False
                if len(rows) < BATCH:
                    break
                after = rows[-1][0]
        return not R.customers_to_upgrade(connection, "", 1)
