"""Words for categories, in English and Chinese, keyed by Plaid personal finance category.

A topic names one or more category codes (primary ``FOOD_AND_DRINK`` or detailed
``FOOD_AND_DRINK_GROCERIES``); a transaction matches when its primary or detailed code is
one of them. Matching is tolerant of typos (see :mod:`coffer.assistant.ask.fuzzy`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Topic:
    name: str  # how answers call it
    codes: tuple[str, ...]
    english: tuple[str, ...]
    chinese: tuple[str, ...] = ()

    def matches(self, primary: str | None, detailed: str | None) -> bool:
        return primary in self.codes or detailed in self.codes


BILL_CODES = ("RENT_AND_UTILITIES", "GENERAL_SERVICES_INSURANCE", "LOAN_PAYMENTS")
TOPICS: tuple[Topic, ...] = (
    Topic("Groceries", ("FOOD_AND_DRINK_GROCERIES",),
          ("groceries", "grocery", "grocery shopping", "supermarket", "supermarkets",
           "food shopping", "grocery store", "grocery stores", "food store", "provisions",
           "food shop", "weekly shop", "big shop", "grocery run"),
          ("买菜", "超市", "杂货", "食品杂货", "生鲜", "菜钱", "水果", "零食")),
    Topic("Restaurants", ("FOOD_AND_DRINK_RESTAURANT", "FOOD_AND_DRINK_FAST_FOOD"),
          ("restaurants", "restaurant", "eating out", "eat out", "dining", "dining out",
           "dine out", "ate out", "eaten out", "dined out", "meals out", "takeaway", "takeout", "take away", "takeaways",
           "food delivery", "lunch", "dinner", "meals", "eating", "breakfast",
           "brunch"),
          ("餐饮", "吃饭", "餐厅", "饭店", "下馆子", "外卖", "外出就餐", "餐馆", "早餐", "早饭",
           "午饭", "午餐", "晚饭", "晚餐", "聚餐", "请客", "夜宵", "外食", "外送")),
    Topic("Fast food", ("FOOD_AND_DRINK_FAST_FOOD",), ("fast food", "burgers", "fast-food"),
          ("快餐",)),
    Topic("Coffee", ("FOOD_AND_DRINK_COFFEE",),
          ("coffee", "coffees", "cafe", "cafes", "coffee shops", "coffee shop", "bubble tea"),
          ("咖啡", "咖啡馆", "奶茶", "手摇饮", "珍珠奶茶")),
    Topic("Alcohol and bars", ("FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR",),
          ("alcohol", "bars", "beer", "wine", "drinks", "pubs"), ("酒", "酒吧", "喝酒")),
    Topic("Food and drink", ("FOOD_AND_DRINK",), ("food and drink", "food", "food & drink"),
          ("饮食", "吃喝", "食品", "吃的", "吃东西")),
    Topic("Taxis and ride shares", ("TRANSPORTATION_TAXIS_AND_RIDE_SHARES",),
          ("taxi", "taxis", "cab", "cabs", "ride share", "ride shares", "ride hailing",
           "rides", "rideshare", "ridesharing", "lyft"),
          ("打车", "出租车", "网约车", "滴滴", "打的", "计程车", "的士")),
    Topic("Public transit", ("TRANSPORTATION_PUBLIC_TRANSIT",),
          ("public transport", "public transit", "metro", "subway", "bus", "buses", "tram",
           "tube", "the tube", "underground", "bus fares", "u-bahn", "s-bahn", "transit",
           "train tickets", "commuting", "commute", "train", "trains"),
          ("地铁", "公交", "公共交通", "通勤", "火车", "高铁", "捷运", "巴士", "港铁")),
    Topic("Fuel", ("TRANSPORTATION_GAS",),
          ("fuel", "petrol", "gas", "gas station", "gasoline", "diesel", "filling up"),
          ("加油", "油费", "汽油", "油钱")),
    Topic("Parking", ("TRANSPORTATION_PARKING",), ("parking",), ("停车", "停车费")),
    Topic("Transport", ("TRANSPORTATION",),
          ("transport", "transportation", "getting around", "car"),
          ("交通", "出行")),
    Topic("Rent", ("RENT_AND_UTILITIES_RENT",), ("rent", "my rent", "housing", "landlord"),
          ("房租", "租金", "住房")),
    Topic("Energy", ("RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",),
          ("electricity", "energy", "power bill", "gas and electricity", "electricity and gas", "heating", "gas bill",
           "electric bill", "electricity bill", "power"),
          ("电费", "燃气费", "煤气费", "能源", "燃气", "天然气", "瓦斯", "瓦斯费")),
    Topic("Phone", ("RENT_AND_UTILITIES_TELEPHONE",),
          ("phone", "phone bill", "mobile", "mobile phone", "cell phone", "telephone",
           "telecom"), ("话费", "手机费", "电话费", "通讯", "电信费", "电信", "通信费")),
    Topic("Internet", ("RENT_AND_UTILITIES_INTERNET_AND_CABLE",),
          ("internet", "broadband", "wifi", "cable"), ("网费", "宽带", "网路", "网路费", "上网费")),
    Topic("Water", ("RENT_AND_UTILITIES_WATER",), ("water", "water bill"), ("水费",)),
    Topic("Water and energy", ("RENT_AND_UTILITIES_GAS_AND_ELECTRICITY", "RENT_AND_UTILITIES_WATER"),
          ("water and electricity", "electricity and water"), ("水电", "水电费", "水电煤")),
    Topic("Rent and utilities", ("RENT_AND_UTILITIES",),
          ("utilities", "utility bills", "rent and utilities", "bills and utilities"),
          ("房租水电", "生活缴费", "公用事业")),
    # "bills" alone: the obligations a household is billed for, rent and utilities,
    # insurance and loan payments (the bills the health score's "bills paid on time" counts);
    # subscriptions are not bills
    Topic("Bills", BILL_CODES, ("bills", "my bills", "household bills", "the bills"),
          ("账单", "帐单", "各种账单")),
    Topic("Streaming and TV", ("ENTERTAINMENT_TV_AND_MOVIES",),
          ("streaming", "movies", "cinema", "films", "tv", "netflix and co"),
          ("电影", "影视", "视频会员")),
    Topic("Music", ("ENTERTAINMENT_MUSIC_AND_AUDIO",), ("music", "audio", "concerts"),
          ("音乐",)),
    Topic("Games", ("ENTERTAINMENT_VIDEO_GAMES",), ("games", "gaming", "video games"),
          ("游戏",)),
    Topic("Entertainment", ("ENTERTAINMENT",),
          ("entertainment", "fun", "leisure", "going out", "hobbies"), ("娱乐", "休闲")),
    Topic("Clothing", ("GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES",),
          ("clothes", "clothing", "fashion", "apparel", "shoes"), ("衣服", "服装", "服饰", "鞋")),
    Topic("Electronics", ("GENERAL_MERCHANDISE_ELECTRONICS",),
          ("electronics", "gadgets", "tech"), ("电子产品", "数码")),
    Topic("Online shopping", ("GENERAL_MERCHANDISE_ONLINE_MARKETPLACES",),
          ("online shopping", "online marketplaces", "online orders"), ("网购", "网上购物")),
    Topic("Shopping", ("GENERAL_MERCHANDISE",),
          ("shopping", "general merchandise"), ("购物", "买东西", "日用品", "生活用品")),
    Topic("Pharmacy", ("MEDICAL_PHARMACIES_AND_SUPPLEMENTS",),
          ("pharmacy", "pharmacies", "medicine", "drugstore", "drug store", "chemist"), ("药店", "药房", "药局", "买药", "药品", "医药")),
    Topic("Health", ("MEDICAL",),
          ("health", "healthcare", "medical", "doctor", "doctors"),
          ("医疗", "看病", "医院", "健康", "看医生", "医生", "门诊", "诊所")),
    Topic("Dentist", ("MEDICAL_DENTAL_CARE",), ("dentist", "dentists", "the dentist", "teeth"),
          ("牙医", "看牙", "牙科", "洗牙")),
    Topic("Eye care", ("MEDICAL_EYE_CARE",),
          ("glasses", "optician", "opticians", "eye care", "contact lenses", "eye doctor"),
          ("眼镜", "配眼镜", "眼科", "隐形眼镜")),
    Topic("Vet", ("MEDICAL_VETERINARY_SERVICES",), ("vet", "vets", "veterinary", "the vet"),
          ("兽医", "宠物医院")),
    Topic("Pets", ("GENERAL_MERCHANDISE_PET_SUPPLIES",),
          ("pets", "pet", "pet food", "pet supplies", "dog food", "cat food", "dog", "dogs", "cat",
           "cats"), ("宠物", "猫粮", "狗粮", "宠物用品", "养猫", "养狗", "猫咪", "狗狗")),
    Topic("Gifts", ("GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES",), ("gifts", "gift", "presents", "birthday presents"),
          ("礼物", "礼品", "送礼")),
    Topic("Books", ("GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS",),
          ("books", "bookstore", "bookshop", "bookstores", "newspapers", "magazines"),
          ("买书", "书店", "图书", "书籍", "杂志")),
    Topic("Sporting goods", ("GENERAL_MERCHANDISE_SPORTING_GOODS",),
          ("sporting goods", "sports equipment", "sportswear", "sports gear"),
          ("运动装备", "体育用品", "运动用品")),
    Topic("Tobacco", ("GENERAL_MERCHANDISE_TOBACCO_AND_VAPE",),
          ("cigarettes", "tobacco", "vape", "vaping", "smoking"), ("香烟", "抽烟", "烟草", "电子烟")),
    Topic("Department stores", ("GENERAL_MERCHANDISE_DEPARTMENT_STORES",),
          ("department store", "department stores"), ("百货", "百货公司", "商场")),
    Topic("Convenience stores", ("GENERAL_MERCHANDISE_CONVENIENCE_STORES",),
          ("convenience store", "convenience stores", "corner shop", "kiosk"),
          ("便利店", "小卖部", "超商", "便利商店")),
    Topic("Laundry", ("PERSONAL_CARE_LAUNDRY_AND_DRY_CLEANING",), ("laundry", "dry cleaning"),
          ("洗衣", "干洗", "洗衣服")),
    Topic("Childcare", ("GENERAL_SERVICES_CHILDCARE",),
          ("childcare", "daycare", "babysitter", "babysitting", "nanny", "kindergarten"),
          ("托儿所", "幼儿园", "保姆", "育儿")),
    Topic("Car maintenance", ("GENERAL_SERVICES_AUTOMOTIVE",),
          ("car repair", "car repairs", "mechanic", "car service", "car wash", "car maintenance"),
          ("修车", "洗车", "汽车保养", "车辆保养")),
    Topic("Postage", ("GENERAL_SERVICES_POSTAGE_AND_SHIPPING",),
          ("postage", "parcels", "post office", "courier"), ("快递", "邮费", "寄快递")),
    Topic("Tolls", ("TRANSPORTATION_TOLLS",), ("tolls", "toll", "road tolls"), ("过路费", "高速费", "通行费")),
    Topic("Bikes and scooters", ("TRANSPORTATION_BIKES_AND_SCOOTERS",),
          ("bike", "bikes", "scooter", "scooters", "e-scooter", "bike share"),
          ("共享单车", "单车", "自行车", "电动车")),
    Topic("Gambling", ("ENTERTAINMENT_CASINOS_AND_GAMBLING",),
          ("gambling", "betting", "lottery", "casino"), ("彩票", "赌博", "博彩")),
    Topic("Events and museums", ("ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS",),
          ("museums", "museum", "theme park", "amusement park", "zoo", "sporting events"),
          ("博物馆", "游乐园", "动物园", "门票")),
    Topic("Gym", ("PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",),
          ("gym", "fitness", "sport", "sports", "workout"), ("健身", "健身房", "运动")),
    Topic("Hair and beauty", ("PERSONAL_CARE_HAIR_AND_BEAUTY",),
          ("hair", "haircut", "haircuts", "beauty", "hairdresser", "barber", "cosmetics"),
          ("理发", "美发", "美容", "化妆品", "剪头发", "剪发", "头发", "理发店")),
    Topic("Personal care", ("PERSONAL_CARE",), ("personal care", "self care"), ("个人护理",)),
    Topic("Flights", ("TRAVEL_FLIGHTS",), ("flights", "flight", "airfare", "plane tickets"),
          ("机票", "航班", "飞机票")),
    Topic("Hotels", ("TRAVEL_LODGING",), ("hotels", "hotel", "lodging", "accommodation", "airbnb"),
          ("酒店", "住宿", "宾馆")),
    Topic("Travel", ("TRAVEL",), ("travel", "travelling", "traveling", "trips", "vacation",
                                  "vacations", "holidays", "holiday", "travel costs",
                                  "travel expenses"), ("旅行", "旅游", "出差", "度假", "出游", "出去玩")),
    Topic("Rental cars", ("TRAVEL_RENTAL_CARS",), ("rental car", "rental cars", "car rental",
                                                   "car hire", "hire car"), ("租车",)),
    Topic("Insurance", ("GENERAL_SERVICES_INSURANCE",), ("insurance", "insurances"), ("保险",)),
    Topic("Education", ("GENERAL_SERVICES_EDUCATION",),
          ("education", "school", "tuition", "courses"), ("教育", "学费", "培训")),
    Topic("Services", ("GENERAL_SERVICES",), ("services", "general services"), ("服务费",)),
    Topic("Bank fees", ("BANK_FEES",), ("bank fees", "fees", "bank charges", "overdraft fees"),
          ("手续费", "银行费用", "银行手续费")),
    Topic("Interest", ("BANK_FEES_INTEREST_CHARGE",), ("interest", "interest charges"),
          ("利息",)),
    Topic("Loan payments", ("LOAN_PAYMENTS",), ("loan", "loans", "mortgage", "credit card payments",
                                                "debt", "repayments"), ("贷款", "房贷", "还款", "车贷")),
    Topic("Taxes", ("GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT",), ("taxes", "tax"), ("税", "税费", "交税")),
    Topic("Donations", ("GOVERNMENT_AND_NON_PROFIT_DONATIONS",), ("donations", "charity", "giving"),
          ("捐款", "慈善", "捐赠")),
    Topic("Government and non-profit", ("GOVERNMENT_AND_NON_PROFIT",), ("government",), ("政府",)),
    Topic("Home", ("HOME_IMPROVEMENT",), ("home improvement", "furniture", "diy", "hardware",
                                          "home"), ("家居", "家具", "装修")),
    Topic("Cash withdrawals", ("TRANSFER_OUT_WITHDRAWAL",), ("cash", "atm", "cash withdrawals",
                                                             "withdrawals"), ("取现", "取钱", "现金")),
    Topic("Savings transfers", ("TRANSFER_OUT_SAVINGS",), ("savings", "saving transfers"), ("储蓄", "存款")),
)  # fmt: skip


# what savings goals are called, in Chinese and loosely in English -> the usual English word
GOAL_WORDS = {
    "应急": "emergency", "紧急": "emergency", "备用": "emergency", "急用": "emergency",
    "rainy day": "emergency", "safety net": "emergency", "买房": "house", "房子": "house",
    "首付": "house", "down payment": "house", "买车": "car", "汽车": "car", "婚礼": "wedding",
    "结婚": "wedding", "退休": "retirement", "养老": "retirement", "pension": "retirement",
    "学费": "education", "教育": "education", "度假": "holiday", "旅行": "holiday",
    "旅游": "holiday", "假期": "holiday", "vacation": "holiday", "trip": "holiday",
    "预备金": "emergency", "储备金": "emergency",
}  # fmt: skip


# how often a recurring payment comes, in Chinese answers
CADENCE_ZH = {"weekly": "每周", "biweekly": "每两周", "monthly": "每月", "quarterly": "每季度",
              "yearly": "每年"}  # fmt: skip


def goal_word(words: str) -> str:
    """The usual English word for a goal named ``words`` (lower-cased), else ``words``."""
    for word, english in GOAL_WORDS.items():
        if word in words:
            return english
    return words


def topic_by_code(code: str) -> Topic | None:
    for topic in TOPICS:
        if topic.codes[0] == code:
            return topic
    return None


def label(code: str | None, language: str = "en") -> str:
    """A readable name for a category code (its first Chinese word for ``language`` zh)."""
    if code is None:
        return "未分类" if language == "zh" else "Uncategorized"
    topic = topic_by_code(code)
    if topic is not None:
        return topic.chinese[0] if language == "zh" and topic.chinese else topic.name
    return code.replace("_", " ").capitalize()
