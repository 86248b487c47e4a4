"""The assistant's operations: a customer's data (wallet movements through the wallets
service, plus imported statements), questions, budgets, goals, recurring series,
forecasts, the health score, alerts, imports and charts. No SQL here (repository.py),
no HTTP (endpoints.py)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from coffer.assistant import repository as R
from coffer.assistant.ask.answers import answer
from coffer.assistant.ask.parser import Query, parse
from coffer.assistant.ask.spans import ALL_TIME, Period
from coffer.assistant.categorize.schemas import Categorization, StatementLine
from coffer.assistant.categorizer import PRIMARIES, default_categorizer
from coffer.assistant.customer_rules import (
    MAX_RULES,
    apply_context,
    build_context,
    categorize_with,
    check_category,
    txn_line,
    user_rule,
)
from coffer.assistant.home_currency import RateSource, to_home_currency
from coffer.assistant.imports import dedup_keys, parse_statement
from coffer.assistant.models import (
    Account,
    Budget,
    Categorizer,
    CustomerData,
    Goal,
    Txn,
    categorize_txns,
    newest_first,
)
from coffer.assistant.schemas import AlertObject
from coffer.db.engine import for_writes
from coffer.errors import AssistantNotFound, ValidationError

MAX_STATEMENT_PAGES = 1000  # 1,000 lines each: a million lines per wallet at most
MAX_WALLETS = 100
STATEMENT_PAGE = 1000
MAX_CACHED_CUSTOMERS = 1000  # customers (and wallets) whose data is kept between questions
MAX_CACHED_LINES = 2_000_000  # categorized lines and movement metadata kept


def _bounded(cache: dict[Any, Any], limit: int) -> dict[Any, Any]:
    """``cache``, with its oldest entries dropped when it is full (insertion order)."""
    while len(cache) >= limit:
        cache.pop(next(iter(cache)))
    return cache


class Assistant:
    """One customer's assistant at a time; safe to share between threads."""

    def __init__(
        self,
        engine: sa.Engine,
        wallets: Any = None,
        *,
        categorizer: Categorizer | None = None,
        today: Callable[[], date] | None = None,
        model_hook: Callable[[str, Query], Query] | None = None,
        rates: RateSource | None = None,
    ) -> None:
        """``rates``: exchange rates (``home_currency.fx_rate_source`` over ``coffer.fx``);
        with them, totals cover every currency, converted into the home currency."""
        self.engine = engine
        self.wallets = wallets  # coffer.wallets.service.Wallets, or None (imports only)
        self.categorizer = categorizer or default_categorizer()
        self.today = today or (lambda: datetime.now(UTC).date())
        self.model_hook = model_hook
        self.rates = rates
        self._lock = threading.Lock()
        self._references: dict[str, dict[str, str]] = {}  # wallets object id -> metadata
        self._categories: dict[str, Txn] = {}  # transaction id -> categorized copy
        self._pages: dict[str, tuple[list[Txn], str | None]] = {}  # wallet -> full pages
        self._imported: dict[str, tuple[tuple[int, int], list[Txn]]] = {}
        self._data: dict[
            str, tuple[tuple[object, ...], list[Txn], dict[str, int], dict[object, Any]]
        ] = {}

    @contextmanager
    def unit(self) -> Iterator[sa.Connection]:
        """A unit of work that writes: on SQLite it takes the write lock at its start, so a
        read-then-write never finds the database changed under it (docs: db/engine.py)."""
        with for_writes(self.engine).begin() as connection:
            yield connection

    # -- the customer's data -------------------------------------------------------------

    def _reference_metadata(self, kind: str | None, reference: str | None) -> dict[str, str]:
        if not reference or self.wallets is None:
            return {}
        cached = self._references.get(reference)
        if cached is not None:
            return cached
        metadata: dict[str, str] = {}
        try:
            if kind == "transfer":
                metadata = dict(self.wallets.transfer_by_id(reference).metadata)
            elif kind and kind.startswith("payment"):
                metadata = dict(self.wallets.payment(reference).metadata)
        except Exception:  # a movement of a kind without metadata
            metadata = {}
        with self._lock:
            _bounded(self._references, MAX_CACHED_LINES)[reference] = metadata
        return metadata

    def _wallet_data(self, customer_id: str) -> tuple[list[Txn], list[Account]]:
        if self.wallets is None:
            return [], []
        self.wallets.customer(customer_id)  # CustomerNotFound (404) when unknown
        txns: list[Txn] = []
        accounts: list[Account] = []
        page = self.wallets.wallets(customer_id=customer_id, limit=MAX_WALLETS)
        for wallet in page.data:
            accounts.append(Account(wallet.id, wallet.currency, wallet.balance,
                                    wallet.description or "Wallet", "wallet"))  # fmt: skip
            txns.extend(self._wallet_lines(wallet.id))
        return txns, accounts

    def _wallet_lines(self, wallet_id: str) -> list[Txn]:
        """The wallet's statement as transactions. Full pages of 1,000 lines never change
        (the ledger is append-only), so they are kept and only the tail is read again."""
        with self._lock:
            full, cursor = self._pages.get(wallet_id, ([], None))
            full = list(full)
        tail: list[Txn] = []
        for _ in range(MAX_STATEMENT_PAGES):
            statement = self.wallets.statement(wallet_id, limit=STATEMENT_PAGE, cursor=cursor)
            lines = [
                self._wallet_txn(wallet_id, statement.currency, line) for line in statement.data
            ]
            if statement.has_more and statement.next_cursor is not None:
                full.extend(lines)
                cursor = statement.next_cursor
                continue
            tail = lines
            break
        with self._lock:
            _bounded(self._pages, MAX_CACHED_CUSTOMERS)[wallet_id] = (full, cursor)
        return full + tail

    def _wallet_txn(self, wallet_id: str, currency: str, line: Any) -> Txn:
        meta = self._reference_metadata(line.type, line.reference_id)
        description = meta.get("description") or meta.get("merchant") or (
            line.type or "movement").replace("_", " ")  # fmt: skip
        # a category in the metadata is the payer's: it applies to money out (and refunds)
        outgoing = line.amount < 0 or "refund" in (line.type or "")
        detailed = category_code(meta.get("category")) if outgoing else None
        primary = None
        if detailed:
            primary = category_code(meta.get("primary_category")) or _primary(detailed)
        category = detailed
        return Txn(
            id=f"{wallet_id}:{line.transaction_id}",
            date=line.timestamp.astimezone(UTC).date(),
            amount=line.amount, currency=currency,
            description=description, merchant=meta.get("merchant"),
            primary=primary, detailed=detailed, account=wallet_id,
            source="wallet", category_source="metadata" if category else "categorizer",
            mcc=meta.get("mcc"),
        )  # fmt: skip

    def data(self, customer_id: str) -> CustomerData:
        """Everything the assistant knows of the customer, categorized.

        The categorized, sorted list of transactions is kept per customer and reused while
        its inputs are unchanged: the wallets' statements (append-only ledger), the
        imported lines (append-only, fingerprinted by count and last insertion) and the
        customer's corrections."""
        wallet_txns, accounts = self._wallet_data(customer_id)
        with self.unit() as connection:
            fingerprint = R.external_fingerprint(connection, customer_id)
            corrections = R.corrections(connection, customer_id)
            rules = R.rules(connection, customer_id)
            external = R.external_accounts(connection, customer_id)
            goals = R.goals(connection, customer_id)
            budgets = R.budgets(connection, customer_id)
            cached = self._imported.get(customer_id)
            if cached is None or cached[0] != fingerprint:
                cached = (fingerprint, R.external_transactions(connection, customer_id))
                with self._lock:
                    _bounded(self._imported, MAX_CACHED_CUSTOMERS)[customer_id] = cached
        imported = cached[1]
        key = (
            fingerprint,
            tuple((t.account, t.id) for t in wallet_txns[-1:]),
            len(wallet_txns),
            hash(tuple(sorted(corrections.items()))),
            json.dumps(rules, sort_keys=True),
        )
        known = self._data.get(customer_id)
        cache: dict[object, Any]
        if known is not None and known[0] == key:
            _, txns, sums, cache = known
        else:
            txns = self._assemble(wallet_txns + imported, corrections, rules)
            sums = {}
            for t in imported:
                sums[t.account] = sums.get(t.account, 0) + t.amount
            sums.update({f"currency:{c}": n for c, n in _currency_counts(txns).items()})
            cache = {}
            with self._lock:
                _bounded(self._data, MAX_CACHED_CUSTOMERS)[customer_id] = (key, txns, sums, cache)
        for row in external:
            balance = row["balance"]
            if balance is None:
                balance = sums.get(row["id"], 0)
            accounts.append(
                Account(row["id"], row["currency"], int(balance), row["name"], "import")
            )
        counts = {k[9:]: n for k, n in sums.items() if k.startswith("currency:")}
        currency = _home_currency(accounts, counts)
        note = None
        if self.rates is not None and (
            len(counts) > 1 or any(a.currency != currency for a in accounts)
        ):
            today = self.today()
            converted = cache.get(("home_currency", currency, today))
            if converted is None:
                converted = to_home_currency(txns, [], currency, self.rates, today)
                cache[("home_currency", currency, today)] = converted
            txns, _, note = converted
            _, accounts, for_accounts = to_home_currency([], accounts, currency, self.rates, today)
            note = note.merge(for_accounts)
        return CustomerData(customer_id, currency, txns, accounts, goals, budgets, cache,
                            fx=note, rates=self.rates)  # fmt: skip

    def _assemble(
        self,
        txns: list[Txn],
        corrections: dict[str, tuple[str, str | None, str | None]],
        rules: list[dict[str, Any]] | None = None,
    ) -> list[Txn]:
        """Categorized transactions: the categorizer's categories, then the customer's rules,
        learned payee rules and correction model, then the customer's corrections (locked)."""
        categorized = self._categorized(txns)
        context = build_context(categorized, corrections, rules or [])
        out = []
        for t in apply_context(categorized, context):
            fixed = corrections.get(t.id)
            if fixed is not None:
                t = replace(t, primary=fixed[0], detailed=fixed[1],
                            merchant=fixed[2] or t.merchant, category_source="correction",
                            confidence=1.0)  # fmt: skip
            out.append(t)
        out.sort(key=lambda t: (t.date, t.id))
        return out

    def _categorized(self, txns: list[Txn]) -> list[Txn]:
        todo = [t for t in txns if t.primary is None and t.id not in self._categories]
        if todo:
            done = categorize_txns(self.categorizer, todo)
            with self._lock:
                for t in done:
                    _bounded(self._categories, MAX_CACHED_LINES)[t.id] = t
        return [self._categories.get(t.id, t) if t.primary is None else t for t in txns]

    # -- questions -----------------------------------------------------------------------

    def ask(self, customer_id: str, question: str, *, today: date | None = None) -> dict[str, Any]:
        if not question.strip():
            raise ValidationError("ask a question: the question is empty")
        data = self.data(customer_id)
        return ask_data(data, question, today or self.today(), self.model_hook)

    # -- corrections, budgets, goals -----------------------------------------------------

    def correct(self, customer_id: str, transaction_id: str, primary: str,
                detailed: str | None = None, merchant: str | None = None) -> None:  # fmt: skip
        """Lock a transaction's category. It also teaches the customer's correction model
        (variants of the descriptor get the category) and, after two consistent
        corrections of a payee, a payee rule."""
        primary, detailed = check_category(primary, detailed)
        if not any(t.id == transaction_id for t in self.data(customer_id).transactions):
            raise AssistantNotFound(f"transaction {transaction_id!r} does not exist")
        with self.unit() as connection:
            R.put_correction(connection, customer_id, transaction_id, primary, detailed, merchant)

    def categorize_statement(self, customer_id: str, lines: Sequence[StatementLine], *,
                             use_classifier: bool = True) -> list[Categorization]:  # fmt: skip
        """Statement lines categorized with the customer's stored rules and corrections:
        the pipeline of the customer's own transactions (``coffer assistant categorize
        --customer``)."""
        txns = self.data(customer_id).transactions
        with self.unit() as connection:
            corrections = R.corrections(connection, customer_id)
            rules = R.rules(connection, customer_id)
        return categorize_with(lines, txns, corrections, rules, use_classifier=use_classifier)

    def corrections(self, customer_id: str) -> list[dict[str, Any]]:
        with self.unit() as connection:
            found = R.corrections(connection, customer_id)
        return [
            {"transaction_id": k, "primary": v[0], "detailed": v[1], "merchant": v[2]}
            for k, v in sorted(found.items())
        ]

    def delete_correction(self, customer_id: str, transaction_id: str) -> None:
        with self.unit() as connection:
            if not R.delete_correction(connection, customer_id, transaction_id):
                raise AssistantNotFound(f"transaction {transaction_id!r} has no correction")

    # -- rules ---------------------------------------------------------------------------

    def rules(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's categorization rules, in the order they run."""
        with self.unit() as connection:
            return [_rule_out(r) for r in R.rules(connection, customer_id)]

    def rule(self, customer_id: str, rule_id: str) -> dict[str, Any]:
        with self.unit() as connection:
            found = R.rule(connection, customer_id, rule_id)
        if found is None:
            raise AssistantNotFound(f"rule {rule_id!r} does not exist")
        return _rule_out(found)

    def save_rule(self, customer_id: str, spec: dict[str, Any],
                  rule_id: str | None = None) -> dict[str, Any]:  # fmt: skip
        """Create a rule (``rule_id`` None) or replace one. ``spec``: name, stage, match
        ("all" | "any"), conditions, category, position."""
        values = _rule_values(spec)
        user_rule(values)  # ValidationError when invalid
        with self.unit() as connection:
            if rule_id is None:
                if len(R.rules(connection, customer_id)) >= MAX_RULES:
                    raise ValidationError(
                        f"a customer has at most {MAX_RULES} rules: delete unused ones first"
                    )
                rule_id = R.new_id("rule")
            elif R.rule(connection, customer_id, rule_id) is None:
                raise AssistantNotFound(f"rule {rule_id!r} does not exist")
            R.put_rule(connection, customer_id, {**values, "id": rule_id})
            saved = R.rule(connection, customer_id, rule_id)
        assert saved is not None
        return _rule_out(saved)

    def delete_rule(self, customer_id: str, rule_id: str) -> None:
        with self.unit() as connection:
            if not R.delete_rule(connection, customer_id, rule_id):
                raise AssistantNotFound(f"rule {rule_id!r} does not exist")

    def test_rule(self, customer_id: str, spec: dict[str, Any],
                  limit: int = 100) -> dict[str, Any]:  # fmt: skip
        """Run a rule (saved or not) against the customer's history without changing
        anything: the transactions it matches, with their category now and the rule's."""
        from coffer.assistant.categorize.pipeline import rule_matches

        values = _rule_values(spec)
        candidate = user_rule(values)
        data = self.data(customer_id)
        matched = []
        for t in data.transactions:
            if rule_matches(candidate, txn_line(t), t.merchant):
                matched.append(t)
        changes = sum(1 for t in matched if t.detailed != candidate.detailed)
        return {
            "matched": len(matched),
            "would_change": changes,
            "category": candidate.detailed,
            "data": [
                {
                    **t.summary(),
                    "current_primary": t.primary,
                    "current_detailed": t.detailed,
                    "current_source": t.category_source,
                }
                for t in newest_first(matched)[:limit]
            ],
        }

    def set_budget(self, customer_id: str, category: str, amount: int, currency: str,
                   rollover: bool = True, start_month: date | None = None) -> Budget:  # fmt: skip
        if amount <= 0:
            raise ValidationError("a budget amount must be positive (minor units)")
        start = (start_month or self.today()).replace(day=1)
        budget = Budget(R.new_id("bud"), category, amount, currency.upper(), rollover, start)
        with self.unit() as connection:
            R.put_budget(connection, customer_id, budget)
        return budget

    def budgets(self, customer_id: str) -> list[Budget]:
        with self.unit() as connection:
            return R.budgets(connection, customer_id)

    def delete_budget(self, customer_id: str, budget_id: str) -> None:
        with self.unit() as connection:
            if not R.delete_budget(connection, customer_id, budget_id):
                raise AssistantNotFound(f"budget {budget_id!r} does not exist")

    def create_goal(self, customer_id: str, name: str, target_amount: int, currency: str,
                    target_date: date | None = None, saved_amount: int = 0) -> Goal:  # fmt: skip
        if target_amount <= 0:
            raise ValidationError("a goal's target amount must be positive (minor units)")
        goal = Goal(R.new_id("goal"), name, target_amount, currency.upper(), target_date,
                    saved_amount)  # fmt: skip
        with self.unit() as connection:
            R.insert_goal(connection, customer_id, goal)
        return goal

    def goals(self, customer_id: str) -> list[Goal]:
        with self.unit() as connection:
            return R.goals(connection, customer_id)

    def contribute(self, customer_id: str, goal_id: str, amount: int,
                   day: date | None = None) -> Goal:  # fmt: skip
        with self.unit() as connection:
            if R.goal_customer(connection, goal_id) != customer_id:
                raise AssistantNotFound(f"goal {goal_id!r} does not exist")
            R.add_contribution(connection, goal_id, day or self.today(), amount)
            return next(g for g in R.goals(connection, customer_id) if g.id == goal_id)

    # -- alerts --------------------------------------------------------------------------

    def publish_alerts(
        self, customer_id: str, *, today: date | None = None
    ) -> list[dict[str, Any]]:
        """Write the customer's new alerts to the wallets outbox (event type
        ``assistant.alert.<kind>``, delivered by the webhooks worker like any event), each
        once: a unique key per customer and alert, committed with the event."""
        from coffer.assistant.alerts import find_alerts

        if self.wallets is None:
            raise ValidationError("alerts are published through the wallets outbox")
        alerts = find_alerts(self.data(customer_id), today or self.today())
        published = []
        core = self.wallets.core
        with core.unit() as connection:
            for alert in alerts:
                body = {"customer_id": customer_id, **alert.as_dict()}
                key = hashlib.sha256(alert.dedup_key.encode()).hexdigest()
                if R.mark_alert_sent(connection, customer_id, key, alert.kind, body):
                    core.event(connection, str(body["type"]), AlertObject.model_validate(body))
                    published.append(body)
        return published

    def sent_alerts(self, customer_id: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """The customer's published alerts (their event bodies), newest first."""
        with self.unit() as connection:
            return R.sent_alerts(connection, customer_id, min(limit, 200))

    # -- imports -------------------------------------------------------------------------

    def import_statement(self, customer_id: str, fmt: str, content: str, *,
                         account_name: str | None = None, currency: str | None = None,
                         **options: Any) -> dict[str, Any]:  # fmt: skip
        """Import a statement file into an external account; lines already imported (same
        dedup key) are skipped. Returns the account id and the counts."""
        if self.wallets is not None:
            self.wallets.customer(customer_id)
        if fmt == "csv" and currency:
            options.setdefault("currency", currency.upper())
        parsed = parse_statement(fmt, content, **options)
        name = account_name or parsed.account or f"{fmt} import"
        account_currency = (currency or parsed.currency or "EUR").upper()
        with self.unit() as connection:
            account = R.external_account(connection, customer_id, name, account_currency)
            keys = dedup_keys(account["id"], parsed.lines)
            inserted = R.insert_external_lines(
                connection, customer_id, account["id"], parsed.lines, keys
            )
            if parsed.balance is not None:
                R.set_external_balance(connection, account["id"], parsed.balance)
        return {
            "account_id": account["id"],
            "account_name": name,
            "lines": len(parsed.lines),
            "imported": inserted,
            "duplicates": len(parsed.lines) - inserted,
        }


def ask_data(
    data: CustomerData,
    question: str,
    today: date,
    model_hook: Callable[[str, Query], Query] | None = None,
) -> dict[str, Any]:
    """Parse ``question`` and answer it from ``data`` (the pure path of :meth:`Assistant.ask`).

    ``model_hook`` (the optional model endpoint) may only replace an ``unknown`` query the
    parser did not understand by another typed query (orders and facts the data does not
    hold stay unanswered); the answer is always computed here."""
    query = parse(question, today, merchants=data.merchants(), currency=data.currency)
    if query.intent == "unknown" and query.reason is None and model_hook is not None:
        query = model_hook(question, query)
    if query.period is not None and query.period.start == ALL_TIME and data.transactions:
        first = min(t.date for t in data.transactions)  # "ever": from the first transaction
        query.period = Period(min(first, query.period.end), query.period.end, query.period.label)
    result = answer(query, data, today)
    if data.fx is not None and not data.fx.empty:
        result["data"] = {**result.get("data", {}), "fx": data.fx.as_dict()}
        if result.get("currency"):
            result["answer"] = f"{result['answer']} {data.fx.sentence()}"
    return result


def category_code(text: str | None) -> str | None:
    """A Plaid category name from metadata: the code itself (``FOOD_AND_DRINK_GROCERIES``),
    or words the question vocabulary knows (``groceries``, ``餐饮``); None otherwise."""
    if not text:
        return None
    cleaned = text.strip()
    if (cleaned.upper() == cleaned and "_" in cleaned) or cleaned.upper() in PRIMARIES:
        return cleaned.upper()
    from coffer.assistant.ask.parser import _topic_vocabulary
    from coffer.assistant.ask.text import normalize
    from coffer.assistant.ask.vocabulary import TOPICS

    hits = _topic_vocabulary().find(normalize(cleaned))
    return TOPICS[hits[0].key].codes[0] if hits else None


def _rule_values(spec: dict[str, Any]) -> dict[str, Any]:
    """A rule request (name, stage, match, conditions, category, position) as stored."""
    match = str(spec.get("match") or "all")
    if match not in ("all", "any"):
        raise ValidationError("'match' is 'all' (every condition) or 'any' (one condition)")
    conditions = spec.get("conditions")
    if not isinstance(conditions, list):
        raise ValidationError("'conditions' is a list of {field, operator, value}")
    return {
        "name": str(spec.get("name") or "")[:200],
        "stage": str(spec.get("stage") or "pre"),
        "match_all": match == "all",
        "position": int(spec.get("position") or 0),
        "conditions": [
            {"field": c.get("field"), "operator": c.get("operator"), "value": c.get("value")}
            if isinstance(c, dict)
            else {}
            for c in conditions
        ],
        "actions": {"category": str(spec.get("category") or "").strip().upper()},
    }


def _rule_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "stage": row["stage"],
        "match": "all" if row["match_all"] else "any",
        "position": row["position"],
        "conditions": row["conditions"],
        "category": row["actions"].get("category"),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def _primary(detailed: str) -> str:
    from coffer.assistant.categorizer import primary_of

    return primary_of(detailed)


def _currency_counts(txns: list[Txn]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for t in txns:
        counts[t.currency] = counts.get(t.currency, 0) + 1
    return counts


def _home_currency(accounts: list[Account], counts: dict[str, int]) -> str:
    """The currency most of the customer's transactions are in."""
    counts = dict(counts)
    for a in accounts:
        counts.setdefault(a.currency, 0)
    if not counts:
        return "EUR"
    return max(sorted(counts), key=lambda c: counts[c])
