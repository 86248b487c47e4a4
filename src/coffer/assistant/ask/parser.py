"""Question -> typed :class:`Query`: intent, categories, merchants, period, amount, goal.

Offline and rule-based, English and Chinese: periods by :mod:`.periods`, categories by the
words of :mod:`.vocabulary` and merchants by the customer's own merchant names (:mod:`.merchants`), both
typo-tolerant (:mod:`.fuzzy`), the intent by cue words. An optional model endpoint may
produce the same :class:`Query` for questions this parser does not understand
(:mod:`coffer.assistant.ask.model`); it never answers by itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from coffer.assistant.ask.fuzzy import CJK, COMMON_WORDS, Hit, Vocabulary
from coffer.assistant.ask.merchants import merchant_hits, merchant_words
from coffer.assistant.ask.numbers import amount as _amount
from coffer.assistant.ask.period_relations import a_year_before, period_before, period_now
from coffer.assistant.ask.periods import MONTHS, PERIOD_WORDS, find_period
from coffer.assistant.ask.sounds import heard_topic
from coffer.assistant.ask.spans import Period, add_months
from coffer.assistant.ask.spelling import correct as spell
from coffer.assistant.ask.spelling import lexicon
from coffer.assistant.ask.text import normalize
from coffer.assistant.ask.unanswered import UNANSWERED
from coffer.assistant.ask.vocabulary import BILL_CODES, TOPICS, Topic, goal_word

INTENTS = (
    "spend_in_category", "spend_at_merchant", "spend_total", "income", "subscriptions",
    "affordability", "goal_progress", "explain_period", "balance", "budget_status",
    "top_categories", "top_merchants", "largest_transaction", "forecast", "savings",
    "transaction_count", "compare", "smallest_transaction", "top_months", "upcoming_bills",
    "compare_items", "share", "unknown",
)  # fmt: skip


@dataclass(slots=True)
class Query:
    """What a question asks, typed: the only thing answers are computed from."""

    intent: str
    period: Period | None = None
    topics: list[Topic] = field(default_factory=list)
    merchants: list[str] = field(default_factory=list)
    amount: int | None = None  # minor units of ``currency``
    currency: str | None = None
    goal: str | None = None
    limit: int = 5
    language: str = "en"
    period_given: bool = False
    average: bool = False  # "on average per month": value is the monthly mean
    any_of: bool = False  # "taxis and Uber": a topic OR a merchant (else both must match)
    compare_to: Period | None = None  # "compare": the earlier period (``period`` the later)
    measure: str = "spend"  # "compare": "spend" or "income"; "savings": "rate" (a percent)
    per: str = "month"  # what an average is taken per: "month", "week" or "day"
    exclude_topics: list[Topic] = field(default_factory=list)  # "excluding rent"
    exclude_merchants: list[str] = field(default_factory=list)  # "other than Lidl"
    weekends: bool = False  # "on weekends", 上个月周末: Saturdays and Sundays of the period only
    items: list[Topic | str] = field(default_factory=list)  # "compare_items": what is compared
    # "unknown": why no number answers it ("order", "not_in_data", "too_far_ahead"; None: not
    # understood)
    reason: str | None = None


IDIOMS = (
    (r"\b(?:shell|fork|splash|lay) (?:ed |ing )?out\b", "spend"),
    (r"\bblow(?:n)? on\b", "spend on"),
    (r"\b(?:burn|burned|burnt|go|gone|went) through\b", "spent"),
    # "send"/"sent" typed for "spend"/"spent" in a question, never with a recipient ("to mom")
    (
        r"(?<=\w )sen([dt])\b(?!(?:\s+[\w'€$£¥.,]+){0,4}?\s+(?:to|into|back)\b)"
        r"(?!\s+(?:my|him|her|them|us|me|mom|mum|dad)\b)",
        r"spen\1",
    ),
)


def _has(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None


# words that only name the kind of spending after a category or merchant
HEAD_WORDS = frozenset(
    {"shopping", "streaming", "services", "bills", "购物", "买东西", "账单", "帐单"}
)
# words that only say what another category is for ("gas for the car", "home insurance")
QUALIFIERS = frozenset({"car", "home"})
# a category or merchant, a past period and one of these: what was paid, not the list
HOW_MUCH = r"how much|\bcost|spen[dt]|\bpa(?:y|id)\b|\btotal\b|多少|花了|交了|付了|扣了"
LISTING = r"\bwhich\b|\blist\b|\bwhat (?:are|is)\b|\bany\b|哪些|有什么|有啥|多少个|几个|多少项"
# between a merchant and a category: either of them ("taxis and Uber")
JOINED = r"\s*(?:and|or|&|plus|and also|和|与|跟|及|以及|或|或者|还有)\s*"
# two periods and one of these: a comparison
COMPARE = (
    r"\bcompar|\bvs\.?(?:\s|$)|\bversus\b|\bthan\b|\bdifference\b|\bchanged?\b|"
    r"\b(?:more|less|higher|lower|increase|decrease)\b|比|对比|相比|比较|差别|变化|增加|减少|多了|少了|"
    r"哪个.{0,4}[多少]"
)
EXCLUDING = (
    r"\b(?:excluding|except(?: for)?|other than|apart from|aside from|not counting|without|"
    r"minus|besides)\b|除了|除去|不算|不含|不包括|不计"
)
# orders the assistant does not carry out, and facts the customer's data does not hold
ORDERS = (
    r"^\s*(?:please\s+)?(?:transfer|send|pay|move|block|freeze|unfreeze|cancel|top up|withdraw|book|order|reserve|open|close)\b|"
    r"^\s*(?:请|帮我)?\s*(?:转账|转给|付给|冻结|取消)|(?:帮我|帮忙|给我)\s*(?:订|预订|预定)|"
    r"(?:^\s*|请|帮我|帮忙)\s*把.{1,20}(?:取消|冻结|退订|停掉|关掉|转给)"
)
NOT_HELD = (
    r"\b(?:credit score|interest rates?|exchange rates?|fx rates?|pin|euro to \w+ rate|\w+ to euro rate)\b|"
    r"信用分|利率|汇率|密码"
)
# an amount and one of these: may it be spent ("is 500 euros for a bike ok")
AMOUNT_OK = r"\b(?:ok|okay|fine|alright|doable|affordable|(?:a |an )?(?:problem|issue))\b|可以吗|行吗|行不行|可不可以"
# two merchants or categories and one of these: which took more ("more at Lidl or Aldi?")
VERSUS = r"\b(?:more|less|most|least|higher|lower|vs\.?|versus|compared?|which)\b|哪个|哪家|更多|更少|还是|比"
# a category or merchant and one of these: its share of spending or income
SHARE = r"%|\bpercent(?:age)?\b|\bshare\b|\bproportion\b|\bfraction\b|百分|占比|比例|占.{0,8}(?:多少|几成)"
SHARE_OF_INCOME = r"\b(?:income|salary|earn\w*|pay ?check|wages?|take[- ]home)\b|收入|工资|薪"
# one period and one of these: a comparison with the period before ("did it go up this month")
CHANGE = (
    r"\b(?:go|went|gone|going) (?:up|down)\b|\b(?:increased?|decreased?|risen|rose|dropped)\b|"
    r"\bcompared? (?:to|with) (?:the )?(?:previous|prior|before)|同期|环比|涨了|降了|上涨|下降"
)
# income set against spending ("did I earn more than I spent", 收支): savings
INCOME_VS_SPENDING = (
    r"\b(?:earn|earned|earning|income|made|make)\b.{0,30}\b(?:than|vs\.?|versus|and|minus|against|"
    r"compared (?:to|with))\s+(?:what )?(?:i )?(?:my )?(?:spen[dt]|spending|expenses|outgoings)|"
    r"\b(?:spen[dt]|spending|expenses|outgoings)\b.{0,20}\b(?:vs\.?|versus|than|and|against)\s+(?:my )?"
    r"(?:income|earn)|\bmoney in\b.{0,4}\b(?:vs\.?|versus|and|against|compared (?:to|with))\s+money out\b|"
    r"\binflows? (?:vs\.?|versus|and|against) outflows?\b|收支|收入.{0,3}(?:和|与|跟|减|减去|对比|比)\s*支出|支出.{0,3}(?:和|与|跟|对比|比)\s*收入"
)
PER_DAY = r"\bdaily\b|\b(?:per|a|each|every) day\b|每天|每日|日均"
PER_WEEK = r"\bweekly\b|\b(?:per|a|each|every) week\b|每周|每个?星期|周均"
THAN = r"\b(?:more|less|higher|lower)\b.{0,40}\bthan\b|比.{0,6}(?:多|少|高|低)"
SAME_TIME = r"同期|same (?:period|time)|year on year|year over year|\byoy\b"
# with a period and nothing else asked: spending ("how much this past week", "total for May")
WEAK_SPEND = (
    r"^how much\b(?!.*\b(?:send|sent|give|gave|transfer\w*|lend|lent|owe|get|got|make|made)\b)|"
    r"\btotal\b|\bsum\b|\bdamage\b"
)
# a category named in a question about something else ("tell me about cats", "play music")
NOT_MONEY = (
    r"^(?:(?:can you |could you |please )?(?:tell me about|play|recommend|suggest|explain what)|"
    r"how (?:do|can|should) i (?!pay|afford|save|spend))|\bwhat(?:'s| is) a good\b|^推荐|^播放|怎么(?:养|做|学)"
)
# "last month vs the month before": the period of the same kind just before
BEFORE_IT = r"\b(?:the|a) (?:month|week|year|quarter) before\b|\bthe (?:previous|prior) (?:one|month|week|year)\b"
# "this month vs this month last year": set against the same dates a year before
A_YEAR_BEFORE = r"\b(?:this|the same) month (?:of |in )?last year\b|\bmonth a year ago\b|去年(?:的)?(?:这个|同一?个?)月"
# Intent cues, checked in this order (the first that matches wins; topics decide the rest).
CUES: tuple[tuple[str, str], ...] = (
    ("affordability", r"(?:能|可以|还能)(?:花|买|负担)|如果我?(?:买|花)|会不会(?:超支|透支)|[买花].{0,15}(?:可以吗|行吗|能行吗|够吗|没问题吗)|\bif i (?:buy|get|spend|pay)\b|will i (?:still )?be (?:ok|okay|fine|alright)|\bfit (?:in |into |within )?(?:my |the )?budget|\bafford|\bafrod|\baford|\b(?:can|could|may) i (?:still )?(?:buy|get|pay for|spend|splurge)\b|enough (?:money |cash |funds )?(?:for|to (?:buy|pay|get|afford|cover))\b|(?:is there|do i have|have i got) (?:enough )?(?:money|cash|funds) (?:for|to)|买得起|负担得起|能不能买|能买|可以买|够不够买|买不买得起|够钱买|负担"),
    ("goal_progress", r"\bgoals?\b|\bon track (?:for|with|to reach) (?:my |the |our )?(?:holiday|vacation|emergency|trip|travel|house|car|wedding|retirement|savings)\b|\bgaol\b|\b(?:holiday|vacation|emergency|travel|house|car|wedding|rainy day|christmas|retirement) (?:funds?|savings|pot|money|target)\b|savings pot|saving (?:up )?for|saved (?:up )?for (?:my|the|a|our)\b|\bsav(?:ed?|ing) (?:up )?towards? (?:my|the|a|our)\b|(?:need|left|have) to save\b|还差多少|还需要存|还要存|piggy ?bank|目标|基金|(?:应急|紧急|备用)(?:预备|储备|备用)?(?:资金|金)|攒钱|攒得|存得|(?:存钱|存款|储蓄|攒钱).{0,6}(?:进度|进展|怎么样|如何|多少了)"),
    ("budget_status", r"(?<!\bto )\bbudget(?!ing)|\bbudegt|\bbugdet|over ?spen(?:t|d|ding)\b|\bon track\b|预算"),
    ("upcoming_bills", r"\bupcoming\b|\bcoming up\b|\b(?:payments?|bills?|debits?|charges?|what)\b.{0,12}\b(?:coming|going) out\b|\b(?:are|is|fall|falls|become|still) due\b|\bdue (?:soon|before|this|next|tomorrow|by|until|in the)\b|\bwhat(?:'s| is) due\b|\b(?:bills?|payments?|debits?)\s+(?:that are\s+|are\s+|is\s+)?due\b|(?:bills?|payments?|debits?|charges?) (?:left|remaining|still to (?:pay|come))\b|\bstill (?:have )?to pay\b|接下来.{0,6}(?:账单|扣款|要付|要交|要扣)|即将.{0,4}(?:扣|付|交|到期)|待付|待缴|待支付|还(?:要|得)(?:付|交|扣)|(?:要|将要|需要|将)(?:扣|付|交|缴)的|(?:还有|剩下|还剩)(?:哪些|什么|啥|几笔).{0,4}(?:账单|扣款|扣费|费用|付款|缴费)|(?<!有)(?:还)?(?:没|未)(?:付|交|缴|扣)|还需(?:要)?(?:支付|付|交|缴)"),
    ("subscriptions", r"subscri|\bwhat (?:do|does) (?:i|my account) pay (?:for )?(?:every|each|a|per) month\b|\b(?:paid|pay|payments?|debits?|charges?|goes out|go out) automatically\b|\bautomatic (?:payments?|debits?|charges?)\b|\b(?:do|am) i (?:still )?pay(?:ing)? for any\b|subsc|\brecurring\b|direct debits?|standing orders?|regular (?:payments|bills|charges)|repeat(?:ing)? (?:payments|charges)|upcoming bills|what bills|\bnext\b.{0,30}\b(?:payment|charge|bill|debit|renewal)|when (?:is|will|does) (?:my|the)\b.{0,30}\b(?:due|charged|renew|payment|bill)|下次扣款|下一次扣款|什么时候.{0,3}(?:扣|交|付|续费|到期)|which bills|my bills\b|memberships|(?:monthly|fixed|regular) (?:bills|costs|outgoings|commitments)|订阅|自动(?:续费|扣|付|缴)|(?:哪些|什么|啥)(?:扣费|扣款)|定期扣款|包月|会员|固定支出|固定.{0,4}(?:付|扣|交|支出|开销)|账单"),
    ("forecast", r"forecast|predict|projection|\bestimated?\b|\bproject(?:ed)?\b|expect(?:ed)? to spend|will i spend|going to spend|likely to spend|next month|预测|预计|下个?月.*(?:会|要|将)|会花多少"),
    ("explain_period", r"\bwhy\b|原因|怎么回事|\bwhat (?:drove|pushed|caused|made|led to|explains)\b.{0,30}\b(?:up|so high|higher|spike|jump|increase)|so expensive|so much|more than usual|higher than usual|explain|what happened|为什么|为何|为啥|怎么.*(?:这么|那么)多|这么贵|那么贵"),
    ("top_months", r"(?:which|what) month\b.{0,40}(?:most|highest|biggest|largest|expensive|worst|spendiest)|(?:most expensive|costliest|priciest|biggest|highest|worst|heaviest) (?:spending )?month\b|哪一?个?月(?:份)?.{0,8}(?:最多|最大|最高|最贵|最(?:烧钱|费钱|花钱))"),
    ("smallest_transaction", r"(?:smallest|cheapest|lowest|least expensive|tiniest|minimum)\s+(?:[a-z']+\s+)?(?:purchase|expense|transaction|payment|buy|charge|item|thing|amount|spend)s?\b|最小的?一笔|最便宜|金额最小|最少的一笔"),
    ("largest_transaction", r"(?:biggest|largest|most expensive|priciest|highest|dearest)\s+(?:[a-z']+\s+)?(?:purchase|expense|transaction|payment|buy|charge|item|thing|bill|amount|sum)s?\b(?!\s*(?:categor|type|area|kind))|\b(?:most|max(?:imum)?)\b.{0,25}\b(?:single|one|individual)\s+(?:purchase|transaction|payment|expense|charge|item|buy)\b|\bthe most i (?:ever )?(?:spent|paid)\b.{0,6}\b(?:in|at) one go\b|最大的?一笔|最大一次|最贵|单笔最"),
    ("top_merchants", r"\bwho (?:did|do|have) i (?:pay|paid|spen[dt])\b.{0,25}\bmost\b|\bwho gets? (?:the )?most of my money|(?:付给|给)谁.{0,4}最多|(?:top|most|biggest|which|favou?rite)\s+(?:\w+\s+)?(?:merchants|stores|shops|places)|where do i shop|商家|商户|哪些店|哪家店"),
    ("top_categories", r"\btop\b|biggest|\bmost\b|largest|where (?:does|did|do|has|is|was|are) (?:all )?(?:of )?(?:my|the) (?:money|cash|spending) (?:go|going|gone|went)|breakdown|by category|categories|花得?最多|最多|排行|主要花在|花在哪|花在(?:什么|啥|哪些)|花到?哪[儿里]|哪些方面|钱都去哪|分类"),
    ("savings", r"how much (?:did|have) i (?:save|saved|put aside)|\b(?:did|have|do) i (?:\w+ )?sav(?:e|ed|ing)\b(?! (?:up )?for\b)|\bnet sav(?:ings|ed)\b|净储蓄|净存|\bnet income\b|after (?:all )?(?:my )?(?:expenses|spending|bills)|\bleft over\b|\bsurplus\b|savings? rate|储蓄率|存钱率|结余|净收入|\b(?:put|set) (?:away|aside)\b|how much (?:money )?(?:did|have) i (?:saved?)\b|my savings rate|(?:存|攒|省)(?:下|到)?了多少|(?:存|攒|省)下(?:来)?了?多少|剩(?:下)?了多少|^(?:my |total |net )?savings\b(?! (?:goal|pot|account|transfers?|target))"),
    ("transaction_count", r"how (?:many|often)(?: times)?|\b(?:number|no\.?|nr\.?|num|#) of\b|\bcount of\b|多少次|几次|多少笔|几笔|次数|笔数"),
    ("balance", r"balance|\bbal\b|\b(?:left|remaining|available) (?:in|on) (?:my |the )?(?:account|wallet|bank|card)s?\b|how much (?:money |cash )?did i have\b|what(?:'s| is) (?:in|on) my (?:account|wallet|bank)|how much (?:do i have|money do i have) (?:in total|across|altogether)|net worth|\bbalnce|how much (?:money |cash )?do i (?:have|got)|how much (?:money |cash )?(?:have i got|is (?:there )?in my)|how much (?:money )?(?:is )?(?:left|there) in|(?:money|cash) (?:do i have )?left|余额|还有多少钱|(?:钱包|卡|账户|账上)里?.{0,3}(?:还有|有|剩)多少|有多少钱|剩多少钱|账户里|钱.{0,2}剩(?:下)?多少"),
    ("income", r"\bincome\b|money (?:came|come|coming) in|\b(?:came|come|went|gone|paid) in(?:to)? (?:my )?(?:account|wallet|bank)|\bcame in\b|\b(?:did|have|do) i (?:\w+ )?(?:receive|received)\b|\bdeposits?\b|\binflows?\b|money in\b|\bearn|how much (?:money )?(?:did|do|have) i (?:make|made)\b|\bsalary|\bsalaries|\bwages?\b|paid me|get paid|got paid|\b(?:get|got|receive|received) from\b|\bpaycheck|\bpayslip|\b(?:bring|bringing|brought) home\b|\btake[- ]home\b|\bnet pay\b|收入|赚了?|挣|工资|薪水|进账|到账|入账|\bpay me\b|\bemployer\b|收到(?:了)?(?:多少|几多)|进了多少|进来(?:了)?多少"),
)  # fmt: skip


@lru_cache(maxsize=1)
def _topic_vocabulary() -> Vocabulary:
    entries: list[tuple[int, str]] = []
    for index, topic in enumerate(TOPICS):
        entries.extend((index, word) for word in (*topic.english, *topic.chinese))
    return Vocabulary(entries)


@lru_cache(maxsize=1)
def _lexicon() -> set[str]:
    patterns = [p for _, p in CUES] + [p for p, _ in IDIOMS]
    patterns += [COMPARE, CHANGE, EXCLUDING, SAME_TIME, PER_DAY, PER_WEEK, ORDERS, NOT_HELD]
    patterns += [SHARE, SHARE_OF_INCOME, AMOUNT_OK]
    phrases = [w for topic in TOPICS for w in topic.english]
    return lexicon(patterns, phrases, [*COMMON_WORDS, *PERIOD_WORDS, *MONTHS])


def _goal_words(text: str) -> str | None:
    for pattern in (
        r"\b(?:my|the|our)\s+([a-z][\w ]{0,30}?)\s+(?:goal|fund|savings|pot|target)\b",
        r"^([a-z][\w ]{0,30}?)\s+(?:goal|fund|savings|pot|target)\b",
        r"saving (?:up )?for (?:a |an |the |my )?([a-z][\w ]{0,30}?)(?:\s+going|\?|$| goal)",
        r"goal\s+(?:for|of)\s+(?:a |an |the |my )?([a-z][\w ]{0,30}?)(?:\?|$| going)",
        r"([\u4e00-\u9fff]{1,6}?)(?:的)?(?:目标|基金|资金|存款)",
        r"(?:存钱|攒钱)(?:买|去)?([\u4e00-\u9fff]{1,6})",
    ):
        match = re.search(pattern, text)
        if match:
            words = match.group(1).strip()
            words = re.sub(r"^(?:我的|我|的)", "", words)
            if words and words not in {"savings", "saving"}:
                return words
    return None


def parse(
    question: str,
    today: date,
    *,
    merchants: Sequence[str] = (),
    currency: str | None = None,
) -> Query:
    """The typed query a question asks, relative to ``today``."""
    known_merchant_words = merchant_words(tuple(merchants))
    text = spell(normalize(question), _lexicon(), known_merchant_words)
    for pattern, replacement in IDIOMS:
        text = re.sub(pattern, replacement, text)
    language = "zh" if CJK.search(text) else "en"
    weekends, text = _weekends(text, today)
    found = find_period(text, today)
    period, period_given = (found[0], True) if found else (None, False)
    rest = _blank(text, found)
    compare_to = None
    balance_sheet = _has(INCOME_VS_SPENDING, rest)  # income against spending: no comparison
    if found is not None and not balance_sheet:
        period, compare_to, rest = _comparison(text, rest, found, today)

    merchant_names = tuple(merchants)
    found_merchants = merchant_hits(rest, merchant_names, _lexicon()) if merchant_names else []
    found_merchants.sort(key=lambda h: h.start)  # in the order the question names them
    topic_hits = _topic_vocabulary().find(rest)
    chosen_merchants: list[str] = []
    anchors: list[Hit] = []
    for hit in found_merchants:
        overlaps = [t for t in topic_hits if not (t.end <= hit.start or t.start >= hit.end)]
        if hit.errors == 0 or not overlaps or all(t.errors > hit.errors for t in overlaps):
            chosen_merchants.append(merchant_names[hit.key])
            anchors.append(hit)
            topic_hits = [t for t in topic_hits if t not in overlaps]
    # a head word after a category ("grocery shopping") and any category word right after
    # a merchant ("Aldi shopping", "Uber trips") only say what kind of spending it is
    merchant_anchors = list(anchors)
    anchors += topic_hits
    topic_hits = [
        t for t in topic_hits
        if not any(0 <= t.start - a.end <= 1 for a in merchant_anchors)
        and (t.phrase not in HEAD_WORDS or not any(0 <= t.start - a.end <= 1 for a in anchors))
    ]  # fmt: skip
    if len({t.key for t in topic_hits}) > 1:
        topic_hits = [t for t in topic_hits if t.phrase not in QUALIFIERS]
    # what follows "excluding" / 除了 is left out
    cut = re.search(EXCLUDING, rest)
    excluded_at = cut.end() if cut else len(rest) + 1
    exclude_merchants = [
        merchant_names[h.key] for h in anchors[: len(chosen_merchants)] if h.start >= excluded_at
    ]
    chosen_merchants = [m for m in chosen_merchants if m not in exclude_merchants]
    topics: list[Topic] = []
    exclude_topics: list[Topic] = []
    for hit in topic_hits:
        topic = TOPICS[hit.key]
        chosen = exclude_topics if hit.start >= excluded_at else topics
        if topic not in chosen:
            chosen.append(topic)
    any_of = any(
        re.fullmatch(JOINED, rest[min(a.end, b.end) : max(a.start, b.start)])
        for a in anchors[: len(chosen_merchants)]
        for b in topic_hits
    )

    amount, amount_currency = _amount(rest, currency)
    intent = "unknown"
    for name, pattern in CUES:
        if _has(pattern, rest if name not in ("forecast",) else text):
            intent = name
            break
    if (
        intent == "subscriptions"
        and (topics or chosen_merchants)
        and period is not None
        and period_given
        and period.start <= today
        and _has(HOW_MUCH, rest)
        and not _has(LISTING, rest)
    ):
        intent = "spend_in_category"  # "what did the gym membership cost last year"
    if intent == "affordability" and amount is None:
        # "can I still afford to eat out this month": what is left of that budget
        intent = "balance" if not topics else "budget_status"
    if (
        intent == "income"
        and topics
        and not _has(
            r"income|earn|salar|wage|paid|bring home|brought home|take[- ]home|收入|赚|工资", rest
        )
    ):
        intent = "spend_in_category"
    if intent == "top_categories" and chosen_merchants and not topics:
        intent = "spend_at_merchant"
    if (
        intent == "top_categories"
        and topics
        and not _has(r"\btop\b|categories|breakdown|where|最多|排行|分类|哪些", rest)
    ):
        intent = "spend_in_category"
    if (
        intent in ("unknown", "spend_in_category", "spend_at_merchant", "spend_total")
        and amount is not None
        and (period is None or period.end >= today)
        and _has(AMOUNT_OK, rest)
    ):
        intent = "affordability"  # "is 500 euros for a bike ok this month"
    if intent == "unknown":
        if chosen_merchants and not any_of:
            intent = "spend_at_merchant"
        elif topics and not _has(NOT_MONEY, rest):
            intent = "spend_in_category"
        elif (period_given and _has(WEAK_SPEND, rest)) or _has(
            r"spen[dt]|spending|\bcost|\bexpenditures?\b|\bpa(?:y|id)\b|expenses?|outgoings|money (?:went|go|goes|going|gone) out|"
            r"\boutflows?\b|\bmoney out\b|\bexpenditures?\b|花|消费|支出|开销|开支|用了|出账|刷了|刷卡|刷掉",
            rest,
        ):
            intent = "spend_total"
    elif intent in ("top_categories",) and _has(r"merchant|store|shop|商家|店", rest):
        intent = "top_merchants"
    if intent in ("unknown", "spend_total") and not (topics or chosen_merchants or exclude_topics):
        # the last resort: a category misheard by voice typing ("gross trees", "eat in out")
        heard = heard_topic(rest, _lexicon()) if language == "en" else None
        if heard is not None and (intent == "spend_total" or _has(HOW_MUCH, rest)):
            intent, topics = "spend_in_category", [TOPICS[heard]]
    if intent == "transaction_count" and chosen_merchants:
        # "trips to Lidl", "visits at Starbucks": the words before the merchant count visits
        visits = [t for t in topic_hits
                  if any(re.fullmatch(r"\s+(?:to|at)\s+", rest[t.end : a.start]) for a in merchant_anchors)]  # fmt: skip
        topics = [t for t in topics if t not in {TOPICS[h.key] for h in visits}]
    if intent == "spend_in_category" and chosen_merchants and not topics:
        intent = "spend_at_merchant"
    reason = None
    for why, pattern in (("order", ORDERS), ("not_in_data", NOT_HELD), *UNANSWERED):
        if _has(pattern, rest):
            intent, reason = "unknown", why  # "transfer 100 EUR", a credit score
            break
    if intent == "forecast" and period is not None and period.start <= today <= period.end:
        whole = find_period(text, today, clip=False)  # "this month" in a forecast: all of it
        period = whole[0] if whole is not None and whole[0].start == period.start else period
        if period.start == date(today.year, 1, 1) and period.end == today:  # "this year"
            period = Period(period.start, date(today.year, 12, 31), period.label)
    if (
        intent in ("spend_in_category", "spend_at_merchant", "spend_total", "unknown", "forecast")
        and period is not None
        and period.start > today
        and (topics or chosen_merchants or intent != "unknown")
    ):
        # spending wholly ahead is a forecast, for the year ahead; beyond, no answer
        intent = "forecast" if period.start <= add_months(today, 12) else "unknown"
        reason = "too_far_ahead" if intent == "unknown" else reason
    if intent == "upcoming_bills" and period is not None and period.start <= today <= period.end:
        whole = find_period(text, today, clip=False)  # "bills due this week": all of it
        period = whole[0] if whole is not None and whole[0].start == period.start else period
    if intent == "subscriptions" and period is not None and period.start > today:
        intent = "upcoming_bills"  # recurring payments in a period ahead: bills due then
    if intent == "forecast" and period is not None and period.end < today:
        # "how much will I spend in May": the next May
        period = Period(add_months(period.start, 12), add_months(period.end, 12), period.label)
    if intent in ("subscriptions", "upcoming_bills", "savings"):
        # "my monthly bills", "bills due this week", "left after bills": every recurring payment
        topics = [t for t in topics if t.codes != BILL_CODES]
    measure = "income" if intent == "income" else "spend"
    if intent == "savings" and _has(r"\brate\b|percent|%|率|百分", rest):
        measure = "rate"
    if intent == "subscriptions" and _has(r"how many|number of|多少个|几个|几项|多少项", rest):
        measure = "count"
    if (
        intent in ("balance", "affordability", "spend_in_category")
        and topics
        and amount is None
        and _has(
            r"how much (?:more )?(?:can|could) i (?:still )?spend|(?:还|还能|还可以)(?:花|用)多少|还剩多少",
            rest,
        )
    ):
        intent = "budget_status"
    if balance_sheet:
        intent, compare_to = "savings", None  # income against spending: what is left
    if (
        intent == "budget_status"
        and _has(r"\bwhy\b|为什么|为啥", rest)
        and not _has(r"budget|预算", rest)
    ):
        intent = "explain_period"  # "why did I overspend": an explanation
    if compare_to is not None:
        intent = "compare"
    # the merchants and categories named, in order: two of them set against each other
    pairs: list[tuple[Hit, Topic | str]] = sorted(
        [(h, merchant_names[h.key]) for h in merchant_anchors if merchant_names[h.key] in chosen_merchants]
        + [(h, TOPICS[h.key]) for h in topic_hits if TOPICS[h.key] in topics],
        key=lambda pair: pair[0].start,
    )  # fmt: skip
    items: list[Topic | str] = []
    for _, item in pairs:
        if item not in items:
            items.append(item)
    pitted = len(pairs) >= 2 and re.fullmatch(
        r"\s*(?:比|vs\.?|versus|against|compared (?:to|with))\s*",
        rest[pairs[0][0].end : pairs[1][0].start],
    )  # "Starbucks比麦当劳", "Lidl vs Aldi": one against the other, not two periods
    if len(items) == 2 and (
        pitted
        or (
            compare_to is None
            and intent in ("spend_at_merchant", "spend_in_category", "spend_total", "top_merchants",
                           "top_categories")
            and _has(VERSUS, rest)
        )
    ):  # fmt: skip
        compare_to = None
        intent = "compare_items"  # "did I spend more at Lidl or Aldi", "Uber or the tube"
    if (
        (topics or chosen_merchants)
        and _has(SHARE, rest)
        and intent not in ("affordability", "budget_status", "goal_progress", "compare", "savings")
    ):
        intent = "share"  # "what % of my income goes to rent"
        measure = "income" if _has(SHARE_OF_INCOME, rest) else "spend"
    limit = 5
    match = re.search(r"\btop\s+(\d{1,2})\b|前\s*(\d{1,2})", rest)
    if match:
        limit = int(match.group(1) or match.group(2))
    goal = None
    if intent == "goal_progress":
        named = goal_word(rest)  # a goal word anywhere: 应急资金, "rainy day"
        goal = _goal_words(rest) or (named if named != rest else None)
    average = _has(
        r"\baverage|\bavg\b|\b(?:per|a|each|every) (?:month|day|week)\b|\bmonthly\b|\bdaily\b|\bweekly\b|"
        r"\busually\b|\btypically\b|\btypical\b|平均|每个?月|一个月|月均|每天|每日|日均|每周|一般",
        rest,
    )
    if (
        average
        and intent in ("subscriptions", "forecast", "budget_status", "income")
        and not _has(r"average|平均|月均|\btypical(?:ly)?\b|\busually\b|一般", rest)
        and not (
            intent == "income"
            and not period_given
            and _has(r"\bmonthly\b|\b(?:a|per|each|every) month\b|每个?月|一个月", rest)
        )
    ):
        average = False
    return Query(
        intent=intent,
        period=period,
        topics=topics,
        merchants=chosen_merchants,
        amount=amount if intent == "affordability" else None,
        currency=amount_currency if intent == "affordability" else None,
        goal=goal,
        limit=limit,
        language=language,
        period_given=period_given,
        average=average
        and intent in ("spend_in_category", "spend_at_merchant", "spend_total", "income"),
        any_of=any_of,
        exclude_topics=exclude_topics,
        exclude_merchants=exclude_merchants,
        per="day" if _has(PER_DAY, rest) else "week" if _has(PER_WEEK, rest) else "month",
        compare_to=compare_to,
        measure=measure,
        weekends=weekends,
        items=items if intent == "compare_items" else [],
        reason=reason if intent == "unknown" else None,
    )


# "weekends" and a bare "weekend" / 周末 beside another period are a filter on days, not a
# period; "last weekend", "this weekend", 上周末, 这周末 are periods
WEEKEND = (
    r"(?<!last )(?<!this )(?<!past )(?<!previous )(?<!easter )(?<!christmas )(?<!holiday )"
    r"(?<!long )\bweekend\b|(?<![上本这个])周末"
)


def _weekends(text: str, today: date) -> tuple[bool, str]:
    """Whether only weekends are asked for, and ``text`` without a weekend word that is no
    period."""
    if _has(r"\bweekends\b", text):
        return True, text
    match = re.search(WEEKEND, text)
    if match:
        blanked = text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]
        if find_period(blanked, today) is not None:
            return True, blanked
    return False, text


def _comparison(
    text: str, rest: str, found: tuple[Period, tuple[int, int]], today: date
) -> tuple[Period, Period | None, str]:
    """The (later) period asked, the earlier one it is compared with (or None), and
    ``rest`` without the second period's words."""
    period, compare_to = found[0], None
    second = find_period(rest, today)
    if second is None and _has(COMPARE, rest):
        # "the change from January to February": a range of two periods set against each other
        parts = re.split(
            r"\s+(?:and|to|until|through|-)\s+|(?<=月)\s*(?:和|到|与|至)\s*",
            text[slice(*found[1])],
            maxsplit=1,
        )
        ends = [find_period(part, today) for part in parts] if len(parts) == 2 else []
        if len(ends) == 2 and ends[0] is not None and ends[1] is not None:
            period, compare_to = sorted(
                (ends[0][0], ends[1][0]), key=lambda p: p.start, reverse=True
            )
            return period, compare_to, rest
    if second is not None and _has(COMPARE, rest):
        rest = _blank(rest, second)
        period, compare_to = sorted((period, second[0]), key=lambda p: p.start, reverse=True)
    if _has(SAME_TIME, rest) or (compare_to is not None and _has(A_YEAR_BEFORE, text)):
        compare_to = a_year_before(period)  # "今年比去年同期": the same dates a year before
    elif compare_to is None and _has(COMPARE, rest) and _has(BEFORE_IT, rest):
        compare_to = period_before(period)  # "last month vs the month before"
    elif compare_to is None and _has(CHANGE, rest):
        compare_to = period_before(period)
    elif (
        compare_to is None
        and _has(THAN, rest)
        and not _has(r"\bwhy\b|usual|normal|平时|平常|往常|为什么|为啥", rest)
    ):
        than = re.search(r"\bthan\b|比", text)
        if than and found[1][0] > than.start() and period.end < today:
            # "more on groceries than last year": now against the period named
            period, compare_to = period_now(period, today), period
        elif than and found[1][0] < than.start():
            compare_to = period_before(period)  # "上个月比...多": against the one before
    return period, compare_to, rest


def _blank(text: str, found: tuple[Period, tuple[int, int]] | None) -> str:
    """``text`` without the words of a period found in it."""
    if found is None:
        return text
    start, end = found[1]
    return re.sub(r" {2,}", " ", text[:start] + " " + text[end:])
