"""The languages paygate speaks to patients: picking one for a person, the message catalogs
(Babel .po files under paygate/locales, compiled in memory the first time they are needed,
so there is no build step) and money and dates written the way a locale writes them.

A person's locale: the launch token's `locale` claim, else their browser's Accept-Language,
else English. Regional tags fold into the language paygate has (fa-IR -> fa, fr-CA -> fr).
"""

from __future__ import annotations

import copy
import functools
import gettext
import io
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from babel.core import Locale
from babel.dates import format_date, format_time, get_datetime_format, get_time_format
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import get_currency_symbol
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

from paygate.domain.money import Money, exponent
from paygate.domain.time_zones import zone_info
from paygate.resources import resource_dir

LOCALES = ("en", "fr", "fa", "bn")
DEFAULT_LOCALE = "en"
RTL = frozenset({"fa"})
NAMES = {"en": "English", "fr": "Français", "fa": "فارسی", "bn": "বাংলা"}
LOCALE_DIR = Path(__file__).parent / "locales"

# Stripe.js localizes the Payment Element in these of ours; for the others Stripe's own
# advice is "auto" (docs.stripe.com/js/appendix/supported_locales lists neither fa nor bn).
STRIPE_JS_LOCALES = frozenset({"en", "fr"})

# Amounts are written in each locale's standard CLDR currency format, English included:
# "$45.00", "A$45.00", "CA$45.00", "€45.00", "SGD 45.00". English deliberately uses CLDR's
# plain `en` symbols, not en-<clinic's country>: a telehealth patient may read from any
# country, and plain English marks every dollar but the US one (A$, CA$, NZ$, HK$), the
# form Stripe's own English card form and receipts use. Intl.NumberFormat("en") in the
# widget (widget/i18n.js) writes the same.
CURRENCY_DISPLAY = "symbol"
# CLDR's currencySpacing, which Babel's formatter leaves out and Intl applies: a symbol
# that ends (or starts) with a letter, not a sign, is kept apart from the digits by a
# no-break space ("SGD 45.00", "CHF 45.00"; but "$45.00", "A$45.00").
_SPACE = "\xa0"

# Babel formats with Latin digits; these locales write their own.
_NATIVE_DIGITS = {"fa": "۰۱۲۳۴۵۶۷۸۹", "bn": "০১২৩৪৫৬৭৮৯"}


def normalize(tag: str | None) -> str | None:
    """The supported locale a language tag means, or None: "fa-IR" -> "fa"."""
    if not tag:
        return None
    language = tag.strip().replace("_", "-").split("-")[0].lower()
    return language if language in LOCALES else None


def accept_language(header: str | None) -> list[str]:
    """The tags of an Accept-Language header, most wanted first (q=0 dropped)."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, index, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(*claims: str | None, accept: str | None = None) -> str:
    """The first supported locale among the claims, then the browser's languages."""
    for tag in (*claims, *accept_language(accept)):
        locale = normalize(tag)
        if locale:
            return locale
    return DEFAULT_LOCALE


def direction(locale: str) -> Literal["rtl", "ltr"]:
    return "rtl" if locale in RTL else "ltr"


def stripe_locale(locale: str) -> str:
    return locale if locale in STRIPE_JS_LOCALES else "auto"


# -- catalogs ----------------------------------------------------------------------------

def _po_path(locale: str, domain: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"


@functools.cache
def catalog(locale: str, domain: str) -> Catalog:
    """One .po file as Babel reads it; an empty catalog for English (the msgids are English)."""
    path = _po_path(locale, domain)
    if locale == DEFAULT_LOCALE or not path.exists():
        return Catalog(locale=locale, domain=domain)
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=domain)


@functools.cache
def translations(locale: str) -> gettext.NullTranslations:
    """gettext for the server's own text (templates, email subjects), compiled in memory."""
    found = catalog(locale, "messages")
    if not len(found):
        return gettext.NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, found)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


@functools.cache
def widget_messages(locale: str) -> dict[str, str]:
    """The widget's catalog for the browser: msgid -> translation, translated ones only."""
    return {str(m.id): str(m.string) for m in catalog(locale, "widget")
            if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


@functools.cache
def template_env(locale: str) -> Environment:
    """Jinja2 with the i18n extension ({% trans %}, _()) speaking one locale."""
    env = Environment(
        loader=FileSystemLoader(str(resource_dir("templates"))),
        autoescape=select_autoescape(["html"]), keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(locale=locale, dir=direction(locale))
    return env


# The templates rendered through template_env, compiled at start-up too.
_TEMPLATE_DIRS = ("widget/", "email/", "pay/")


def load_all() -> None:
    """Read and compile every catalog and template now (at start-up), so no request reads
    them from disk."""
    for locale in LOCALES:
        translations(locale)
        widget_messages(locale)
        env = template_env(locale)
        for name in env.list_templates(filter_func=lambda n: n.startswith(_TEMPLATE_DIRS)):
            env.get_template(name)


# -- formats -----------------------------------------------------------------------------

def native_digits(text: str, locale: str) -> str:
    digits = _NATIVE_DIGITS.get(locale)
    return text.translate(str.maketrans("0123456789", digits)) if digits else text


def format_money(amount_minor: int, currency: str, locale: str) -> str:
    """Exact: the Decimal of integer minor units, in the locale's currency format.

    The number of decimals is always paygate's exponent for the currency (the one Stripe's
    amounts use, paygate.domain.money), never the locale library's idea of the currency's
    decimals: CLDR gives HUF 0 digits where Stripe counts hundredths, and rounding to CLDR's
    digits would show a patient an amount other than the one charged.
    """
    money = Money(amount_minor, currency)
    places = exponent(money.currency)
    where = Locale.parse(locale)
    code = money.currency.upper()
    pattern = copy.copy(where.currency_formats["standard"])
    pattern.frac_prec = (places, places)
    symbol = get_currency_symbol(code, where)
    pattern.prefix = tuple(_spaced(side, symbol, before=True) for side in pattern.prefix)
    pattern.suffix = tuple(_spaced(side, symbol, before=False) for side in pattern.suffix)
    text = pattern.apply(money.to_major(), where, currency=code, currency_digits=False,
                         numbering_system="default")
    return native_digits(text, locale)


def _spaced(affix: str, symbol: str, *, before: bool) -> str:
    """An affix with CLDR's currency spacing where its symbol touches the digits."""
    if before and affix.endswith("¤") and not _is_sign(symbol[-1]):
        return affix + _SPACE
    if not before and affix.startswith("¤") and not _is_sign(symbol[0]):
        return _SPACE + affix
    return affix


def _is_sign(char: str) -> bool:
    return unicodedata.category(char).startswith(("S", "Z"))


def format_datetime(value: datetime, locale: str, time_zone: str | None = None) -> str:
    """A long date and a short time in the clinic's time zone (UTC when not given), named:
    "21 novembre 2026, 14:05 TU", "November 21, 2026 at 9:05 AM EST"."""
    zone = zone_info(time_zone)
    moment = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)
    date = format_date(moment, "long", locale=locale)
    time = format_time(moment, get_time_format("short", locale).pattern + " z",
                       tzinfo=zone, locale=locale)
    pattern = str(get_datetime_format("long", locale)).replace("'", "")
    return native_digits(pattern.replace("{1}", date).replace("{0}", time), locale)
