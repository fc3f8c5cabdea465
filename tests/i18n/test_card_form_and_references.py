"""The card form, its declines and the lines around them in French, Persian and Bengali, in
a real Chromium: the sandbox's Payment Element follows the locale it is given as Stripe's
does ("auto", for the languages Stripe.js does not speak, is the browser's language), and
paygate frames the reason in the panel's language, isolated so it reads right in Persian.
References never break at their hyphen, in a narrow Persian dialog or an email."""

# ruff: noqa: RUF001  (Persian and Bengali text is the point here)
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import FrameLocator, Locator, Page, expect

from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, pay, request_payment, status_of, wait_until

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Form:
    lang: str             # the card form's <html lang>
    number: str           # its labels
    expiry: str
    cvc: str
    postal: str
    expiry_placeholder: str
    incomplete: str       # what it says under a card number left half typed


ENGLISH = Form("en", "Card number", "Expiration date", "Security code", "ZIP / Postal code",
               "MM / YY", "Your card number is incomplete.")
FRENCH = Form("fr", "Numéro de carte", "Date d'expiration", "Code de sécurité", "Code postal",
              "MM / AA", "Votre numéro de carte est incomplet.")


@dataclass(frozen=True)
class Case:
    claim: str            # the launch token's locale
    browser: str          # the browser's language
    form: Form            # the card form Stripe (and the stand-in) shows
    card: str
    failure: str          # the line under the card form after the decline
    pay_now: str


CASES = {
    # Stripe.js speaks French: the form, its checks and the decline are French.
    "fr": Case("fr", "fr-FR", FRENCH, "4000 0000 0000 0002",
               "Le paiement n’a pas abouti : Votre carte a été refusée.", "Payer maintenant"),
    # It speaks no Persian: "auto" in a Persian browser is English, as on Stripe; paygate
    # says why the card was refused in Persian.
    "fa": Case("fa", "fa-IR", ENGLISH, "4000 0000 0000 0002",
               "پرداخت انجام نشد: کارت شما رد شد.", "پرداخت کنید"),
    # Nor Bengali: "auto" in a French browser is French, as on Stripe; the panel and its
    # reason stay Bengali.
    "bn": Case("bn", "fr-FR", FRENCH, "4000 0000 0000 9995",
               "পেমেন্ট সম্পন্ন হয়নি: আপনার কার্ডে পর্যাপ্ত অর্থ নেই।", "এখনই পেমেন্ট করুন"),
}


def panel(browser: Any, stack: Stack, role: str, *, locale: str, browser_locale: str,
          width: int = 420, **claims: Any) -> Page:
    context = browser.new_context(locale=browser_locale,
                                  viewport={"width": width, "height": 820})
    page: Page = context.new_page()
    page.goto(f"{stack.url}/widget/frame?launch={stack.token(role, locale=locale, **claims)}")
    return page


def card_form(page: Page) -> FrameLocator:
    return page.frame_locator("iframe[title='Secure payment input frame']")


def fill_card(form: FrameLocator, words: Form, number: str) -> None:
    form.get_by_label(words.number).fill(number)
    form.get_by_label(words.expiry).fill("12 / 34")
    form.get_by_label(words.cvc).fill("123")
    form.get_by_label(words.postal).fill("94107")


def last_character_is_leftmost(line: Locator) -> bool:
    """Whether the line's last character (its full stop) is drawn at its left end, where
    a right-to-left sentence ends."""
    return bool(line.evaluate("""(el) => {
      const boxes = [];
      const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walk.nextNode(); node; node = walk.nextNode()) {
        for (let i = 0; i < node.length; i += 1) {
          if (!node.data[i].trim()) continue;
          const range = document.createRange();
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          boxes.push(range.getBoundingClientRect().left);
        }
      }
      return boxes[boxes.length - 1] <= Math.min(...boxes) + 0.5;
    }"""))


def full_stop_after(line: Locator, word: str) -> bool:
    """Whether the full stop just after `word` is drawn to its right (English order)."""
    return bool(line.evaluate("""(el, word) => {
      const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walk.nextNode(); node; node = walk.nextNode()) {
        const at = node.data.indexOf(word + ".");
        if (at < 0) continue;
        const box = (i) => { const r = document.createRange(); r.setStart(node, i);
          r.setEnd(node, i + 1); return r.getBoundingClientRect(); };
        return box(at + word.length).left >= box(at + word.length - 1).right - 0.5;
      }
      return false;
    }""", word))


def one_line_everywhere(page: Page, selector: str, widths: range) -> list[int]:
    """The viewport widths at which some element matching `selector` spans two lines."""
    broken = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": 820})
        lines = page.locator(selector).evaluate_all(
            "(els) => els.map((el) => new Set([...el.getClientRects()]"
            ".map((r) => Math.round(r.top))).size)")
        assert lines, selector
        if max(lines) > 1:
            broken.append(width)
    return broken


@pytest.mark.parametrize("locale", ["fr", "fa", "bn"])
def test_the_card_form_and_its_decline_speak_the_patients_language(
        stack: Stack, clinic: Clinic, login: Login, browser: Any, locale: str) -> None:
    case = CASES[locale]
    created = request_payment(login("clinician"), amount=4550, currency="usd")
    email = f"pat-{locale}@example.com"
    patient = panel(browser, stack, "patient", locale=case.claim, browser_locale=case.browser,
                    email=email)
    patient.get_by_role("button", name=case.pay_now).click()

    form = card_form(patient)
    expect(form.locator("html")).to_have_attribute("lang", case.form.lang)
    for label in (case.form.number, case.form.expiry, case.form.cvc, case.form.postal):
        expect(form.get_by_label(label)).to_be_visible()
    expect(form.get_by_label(case.form.expiry)).to_have_attribute(
        "placeholder", case.form.expiry_placeholder)
    # Half a card number, then on to the next field: the form says what is wrong.
    form.get_by_label(case.form.number).fill("4242 4242")
    form.get_by_label(case.form.expiry).focus()
    expect(form.get_by_role("alert")).to_have_text(case.form.incomplete)

    fill_card(form, case.form, case.card)
    pay = patient.locator("form button[type=submit]")
    pay.click()
    failure = patient.get_by_test_id("pay-error")
    expect(failure).to_have_text(case.failure)
    assert failure.evaluate("(el) => getComputedStyle(el).direction") == (
        "rtl" if locale == "fa" else "ltr")
    if locale == "fa":
        # The full stop ends the Persian sentence at its left, not in the middle.
        assert last_character_is_leftmost(failure)
        doctor = panel(browser, stack, "clinician", locale="fa", browser_locale="fa-IR")
        item = doctor.get_by_role("listitem").filter(has_text=created["reference"])
        note = item.locator(".pg-item-note")
        # Stripe's own reason, in English, keeps its full stop after its last word.
        expect(note).to_have_text(
            "آخرین تلاش ناموفق بود: Your card was declined. بیمار می‌تواند دوباره تلاش کند.")
        assert full_stop_after(note, "declined")
        doctor.context.close()

    # The patient tries again with a good card; the same form takes it.
    fill_card(form, case.form, "4242 4242 4242 4242")
    pay.click()
    wait_until(lambda: status_of(login("clinician"), created["id"]) == "paid")
    expect(failure).to_have_count(0)  # the confirmation replaced the checkout
    patient.context.close()


def test_a_reference_never_breaks_at_its_hyphen_in_persian(
        stack: Stack, clinic: Clinic, login: Login, browser: Any) -> None:
    clinician = login("clinician", name="Dr Ada Grey", user="dr-ada")
    created = request_payment(clinician, 4550, "usd", "Follow-up consultation")
    reference = created["reference"]
    patient = login("patient")
    assert patient.post(f"/api/v1/payment-requests/{created['id']}/receipt",
                        json={"email": "pat@example.com", "locale": "fa"}).status_code == 200
    assert pay(stack, patient.get(f"/api/v1/payment-requests/{created['id']}").json()
               ).status == "succeeded"
    wait_until(lambda: status_of(clinician, created["id"]) == "paid")
    doctor = panel(browser, stack, "clinician", locale="fa", browser_locale="fa-IR",
                   width=360, name="Dr Ada Grey", user="dr-ada")
    item = doctor.get_by_role("listitem").filter(has_text="Follow-up consultation")
    item.get_by_role("button", name=f"بازپرداخت پرداخت {reference}").click()
    dialog = doctor.get_by_role("dialog")
    expect(dialog.locator("bdi", has_text=reference)).to_be_visible()
    # A phone's width down to a narrow sidebar's: the reference stays on one line.
    assert one_line_everywhere(doctor, f"[role=dialog] bdi:text-is('{reference}')",
                               range(200, 424, 4)) == []
    doctor.context.close()

    # The Persian receipt, read on a narrow screen: in its row and in its footer sentence.
    [mail] = stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("رسید"))
    reader: Page = browser.new_page(viewport={"width": 360, "height": 820})
    reader.set_content(mail.html())
    expect(reader.locator("bdi", has_text=reference)).to_have_count(2)
    assert one_line_everywhere(reader, f"bdi:text-is('{reference}')",
                               range(200, 424, 4)) == []
    reader.close()


def test_english_amounts_mark_every_dollar_but_the_us_one(
        stack: Stack, clinic: Clinic, login: Login, browser: Any) -> None:
    """An Australian-dollar request in English: A$ in the panel and in the receipt, the
    same string from the widget's Intl and paygate's Babel."""
    created = request_payment(login("clinician"), amount=4550, currency="aud")
    patient = panel(browser, stack, "patient", locale="en", browser_locale="en-US",
                    email="pat-aud@example.com")
    prompt = patient.get_by_role("region", name="Payment requested")
    expect(prompt.locator(".pg-big")).to_have_text("A$45.50")
    prompt.get_by_role("button", name="Pay now").click()
    fill_card(card_form(patient), ENGLISH, "4242 4242 4242 4242")
    patient.get_by_role("button", name="Pay A$45.50").click()
    expect(patient.get_by_role("status", name="Payment successful")).to_contain_text("A$45.50")
    [mail] = stack.mail.mailbox.wait_for(lambda m: "pat-aud@example.com" in m.to)
    assert "Amount paid: A$45.50\n" in mail.text().replace("\r\n", "\n")
    assert created["amount_display"] == "AUD 45.50"  # the API keeps the ISO form
    patient.context.close()
