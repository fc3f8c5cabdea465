"""The refund email in the patient's language: what was refunded, what is still paid, why."""

# ruff: noqa: RUF001  (Persian digits are the point here)
from __future__ import annotations

from datetime import UTC, datetime

from paygate.domain.money import Money
from paygate.domain.refunds import Reason
from paygate.services.refunds.receipts import RefundFacts, RefundReceiptWriter


def facts(locale: str | None, refunded: int = 2000, reason: Reason = Reason.DUPLICATE
          ) -> RefundFacts:
    return RefundFacts(
        refund_key="re_123", to="pat@example.com", clinic_name="Sunrise <Clinic>",
        clinic_id="clinic_1", reply_to="billing@sunrise.example",
        refunded=Money(refunded, "usd"), paid=Money(12000, "usd"),
        remaining=Money(12000 - refunded, "usd"), reason=reason,
        description="Follow-up consultation", reference="PAY-7Q2X9K",
        refunded_at=datetime(2026, 11, 21, 14, 5, tzinfo=UTC), card_brand="visa",
        card_last4="4242", locale=locale)


def test_an_english_refund_email_for_a_partial_refund() -> None:
    draft = RefundReceiptWriter().draft(facts(None))
    assert (draft.kind, draft.dedupe_key, draft.reply_to) == \
        ("refund_receipt", "refund:re_123", "billing@sunrise.example")
    assert draft.subject == "Refund from Sunrise <Clinic> (PAY-7Q2X9K)"
    assert "Sunrise <Clinic> has refunded $20.00 of your payment." in draft.text
    assert "Still paid after this refund: $100.00" in draft.text
    assert "Reason: Duplicate payment" in draft.text
    assert "Refunded to: Visa ending in 4242" in draft.text
    assert "Sunrise &lt;Clinic&gt;" in draft.html and "<Clinic>" not in draft.html


def test_a_full_refund_says_so() -> None:
    draft = RefundReceiptWriter().draft(facts(None, refunded=12000,
                                              reason=Reason.REQUESTED_BY_PATIENT))
    assert "Your payment has been refunded in full." in draft.text
    assert "Still paid after" not in draft.text
    assert "Nothing: refunded in full" in draft.html and "At your request" in draft.html


def test_french_and_persian_refund_emails() -> None:
    french = RefundReceiptWriter().draft(facts("fr-FR"))
    assert french.subject == "Remboursement de Sunrise <Clinic> (PAY-7Q2X9K)"
    assert "Montant remboursé : 20,00\xa0$US" in french.text
    assert "Motif : Paiement en double" in french.text
    persian = RefundReceiptWriter().draft(facts("fa"))
    assert '<html lang="fa" dir="rtl">' in persian.html
    assert "بازپرداخت از Sunrise <Clinic> (PAY-7Q2X9K)" == persian.subject
    assert "۲۰٫۰۰" in persian.text and "text-align:right" in persian.html
