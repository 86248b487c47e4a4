"""Names -> comparable tokens: transliteration to Latin, case and diacritics folded,
hyphens and spacing, spelling variants grouped, and a coarse phonetic key.

``tokens("Абд аль-Рахман")`` and ``tokens("Abdul Rahman")`` give the same tokens.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

# Spelling variants of one name (first word of each group is the canonical form).
_GROUPS = """
muhammad mohammed mohammad mohamed mohamad muhammed muhamad mohamud mohamood mouhamed
 mouhammad mohammod muhamed mohd mehmet mahomed mukhammad mukhammed mokhammad mokhammed
 mokhamed mukhamed magomed magomet mukhamad
ahmad ahmed ahmet achmed ahamed akhmad akhmed akhmet
mahmud mahmoud mahmood makhmud makhmoud
hussein husein hussain husain husayn hossein hosein husseyn hussien khusein khusain khussein
 khuseyn khussain
hasan hassan hasen khasan khassan
hasani hassani
husseini husseiny
ali aly
umar omar omer
usama osama ousama
yusuf yousef youssef yousuf yusef yussuf youcef jusuf yosef
ibrahim ebrahim ibraheem brahim
abdullah abdallah abdulla abdalla
khalid khaled
mustafa mostafa moustafa mustapha
said saeed saeid sayed sayyid saied
rashid rasheed rachid
salih saleh salah
sulaiman suleiman sulayman soliman suleyman sleiman
yahya yehia yahia
faisal faysal faycal feisal
hamid hameed hamed
hamza hamzah hamzeh
nasir nasser naser nassir
qasim qassem kasim qasem kassem gasim
qadir qader kadir kader
jafar jaafar jaafer jafer
jamal gamal
rahman rehman rahmane
rahim raheem
aziz azeez
karim kareem
majid majeed
walid waleed
zubair zubayr zubeir
uthman othman osman usman
abu abou abo
bin ben ibn bint
yasin yassin yaseen yassine
anwar anouar
ayman aiman
habib habeeb
haji hajji hadji
shaikh sheikh shaykh sheik
bakr bakir bakar
ayyub ayub ayoub
idris idriss edris
ismail ismael esmail smail
ishaq ishak isaac
yaqub yakub yacoub yaqoob yakoub
zakaria zakariya zakariyya zakariah
musa mousa moussa
isa eissa issa
nur noor nour
aleksandr alexander alexandr aleksander aleksandar
aleksei aleksey alexey alexei alexej
sergei sergey sergej serguei
yuri yury yuriy iurii jurij
dmitri dmitry dmitriy dmitrii
yevgeni yevgeny evgeny evgeni evgeniy yevgeniy
andrei andrey andrej andriy
nikolai nikolay nikolaj mykola
mikhail mikhail mihail mykhailo
grigori grigory grigoriy hryhoriy
anatoli anatoly anatoliy
vitali vitaly vitaliy
valeri valery valeriy
gennadi gennady gennadiy
arkadi arkady arkadiy
yevgenia evgenia yevgeniya evgeniya
viktor victor
olga olha
tatiana tatyana tatjana
natalia natalya nataliya
yelena elena jelena
igor ihor
oleg oleh
volodymyr vladimir
aleksandra alexandra
ri rhee lee yi rhie li
pak park bak
choe choi choy chwe
jong jung chong chung jeong
kim gim
kang gang
o oh
ryu yu yoo ryoo
so seo suh
sin shin
yun yoon
jang chang
jo cho
kwon gwon
hyon hyun hyeon
ryong yong
chol cheol chul
kwang gwang
myong myung myeong
sok seok suk
song sung
su soo
il ill
"""

_CANONICAL: dict[str, str] = {}
_head = ""
for _line in _GROUPS.split("\n"):
    _words = _line.split()
    if not _words:
        continue
    if not _line.startswith(" "):  # a line that starts with a space goes on the group above
        _head = _words[0]
    for _variant in _words:
        _CANONICAL.setdefault(_variant, _head)

# Articles and particles: little weight of their own.
PARTICLES = frozenset(
    [
        "al",
        "bin",
        "de",
        "da",
        "di",
        "del",
        "della",
        "der",
        "den",
        "van",
        "von",
        "le",
        "la",
        "du",
        "dos",
        "das",
        "des",
        "y",
        "e",
        "and",
        "of",
        "the",
    ]
)
# Forms of the Arabic article as its own hyphenated word ("ash-Shami", "el-Masri").
_ARTICLES = frozenset(
    [
        "al",
        "el",
        "ul",
        "ad",
        "ar",
        "as",
        "ash",
        "at",
        "az",
        "an",
        "adh",
        "ath",
        "ed",
        "er",
        "es",
        "et",
        "ez",
        "ad-",
    ]
)
# "Abdulrahman", "Abdel Aziz", "Abd al Aziz": one "abd" and the rest.
_ABD_PREFIXES = ("abdoul", "abdool", "abdul", "abdel", "abdal", "abdol", "abdur", "abdar", "abd")
_ABD_KEEP = frozenset({"abdullah", "abdallah", "abdulla", "abdalla", "abdi", "abdu"})
# Legal forms: part of an organisation's name but nearly no evidence.
LEGAL_FORMS = frozenset(
    [
        "ltd",
        "llc",
        "llp",
        "co",
        "company",
        "corporation",
        "corp",
        "inc",
        "incorporated",
        "limited",
        "gmbh",
        "ag",
        "sa",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "jsc",
        "ojsc",
        "pjsc",
        "cjsc",
        "oao",
        "zao",
        "ooo",
        "pao",
        "ao",
        "plc",
        "pte",
        "pty",
        "sdn",
        "bhd",
        "fze",
        "fzco",
        "fzc",
        "lp",
        "kg",
        "establishment",
        "est",
        "group",
        "holding",
        "holdings",
        "trading",
    ]
)

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
_SPLIT = re.compile(r"[^a-z0-9-]+")
_SYLLABIC = re.compile(
    r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]"
)


def _to_latin(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    if _SYLLABIC.search(text):
        # One syllable per character in Chinese, Japanese and Korean: keep them apart.
        text = "".join(ch + " " if _SYLLABIC.match(ch) else ch for ch in text)
    text = anyascii(text).lower()
    # "Дж" is written "dzh" by the transliteration, "j" by the lists ("Джамал" = "Jamal").
    return text.replace("'", "").replace("`", "").replace("\u2019", "").replace("dzh", "j")


@lru_cache(maxsize=65536)
def tokens(name: str) -> tuple[str, ...]:
    """The name's tokens: Latin, lower case, variants grouped, articles unified."""
    out: list[str] = []
    arabic = bool(_ARABIC.search(name))
    for chunk in _SPLIT.split(_to_latin(name)):
        if arabic and chunk.startswith(("al", "l")) and len(chunk) > 4:
            # The article is written joined in Arabic script (and its alif may be lost).
            chunk = "al-" + chunk[2 if chunk.startswith("al") else 1 :]
        parts = [p for p in chunk.split("-") if p]
        for index, part in enumerate(parts):
            hyphen_follows = index + 1 < len(parts)
            if hyphen_follows and part in _ARTICLES:
                out.append("al")
                continue
            out.extend(_word(part))
    # "abd al rahman" -> "abd rahman"; "bin laden" stays.
    cleaned: list[str] = []
    for index, token in enumerate(out):
        if token == "al" and index > 0 and cleaned and cleaned[-1] == "abd":
            continue
        cleaned.append(token)
    return tuple(cleaned)


def _word(word: str) -> list[str]:
    if word.startswith("abd") and word not in _ABD_KEEP and word not in _CANONICAL:
        for prefix in _ABD_PREFIXES:
            rest = word[len(prefix) :]
            if word.startswith(prefix) and len(rest) >= 3:
                return ["abd", _CANONICAL.get(rest, rest)]
        if word in _ABD_PREFIXES:
            return ["abd"]
    if word in ("el", "ul") or (word.startswith("al") and word in _ARTICLES):
        return ["al"]
    return [_CANONICAL.get(word, word)]


_PHONETIC_RULES = (
    ("tsch", "j"),
    ("sch", "s"),
    ("tch", "j"),
    ("ch", "j"),
    ("zh", "j"),
    ("dj", "j"),
    ("dzh", "j"),
    ("sh", "s"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("kh", "h"),
    ("gh", "g"),
    ("ck", "k"),
    ("ts", "s"),
    ("x", "ks"),
)
_CLASSES = str.maketrans("pbtdkgqcszvfwj", "bbddggggssffvj")
_VOWELS = re.compile(r"[aeiouy]+")


@lru_cache(maxsize=65536)
def phonetic(token: str) -> str:
    """A coarse sound key: digraphs unified, voiced/unvoiced pairs merged, vowels dropped,
    repeats collapsed. "mohammed", "muhamad" and Arabic "mhmd" give "mhmd"."""
    text = token
    for old, new in _PHONETIC_RULES:
        if old in text:
            text = text.replace(old, new)
    text = text.translate(_CLASSES)
    skeleton = _VOWELS.sub("", text)
    if not skeleton:
        return token
    out = [skeleton[0]]
    for ch in skeleton[1:]:
        if ch != out[-1]:
            out.append(ch)
    return "".join(out)
