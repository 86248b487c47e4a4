"""Sanctions screening in the online risk service: matching a customer or a payout's
beneficiary against the lists (minus the subject's whitelist), recording hits and their
sanctions case, listing hits, and whitelisting a false positive."""

from __future__ import annotations

from typing import Any

from coffer.errors import RiskNotFound, ValidationError
from coffer.risk.online import repository as R
from coffer.risk.online import tables as T
from coffer.risk.online.cases import CaseService
from coffer.risk.online.core import audited
from coffer.risk.online.models import MAX_PAGE, _iso, case_model, hit_model
from coffer.risk.sanctions.models import Match, Subject
from coffer.wallets.checks import Movement

SCREENING_LIMIT = 5


class ScreeningService(CaseService):
    """The screening of the risk service (see the module doc)."""

    def _hit_row(
        self,
        platform_id: str,
        subject_type: str,
        subject_id: str,
        name: str,
        match: Match,
        case_id: str | None,
    ) -> dict[str, Any]:
        return R.new_row(
            "sh",
            platform_id,
            {
                "subject_type": subject_type,
                "subject_id": subject_id,
                "name": name,
                "list": match.list_name,
                "entry_id": match.entry_id,
                "entry_name": match.name,
                "score": float(match.score),
                "status": "open",
                "case_id": case_id,
            },
        )

    def _matches(self, platform_id: str, subject_id: str, subject: Subject) -> list[Match]:
        found = self.screener.screen(
            subject, threshold=self.settings.risk_screening_threshold, limit=SCREENING_LIMIT
        )
        if not found:
            return []
        with self.engine.connect() as connection:
            skip = R.whitelisted(connection, platform_id, subject_id)
        return [m for m in found if (m.list_name, m.entry_id) not in skip]

    def _beneficiary_matches(
        self, platform_id: str, subject_id: str, movement: Movement
    ) -> list[Match]:
        return self._matches(
            platform_id, subject_id, Subject(name=movement.counterparty_name or "")
        )

    def screen_customer(self, platform_id: str, customer_id: str) -> list[dict[str, Any]]:
        """Screen a customer's name (onboarding, name change, list update): new matches,
        not whitelisted and not already open, become hits and one sanctions case. A clean
        result is recorded too (``status`` clear) so that a list update screens them again."""
        customer = self.wallets_of(platform_id).wallets.customer(customer_id)
        country = customer.address.country if customer.address is not None else None
        subject = Subject(
            name=customer.name,
            kind=customer.kind,
            birth_date=customer.birth_date,
            country=country,
        )
        matches = self._matches(platform_id, customer_id, subject)
        hits: list[dict[str, Any]] = []
        with self._unit(platform_id) as connection:
            fresh = [
                m
                for m in matches
                if R.open_hit(connection, platform_id, customer_id, m.list_name, m.entry_id) is None
            ]
            case = None
            if fresh:
                case = self._case_row(
                    platform_id,
                    kind="sanctions",
                    title=f"Sanctions match for customer {customer_id}",
                    customer_ids=[customer_id],
                    transaction_ids=[],
                    typology="sanctions",
                )
                R.insert(connection, T.cases, case)
                self.wallets.core.emit(connection, "risk.case.opened", {"object": case_model(case)})
            for match in fresh:
                row = self._hit_row(
                    platform_id,
                    "customer",
                    customer_id,
                    customer.name,
                    match,
                    None if case is None else str(case["id"]),
                )
                R.insert(connection, T.screening_hits, row)
                hits.append(hit_model(row))
            if not matches and R.open_hit(connection, platform_id, customer_id, "-", "-") is None:
                clear = self._hit_row(
                    platform_id,
                    "customer",
                    customer_id,
                    customer.name,
                    Match("-", "-", "", 0.0),
                    None,
                )
                clear["status"] = "clear"
                R.insert(connection, T.screening_hits, clear)
        return hits

    def screening_hits(
        self,
        platform_id: str,
        *,
        subject_id: str | None = None,
        status: str | None = None,
        starting_after: str | None = None,
        limit: int = 50,
    ) -> tuple[list[dict[str, Any]], bool]:
        return self._page_of(
            T.screening_hits,
            hit_model,
            platform_id,
            filters={"subject_id": subject_id, "status": status},
            conditions=[T.screening_hits.c.list != "-"],
            starting_after=starting_after,
            limit=limit,
        )

    def whitelist_hit(
        self, platform_id: str, hit_id: str, *, reason: str, actor: str
    ) -> dict[str, Any]:
        """A false positive: this entity never matches this list entry again."""
        if not reason.strip():
            raise ValidationError("whitelisting needs a reason")
        with self._unit() as connection:
            hit = R.get(connection, T.screening_hits, platform_id, hit_id)
            if hit is None or hit["list"] == "-":
                raise RiskNotFound(f"screening hit {hit_id!r} does not exist")
            key = (hit["list"], hit["entry_id"])
            if key not in R.whitelisted(connection, platform_id, hit["subject_id"]):
                R.insert(
                    connection,
                    T.whitelist,
                    R.new_row(
                        "wl",
                        platform_id,
                        {
                            "subject_id": hit["subject_id"],
                            "list": hit["list"],
                            "entry_id": hit["entry_id"],
                            "reason": reason,
                            "created_by": actor,
                        },
                    ),
                )
            R.update(connection, T.screening_hits, platform_id, hit_id, {"status": "whitelisted"})
            audited(
                connection,
                actor,
                "risk_screening.whitelisted",
                hit_id,
                {"subject_id": hit["subject_id"], "list": key[0], "entry_id": key[1]},
            )
            hit = R.get(connection, T.screening_hits, platform_id, hit_id)
        assert hit is not None
        return hit_model(hit)

    def whitelist(self, platform_id: str, subject_id: str | None = None) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows, _ = R.page(
                connection,
                T.whitelist,
                platform_id,
                filters={"subject_id": subject_id},
                limit=MAX_PAGE,
            )
        return [
            {
                key: row[key]
                for key in ("id", "subject_id", "list", "entry_id", "reason", "created_by")
            }
            | {"created_at": _iso(row["created_at"])}
            for row in rows
        ]
