"""The receipt as a PDF, in the patient's language, with fpdf2.

fpdf2 (well kept, pure Python) embeds subsets of the Noto fonts and writes real text
(extractable, searchable, read aloud), and with uharfbuzz it shapes complex scripts:
Bengali conjuncts and vowel signs, Persian letters joined right to left, with the Unicode
bidi algorithm placing Latin runs (a reference, a card brand) inside Persian lines.
Rendering is CPU work (tens of milliseconds): callers run it in a worker thread."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from paygate import i18n
from paygate.domain.receipts import Gst, Title
from paygate.services.payments.receipts import card_label
from paygate.services.receipts.document import ReceiptDocument
from paygate.services.receipts.fonts import FAMILIES, MAIN, font_files

WIDTH = 174.0   # A4 less 18 mm margins
MARGIN = 18.0
LINE = 6.0
LABEL_WIDTH = 52.0
COLUMNS = (26.0, 90.0, 28.0, 30.0)  # item number, description, GST, amount
_RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def service_date_text(value: date, locale: str) -> str:
    return i18n.native_digits(format_date(value, "long", locale=locale), locale)


class _Page:
    """Writing lines at the reading start (left, or right in Persian)."""

    def __init__(self, pdf: FPDF, locale: str) -> None:
        self.pdf = pdf
        self.family = MAIN.get(locale, "NotoSans")
        self.language = locale
        self.rtl = i18n.direction(locale) == "rtl"

    def style(self, size: float, bold: bool = False) -> None:
        # fpdf2 2.8.9 works around a line that starts in a fallback font by setting the
        # font inside that line's text object, then believes the page's font is still the
        # main one: the next text in the main font would be drawn with the fallback font's
        # glyphs (Bengali as digits). Forgetting what the page holds makes each cell set
        # its font again.
        self.pdf.set_font(self.family, "B" if bold else "", size)

    def cell(self, width: float, height: float, text: str, align: str, **kwargs: Any) -> Any:
        self.pdf.current_font_is_set_on_page = False  # see style()
        # A Persian receipt's paragraphs are right to left, but one with no Persian in it
        # (an address, a clinic's Latin name) keeps its own order: "1 Beach Rd".
        rtl = self.rtl and _RTL_LETTER.search(text) is not None
        self.pdf.set_text_shaping(use_shaping_engine=True, language=self.language,
                                  direction="rtl" if rtl else "ltr")
        return self.pdf.multi_cell(width, height, text, align=align, **kwargs)

    def x_of(self, offset: float, width: float) -> float:
        return MARGIN + (WIDTH - offset - width if self.rtl else offset)

    def align(self, end: bool = False) -> str:
        return "L" if end == self.rtl else "R"

    def text(self, value: str, size: float = 10, bold: bool = False, gap: float = 0) -> None:
        self.style(size, bold)
        self.pdf.set_x(MARGIN)
        self.cell(WIDTH, LINE if size <= 11 else size * 0.6, value, self.align(),
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if gap:
            self.pdf.ln(gap)

    def row(self, cells: list[tuple[str, float, bool]], bold: bool = False,
            rule: bool = False) -> None:
        """One table row: (text, width, aligned to the end); wrapped cells share a height."""
        self.style(9.5, bold)
        heights = [self.cell(w, 5, t, "L", dry_run=True, output="HEIGHT", padding=(1, 1))
                   for t, w, _ in cells]
        height = max(heights)
        if self.pdf.will_page_break(height):
            self.pdf.add_page()
        top, offset = self.pdf.get_y(), 0.0
        for text, width, end in cells:
            self.pdf.set_xy(self.x_of(offset, width), top)
            self.cell(width, 5, text, self.align(end), padding=(1, 1))
            offset += width
        self.pdf.set_y(top + height)
        if rule:
            self.pdf.line(MARGIN, self.pdf.get_y(), MARGIN + WIDTH, self.pdf.get_y())

    def pair(self, label: str, value: str, bold: bool = False) -> None:
        self.row([(label, LABEL_WIDTH, False), (value, WIDTH - LABEL_WIDTH, False)], bold)

    def total(self, label: str, value: str, bold: bool = False) -> None:
        self.row([("", COLUMNS[0], False), (label, COLUMNS[1] + COLUMNS[2], True),
                  (value, COLUMNS[3], True)], bold)


def _new_pdf(locale: str) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, MARGIN)
    files = font_files()
    for family in FAMILIES:
        for style in ("", "B"):
            pdf.add_font(family.name, style, str(files[(family.name, style)]))
    main = MAIN.get(locale, "NotoSans")
    pdf.set_font(main, "", 10)
    pdf.set_fallback_fonts([f.name for f in FAMILIES if f.name != main], exact_match=False)
    pdf.set_text_shaping(use_shaping_engine=True, language=locale)
    pdf.set_lang(locale)
    pdf.set_creator("paygate")
    return pdf


def render_pdf(doc: ReceiptDocument, locale: str | None) -> bytes:
    """The receipt in `locale` (English when it is not one of paygate's)."""
    where = i18n.normalize(locale) or i18n.DEFAULT_LOCALE
    _ = i18n.translations(where).gettext
    pdf = _new_pdf(where)
    page = _Page(pdf, where)

    def money(amount: int) -> str:
        return i18n.format_money(amount, doc.currency, where)

    title = _("Tax invoice") if doc.title is Title.TAX_INVOICE else _("Receipt")
    pdf.set_title(f"{title} {doc.reference}")
    pdf.set_creation_date(doc.paid_at)
    pdf.add_page()
    page.text(title, size=20, bold=True, gap=2)
    _supplier(page, doc, _)
    pdf.ln(3)
    _facts(page, doc, where, _)
    pdf.ln(4)
    _lines(page, doc, money, _)
    if doc.refunds:
        pdf.ln(3)
        _refunds(page, doc, where, money, _)
    if doc.footer:
        pdf.ln(6)
        page.text(doc.footer, size=9)
    return bytes(pdf.output())


def _supplier(page: _Page, doc: ReceiptDocument, _: Callable[[str], str]) -> None:
    page.text(doc.legal_name, size=13, bold=True)
    if doc.tax_id is not None:
        label = _("ABN") if doc.tax_id.label == "ABN" else doc.tax_id.label
        page.text(f"{label} {doc.tax_id.display()}")
    if doc.address:
        page.text(doc.address)
    if doc.phone:
        page.text(_("Phone: {phone}").format(phone=doc.phone))


def _facts(page: _Page, doc: ReceiptDocument, locale: str, _: Callable[[str], str]) -> None:
    page.pair(_("Reference"), doc.reference)
    page.pair(_("Payment date"), i18n.format_datetime(doc.paid_at, locale, doc.time_zone))
    page.pair(_("Date of service"), service_date_text(doc.service_date, locale))
    if doc.provider_name:
        page.pair(_("Provider"), doc.provider_name)
    if doc.provider_number:
        page.pair(_("Provider number"), doc.provider_number)
    card = card_label(doc.card_brand, doc.card_last4, locale)
    if card:
        page.pair(_("Paid with"), card)


def _lines(page: _Page, doc: ReceiptDocument, money: Callable[[int], str],
           _: Callable[[str], str]) -> None:
    item, described, gst, amount = COLUMNS
    page.row([(_("Item"), item, False), (_("Description"), described, False),
              (_("GST"), gst, False), (_("Amount"), amount, True)], bold=True, rule=True)
    for line in doc.lines:
        marking = _("GST-free") if line.gst is Gst.FREE else _("Taxable")
        page.row([(line.code or "", item, False), (line.description, described, False),
                  (marking, gst, False), (money(line.amount), amount, True)])
    page.pdf.line(MARGIN, page.pdf.get_y(), MARGIN + WIDTH, page.pdf.get_y())
    if doc.title is Title.TAX_INVOICE:
        page.total(_("Total (GST included)"), money(doc.amount), bold=True)
        page.total(_("GST included in the total"), money(doc.gst))
    else:
        page.total(_("Total"), money(doc.amount), bold=True)
    page.total(_("Amount paid"), money(doc.amount), bold=True)


def _refunds(page: _Page, doc: ReceiptDocument, locale: str, money: Callable[[int], str],
             _: Callable[[str], str]) -> None:
    page.text(_("Refunds"), size=11, bold=True)
    for refund in doc.refunds:
        when = i18n.format_datetime(refund.at, locale, doc.time_zone)
        page.total(_("Refunded on {date}").format(date=when), money(refund.amount))
    page.total(_("Total refunded"), money(doc.refunded), bold=True)
    page.total(_("Net amount paid"), money(doc.amount - doc.refunded), bold=True)
