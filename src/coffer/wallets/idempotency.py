"""Idempotency-Key handling of the wallets API: creations replay the resource they made,
actions replay their stored (encrypted) answer, a key reused for another request is
refused, and a key claimed by a request that crashed is taken over after a while."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coffer.errors import (
    CofferError,
    Conflict,
    IdempotencyConflict,
)
from coffer.wallets import repository as R
from coffer.wallets.common import (
    STALE_CLAIM_MICROS,
    ModelT,
    Row,
    error_from_code,
    replayable,
    request_hash,
)
from coffer.wallets.crypto import Cipher


class IdempotentRequests:
    """The Idempotency-Key part of :class:`~coffer.wallets.core.WalletsCore`."""

    cipher: Cipher

    if TYPE_CHECKING:

        def unit(self) -> contextlib.AbstractContextManager[sa.Connection]: ...

    def replayed(
        self, connection: sa.Connection, key: str | None, operation: str, payload: Mapping[str, Any]
    ) -> Row | None:
        """The idempotency record of ``key`` if it was used for this very request."""
        if key is None:
            return None
        record = R.idempotency_record(connection, key)
        if record is None:
            return None
        if record["request_hash"] != request_hash(operation, payload):
            raise IdempotencyConflict(
                f"Idempotency-Key {key!r} was already used with a different request; "
                "use a new key for a new request"
            )
        return record

    def remember(
        self,
        connection: sa.Connection,
        key: str | None,
        operation: str,
        payload: Mapping[str, Any],
        resource_type: str,
        resource_id: str,
    ) -> None:
        if key is not None:
            R.insert_idempotency_record(
                connection, key, request_hash(operation, payload), resource_type, resource_id
            )

    def create_once(
        self,
        *,
        key: str | None,
        operation: str,
        payload: Mapping[str, Any],
        create: Callable[[sa.Connection], str],
    ) -> tuple[str, bool]:
        """Run ``create`` (which inserts a row and returns its id) unless ``key`` was seen.

        Returns the resource id and whether it was created now (False: a replay).
        """
        for _ in range(2):
            try:
                with self.unit() as connection:
                    record = self.replayed(connection, key, operation, payload)
                    if record is not None:
                        return str(record["resource_id"]), False
                    resource_id = create(connection)
                    self.remember(connection, key, operation, payload, operation, resource_id)
                    return resource_id, True
            except sa.exc.IntegrityError:
                if key is None:
                    raise
                continue  # a concurrent request with the same key won; read its record
        raise Conflict(f"Idempotency-Key {key!r} is being used by a concurrent request; retry")

    # -- idempotent actions ---------------------------------------------------------------

    def once(
        self,
        *,
        key: str | None,
        operation: str,
        payload: Mapping[str, Any],
        run: Callable[[], ModelT | None],
        model: type[ModelT],
        resource_id: str = "",
    ) -> ModelT | None:
        """Run an action once per ``Idempotency-Key`` and replay its stored answer.

        The key is claimed first (a concurrent request with it gets 409 until the first
        answers); the answer, a success or a business refusal, is stored encrypted and
        replayed to a repeat with the same request; another request with the key is
        refused (``idempotency_conflict``). Without a key the action just runs.
        ``None`` (nothing to return) is stored as HTTP 204.
        """
        if key is None:
            return run()
        digest = request_hash(operation, payload)
        record = self._claim(key, digest, operation, resource_id)
        if record is not None:
            return self._replay(record, model)
        try:
            result = run()
        except CofferError as error:
            if replayable(error):
                self._store(key, error.status, json.dumps(error.to_dict(), default=str))
            else:
                self._release(key)
            raise
        except BaseException:
            self._release(key)
            raise
        if result is None:
            self._store(key, 204, "null")
        else:
            self._store(key, 200, result.model_dump_json())
        return result

    def _claim(self, key: str, request_hash: str, operation: str, resource_id: str) -> Row | None:
        """Claim ``key`` for this request (None), or return the record of an earlier one."""
        for _ in range(3):
            try:
                with self.unit() as connection:
                    record = R.idempotency_record(connection, key)
                    if record is None:
                        R.claim_idempotency_key(
                            connection, key, request_hash, operation, resource_id
                        )
                        return None
                    if record["request_hash"] != request_hash:
                        raise IdempotencyConflict(
                            f"Idempotency-Key {key!r} was already used with a different "
                            "request; use a new key for a new request"
                        )
                    if record["response_status"] is not None:
                        return record
                    stale = record["created_at"] < R.now_micros() - STALE_CLAIM_MICROS
                    if stale and R.retake_idempotency_key(connection, key, record["created_at"]):
                        return None
                    raise Conflict(
                        f"a request with Idempotency-Key {key!r} is still being processed; "
                        "retry in a moment"
                    )
            except sa.exc.IntegrityError:
                continue  # a concurrent request claimed the key first: read its record
        raise Conflict(f"Idempotency-Key {key!r} is being used by a concurrent request; retry")

    def _replay(self, record: Row, model: type[ModelT]) -> ModelT | None:
        body = self.cipher.decrypt(record["response_enc"], context="idempotency.response")
        status = int(record["response_status"])
        if status == 204:
            return None
        if status < 300:
            return model.model_validate_json(body or "{}")
        stored = json.loads(body or "{}")
        raise error_from_code(stored.get("code"), stored.get("message"), stored.get("details"))

    def _store(self, key: str, status: int, body: str) -> None:
        encrypted = self.cipher.encrypt(body, context="idempotency.response")
        assert encrypted is not None
        with self.unit() as connection:
            R.store_idempotent_response(connection, key, status, encrypted)

    def _release(self, key: str) -> None:
        with self.unit() as connection:
            R.release_idempotency_key(connection, key)
