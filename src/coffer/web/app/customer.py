"""The domains' operations as a signed-in customer may use them (the wallet app's pages
and the end-user API call these): the assistant (categories, budgets, goals, questions,
insights), the customer's own automations (rules from recipes, recurring payments) and
fx (conversions between their own wallets, loyalty points).

Every method takes the signed-in :class:`~coffer.identity.users.Actor` and reaches only
that customer's data: another customer's transaction, automation, run, quote or wallet
is not found (404), exactly like an unknown id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from coffer.assistant import taxonomy
from coffer.assistant.models import Txn, newest_first
from coffer.assistant.service import Assistant
from coffer.automations import schemas as A
from coffer.automations.errors import AutomationNotFound
from coffer.automations.service import AutomationsPlatform
from coffer.errors import QuoteNotFound, ValidationError, WalletNotFound
from coffer.fx import schemas as F
from coffer.fx.loyalty import schemas as L
from coffer.fx.platform import FxPlatform
from coffer.identity.users import Actor
from coffer.identity.users import schemas as U
from coffer.wallets import currencies
from coffer.wallets import schemas as W
from coffer.web.app import schemas as C
from coffer.web.app.state import AppState

MAX_LINES = 500  # categorized lines a page or an API call shows
MAX_RULES = 100  # a customer's automations listed
MAX_RUNS = 50  # runs shown per rule
POT_KEY = "pot_of"  # customer metadata: the customer a pot belongs to


@dataclass(frozen=True, slots=True)
class Domains:
    """The domains of the app's platform, reached through the FastAPI app."""

    app: Any
    state: AppState

    # -- the assistant ----------------------------------------------------------------------

    def assistant(self, actor: Actor) -> Assistant:
        from coffer.assistant.endpoints import assistant_for

        return assistant_for(self.app, actor.platform_id)

    def lines(self, actor: Actor, *, review: bool = False, limit: int = MAX_LINES) -> list[Txn]:
        """The customer's categorized lines, newest first; ``review``: only those the
        assistant could not categorize (its review queue)."""
        data = self.assistant(actor).data(actor.customer_id)
        rows = newest_first(data.transactions)
        if review:
            rows = [t for t in rows if t.primary is None]
        return rows[: max(1, min(limit, MAX_LINES))]

    def line(self, actor: Actor, transaction_id: str) -> Txn:
        for line in self.assistant(actor).data(actor.customer_id).transactions:
            if line.id == transaction_id:
                return line
        from coffer.errors import AssistantNotFound

        raise AssistantNotFound(f"transaction {transaction_id!r} does not exist")

    def recategorize(self, actor: Actor, transaction_id: str, category: str) -> Txn:
        """The customer's correction (locked; it teaches the assistant the payee too)."""
        if taxonomy.is_detailed(category):
            primary, detailed = taxonomy.primary_of(category), category
        elif taxonomy.is_primary(category):
            primary, detailed = category, None
        else:
            raise ValidationError(f"unknown category {category!r}: choose one of the list")
        self.line(actor, transaction_id)  # 404 unless it is the customer's
        self.assistant(actor).correct(actor.customer_id, transaction_id, primary, detailed)
        return self.line(actor, transaction_id)

    def budgets(self, actor: Actor) -> dict[str, Any]:
        from coffer.assistant.views import budget_view

        assistant = self.assistant(actor)
        return budget_view(assistant.data(actor.customer_id), assistant.today())

    def create_budget(self, actor: Actor, request: C.BudgetCreate) -> dict[str, Any]:
        if not (taxonomy.is_primary(request.category) or taxonomy.is_detailed(request.category)):
            raise ValidationError(f"unknown category {request.category!r}: choose one of the list")
        currency = currencies.check_currency(request.currency)
        budget = self.assistant(actor).set_budget(
            actor.customer_id, request.category, request.amount, currency, request.rollover
        )
        return next(b for b in self.budgets(actor)["data"] if b["id"] == budget.id)

    def delete_budget(self, actor: Actor, budget_id: str) -> None:
        self.assistant(actor).delete_budget(actor.customer_id, budget_id)

    def goals(self, actor: Actor) -> list[dict[str, Any]]:
        from coffer.assistant.goals import goal_status

        assistant = self.assistant(actor)
        today = assistant.today()
        return [
            {**goal_status(g, today).as_dict(), "currency": g.currency}
            for g in assistant.goals(actor.customer_id)
        ]

    def create_goal(self, actor: Actor, request: C.GoalCreate) -> dict[str, Any]:
        currency = currencies.check_currency(request.currency)
        goal = self.assistant(actor).create_goal(
            actor.customer_id, request.name, request.target_amount, currency,
            request.target_date, request.saved_amount,
        )  # fmt: skip
        return next(g for g in self.goals(actor) if g["goal_id"] == goal.id)

    def ask(self, actor: Actor, question: str) -> dict[str, Any]:
        return self.assistant(actor).ask(actor.customer_id, question)

    def insights(self, actor: Actor) -> dict[str, Any]:
        """Recurring payments detected and the forecast of the balance."""
        from coffer.assistant.recurring import detect_recurring
        from coffer.assistant.views import forecast_view

        assistant = self.assistant(actor)
        data = assistant.data(actor.customer_id)
        today = assistant.today()
        return {
            "currency": data.currency,
            "recurring": [s.as_dict() for s in detect_recurring(data.transactions, today)],
            "forecast": forecast_view(data, today, 3),
        }

    # -- the customer's automations -------------------------------------------------------

    def automations(self) -> AutomationsPlatform:
        from coffer.automations.endpoints import automations_for

        return automations_for(self.app)

    def rules(self, actor: Actor) -> list[A.Automation]:
        page = self.automations().automations(
            actor.platform_id, owner_customer_id=actor.customer_id, limit=MAX_RULES
        )
        return [a for a in page.data if a.status != "archived"]

    def rule(self, actor: Actor, automation_id: str) -> A.Automation:
        found = self.automations().automation(actor.platform_id, automation_id)
        if found.owner_customer_id != actor.customer_id:
            raise AutomationNotFound(f"automation {automation_id!r} does not exist")
        return found

    def runs(self, actor: Actor, automation_id: str) -> list[A.Run]:
        self.rule(actor, automation_id)
        page = self.automations().runs(
            actor.platform_id, automation_id=automation_id, limit=MAX_RUNS
        )
        return page.data

    def set_rule_status(self, actor: Actor, automation_id: str, action: str) -> A.Automation:
        """``pause``, ``resume`` or ``cancel`` (archived: it never runs again)."""
        status = {"pause": "paused", "resume": "active", "cancel": "archived"}.get(action)
        if status is None:
            raise ValidationError("the action is pause, resume or cancel")
        self.rule(actor, automation_id)
        return self.automations().set_status(actor.platform_id, automation_id, status)

    def create_rule(self, actor: Actor, request: C.RuleCreate) -> A.Automation:
        """A rule from one of the recipes, owned by the customer, with their consent
        recorded. A rule that moves a fixed amount above the platform's step-up threshold,
        or pays another person, needs a fresh second factor (as a transfer would)."""
        from coffer.web.app.recipes import SCHEDULED, check_schedule, definition

        now = datetime.fromtimestamp(self.automations().now_micros() / 1_000_000, UTC)
        if request.recipe in SCHEDULED:
            check_schedule(request, now)
        users = self.state.users
        source = users.wallet(actor, request.wallet_id)
        target: W.Wallet | None = None
        amount = None
        if request.recipe in ("payday", "recurring_payment"):
            if request.amount is None:
                raise ValidationError("give the amount to move each time")
            amount = request.amount
        if request.recipe == "sweep" and request.threshold is None:
            raise ValidationError("give the balance above which the rest is swept")
        if request.recipe == "recurring_payment":
            if not request.beneficiary_id:
                raise ValidationError("choose the person to pay")
            # the saved person's wallet in this currency (as sending money finds it)
            target, _ = users._recipient(
                actor,
                U.TransferQuoteRequest(
                    wallet_id=source.id, amount=1, beneficiary_id=request.beneficiary_id
                ),
                source.currency,
            )
            users.require_step_up(actor, "beneficiary")
        else:
            target = self.pot(actor, source.currency, request.pot_name or "Savings")
            if amount is not None and users.needs_step_up(source.currency, amount):
                users.require_step_up(actor, "transfer_above_threshold")
        consent = {
            "by": actor.user_id,
            "session": actor.session_id,
            "at": datetime.now(UTC).isoformat(),
            "how": "wallet app",
        }
        return self.automations().create(
            actor.platform_id,
            A.AutomationCreate(
                name=request.name or _default_name(request, target),
                owner_customer_id=actor.customer_id,
                definition=definition(request, source, target, now),
                consent=consent,
            ),
        )

    def pots(self, actor: Actor) -> list[W.Wallet]:
        """The customer's pots (savings wallets their rules pay into)."""
        wallets = self.state.users.platform.wallets
        found: dict[str, W.Wallet] = {}
        for rule in self.rules(actor):
            for step in rule.definition.get("steps") or []:
                wallet_id = step.get("credited_wallet_id") if isinstance(step, dict) else None
                if isinstance(wallet_id, str) and wallet_id not in found:
                    wallet = wallets.wallet(wallet_id)
                    if (
                        wallet.customer_id
                        and self._pot_owner(wallet.customer_id) == actor.customer_id
                    ):
                        found[wallet_id] = wallet
        return list(found.values())

    def _pot_owner(self, customer_id: str) -> str | None:
        customer = self.state.users.platform.wallets.customer(customer_id)
        return customer.metadata.get(POT_KEY)

    def pot(self, actor: Actor, currency: str, name: str) -> W.Wallet:
        """The customer's pot of that name and currency, opened on first use: a wallet
        held by a customer record of its own (one wallet per currency per customer)
        marked as the customer's pot."""
        wallets = self.state.users.platform.wallets
        for wallet in self.pots(actor):
            if wallet.currency == currency and (wallet.description or "") == name:
                return wallet
        owner = wallets.customer(actor.customer_id)
        holder = wallets.create_customer(
            W.CustomerCreate(
                kind="natural",
                name=f"{owner.name} · {name}"[:200],
                metadata={POT_KEY: actor.customer_id},
            )
        )
        return wallets.create_wallet(
            W.WalletCreate(customer_id=holder.id, currency=currency, description=name[:500])
        )

    def withdraw(
        self, actor: Actor, pot_id: str, amount: int, *, idempotency_key: str | None = None
    ) -> W.Transfer:
        """Move ``amount`` from one of the customer's pots back to their wallet of the
        pot's currency (no fee: it is their own money)."""
        wallets = self.state.users.platform.wallets
        pot = next((p for p in self.pots(actor) if p.id == pot_id), None)
        if pot is None:
            raise WalletNotFound(f"wallet {pot_id!r} does not exist", wallet_id=pot_id)
        target = self.state.users.wallet_in(actor.customer_id, pot.currency)
        if target is None:
            target = self.state.users.open_wallet(actor, pot.currency)
        return wallets.transfer(
            W.TransferCreate(debited_wallet_id=pot.id, credited_wallet_id=target.id,
                             amount=amount, currency=pot.currency,
                             metadata={"app": "pot_withdrawal"}),
            idempotency_key=idempotency_key,
        )  # fmt: skip

    # -- fx and loyalty -------------------------------------------------------------------

    def fx(self, actor: Actor) -> FxPlatform:
        from coffer.fx.endpoints import fx_for

        return fx_for(self.app, actor.platform_id)

    def quote(self, actor: Actor, request: C.ConversionQuote) -> F.Quote:
        """A quote to convert ``amount`` of one of the customer's wallets into another
        currency (priced at their tier; it holds until ``expires_at``)."""
        wallet = self.state.users.wallet(actor, request.wallet_id)
        buy = currencies.check_currency(request.to_currency.upper())
        if buy == wallet.currency:
            raise ValidationError("choose another currency than the wallet's")
        return self.fx(actor).quotes.create(
            F.QuoteCreate(
                sell_currency=wallet.currency,
                buy_currency=buy,
                sell_amount=request.amount,
                customer_id=actor.customer_id,
            )
        )

    def own_quote(self, actor: Actor, quote_id: str) -> F.Quote:
        quote = self.fx(actor).quotes.get(quote_id)
        if quote.customer_id != actor.customer_id:
            raise QuoteNotFound(f"no quote {quote_id}", quote_id=quote_id)
        return quote

    def convert(
        self, actor: Actor, request: C.ConversionCreate, *, idempotency_key: str | None = None
    ) -> F.Conversion:
        """Execute the customer's quote between two of their wallets (the one in the
        bought currency is opened when missing). An expired or used quote is refused."""
        quote = self.own_quote(actor, request.quote_id)
        source = self.state.users.wallet(actor, request.wallet_id)
        users = self.state.users
        target = users.wallet_in(actor.customer_id, quote.buy_currency)
        if target is None:
            target = users.open_wallet(actor, quote.buy_currency)
        return self.fx(actor).conversions.convert(
            F.ConversionCreate(quote_id=quote.id, from_wallet_id=source.id, to_wallet_id=target.id),
            idempotency_key=idempotency_key,
        )

    def loyalty(self, actor: Actor) -> list[C.LoyaltyBalance]:
        """The customer's points in each of the platform's programs, with their lots."""
        loyalty = self.fx(actor).loyalty
        answer = []
        for program in loyalty.programs():
            account = loyalty.account(program.id, actor.customer_id)
            lots = [lot for lot in loyalty.lots(program.id, actor.customer_id) if lot.remaining]
            answer.append(C.LoyaltyBalance(program=program, account=account, lots=lots))
        return answer

    def redeem(
        self, actor: Actor, request: C.Redemption, *, idempotency_key: str | None = None
    ) -> L.Movement:
        wallet = self.state.users.wallet(actor, request.wallet_id)
        loyalty = self.fx(actor).loyalty
        program = loyalty.program(request.program_id)
        if wallet.currency != program.cash_currency:
            raise ValidationError(
                f"points of {program.name} are redeemed into {program.cash_currency}"
            )
        return loyalty.redeem(
            program.id,
            L.RedemptionCreate(
                customer_id=actor.customer_id, points=request.points, wallet_id=wallet.id
            ),
            idempotency_key=idempotency_key,
        )


RECIPE_NAMES = {"round_up": "Round-ups", "payday": "Payday saving", "sweep": "Sweep",
                "recurring_payment": "Recurring payment"}  # fmt: skip


def _default_name(request: C.RuleCreate, target: W.Wallet) -> str:
    """A rule's name when the customer gave none: what it does and where money goes."""
    where = target.description if request.recipe != "recurring_payment" else None
    return f"{RECIPE_NAMES[request.recipe]} · {where}" if where else RECIPE_NAMES[request.recipe]
