"""The customer rules' recipes as automation definitions (docs/automations.md, customer
rules): round-ups of card payments, a fixed amount every payday, a sweep above a
threshold, and a recurring payment to a saved person (retried on insufficient funds).

The two scheduled recipes run monthly on a day at a time of day in the customer's time
zone, as an RFC 5545 RRULE from the moment the rule is made: without end, until a last day
(``UNTIL``, that day's end in the zone) or a number of times (``COUNT``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coffer.errors import ValidationError
from coffer.wallets import currencies
from coffer.wallets import schemas as W
from coffer.web.app import schemas as C

DUNNING = {"max_attempts": 4, "backoff_seconds": 86400, "max_backoff_seconds": 345600,
           "on": ["insufficient_funds"]}  # fmt: skip


SCHEDULED = ("payday", "recurring_payment")


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "Enter a time zone such as Europe/Paris or America/New_York.", field="time_zone"
        ) from None


def check_schedule(request: C.RuleCreate, now: datetime) -> None:
    """A clear error for an end that cannot be: no last day, a last day already past, or
    no number of times."""
    if request.ends == "on_date":
        if request.end_date is None:
            raise ValidationError("Choose the last day of the payments.", field="end_date")
        if request.end_date <= now.astimezone(zone_of(request.time_zone)).date():
            raise ValidationError("Choose a last day after today.", field="end_date")
    elif request.ends == "after" and request.occurrences is None:
        raise ValidationError(
            f"Enter how many times it runs: a number from 1 to {C.MAX_OCCURRENCES}.",
            field="occurrences",
        )


def schedule_trigger(request: C.RuleCreate, now: datetime) -> dict[str, Any]:
    """The monthly schedule of ``request`` from ``now`` (aware), as a trigger."""
    zone = zone_of(request.time_zone)
    rule = (
        f"FREQ=MONTHLY;BYMONTHDAY={request.day};BYHOUR={request.at.hour};"
        f"BYMINUTE={request.at.minute};BYSECOND=0"
    )
    if request.ends == "on_date":
        assert request.end_date is not None
        last = datetime.combine(request.end_date, time(23, 59, 59), zone).astimezone(UTC)
        rule += f";UNTIL={last:%Y%m%dT%H%M%SZ}"
    elif request.ends == "after":
        rule += f";COUNT={request.occurrences}"
    start = now.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
    return {"type": "schedule", "rrule": rule, "timezone": request.time_zone,
            "dtstart": start.isoformat(), "catch_up": "latest"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Recurrence:
    """What a customer reads of a monthly schedule: its day, time, zone and end."""

    day: int
    at: str  # HH:MM
    time_zone: str
    until: date | None = None
    count: int | None = None


_PART = re.compile(r"(BYMONTHDAY|BYHOUR|BYMINUTE|UNTIL|COUNT)=([0-9TZ]+)")


def recurrence_of(definition: dict[str, Any]) -> Recurrence | None:
    """The monthly schedule of a rule made from a recipe (None: not a schedule)."""
    trigger = definition.get("trigger") or {}
    if trigger.get("type") != "schedule":
        return None
    zone = str(trigger.get("timezone") or "UTC")
    if trigger.get("cron"):
        minute, hour, day = str(trigger["cron"]).split()[:3]
        return Recurrence(int(day), f"{int(hour):02d}:{int(minute):02d}", zone)
    parts = dict(_PART.findall(str(trigger.get("rrule") or "")))
    if "BYMONTHDAY" not in parts:
        return None
    until = None
    if "UNTIL" in parts:
        moment = datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        until = moment.astimezone(ZoneInfo(zone)).date()
    return Recurrence(
        day=int(parts["BYMONTHDAY"]),
        at=f"{int(parts.get('BYHOUR', 0)):02d}:{int(parts.get('BYMINUTE', 0)):02d}",
        time_zone=zone,
        until=until,
        count=int(parts["COUNT"]) if "COUNT" in parts else None,
    )


def definition(
    request: C.RuleCreate, source: W.Wallet, target: W.Wallet, now: datetime
) -> dict[str, Any]:
    """The automation definition of ``request``, moving from ``source`` to ``target``
    (a schedule starts at ``now``)."""
    move: dict[str, Any] = {
        "type": "transfer",
        "debited_wallet_id": source.id,
        "credited_wallet_id": target.id,
        "currency": source.currency,
    }
    if request.recipe == "round_up":
        unit = 10 ** currencies.exponent(source.currency)
        trigger: dict[str, Any] = {
            "type": "event",
            "event_type": "payment.captured",
            "filter": f"event.data.object.buyer_wallet_id == '{source.id}'",
        }
        step = {**move, "id": "round_up", "when": f"trigger.data.object.amount % {unit} != 0",
                "amount": f"={unit} - trigger.data.object.amount % {unit}"}  # fmt: skip
    elif request.recipe == "sweep":
        assert request.threshold is not None
        trigger = {"type": "event", "event_type": "wallet.balance_above",
                   "wallet_id": source.id, "threshold": request.threshold}  # fmt: skip
        step = {**move, "id": "sweep",
                "amount": f"=balance(trigger.data.object.wallet_id) - {request.threshold}"}  # fmt: skip
    else:
        assert request.amount is not None
        trigger = schedule_trigger(request, now)
        step = {**move, "id": "pay" if request.recipe == "recurring_payment" else "save",
                "amount": request.amount}  # fmt: skip
        if request.recipe == "recurring_payment":
            step["retry"] = DUNNING
    return {"trigger": trigger, "steps": [step]}
