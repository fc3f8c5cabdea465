"""The receipt email a patient gets once Stripe confirms their payment, in the patient's
language (the locale recorded with their receipt address; English when none was)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from paygate import i18n
from paygate.domain.money import Money
from paygate.services.mail.outbox import Draft

BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express",
          "discover": "Discover", "diners": "Diners Club", "jcb": "JCB",
          "unionpay": "UnionPay", "cartes_bancaires": "Cartes Bancaires"}


def card_label(brand: str | None, last4: str | None, locale: str = i18n.DEFAULT_LOCALE
               ) -> str | None:
    if not last4:
        return None
    _ = i18n.translations(locale).gettext
    name = BRANDS.get((brand or "").lower()) or (brand.title() if brand else _("Card"))
    return _("{brand} ending in {last4}").format(brand=name, last4=last4)


@dataclass(frozen=True)
class ReceiptFacts:
    request_id: str
    to: str
    clinic_name: str
    clinic_id: str
    reply_to: str | None
    amount: Money
    description: str
    reference: str
    paid_at: datetime
    card_brand: str | None
    card_last4: str | None
    locale: str | None = None
    time_zone: str | None = None   # the clinic's; UTC when not set


class ReceiptWriter:
    def __init__(self) -> None:
        i18n.load_all()  # at start-up: the catalogs are files

    def draft(self, facts: ReceiptFacts) -> Draft:
        locale = i18n.normalize(facts.locale) or i18n.DEFAULT_LOCALE
        _ = i18n.translations(locale).gettext
        rtl = i18n.direction(locale) == "rtl"
        context = {
            "clinic": facts.clinic_name,
            "amount": i18n.format_money(facts.amount.amount, facts.amount.currency, locale),
            "description": facts.description, "reference": facts.reference,
            "date": i18n.format_datetime(facts.paid_at, locale, facts.time_zone),
            "card": card_label(facts.card_brand, facts.card_last4, locale),
            # Email clients ignore logical CSS properties: the value column's side, spelled out.
            "start": "right" if rtl else "left", "end": "left" if rtl else "right",
        }
        env = i18n.template_env(locale)
        return Draft(
            kind="receipt", dedupe_key=f"receipt:{facts.request_id}", to=facts.to,
            subject=_("Your receipt from {clinic} ({reference})").format(
                clinic=facts.clinic_name, reference=facts.reference),
            text=env.get_template("email/receipt.txt").render(context),
            html=env.get_template("email/receipt.html").render(context),
            reply_to=facts.reply_to, clinic_id=facts.clinic_id,
        )
