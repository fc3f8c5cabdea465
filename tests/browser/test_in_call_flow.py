"""The whole in-call flow in a real Chromium: a clinician and a patient, each in their own
browser context, on a host video-call page that embeds paygate's panel."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from tests.browser.conftest import Host, shot
from tests.conftest import Stack
from tests.payments.conftest import Clinic

pytestmark = pytest.mark.browser


def open_call(contexts: Any, stack: Stack, host: Host, role: str, *, open_panel: bool,
              **claims: Any) -> Page:
    page = contexts().new_page()
    who = "Clinician" if role == "clinician" else "Patient"
    token = stack.token(role, **claims)
    page.goto(f"{host.url}/call?who={who}&launch={token}" + ("&open=1" if open_panel else ""))
    return page


def panel(page: Page) -> FrameLocator:
    return page.frame_locator("#paygate")


def card_form(page: Page) -> FrameLocator:
    return panel(page).frame_locator("iframe[title='Secure payment input frame']")


def request_payment(page: Page, amount: str, description: str) -> None:
    widget = panel(page)
    widget.get_by_role("button", name="Request Payment").click()
    widget.get_by_label("Amount").fill(amount)
    widget.get_by_label("Payment description").fill(description)
    widget.get_by_role("button", name="Request Payment").click()


def enter_card(page: Page, number: str) -> None:
    card = card_form(page)
    card.get_by_label("Card number").fill(number)
    card.get_by_label("Expiration date").fill("12 / 34")
    card.get_by_label("Security code").fill("123")
    card.get_by_label("ZIP / Postal code").fill("94107")


def start_paying(page: Page, email: str = "pat@example.com") -> None:
    widget = panel(page)
    widget.get_by_role("button", name="Pay now").click()
    widget.get_by_label("Email for your receipt").fill(email)


def test_the_seven_steps_of_an_in_call_payment(stack: Stack, host: Host, clinic: Clinic,
                                               contexts: Any) -> None:
    clinician = open_call(contexts, stack, host, "clinician", open_panel=False,
                          name="Dr Ada Grey")
    patient = open_call(contexts, stack, host, "patient", open_panel=True, name="Pat Doe")
    doctor, you = panel(clinician), panel(patient)
    expect(you.get_by_role("heading", name="No payment requested")).to_be_visible()

    # 1. The clinician opens Apps & Tools, clicks Request Payment, enters amount and
    #    description, and clicks Request Payment.
    clinician.get_by_role("button", name="Apps & Tools").click()
    doctor.get_by_role("button", name="Request Payment").click()
    doctor.get_by_label("Amount").fill("45.50")
    doctor.get_by_label("Payment description").fill("Follow-up consultation")
    expect(doctor.get_by_text("don\u2019t include clinical details")).to_be_visible()
    shot(clinician, "1-clinician-requests")
    doctor.get_by_role("button", name="Request Payment").click()

    # 2. The clinician sees the request and its live status.
    item = doctor.get_by_role("listitem").filter(has_text="Follow-up consultation")
    expect(item).to_contain_text("$45.50")
    expect(item.get_by_test_id("status")).to_have_text("Waiting for patient")
    expect(doctor.get_by_text("Live")).to_be_visible()
    shot(clinician, "2-clinician-sees-status")

    # 3. The patient in the same call sees the request and clicks Pay now.
    prompt = you.get_by_role("region", name="Payment requested")
    expect(prompt).to_contain_text("Sunrise Clinic")
    expect(prompt).to_contain_text("$45.50")
    expect(prompt).to_contain_text("Follow-up consultation")
    shot(patient, "3-patient-sees-request")
    start_paying(patient)

    # 4. The patient enters a receipt email and card details, and pays.
    enter_card(patient, "4242 4242 4242 4242")
    shot(patient, "4-patient-checkout")
    you.get_by_role("button", name="Pay $45.50").click()

    # 5. Confirmation with the payment's details, and the receipt by email.
    done = you.get_by_role("status", name="Payment successful")
    expect(done).to_contain_text("Payment successful")
    expect(done).to_contain_text("$45.50")
    expect(done).to_contain_text("Sunrise Clinic")
    expect(done).to_contain_text("Follow-up consultation")
    expect(done).to_contain_text("Visa ending in 4242")
    expect(done).to_contain_text("pat@example.com")
    reference = re.search(r"PAY-[0-9A-Z]{6}", done.inner_text())
    assert reference is not None
    shot(patient, "5-patient-confirmation")
    [mail] = stack.mail.mailbox.wait_for(lambda m: "pat@example.com" in m.to)
    assert reference.group(0) in mail.subject
    assert "$45.50" in mail.text() and "Visa ending in 4242" in mail.html()

    # 6. The clinician gets a "Payment received" pop-up that stays until dismissed.
    dialog = doctor.get_by_role("dialog", name="Payment received")
    expect(dialog).to_contain_text("$45.50")
    expect(dialog).to_contain_text("Follow-up consultation")
    expect(dialog).to_contain_text(reference.group(0))
    shot(clinician, "6-clinician-payment-received")
    clinician.wait_for_timeout(500)
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Dismiss").click()
    expect(dialog).to_be_hidden()
    expect(item.get_by_test_id("status")).to_have_text("Paid")
    assert "paygate:payment-received" in clinician.evaluate("window.paygateEvents")
    assert "paygate:payment-succeeded" in patient.evaluate("window.paygateEvents")

    # 7. The payment is on the clinic's Stripe account (sandbox dashboard).
    dashboard = contexts().new_page()
    dashboard.goto(f"{stack.sandbox_url}/dashboard/accounts/{clinic.account}")
    row = dashboard.get_by_role("row").filter(has_text="45.50 USD")
    expect(row).to_contain_text("succeeded")
    expect(row).to_contain_text("Payment to Sunrise Clinic")
    shot(dashboard, "7-sandbox-dashboard")
