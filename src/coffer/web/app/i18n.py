"""The wallet app's languages: English (the source text) and Chinese (``locale/zh``).

Translations are a gettext catalogue (``locale/<lang>/LC_MESSAGES/messages.po``), read
with Babel and compiled in memory when first used (no build step). The language of a
request: the one the visitor chose (the ``coffer_app_lang`` cookie, set by the switch in
every page's header), else the signed-in user's, else the best match of the browser's
``Accept-Language``, else English. Amounts and dates are formatted for the language by
Babel (``12,34 €`` is not what an English reader expects).
"""

from __future__ import annotations

import gettext
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel.core import negotiate_locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from starlette.requests import Request

from coffer.wallets import currencies

LANGUAGES = ("en", "zh")
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}
BABEL_LOCALES = {"en": "en_US", "zh": "zh_Hans_CN"}
COOKIE = "coffer_app_lang"
LOCALE_DIR = Path(__file__).parent / "locale"
MAX_ACCEPT_LANGUAGE = 20  # entries of the header considered


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``language`` (English: the text as written)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def from_accept_language(header: str | None) -> str | None:
    """The best of :data:`LANGUAGES` for an ``Accept-Language`` header, or None."""
    if not header:
        return None
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:MAX_ACCEPT_LANGUAGE]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.strip().replace("-", "_")))
    preferred = [tag for _, _, tag in sorted(weighted)]
    # each tag's language alone too, so that zh_TW or en_GB still match
    expanded: list[str] = []
    for tag in preferred:
        expanded += [tag, tag.split("_")[0]]
    found = negotiate_locale(expanded, list(LANGUAGES), sep="_")
    return found if found in LANGUAGES else None


def language_of(request: Request, user_locale: str | None = None) -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return str(chosen)
    if user_locale in LANGUAGES:
        return str(user_locale)
    return from_accept_language(request.headers.get("accept-language")) or "en"


class Texts:
    """The translation functions and formatters a page renders with."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else "en"
        self._translations = translations(self.language)
        self.babel_locale = BABEL_LOCALES[self.language]

    def gettext(self, message: str, **values: object) -> str:
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def money(self, amount: int, currency: str) -> str:
        """Minor units of ``currency`` as the language writes money (``€12.34``)."""
        major = currencies.to_major(currency, int(amount))
        return str(format_currency(Decimal(major), currency, locale=self.babel_locale))

    def money_rate(self, minor: Decimal, currency: str) -> str:
        """A possibly fractional number of minor units (a rate: what one point is worth)."""
        major = Decimal(minor).scaleb(-currencies.exponent(currency))
        return str(format_currency(major, currency, locale=self.babel_locale,
                                   decimal_quantization=False))  # fmt: skip

    def day(self, value: date | str | None) -> str:
        """A calendar day (a date or ISO text) as the language writes it."""
        if value is None or value == "":
            return ""
        day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
        return str(format_date(day, "medium", locale=self.babel_locale))

    def when(self, value: datetime | None) -> str:
        if value is None:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return str(format_datetime(value, "medium", tzinfo=UTC, locale=self.babel_locale))
