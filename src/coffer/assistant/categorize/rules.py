"""Keyword and pattern rules for strong signals, in many languages.

Rules match the folded text (see ``normalize.fold``: lower-case, no accents, punctuation as
spaces). Each rule names the detailed category for a debit and for a credit (None: the rule
does not apply in that direction) and a confidence. The first matching rule wins, so the
specific purposes (fees, cash, taxes, wages, loans, rent, savings) come before the generic
transfers, which run only after the merchant dictionary found nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from coffer.assistant.categorize.hanzi import TRADITIONAL


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    debit: str | None
    credit: str | None
    confidence: float
    # How a match can begin in a word: the literal starts of the Latin alternatives (None: one
    # alternative begins with a pattern, so the rule is always tried); ``cjk``: whether some
    # alternatives are CJK, which match anywhere in a non-ASCII text.
    starts: frozenset[str] | None
    cjk: bool


_LITERAL = re.compile(r"[A-Za-z0-9]+")
_WORD = re.compile(r"\w+")
_KNOWN_WORDS = 65536


def _alternatives(pattern: str) -> list[str]:
    """The top-level ``|``-separated alternatives of a regular expression."""
    parts: list[str] = []
    depth, start, index, in_class = 0, 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 1
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
        index += 1
    parts.append(pattern[start:])
    return parts


def _starts(pattern: str) -> frozenset[str] | None:
    """The literal text each alternative of ``pattern`` begins with (None when one begins with
    a group, a class or an escape)."""
    found: set[str] = set()
    for alternative in _alternatives(pattern):
        literal = _LITERAL.match(alternative)
        if literal is None:
            return None
        text = literal.group(0)
        if alternative[literal.end() : literal.end() + 1] in ("?", "*", "{"):
            text = text[:-1]  # the last character is optional
        if not text:
            return None
        found.add(text)
    return frozenset(found)


def _rule(name: str, words: str, debit: str | None, credit: str | None, conf: float) -> Rule:
    """``words``: ``|``-separated alternatives; Latin ones match on word boundaries, CJK ones
    anywhere."""
    latin: list[str] = []
    cjk: list[str] = []
    for word in words.split("|"):
        word = word.strip()
        if not word:
            continue
        if word.isascii():
            latin.append(word)
        else:  # as ``fold`` writes it: final sigma, simplified characters
            cjk.append(word.casefold().translate(TRADITIONAL))
    parts = []
    if latin:
        parts.append(r"\b(?:" + "|".join(latin) + r")\b")
    if cjk:
        parts.append("(?:" + "|".join(cjk) + ")")
    starts = _starts("|".join(latin)) if latin else frozenset[str]()
    return Rule(name, re.compile("|".join(parts)), debit, credit, conf, starts, bool(cjk))


class RuleSet:
    """Rules tried in order, first match wins. A rule's regular expression runs only when a
    word of the text begins with one of the rule's literal starts (every Latin alternative
    matches from a word boundary), or when the rule has CJK alternatives and the text is not
    ASCII: the same result as trying every rule, without most of the searches."""

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.rules = rules
        self._by_start: dict[str, int] = {}
        self._always = 0
        self._cjk = 0
        for position, rule in enumerate(rules):
            bit = 1 << position
            if rule.starts is None:
                self._always |= bit
            else:
                for start in rule.starts:
                    self._by_start[start] = self._by_start.get(start, 0) | bit
            if rule.cjk:
                self._cjk |= bit
        self._longest = max((len(s) for s in self._by_start), default=0)
        self._words: dict[str, int] = {}

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def candidates(self, text: str) -> int:
        """A bit mask of the rules that may match ``text``."""
        mask = self._always
        if not text.isascii():
            mask |= self._cjk
        known = self._words
        for word in _WORD.findall(text):
            found = known.get(word)
            if found is None:
                found = self._word_mask(word)
            mask |= found
        return mask

    def cache_clear(self) -> None:
        """Forget the remembered words (for benchmarks)."""
        self._words.clear()

    def _word_mask(self, word: str) -> int:
        """The rules with a start that ``word`` begins with (remembered, up to a bound)."""
        by_start, mask = self._by_start, 0
        for size in range(1, min(len(word), self._longest) + 1):
            mask |= by_start.get(word[:size], 0)
        if len(self._words) >= _KNOWN_WORDS:
            self._words.clear()
        self._words[word] = mask
        return mask

    def first(self, text: str, direction: str) -> Rule | None:
        """The first rule that matches ``text`` and applies in ``direction``."""
        mask = self.candidates(text)
        for position, rule in enumerate(self.rules):
            if not mask >> position & 1:
                continue
            target = rule.debit if direction == "debit" else rule.credit
            if target is not None and rule.pattern.search(text):
                return rule
        return None


REFUND = _rule(
    "refund",
    r"refund|refunded|return|returned purchase|reversal|chargeback|credit voucher|"
    r"ruckerstattung|erstattung|gutschrift (?:kartenzahlung|karte)|storno|retoure|"
    r"remboursement|rembt|avoir|annulation|reembolso|devolucion|abono compra|rimborso|storno|"
    r"terugbetaling|terugstorting|restitutie|zwrot|退款|退货|返还|返金|払戻",
    None,
    None,
    0.0,
)

# Bank fees, cash, taxes, income, loans, rent, savings: purposes that win over the merchant.
STRONG = RuleSet(
    (
        _rule(
            "atm_fee",
            r"poplatek za vyber\w*(?: z)? bankomat\w*|caj (?:pengeluaran )?atm|atm ucreti|keszpenzfelvetel(?:i)? dij|comision retragere|atm fee|atm withdrawal fee|non network atm|non [a-z]+ atm fee|cash machine fee|"
            r"fremdautomat\w*|entgelt (?:bargeld|geldautomat|ga)|frais (?:de )?retrait|"
            r"comision (?:cajero|reintegro)|commissione prelievo|取现手续费|ATM手续费",
            "BANK_FEES_ATM_FEES",
            None,
            0.95,
        ),
        _rule(
            "overdraft_fee",
            r"comision (?:por )?sobregiro|sobregiro|overdraft fee|overdraft charge|od fee|uberziehungs\w*|commission d intervention|"
            r"frais (?:de )?decouvert|comision descubierto|sconfinamento|透支费",
            "BANK_FEES_OVERDRAFT_FEES",
            None,
            0.93,
        ),
        _rule(
            "nsf_fee",
            r"unpaid debit order|returned (?:check|cheque)|nsf|insufficient funds?|returned item fee|unpaid item|returned payment fee|"
            r"rucklastschrift\w*|rejet prelevement|impaye|devolucion recibo|insoluto",
            "BANK_FEES_INSUFFICIENT_FUNDS",
            None,
            0.9,
        ),
        _rule(
            "foreign_fee",
            r"foreign currency transaction fee|(?:frais|commission) (?:de )?paiement hors zone euro|nemzetkozi tranzakcios dij|tranzactie valutara|yurt disi islem|境外交易|foreign (?:transaction|exchange|currency) fee|intl? (?:transaction )?fee|fx fee|"
            r"non sterling (?:transaction )?fee|international fee|auslandseinsatz\w*|"
            r"frais (?:de change|operation etranger|hors zone euro)|commission change|"
            r"comision (?:cambio|divisa)|commissione estero|货币转换费|外汇手续费",
            "BANK_FEES_FOREIGN_TRANSACTION_FEES",
            None,
            0.93,
        ),
        _rule(
            "interest_charge",
            r"uroky z precerpani|precerpani|kmh faizi|intereses por descubierto|hitelkamat|dobanda penalizatoare|interest charge|purchase interest|cash advance interest|finance charge|"
            r"interest on (?:purchases|cash)|sollzins\w*|dispozins\w*|agios|interets debiteurs|"
            r"intereses deudores|interessi passivi|debetrente|odsetki karne|透支利息|循环利息",
            "BANK_FEES_INTEREST_CHARGE",
            None,
            0.92,
        ),
        _rule(
            "bank_fee",
            r"poplatek za vedeni|vedeni uctu|poplatek za sluzby|szamlavezetesi|kezelesi dij|eves dij|comision administrare|hesap isletim|kart aidati|biaya adm\w*|biaya admin|phi quan ly|phi dich vu|phi thuong nien|sms alert|sms charges?|alert charges|cuota (?:de )?manejo|mantencion|mantenimiento cuenta|προμηθεια|עמלת|עמלה|ค่าธรรมเนียม|monthly (?:service|maintenance|account) (?:fee|charge)|service charge|account fee|"
            r"maintenance fee|bank (?:fee|charge)s?|card fee|annual fee|wire fee|transfer fee|"
            r"kontofuhrung\w*|abschluss zinsen|entgeltabrechnung|rechnungsabschluss|kontopreis|kontogebuhr\w*|kartengebuhr|jahresgebuhr|entgelt|"
            r"frais (?:bancaires|tenue|de tenue|gestion|de gestion|carte|de virement|virement|"
            r"d operation|de dossier|de commission|sur)|cotisation (?:carte|offre|forfait)|commission|comision\w*|"
            r"cuota (?:anual|mantenimiento|tarjeta)|commissioni|canone|spese (?:tenuta|conto)|"
            r"kosten (?:rekening|betaalrekening|pakket)|oplata za (?:prowadzenie|karte|konto)|oplata miesieczna|prowizja|手续费|年费|账户管理费|"
            r"短信费|小额账户管理费|手数料|комиссия|수수료|رسوم",
            "BANK_FEES_OTHER_BANK_FEES",
            None,
            0.85,
        ),
        _rule(
            "atm_withdrawal",
            r"gea nr|gea|banelco|redbanc|multibanco|euronet|servired|cirrus|link atm|αναληψη|כספומט|משיכת מזומן|nakit cekim|tarik tunai|rut tien|ถอนเงิน|提款|領款|atm|cash withdrawal|cash wdl|cash machine|cashpoint|withdrawal|wdl|geldautomat|"
            r"bargeldauszahlung|bargeld|auszahlung|retrait|dab|gab|distributeur|"
            r"reintegro|cajero|retirada|disposicion (?:de )?efectivo|prelievo|prelevamento|"
            r"bancomat|geldopname|opname|wyplata|bankomat|取现|取款|提现|ATM|引出|出金|引き出し|"
            r"saque|levantamento|caixa eletronico|para cekme|geldautomaat|kontantuttag|uttag|haevning|"
            r"minibank|kateisnosto|nosto|vyber z bankomatu|vyber hotovosti|keszpenzfelvetel|"
            r"retragere numerar|retiro (?:en )?cajero|retiro de efectivo|банкомат|снятие наличных|현금인출|출금|سحب نقدي|صراف",
            "TRANSFER_OUT_WITHDRAWAL",
            None,
            0.95,
        ),
        _rule(
            "tax_refund",
            r"szja visszaterites|nav szja|επιστροφη φορου|sars refund|devolucion (?:de )?impuestos?|tgr|lhdn|bir refund|tax refund|tax ref|irs treas|hmrc|steuererstattung|finanzamt|finanzkasse|"
            r"remboursement impots?|dgfip|impots|tresor public|devolucion (?:de )?(?:renta|irpf)|"
            r"agencia tributaria|aeat|hacienda publica|rimborso (?:irpef|730)|agenzia (?:delle )?entrate|"
            r"belastingdienst|urzad skarbowy|zwrot podatku|退税|税务局|国家税务|还付金|"
            r"skatteverket|skatteaterbaring|skatteetaten|skattetaten|skattestyrelsen|skat|"
            r"verohallinto|veronpalautus|financni urad|vratka dane|preplatek|receita federal|"
            r"restituicao|canada revenue|revenu quebec|cra|gst credit|ato|australian taxation office|"
            r"inland revenue|iras|income tax|tds refund|sat devolucion|devolucion sat|afip|anaf|"
            r"gelir idaresi|国税|还付|還付|환급|국세",
            None,
            "INCOME_TAX_REFUND",
            0.95,
        ),
        _rule(
            "tax_payment",
            r"aade|ααδε|ενφια|φορος|φορου|sars|kra|itax|cukai|pajak|gmf|gravamen|ley 25413|iibb|ingresos brutos|monotributo|dian|sii|lirs|firs|tax(?!\s(?:preparation|prep|advisor|adviser|services|consultant))|taxes|tax payment|irs|usataxpymt|hmrc|council tax|self assessment|finanzamt|"
            r"finanzkasse|steuer|steuern|kfz steuer|einkommensteuer|grundsteuer|gewerbesteuer|"
            r"impot|impots|dgfip|finances publiques|taxe fonciere|taxe habitation|tresor public|impuesto|impuestos|"
            r"agencia tributaria|aeat|hacienda publica|f24|imposta|agenzia (?:delle )?entrate|tributi|"
            r"belasting|belastingdienst|podatek|urzad skarbowy|个税|个人所得税|税款|纳税|税费|"
            r"车船税|房产税|税务|住民税|所得税|固定資産税|自動車税|zus|skladka zus|urssaf|sozialversicherung|"
            r"seguridad social|tgss|inps contributi|national insurance|imposto|vergi|社保缴费|社会保险费|"
            r"налог|фнс|세금|ضريبة|skatteverket|skatteetaten|skattetaten|skattestyrelsen|skat|"
            r"restskatt|kvarskatt|verohallinto|vero|financni urad|dan z prijmu|dan z nemovitosti|"
            r"receita federal|darf|imposto de renda|simples nacional|ipva|iptu|icms|"
            r"canada revenue|revenu quebec|ato|australian taxation office|inland revenue|iras|"
            r"income tax|advance tax|tds|challan|gelir idaresi|vergi dairesi|mtv|anaf|impozit|"
            r"nav ado|ado|afip|dian|us pit|pit \d+|vat \d+|cit \d+|podatek dochodowy|"
            r"国税|地方税|市税|県税|市県民税|국세|지방세|재산세|자동차세|종합소득세",
            "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT",
            None,
            0.93,
        ),
        _rule(
            "wages",
            r"munkaber|ber jovairas|mzda|salariu|salarii|μισθοδοσια|μισθος|משכורת|เงินเดือน|tien luong|luong thang|tra luong|chi luong|gaji|sueldo|remuneracion|remuneracao|salary|salaries|payroll|wages|wage|pay ?slip|direct dep|dir dep|paycheck|"
            r"gehalt|lohn|lohn gehalt|bezuge|verdienst|salaire|salaires|paie|remuneration|"
            r"nomina|salario|sueldo|haberes|stipendio|retribuzione|emolumenti|salaris|loon|"
            r"wynagrodzenie|pensja|salario|maas|工资|代发工资|薪资|薪金|奖金|绩效|工资薪金|給与|給料|賞与|"
            r"зарплата|заработная плата|급여|월급|راتب",
            None,
            "INCOME_WAGES",
            0.95,
        ),
        _rule(
            "unemployment",
            r"jaradek|allaskeresesi|somaj|ανεργιας|ανεργια|issizlik|uif|podpora v nezamestnanosti|unemployment|jobseeker|ui benefit|edd ui|bundesagentur fur arbeit|arbeitsagentur|"
            r"arbeitslosengeld|alg|pole emploi|france travail|sepe|prestacion desempleo|desempleo|"
            r"paro|naspi|disoccupazione|uwv|ww uitkering|zasilek dla bezrobotnych|失业金|失业保险金",
            None,
            "INCOME_UNEMPLOYMENT",
            0.93,
        ),
        _rule(
            "pension",
            r"duchod|nyugdij|pensie|συνταξη|emekli|senior citizen pension|pension|pensions|annuity|retirement|rentenzahlung|rentenversicherung|drv|"
            r"altersrente|versorgungsbezuge|retraite|cnav|carsat|agirc|arrco|pension jubilacion|"
            r"jubilacion|pensione|inps|pensioen|aow|svb|emerytura|zus|养老金|退休金|年金",
            None,
            "INCOME_RETIREMENT_PENSION",
            0.93,
        ),
        _rule(
            "benefits",
            r"ביטוח לאומי|קצבת|csaladi potlek|alocatie|επιδομα|child benefit|kindergeld|familienkasse|elterngeld|wohngeld|caf|allocations? familiales?|"
            r"prestation|rsa|social security|ssa treas|universal credit|dwp|alimony|child support|"
            r"unterhalt|pension alimentaire|cashback|cash back|rewards?|bonus points|assegno|toeslag|kinderbijslag|800 plus|补贴|补助|生育津贴",
            None,
            "INCOME_OTHER_INCOME",
            0.88,
        ),
        _rule(
            "cash_deposit",
            r"vklad hotovosti|vklad|befizetes|depunere numerar|nakit yatirma|setor tunai|atm deposit|cash deposit|mobile deposit|check deposit|cheque deposit|deposit|"
            r"bareinzahlung|einzahlung|scheckeinreichung|versement especes|remise (?:de )?cheques?|"
            r"ingreso (?:en )?efectivo|versamento|storting|wplata|现金存入|存款|存现|入金",
            None,
            "TRANSFER_IN_DEPOSIT",
            0.9,
        ),
        _rule(
            "dividends",
            r"dividendy|dividenda|temettu|osztalek|μερισμα|dividend|dividends|div|dividende|dividenden|ertragsgutschrift|ausschuttung|"
            r"dividendo|dividendi|dywidenda|股息|分红|红利|配当",
            None,
            "INCOME_DIVIDENDS",
            0.93,
        ),
        _rule(
            "interest",
            r"uroky|urok|pripsane uroky|kamat|dobanda|τοκοι|bunga|faiz geliri|interest|interest paid|interest earned|int earned|zinsen|habenzins\w*|zinsgutschrift|"
            r"interets|interets crediteurs|intereses|interessi|rente|odsetki|juros|faiz|利息|结息|利息收入|受取利息|收益|"
            r"проценты|이자|فوائد",
            None,
            "INCOME_INTEREST_EARNED",
            0.93,
        ),
        _rule(
            "cash_advance",
            r"cash advance|bargeldvorschuss|avance (?:de )?(?:efectivo|especes)|anticipo contante|"
            r"预借现金|キャッシング",
            "TRANSFER_OUT_WITHDRAWAL",
            "TRANSFER_IN_CASH_ADVANCES_AND_LOANS",
            0.9,
        ),
        _rule(
            "debt_collection",
            r"inkasso\w*|forderung|pago deuda|recouvrement|debt collection|collection agency|"
            r"recupero crediti|windykacja|催收",
            "LOAN_PAYMENTS_OTHER_PAYMENT",
            None,
            0.85,
        ),
        _rule(
            "credit_card_payment",
            r"kredi karti|kart borcu|hitelkartya|splatka kreditni karty|πιστωτικη καρτα|信用卡款|credit card payment|credit card bill|card payment thank you|payment thank you|"
            r"payment received thank you|autopay|card ending in|payment to chase card|credit crd|cc payment|crd pmt|epay|"
            r"kreditkarte\w*|kreditkartenabrechnung|visa abrechnung|mastercard abrechnung|"
            r"amex|american express|barclaycard|capital one|discover (?:e)?payment|citi card|citicard|"
            r"citi autopay|applecard|apple card|gsbank|synchrony|card services|cardmember serv|"
            r"releve carte|echeance carte|tarjeta de credito|liquidacion tarjeta|"
            r"carta di credito|saldo carta|creditcard|karta kredytowa|splata karty|"
            r"信用卡还款|信用卡|花呗|还款|カード引落|クレジット",
            "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
            "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
            0.9,
        ),
        _rule(
            "mortgage",
            r"konut kredisi|credit ipotecar|ipotecar|ipoteca|hipotecni|jelzalog|στεγαστικο|housing loan|pag ibig|mortgage|mtg|home loan|hypothek\w*|baufinanzierung|immobilienkredit|"
            r"pret immo\w*|credit immo\w*|hipoteca|prestamo hipotecario|mutuo|hypotheek|"
            r"kredyt hipoteczny|房贷|住房贷款|按揭|公积金贷款|住宅ローン",
            "LOAN_PAYMENTS_MORTGAGE_PAYMENT",
            None,
            0.93,
        ),
        _rule(
            "car_payment",
            r"auto uver|credito vehicular|tasit kredisi|auto loan|car loan|auto pay(?:ment)? loan|car finance|vehicle finance|autokredit|"
            r"fahrzeugfinanzierung|leasing|leasingrate|leasingvertrag|kfz leasing|auto leasing|"
            r"motor cr|motor credit|motor finance|motor acceptance|auto finance|auto credit|"
            r"financiamento veiculo|financiamiento auto|credit auto|location longue duree|lld|loa|"
            r"prestamo (?:coche|auto)|finanziamento auto|autolening|车贷|汽车贷款|マイカーローン",
            "LOAN_PAYMENTS_CAR_PAYMENT",
            None,
            0.9,
        ),
        _rule(
            "student_loan",
            r"credito educativo|icetex|helb|ptptn|student loan|studentloan|navient|nelnet|sallie mae|mohela|great lakes|aidvantage|"
            r"slc|student loans company|bafog|studiekredit|pret etudiant|prestamo estudiante|"
            r"studieschuld|duo|助学贷款|奨学金",
            "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT",
            None,
            0.92,
        ),
        _rule(
            "personal_loan",
            r"uver|splatka|hitel torlesztes|torlesztes|kolcson|folyositas|kredi taksit|kredi kullandirim|δανειο|δανειου|pinjaman|cuota prestamo|loan|loan payment|loan repayment|kredit|ratenkredit|darlehen|tilgung|"
            r"credit conso|pret personnel|echeance pret|remboursement pret|prestamo|prestito|"
            r"finanziamento|lening|pozyczka|kredyt|rata|"
            r"贷款|借呗|白条|微粒贷|分期|ローン",
            "LOAN_PAYMENTS_PERSONAL_LOAN_PAYMENT",
            "TRANSFER_IN_CASH_ADVANCES_AND_LOANS",
            0.85,
        ),
        _rule(
            "rent",
            r"alberlet|berleti dij|ενοικιο|thue nha|tien nha|sewa rumah|arriendo|שכר דירה|ค่าเช่า|rent(?! a car)(?!al car)|rental payment|monthly rent|landlord|letting agent|miete|mietzahlung|kaltmiete|"
            r"warmmiete|mieteinnahme\w*|mieteingang|hausverwaltung|wohnungsbau\w*|loyer|loyers|"
            r"alquiler(?! de (?:coches|vehiculos|bicicletas|motos|furgonetas))|affitto|canone locazione|"
            r"huur|huurpenning|czynsz|najem|aluguel|kira|房租|租金|房屋租赁|家賃|аренда|월세|إيجار",
            "RENT_AND_UTILITIES_RENT",
            "INCOME_OTHER_INCOME",
            0.92,
        ),
        _rule(
            "investment",
            r"yatirim|befektetes|investitii|unitati fond|fond de investitii|fonduri|αμοιβαιο|μεριδια|afp|vanguard|fidelity|schwab|robinhood|etoro|trade republic|scalable capital|degiro|"
            r"wertpapier\w*|wertpapierdepot|sparplan|etf|brokerage|401k|ira|roth|acorns|betterment|wealthfront|"
            r"stash|coinbase|binance|kraken|bitpanda|boursorama bourse|assurance vie|pea|"
            r"inversion|fondo|fondi|beleggen|基金|证券|理财|股票|投資|証券",
            "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS",
            "TRANSFER_IN_INVESTMENT_AND_RETIREMENT_FUNDS",
            0.88,
        ),
        _rule(
            "savings",
            r"sporici|sporeni|megtakaritas|economii|tasarruf|tabungan|simpanan|tiet kiem|savings?|to savings|from savings|to sav|from sav|saver|isa|round ?up|roundup|vault|pot|"
            r"sparen|sparkonto\w*|tagesgeld\w*|festgeld\w*|sparbuch|sparbrief|epargne|livret|ldd|lep|"
            r"ahorro|cuenta ahorro|risparmio|conto deposito|spaarrekening|sparen|spaar|oszczednos\w*|"
            r"lokata|储蓄|定期|零存整取|余额宝|零钱通|积存|貯金|積立",
            "TRANSFER_OUT_SAVINGS",
            "TRANSFER_IN_SAVINGS",
            0.9,
        ),
    )
)

# Generic transfers: after the merchant dictionary, before MCC and the classifier.
TRANSFER = RuleSet(
    (
        _rule(
            "p2p_transfer",
            r"atutalas|odchozi platba|prichozi platba|transfer primit|emvasma|εμβασμα|העברה|trsf|e banking|virman|funds received|customer transfer|chuyen tien|chuyen khoan|ck den|โอนเงิน|fast gonderim|nip transfer|ipi|app payment|transfer|trf|xfer|funds transfer|wire|wire transfer|online transfer|mobile transfer|"
            r"zelle|venmo|cash app|cashapp|paypal transfer|paypal|standing order|faster payment|fps|bgc|"
            r"so|fpo|fpi|bacs|interac e transfer|interac transfer|e transfer|etransfer|osko|payid|npp|"
            r"spei|ted|neft|rtgs|paynow|duitnow|promptpay|instapay|yape|plin|nequi|sinpe|"
            r"overforing|overforsel|tilisiirto|prevod|utalas|ueberweisung|uberweisung|dauerauftrag|"
            r"umbuchung|gutschrift|echtzeituberweisung|virement|vir|vir sepa|vir inst|"
            r"transferencia|traspaso|bizum|bonifico|giroconto|satispay|overboeking|overschrijving|"
            r"tikkie|przelew|twint|swish|mobilepay|vipps|lydia|paylib|wise|revolut|n26|"
            r"sepa credit transfer|sepa ct|转账|转入|转出|汇款|汇入|汇出|红包|零钱提现|"
            r"pix|havale|eft|upi p2a|imps|mb way|e transfer sent|transferencia|他行|跨行|振込|送金|零钱充值|余额充值|充值|перевод|이체|송금|تحويل",
            "TRANSFER_OUT_ACCOUNT_TRANSFER",
            "TRANSFER_IN_ACCOUNT_TRANSFER",
            0.8,
        ),
    )
)


TAX_REFUND = next(rule for rule in STRONG if rule.name == "tax_refund")


def first_match(rules: RuleSet, text: str, direction: str) -> Rule | None:
    """The first rule of ``rules`` that matches ``text`` and applies in ``direction``."""
    return rules.first(text, direction)


def is_refund(text: str) -> bool:
    return REFUND.pattern.search(text) is not None
