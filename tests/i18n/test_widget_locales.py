"""The patient's panel, its payment and the receipt in English, French, Persian and Bengali,
in a real Chromium: the locale comes from the launch token, else the browser's language."""

# ruff: noqa: RUF001  (Persian and Bengali digits are the point here)
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import Stack, screenshots_dir
from tests.payments.conftest import Clinic, Login, request_payment

SCREENSHOTS = screenshots_dir()


@dataclass(frozen=True)
class Words:
    prompt: str          # the "Payment requested" card's heading
    pay_now: str
    amount: str          # 120 US dollars as this language writes it (a part that proves it)
    pay: str             # the pay button, before the amount
    card_details: str
    stripe_locale: str
    done: str
    date_digits: str     # a year in the locale's digits on the confirmation
    subject: str         # the receipt's subject, before the reference
    receipt_line: str    # a line of the plain-text receipt


WORDS = {
    "en": Words("Payment requested", "Pay now", "$120.00", "Pay $120.00", "Card details",
                "en", "Payment successful", r"\d{4}", "Your receipt from Sunrise Clinic",
                "Amount paid: $120.00"),
    "fr": Words("Paiement demandé", "Payer maintenant", "120,00 $US", "Payer 120,00 $US",
                "Informations de la carte", "fr", "Paiement réussi", r"\d{4}",
                "Votre reçu de Sunrise Clinic", "Montant payé : 120,00\xa0$US"),
    "fa": Words("درخواست پرداخت", "پرداخت کنید", "۱۲۰٫۰۰", "پرداخت", "مشخصات کارت", "auto",
                "پرداخت با موفقیت انجام شد", r"[۰-۹]{4}", "رسید شما از Sunrise Clinic",
                "مبلغ پرداخت‌شده: "),
    "bn": Words("পেমেন্টের অনুরোধ", "এখনই পেমেন্ট করুন", "১২০.০০", "পেমেন্ট করুন",
                "কার্ডের তথ্য", "auto", "পেমেন্ট সফল হয়েছে", r"[০-৯]{4}",
                "Sunrise Clinic থেকে আপনার রসিদ", "পরিশোধিত পরিমাণ: ১২০.০০\xa0US$"),
}


def open_panel(browser: Any, stack: Stack, role: str, *, browser_locale: str,
               **claims: Any) -> Page:
    context = browser.new_context(locale=browser_locale, viewport={"width": 420, "height": 820})
    page: Page = context.new_page()
    page.goto(f"{stack.url}/widget/frame?launch={stack.token(role, **claims)}")
    return page


# The card form's labels: French where Stripe.js is given "fr"; English for "auto" in these
# tests' browsers (en, fa, bn: Stripe.js speaks no Persian or Bengali).
CARD_LABELS = {"fr": ("Numéro de carte", "Date d'expiration", "Code de sécurité",
                      "Code postal")}
ENGLISH_CARD_LABELS = ("Card number", "Expiration date", "Security code", "ZIP / Postal code")


def pay_with_card(page: Page, words: Words) -> None:
    card = page.frame_locator("iframe[title='Secure payment input frame']")
    number, expiry, cvc, postal = CARD_LABELS.get(words.stripe_locale, ENGLISH_CARD_LABELS)
    card.get_by_label(number).fill("4242 4242 4242 4242")
    card.get_by_label(expiry).fill("12 / 34")
    card.get_by_label(cvc).fill("123")
    card.get_by_label(postal).fill("94107")
    pay = page.locator("form button[type=submit]")
    expect(pay).to_contain_text(words.pay)
    expect(pay).to_contain_text(words.amount)
    expect(pay).to_be_enabled()
    if words is not WORDS["en"]:
        locale = page.locator("html").get_attribute("lang")
        page.screenshot(path=str(SCREENSHOTS / f"i18n-{locale}.png"), animations="disabled")
    pay.click()


@pytest.mark.browser
@pytest.mark.parametrize(("claim", "browser_locale", "locale"), [
    pytest.param("en", "fr-FR", "en", id="en"),
    pytest.param("fr-FR", "fa-IR", "fr", id="fr-token-beats-browser"),
    pytest.param("fa-IR", "en-US", "fa", id="fa-rtl"),
    pytest.param(None, "bn-BD", "bn", id="bn-from-browser"),
])
def test_the_patient_pays_in_their_language(stack: Stack, clinic: Clinic, login: Login,
                                            browser: Any, claim: str | None,
                                            browser_locale: str, locale: str) -> None:
    words = WORDS[locale]
    email = f"pat-{locale}@example.com"
    if locale == "fa":
        # The clinician's panel in Persian, the amount typed with Persian digits.
        doctor = open_panel(browser, stack, "clinician", browser_locale="fa-IR", locale="fa")
        expect(doctor.locator("html")).to_have_attribute("dir", "rtl")
        doctor.get_by_role("button", name="درخواست پرداخت").click()
        doctor.get_by_label("مبلغ").fill("۱۲۰٫۰۰")
        doctor.get_by_label("شرح پرداخت").fill("Follow-up consultation")
        doctor.locator("form button[type=submit]").click()
        item = doctor.get_by_role("listitem").filter(has_text="Follow-up consultation")
        expect(item).to_contain_text("۱۲۰٫۰۰")
        expect(item.get_by_test_id("status")).to_have_text("در انتظار بیمار")
    else:
        request_payment(login("clinician"), amount=12000, currency="usd")

    patient = open_panel(browser, stack, "patient", browser_locale=browser_locale,
                         locale=claim, email=email)
    html = patient.locator("html")
    expect(html).to_have_attribute("lang", locale)
    expect(html).to_have_attribute("dir", "rtl" if locale == "fa" else "ltr")
    prompt = patient.get_by_role("region", name=words.prompt)
    expect(prompt).to_contain_text(words.amount)
    expect(prompt).to_contain_text("Follow-up consultation")
    prompt.get_by_role("button", name=words.pay_now).click()

    card_group = patient.get_by_role("group", name=words.card_details)
    stripe_frame = card_group.locator("iframe[title='Secure payment input frame']")
    expect(stripe_frame).to_have_attribute("src", re.compile(
        rf"[?&]locale={words.stripe_locale}(&|#|$)"))
    assert patient.evaluate("window.Stripe !== undefined")
    pay_with_card(patient, words)

    done = patient.get_by_role("status", name=words.done)
    expect(done).to_contain_text(words.amount)
    expect(done).to_contain_text(re.compile(words.date_digits))
    expect(done.locator("bdi", has_text=re.compile(r"^PAY-"))).to_have_css(
        "unicode-bidi", "isolate")

    [mail] = stack.mail.mailbox.wait_for(lambda m: email in m.to)
    assert mail.subject.startswith(words.subject)
    assert words.receipt_line in mail.text()
    assert f'<html lang="{locale}" dir="{"rtl" if locale == "fa" else "ltr"}">' in mail.html()
    patient.context.close()


def test_the_catalog_endpoint_negotiates_like_the_panel(stack: Stack) -> None:
    with httpx.Client(base_url=stack.url) as client:
        persian = client.get("/widget/i18n/fa-IR.json", headers={"Accept-Language": "fr"})
        assert persian.status_code == 200
        body = persian.json()
        assert (body["locale"], body["dir"], body["stripe_locale"]) == ("fa", "rtl", "auto")
        assert body["messages"]["Pay now"] == "پرداخت کنید"
        browser = client.get("/widget/i18n/auto.json",
                             headers={"Accept-Language": "de-DE,bn;q=0.8"}).json()
        assert browser["locale"] == "bn" and browser["currency_display"] == "symbol"
        unknown = client.get("/widget/i18n/xx.json").json()
        assert unknown["locale"] == "en" and unknown["messages"] == {}
        frame = client.get("/widget/frame", headers={"Accept-Language": "fr-CA,fr"})
        assert '<html lang="fr" dir="ltr"' in frame.text
        assert "<title>Paiements</title>" in frame.text
        assert frame.headers["content-language"] == "fr"
        spec = client.get("/openapi.json").json()
        assert "get" in spec["paths"]["/widget/i18n/{tag}.json"]


def test_the_receipt_language_follows_the_patients_browser(stack: Stack, clinic: Clinic,
                                                           login: Login) -> None:
    from tests.payments.conftest import pay

    created = request_payment(login("clinician"))
    patient = login("patient")
    response = patient.post(f"/api/v1/payment-requests/{created['id']}/receipt",
                            json={"email": "pat@example.com"},
                            headers={"Accept-Language": "fa-IR,fa;q=0.9"})
    assert response.status_code == 200, response.text
    pay(stack, patient.get(f"/api/v1/payment-requests/{created['id']}").json())
    [mail] = stack.mail.mailbox.wait_for(lambda m: "pat@example.com" in m.to)
    assert mail.subject == f"رسید شما از Sunrise Clinic ({created['reference']})"
    assert 'dir="rtl"' in mail.html()
    too_long = patient.post(f"/api/v1/payment-requests/{created['id']}/receipt",
                            json={"email": "pat@example.com", "locale": "x" * 40})
    assert too_long.status_code == 400
    assert too_long.json()["error"]["code"]
