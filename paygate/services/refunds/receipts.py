"""The email a patient gets when a payment is refunded, in the language of their receipt."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from paygate import i18n
from paygate.domain.money import Money
from paygate.domain.refunds import Reason
from paygate.services.mail.outbox import Draft
from paygate.services.payments.receipts import card_label

REFUND_RECEIPT = "refund_receipt"


def patient_reason(reason: Reason, _: Callable[[str], str]) -> str:
    """The reason as the patient reads it (staff categories, in the patient's words)."""
    return {
        Reason.REQUESTED_BY_PATIENT: _("At your request"),
        Reason.DUPLICATE: _("Duplicate payment"),
        Reason.FRAUDULENT: _("Payment you did not authorise"),
        Reason.SERVICE_NOT_PROVIDED: _("Service not provided"),
        Reason.AMOUNT_ERROR: _("Amount corrected"),
        Reason.OTHER: _("Other"),
    }[reason]


@dataclass(frozen=True)
class RefundFacts:
    refund_key: str  # one email per refund: Stripe's refund id
    to: str
    clinic_name: str
    clinic_id: str
    reply_to: str | None
    refunded: Money
    paid: Money
    remaining: Money
    reason: Reason
    description: str
    reference: str
    refunded_at: datetime
    card_brand: str | None
    card_last4: str | None
    locale: str | None = None
    time_zone: str | None = None   # the clinic's; UTC when not set


class RefundReceiptWriter:
    def __init__(self) -> None:
        i18n.load_all()

    def draft(self, facts: RefundFacts) -> Draft:
        locale = i18n.normalize(facts.locale) or i18n.DEFAULT_LOCALE
        _ = i18n.translations(locale).gettext
        rtl = i18n.direction(locale) == "rtl"

        def money(value: Money) -> str:
            return i18n.format_money(value.amount, value.currency, locale)

        context = {
            "clinic": facts.clinic_name, "refunded": money(facts.refunded),
            "paid": money(facts.paid), "remaining": money(facts.remaining),
            "in_full": facts.remaining.amount == 0,
            "reason": patient_reason(facts.reason, _),
            "description": facts.description, "reference": facts.reference,
            "date": i18n.format_datetime(facts.refunded_at, locale, facts.time_zone),
            "card": card_label(facts.card_brand, facts.card_last4, locale),
            "start": "right" if rtl else "left", "end": "left" if rtl else "right",
        }
        env = i18n.template_env(locale)
        return Draft(
            kind=REFUND_RECEIPT, dedupe_key=f"refund:{facts.refund_key}", to=facts.to,
            subject=_("Refund from {clinic} ({reference})").format(
                clinic=facts.clinic_name, reference=facts.reference),
            text=env.get_template("email/refund.txt").render(context),
            html=env.get_template("email/refund.html").render(context),
            reply_to=facts.reply_to, clinic_id=facts.clinic_id,
        )
