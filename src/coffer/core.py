"""The embedded entry point: ``coffer.open(url)`` returns a :class:`Coffer`."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from types import TracebackType

import sqlalchemy as sa

from coffer.db.engine import Backend, backend_of, create_engine, normalize_url, raw_connect
from coffer.db.identity import database_id
from coffer.db.migrate import upgrade
from coffer.errors import Conflict, LedgerNotFound, NotFound, ValidationError
from coffer.ledger import journal as J
from coffer.ledger.models import Checkpoint, from_micros, now_micros
from coffer.ledger.service import Ledger, LedgerInfo, LedgerRuntime
from coffer.ledger.signing import Signer
from coffer.ledger.verify import VerifyReport, verify_database
from coffer.ledger.witness import AUDIT_LOG_STREAM, DirectoryWitness, Witness, adopt_legacy_files
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.settings import Settings, get_settings

LEDGER_NAME = re.compile(r"^[0-9a-zA-Z_-]{1,63}$")
OWNER_RECHECK_SECONDS = 5.0
MAX_OWNERS_CACHED = 10_000


class Coffer:
    """A Coffer database: ledgers (and, through them, everything else)."""

    def __init__(
        self,
        url: str | None = None,
        *,
        settings: Settings | None = None,
        witness: Witness | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        # Seconds since the epoch, for checkpoints due by time (tests inject a clock).
        self.clock = clock or time.time
        self.url = normalize_url(url or self.settings.database_url)
        self.backend = backend_of(self.url)
        self.engine = create_engine(
            self.url,
            sqlite_synchronous=self.settings.sqlite_synchronous,
            pg_pool_size=self.settings.db_pool_size,
        )
        upgrade(self.engine)
        # Stored in the database: it names the database's folder in a directory witness.
        self.database_id = database_id(self.engine)
        # Where every signed checkpoint is published (None: nowhere); see coffer.ledger.witness.
        self.witness = (
            witness
            if witness is not None
            else witness_from_settings(self.settings, self.database_id)
        )
        if isinstance(self.witness, DirectoryWitness):
            adopt_legacy_files(self.witness, self._holds_checkpoints)
        self.signer = Signer.from_settings(
            self.settings.signing_key, self.settings.signing_key_file
        )
        self._ledgers: dict[str, Ledger] = {}
        self._lock = threading.Lock()
        # ledger name -> (checked until, (platform id, system)): see ledger_owner
        self._owners: dict[str, tuple[float, tuple[str, bool]]] = {}

    def __enter__(self) -> Coffer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for ledger in self._ledgers.values():
            ledger.close()
        self._ledgers.clear()
        self.engine.dispose()

    # -- ledgers --------------------------------------------------------------------

    def ledger(
        self,
        name: str,
        *,
        create: bool = True,
        platform_id: str | None = None,
        system: bool = False,
    ) -> Ledger:
        """The ledger called ``name``, created on first use unless ``create=False``.

        ``platform_id`` and ``system`` are what a ledger created here is stamped with;
        with ``system=True`` (a domain's own ledger) an existing ledger must belong to
        ``platform_id`` (Conflict otherwise) and is flagged as a system ledger."""
        ledger = self._ledgers.get(name)
        if ledger is not None and not system:
            return ledger
        owner = platform_id or DEFAULT_PLATFORM_ID
        with self._lock:
            ledger = self._ledgers.get(name)
            info = None
            if ledger is None or system:
                info = self._find(name)
                if info is None:
                    if not create:
                        raise LedgerNotFound(f"ledger {name!r} does not exist")
                    info = self._insert(name, {}, {}, platform_id=owner, system=system)
                if system:
                    self._claim_system(info, owner)
            if ledger is None:
                assert info is not None
                runtime = LedgerRuntime(
                    name=name,
                    ledger_id=info.id,
                    engine=self.engine,
                    backend=self.backend,
                    settings=self.settings,
                    signer=self.signer,
                    witness=self.witness,
                    clock=self.clock,
                )
                ledger = Ledger(runtime, self.url)
                self._ledgers[name] = ledger
        return ledger

    def ledger_owner(self, name: str) -> tuple[str, bool] | None:
        """(platform id, system) of ledger ``name``, or None when it does not exist.

        Kept in memory: a ledger never changes platform, and a system ledger stays one;
        a ledger not (yet) flagged system is read again after OWNER_RECHECK_SECONDS (a
        domain of another process may claim it)."""
        now = time.monotonic()
        cached = self._owners.get(name)
        if cached is not None and (cached[1][1] or cached[0] > now):
            return cached[1]
        info = self._find(name)
        if info is None:
            return None
        owner = (info.platform_id, info.system)
        if len(self._owners) >= MAX_OWNERS_CACHED:
            self._owners.clear()
        self._owners[name] = (now + OWNER_RECHECK_SECONDS, owner)
        return owner

    def open_ledgers(self) -> list[Ledger]:
        """The ledgers this process has opened (each with its own sequencer)."""
        return list(self._ledgers.values())

    def create_ledger(
        self,
        name: str,
        *,
        metadata: dict[str, str] | None = None,
        features: dict[str, str] | None = None,
        platform_id: str = DEFAULT_PLATFORM_ID,
    ) -> LedgerInfo:
        """Create a ledger of ``platform_id``; :class:`Conflict` if it exists (ledger names
        are unique across platforms)."""
        if self._find(name) is not None:
            raise Conflict(f"ledger {name!r} already exists")
        return self._insert(name, metadata or {}, features or {}, platform_id=platform_id)

    def _claim_system(self, info: LedgerInfo, platform_id: str) -> None:
        """Flag ``info``'s ledger as a system ledger of ``platform_id``."""
        if info.platform_id != platform_id:
            raise Conflict(
                f"ledger {info.name!r} belongs to another platform: it cannot hold this "
                "platform's wallets; rename or remove it"
            )
        if not info.system:
            with self.engine.begin() as connection:
                connection.execute(
                    sa.text("UPDATE ledgers SET system = :yes WHERE id = :id"),
                    {"yes": True, "id": info.id},
                )
        self._owners[info.name] = (time.monotonic(), (platform_id, True))

    def _insert(
        self,
        name: str,
        metadata: dict[str, str],
        features: dict[str, str],
        *,
        platform_id: str = DEFAULT_PLATFORM_ID,
        system: bool = False,
    ) -> LedgerInfo:
        if not isinstance(name, str) or not LEDGER_NAME.match(name):
            raise ValidationError(
                f"invalid ledger name {name!r}: use 1 to 63 letters, digits, '_' or '-'"
            )
        statement = sa.text(
            "INSERT INTO ledgers (name, created_at, metadata, bucket, features, next_seq,"
            " head_hash, next_tx_id, next_hold_id, platform_id, system) VALUES (:name, :now,"
            " :meta, '_default', :features, 0, :genesis, 0, 0, :platform, :system)"
            " ON CONFLICT (name) DO NOTHING"
        )
        with self.engine.begin() as connection:
            connection.execute(
                statement,
                {
                    "name": name,
                    "now": now_micros(),
                    "meta": J.canonical_json(metadata),
                    "features": J.canonical_json(features),
                    "genesis": J.GENESIS_HASH,
                    "platform": platform_id,
                    "system": system,
                },
            )
        info = self._find(name)
        assert info is not None
        return info

    def _find(self, name: str) -> LedgerInfo | None:
        rows = self._ledger_rows("WHERE name = :name", {"name": name})
        return rows[0] if rows else None

    def _ledger_rows(self, where: str, params: dict[str, object]) -> list[LedgerInfo]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT id, name, created_at, metadata, bucket, features, platform_id,"
                    " system FROM ledgers " + where
                ),
                params,
            ).fetchall()
        return [
            LedgerInfo(
                id=row[0],
                name=row[1],
                created_at=from_micros(int(row[2])),
                metadata=json.loads(row[3]),
                bucket=row[4],
                features=json.loads(row[5]),
                platform_id=str(row[6]),
                system=bool(row[7]),
            )
            for row in rows
        ]

    def ledgers(
        self, *, after: str | None = None, page_size: int = 100, platform_id: str | None = None
    ) -> list[LedgerInfo]:
        """Ledgers by name (of one platform, or all when ``platform_id`` is None)."""
        conditions = (["name > :after"] if after else []) + (
            ["platform_id = :platform"] if platform_id is not None else []
        )
        where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
        return self._ledger_rows(
            f"{where} ORDER BY name LIMIT :size",
            {"after": after or "", "size": page_size, "platform": platform_id},
        )

    def ledger_info(self, name: str) -> LedgerInfo:
        info = self._find(name)
        if info is None:
            raise LedgerNotFound(f"ledger {name!r} does not exist")
        return info

    def set_ledger_metadata(self, name: str, metadata: dict[str, str]) -> LedgerInfo:
        info = self.ledger_info(name)
        merged = {**info.metadata, **metadata}
        with self.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE ledgers SET metadata = :meta WHERE id = :id"),
                {"meta": J.canonical_json(merged), "id": info.id},
            )
        return self.ledger_info(name)

    def delete_ledger_metadata(self, name: str, key: str) -> LedgerInfo:
        info = self.ledger_info(name)
        info.metadata.pop(key, None)
        with self.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE ledgers SET metadata = :meta WHERE id = :id"),
                {"meta": J.canonical_json(info.metadata), "id": info.id},
            )
        return self.ledger_info(name)

    # -- verification -------------------------------------------------------------------

    def flush_witness(self, timeout_seconds: float = 30.0) -> bool:
        """Wait until every checkpoint this process made is published to the witness
        (publishing runs in the background); False if that took too long."""
        return all(ledger.flush_witness(timeout_seconds) for ledger in list(self._ledgers.values()))

    def checkpoint_all(self) -> int:
        """Sign (and publish) a checkpoint of every ledger whose newest entries are not in
        one yet, and publish the audit log's signed head; returns how many ledgers had
        entries."""
        done = 0
        for info in self._ledger_rows("ORDER BY name", {}):
            try:
                self.ledger(info.name, create=False).checkpoint()
            except NotFound:  # an empty journal
                continue
            done += 1
        # and the audit log's signed head (docs/security.md); a failure is logged
        from coffer.identity.audit.witness import AuditHeadPublisher

        AuditHeadPublisher(self.engine, self.signer, self.witness).publish_if_moved()
        return done

    def verify(self, *, checkpoint: bool = True, witness: Witness | None = None) -> VerifyReport:
        """Recompute every ledger's chain, checkpoints and balances from the stored rows.

        ``witness``: the witness whose checkpoints the history must extend (default: this
        database's, if one is set up). ``checkpoint``: when everything is intact, then
        sign and publish a checkpoint of every ledger's newest entries, so that the
        witness holds what was just verified (``coffer verify`` cannot: it has no private
        key). Nothing is signed over a database that did not verify."""
        connection = raw_connect(self.url, sqlite_synchronous=self.settings.sqlite_synchronous)
        try:
            report = verify_database(
                connection,
                self.backend,
                self.signer.public_key,
                witness=witness if witness is not None else self.witness,
            )
        finally:
            connection.close()
        if checkpoint and report.ok:
            self.checkpoint_all()
        return report

    def _holds_checkpoints(self, held: list[Checkpoint]) -> bool:
        """Whether this database stores each of ``held`` (checkpoints of one ledger, or
        the audit log's heads) with the same root: a witness file of this database's."""
        name = held[0].ledger
        if name == AUDIT_LOG_STREAM:
            query = "SELECT hash FROM audit_log WHERE seq = :size"
        else:
            query = (
                "SELECT c.root FROM checkpoints c JOIN ledgers l ON l.id = c.ledger_id"
                " WHERE l.name = :name AND c.tree_size = :size"
            )
        with self.engine.connect() as connection:
            for checkpoint in held:
                root = connection.execute(
                    sa.text(query), {"name": name, "size": checkpoint.tree_size}
                ).scalar_one_or_none()
                if checkpoint.ledger != name or root is None or bytes(root) != checkpoint.root:
                    return False
        return True

    @property
    def is_postgresql(self) -> bool:
        return self.backend is Backend.POSTGRESQL


def witness_from_settings(settings: Settings, database: str | None = None) -> Witness | None:
    """The directory witness ``witness_dir`` names, in the folder of database id
    ``database`` (None when ``witness_dir`` is empty)."""
    return DirectoryWitness(settings.witness_dir, database) if settings.witness_dir else None


def open(
    url: str | None = None,
    *,
    settings: Settings | None = None,
    witness: Witness | None = None,
    clock: Callable[[], float] | None = None,
) -> Coffer:
    """Open (and migrate) a Coffer database. Without ``url``: ``COFFER_DATABASE_URL``.
    ``witness``: where signed checkpoints are published (default: ``witness_dir``);
    ``clock``: seconds since the epoch, for checkpoints due by time."""
    return Coffer(url, settings=settings, witness=witness, clock=clock)
