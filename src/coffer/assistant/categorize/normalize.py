"""Statement descriptors to searchable text and clean merchant names.

``fold`` makes the text every stage matches against: Unicode-normalized (NFKC), case-folded,
accents removed from Latin letters, punctuation turned into spaces, CJK kept as is.
``clean_descriptor`` strips the bank's boilerplate (card-payment prefixes, processor prefixes
such as ``SQ *`` or ``PAYPAL *``, dates, card digits, references, store numbers) and
``merchant_name`` turns what is left into a short title-cased name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from coffer.assistant.categorize.hanzi import TRADITIONAL

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff66-\uff9f]")
# Combining marks of Thai, the Indic scripts and Hebrew are parts of words, not punctuation.
_NON_WORD = re.compile(
    r"[^\w\u0591-\u05c7\u0900-\u0dff\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+"
)
_SPACES = re.compile(r"\s+")


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


_CJK_GAP = re.compile(
    r"(?<=[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]) (?=[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff])"
)


def _greek(char: str) -> bool:
    return "\u0370" <= char <= "\u03ff"


def strip_accents(text: str) -> str:
    """Remove accents from Latin and Greek letters (Japanese voiced marks stay)."""
    if text.isascii():
        return text
    out: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.category(char) == "Mn" and out and (out[-1] < "\u0250" or _greek(out[-1])):
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free text with single spaces (CJK kept)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("'", "").replace("’", "").replace("&", " and ")
    if not text.isascii():
        text = strip_accents(text).translate(TRADITIONAL)
        text = text.replace("ß", "ss").replace("ł", "l").replace("ø", "o").replace("æ", "ae")
    text = _SPACES.sub(" ", _NON_WORD.sub(" ", text).replace("_", " ")).strip()
    if not text.isascii():
        text = _CJK_GAP.sub("", text)
    return text


_KANA = re.compile(r"[\u3040-\u30ff]")
# Kanji words Japanese reads otherwise than Chinese: in a line written with kana, "酒店" is a
# liquor shop (Chinese: a hotel).
_JAPANESE_READINGS = {"酒店": "酒屋"}


def japanese_reading(folded: str) -> str:
    """A folded descriptor with the kanji words of a Japanese line in their Japanese sense."""
    if not _KANA.search(folded):
        return folded
    for word, reading in _JAPANESE_READINGS.items():
        folded = folded.replace(word, reading)
    return folded


# Boilerplate that banks put before or around the merchant (matched on upper-cased text).
_PREFIXES = [
    r"PURCHASE AUTHORI[SZ]ED ON \d\d/\d\d",
    r"PLATBA KARTOU(?: \d\d\.\d\d\.\d{4})?",
    r"NAKUP KARTOU",
    r"VASARLAS KARTYAVAL",
    r"KARTYAS VASARLAS",
    r"PLATA (?:LA POS|CU CARDUL|POS)",
    r"ΑΓΟΡΑ ΜΕ ΚΑΡΤΑ",
    r"POS (?:HARCAMA(?:SI)?|IADE)",
    r"POS/WEB PURCHASE",
    r"DEBIT PURCHASE",
    r"THANH TOAN (?:THE|QR|POS)",
    r"QRIS",
    r"NETS(?: QR)?",
    r"M-PESA (?:BUY GOODS|MERCHANT PAYMENT TO|PAY BILL TO)",
    r"COMPRA (?:NACIONAL|DEBITO)",
    r"INKASO",
    r"CSOPORTOS BESZEDES",
    r"OTOMATIK ODEME",
    r"DEBIT ORDER",
    r"DEBITO AUTOMATICO",
    r"PAGO AUTOMATICO",
    r"PAGO PSE",
    r"JOMPAY",
    r"BILLS PAYMENT",
    r"PLATA FACTURA",
    r"RECURRING PAYMENT AUTHORI[SZ]ED ON \d\d/\d\d",
    r"(?:DEBIT |CREDIT )?CARD (?:PURCHASE|PAYMENT|TRANSACTION)(?: TO| AT)?",
    r"POS (?:PURCHASE|DEBIT|TRANSACTION|PAYMENT)?",
    r"POINT OF SALE(?: DEBIT)?",
    r"CHECKCARD(?: \d{4})?",
    r"CHECK CARD(?: \d{4})?",
    r"DEBIT CARD(?: PURCHASE)?",
    r"VISA (?:DEBIT|PURCHASE)",
    r"VISA",
    r"MASTERCARD",
    r"MAESTRO",
    r"CONTACTLESS(?: PAYMENT)?",
    r"APPLE ?PAY",
    r"GOOGLE ?PAY",
    r"(?:EC-?|GIRO)?KARTENZAHLUNG",
    r"GIROCARD",
    r"(?:SEPA[- ])?(?:BASIS-?|FIRMEN-?)?(?:ERST-?|FOLGE-?)?LASTSCHRIFT(?:EINZUG)?",
    r"KARTENZAHLUNG/-ABRECHNUNG",
    r"PAIEMENT (?:PAR )?(?:CARTE|CB)(?: X?\d{4})?",
    r"PAIEMENT CB",
    r"CARTE X?\d{4}",
    r"CB\*?\d{4}",
    r"CB",
    r"PRLV(?: SEPA)?",
    r"PRELEVEMENT(?: SEPA)?",
    r"ACHAT CB",
    r"COMPRA (?:EN|INTERNET)",
    r"COMPRA(?: CON)?(?: TARJETA| TARJ\.?)?",
    r"PAGO (?:CON )?TARJETA",
    r"PAGAMENTO (?:POS|CARTA|BANCOMAT|CON CARTA)",
    r"PAGAMENTO",
    r"ACQUISTO(?: POS| CARTA)?",
    r"BETALING",
    r"BEA(?:, BETAALPAS)?",
    r"BETAALPAS",
    r"PINBETALING",
    r"ZAKUP PRZY UZYCIU KARTY",
    r"TRANSAKCJA KARTA",
    r"PLATNOSC KARTA",
    r"PLATNOSC(?: KARTA| INTERNETOWA| BLIK)?",
    r"BLIK(?: PLATNOSC)?",
    r"POLECENIE ZAPLATY",
    r"OBCIAZENIE",
    r"ZAKUP",
    r"PAGO MOVIL(?: EN)?",
    r"COMPRA (?:EN|INTERNET)",
    r"TARJETA \d{4}",
    r"ADEUDO(?: RECIBO| SEPA| DOMICILIACION)?",
    r"RECIBO",
    r"ADDEBITO(?: SDD| DIRETTO)?",
    r"PAG\. POS",
    r"OPERAZIONE CARTA(?: \d{4})?",
    r"PAGAMENTO CONTACTLESS",
    r"PAIEMENT SANS CONTACT",
    r"SEPA INCASSO ALGEMEEN DOORLOPEND INCASSANT:?",
    r"INCASSO",
    r"BETAALAUTOMAAT",
    r"GEA",
    r"IDEAL",
    r"DIRECT DEBIT(?: PAYMENT)?(?: TO)?",
    r"DD",
    r"BILL PAYMENT(?: TO)?",
    r"ACH (?:DEBIT|CREDIT)",
    r"ONLINE PAYMENT(?: TO)?",
    r"PAYMENT TO",
]
_PREFIX = re.compile(r"^(?:(?:" + "|".join(_PREFIXES) + r")\b[\s:*/.-]*)+")

# Processor prefixes: the merchant follows them.
_PROCESSOR = re.compile(
    r"\b(?:SQ|SQU|TST|PP|PAYPAL|PY|IZ|IZETTLE|SUMUP|SUM UP|ZTL|CKO|WL|SP|FS|BT|PAYU|STRIPE|"
    r"2CO|PADDLE|FASTSPRING|WWW)\s?\*+\s*"
)
_CJK_PREFIX = re.compile(
    r"^(?:金融卡消费|כרטיס דביט|支付宝|财付通|微信支付|微信|银联在线|银联|快捷支付|消费|网上支付|扫码支付|银联消费|POS消费|美团支付|"
    r"口座振替|VISAデビット|デビット|カードご利用|カード利用|ご利用|カード|JCB|QUICPAY|ID|PAYPAY|楽天ペイ|"
    r"체크카드|신용카드|카드결제|카드승인|카카오페이|네이버페이|삼성페이|토스페이)"
    r"(?:[-—:：\s]+|(?=[\u3040-\u30ff\u4e00-\u9fff]))"
)

_NOISE = [
    r"\b(?:X{2,}|\*{2,})\d{2,4}\b",  # masked card numbers
    r"\b\d{4,}\*+\d{2,}\b",
    r"\*+\d{2,4}\b",
    r"\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b",  # dates
    r"\b\d{1,2}[./]\d{1,2}\b",
    r"\b\d{1,2}(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\d{0,4}\b",
    r"\b\d{1,2}:\d{2}(?::\d{2})?\b",  # times
    r"\b(?:REF|REFERENCE|EREF|MREF|CRED|KREF|END-TO-END-REF|MANDATSREF|MANDAT|GLAUBIGER-ID|"
    r"GLÄUBIGER-ID|RCUR|FRST|OOFF|SVWZ|ABWA|IBAN|BIC|AUTH|AUTH CODE|TXN|TRX|ID|NR|NO|RRN)"
    r"[\s.:+#]*[A-Z0-9/+-]*\d[A-Z0-9/+-]*",
    r"\b[A-Z]{2}\d{2}[A-Z0-9]{10,30}\b",  # IBANs
    r"#\s?\d+",
    r"\b\d+\b",
    r"\b[A-Z0-9]*\d[A-Z0-9]*\d[A-Z0-9]*\b",  # codes with several digits (2K3L9X, A1B2)
]
_NOISE.append(
    r"\bSAGT DANKE\b|\bKENMERK\b|\bCLP\b|\bPAYMENT\b|\bFACTUUR\b|\bFAKTURA\b|\bRECHNUNG\b|\bFACTURE\b|\bFATTURA\b"
)
_NOISE_RE = re.compile("|".join(_NOISE))

# Country codes and US/CA state codes that end descriptors ("... BERLIN DE", "... NY US").
_PLACE_CODES = frozenset(
    [
        "US",
        "USA",
        "GB",
        "UK",
        "DE",
        "FR",
        "ES",
        "IT",
        "NL",
        "BE",
        "AT",
        "CH",
        "PL",
        "SE",
        "NO",
        "DK",
        "FI",
        "IE",
        "PT",
        "CZ",
        "HU",
        "RO",
        "GR",
        "LU",
        "CN",
        "HK",
        "JP",
        "KR",
        "SG",
        "AU",
        "NZ",
        "CA",
        "MX",
        "BR",
        "IN",
        "AE",
        "TR",
        "ZA",
        "TW",
        "TH",
        "MY",
        "ID",
        "PH",
        "VN",
        "NLD",
        "DEU",
        "FRA",
        "ESP",
        "ITA",
        "GBR",
        "AUT",
        "CHE",
        "BEL",
        "POL",
        "AL",
        "AK",
        "AZ",
        "AR",
        "CO",
        "CT",
        "DC",
        "FL",
        "GA",
        "HI",
        "IA",
        "IL",
        "KS",
        "KY",
        "LA",
        "MA",
        "MD",
        "MI",
        "MN",
        "MO",
        "MS",
        "MT",
        "NC",
        "ND",
        "NE",
        "NH",
        "NJ",
        "NM",
        "NV",
        "NY",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VA",
        "VT",
        "WA",
        "WI",
        "WV",
        "WY",
        "ON",
        "QC",
        "BC",
        "AB",
    ]
)
_LEGAL_FORMS = frozenset(
    [
        "GMBH",
        "AG",
        "KG",
        "UG",
        "OHG",
        "EV",
        "LTD",
        "LIMITED",
        "PLC",
        "LLC",
        "INC",
        "CORP",
        "CO",
        "SA",
        "SAS",
        "SARL",
        "SRL",
        "SPA",
        "SL",
        "BV",
        "NV",
        "AB",
        "AS",
        "OY",
        "SE",
        "PTY",
        "LLP",
    ]
)
_WEB_SUFFIX = re.compile(r"(?:\.COM|\.CO\.UK|\.NET|\.ORG|\.IO|(?<=\w)\.[A-Z]{2})\b")


@lru_cache(maxsize=65536)
def clean_descriptor(description: str) -> str:
    """The descriptor without bank boilerplate, upper-cased (CJK kept as is)."""
    text = unicodedata.normalize("NFKC", description).upper().strip()
    if not text.isascii():
        text = strip_accents(text).translate(TRADITIONAL).replace("Ł", "L").replace("Ø", "O")
    for _ in range(3):
        stripped = _CJK_PREFIX.sub("", _PREFIX.sub("", text)).strip(" -:*/.,")
        if stripped == text:
            break
        text = stripped
    text = _PROCESSOR.sub(" ", text)
    text = _NOISE_RE.sub(" ", text)
    text = _WEB_SUFFIX.sub(" ", text)
    text = re.sub(r"[*#_|;,\"]+", " ", text)
    return _SPACES.sub(" ", text).strip(" -:/.")


# How a line was paid, from the bank's own words at its start: a purchase with a card or a
# payment app at a merchant ("card"), a direct debit or bill payment ("debit"), or neither.
_CARD_CHANNEL = re.compile(
    r"^(?:PURCHASE AUTHORI[SZ]ED|RECURRING PAYMENT AUTHORI[SZ]ED|(?:DEBIT |CREDIT )?CARD "
    r"(?:PURCHASE|PAYMENT|TRANSACTION)|POS\b|POINT OF SALE|CHECK ?CARD|DEBIT CARD|DEBIT PURCHASE|"
    r"VISA\b|MASTERCARD|MAESTRO|CONTACTLESS|APPLE ?PAY|GOOGLE ?PAY|EFTPOS|INTERAC PURCHASE|"
    r"(?:EC-?|GIRO)?KARTENZAHLUNG|GIROCARD|BEZAHLUNG KARTE|BEZAHLUNG MAESTRO|"
    r"PAIEMENT (?:PAR )?(?:CARTE|CB)|PAIEMENT SANS CONTACT|CARTE X?\d{4}|CB\b|ACHAT CB|"
    r"BANCONTACT|COMPRA\b|PAGO (?:CON )?TARJETA|TARJETA \d{4}|PAGAMENTO (?:POS|CARTA|CON CARTA|"
    r"CONTACTLESS)|PAG\. POS|ACQUISTO|OPERAZIONE CARTA|BEA\b|BETAALPAS|PINBETALING|"
    r"BETAALAUTOMAAT|ZAKUP|TRANSAKCJA KARTA|PLATNOSC KARTA|BLIK|KORTKOP|KORTTIOSTO|"
    r"PLATBA KARTOU|NAKUP KARTOU|VASARLAS KARTYAVAL|KARTYAS VASARLAS|PLATA (?:LA POS|CU CARDUL|POS)|"
    r"ΑΓΟΡΑ ΜΕ ΚΑΡΤΑ|POS/WEB|THANH TOAN (?:THE|QR|POS)|QRIS|NETS\b|M-PESA (?:BUY GOODS|MERCHANT)|"
    r"金融卡消费|כרטיס דביט|快捷支付|扫码支付|网上支付|IDEAL\b|PAGO MOVIL|PLATNOSC (?:INTERNETOWA|APPLE|GOOGLE)|"
    r"TWINT|UPI\b|SQ ?\*|TST ?\*|SUMUP|ZTL ?\*|IZ ?\*|PAYPAL ?\*|"
    r"支付宝|财付通|微信支付|银联|POS消费|云闪付|美团|"
    r"VISAデビット|デビット|カード|JCB|QUICPAY|PAYPAY|체크카드|신용카드|카드)"
)
_DEBIT_CHANNEL = re.compile(
    r"^(?:(?:SEPA[- ])?(?:BASIS-?|FIRMEN-?)?(?:ERST-?|FOLGE-?)?LASTSCHRIFT|PRLV|PRELEVEMENT|"
    r"DIRECT DEBIT|DD\b|BILL PAYMENT|ACH DEBIT|PREAUTHORIZED DEBIT|ADEUDO|RECIBO|DOMICILIA|"
    r"ADDEBITO|SEPA INCASSO|INKASO|CSOPORTOS BESZEDES|OTOMATIK ODEME|DEBIT ORDER|DEBITO AUTOMATICO|"
    r"PAGO AUTOMATICO|PAGO PSE|JOMPAY|BILLS PAYMENT|PLATA FACTURA|M-PESA PAY BILL|GIRO\b|INCASSO|POLECENIE ZAPLATY|AUTOGIRO|BETALINGSSERVICE|"
    r"口座振替|自动扣款|代扣)"
)
CHANNELS = ("", "card", "debit")


@lru_cache(maxsize=65536)
def channel(description: str) -> str:
    """ "card" for a card or payment-app purchase, "debit" for a direct debit, else ""."""
    text = unicodedata.normalize("NFKC", description).upper().strip()
    if not text.isascii():
        text = strip_accents(text).translate(TRADITIONAL).replace("Ł", "L").replace("Ø", "O")
    if _CARD_CHANNEL.match(text):
        return "card"
    if _DEBIT_CHANNEL.match(text):
        return "debit"
    return ""


def merchant_name(description: str) -> str | None:
    """A short, title-cased merchant name guessed from a descriptor (None when nothing is left)."""
    text = clean_descriptor(description)
    if not text:
        return None
    if has_cjk(text):
        first = text.split(" ")[0]
        return first[:16] or None
    words = [w for w in text.split(" ") if w and not re.fullmatch(r"[\W\d]+", w)]
    for _ in range(6):
        if len(words) > 1 and (
            words[-1].rstrip(".") in _LEGAL_FORMS
            or words[-1] in _PLACE_CODES
            or words[-1].casefold() in _CITIES
        ):
            words.pop()
        elif len(words) > 2 and " ".join(words[-2:]).casefold() in _CITIES:
            del words[-2:]
        else:
            break
    words = words[:3]
    if not words:
        return None
    return " ".join(_title(w) for w in words)


_CITIES = frozenset(
    fold(c)
    for c in """BERLIN HAMBURG MUENCHEN MUNCHEN KOELN KOLN FRANKFURT STUTTGART DUESSELDORF DUSSELDORF
LEIPZIG DRESDEN HANNOVER NUERNBERG NURNBERG BREMEN ESSEN DORTMUND BONN MAINZ WIEN ZURICH GENEVE
BASEL BERN PARIS LYON MARSEILLE TOULOUSE NICE NANTES BORDEAUX LILLE STRASBOURG RENNES MONTPELLIER
MADRID BARCELONA VALENCIA SEVILLA BILBAO MALAGA ZARAGOZA ROMA MILANO NAPOLI TORINO FIRENZE BOLOGNA
VENEZIA GENOVA AMSTERDAM ROTTERDAM UTRECHT EINDHOVEN BRUXELLES BRUSSEL ANTWERPEN LISBOA PORTO
WARSZAWA KRAKOW WROCLAW GDANSK POZNAN LODZ PRAHA BUDAPEST STOCKHOLM OSLO KOBENHAVN COPENHAGEN
HELSINKI DUBLIN LONDON MANCHESTER BIRMINGHAM LEEDS GLASGOW EDINBURGH LIVERPOOL BRISTOL SHEFFIELD
CARDIFF BELFAST NOTTINGHAM LEICESTER BRIGHTON OXFORD CAMBRIDGE READING NEWCASTLE YORK NEW_YORK
BROOKLYN LOS_ANGELES CHICAGO HOUSTON PHOENIX PHILADELPHIA SAN_ANTONIO SAN_DIEGO DALLAS AUSTIN
SEATTLE DENVER BOSTON MIAMI ATLANTA PORTLAND SAN_FRANCISCO SAN_JOSE ORLANDO TAMPA LAS_VEGAS
TORONTO MONTREAL VANCOUVER SYDNEY MELBOURNE TOKYO OSAKA SINGAPORE HONG_KONG SHANGHAI BEIJING
SHENZHEN GUANGZHOU""".replace("_", " ").split()
)


def _title(word: str) -> str:
    if len(word) <= 4 and word.isascii() and word.isupper() and not re.search(r"[AEIOUY]", word):
        return word
    return word[:1].upper() + word[1:].lower()
