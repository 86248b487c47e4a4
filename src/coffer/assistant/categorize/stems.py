"""Shop-type stems inside words: what a merchant's name says of its trade when no whole word
does ("Zahnzentrum", "Reifendiscount", "Talkmobile", "Spielothek", "Cityparking").

German, Dutch and Scandinavian names glue the trade to the name; English brands append it.
The stems are generic trade words of many languages (no brand), matched inside the folded
words of a descriptor the dictionary and the whole-word shop words did not explain. The
leftmost stem wins; each names one detailed category.
"""

from __future__ import annotations

import re
from functools import lru_cache

# (detailed category, stems as regular expressions over folded text: lower-case, no accents)
STEMS: tuple[tuple[str, str], ...] = (
    (
        "FOOD_AND_DRINK_GROCERIES",
        r"supermar|supermerc|lebensmittel|grocer|epicerie|alimentar|"
        r"hofladen|biomarkt|metzger|fleischer|boucher|carnicer|macelleri|slagerij|"
        r"fruttivendol|fruter|frutas|verdur|hortifrut|gemuese|gemusel|obsthof|kaashandel|"
        r"kaasboer|fromager|queseri|formaggi|dorfladen|naturkostladen|meat market|水果|蔬菜|菜场|"
        r"八百屋|精肉|鮮魚|정육|청과|과일|마트|kirana",
    ),
    (
        "FOOD_AND_DRINK_RESTAURANT",
        r"restaur|ristor|trattori|osteria|brasseri|bistro|gasthaus|"
        r"gasthof|wirtshaus|taverna|steakhouse|sushi|ramen|grillhaus|eetcafe|pizzeri|"
        r"ravintola|restaurace|etterem|restoran|lokanta|"
        r"ラーメン|拉面|面馆|饭店|食堂|烧烤|火锅|餐饮|レストラン|居酒屋|tabern|\bmeson\b|bouchon|churrasc|asador|"
        r"marisquer|trattor|landgasthof|gaststaette|gaststatte|川菜|湘菜|粤菜|家常菜|酒楼|食府|小馆|焼鳥|"
        r"焼き鳥|定食|식당|갈비|국밥|교자|cervecer|kneipe|bierstube|\btasca\b|香锅|饺子|包子|烤鸭|"
        r"粉店|製麺|うどん|弁当|"
        # Inn and pub names ("Zur Alten Post", "Chez Marcel", "Da Mimmo", "The Kings Head")
        # and cuisines ("Juarez Bros Mexican").
        r"^(?:zum|zur|chez|da|dal|dalla|trattoria da) \w|\bthe (?:[a-z]+ ){1,3}(?:arms|head|inn)\b|"
        r"\b(?:mexican|italian|thai|chinese|indian|vietnamese|korean|greek|turkish|lebanese|"
        r"ethiopian|persian|peruvian|cuban|cucina|comida)\b",
    ),
    (
        "FOOD_AND_DRINK_COFFEE",
        r"coffee|kaffee|koffie|espressobar|kaffebar|kaffeeroest|kaffeerost|kahve|roaster|"
        r"espresso|咖啡|珈琲|喫茶|커피|카페",
    ),
    (
        "FOOD_AND_DRINK_FAST_FOOD",
        r"burger|kebab|kebap|doener|doner|falafel|chippy|friterie|snackbar|"
        r"imbiss|鸡排|炸鸡|汉堡|麻辣烫|肉夹馍|peri peri|shawarm|gyros|pizza(?!ri)|taqueria|冒菜|米线|串串|牛丼|김밥|치킨|taco(?!ma)",
    ),
    (
        "FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK",
        r"baeckerei|backerei|backstube|bakery|bakkerij|padaria|bageri|bakeri|piekarnia|pekarna|"
        r"leipomo|pekarstvi|"
        r"boulanger|panader|patisser|pasticcer|konditor|eiscafe|gelater|creamery|eisdiel",
    ),
    (
        "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR",
        r"weinhandl|weinkeller|liquor|spirituosen|vinoteca|"
        r"enoteca|getraenke|getranke|slijterij|brewery|brauerei",
    ),
    (
        "TRANSPORTATION_GAS",
        r"tankstell|petrol|carburant|gasolin|benzin|tankstation|\bposto\b|"
        r"huoltoasema|bensinstasjon|cerpaci|akaryakit|fuel|加油|ガソリン|주유",
    ),
    (
        "TRANSPORTATION_PARKING",
        r"parkhaus|parking|parkplatz|parkeer|aparcamiento|parcheggio|停车|駐車|주차",
    ),
    ("TRANSPORTATION_TAXIS_AND_RIDE_SHARES", r"taxi|minicab"),
    ("TRANSPORTATION_PUBLIC_TRANSIT", r"verkehrsbetrieb|verkehrsverbund|nahverkehr|transit"),
    (
        "TRAVEL_LODGING",
        r"hotel|hostel|motel|albergo|auberge|guesthouse|ferienwohnung|hostal|ryokan|旅館|民宿|"
        r"酒店|宾馆|旅馆|ホテル|호텔|모텔",
    ),
    ("TRAVEL_FLIGHTS", r"airline|airways|aviation|aerolinea|airlines|航空"),
    ("TRAVEL_RENTAL_CARS", r"car ?rental|car ?hire|autovermietung|autoverhuur"),
    ("TRAVEL_OTHER_TRAVEL", r"reisebuero|reiseburo|travel|voyages|viajes|viaggi"),
    ("MEDICAL_DENTAL_CARE", r"dental|zahn|dentist|dentair|tandarts|odontolog"),
    (
        "MEDICAL_PHARMACIES_AND_SUPPLEMENTS",
        r"pharma|apothe|drugs|farmac|chemist|apotek|apteka|lekarna|gyogyszertar|drogaria|"
        r"eczane|apteek|药房|药店|薬局|ドラッグ|약국",
    ),
    ("MEDICAL_EYE_CARE", r"optik|optic|optiek|ottica|brillen"),
    ("MEDICAL_VETERINARY_SERVICES", r"tierarzt|tierklinik|veterin|dierenarts|dierenklinie"),
    (
        "MEDICAL_PRIMARY_CARE",
        r"arztpraxis|medical|hausarzt|pediatr|paediatr|kinderarzt|allgemeinmedizin|诊所|"
        r"クリニック|의원",
    ),
    ("MEDICAL_OTHER_MEDICAL", r"physiothera|krankenhaus|klinikum|hospital|ziekenhuis"),
    (
        "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
        r"fitness|crossfit|pilates|yoga|\bgym|aquagym|gym\b|boulderhalle|kletterhalle|"
        r"climbing|健身|瑜伽|헬스",
    ),
    (
        "PERSONAL_CARE_HAIR_AND_BEAUTY",
        r"friseur|frisor|coiff|hair|haarstudio|haarsalon|barber|peluquer|kapper|"
        r"kapsalon|beauty|kosmetik|nailbar|nails|养发|理发|美发|美容|美甲",
    ),
    (
        "PERSONAL_CARE_LAUNDRY_AND_DRY_CLEANING",
        r"textilreinig|waescherei|wascherei|laundr|"
        r"laverie|wasserette|tintorer|lavander|lavasecco",
    ),
    (
        "GENERAL_SERVICES_AUTOMOTIVE",
        r"reifen|automotive|autoservice|autoservis|oficina mecanica|kfz|carwash|tyres?\b|"
        r"autowerkstatt|autolavag|autowas|autoglas|werkstatt",
    ),
    ("GENERAL_SERVICES_INSURANCE", r"versicher|insur|assuran|assicura|verzeker|seguros|ubezpiecz"),
    (
        "GENERAL_SERVICES_EDUCATION",
        r"schule|school|academ|akadem|universit|college|nachhilfe|fahrschule|auto ecole|"
        r"autoescuela|driving school|tutoring|학원|培训",
    ),
    ("GENERAL_SERVICES_CHILDCARE", r"kinderkrippe|kindergarten|daycare|kinderopvang"),
    ("GENERAL_SERVICES_POSTAGE_AND_SHIPPING", r"kurier|courier|parcel"),
    (
        "RENT_AND_UTILITIES_TELEPHONE",
        r"(?<!auto)mobile|mobilfunk|telecom|telekom|wireless|"
        r"cellular",
    ),
    ("RENT_AND_UTILITIES_INTERNET_AND_CABLE", r"fibre|fiber|broadband|glasfaser"),
    ("RENT_AND_UTILITIES_GAS_AND_ELECTRICITY", r"stadtwerk|energie|energy|electric"),
    ("RENT_AND_UTILITIES_WATER", r"wasserwerk|wasserverb|waterbedrijf"),
    (
        "ENTERTAINMENT_CASINOS_AND_GAMBLING",
        r"casino|spielothek|spielhalle|spielbank|lotto|"
        r"betting|sportwetten",
    ),
    ("ENTERTAINMENT_TV_AND_MOVIES", r"cinem|kino\b|kinos\b|bioscoop|filmtheater"),
    ("ENTERTAINMENT_VIDEO_GAMES", r"games\b|gaming"),
    (
        "ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS",
        r"museum|musee|museo|"
        r"freizeitpark|themepark|waterpark|tierpark",
    ),
    ("GOVERNMENT_AND_NON_PROFIT_DONATIONS", r"stiftung|foundation|hilfswerk|charit"),
    ("HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE", r"sanitaer|sanitar|klempner|plumb|heizungsbau"),
    (
        "HOME_IMPROVEMENT_HARDWARE",
        r"baumarkt|hardware|bricol|ferreter|baustoff|timber|lumber|"
        r"bouwmarkt",
    ),
    ("HOME_IMPROVEMENT_FURNITURE", r"moebel|mobelhaus|furnitur|meuble|mueble|matratz|mattress"),
    (
        "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES",
        r"fashion|schuh|shoes|chaussur|zapater|"
        r"calzatur|boutique|modehaus|bekleidung|obuwni|odziez|vetement|calzado|outfitter|"
        r"denim|jeans|schneiderei|服饰|服装|女装|男装|鞋",
    ),
    ("GENERAL_MERCHANDISE_ELECTRONICS", r"elektro|electron|computer"),
    (
        "GENERAL_MERCHANDISE_PET_SUPPLIES",
        r"tierbedarf|petshop|pet supply|zoohandl|animaler|"
        r"dierenwinkel",
    ),
    (
        "GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS",
        r"buchhandl|librair|librer|bookshop|"
        r"bookstore|boekhandel|newsagent",
    ),
    ("GENERAL_MERCHANDISE_SPORTING_GOODS", r"(?<!tran)sport|fahrrad|bikes|cycles"),
    ("GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES", r"blumen|flower|fleur|florist|bloem"),
    ("GENERAL_MERCHANDISE_TOBACCO_AND_VAPE", r"tabak|tabac|vape|smoke"),
)


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    return re.compile("|".join(f"({stems})" for _, stems in STEMS))


def find_stem(folded: str) -> str | None:
    """The detailed category of the leftmost trade stem in a folded descriptor, or None."""
    found = _pattern().search(folded)
    if found is None or found.lastindex is None:
        return None
    return STEMS[found.lastindex - 1][0]
