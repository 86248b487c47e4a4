"""The automations domain's base: the platform's state and the automations and their
versions (create, edit, pause/resume/archive, reads). No SQL here (repository.py).
"""

from __future__ import annotations

import base64
import secrets
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import sqlalchemy as sa

from coffer.automations import repository as R
from coffer.automations import schemas as S
from coffer.automations import tables as T
from coffer.automations.definitions import (
    Compiled,
    EventTrigger,
    ScheduleTrigger,
    compile_definition,
)
from coffer.automations.errors import AutomationNotFound
from coffer.automations.runstate import from_micros, micros
from coffer.automations.settings import AutomationSettings, get_automation_settings
from coffer.automations.views import automation_model, version_model
from coffer.errors import InvalidState, ValidationError

if TYPE_CHECKING:
    from coffer.fx.platform import FxPlatform
    from coffer.wallets.platform import WalletPlatform

Clock = Callable[[], datetime]
WalletsOf = Callable[[str], "WalletPlatform"]  # a platform id -> its wallets domain
SECRET_CONTEXT = T.SECRET_CONTEXT
Page = TypeVar("Page", bound=S.ListPage[Any])


def system_clock() -> datetime:
    return datetime.now(UTC)


class AutomationsCore:
    """The platform's state (engine, settings, clock, HTTP client, compiled definitions)
    and the automations themselves: create, edit, status, reads. The base of
    :class:`coffer.automations.service.AutomationsPlatform`."""

    def __init__(
        self,
        wallets: WalletPlatform,
        settings: AutomationSettings | None = None,
        clock: Clock | None = None,
        http: httpx.Client | None = None,
        wallets_of: WalletsOf | None = None,
    ) -> None:
        self.wallets = wallets
        self._wallets_of = wallets_of
        self._platforms: dict[str, WalletPlatform] = {wallets.platform_id: wallets}
        self.coffer = wallets.coffer
        self.engine: sa.Engine = wallets.coffer.engine
        self.settings = settings or get_automation_settings()
        self.clock: Clock = clock or system_clock
        self.http = http or httpx.Client(follow_redirects=False)
        self._compiled: dict[tuple[str, int], Compiled] = {}
        self._compiled_lock = threading.Lock()
        self._fx: dict[str, FxPlatform] = {}
        self._attach()

    def _attach(self) -> None:
        """Build the services that work on this state (the full platform has some)."""

    # -- helpers ---------------------------------------------------------------------------

    def now_micros(self) -> int:
        return micros(self.clock())

    def listed(
        self,
        page: type[Page],
        model: Callable[[sa.Connection, R.Row], Any],
        table: sa.Table,
        platform_id: str,
        equal: Mapping[str, Any],
        *where: sa.ColumnElement[bool],
        starting_after: str | None,
        limit: int,
    ) -> Page:
        """A ``page`` of ``platform_id``'s rows of ``table`` (see :func:`R.page`), each as
        its ``model`` (made while the connection is open: it may read more)."""
        with R.reading(self.engine) as connection:
            rows, more = R.page(
                connection,
                table,
                platform_id,
                equal,
                *where,
                starting_after=starting_after,
                limit=limit,
            )
            return page(data=[model(connection, row) for row in rows], has_more=more)

    def platform_wallets(self, platform_id: str) -> WalletPlatform:
        """The wallets domain of ``platform_id``: an automation reads and moves only the
        wallets of its own platform (another platform's wallet is not found)."""
        found = self._platforms.get(platform_id)
        if found is None:
            if self._wallets_of is not None:
                found = self._wallets_of(platform_id)
            else:
                from coffer.wallets.platform import open_wallets

                found = open_wallets(self.coffer, self.wallets.settings, platform_id=platform_id)
            with self._compiled_lock:
                found = self._platforms.setdefault(platform_id, found)
        return found

    def fx_of(self, platform_id: str) -> FxPlatform:
        """The fx domain of ``platform_id`` (on that platform's wallets)."""
        found = self._fx.get(platform_id)
        if found is None:
            from coffer.fx.platform import open_fx

            found = open_fx(self.platform_wallets(platform_id))
            with self._compiled_lock:
                found = self._fx.setdefault(platform_id, found)
        return found

    def compiled(self, automation_id: str, version: int) -> Compiled:
        key = (automation_id, version)
        found = self._compiled.get(key)
        if found is not None:
            return found
        with R.reading(self.engine) as connection:
            row = R.version(connection, automation_id, version)
        if row is None:
            raise AutomationNotFound(f"automation {automation_id} has no version {version}")
        compiled = compile_definition(R.loads(row["definition"]))
        with self._compiled_lock:
            if len(self._compiled) > 10_000:
                self._compiled.clear()
            self._compiled[key] = compiled
        return compiled

    def _secret(self, row: Mapping[str, Any]) -> str:
        secret = self.wallets.core.cipher.decrypt(row["webhook_secret_enc"], context=SECRET_CONTEXT)
        assert secret is not None
        return str(secret)

    # -- automations -----------------------------------------------------------------------

    def create(self, platform_id: str, request: S.AutomationCreate) -> S.Automation:
        compiled = compile_definition(request.definition)
        definition = compiled.definition
        if request.owner_customer_id is not None:
            wallets = self.platform_wallets(platform_id).wallets
            wallets.customer(request.owner_customer_id)  # the platform's customer, or 404
            if any(step.type == "numscript" for step in compiled.steps.values()):
                raise ValidationError(
                    "a customer's automation cannot run Numscript (it could touch any account)"
                )
        now = self.now_micros()
        automation_id = R.new_id("auto")
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        trigger = definition.trigger
        values: dict[str, Any] = {
            "id": automation_id,
            "platform_id": platform_id,
            "owner_customer_id": request.owner_customer_id,
            "name": request.name,
            "status": "active",
            "version": 1,
            "trigger_type": trigger.type,
            "event_type": trigger.event_type if isinstance(trigger, EventTrigger) else None,
            "next_fire_at": self._first_fire(trigger, now),
            "last_fire_at": None,
            "state": R.dumps(self._initial_state(platform_id, trigger)),
            "webhook_secret_enc": self.wallets.core.cipher.encrypt(secret, context=SECRET_CONTEXT),
            "created_at": now,
            "updated_at": now,
        }
        with R.unit(self.engine) as connection:
            R.insert(connection, T.automations, values)
            self._insert_version(
                connection, automation_id, platform_id, 1, request.definition, request.consent, now
            )
        self._compiled[(automation_id, 1)] = compiled
        automation = self.automation(platform_id, automation_id)
        automation.secret = secret
        return automation

    def _insert_version(
        self,
        connection: sa.Connection,
        automation_id: str,
        platform_id: str,
        number: int,
        definition: dict[str, Any],
        consent: dict[str, Any] | None,
        now: int,
    ) -> None:
        R.insert(
            connection,
            T.automation_versions,
            {
                "automation_id": automation_id,
                "version": number,
                "platform_id": platform_id,
                "definition": R.dumps(definition),
                "consent": R.dumps_or_none(consent),
                "created_at": now,
            },
        )

    def _first_fire(self, trigger: Any, now: int) -> int | None:
        if not isinstance(trigger, ScheduleTrigger):
            return None
        following = trigger.schedule().next_after(from_micros(now))
        return None if following is None else micros(following)

    def _initial_state(self, platform_id: str, trigger: Any) -> dict[str, Any]:
        if isinstance(trigger, EventTrigger) and trigger.wallet_id is not None:
            balance = self.platform_wallets(platform_id).wallets.wallet(trigger.wallet_id).balance
            assert trigger.threshold is not None
            return {"below": balance < trigger.threshold}
        return {}

    def update(
        self, platform_id: str, automation_id: str, request: S.AutomationUpdate
    ) -> S.Automation:
        """Edit: a new definition becomes a new version; runs keep the version they started with."""
        row = self._automation_row(platform_id, automation_id)
        if row["status"] == "archived":
            raise InvalidState(f"automation {automation_id} is archived; create a new one")
        now = self.now_micros()
        values: dict[str, Any] = {"updated_at": now}
        if request.name is not None:
            values["name"] = request.name
        with R.unit(self.engine) as connection:
            if request.definition is not None:
                compiled = compile_definition(request.definition)
                trigger = compiled.definition.trigger
                if row["owner_customer_id"] and any(
                    s.type == "numscript" for s in compiled.steps.values()
                ):
                    raise ValidationError("a customer's automation cannot run Numscript")
                number = int(row["version"]) + 1
                self._insert_version(
                    connection,
                    automation_id,
                    platform_id,
                    number,
                    request.definition,
                    request.consent,
                    now,
                )
                values.update(
                    version=number,
                    trigger_type=trigger.type,
                    event_type=trigger.event_type if isinstance(trigger, EventTrigger) else None,
                    next_fire_at=self._first_fire(trigger, now)
                    if row["status"] == "active"
                    else None,
                    state=R.dumps(self._initial_state(platform_id, trigger)),
                )
            R.update_automation(connection, automation_id, values)
        return self.automation(platform_id, automation_id)

    def set_status(self, platform_id: str, automation_id: str, status: str) -> S.Automation:
        """pause, resume (active again: a schedule continues from now, missed occurrences
        are not made up) or archive (for good)."""
        row = self._automation_row(platform_id, automation_id)
        allowed = {
            "paused": ("active",),
            "active": ("paused",),
            "archived": ("active", "paused"),
        }[status]
        if row["status"] == status:
            return self.automation(platform_id, automation_id)
        if row["status"] not in allowed:
            raise InvalidState(
                f"automation {automation_id} is {row['status']}; it cannot become {status}"
            )
        now = self.now_micros()
        values: dict[str, Any] = {"status": status, "updated_at": now}
        if status == "active":
            compiled = self.compiled(automation_id, int(row["version"]))
            values["next_fire_at"] = self._first_fire(compiled.definition.trigger, now)
        elif status in ("paused", "archived"):
            values["next_fire_at"] = None
        with R.unit(self.engine) as connection:
            R.update_automation(connection, automation_id, values)
        return self.automation(platform_id, automation_id)

    def _automation_row(self, platform_id: str, automation_id: str) -> dict[str, Any]:
        with R.reading(self.engine) as connection:
            row = R.automation(connection, platform_id, automation_id)
        if row is None:
            raise AutomationNotFound(f"automation {automation_id!r} does not exist")
        return row

    def _model(self, connection: sa.Connection, row: Mapping[str, Any]) -> S.Automation:
        """The automation of ``row``, with its current version."""
        version = R.version(connection, row["id"], int(row["version"]))
        assert version is not None
        return automation_model(row, version)

    def automation(self, platform_id: str, automation_id: str) -> S.Automation:
        row = self._automation_row(platform_id, automation_id)
        with R.reading(self.engine) as connection:
            return self._model(connection, row)

    def automations(
        self,
        platform_id: str,
        *,
        status: str | None = None,
        owner_customer_id: str | None = None,
        starting_after: str | None = None,
        limit: int = 20,
    ) -> S.ListPage[S.Automation]:
        return self.listed(
            S.ListPage[S.Automation],
            self._model,
            T.automations,
            platform_id,
            {"status": status, "owner_customer_id": owner_customer_id},
            starting_after=starting_after,
            limit=limit,
        )

    def versions(self, platform_id: str, automation_id: str) -> list[S.AutomationVersion]:
        self._automation_row(platform_id, automation_id)
        with R.reading(self.engine) as connection:
            rows = R.versions(connection, automation_id)
        return [version_model(row) for row in rows]
