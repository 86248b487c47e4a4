"""The seventh held-out batch (format of :mod:`coffer.assistant.ask.heldout`), written before
reading the parser's vocabulary, as customers of a bank app type: the issue's example
questions reworded every way, "send"/"sent" typed for "spent", polite forms, no
punctuation, relative periods ahead and behind (next week, this quarter, 去年同期), averages
without a period (the last 12 complete months), and Chinese (简体, 繁體, 口语, mixed with
English). Measured as written first (``bench/assistant_ask.py``); phrasings that an earlier batch
already holds word for word are left out.

Period keys added with it: ``next_week`` and ``next_month`` (forecasts and bills ahead,
intent checked with the period), ``ytd_last_year`` and ``this_month_last_year`` (the same
dates a year before), ``jan_to_feb``."""

from __future__ import annotations

from coffer.assistant.ask.heldout import (
    CLOTHES,
    COFFEE,
    EATING_OUT,
    FUEL,
    GROCERIES,
    PHONE,
    TAXIS,
    Row,
)

RENT = ("RENT_AND_UTILITIES_RENT",)
INTERNET = ("RENT_AND_UTILITIES_INTERNET_AND_CABLE",)
TRANSPORT = ("TRANSPORTATION",)
FOOD = ("FOOD_AND_DRINK",)
FAST_FOOD = ("FOOD_AND_DRINK_FAST_FOOD",)
ELECTRONICS = ("GENERAL_MERCHANDISE_ELECTRONICS",)
HAIR = ("PERSONAL_CARE_HAIR_AND_BEAUTY",)
FLIGHTS = ("TRAVEL_FLIGHTS",)
HOTELS = ("TRAVEL_LODGING",)
MEDICAL = ("MEDICAL",)
INSURANCE = ("GENERAL_SERVICES_INSURANCE",)
FUN = ("ENTERTAINMENT",)
RESTAURANT_BUDGET = ("FOOD_AND_DRINK_RESTAURANT",)
ONLINE = ("GENERAL_MERCHANDISE_ONLINE_MARKETPLACES",)

SEVENTH: list[Row] = [
    # -- spending by category and period, typos, "send"/"sent" for "spent"
    ("how much have i spent on groceries so far this month", "spend_in_category", GROCERIES, "this_month"),
    ("grocery spend last wk", "spend_in_category", GROCERIES, "last_week"),
    ("how much did i send on eating out last month", "spend_in_category", EATING_OUT, "last_month"),
    ("how much have I sent on coffee this year?", "spend_in_category", COFFEE, "this_year"),
    ("what did i spent on fuel in the last 3 months", "spend_in_category", FUEL, "last_3_months"),
    ("Hi, could you please tell me how much I spent on restaurants in February? Thanks", "spend_in_category", EATING_OUT, "february"),
    ("total spending on transport this quarter", "spend_in_category", TRANSPORT, "this_quarter"),
    ("how much have i spent on food this month", "spend_in_category", FOOD, "this_month"),
    ("food and drink spending past 30 days", "spend_in_category", FOOD, "past_30_days"),
    ("how much went on clothes last year", "spend_in_category", CLOTHES, "last_year"),
    ("electronics purchases this year how much", "spend_in_category", ELECTRONICS, "this_year"),
    ("spent on haircuts last year", "spend_in_category", HAIR, "last_year"),
    ("how much did flights cost me last year", "spend_in_category", FLIGHTS, "last_year"),
    ("hotel spending in 2025", "spend_in_category", HOTELS, "last_year"),
    ("internet bill last month", "spend_in_category", INTERNET, "last_month"),
    ("whats my phone bill been this year", "spend_in_category", PHONE, "this_year"),
    ("medical expenses last 6 months", "spend_in_category", MEDICAL, "last_6_months"),
    ("how much on entertainment in the past week", "spend_in_category", FUN, "past_7_days"),
    ("fast food last month how much", "spend_in_category", FAST_FOOD, "last_month"),
    ("how much did i spend on taxis in january", "spend_in_category", TAXIS, "january"),
    ("how much did I waste on takeaways this month lol", "spend_in_category", EATING_OUT, "this_month"),
    ("spending on groceires in the last 2 months", "spend_in_category", GROCERIES, "last_2_months"),
    # -- merchants
    ("mcdonalds last 2 weeks", "spend_at_merchant", "@McDonald's", "last_2_weeks"),
    ("how much did I spend at aldi this quarter", "spend_at_merchant", "@Aldi", "this_quarter"),
    ("amzon purchases last month", "spend_at_merchant", "@Amazon", "last_month"),
    ("what have I paid to Netflix this year", "spend_at_merchant", "@Netflix", "this_year"),
    ("spotify costs in 2025", "spend_at_merchant", "@Spotify", "last_year"),
    ("shell last week", "spend_at_merchant", "@Shell", "last_week"),
    ("How much did I spend at Rewe between January and February?", "spend_at_merchant", "@Rewe", "jan_to_feb"),
    ("uber rides past 90 days how much", "spend_at_merchant", "@Uber", "past_90_days"),
    ("How much did I spend at MediaMarkt last year?", "spend_at_merchant", "@MediaMarkt", "last_year"),
    ("how much did i sent at starbucks last month", "spend_at_merchant", "@Starbucks", "last_month"),
    # -- totals
    ("total spent last week", "spend_total", None, "last_week"),
    ("how much did i spend this week", "spend_total", None, "this_week"),
    ("what did I spend in the last 7 days", "spend_total", None, "past_7_days"),
    ("spending this quarter", "spend_total", None, "this_quarter"),
    ("how much did I spend in Q4", "spend_total", None, "last_quarter"),
    ("total outgoings last month pls", "spend_total", None, "last_month"),
    ("how much money did I burn through in january", "spend_total", None, "january"),
    ("how much did i spend 2 weeks ago", "spend_total", None, "week_before_last"),
    ("how much have i sent this month", "spend_total", None, "this_month"),
    # -- income
    ("how much did I get paid last month", "income", None, "last_month"),
    ("income this year so far", "income", None, "this_year"),
    ("how much money came in last quarter", "income", None, "last_quarter"),
    ("total earnings 2025", "income", None, "last_year"),
    # -- balance, subscriptions, affordability, goals
    ("how much do i have in my account right now", "balance", None, None),
    ("whats left in my acct", "balance", None, None),
    ("which subscriptions am I paying for", "subscriptions", None, None),
    ("how much do my subscriptions cost per month", "subscriptions", None, None),
    ("list recurring charges", "subscriptions", None, None),
    ("can i afford a new phone for 800 euros", "affordability", None, None),
    ("is it ok if i spend 150 on concert tickets this month", "affordability", None, None),
    ("can I buy a €2,000,000 apartment", "affordability", "!no", None),
    ("would a 250 eur jacket be affordable this month", "affordability", None, None),
    ("am I on track for my holiday goal", "goal_progress", "#Holiday", None),
    ("how much have I saved towards the emergency fund", "goal_progress", "#Emergency fund", None),
    ("holiday savings progress?", "goal_progress", "#Holiday", None),
    # -- why, budgets, forecasts
    ("why did I spend so much in December", "explain_period", None, "december"),
    ("why was my spending so high in july", "explain_period", None, "july"),
    ("how much is left in my groceries budget this month", "budget_status", GROCERIES, None),
    ("how much can I still spend on restaurants this month", "budget_status", RESTAURANT_BUDGET, None),
    ("am i within my eating out budget", "budget_status", RESTAURANT_BUDGET, None),
    ("how much will I spend next week", "forecast", None, "next_week"),
    ("what will my spending be next month", "forecast", None, "next_month"),
    ("expected grocery spend next month", "forecast", None, "next_month"),
    # -- biggest, rankings, counts, averages
    ("what are my biggest expenses this month", "largest_transaction", None, "this_month"),
    ("top 3 spending categories last quarter", "top_categories", None, "last_quarter"),
    ("where did most of my money go last month", "top_categories", None, "last_month"),
    ("which shop did I spend the most at this year", "top_merchants", None, "this_year"),
    ("biggest single purchase in the last 30 days", "largest_transaction", None, "past_30_days"),
    ("what was my most expensive month", "top_months", None, "last_12_months"),
    ("how many times did i order an uber this month", "transaction_count", "@Uber", "this_month"),
    ("how many transactions last week", "transaction_count", None, "last_week"),
    ("how many coffees did I buy last month", "transaction_count", COFFEE, "last_month"),
    ("what's my average monthly spend", "spend_total", None, "avg:last_12_months"),
    ("average grocery spend per month", "spend_in_category", GROCERIES, "avg:last_12_months"),
    ("on avg how much do i spend on coffee a month", "spend_in_category", COFFEE, "avg:last_12_months"),
    ("avg monthly income last year", "income", None, "avg:last_year"),
    # -- comparisons, savings, shares, bills, no number
    ("did I spend more this month than last month", "compare", None, "cmp:this_month:last_month"),
    ("groceries this month vs last month", "compare", GROCERIES, "cmp:this_month:last_month"),
    ("how does my spending this year compare to the same period last year", "compare", None, "cmp:this_year:ytd_last_year"),
    ("did i spend more at lidl or rewe this year", "compare_items", "@Lidl|@Rewe", "this_year"),
    ("how much did i save last month", "savings", None, "last_month"),
    ("did I save anything this year", "savings", None, "this_year"),
    ("what percent of my income goes on rent", "share", RENT, "inc:last_12_months"),
    ("any bills left to pay this month", "upcoming_bills", None, None),
    ("what bills are due next week", "upcoming_bills", None, "next_week"),
    ("whats my credit score", "unknown", None, None),
    ("what's the euro to dollar rate today", "unknown", None, None),
    ("send 50 euros to mom", "unknown", None, None),
    # -- 简体, 口语
    ("这个月买菜花了多少", "spend_in_category", GROCERIES, "this_month"),
    ("上周在外面吃饭花了多少钱", "spend_in_category", EATING_OUT, "last_week"),
    ("近三个月咖啡花了多少", "spend_in_category", COFFEE, "last_3_months"),
    ("本季度交通费用是多少", "spend_in_category", TRANSPORT, "this_quarter"),
    ("去年买衣服一共花了多少钱", "spend_in_category", CLOTHES, "last_year"),
    ("上个月话费多少", "spend_in_category", PHONE, "last_month"),
    ("今年房租交了多少", "spend_in_category", RENT, "this_year"),
    ("去年机票花了多少", "spend_in_category", FLIGHTS, "last_year"),
    ("去年住酒店花了多少", "spend_in_category", HOTELS, "last_year"),
    ("近30天加油花了多少钱", "spend_in_category", FUEL, "past_30_days"),
    ("上个月网费多少", "spend_in_category", INTERNET, "last_month"),
    ("今年看病买药花了多少", "spend_in_category", MEDICAL, "this_year"),
    ("去年保险交了多少", "spend_in_category", INSURANCE, "last_year"),
    ("这个月网购剁手花了多少", "spend_in_category", ONLINE, "this_month"),
    ("今年在亚马逊上买东西花了多少", "spend_at_merchant", "@Amazon", "this_year"),
    ("星巴克今年花了多少钱", "spend_at_merchant", "@Starbucks", "this_year"),
    ("这个季度Uber花了多少", "spend_at_merchant", "@Uber", "this_quarter"),
    ("去年在奈飞上花了多少", "spend_at_merchant", "@Netflix", "last_year"),
    ("麦当劳上个月吃了多少钱", "spend_at_merchant", "@McDonald's", "last_month"),
    ("这周花了多少钱了", "spend_total", None, "this_week"),
    ("上周一共花了多少", "spend_total", None, "last_week"),
    ("本季度一共花了多少", "spend_total", None, "this_quarter"),
    ("近7天消费多少", "spend_total", None, "past_7_days"),
    ("去年一共花了多少钱啊", "spend_total", None, "last_year"),
    ("一月份花了多少", "spend_total", None, "january"),
    ("上上周花了多少", "spend_total", None, "week_before_last"),
    ("上个月工资到账多少", "income", None, "last_month"),
    ("今年到现在收入多少", "income", None, "this_year"),
    ("上季度赚了多少", "income", None, "last_quarter"),
    ("我现在卡里还有多少钱", "balance", None, None),
    ("账户余额", "balance", None, None),
    ("我每个月固定扣费的有哪些", "subscriptions", None, None),
    ("我订阅了哪些服务", "subscriptions", None, None),
    ("我这个月能买得起一台800欧的手机吗", "affordability", None, None),
    ("买一辆200万欧元的车我负担得起吗", "affordability", "!no", None),
    ("度假存钱目标完成得怎么样了", "goal_progress", "#Holiday", None),
    ("应急金存了多少了", "goal_progress", "#Emergency fund", None),
    ("为什么十二月花了这么多钱", "explain_period", None, "december"),
    ("上个月怎么花这么多", "explain_period", None, "last_month"),
    ("外出吃饭的预算还剩多少", "budget_status", RESTAURANT_BUDGET, None),
    ("下周预计会花多少", "forecast", None, "next_week"),
    ("预计下个月花多少钱", "forecast", None, "next_month"),
    ("下个月买菜大概要花多少", "forecast", None, "next_month"),
    ("上个月钱主要花在哪了", "top_categories", None, "last_month"),
    ("今年花钱最多的是哪个类别", "top_categories", None, "this_year"),
    ("去年在哪家店花得最多", "top_merchants", None, "last_year"),
    ("这个月最大的一笔支出是多少", "largest_transaction", None, "this_month"),
    ("近三个月最大一笔消费", "largest_transaction", None, "last_3_months"),
    ("哪个月花得最多", "top_months", None, "last_12_months"),
    ("这个月去了几次星巴克", "transaction_count", "@Starbucks", "this_month"),
    ("上周刷了几笔", "transaction_count", None, "last_week"),
    ("今年打了多少次车", "transaction_count", TAXIS, "this_year"),
    ("平均每个月花多少钱", "spend_total", None, "avg:last_12_months"),
    ("每月买菜平均花多少", "spend_in_category", GROCERIES, "avg:last_12_months"),
    ("这个月比上个月多花了多少", "compare", None, "cmp:this_month:last_month"),
    ("今年比去年同期多花了多少钱", "compare", None, "cmp:this_year:ytd_last_year"),
    ("本月餐饮跟去年同期比怎么样", "compare", EATING_OUT, "cmp:this_month:this_month_last_year"),
    ("今年星巴克和麦当劳哪个花得多", "compare_items", "@Starbucks|@McDonald's", "this_year"),
    ("上个月存下了多少钱", "savings", None, "last_month"),
    ("今年攒了多少钱", "savings", None, "this_year"),
    ("房租占我收入的多少比例", "share", RENT, "inc:last_12_months"),
    ("帮我查一下信用分", "unknown", None, None),
    ("今天美元汇率多少", "unknown", None, None),
    ("这个月还有什么账单没付", "upcoming_bills", None, None),
    ("下周有哪些要扣的费用", "upcoming_bills", None, "next_week"),
    # -- 繁體
    ("這個月在超市花了多少錢", "spend_in_category", GROCERIES, "this_month"),
    ("去年買機票花了多少", "spend_in_category", FLIGHTS, "last_year"),
    ("帳戶還有多少錢", "balance", None, None),
    ("訂閱每個月要花多少", "subscriptions", None, None),
    ("這個月買得起300歐的外套嗎", "affordability", None, None),
    ("為什麼七月支出這麼高", "explain_period", None, "july"),
    ("超市預算還剩多少錢", "budget_status", GROCERIES, None),
    ("上週總共花了多少", "spend_total", None, "last_week"),
    ("今年收入多少", "income", None, "this_year"),
    ("本季度花最多的是哪一類", "top_categories", None, "this_quarter"),
    # -- mixed Chinese and English
    ("上个月grocery花了多少", "spend_in_category", GROCERIES, "last_month"),
    ("this month 咖啡 spending", "spend_in_category", COFFEE, "this_month"),
    ("我的balance是多少", "balance", None, None),
    ("last month 在 Zara 花了多少", "spend_at_merchant", "@Zara", "last_month"),
    ("我的holiday goal进度", "goal_progress", "#Holiday", None),
    ("上个月uber打车花了多少", "spend_at_merchant", "@Uber", "last_month"),
]  # fmt: skip
