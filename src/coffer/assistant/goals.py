"""Savings goals: required monthly saving, progress and projected completion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from coffer.assistant.ask.spans import add_months
from coffer.assistant.models import Goal


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (at least 1 when end is later)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 1 if end > start else 0)


@dataclass(frozen=True, slots=True)
class GoalStatus:
    goal: Goal
    saved: int
    remaining: int
    percent: float
    required_monthly: int | None  # to reach the target by its date
    average_monthly: int  # saved per month over the last three months
    projected_completion: date | None
    on_track: bool | None

    def as_dict(self) -> dict[str, object]:
        return {
            "goal_id": self.goal.id,
            "name": self.goal.name,
            "target_amount": self.goal.target_amount,
            "target_date": self.goal.target_date.isoformat() if self.goal.target_date else None,
            "saved": self.saved,
            "remaining": self.remaining,
            "percent": round(self.percent, 1),
            "required_monthly": self.required_monthly,
            "average_monthly": self.average_monthly,
            "projected_completion": (
                self.projected_completion.isoformat() if self.projected_completion else None
            ),
            "on_track": self.on_track,
        }


def goal_status(goal: Goal, today: date) -> GoalStatus:
    saved = goal.saved_amount + sum(amount for _, amount in goal.contributions)
    remaining = max(goal.target_amount - saved, 0)
    percent = 100.0 * saved / goal.target_amount if goal.target_amount else 100.0
    required = None
    if goal.target_date is not None and remaining > 0:
        months = months_between(today, goal.target_date)
        required = -(-remaining // months) if months > 0 else remaining
    since = today - timedelta(days=91)
    recent = sum(amount for day, amount in goal.contributions if day > since)
    average = recent // 3
    projected: date | None
    if remaining == 0:
        projected = max((d for d, _ in goal.contributions), default=today)
    elif average > 0:
        projected = add_months(today, -(-remaining // average))
    else:
        projected = None
    on_track = None
    if goal.target_date is not None:
        on_track = remaining == 0 or (projected is not None and projected <= goal.target_date)
    return GoalStatus(goal, saved, remaining, percent, required, average, projected, on_track)
