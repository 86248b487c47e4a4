"""Console pages of the wallets domain: customers and KYC review, wallets (statement,
freeze/unfreeze), pay-ins, payments, refunds, disputes, payouts and batches (pain.001),
webhook endpoints, deliveries and replay. They call the wallets services of the
operator's platform (``coffer.wallets.endpoints.deps.platform_of``), as the API does;
every change is written to the audit log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Annotated, Any

from fastapi import Depends, Form, Query
from starlette.responses import Response

from coffer.errors import ValidationError
from coffer.identity.audit import list_entries, record_now
from coffer.wallets import currencies
from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import platform_of
from coffer.wallets.platform import WalletPlatform
from coffer.web.console.deps import PREFIX, ConsoleContext, console_context, console_router
from coffer.web.console.views import (
    PAGE_SIZE,
    Column,
    Table,
    link_column,
    page,
    pain001_file,
    redirect,
)
from coffer.web.pages import client_address

router = console_router()
Cursor = Annotated[str | None, Query(max_length=40, pattern=r"^[A-Za-z0-9_]+$")]
Status = Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]*$")]
Id = Annotated[str | None, Query(max_length=40, pattern=r"^[A-Za-z0-9_]*$")]  # a filter's id


def wallets_of(ctx: ConsoleContext) -> WalletPlatform:
    return platform_of(ctx.request)


def money_of(amount: int, currency: str) -> str:
    return currencies.monetary(currency, amount)


STATUS = Column("Status", attrgetter("status"))
AMOUNT = Column("Amount", lambda row: money_of(row.amount, row.currency), numeric=True)
CREATED = Column("Created", attrgetter("created_at"))  # the columns most lists show
WALLET = link_column("Wallet", "wallet_id", "/console/wallets")


def _query(cursor: str | None, status: str | None, **filters: Any) -> S.ListQuery:
    return S.ListQuery(
        limit=PAGE_SIZE, starting_after=cursor or None, status=status or None, **filters
    )


def _records(
    title: str, base: str, id_header: str, *columns: Column, statuses: list[str] | None = None
) -> Table:
    """The list page of records with a page each: its first column links each row's id to
    the record's page ``{base}/{id}``."""
    return Table(title, base, [link_column(id_header, "id", base), *columns], statuses)


def _audit(ctx: ConsoleContext, action: str, target: str, **details: Any) -> None:
    record_now(
        ctx.state.engine,
        actor=ctx.actor,
        action=action,
        target=target,
        address=client_address(ctx.request),
        details={"platform_id": ctx.operator.platform_id, **details},
    )


# -- customers and KYC --

Customers = Annotated[ConsoleContext, Depends(console_context("customers.read"))]
CUSTOMERS = _records(
    "Customers",
    "/console/customers",
    "Customer",
    Column("Name", lambda c: c.name),
    Column("Kind", lambda c: c.kind),
    Column("KYC level", lambda c: c.kyc_level),
    CREATED,
)
KYC_DOCUMENTS = Table(
    title="KYC documents",
    base="/console/kyc",
    columns=[
        Column("Document", lambda d: d.id),
        Column("Type", lambda d: d.type),
        Column("Level", lambda d: d.level),
        STATUS,
        link_column("Customer", "customer_id", "/console/customers"),
        Column("Submitted", lambda d: d.created_at),
    ],
    statuses=["validation_asked", "validated", "refused"],
    active="/console/customers",
)


@router.get("/customers")
def customers(ctx: Customers, cursor: Cursor = None) -> Response:
    listing = wallets_of(ctx).wallets.customers(_query(cursor, None))
    intro = {"intro_link": ("/console/kyc", "KYC documents waiting for review")}
    return CUSTOMERS(ctx, listing, extra=intro)


@router.get("/kyc")
def kyc_queue(
    ctx: Customers, cursor: Cursor = None, status: Status = "validation_asked"
) -> Response:
    return KYC_DOCUMENTS(ctx, wallets_of(ctx).wallets.kyc_documents(_query(cursor, status)), status)


@dataclass(frozen=True, slots=True)
class RecordPage:
    """The page of one record (a customer, a wallet): ``template`` with the newest
    ``trail`` entries of the audit log about the record and the money formatter."""

    template: str
    active: str
    trail: int

    def __call__(self, ctx: ConsoleContext, target: str, title: str, **values: Any) -> Response:
        entries = list_entries(ctx.state.engine, target=target, limit=self.trail)
        context = {**values, "trail": entries, "money": money_of}
        return page(ctx, self.template, context, title=title, active=self.active)


customer_page = RecordPage("console/customer.html", "/console/customers", trail=50)
wallet_page = RecordPage("console/wallet.html", "/console/wallets", trail=20)
Reason = Annotated[str, Form(max_length=200)]  # why, kept in the audit log


@router.get("/customers/{customer_id}")
def customer(ctx: Customers, customer_id: str) -> Response:
    service = wallets_of(ctx).wallets
    found = service.customer(customer_id)
    documents = service.kyc_documents(S.ListQuery(limit=100, customer_id=customer_id)).data
    wallets = service.wallets(S.ListQuery(limit=100, customer_id=customer_id)).data
    title = f"Customer {found.name}"
    return customer_page(
        ctx, customer_id, title, customer=found, documents=documents, wallets=wallets
    )


@router.post("/kyc/{document_id}/review")
def review(
    ctx: Annotated[ConsoleContext, Depends(console_context("kyc.review"))],
    document_id: str,
    decision: Annotated[str, Form(pattern="^(approve|refuse)$")],
    reason: Reason = "",
) -> Response:
    service = wallets_of(ctx).wallets
    document = service.kyc_document(document_id)  # 404 on another platform's
    approve = decision == "approve"
    if not approve and not reason.strip():
        raise ValidationError("Give the reason for refusing the document (the customer sees it).")
    done = service.review_kyc_document(document_id, approve=approve, reason=reason.strip() or None)
    _audit(
        ctx,
        f"kyc_document.{'approved' if approve else 'refused'}",
        document.customer_id,
        document_id=document_id,
        type=done.type,
        level=done.level,
        reason=reason.strip() or None,
    )
    customer_id = document.customer_id
    return redirect(f"{PREFIX}/customers/{customer_id}")


# -- wallets --

WalletsReader = Annotated[ConsoleContext, Depends(console_context("wallets.read"))]
WALLETS = _records(
    "Wallets",
    "/console/wallets",
    "Wallet",
    Column("Customer", lambda w: w.customer_id or w.kind),
    STATUS,
    Column("Balance", lambda w: money_of(w.balance, w.currency), numeric=True),
    Column("Available", lambda w: money_of(w.available, w.currency), numeric=True),
    CREATED,
    statuses=["active", "frozen", "closed"],
)


@router.get("/wallets")
def wallets(ctx: WalletsReader, cursor: Cursor = None, status: Status = None) -> Response:
    return WALLETS(ctx, wallets_of(ctx).wallets.wallets(_query(cursor, status)), status)


@router.get("/wallets/{wallet_id}")
def wallet(
    ctx: WalletsReader, wallet_id: str, cursor: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    service = wallets_of(ctx).wallets
    found = service.wallet(wallet_id)
    statement = service.statement(wallet_id, limit=50, cursor=cursor)
    return wallet_page(ctx, wallet_id, f"Wallet {wallet_id}", wallet=found, statement=statement)


Freezer = Annotated[ConsoleContext, Depends(console_context("wallets.freeze"))]
NewStatus = Annotated[str, Form(pattern="^(active|frozen)$")]


@router.post("/wallets/{wallet_id}/status")
def wallet_status(ctx: Freezer, wallet_id: str, status: NewStatus, reason: Reason = "") -> Response:
    wallets_of(ctx).wallets.set_wallet_status(wallet_id, status)
    _audit(
        ctx,
        "wallet.frozen" if status == "frozen" else "wallet.unfrozen",
        wallet_id,
        reason=reason.strip() or None,
    )
    return redirect(f"{PREFIX}/wallets/{wallet_id}")


# -- payments --


def _payments_tab(kind: str, title: str, id_header: str, *columns: Column) -> Table:
    """A tab of the payments page: the rows' id first, ``columns``, their creation last."""
    return Table(
        title,
        f"/console/payments?kind={kind}&",
        [Column(id_header, attrgetter("id")), *columns, CREATED],
        active="/console/payments",
    )


PAYMENT_TABS = {
    "payins": _payments_tab(
        "payins",
        "Pay-ins",
        "Pay-in",
        WALLET,
        Column("Method", attrgetter("method")),
        STATUS,
        AMOUNT,
    ),
    "payments": _payments_tab(
        "payments",
        "Payments",
        "Payment",
        Column("Buyer", attrgetter("buyer_wallet_id")),
        Column("Seller", attrgetter("seller_wallet_id")),
        STATUS,
        AMOUNT,
        Column("Fee", lambda p: money_of(p.fee, p.currency), numeric=True),
    ),
    "refunds": _payments_tab(
        "refunds", "Refunds", "Refund", Column("Of", attrgetter("target_id")), STATUS, AMOUNT
    ),
    "disputes": _payments_tab(
        "disputes",
        "Disputes",
        "Dispute",
        Column("Pay-in", attrgetter("payin_id")),
        STATUS,
        Column("Reason", attrgetter("reason")),
        AMOUNT,
    ),
}
PAYMENT_LISTS: dict[str, Callable[[WalletPlatform], Callable[[S.ListQuery], Any]]] = {
    "payins": attrgetter("payins.payins"),
    "payments": attrgetter("wallets.payments"),
    "refunds": attrgetter("wallets.refunds"),
    "disputes": attrgetter("payins.disputes"),
}


@router.get("/payments")
def payments(
    ctx: WalletsReader,
    kind: Annotated[str, Query(pattern="^(payins|payments|refunds|disputes)$")] = "payins",
    cursor: Cursor = None,
    status: Status = None,
) -> Response:
    listing = PAYMENT_LISTS[kind](wallets_of(ctx))(_query(cursor, status))
    tabs = [
        (f"/console/payments?kind={name}", tab.title, name == kind)
        for name, tab in PAYMENT_TABS.items()
    ]
    return PAYMENT_TABS[kind](ctx, listing, extra={"tabs": tabs})


PAYOUTS = Table(
    title="Payouts",
    base="/console/payouts",
    columns=[
        Column("Payout", lambda p: p.id),
        WALLET,
        STATUS,
        AMOUNT,
        Column("Batch", lambda p: p.batch_id or ""),
        CREATED,
    ],
    statuses=["pending", "created", "processing", "paid", "failed", "returned"],
)


@router.get("/payouts")
def payouts(ctx: WalletsReader, cursor: Cursor = None, status: Status = None) -> Response:
    platform = wallets_of(ctx)
    listing = platform.payouts.payouts(_query(cursor, status))
    batches = platform.payouts.payout_batches(S.ListQuery(limit=10)).data
    extra = {"batches": batches, "can_export": ctx.can("payouts.export")}
    return PAYOUTS(ctx, listing, status, extra)


Exporter = Annotated[ConsoleContext, Depends(console_context("payouts.export"))]


@router.get("/payouts/batches/{batch_id}.xml")
def payout_batch_file(ctx: Exporter, batch_id: str) -> Response:
    batch = wallets_of(ctx).payouts.payout_batch(batch_id)
    _audit(ctx, "payout_batch.downloaded", batch_id, payouts=len(batch.payout_ids))
    return pain001_file(batch.xml, batch_id)


# -- webhooks --

Hooks = Annotated[ConsoleContext, Depends(console_context("webhooks.read"))]
WEBHOOK_ENDPOINTS = _records(
    "Webhook endpoints",
    "/console/webhooks",
    "Endpoint",
    Column("URL", lambda e: e.url),
    Column("Events", lambda e: ", ".join(e.event_types) or "all"),
    Column("Enabled", lambda e: "yes" if e.enabled else "no"),
    CREATED,
)


@router.get("/webhooks")
def webhooks(ctx: Hooks, cursor: Cursor = None) -> Response:
    listing = wallets_of(ctx).webhooks.endpoints(limit=PAGE_SIZE, starting_after=cursor)
    return WEBHOOK_ENDPOINTS(ctx, listing)


@router.get("/webhooks/{endpoint_id}")
def webhook(ctx: Hooks, endpoint_id: str, cursor: Cursor = None) -> Response:
    hooks = wallets_of(ctx).webhooks
    endpoint = hooks.endpoint(endpoint_id)
    deliveries = hooks.deliveries(endpoint_id, limit=PAGE_SIZE, starting_after=cursor)
    return page(
        ctx,
        "console/webhook.html",
        {
            "endpoint": endpoint,
            "deliveries": deliveries.data,
            "more": deliveries.has_more,
            "next_cursor": deliveries.data[-1].id
            if deliveries.has_more and deliveries.data
            else None,
        },
        title=f"Webhook endpoint {endpoint_id}",
        active="/console/webhooks",
    )


@router.post("/webhooks/{endpoint_id}/replay")
def replay(
    ctx: Annotated[ConsoleContext, Depends(console_context("webhooks.replay"))],
    endpoint_id: str,
    event_id: Annotated[str, Form(max_length=40, pattern=r"^[A-Za-z0-9_]+$")],
) -> Response:
    delivery = wallets_of(ctx).webhooks.replay(endpoint_id, event_id)
    _audit(ctx, "webhook.replayed", endpoint_id, event_id=event_id, delivery_id=delivery.id)
    return redirect(f"{PREFIX}/webhooks/{endpoint_id}")
