"""The catalogs: every string the code marks is in them, translated in every language, with
the same placeholders; locales are picked as documented; money, dates and receipts are
written the way each language writes them."""

# ruff: noqa: RUF001  (Persian and Bengali digits are the point here)
from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from paygate import i18n
from paygate.domain.errors import UnsupportedCurrency
from paygate.domain.money import SUPPORTED, Money, exponent
from paygate.services.payments.receipts import ReceiptFacts, ReceiptWriter

ROOT = Path(__file__).resolve().parents[2]
LOCALES = i18n.LOCALE_DIR
DOMAINS = {"messages": ("_", "gettext"), "widget": ("t", "tx", "N_")}
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)s")


def template(domain: str) -> set[str]:
    with (LOCALES / f"{domain}.pot").open("rb") as handle:
        return {str(m.id) for m in read_po(handle) if m.id}


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_catalog_template_holds_every_marked_string(domain: str) -> None:
    with (LOCALES / f"{domain}.cfg").open() as handle:
        methods, options = parse_mapping_cfg(handle)
    found = {str(message) for _, _, message, _, _ in extract_from_dir(
        str(ROOT), methods, options, keywords={k: None for k in DOMAINS[domain]})}
    assert found == template(domain), "run scripts/i18n, then translate what it adds"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("locale", ["fr", "fa", "bn"])
def test_every_string_is_translated_with_the_same_placeholders(domain: str,
                                                               locale: str) -> None:
    catalog = i18n.catalog(locale, domain)
    wanted = template(domain)
    translated = {str(m.id): str(m.string) for m in catalog
                  if m.id and m.string and not m.fuzzy}
    assert sorted(wanted - set(translated)) == []
    for msgid in wanted:
        assert sorted(PLACEHOLDER.findall(translated[msgid])) == \
            sorted(PLACEHOLDER.findall(msgid)), (locale, msgid)
    # Real translations: hardly any string is left as the English ("Date" is French too).
    same = [m for m in wanted if translated[m] == m]
    assert len(same) <= max(2, len(wanted) // 10), same


def test_the_token_wins_then_the_browser_then_english() -> None:
    assert i18n.negotiate("fa-IR", accept="fr-FR,fr;q=0.9") == "fa"
    assert i18n.negotiate("fr_CA") == "fr"
    assert i18n.negotiate("de", accept="de-DE,de;q=0.9,bn;q=0.8,en;q=0.5") == "bn"
    assert i18n.negotiate(None, accept="en;q=0.3, fa;q=0.7") == "fa"
    assert i18n.negotiate(None, accept="fa;q=0, *;q=0.5") == "en"
    assert i18n.negotiate(None, accept=None) == "en"
    assert [i18n.direction(loc) for loc in i18n.LOCALES] == ["ltr", "ltr", "rtl", "ltr"]
    assert i18n.stripe_locale("fr") == "fr"
    assert i18n.stripe_locale("fa") == "auto"  # Stripe.js has no Persian


def test_amounts_are_exact_and_written_for_each_language() -> None:
    assert i18n.format_money(12000, "usd", "en") == "$120.00"
    # English writes CLDR's plain `en` symbols: only the US dollar is a bare "$".
    assert i18n.format_money(4500, "aud", "en") == "A$45.00"
    assert i18n.format_money(4500, "cad", "en") == "CA$45.00"
    assert i18n.format_money(4500, "eur", "en") == "€45.00"
    assert i18n.format_money(4500, "gbp", "en") == "£45.00"
    assert i18n.format_money(4500, "jpy", "en") == "¥4,500"
    assert i18n.format_money(-4500, "usd", "en") == "-$45.00"
    # A symbol made of letters stands apart from the digits (CLDR's currency spacing),
    # as Intl.NumberFormat in the widget writes it.
    assert i18n.format_money(4500, "sgd", "en") == "SGD\xa045.00"
    assert i18n.format_money(12000, "usd", "fr") == "120,00\xa0$US"
    assert i18n.format_money(123456, "eur", "fr") == "1\u202f234,56\xa0€"
    assert "۱۲۰٫۰۰" in i18n.format_money(12000, "usd", "fa")
    assert i18n.format_money(12000, "usd", "bn") == "১২০.০০\xa0US$"
    assert i18n.format_money(1500, "jpy", "fr") == "1\u202f500\xa0JPY"
    assert i18n.format_money(5250, "kwd", "en") == "KWD\xa05.250"
    # Beyond a float's exact range, still every digit.
    assert i18n.format_money(99_999_999_999_999_999, "usd", "en") == \
        "$999,999,999,999,999.99"



def test_amounts_show_paygates_decimals_never_the_locale_librarys() -> None:
    """The amount a patient reads is the amount charged: every supported currency is shown
    with paygate's exponent in every language, whatever CLDR says about its decimals."""
    latin = str.maketrans("۰۱۲۳۴۵۶۷۸۹০১২৩৪৫৬৭৮৯", "0123456789" * 2)
    for currency in SUPPORTED:
        places = exponent(currency)
        for locale in i18n.LOCALES:
            for minor in (1, 123456):
                text = i18n.format_money(minor, currency, locale).translate(latin)
                digits = "".join(ch for ch in text if ch.isdigit())
                assert digits == str(minor).rjust(places + 1, "0"), (currency, locale, text)
    # Stripe counts HUF in hundredths; CLDR (Babel 2.19) gives it no decimals at all.
    assert i18n.format_money(17550, "huf", "en") == "HUF\xa0175.50"
    assert i18n.format_money(17550, "huf", "fr") == "175,50\xa0HUF"
    assert exponent("huf") == 2


def test_stripes_special_currencies() -> None:
    # docs.stripe.com/currencies#special-cases, as paygate.domain.money describes them.
    assert (exponent("isk"), exponent("twd"), exponent("ugx"), exponent("huf")) == (2, 2, 0, 2)
    assert Money.from_major("175.50", "huf").amount == 17550
    for unsupported in ("isk", "twd", "ugx"):
        with pytest.raises(UnsupportedCurrency):
            Money(100, unsupported)


def test_dates_are_written_for_each_language() -> None:
    paid = datetime(2026, 11, 21, 14, 5, tzinfo=UTC)
    assert i18n.format_datetime(paid, "en") == "November 21, 2026, 2:05\u202fPM UTC"
    assert i18n.format_datetime(paid, "fr") == "21 novembre 2026, 14:05 TU"
    assert i18n.format_datetime(paid, "fa") == "۲۱ نوامبر ۲۰۲۶، ساعت ۱۴:۰۵ UTC"
    assert i18n.format_datetime(paid, "bn").startswith("২১ নভেম্বর, ২০২৬")


def facts(locale: str | None) -> ReceiptFacts:
    return ReceiptFacts(
        request_id="pr_1", to="pat@example.com", clinic_name="Sunrise <Clinic>",
        clinic_id="clinic_1", reply_to=None, amount=Money(12000, "usd"),
        description="Follow-up consultation", reference="PAY-7Q2X9K",
        paid_at=datetime(2026, 11, 21, 14, 5, tzinfo=UTC), card_brand="visa",
        card_last4="4242", locale=locale)


def test_a_receipt_in_french() -> None:
    draft = ReceiptWriter().draft(facts("fr-FR"))
    assert draft.subject == "Votre reçu de Sunrise <Clinic> (PAY-7Q2X9K)"
    assert "Merci. Sunrise <Clinic> a bien reçu votre paiement." in draft.text
    assert "Montant payé : 120,00\xa0$US" in draft.text
    assert "21 novembre 2026, 14:05 TU" in draft.text
    assert "Visa se terminant par 4242" in draft.text
    assert '<html lang="fr" dir="ltr">' in draft.html
    assert "Sunrise &lt;Clinic&gt;" in draft.html and "<Clinic>" not in draft.html
    assert "Reçu de paiement" in draft.html


def test_a_receipt_in_persian_reads_right_to_left() -> None:
    draft = ReceiptWriter().draft(facts("fa"))
    assert draft.subject == "رسید شما از Sunrise <Clinic> (PAY-7Q2X9K)"
    assert '<html lang="fa" dir="rtl">' in draft.html
    assert "رسید پرداخت" in draft.html and "۱۲۰٫۰۰" in draft.html
    # The reference reads left to right and never breaks at its hyphen: in its row and in
    # the footer's sentence.
    assert draft.html.count('<bdi dir="ltr" style="white-space:nowrap;">PAY-7Q2X9K</bdi>') == 2
    assert "text-align:right" in draft.html  # labels start on the right
    assert "شمارهٔ پیگیری: PAY-7Q2X9K" in draft.text


def test_a_receipt_without_a_locale_is_english() -> None:
    draft = ReceiptWriter().draft(facts(None))
    assert draft.subject == "Your receipt from Sunrise <Clinic> (PAY-7Q2X9K)"
    assert "Amount paid: $120.00" in draft.text
    assert '<html lang="en" dir="ltr">' in draft.html
