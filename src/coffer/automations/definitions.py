"""An automation's definition: trigger, condition and workflow of steps, validated when
saved (every expression compiled, every step's fields checked) so that a run never meets
a malformed definition.

Values in steps are literals or CEL expressions: a string that starts with ``=`` is an
expression (``"amount": "=trigger.data.object.amount / 10"``); ``"\\="`` starts a literal
``=``. Expressions read ``trigger``, ``inputs``, ``steps`` (the outputs of earlier steps by
id), ``vars`` (what ``set`` steps stored), ``now``, ``run``, ``automation``, a loop's item,
and call the read-only lookups ``balance(wallet_id)``, ``available(wallet_id)``,
``kyc_level(customer_id)`` and ``wallet_customer(wallet_id)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticError

from coffer.automations.schedules import BusinessDays, Schedule, ScheduleInvalid
from coffer.errors import ValidationError
from coffer.expressions import Expression, ExpressionInvalid, compile_expression

BASE_VARIABLES = frozenset({"trigger", "inputs", "steps", "vars", "now", "run", "automation"})
LOOKUPS = ("balance", "available", "kyc_level", "wallet_customer")
MAX_STEPS = 200  # steps in one definition, nested ones included
MAX_LOOP_ITEMS = 1_000
MAX_DEPTH = 8


def _lookup_stub(*_: Any) -> Any:  # names only: the engine binds the real lookups
    raise NotImplementedError


LOOKUP_NAMES = {name: _lookup_stub for name in LOOKUPS}


class DefinitionInvalid(ValidationError, code="automation_invalid"):
    """An automation definition that cannot run: the message names the step and field."""

    hint = "Fix the definition as the message says (docs/automations.md lists every field)."


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- triggers -------------------------------------------------------------------------------


class BusinessDaysSpec(Model):
    country: str = Field(min_length=2, max_length=8, description="FR, US, or ECB / NYSE")
    subdivision: str | None = Field(default=None, max_length=8)
    convention: Literal["following", "preceding", "modified_following"] = "following"


class ScheduleTrigger(Model):
    type: Literal["schedule"]
    rrule: str | None = Field(default=None, max_length=500, description="RFC 5545 RRULE")
    cron: str | None = Field(default=None, max_length=100)
    timezone: str = "UTC"
    dtstart: datetime | None = Field(
        default=None, description="Local wall time in the time zone the rule starts at"
    )
    business_days: BusinessDaysSpec | None = None
    catch_up: Literal["all", "latest", "skip"] = Field(
        default="latest",
        description="Occurrences missed while no worker ran: run all, only the latest, or"
        " skip them (an occurrence later than the grace period is missed)",
    )

    def schedule(self) -> Schedule:
        business = None
        if self.business_days is not None:
            business = BusinessDays(
                self.business_days.country,
                self.business_days.convention,
                self.business_days.subdivision,
            )
        return Schedule(
            timezone=self.timezone,
            rrule=self.rrule,
            cron=self.cron,
            dtstart=self.dtstart,
            business_days=business,
        )


class EventTrigger(Model):
    type: Literal["event"]
    event_type: str = Field(
        min_length=1,
        max_length=64,
        description="An outbox event type (payin.succeeded), a prefix pattern (transfer.*),"
        " or wallet.balance_below / wallet.balance_above (with wallet_id and threshold)",
    )
    filter: str | None = Field(default=None, max_length=4000, description="CEL over event")
    wallet_id: str | None = Field(default=None, max_length=40)
    threshold: int | None = None

    @model_validator(mode="after")
    def _crossing(self) -> EventTrigger:
        crossing = self.event_type in ("wallet.balance_below", "wallet.balance_above")
        if crossing and (self.wallet_id is None or self.threshold is None):
            raise ValueError(f"{self.event_type} needs wallet_id and threshold")
        if not crossing and (self.wallet_id is not None or self.threshold is not None):
            raise ValueError("wallet_id and threshold belong to wallet.balance_* triggers")
        return self


class ManualTrigger(Model):
    type: Literal["manual"]
    required_inputs: list[str] = Field(default_factory=list, max_length=50)


class WebhookTrigger(Model):
    type: Literal["webhook"]


Trigger = Annotated[
    ScheduleTrigger | EventTrigger | ManualTrigger | WebhookTrigger, Field(discriminator="type")
]


# -- steps ----------------------------------------------------------------------------------


class RetryPolicy(Model):
    max_attempts: int = Field(default=3, ge=1, le=50)
    backoff_seconds: float = Field(default=2.0, gt=0, le=7 * 86400)
    max_backoff_seconds: float = Field(default=3600.0, gt=0, le=30 * 86400)
    on: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Error codes retried besides internal errors (insufficient_funds: dunning)",
    )


StepType = Literal[
    "transfer",
    "payment",
    "payout",
    "numscript",
    "hold",
    "refund",
    "convert",
    "webhook",
    "wait_event",
    "delay",
    "approval",
    "branch",
    "loop",
    "call",
    "set",
]
MONEY_STEPS = frozenset({"transfer", "payment", "payout", "numscript", "hold", "refund", "convert"})

# per type: required fields, optional fields (each may be an expression unless literal)
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "transfer": (
        ("debited_wallet_id", "credited_wallet_id", "amount", "currency"),
        ("fee", "metadata"),
    ),
    "payment": (
        ("buyer_wallet_id", "seller_wallet_id", "amount", "currency"),
        ("fee", "escrow", "capture", "metadata"),
    ),
    "payout": (("wallet_id", "bank_account_id", "amount", "currency"), ()),
    "numscript": (("script",), ("vars", "ledger", "metadata")),
    "hold": (
        ("action",),
        (
            *("buyer_wallet_id", "seller_wallet_id", "amount", "currency", "fee", "escrow"),
            *("payment_id", "metadata"),
        ),
    ),
    "refund": (("payment_id",), ("amount",)),
    "convert": (("from_wallet_id", "to_wallet_id"), ("sell_amount", "buy_amount", "metadata")),
    "webhook": (("url",), ("body",)),
    "wait_event": (("event_type",), ("filter", "timeout_seconds", "on_timeout")),
    "delay": ((), ("seconds", "until")),
    "approval": ((), ("message", "approvals", "timeout_seconds", "on_reject")),
    "branch": (("if",), ("then", "else")),
    "loop": (("over", "steps"), ("as", "max_items")),
    "call": (("automation_id",), ("inputs",)),
    "set": (("values",), ()),
}
# fields that are never expressions: expressions themselves, names, nested steps
LITERAL_FIELDS = frozenset(
    {"script", "ledger", "event_type", "filter", "if", "then", "else", "steps", "as"}
    | {"on_timeout", "on_reject", "automation_id", "action"}
)
HOLD_ACTIONS = ("create", "capture", "void", "release", "return")


class Step(Model):
    model_config = ConfigDict(extra="allow")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$", description="Unique in the automation")
    type: StepType
    when: str | None = Field(default=None, description="CEL: the step runs only if true")
    retry: RetryPolicy | None = None

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    def children(self) -> Iterator[tuple[str, list[Step]]]:
        for name in ("then", "else", "steps"):
            value = self.params.get(name)
            if isinstance(value, list):
                yield name, [item if isinstance(item, Step) else Step(**item) for item in value]


class Definition(Model):
    """What an automation does; every edit stores a new version of it."""

    trigger: Trigger
    condition: str | None = Field(
        default=None, max_length=4000, description="CEL: runs start only when it is true"
    )
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)
    retry: RetryPolicy = Field(default_factory=RetryPolicy, description="Default per step")
    parties: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="Customer ids (or expressions) who may read the runs (escrow parties)",
    )


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def literal(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("\\="):
        return value[1:]
    return value


class Compiled:
    """A validated definition with every expression compiled once."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self.expressions: dict[str, Expression] = {}
        self.steps: dict[str, Step] = {}
        self.parents: dict[str, str | None] = {}
        # steps whose fields and ``when`` read neither ``now`` nor a lookup: resolving them
        # again after a crash gives the same request (see engine: their first checkpoint
        # is written with the outcome)
        self.deterministic: set[str] = set()
        self._schedule: Schedule | None = None
        self._compile()

    def schedule(self) -> Schedule:
        """The schedule trigger's :class:`Schedule`, built once."""
        if self._schedule is None:
            trigger = self.definition.trigger
            assert isinstance(trigger, ScheduleTrigger)
            self._schedule = trigger.schedule()
        return self._schedule

    def expression(self, source: str) -> Expression:
        return self.expressions[source]

    def _add(self, source: str, variables: frozenset[str], where: str) -> None:
        if source in self.expressions and self.expressions[source].variables <= variables:
            return
        try:
            self.expressions[source] = compile_expression(
                source, variables=variables, functions=LOOKUP_NAMES
            )
        except ExpressionInvalid as error:
            raise DefinitionInvalid(f"{where}: {error.message}", where=where) from error

    def _compile(self) -> None:
        definition = self.definition
        trigger = definition.trigger
        if isinstance(trigger, ScheduleTrigger):
            try:
                trigger.schedule()
            except ScheduleInvalid as error:
                raise DefinitionInvalid(f"trigger: {error.message}", where="trigger") from error
        if isinstance(trigger, EventTrigger) and trigger.filter:
            self._add(trigger.filter, frozenset({"event"}), "trigger.filter")
        if definition.condition:
            self._add(definition.condition, BASE_VARIABLES, "condition")
        for party in definition.parties:
            if is_expression(party):
                self._add(party[1:], BASE_VARIABLES, "parties")
        self._walk(definition.steps, BASE_VARIABLES, None, 0)

    def _walk(
        self, steps: list[Step], variables: frozenset[str], parent: str | None, depth: int
    ) -> None:
        if depth > MAX_DEPTH:
            raise DefinitionInvalid(f"steps nest deeper than {MAX_DEPTH} levels")
        for step in steps:
            where = f"step {step.id!r}"
            if step.id in self.steps:
                raise DefinitionInvalid(f"{where}: two steps have this id; ids must be unique")
            if len(self.steps) >= MAX_STEPS:
                raise DefinitionInvalid(f"more than {MAX_STEPS} steps")
            self.steps[step.id] = step
            self.parents[step.id] = parent
            required, optional = FIELDS[step.type]
            params = step.params
            missing = [name for name in required if name not in params]
            if missing:
                raise DefinitionInvalid(f"{where} ({step.type}) needs {', '.join(missing)}")
            unknown = sorted(set(params) - set(required) - set(optional))
            if unknown:
                raise DefinitionInvalid(
                    f"{where} ({step.type}) has no field {', '.join(unknown)}; it takes"
                    f" {', '.join(required + optional)}"
                )
            if step.when:
                self._add(step.when, variables, f"{where}.when")
            self._check_step(step, params, variables, where)
            sources = [
                source
                for name, value in params.items()
                if name not in LITERAL_FIELDS
                for source in _expressions_in(value)
            ]
            if step.when:
                sources.append(step.when)
            if all(
                "now" not in self.expressions[source].variables
                and not set(self.expressions[source].functions) & set(LOOKUPS)
                for source in sources
            ):
                self.deterministic.add(step.id)
            inner = variables
            if step.type == "loop":
                name = params.get("as", "item")
                if not isinstance(name, str) or not name.isidentifier():
                    raise DefinitionInvalid(f"{where}.as must be a name")
                inner = variables | {name, "index"}
            try:
                nested = [children for _, children in step.children()]
            except PydanticError as error:
                first = error.errors()[0]
                raise DefinitionInvalid(
                    f"{where}: a nested step: {'.'.join(str(p) for p in first['loc'])}:"
                    f" {first['msg']}"
                ) from error
            for children in nested:
                self._walk(children, inner, step.id, depth + 1)

    def _check_step(
        self, step: Step, params: dict[str, Any], variables: frozenset[str], where: str
    ) -> None:
        for name, value in params.items():
            if name in LITERAL_FIELDS:
                continue
            for source in _expressions_in(value):
                self._add(source, variables, f"{where}.{name}")
        kind = step.type
        if kind == "branch":
            self._add(_condition(params["if"]), variables, f"{where}.if")
        elif kind == "wait_event":
            if params.get("filter"):
                self._add(_condition(params["filter"]), variables | {"event"}, f"{where}.filter")
            if params.get("on_timeout", "fail") not in ("fail", "continue"):
                raise DefinitionInvalid(f"{where}.on_timeout is fail or continue")
        elif kind == "approval":
            if params.get("on_reject", "fail") not in ("fail", "continue"):
                raise DefinitionInvalid(f"{where}.on_reject is fail or continue")
            approvals = params.get("approvals", 1)
            if not isinstance(approvals, int) or not 1 <= approvals <= 20:
                raise DefinitionInvalid(f"{where}.approvals is a number from 1 to 20")
        elif kind == "delay":
            if ("seconds" in params) == ("until" in params):
                raise DefinitionInvalid(f"{where} takes either seconds or until")
        elif kind == "loop":
            maximum = params.get("max_items", 100)
            if not isinstance(maximum, int) or not 1 <= maximum <= MAX_LOOP_ITEMS:
                raise DefinitionInvalid(f"{where}.max_items is from 1 to {MAX_LOOP_ITEMS}")
            if not is_expression(params["over"]) and not isinstance(params["over"], list):
                raise DefinitionInvalid(f"{where}.over is a list or an expression (=...)")
        elif kind == "hold":
            if params["action"] not in HOLD_ACTIONS:
                raise DefinitionInvalid(f"{where}.action is one of {', '.join(HOLD_ACTIONS)}")
        elif kind == "convert":
            if ("sell_amount" in params) == ("buy_amount" in params):
                raise DefinitionInvalid(f"{where} takes either sell_amount or buy_amount")
        elif kind == "numscript":
            from coffer import numscript

            try:
                numscript.parse(params["script"])
            except Exception as error:
                raise DefinitionInvalid(f"{where}.script: {error}") from error
        elif kind == "set" and not isinstance(params["values"], dict):
            raise DefinitionInvalid(f"{where}.values is an object of names to values")


def _condition(value: Any) -> str:
    """A condition field: CEL with or without the leading ``=``."""
    if not isinstance(value, str) or not value.strip():
        raise DefinitionInvalid(f"condition {value!r} must be a CEL expression")
    return value[1:] if value.startswith("=") else value


def condition_source(value: str) -> str:
    return _condition(value)


def _expressions_in(value: Any) -> Iterator[str]:
    if is_expression(value):
        yield value[1:]
    elif isinstance(value, dict):
        for item in value.values():
            yield from _expressions_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _expressions_in(item)


def compile_definition(document: dict[str, Any]) -> Compiled:
    """Validate a definition document; :class:`DefinitionInvalid` names what is wrong."""
    try:
        definition = Definition.model_validate(document)
    except PydanticError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise DefinitionInvalid(f"{where}: {first['msg']}", errors=len(error.errors())) from error
    return Compiled(definition)
