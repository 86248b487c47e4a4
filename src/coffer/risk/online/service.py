"""The online risk service: the check every money movement passes (decisions), the
platform's rules and lists, cases, and screening.

:class:`RiskService` is a :class:`~coffer.wallets.checks.MovementCheck`: ``open_risk``
registers it with the wallets platform (unless ``COFFER_RISK_CHECKS_ENABLED`` is false).
For each movement it scores the transaction with the shared engine, applies the platform's
lists and rules, screens a payout's beneficiary, feeds the feature state, and hands the
wallets domain the rows to store with the movement: the decision, the observation, and for a
review its case (see :mod:`coffer.risk.online.state` for how the state survives restarts).

This module owns the check itself, the model summary and the feature state's restore, catch
up and snapshot; the class builds on :mod:`coffer.risk.online.screening` (sanctions),
:mod:`coffer.risk.online.cases` (case work) and :mod:`coffer.risk.online.core` (shared state,
rules and lists); :mod:`coffer.risk.online.models` holds the API shape of the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from coffer.risk.events import Customer, Transaction
from coffer.risk.online import repository as R
from coffer.risk.online import rules as RL
from coffer.risk.online import tables as T
from coffer.risk.online.models import _PUBLIC_DECISION_FIELDS, _iso
from coffer.risk.online.state import Scored, event_json, observation_key
from coffer.risk.online.versions import VersionsService
from coffer.risk.sanctions.models import Match
from coffer.wallets import repository as WR
from coffer.wallets.checks import Movement, Verdict


class RiskService(VersionsService):
    """Decisions, rules, lists, cases and screening of one database (every platform)."""

    def _open(self) -> None:
        super()._open()
        self.restore()

    # -- the check ---------------------------------------------------------------------------

    def check(self, movements: Sequence[Movement]) -> list[Verdict]:
        """One verdict per movement (see the module doc); writes nothing itself. A batch is
        decided as if one movement at a time, in order: each sees the features the ones
        before it left (:meth:`OnlineEngine.decide`). With ``COFFER_RISK_CHECK_PROCESS``
        the check's own process decides (:mod:`coffer.risk.online.process`)."""
        if self._process is not None:
            return self._process.check(movements)
        return self.check_here(movements)

    def check_here(self, movements: Sequence[Movement]) -> list[Verdict]:
        """:meth:`check` in this process."""
        verdicts: list[Verdict | None] = [None] * len(movements)
        by_platform: dict[str, list[int]] = {}
        for index, movement in enumerate(movements):
            by_platform.setdefault(movement.platform_id, []).append(index)
        for platform_id, indexes in by_platform.items():  # one platform per batch, as a rule
            self._check_platform(platform_id, [movements[i] for i in indexes], indexes, verdicts)
        return [verdict for verdict in verdicts if verdict is not None]

    def _check_platform(
        self,
        platform_id: str,
        movements: list[Movement],
        indexes: list[int],
        verdicts: list[Verdict | None],
    ) -> None:
        """Decide ``platform_id``'s ``movements``: ``verdicts[indexes[i]]`` answers the i-th."""
        version, engine = self.scoring_model(platform_id)
        rules, lists = self.rules_of(platform_id), self.lists_of(platform_id)
        transactions = [self._transaction(movement) for movement in movements]
        early: dict[int, list[RL.RuleHit]] = {}  # position -> the block rules' hits
        # the rules' ``tx`` of each movement, built once for the block rules and the others
        tx_variables: list[dict[str, Any] | None] = [None] * len(movements)
        others = [rule for rule in rules if not RL.blocking(rule)]

        def let_through(position: int, scored: Scored) -> bool:
            verdict = self._verdict(
                movements[position],
                transactions[position],
                scored,
                version,
                rules,
                lists,
                early.pop(position, None),
                tx_variables[position],
                others,
            )
            verdicts[indexes[position]] = verdict
            return verdict.outcome != "block"

        may_block = self._may_block(movements, transactions, rules, lists, early, tx_variables)
        self.online.decide(transactions, engine, let_through, may_block)

    def _transaction(self, movement: Movement) -> Transaction:
        counterparty = movement.counterparty
        if counterparty is not None and counterparty.startswith("iban:"):
            iban = counterparty[5:].replace(" ", "").upper()
            counterparty = "iban:" + RL.hash_value(iban)[:24]
        context = movement.context
        return Transaction(
            id=movement.id,
            at=movement.at,
            kind=movement.kind,
            customer_id=movement.customer_id or movement.wallet_id,
            amount=movement.amount,
            counterparty=counterparty,
            currency=movement.currency,
            card_fingerprint=movement.card_fingerprint,
            card_country=context.get("card_country"),
            ip_country=context.get("ip_country"),
            device_id=context.get("device_id"),
            mcc=context.get("mcc"),
        )

    def _verdict(
        self,
        movement: Movement,
        tx: Transaction,
        result: Scored,
        model_version: str,
        rules: list[RL.ActiveRule],
        lists: RL.Lists,
        early: list[RL.RuleHit] | None = None,
        tx_variables: dict[str, Any] | None = None,
        others: list[RL.ActiveRule] | None = None,
    ) -> Verdict:
        """The verdict on one scored movement and the rows it stores (the state observes
        it when it is not blocked: :meth:`OnlineEngine.decide`). ``early``: the hits of the
        enforced block rules, evaluated already (:meth:`_may_block`); ``tx_variables``:
        the rules' ``tx``, when built already; ``others``: the rules but the block rules."""
        platform_id = movement.platform_id
        blocked_by, allowed_by = self._listed(lists, movement, tx)
        variables = RL.rule_variables(
            tx_variables if tx_variables is not None else self._tx_variables(tx),
            result.score,
            result.reasons,
            result.features,
        )
        if early is None:
            hits = RL.evaluate(rules, variables)
        else:  # the others, then every hit in the rules' order
            if others is None:
                others = [r for r in rules if not RL.blocking(r)]
            rest = RL.evaluate(others, variables)
            if not early or not rest:  # one list: already in the rules' order
                hits = rest or early
            else:
                found = {id(hit.rule): hit for hit in (*early, *rest)}
                hits = [found[id(rule)] for rule in rules if id(rule) in found]
        reasons = list(result.reasons)
        if blocked_by is not None:
            reasons.insert(0, f"block_list_{blocked_by}")
        if allowed_by is not None:
            reasons.insert(0, f"allow_list_{allowed_by}")
        reasons.extend(
            f"rule_{hit.rule.name}" for hit in hits if hit.rule.mode == "enforce" and not hit.error
        )
        outcome = RL.outcome(
            self.online.thresholds.decision(result.score), hits, blocked_by, allowed_by
        )
        matches: list[Match] = []
        if movement.kind == "payout" and movement.counterparty_name and outcome != "block":
            matches = self._beneficiary_matches(platform_id, tx.counterparty or "", movement)
            if matches:
                reasons.append("sanctions_match")
                outcome = "review"
        now = R.now_micros()
        rules_fired = [hit.to_json() for hit in hits]
        event_text = event_json(tx)
        decision_id = R.new_id("rd")
        deadline = now + self.settings.risk_review_deadline_seconds * 1_000_000
        decision_row = {
            "id": decision_id,
            "platform_id": platform_id,
            "movement_type": movement.kind,
            "movement_id": movement.id,
            "customer_id": movement.customer_id,
            "amount": movement.amount,
            "currency": movement.currency,
            "outcome": outcome,
            "score": float(result.score),
            "reasons": R.dumps(reasons),
            "rules": R.dumps(rules_fired),
            "model_version": model_version,
            "review_status": "open" if outcome == "review" else None,
            "event": event_text,
            "created_at": now,
        }
        writes: list[tuple[sa.Table, dict[str, Any]]] = [(T.decisions, decision_row)]
        if outcome != "block":
            writes.append(
                (
                    T.observations,
                    {"platform_id": platform_id, "event": event_text, "created_at": now},
                )
            )
        if outcome == "review":
            case = self._case_row(
                platform_id,
                kind="review",
                title=f"Review of {movement.kind} {movement.id} (score {result.score:.2f})",
                customer_ids=[c for c in [movement.customer_id] if c],
                transaction_ids=[movement.id],
                due_at=deadline,
                decision_id=decision_id,
                movement=(movement.kind, movement.id),
            )
            writes.append((T.cases, case))
            for match in matches:
                writes.append(
                    (
                        T.screening_hits,
                        self._hit_row(
                            platform_id,
                            "beneficiary",
                            tx.counterparty or "",
                            movement.counterparty_name or "",
                            match,
                            case["id"],
                        ),
                    )
                )
        public = {  # decision_model(decision_row), without reading back its JSON
            **{key: decision_row[key] for key in _PUBLIC_DECISION_FIELDS},
            "object": "risk_decision",
            "score": round(float(result.score), 6),
            "reasons": reasons,
            "rules": rules_fired,
            "created_at": _iso(now),
        }
        return Verdict(
            outcome=outcome,
            check=self.name,
            decision_id=decision_id,
            score=float(result.score),
            reasons=tuple(reasons),
            review_deadline_micros=deadline if outcome == "review" else None,
            writes=tuple(writes),
            events=(("risk.decision.created", WR.event_text({"object": public})),),
        )

    @staticmethod
    def _tx_variables(tx: Transaction) -> dict[str, Any]:
        """The rules' ``tx`` (see :mod:`coffer.risk.online.rules`)."""
        cp = tx.counterparty
        return {
            "kind": tx.kind,
            "amount": tx.amount,
            "currency": tx.currency,
            "customer_id": tx.customer_id,
            "counterparty": cp or "",
            "counterparty_type": (
                "none" if cp is None else cp.split(":", 1)[0] if ":" in cp else "customer"
            ),
            "device_id": tx.device_id or "",
            "ip_country": tx.ip_country or "",
            "card_country": tx.card_country or "",
            "mcc": tx.mcc or "",
        }

    def _may_block(
        self,
        movements: list[Movement],
        transactions: list[Transaction],
        rules: list[RL.ActiveRule],
        lists: RL.Lists,
        early: dict[int, list[RL.RuleHit]],
        tx_variables: list[dict[str, Any] | None],
    ) -> Callable[[int, list[float]], bool] | None:
        """Whether the platform's lists or enforced block rules may block the i-th movement
        whatever its score (:meth:`OnlineEngine.decide`), the block rules' hits kept in
        ``early`` and the rules' ``tx`` in ``tx_variables``; None when a block rule reads the score or the reasons (only the model
        can tell then)."""
        blocking = [rule for rule in rules if RL.blocking(rule)]
        if any(rule.program.variables & {"score", "reasons"} for rule in blocking):
            return None

        def may_block(position: int, vector: list[float]) -> bool:
            tx = transactions[position]
            if self._listed(lists, movements[position], tx)[0] is not None:
                return True
            if not blocking:
                return False
            values = tx_variables[position] = self._tx_variables(tx)
            variables = RL.rule_variables(values, 0.0, [], vector)
            hits = early[position] = RL.evaluate(blocking, variables)
            return any(not hit.error for hit in hits)

        return may_block

    @staticmethod
    def _listed(
        lists: RL.Lists, movement: Movement, tx: Transaction
    ) -> tuple[str | None, str | None]:
        """(the kind of identity on the block list, on the allow list), or None each."""
        if not lists.values:  # no list entries on the platform (the common case)
            return None, None
        counterparty = movement.counterparty or ""
        iban = counterparty[5:] if counterparty.startswith("iban:") else None
        identities: list[tuple[str, str | None]] = [
            ("customer", tx.customer_id),
            ("iban", None if iban is None else RL.normalize_list_value("iban", iban)),
            ("card", tx.card_fingerprint),
            ("device", tx.device_id),
            ("country", tx.ip_country),
            ("country", tx.card_country),
        ]
        blocked_by = lists.match("block", identities)
        return blocked_by, lists.match("allow", identities) if blocked_by is None else None

    # -- model -------------------------------------------------------------------------------

    def model_info(self, platform_id: str | None = None) -> dict[str, Any]:
        """The default model (``COFFER_RISK_MODEL_DIR``), and which model scores the
        platform's movements now (``scoring_version``: an active version's id, or the
        default model's version)."""
        metadata = self.online.model_metadata
        scoring = None if platform_id is None else self.scoring_model(platform_id)[0]
        return {
            "version": self.online.model_version,
            "scoring_version": scoring,
            "trained": self.online.engine is not None,
            "model_dir": self.settings.risk_model_dir,
            "feature_count": len(metadata.get("feature_names", [])),
            "metrics": metadata.get("metrics", {}),
            "review_threshold": self.online.thresholds.review,
            "block_threshold": self.online.thresholds.block,
            "observed_events": self.online.state.events,
        }

    # -- state: restore, catch up, snapshot ----------------------------------------------------

    def restore(self) -> None:
        """The newest snapshot of this model's state, then every observation after it."""
        with self.engine.connect() as connection:
            snap = R.snapshot(connection, "features")
        if snap is not None and snap["model_version"] == self.online.model_version:
            self.online.restore(int(snap["seq"]), bytes(snap["state"]))
        self.catch_up(limit=None)

    def catch_up(self, *, limit: int | None = 10_000) -> int:
        """Apply observations other processes (or earlier runs) stored; returns how many."""
        from coffer.risk.online.state import event_from_json

        applied = 0
        while True:
            with self.engine.connect() as connection:
                rows = R.observations_after(connection, self.online.seq, 5_000)
            for row in rows:
                event = event_from_json(row["event"])
                self.online.apply_stored(int(row["seq"]), observation_key(event), event)
            applied += len(rows)
            if len(rows) < 5_000 or (limit is not None and applied >= limit):
                return applied

    def observe_customer(self, platform_id: str, customer: Customer) -> None:
        """Feed an onboarded customer to the state (stored, so a restart replays it)."""
        key = observation_key(customer)
        self.online.observe(customer, own_key=key)
        if self._process is not None:
            self._process.observe(customer, key)
        with self._unit() as connection:
            R.insert(
                connection,
                T.observations,
                {
                    "platform_id": platform_id,
                    "event": event_json(customer),
                    "created_at": R.now_micros(),
                },
            )

    def snapshot(self) -> int | None:
        """Store the state as of the last stored observation; returns its sequence (None:
        not now, observations of this process are still being written)."""
        self.catch_up(limit=None)
        taken = self.online.snapshot()
        if taken is None:
            return None
        seq, blob = taken
        with self._unit() as connection:
            R.save_snapshot(
                connection,
                {
                    "name": "features",
                    "seq": seq,
                    "position": None,
                    "model_version": self.online.model_version,
                    "state": blob,
                    "created_at": R.now_micros(),
                },
            )
        return seq
