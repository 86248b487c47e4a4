"""The categorization pipeline: one statement line -> a category with its source and confidence.

Stages, first decisive one wins:

1. the customer's stages (``context_stage``): the correction of the line itself (locked),
   rules of stage "pre", learned payee rules, the per-customer correction model (variants of
   corrected descriptors), rules of stage "default";
2. strong keyword rules (cash withdrawals, fees, taxes, wages, pensions, loans, rent, savings,
   investments), skipped for a refund, whose category is its merchant's;
3. the merchant dictionary (brands of many countries);
4. generic transfer words (P2P apps, "Überweisung", "virement", "转账");
5. generic shop words ("pizzeria", "Apotheke", "酒店"), the MCC and the statistical classifier,
   weighed against each other;
6. a credit nothing explained is a transfer in;
7. the customer's "post" rules, then abstention below the confidence threshold (the
   classifier's confidence is calibrated, its threshold validated: ``calibration``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace

from coffer.assistant.categorize.adaptation import CorrectionModel
from coffer.assistant.categorize.aliases import is_short, stands_alone
from coffer.assistant.categorize.mcc import mcc_category
from coffer.assistant.categorize.merchants import (
    PLATFORMS,
    MerchantMatch,
    find_merchant,
    shop_word_categories,
)
from coffer.assistant.categorize.normalize import (
    clean_descriptor,
    fold,
    has_cjk,
    japanese_reading,
    merchant_name,
)
from coffer.assistant.categorize.rules import (
    STRONG,
    TAX_REFUND,
    TRANSFER,
    Rule,
    first_match,
    is_refund,
)
from coffer.assistant.categorize.schemas import (
    Categorization,
    CategorizationContext,
    Condition,
    StatementLine,
    UserRule,
)
from coffer.assistant.categorize.stems import find_stem
from coffer.assistant.taxonomy import CATEGORIES, primary_of

DEFAULT_MIN_CONFIDENCE = 0.15
"""Below this confidence the categorizer abstains (primary null, the line awaits review),
unless a threshold is given or the classifier brings its validated one."""

# Purpose rules whose words also occur in merchants' names.
_NAME_WORD_RULES = frozenset({"rent", "personal_loan", "savings", "investment"})
# Primary categories of shops' trades (the shop words that can outweigh a one-word brand).
_TRADES = frozenset(
    {
        "FOOD_AND_DRINK",
        "GENERAL_MERCHANDISE",
        "HOME_IMPROVEMENT",
        "MEDICAL",
        "PERSONAL_CARE",
        "GENERAL_SERVICES",
        "TRANSPORTATION",
        "TRAVEL",
        "ENTERTAINMENT",
    }
)
_P2P_BRANDS = frozenset({"PayPal", "Venmo", "Zelle", "Revolut", "Wise"})
# "PAYPAL *SHOPNAME": a purchase at a shop through a payment processor, not a transfer.
_PROCESSOR_PURCHASE = re.compile(r"\bPAYPAL\s*\*\s*\w", re.IGNORECASE)
# A transfer between people: money in by transfer, or a person-to-person app.
_PERSONAL = re.compile(
    r"\b(?:zelle|venmo|cash app|cashapp|bizum|tikkie|osko|payid|interac e transfer|e transfer|"
    r"etransfer|vipps|mobilepay|lydia|paylib|mb way|swish betalning|satispay|"
    r"vir sepa recu|vir inst recu|virement recu|gutschrift uberweisung|faster payment received|"
    r"transferencia recibida|bonifico a vostro favore|przelew przychodzacy|pix recebido|"
    r"bank giro credit|received from|payment from|from)\b|微信转账|转账|红包"
)
# A company or an invoice named in a transfer (folded text).
_BILL = re.compile(
    r"\b(?:gmbh|ag|kg|ug|ltd|llc|inc|sarl|sas|srl|spa|bv|rechnung|rg nr|invoice|facture|"
    r"factura|fattura|factuur|faktura)\b"
)


@dataclass(slots=True)
class _Pending:
    """A line the rule stages did not settle: what the later stages weigh."""

    index: int
    line: StatementLine
    merchant: str | None
    keyword: MerchantMatch | None
    mcc: tuple[str, float] | None
    transfer: str | None
    refund: bool
    stem: str | None = None
    # Shop words' categories to choose from by MCC and classifier: when the shop words of a
    # line disagree, or a one-word brand was set aside.
    choices: frozenset[str] = frozenset()


class Predictor:
    """What the pipeline needs of a statistical classifier."""

    def predict(self, lines: Sequence[StatementLine]) -> list[tuple[str, float]]:
        """For each line: the most likely detailed category and the probability of its
        primary."""
        raise NotImplementedError

    def threshold(self) -> float | None:
        """The abstention threshold validated with this predictor (None: the default)."""
        return None


def correction_key(line: StatementLine) -> str:
    """The key a correction of this line is filed under (its payee, else its descriptor)."""
    if line.counterparty:
        return "payee:" + fold(line.counterparty)
    match = find_merchant(fold(clean_descriptor(line.description)))
    if match is not None and match.name is not None:
        return "payee:" + fold(match.name)
    return "description:" + fold(clean_descriptor(line.description))


def learn_payee_rules(
    corrections: Iterable[tuple[StatementLine, str]], *, min_count: int = 2
) -> dict[str, str]:
    """Payee rules learned from a customer's corrections: a payee corrected to the same
    category at least ``min_count`` times, and never to another, maps to that category."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for line, detailed in corrections:
        seen[correction_key(line)][detailed] += 1
    learned: dict[str, str] = {}
    for key, counts in seen.items():
        if len(counts) == 1:
            detailed, count = next(iter(counts.items()))
            if count >= min_count:
                learned[key] = detailed
    return learned


def _condition_holds(condition: Condition, line: StatementLine, merchant: str | None) -> bool:
    value = condition.value
    if condition.field == "amount":
        amount = line.amount
        if condition.operator == "greater_than":
            return amount > int(value)
        if condition.operator == "less_than":
            return amount < int(value)
        if condition.operator == "between":
            low, high = value
            return int(low) <= amount <= int(high)
        if condition.operator == "is":
            return amount == int(value)
        if condition.operator == "one_of":
            return amount in {int(v) for v in value}
        return False
    raw = {
        "description": line.description,
        "merchant": merchant or "",
        "counterparty": line.counterparty or "",
        "mcc": line.mcc or "",
        "currency": line.currency,
        "direction": line.direction,
    }[condition.field]
    text = fold(raw)
    operator = condition.operator
    if operator == "matches":
        return re.search(str(value), raw, re.IGNORECASE) is not None
    if operator == "one_of":
        return text in {fold(str(v)) for v in value}
    target = fold(str(value))
    if operator == "contains":
        return target in text
    if operator == "not_contains":
        return target not in text
    if operator == "is":
        return text == target
    if operator == "starts_with":
        return text.startswith(target)
    if operator == "ends_with":
        return text.endswith(target)
    return False


def rule_matches(rule: UserRule, line: StatementLine, merchant: str | None) -> bool:
    """Whether all (``match_all``) or any of the rule's conditions hold for the line."""
    results = (_condition_holds(c, line, merchant) for c in rule.conditions)
    return all(results) if rule.match_all else any(results)


def _result(
    line: StatementLine, detailed: str, confidence: float, merchant: str | None, source: str
) -> Categorization:
    return Categorization(
        id=line.id,
        primary=primary_of(detailed),
        detailed=detailed,
        confidence=max(0.0, min(1.0, confidence)),
        merchant=merchant,
        source=source,
    )


def _dictionary_match(text: str, cleaned: str, description: str) -> MerchantMatch | None:
    """The dictionary's match in a line's folded descriptor: in the cleaned descriptor, else
    (brands with digits such as "GS25" or "A101" do not survive the cleaning) a brand in the
    whole text, unless it is a payment platform or a shop word was found already. A short
    alias that does not stand alone in ``description`` ("ROHLIK.CZ", "PIZZA-BP") is skipped."""
    match = _standing_match(cleaned or text, cleaned, description)
    if match is None and cleaned != text:
        raw = _standing_match(text, cleaned, description)
        if raw is not None and raw.name is not None and raw.name not in PLATFORMS:
            match = raw
    return match


def _standing_match(folded: str, cleaned: str, description: str) -> MerchantMatch | None:
    match = find_merchant(folded)
    while (
        match is not None
        and match.name is not None
        and is_short(match.alias)
        and not stands_alone(match.alias, description, cleaned)
    ):
        folded = " ".join(token for token in folded.split(" ") if token != match.alias)
        match = find_merchant(folded) if folded else None
    return match


def line_merchant(line: StatementLine) -> str | None:
    """The merchant name the pipeline gives a line (a known brand, else a cleaned name)."""
    match = _dictionary_match(
        fold(line.description), fold(clean_descriptor(line.description)), line.description
    )
    if match is not None and match.name is not None:
        return match.name
    return merchant_name(line.description)


def context_stage(
    line: StatementLine,
    context: CategorizationContext,
    merchant: str | None,
    model: CorrectionModel | None = None,
) -> Categorization | None:
    """The customer's stages before the built-in pipeline, first decisive one wins: the
    correction of this very line (locked), rules of stage "pre", learned payee rules, the
    correction model (a variant of a corrected descriptor), rules of stage "default"."""
    key = correction_key(line) if (context.corrections or context.payee_rules) else ""
    for found in (line.id, key):
        if found and found in context.corrections:
            return _result(line, context.corrections[found], 1.0, merchant, "correction")
    for rule in context.rules:
        if rule.stage == "pre" and rule_matches(rule, line, merchant):
            return _result(line, rule.detailed, 0.99, merchant, "user_rule")
    payee = context.payee_rules.get(key) if key else None
    if payee is not None:
        return _result(line, payee, 0.98, merchant, "payee_rule")
    if model is not None:
        near = model.nearest(line)
        if near is not None:
            confidence = 0.8 + 0.19 * near.similarity
            return _result(line, near.detailed, confidence, merchant, "correction_model")
    for rule in context.rules:
        if rule.stage == "default" and rule_matches(rule, line, merchant):
            return _result(line, rule.detailed, 0.99, merchant, "user_rule")
    return None


def correction_model(context: CategorizationContext) -> CorrectionModel | None:
    """The per-customer correction model of ``context`` (None without examples)."""
    return CorrectionModel(context.examples) if context.examples else None


def _first_stage(
    index: int,
    line: StatementLine,
    context: CategorizationContext,
    model: CorrectionModel | None = None,
    brands: bool = True,
) -> Categorization | _Pending:
    text = japanese_reading(fold(line.description))
    cleaned = japanese_reading(fold(clean_descriptor(line.description)))
    match = _dictionary_match(text, cleaned, line.description)
    if not brands and match is not None and match.name is not None:
        match = None  # validation: a brand the dictionary is to treat as unknown
    if match is not None and match.name in PLATFORMS and find_stem(cleaned or text):
        match = None  # "美团-丝域养发馆": the shop's trade says more than the platform
    mcc = mcc_category(line.mcc)
    aside = match is not None and _set_aside(match, mcc, cleaned or text)
    if aside:
        match = None  # "INDIAN GROCERY EDISON NJ": a place, not the utility
    merchant = match.name if match is not None and match.name is not None else None
    if merchant is None:
        merchant = merchant_name(line.description)
    # 1. the customer's own corrections, rules and what was learned from corrections.
    if not context.empty:
        decided = context_stage(line, context, merchant, model)
        if decided is not None:
            return decided
    if line.direction == "credit" and TAX_REFUND.pattern.search(text):
        brand = match.name if match is not None else None
        return _result(line, "INCOME_TAX_REFUND", TAX_REFUND.confidence, brand, "rule:tax_refund")
    refund = (
        line.direction == "credit"
        and is_refund(text)
        and first_match(TRANSFER, text, "credit") is None
    )
    direction = "debit" if refund else line.direction
    prefix = "refund+" if refund else ""
    # 2. strong purposes.
    if not refund:
        strong = first_match(STRONG, text, direction)
        detailed = (
            None if strong is None else strong.debit if direction == "debit" else strong.credit
        )
        if (
            strong is not None
            and detailed is not None
            and not _merchant_name_word(strong, mcc, detailed)
        ):
            brand = match.name if match is not None else None
            return _result(line, detailed, strong.confidence, brand, f"rule:{strong.name}")
    # 3. a known brand.
    if match is not None and match.name is not None:
        confidence = 0.95
        if mcc is not None and primary_of(mcc[0]) == primary_of(match.detailed):
            confidence = 0.98
        if line.direction == "credit" and not refund:
            if match.name in _P2P_BRANDS:
                return _result(line, "TRANSFER_IN_ACCOUNT_TRANSFER", 0.85, merchant, "merchant")
            confidence = 0.8
            prefix = "refund+"
        return _result(line, match.detailed, confidence, merchant, prefix + "merchant")
    transfer = None
    if not refund and not _PROCESSOR_PURCHASE.search(line.description):
        transfer_rule = first_match(TRANSFER, text, direction)
        if transfer_rule is not None:
            transfer = transfer_rule.debit if direction == "debit" else transfer_rule.credit
    shop = shop_word_categories(cleaned or text) if match is None or match.name is None else None
    purpose = False
    if shop and len({primary_of(c) for c in shop}) > 1:
        shop = _head_trade(cleaned or text, shop)
    if shop and len({primary_of(c) for c in shop}) > 1:
        shop, purpose = _trade_over_purpose(cleaned or text, shop)
    choices = (
        shop
        if shop and (aside or purpose or len({primary_of(c) for c in shop}) > 1)
        else frozenset()
    )
    stem = find_stem(cleaned or text) if match is None else None
    return _Pending(index, line, merchant, match, mcc, transfer, refund, stem, choices)


# A place named after a preposition: "Pressing de la Mairie", "Brasserie du Théâtre",
# "Apotheke am Markt", "Café near the Station" (folded text).
_LOCATION = re.compile(
    r"\b(?:de la|de l|du|des|del|de los|de las|della|dello|delle|dei|am|an der|beim|zum|zur|"
    r"near|opp|opposite|by the|at the|next to|vor dem|bij de|bij het|nabij|przy|obok)"
    r"((?: \w+){1,2})"
)


def _head_trade(folded: str, shop: frozenset[str]) -> frozenset[str]:
    """The shop words of a line's own trade, when others only name where it is."""
    places = [m.group(1) for m in _LOCATION.finditer(folded)]
    if not places:
        return shop
    named = frozenset().union(*(shop_word_categories(p.strip()) for p in places))
    head = shop_word_categories(_LOCATION.sub(" ", folded))
    return head if named and head else shop


# What a payment is for rather than who is paid (folded): a membership fee, dues, a monthly
# contribution. The merchant's trade ("Fitnessstudio", "academia", "dojo") says more.
_PURPOSE = re.compile(
    r"\b(?:(?:mitglieds|vereins|monats|jahres|kurs)?beitrag|mitgliedschaft|membership(?: dues| fees?)?|"
    r"(?:monthly |annual )?dues|club fees?|cotisations?(?: annuelle| mensuelle)?|"
    r"mensalidade|mensualidad|cuota(?: socio| mensual)?|quota(?: associativa| mensile)?|"
    r"contributie|lidmaatschap|skladka(?: czlonkowska)?|abonnement|subscription)\b"
    r"|(?:月|年)?会[费費]"
)


def _trade_over_purpose(folded: str, shop: frozenset[str]) -> tuple[frozenset[str], bool]:
    """The shop words of a line's trade when others only say what it was paid for
    ("Fitnessstudio ... Mitgliedsbeitrag"), and whether purpose words were set aside."""
    rest = " ".join(_PURPOSE.sub(" ", folded).split())
    if rest == folded or not rest:
        return shop, False
    trade = shop_word_categories(rest) & shop
    return (trade, True) if trade else (shop, False)


def _merchant_name_word(rule: Rule, mcc: tuple[str, float] | None, detailed: str) -> bool:
    """Whether a purpose word is part of a merchant's name ("HIPER RENT", "LITTLE ACORNS
    DAYCARE"): the line carries the MCC of another kind of business."""
    return (
        rule.name in _NAME_WORD_RULES
        and mcc is not None
        and mcc[1] >= 0.9
        and primary_of(mcc[0]) != primary_of(detailed)
    )


def _set_aside(match: MerchantMatch, mcc: tuple[str, float] | None, folded: str) -> bool:
    """Whether a brand is more likely a place or a person's name: for a one-word brand, the
    line's MCC or its shop words name another kind of business; for a longer one ("ST JUDE
    MEDICAL CENTER" with a hospital's MCC), both do."""
    if match.name is None or match.name in PLATFORMS or has_cjk(match.name):
        return False
    primary = primary_of(match.detailed)
    by_mcc = mcc is not None and mcc[1] >= 0.9 and primary_of(mcc[0]) != primary
    trades = {primary_of(c) for c in shop_word_categories(folded, False)} & _TRADES
    by_trade = bool(trades) and primary not in trades
    return (by_mcc or by_trade) if match.words == 1 else (by_mcc and by_trade)


def _choose(pending: _Pending, predicted: tuple[str, float] | None) -> str | None:
    """Among a line's disagreeing shop words, the one its MCC, else the classifier, agrees with."""
    for found in (pending.mcc, predicted):
        if found is not None:
            agreeing = [c for c in sorted(pending.choices) if primary_of(c) == primary_of(found[0])]
            if agreeing:
                return found[0] if found[0] in agreeing else agreeing[0]
    if len({primary_of(c) for c in pending.choices}) == 1:
        return min(pending.choices)
    return None


_MCC_SHARED = frozenset({"FOOD_AND_DRINK_COFFEE"})


def _finer(detailed: str, mcc: tuple[str, float] | None) -> str:
    """A shop word's detailed category, or a strong MCC's of the same primary (the acquirer
    files a `Pizzeria` with MCC 5814 as fast food), except where one MCC serves several
    trades (coffee shops file under fast food too)."""
    if (
        mcc is not None
        and mcc[1] >= 0.9
        and primary_of(mcc[0]) == primary_of(detailed)
        and detailed not in _MCC_SHARED
    ):
        return mcc[0]
    return detailed


def _decide(pending: _Pending, predicted: tuple[str, float] | None) -> Categorization:
    line, merchant = pending.line, pending.merchant
    prefix = "refund+" if pending.refund else ""
    keyword, mcc, transfer = pending.keyword, pending.mcc, pending.transfer
    if not any(ch.isalnum() for ch in line.description):
        # Nothing to read: the MCC alone decides, else the line waits for review.
        if mcc is not None:
            return _result(line, mcc[0], mcc[1], merchant, prefix + "mcc")
        return Categorization(line.id, None, None, 0.0, merchant, "abstain")
    if transfer is not None and mcc is None and _PERSONAL.search(fold(line.description)):
        # Money between people: "dinner", "BBQ" or "Ferienwohnung" is what it was for.
        return _result(line, transfer, 0.85, None, "rule:transfer")
    chosen = _choose(pending, predicted) if pending.choices else None
    if chosen is not None:
        confidence = 0.9 if mcc is not None and primary_of(mcc[0]) == primary_of(chosen) else 0.8
        return _result(line, chosen, confidence, merchant, prefix + "keyword")
    if keyword is not None:
        if mcc is not None and mcc[1] >= 0.9 and primary_of(mcc[0]) != primary_of(keyword.detailed):
            return _result(line, mcc[0], mcc[1], merchant, prefix + "mcc")
        confidence = 0.95 if mcc is not None else 0.85
        return _result(
            line, _finer(keyword.detailed, mcc), confidence, merchant, prefix + "keyword"
        )
    stem = pending.stem
    if transfer is not None and stem is not None and _BILL.search(fold(line.description)):
        transfer = None  # a bank transfer paying a business's invoice: its trade says more
    if transfer is not None and (mcc is None or mcc[0].startswith("TRANSFER")):
        return _result(line, transfer, 0.85, None, "rule:transfer")
    if stem is not None and (mcc is None or primary_of(mcc[0]) == primary_of(stem)):
        confidence = 0.95 if mcc is not None else 0.8
        return _result(line, _finer(stem, mcc), confidence, merchant, prefix + "stem")
    if mcc is not None:
        if predicted is not None and primary_of(predicted[0]) == primary_of(mcc[0]):
            confidence = min(0.99, max(mcc[1], predicted[1]) + 0.05)
            return _result(line, mcc[0], confidence, merchant, prefix + "mcc")
        if predicted is None or mcc[1] >= predicted[1] or mcc[1] >= 0.7:
            return _result(line, mcc[0], mcc[1], merchant, prefix + "mcc")
    # Money in without a purpose: a transfer, unless the model is sure of income.
    if (
        line.direction == "credit"
        and not pending.refund
        and mcc is None
        and (
            predicted is None
            or not (predicted[0].startswith(("INCOME", "TRANSFER_IN")) or predicted[1] >= 0.6)
        )
    ):
        return _result(line, "TRANSFER_IN_ACCOUNT_TRANSFER", 0.5, merchant, "default:credit")
    if predicted is not None:
        detailed, confidence = predicted
        return _result(line, detailed, confidence, merchant, prefix + "classifier")
    return Categorization(line.id, None, None, 0.0, merchant, "abstain")


def categorize(
    lines: Sequence[StatementLine],
    context: CategorizationContext | None = None,
    *,
    predictor: Predictor | None = None,
    min_confidence: float | None = None,
    unknown_brands: Collection[str] = (),
) -> list[Categorization]:
    """Categorize ``lines`` (in order, one result per line). ``predictor`` is the statistical
    classifier (None: rules, dictionary and MCC only). ``min_confidence``: the abstention
    threshold (None: the predictor's validated one, else ``DEFAULT_MIN_CONFIDENCE``).
    ``unknown_brands``: ids of lines whose
    brand the dictionary ignores (to validate the classifier on brands it never saw)."""
    context = context or CategorizationContext()
    threshold = context.min_confidence if context.min_confidence is not None else min_confidence
    results: list[Categorization | None] = []
    pending: list[_Pending] = []
    model = correction_model(context)
    for index, line in enumerate(lines):
        first = _first_stage(index, line, context, model, line.id not in unknown_brands)
        if isinstance(first, _Pending):
            pending.append(first)
            results.append(None)
        else:
            results.append(first)
    needs_model = [
        p for p in pending if p.choices or (p.keyword is None and (p.transfer is None or p.mcc))
    ]
    predictions: dict[int, tuple[str, float]] = {}
    if predictor is not None and needs_model:
        # A refund is predicted as the purchase it reverses.
        inputs = [replace(p.line, direction="debit") if p.refund else p.line for p in needs_model]
        for item, predicted in zip(needs_model, predictor.predict(inputs), strict=True):
            predictions[item.index] = predicted
        if threshold is None:
            threshold = predictor.threshold()
    if threshold is None:
        threshold = DEFAULT_MIN_CONFIDENCE
    for item in pending:
        results[item.index] = _decide(item, predictions.get(item.index))
    final: list[Categorization] = []
    for line, result in zip(lines, results, strict=True):
        assert result is not None
        if result.primary is None or result.confidence < threshold:
            rescued = post_rules(line, result, context)
            result = rescued or Categorization(
                line.id, None, None, result.confidence, result.merchant, "abstain"
            )
        assert result.detailed is None or result.detailed in CATEGORIES
        final.append(result)
    return final


def post_rules(
    line: StatementLine, result: Categorization, context: CategorizationContext
) -> Categorization | None:
    """The customer's rules of stage "post", for a line the pipeline abstained on."""
    for rule in context.rules:
        if rule.stage == "post" and rule_matches(rule, line, result.merchant):
            return _result(line, rule.detailed, 0.99, result.merchant, "user_rule")
    return None
