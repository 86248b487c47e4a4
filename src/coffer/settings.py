"""All COFFER_* settings, read from the environment (and a ``.env`` file if present)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CofferSettings(BaseSettings):
    """Base of every settings class: ``COFFER_*`` environment variables (a subclass may
    narrow the prefix), also read from a ``.env`` file; each field's docstring is its
    description (the table of docs/settings.md)."""

    model_config = SettingsConfigDict(
        env_prefix="COFFER_", env_file=".env", extra="ignore", use_attribute_docstrings=True
    )


class Settings(CofferSettings):
    """The core's settings: database, journal and checkpoints, the sequencer's tuning,
    the limits of ledger input, and the assistant's and the risk engine's own."""

    database_url: str = "sqlite:///./coffer.db"
    """SQLAlchemy URL: sqlite:///path.db or postgresql://user@host/db"""
    signing_key: str | None = None
    """Ed25519 private key (hex of the 32-byte seed) that signs journal checkpoints. When unset, a
    key is generated once into signing_key_file."""
    signing_key_file: str = "./coffer-signing.key"
    """Where the generated checkpoint signing key is kept (mode 0600)."""
    signing_public_key: str | None = None
    """Ed25519 public key (hex, 32 bytes) that `coffer verify` checks checkpoints against. When
    unset, the public key file, then the private key (signing_key, or signing_key_file if it exists)
    is used; verify never creates one."""
    signing_public_key_file: str | None = None
    """File holding the checkpoint signing public key in hex (Coffer writes it next to a key it
    generates: signing_key_file + '.pub')."""
    checkpoint_interval: Annotated[int, Field(ge=1)] = 1024
    """Journal entries between two signed checkpoints."""
    checkpoint_seconds: Annotated[float, Field(gt=0)] = 60.0
    """Most seconds a written ledger goes without a signed checkpoint: a batch written this long
    after the last checkpoint makes one, however few entries it adds."""
    witness_dir: str = "./coffer-witness"
    """Directory witness: every signed checkpoint is appended to a file per ledger, in a folder per
    database (named by its id), here (keep it off the database's disk; see docs/security.md).
    Empty: no witness."""
    max_batch_size: Annotated[int, Field(ge=1)] = 5000
    """Most requests the sequencer writes in one batch."""
    home_cpu: Annotated[str | None, Field(pattern=r"^\s*(?i:auto|off|\d+)\s*$")] = None
    """While callers queue on a ledger, they run on one CPU (coffer.runtime.cpupin.HomeCpu): auto
    (the CPU with the fewest device interrupts that no other process has taken), a CPU number, or
    off. Unset: off in an embedding process (coffer.open()), auto where Coffer owns the process
    (coffer serve, coffer worker)."""
    # -- the sequencer's tuning (docs/performance.md says when to change them) ----------
    pipeline_depth: Annotated[int, Field(ge=1, le=64)] = 1
    """Batches the sequencer applies in memory ahead of the one being written."""
    pipeline_chunk: Annotated[int, Field(ge=1)] = 1000
    """Most requests a leader takes from the queue at once, so that applying one chunk overlaps
    writing the one before (capped by max_batch_size)."""
    pg_in_flight: Annotated[int, Field(ge=0, le=64)] = 3
    """PostgreSQL: batch statements in flight at once on the writer's connection (pipeline mode); 0
    writes one statement at a time."""
    pg_lead_chunk: Annotated[int, Field(ge=0)] = 250
    """PostgreSQL: a leader that takes a large batch (lazy_batch requests or more, a post_many)
    sends its statement itself and applies the next chunk of this many requests while the server
    writes it; 0 turns this off."""
    gather_min: Annotated[int, Field(ge=0)] = 16
    """With statements in flight, a leader that finds fewer requests queued than this waits up to
    gather_wait seconds for more (a fuller batch)."""
    gather_wait: Annotated[float, Field(ge=0, le=1)] = 0.0003
    """Seconds a leader waits to gather a fuller batch (see gather_min)."""
    lazy_batch: Annotated[int, Field(ge=1)] = 100
    """A batch of at least this many requests leaves its balance rows to later (readers add the
    postings since), until balance_flush_postings have gone unwritten."""
    balance_flush_postings: Annotated[int, Field(ge=0)] = 50_000
    """Postings that may go unwritten to the balance rows before a batch writes them all."""
    quiet_flush_rows: Annotated[int, Field(ge=0)] = 1000
    """A small batch writes the balance rows left to later while there are at most this many;
    beyond, they wait for balance_flush_postings or a reader."""
    posting_lists_every: Annotated[int, Field(ge=1)] = 20_000
    """Transactions that may go unlisted in the accounts' posting lists before a background thread
    lists them (readers scan those transactions meanwhile)."""
    assistant_model_url: str | None = None
    """OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1) the assistant may ask to turn a
    question its own parser does not understand into a typed query. Off (None) by default: no
    customer data leaves Coffer unless this is set."""
    assistant_model_name: str = "gpt-4o-mini"
    """Model name sent to assistant_model_url."""
    assistant_model_api_key: str | None = None
    """Bearer token for assistant_model_url, when it needs one."""
    assistant_model_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    """Timeout of one call to assistant_model_url."""
    sqlite_synchronous: str = "FULL"
    """PRAGMA synchronous for SQLite (FULL or NORMAL)."""
    db_pool_size: Annotated[int, Field(ge=1, le=1000)] = 64
    """Most connections one Coffer keeps to PostgreSQL for its units of work (opened lazily, kept
    open; a caller waits for a free one beyond it). Each ledger's writer holds its own connections
    besides. Keep the sum over processes under the server's max_connections."""
    assistant_categorize_min_confidence: Annotated[float | None, Field(ge=0.0, le=1.0)] = None
    """The assistant's categorizer abstains (primary null, the line goes to review) below this
    confidence (calibrated: about the share of such lines it gets right). Unset: the threshold
    chosen with the shipped classifier on its validation fold (best macro-F1 at >= 90%
    coverage), 0.15 without a classifier."""
    assistant_model_cache_dir: str = "~/.cache/coffer/models"
    """Where the assistant keeps the categorization model it trains from the shipped data on first
    use (empty: train in memory on every start)."""
    assistant_alerts_interval_seconds: Annotated[float, Field(ge=0.0)] = 3600.0
    """How often the worker (`coffer worker`, and `coffer serve`'s worker thread) publishes every
    customer's new assistant alerts as `assistant.alert.*` events, each alert once (0: never; the
    API can still publish them on request)."""
    risk_model_dir: str = "./coffer-risk-model"
    """Folder of the fraud model and the feature state that `coffer risk train` writes and `coffer
    risk backtest` (and the online path) read."""
    risk_model_root: str | None = None
    """Folder under which trained model folders are registered as model versions by path (API and
    CLI; a relative path is taken from it, a path leading outside it is refused). Unset: the API
    refuses registration by path and only the CLI, on the server, registers a folder."""
    risk_review_threshold: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5
    """Risk score from which a movement is reviewed."""
    risk_block_threshold: Annotated[float, Field(ge=0.0, le=1.0)] = 0.9
    """Risk score from which a movement is blocked."""
    numscript_max_source_bytes: Annotated[int, Field(ge=100, le=1_000_000)] = 16_384
    """Largest Numscript program accepted, in UTF-8 bytes (400 beyond). Parsing costs about 10
    microseconds per byte, outside the ledger's sequencer."""
    numscript_max_nesting: Annotated[int, Field(ge=4, le=200)] = 64
    """Deepest nesting of blocks and expressions in a Numscript program (400 beyond). At most 200:
    deeper programs could exhaust the interpreter's stack."""
    numscript_max_allotment_parts: Annotated[int, Field(ge=2, le=100_000)] = 256
    """Most portions in one Numscript allotment (400 beyond)."""
    numscript_max_nodes: Annotated[int, Field(ge=100, le=1_000_000)] = 10_000
    """Most syntax nodes in one Numscript program (400 beyond): bounds the work of compiling and
    running one script, so that one script cannot hold its ledger (nor, through the interpreter
    lock, other ledgers) for long."""
    max_account_length: Annotated[int, Field(ge=16, le=4096)] = 256
    """Longest account address, in characters (segments of letters, digits, '_' and '-' separated by
    ':')."""
    max_account_segments: Annotated[int, Field(ge=1, le=256)] = 32
    """Most ':'-separated segments in an address."""
    max_metadata_keys: Annotated[int, Field(ge=1, le=100_000)] = 256
    """Most metadata keys on one transaction, account or wallets object."""
    max_metadata_key_length: Annotated[int, Field(ge=1, le=65_536)] = 256
    """Longest metadata key, in characters."""
    max_metadata_value_bytes: Annotated[int, Field(ge=16, le=10_000_000)] = 16_384
    """Largest metadata value, in UTF-8 bytes."""
    min_timestamp_year: Annotated[int, Field(ge=1, le=9999)] = 1970
    """Earliest year a transaction's timestamp may fall in."""
    max_timestamp_year: Annotated[int, Field(ge=1970, le=9998)] = 2999
    """Latest year a transaction's timestamp may fall in."""
    risk_checks_enabled: bool = True
    """Check every pay-in, transfer, payment and payout with the risk engine before money moves
    (false: no check, no decision stored)."""
    risk_check_process: bool = False
    """Decide movements in a process of their own, beside the one that moves money (the check's
    CPU work then overlaps the ledger writes on another core; same decisions). Needs a database
    another process can open (not an in-memory SQLite)."""
    risk_review_deadline_seconds: Annotated[int, Field(ge=60)] = 86_400
    """How long an analyst has to decide a movement held for review."""
    risk_review_expiry_policy: Literal["decline", "approve", "escalate"] = "decline"
    """What happens to a review left past its deadline, for platforms that set no policy of their
    own: decline voids the hold, approve posts it, escalate keeps it and marks the case
    escalated."""
    risk_case_sla_seconds: Annotated[int, Field(ge=60)] = 259_200
    """Time to handle an AML alert or sanctions case before it is overdue."""
    risk_screening_threshold: Annotated[float, Field(ge=0.0, le=1.0)] = 0.88
    """Sanctions match score from which a customer or beneficiary is a hit."""
    risk_snapshot_every: Annotated[int, Field(ge=1)] = 5_000
    """The worker snapshots the online feature state after this many new observations (a restart
    replays only those after the newest snapshot)."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def owned_process_settings(settings: Settings | None = None) -> Settings:
    """``settings`` (by default the environment's) for a process Coffer owns (``coffer
    serve``, ``coffer worker``): the home CPU on (``auto``) unless COFFER_HOME_CPU says."""
    settings = settings or get_settings()
    if settings.home_cpu is None:
        return settings.model_copy(update={"home_cpu": "auto"})
    return settings
