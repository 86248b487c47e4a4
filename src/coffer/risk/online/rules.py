"""A platform's own rules (CEL, versioned, enforced or monitored) and its block and allow
lists, applied on top of the engine's score.

A rule is a CEL expression (:mod:`coffer.expressions`) over these variables, and an action:

- ``tx``: the movement: ``kind`` (payin_card, payin_bank, transfer, payment, payout),
  ``amount`` (minor units), ``currency``, ``customer_id``, ``counterparty`` (a customer id,
  ``merchant:<id>``, ``iban:<hash>`` or ""), ``counterparty_type`` (customer, merchant,
  iban, none), ``device_id``, ``ip_country``, ``card_country``, ``mcc`` ("" when unknown);
- ``score``: the engine's score (0 to 1); ``reasons``: its reason codes;
- ``features``: every feature of :data:`coffer.risk.features_names.FEATURE_NAMES` by name
  (``features.customer_count_24h``, ``features.device_new``...).

Actions: ``block``, ``review`` or ``allow``. A rule in ``monitor`` mode is evaluated and
recorded on the decision (``rules`` with ``mode: monitor``) but changes nothing: how a
platform tries a rule before turning it on. The outcome, strongest first: a block-list match
blocks; then an enforced ``block`` rule blocks; an allow-list match or an enforced ``allow``
rule allows; an enforced ``review`` rule reviews; otherwise the score's thresholds decide.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coffer.errors import RiskRuleInvalid
from coffer.expressions import Bound, Expression, ExpressionFailed, compile_expression
from coffer.risk.features_names import FEATURE_INDEX, FEATURE_NAMES
from coffer.risk.online.rule_closures import Fallback, closure_of

RULE_VARIABLES = frozenset({"tx", "score", "reasons", "features"})
ACTIONS = ("block", "review", "allow")
MODES = ("enforce", "monitor")
LISTS = ("block", "allow")
LIST_KINDS = ("iban", "card", "email", "device", "country", "customer")
HASHED_KINDS = frozenset({"iban", "email"})  # personal data: stored as SHA-256 only


def compile_rule(expression: str) -> Expression:
    """The compiled rule, or :class:`~coffer.expressions.ExpressionInvalid` naming the
    problem (at save time)."""
    return compile_expression(expression, variables=set(RULE_VARIABLES))


def normalize_list_value(kind: str, value: str) -> str:
    """The stored form of a list value: IBANs without spaces, upper case; emails lower case;
    countries upper case; IBANs and emails then hashed (SHA-256, hex)."""
    if kind not in LIST_KINDS:
        raise RiskRuleInvalid(f"unknown list kind {kind!r}: use one of {', '.join(LIST_KINDS)}")
    text = value.strip()
    if not text:
        raise RiskRuleInvalid("a list value cannot be empty")
    if kind == "iban":
        text = text.replace(" ", "").upper()
    elif kind == "email":
        text = text.lower()
    elif kind == "country":
        text = text.upper()
        if len(text) != 2 or not text.isalpha():
            raise RiskRuleInvalid(f"a country is an ISO 3166 alpha-2 code, not {value!r}")
    return hash_value(text) if kind in HASHED_KINDS else text


def hash_value(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ActiveRule:
    id: str
    name: str
    version: int
    action: str
    mode: str
    program: Expression


@functools.lru_cache(maxsize=4096)
def fields_read(source: str, variable: str) -> frozenset[str] | None:
    """The fields of the map ``variable`` that ``source`` reads as ``variable.field``, or
    None when it uses the map otherwise (indexes it, passes it whole)."""
    if re.search(rf"\b{variable}\b(?!\s*\.)", source):
        return None
    return frozenset(re.findall(rf"\b{variable}\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)", source))


@dataclass(frozen=True)
class RuleHit:
    rule: ActiveRule
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule.name,
            "version": self.rule.version,
            "action": self.rule.action,
            "mode": self.rule.mode,
        }
        if self.error is not None:
            out["error"] = self.error
        return out


@dataclass(frozen=True)
class Lists:
    """A platform's block and allow lists: (list, kind) -> stored values."""

    values: Mapping[tuple[str, str], frozenset[str]]

    def match(self, list_name: str, identities: Iterable[tuple[str, str | None]]) -> str | None:
        """The first kind of identity (kind, stored value) on the list, if any."""
        for kind, value in identities:
            if value is not None and value in self.values.get((list_name, kind), frozenset()):
                return kind
        return None


def rule_variables(
    tx: Mapping[str, Any], score: float, reasons: Sequence[str], features: Sequence[float]
) -> dict[str, Any]:
    """The variables of every rule (``tx`` and ``features`` whole: :func:`evaluate` passes
    the rules only the fields they read, which keeps a decision's cost low)."""
    return {"tx": tx, "score": float(score), "reasons": list(reasons), "features": features}


def _needed(rules: Sequence[ActiveRule]) -> dict[str, frozenset[str] | None]:
    """Per variable the rules read: the fields they read of it (None: all of it)."""
    return _needed_of(tuple((rule.program.source, rule.program.variables) for rule in rules))


@functools.lru_cache(maxsize=1024)
def _needed_of(
    programs: tuple[tuple[str, frozenset[str]], ...],
) -> dict[str, frozenset[str] | None]:
    """:func:`_needed` by the rules' (source, variables read): what a rule reads depends on
    them only. The answer is shared (callers never change it)."""
    needed: dict[str, frozenset[str] | None] = {}
    for source, variables in programs:
        for name in variables:
            fields = (
                fields_read(source, "features")
                if name == "features"
                else fields_read(source, "tx")
                if name == "tx"
                else None
            )
            if name not in needed:
                needed[name] = fields
            else:
                known = needed[name]
                needed[name] = None if known is None or fields is None else known | fields
    return needed


def _bound(rules: Sequence[ActiveRule], variables: Mapping[str, Any]) -> Bound:
    """The variables the rules read, converted for CEL once for all of them."""
    values: dict[str, Any] = {}
    for name, fields in _needed(rules).items():
        value = variables[name]
        if name == "features":
            if fields is None:
                value = {n: float(v) for n, v in zip(FEATURE_NAMES, value, strict=True)}
            else:
                value = {n: float(value[FEATURE_INDEX[n]]) for n in fields if n in FEATURE_INDEX}
        elif name == "tx":
            value = dict(value) if fields is None else {n: value[n] for n in fields if n in value}
        values[name] = value
    functions: dict[str, Any] = {}
    for rule in rules:
        functions.update(rule.program.functions)
    return Bound(values, functions)


# A rule's answer is a function of the values it reads (CEL and the functions rules may call
# are pure): per expression, the answers to up to CACHED_ANSWERS distinct inputs (forgotten
# all at once when full), for the CACHED_EXPRESSIONS expressions stored most recently.
CACHED_ANSWERS = 4096
CACHED_EXPRESSIONS = 256
_answers: dict[str, dict[tuple[Any, ...], bool | str]] = {}
_answers_lock = threading.Lock()


def _remember(source: str, key: tuple[Any, ...], answer: bool | str) -> None:
    with _answers_lock:
        known = _answers.pop(source, None)  # re-inserted last: the most recent
        if known is None:
            known = {}
            while len(_answers) >= CACHED_EXPRESSIONS:
                del _answers[next(iter(_answers))]
        elif len(known) >= CACHED_ANSWERS:
            known = {}
        known[key] = answer
        _answers[source] = known


@functools.lru_cache(maxsize=1024)
def _inputs_of(
    source: str, variables: frozenset[str]
) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """What a rule reads, in a fixed order: (variable, its fields); None when it reads a map
    whole (its answer is then not cached)."""
    plan = []
    for name, fields in sorted(_needed_of(((source, variables),)).items()):
        if fields is None and name in ("tx", "features"):
            return None
        plan.append((name, tuple(sorted(fields or ()))))
    return tuple(plan)


def _inputs(rule: ActiveRule, variables: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The values ``rule`` reads (types and float bits included), or None: not cached."""
    plan = _inputs_of(rule.program.source, rule.program.variables)
    if plan is None:
        return None
    key: list[Any] = []
    for name, fields in plan:
        value = variables[name]
        if name == "tx":
            for field in fields:
                item = value.get(field, _inputs)  # the function itself: "absent"
                key.append((type(item), item))
        elif name == "features":
            key.extend(
                float(value[FEATURE_INDEX[field]]).hex() if field in FEATURE_INDEX else None
                for field in fields
            )
        elif name == "score":
            key.append(float(value).hex())
        elif name == "reasons":
            key.append(tuple(value))
        else:
            return None
    return tuple(key)


def evaluate(rules: Sequence[ActiveRule], variables: Mapping[str, Any]) -> list[RuleHit]:
    """The rules that fired (a rule that fails at run time is recorded, never fires). A
    rule of a common shape answers by its closure (:mod:`coffer.risk.online.rule_closures`);
    one whose inputs were seen recently, from :data:`_answers`; the others are evaluated
    together by CEL, their variables converted once."""
    if not rules:
        return []
    answers: list[bool | str | None] = []
    keys: list[tuple[Any, ...] | None] = []
    missed: list[ActiveRule] = []
    for rule in rules:
        closure = closure_of(rule.program.source)
        if closure is not None:
            try:
                answers.append(closure(variables))
                keys.append(None)
                continue
            except Fallback:
                pass
        key = _inputs(rule, variables)
        try:
            answer = None if key is None else _answers.get(rule.program.source, {}).get(key)
        except TypeError:  # a value that cannot be a key
            key, answer = None, None
        keys.append(key)
        answers.append(answer)
        if answer is None:
            missed.append(rule)
    if missed:
        bound = _bound(missed, variables)
        for index, rule in enumerate(rules):
            if answers[index] is not None:
                continue
            fresh: bool | str
            try:
                fresh = rule.program.evaluate_bool_in(bound)
            except ExpressionFailed as error:
                fresh = str(error)[:200]
            answers[index] = fresh
            key = keys[index]
            if key is not None:
                _remember(rule.program.source, key, fresh)
    return [
        RuleHit(rule) if answer is True else RuleHit(rule, error=answer)
        for rule, answer in zip(rules, answers, strict=True)
        if answer is not False
    ]


def blocking(rule: ActiveRule) -> bool:
    """Whether ``rule`` blocks what it fires on (an enforced ``block`` rule)."""
    return rule.action == "block" and rule.mode == "enforce"


def outcome(
    threshold_outcome: str, hits: Sequence[RuleHit], blocked_by: str | None, allowed_by: str | None
) -> str:
    """The decision, strongest first (see the module doc)."""
    enforced = {hit.rule.action for hit in hits if hit.rule.mode == "enforce" and not hit.error}
    if blocked_by is not None or "block" in enforced:
        return "block"
    if allowed_by is not None or "allow" in enforced:
        return "allow"
    if "review" in enforced:
        return "review" if threshold_outcome != "block" else "block"
    return threshold_outcome
