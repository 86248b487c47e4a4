"""The console's overview: volumes per day and asset (chart), the platform wallets'
balances, and the ledgers' integrity (last verification, last checkpoint, and the last
checkpoint the witness holds, when one is configured)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Query
from starlette.responses import Response

from coffer.identity.audit import list_entries, record_now
from coffer.money import Asset
from coffer.wallets.common import CREDIT_ACCOUNT, FEES_ACCOUNT
from coffer.wallets.endpoints.deps import platform_of
from coffer.web.console.deps import PREFIX, ConsoleContext, console_context, console_router
from coffer.web.console.ledgers import queries
from coffer.web.console.repository import last_checkpoint
from coffer.web.console.views import page, redirect
from coffer.web.console.volumes import DAY_MICROS, DailyVolumes
from coffer.web.console.witnessing import last_witnessed
from coffer.web.pages import client_address

router = console_router()
_volumes_lock = threading.Lock()


def volumes_of(ctx: ConsoleContext) -> DailyVolumes:
    app_state = ctx.request.app.state
    with _volumes_lock:
        existing: DailyVolumes | None = getattr(app_state, "console_volumes", None)
        if existing is None:
            existing = app_state.console_volumes = DailyVolumes()
    return existing


def _major(amount: int, asset: str) -> str:
    try:
        parsed = Asset.parse(asset)
    except Exception:
        return str(amount)
    return parsed.format(amount).split(" ")[0]


def chart_data(ctx: ConsoleContext, ledger: str) -> dict[str, Any]:
    book = ctx.state.coffer
    info = book.ledger(ledger, create=False)
    next_tx = queries(ctx).next_transaction_id(info.ledger_id)
    snap = volumes_of(ctx).snapshot(ctx.state.engine, info.ledger_id, next_tx)
    labels = [
        datetime.fromtimestamp(day * DAY_MICROS / 1e6, UTC).strftime("%Y-%m-%d")
        for day in snap.days
    ]
    datasets = [
        {
            "label": asset,
            # exact decimal strings; the chart plots them, the table below shows them
            "data": [_major(snap.amounts.get((day, asset), 0), asset) for day in snap.days],
        }
        for asset in snap.assets
    ]
    return {
        "ledger": ledger,
        "labels": labels,
        "datasets": datasets,
        "caught_up": snap.caught_up,
        "counted": snap.counted_tx + 1,
        "total": next_tx,
    }


@router.get("/")
def overview(
    ctx: Annotated[ConsoleContext, Depends(console_context())],
    ledger: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    book = ctx.state.coffer
    ledgers = book.ledgers(platform_id=ctx.operator.platform_id, page_size=200)
    names = [info.name for info in ledgers]
    chosen = (
        ledger
        if ledger in names
        else next((i.name for i in ledgers if not i.system), names[0] if names else None)
    )
    chart = chart_data(ctx, chosen) if chosen and ctx.can("ledger.read") else None
    integrity = []
    witness = book.witness
    for info in ledgers[:20]:
        checkpoint = last_checkpoint(ctx.state.engine, info.id)
        witnessed = None if witness is None else last_witnessed(witness, info.name)
        integrity.append(
            {
                "name": info.name,
                "system": info.system,
                "checkpoint_size": checkpoint[0] if checkpoint else None,
                "checkpoint_at": checkpoint[1] if checkpoint else None,
                "witnessed": witnessed,
                "witness_state": witnessed.state(checkpoint[0] if checkpoint else None)
                if witnessed
                else None,
            }
        )
    verified = list_entries(ctx.state.engine, action="ledger.verified", limit=1)
    balances = []
    if ctx.can("wallets.read"):
        wallets = platform_of(ctx.request)
        for account, label in ((FEES_ACCOUNT, "Fees"), (CREDIT_ACCOUNT, "Credit")):
            for asset, balance in sorted(wallets.core.ledger.balances(account).items()):
                balances.append(
                    {"wallet": label, "asset": asset, "amount": balance.input - balance.output}
                )
    return page(
        ctx,
        "console/overview.html",
        {
            "chart": chart,
            "chart_json": json.dumps(chart) if chart else "",
            "ledgers": names,
            "chosen": chosen,
            "integrity": integrity,
            "verified": verified[0] if verified else None,
            "balances": balances,
            "witness": None if witness is None else repr(witness),
        },
        title="Overview",
        active="/console/",
    )


@router.post("/verify")
def verify_now(
    ctx: Annotated[ConsoleContext, Depends(console_context("operators.manage"))],
) -> Response:
    """Recompute every ledger's journal, checkpoints and balances and the audit chain
    (``coffer verify``), and record the outcome in the audit log."""

    from coffer.identity.audit import verify_audit_chain

    report = ctx.state.coffer.verify()
    audit = verify_audit_chain(ctx.state.engine)
    record_now(
        ctx.state.engine,
        actor=ctx.actor,
        action="ledger.verified",
        address=client_address(ctx.request),
        details={
            "ok": bool(report.ok and audit.ok),
            "entries": report.entries,
            "report": str(report)[:500],
            "audit": str(audit)[:300],
            "seconds": round(report.elapsed_seconds, 3),
            "platform_id": ctx.operator.platform_id,
        },
    )
    return redirect(f"{PREFIX}/")
