"""A platform's risk settings and its model versions.

- **Settings**: the review-expiry policy (``approve``, ``decline`` or ``escalate``) of a
  platform; without a row, ``COFFER_RISK_REVIEW_EXPIRY_POLICY``.
- **Model versions**: a model folder written by ``coffer risk train`` is registered as the
  platform's next version (its training window, its metrics on held-out data and its feature
  list are read from the folder's metadata). Activating a version makes the online check
  score that platform's movements with it (each decision records the version's id);
  rolling back activates the version active before. Without an active version the model of
  ``COFFER_RISK_MODEL_DIR`` scores (the decision records its training time).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from coffer.errors import RiskModelMissing, RiskModelPathRefused, RiskNotFound, ValidationError
from coffer.risk.engine import METADATA_FILE, RiskEngine
from coffer.risk.online import repository as R
from coffer.risk.online import tables as T
from coffer.risk.online.core import CACHE_SECONDS, audited, insert_audited
from coffer.risk.online.models import _iso
from coffer.risk.online.screening import ScreeningService

EXPIRY_POLICIES = ("approve", "decline", "escalate")


def version_model(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "risk_model_version",
        "id": row["id"],
        "version": row["version"],
        "model_dir": row["model_dir"],
        "trained_at": row["model_id"],
        "training_window": {"start": row["window_start"], "end": row["window_end"]},
        "metrics": json.loads(row["metrics"]),
        "feature_names": json.loads(row["feature_names"]),
        "active": bool(row["active"]),
        "activated_at": None if row["activated_at"] is None else _iso(row["activated_at"]),
        "created_by": row["created_by"],
        "created_at": _iso(row["created_at"]),
    }


class VersionsService(ScreeningService):
    """Platform settings and model versions of the risk service (see the module doc)."""

    _active: dict[str, tuple[float, str | None]]
    _loaded: dict[str, RiskEngine]

    def _open(self) -> None:
        super()._open()
        self._active = {}
        self._loaded = {}
        self._load_lock = threading.Lock()

    # -- settings ----------------------------------------------------------------------------

    def risk_settings(self, platform_id: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = R.platform_settings(connection, platform_id)
        return {
            "object": "risk_settings",
            "review_expiry_policy": self.review_expiry_policy(platform_id),
            "default": row is None,
            "updated_by": None if row is None else row["updated_by"],
            "updated_at": None if row is None else _iso(row["updated_at"]),
        }

    def set_risk_settings(
        self, platform_id: str, *, review_expiry_policy: str, actor: str
    ) -> dict[str, Any]:
        if review_expiry_policy not in EXPIRY_POLICIES:
            raise ValidationError(
                f"review_expiry_policy must be one of {', '.join(EXPIRY_POLICIES)}"
            )
        with self._unit() as connection:
            R.save_platform_settings(
                connection,
                {
                    "platform_id": platform_id,
                    "review_expiry_policy": review_expiry_policy,
                    "updated_by": actor,
                    "updated_at": R.now_micros(),
                },
            )
            audited(
                connection,
                actor,
                "risk_settings.saved",
                platform_id,
                {"review_expiry_policy": review_expiry_policy},
            )
        return self.risk_settings(platform_id)

    # -- model versions ----------------------------------------------------------------------

    def register_model(
        self, platform_id: str, model_dir: str, *, actor: str, anywhere: bool = False
    ) -> dict[str, Any]:
        """The model folder ``model_dir`` as the platform's next version (not active yet):
        a folder under ``COFFER_RISK_MODEL_ROOT`` (RiskModelPathRefused otherwise, before
        anything of the path is looked at; ``anywhere``: any folder when no root is set, for
        the CLI on the server); RiskModelMissing when it holds no usable model."""
        try:
            path = self._model_path(model_dir, anywhere=anywhere)
            RiskEngine.load(path)  # refuses a missing, unreadable or outdated model now
            metadata = json.loads((path / METADATA_FILE).read_text())
        except (OSError, ValueError) as error:  # a path the system refuses, a bad file
            raise RiskModelMissing(
                f"no trained risk model can be read from {model_dir[:200]!r}"
                f" ({type(error).__name__})",
                model_dir=model_dir[:200],
            ) from None
        with self._unit() as connection:
            versions = R.model_versions(connection, platform_id)
            row = R.new_row(
                "rmv",
                platform_id,
                {
                    "version": (versions[0]["version"] + 1) if versions else 1,
                    "model_dir": str(path),
                    "model_id": str(metadata.get("trained_at") or metadata.get("version")),
                    "window_start": metadata.get("window_start"),
                    "window_end": metadata.get("window_end"),
                    "metrics": R.dumps(metadata.get("metrics", {})),
                    "feature_names": R.dumps(metadata.get("feature_names", [])),
                    "active": False,
                    "activated_at": None,
                    "created_by": actor,
                },
            )
            insert_audited(
                connection,
                T.model_versions,
                row,
                actor,
                "risk_model.registered",
                {"version": row["version"], "model_dir": row["model_dir"]},
            )
        return version_model(row)

    def _model_path(self, model_dir: str, *, anywhere: bool) -> Path:
        root = self.settings.risk_model_root
        if root is None:
            if anywhere:
                return Path(model_dir).resolve()
            raise RiskModelPathRefused(
                "registering a model folder by path is not enabled on this server: the"
                " operator sets COFFER_RISK_MODEL_ROOT (or registers it with the CLI)"
            )
        base = Path(root).resolve()
        if "\x00" in model_dir:
            raise ValueError("a NUL in the path")
        path = (base / model_dir).resolve()
        if not path.is_relative_to(base):
            raise RiskModelPathRefused(
                "model_dir must be a folder under the server's model root"
                " (COFFER_RISK_MODEL_ROOT); give its path relative to the root"
            )
        return path

    def model_versions(self, platform_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            return [version_model(r) for r in R.model_versions(connection, platform_id)]

    def model_version(self, platform_id: str, version_id: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = R.get_or_404(
                connection, T.model_versions, platform_id, version_id, "risk model version"
            )
        return version_model(row)

    def activate_model(
        self, platform_id: str, version_id: str, *, actor: str, reason: str | None = None
    ) -> dict[str, Any]:
        """Score the platform's movements with this version from now on."""
        found = self.model_version(platform_id, version_id)
        self._engine_of(found["id"], found["model_dir"])  # loads (or refuses) it first
        with self._unit() as connection:
            R.set_active_model(connection, platform_id, version_id)
            audited(
                connection,
                actor,
                "risk_model.activated",
                version_id,
                {"version": found["version"], "reason": reason},
            )
        self._active.pop(platform_id, None)
        return self.model_version(platform_id, version_id)

    def rollback_model(
        self, platform_id: str, *, actor: str, reason: str | None = None
    ) -> dict[str, Any]:
        """Activate again the version that was active before the current one."""
        versions = self.model_versions(platform_id)
        current = next((v for v in versions if v["active"]), None)
        earlier = sorted(
            (v for v in versions if v["activated_at"] and not v["active"]),
            key=lambda v: (v["activated_at"], v["version"]),
        )
        if current is None or not earlier:
            raise RiskNotFound("no earlier active model version to roll back to")
        return self.activate_model(
            platform_id, earlier[-1]["id"], actor=actor, reason=reason or "rollback"
        )

    # -- the model that scores a platform -------------------------------------------------------

    def scoring_model(self, platform_id: str) -> tuple[str, RiskEngine | None]:
        """The model version id and engine scoring ``platform_id`` now (the default model
        of ``COFFER_RISK_MODEL_DIR`` when no version is active), cached a moment."""
        cached = self._active.get(platform_id)
        if cached is None or time.monotonic() - cached[0] >= CACHE_SECONDS:
            with self.engine.connect() as connection:
                rows = R.model_versions(connection, platform_id)
            active = next((row for row in rows if row["active"]), None)
            value = None if active is None else f"{active['id']}|{active['model_dir']}"
            cached = (time.monotonic(), value)
            self._active[platform_id] = cached
        if cached[1] is None:
            return self.online.model_version, self.online.engine
        version_id, _, model_dir = cached[1].partition("|")
        try:
            return version_id, self._engine_of(version_id, model_dir)
        except RiskModelMissing:  # the folder went away: the default model scores
            return self.online.model_version, self.online.engine

    def _engine_of(self, version_id: str, model_dir: str) -> RiskEngine:
        found = self._loaded.get(version_id)
        if found is None:
            with self._load_lock:
                found = self._loaded.get(version_id)
                if found is None:
                    found = RiskEngine.load(model_dir, self.online.thresholds)
                    found.state = self.online.state  # one feature state; only its model scores
                    self._loaded[version_id] = found
        return found
