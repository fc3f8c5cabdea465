"""The receipt email a patient gets once Stripe confirms their payment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment, FileSystemLoader, select_autoescape

from paygate.domain.money import Money
from paygate.resources import resource_dir
from paygate.services.outbox import Draft

BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express",
          "discover": "Discover", "diners": "Diners Club", "jcb": "JCB",
          "unionpay": "UnionPay", "cartes_bancaires": "Cartes Bancaires"}


def card_label(brand: str | None, last4: str | None) -> str | None:
    if not last4:
        return None
    name = BRANDS.get((brand or "").lower(), (brand or "Card").title())
    return f"{name} ending in {last4}"


def format_date(value: datetime) -> str:
    return value.strftime("%d %B %Y, %H:%M UTC").lstrip("0")


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


class ReceiptWriter:
    def __init__(self) -> None:
        self._env = Environment(
            loader=FileSystemLoader(str(resource_dir("templates"))),
            autoescape=select_autoescape(["html"]), keep_trailing_newline=True,
        )

    def draft(self, facts: ReceiptFacts) -> Draft:
        context = {
            "clinic": facts.clinic_name, "amount": facts.amount.format(),
            "description": facts.description, "reference": facts.reference,
            "date": format_date(facts.paid_at),
            "card": card_label(facts.card_brand, facts.card_last4),
        }
        return Draft(
            kind="receipt", dedupe_key=f"receipt:{facts.request_id}", to=facts.to,
            subject=f"Your receipt from {facts.clinic_name} ({facts.reference})",
            text=self._env.get_template("email/receipt.txt").render(context),
            html=self._env.get_template("email/receipt.html").render(context),
            reply_to=facts.reply_to, clinic_id=facts.clinic_id,
        )
