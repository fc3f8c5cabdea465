"""The receipt PDF as a claimant's software reads it: real text for every fact a claim
needs, in each language, written with glyphs from the embedded Noto fonts (no tofu)."""

# ruff: noqa: RUF001  (Persian and Bengali text is the point here)
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from paygate import i18n
from paygate.domain.receipts import Gst, LineItem
from paygate.domain.tax_ids import TaxId, TaxIdKind
from paygate.services.receipts.document import ReceiptDocument, RefundLine
from paygate.services.receipts.pdf import render_pdf
from tests.receipts.conftest import embedded_fonts, pdf_text, says

CONSULT = LineItem("Standard consultation", 8000, Gst.FREE, "23")
DRESSING = LineItem("Dressing pack", 1100, Gst.TAXABLE)
DOC = ReceiptDocument(
    request_id="pr_1", reference="PAY-ABC234", legal_name="Sunrise Clinic Pty Ltd",
    tax_id=TaxId(TaxIdKind.ABN, "51824753556"), gst_registered=True,
    address="1 Beach Road\nBondi NSW 2026", phone="02 9999 0000", footer="Thank you",
    provider_name="Dr Jane Citizen", provider_number="2423451T",
    service_date=date(2026, 12, 3), lines=(CONSULT, DRESSING), currency="aud", amount=9100,
    paid_at=datetime(2026, 12, 3, 1, 2, tzinfo=UTC), card_brand="visa", card_last4="4242",
    refunds=(), time_zone="Australia/Sydney")
GST_FREE = replace(DOC, lines=(replace(CONSULT, amount=9100),))

# What each language's receipt must say (its own words, digits and dates).
EXPECTED = {
    "en": {"tax": "Tax invoice", "receipt": "Receipt", "free": "GST-free",
           "service": "December 3, 2026", "total": "A$91.00", "gst": "A$1.00"},
    "fr": {"tax": "Facture fiscale", "receipt": "Reçu", "free": "Exonéré de TPS",
           "service": "3 décembre 2026", "total": "91,00 $AU", "gst": "1,00 $AU"},
    "fa": {"tax": "صورتحساب مالیاتی", "receipt": "رسید", "free": "معاف از",
           "service": "دسامبر", "total": "۹۱٫۰۰", "gst": "۱٫۰۰"},
    "bn": {"tax": "ট্যাক্স ইনভয়েস", "receipt": "রসিদ", "free": "জিএসটি-মুক্ত",
           "service": "৩ ডিসেম্বর, ২০২৬", "total": "৯১.০০", "gst": "১.০০"},
}
FONT = {"en": "NotoSans", "fr": "NotoSans", "fa": "NotoSansArabic", "bn": "NotoSansBengali"}


@pytest.mark.parametrize("locale", EXPECTED)
def test_a_taxable_consultation_is_a_tax_invoice_with_its_gst(locale: str) -> None:
    text = pdf_text(render_pdf(DOC, locale))
    want = EXPECTED[locale]
    for fact in (want["tax"], "Sunrise Clinic Pty Ltd", "51 824 753 556", "Dr Jane Citizen",
                 "2423451T", want["service"], "23", "Standard consultation", "Dressing pack",
                 want["free"], want["total"], want["gst"], "4242", "Visa", "PAY-ABC234"):
        assert says(text, fact), (locale, fact, text)


@pytest.mark.parametrize("locale", EXPECTED)
def test_a_gst_free_consultation_is_a_receipt_marked_gst_free(locale: str) -> None:
    text = pdf_text(render_pdf(GST_FREE, locale))
    want = EXPECTED[locale]
    assert says(text, want["receipt"]) and not says(text, want["tax"])
    assert says(text, want["free"]) and says(text, want["total"])
    assert not says(text, i18n.translations(locale).gettext("GST included in the total"))


@pytest.mark.parametrize("locale", ["fa", "bn", "en"])
def test_every_glyph_comes_from_the_embedded_noto_fonts(
        locale: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        fonts = embedded_fonts(render_pdf(DOC, locale))
    assert FONT[locale] in fonts and fonts[FONT[locale]]["cids"] > 10
    assert {name: f["notdef"] for name, f in fonts.items() if f["notdef"]} == {}
    assert not [r for r in caplog.records if "missing" in r.getMessage()]


def test_a_refund_is_listed_with_what_is_still_paid() -> None:
    refunded = replace(DOC, refunds=(RefundLine(1100, datetime(2026, 12, 4, tzinfo=UTC)),))
    text = pdf_text(render_pdf(refunded, "en"))
    assert "Refunds" in text and "Refunded on December 4, 2026" in text
    assert "Total refunded A$11.00" in text and "Net amount paid A$80.00" in text


def test_another_countrys_tax_id_is_printed_with_its_label() -> None:
    doc = replace(GST_FREE, tax_id=TaxId(TaxIdKind.OTHER, "GB 123 4567 89", "VAT"),
                  gst_registered=False, currency="gbp")
    assert "VAT GB 123 4567 89" in pdf_text(render_pdf(doc, "en"))
