"""One call, several payments: a consultation, then a prescription, then a lab fee. Each one
is paid in the same panel without a reload, whatever happened to the one before (a decline
and a retry, 3-D Secure), by mouse and by keyboard."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.a11y.conftest import focus_ring
from tests.browser.conftest import Host
from tests.browser.test_in_call_edge_cases import both, status_in_list
from tests.browser.test_in_call_flow import card_form, enter_card, panel, request_payment
from tests.conftest import Stack
from tests.payments.conftest import Clinic

pytestmark = pytest.mark.browser


def dismiss_received(clinician: Page, description: str) -> None:
    dialog = panel(clinician).get_by_role("dialog", name="Payment received")
    expect(dialog).to_contain_text(description)
    dialog.get_by_role("button", name="Dismiss").click()
    expect(dialog).to_have_count(0)


def tab_to(page: Page, text: str, limit: int = 30) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focus_ring(page.frame("paygate-Patient"))["text"] == text:
            return
    raise AssertionError(f"Tab never reached {text!r}")


def test_three_payments_in_one_call_with_a_decline_and_3d_secure(
        stack: Stack, host: Host, clinic: Clinic, contexts: Any) -> None:
    clinician, patient = both(contexts, stack, host)
    you = panel(patient)

    # 1. A consultation: the first card is declined, another card pays.
    request_payment(clinician, "30", "Consultation fee")
    you.get_by_role("button", name="Pay now").click()
    you.get_by_label("Email for your receipt").fill("pat@example.com")
    enter_card(patient, "4000 0000 0000 0002")
    you.get_by_role("button", name="Pay $30.00").click()
    expect(you.get_by_test_id("pay-error")).to_have_text(
        "The payment did not go through: Your card was declined.")
    card_form(patient).get_by_label("Card number").fill("4242 4242 4242 4242")
    you.get_by_role("button", name="Pay $30.00").click()
    expect(you.get_by_role("status", name="Payment successful")).to_contain_text("$30.00")
    expect(status_in_list(clinician, "Consultation fee")).to_have_text("Paid")
    dismiss_received(clinician, "Consultation fee")
    you.get_by_role("button", name="Done").click()

    # 2. A prescription, by mouse, with 3-D Secure. Back works on the way.
    request_payment(clinician, "80", "Prescription")
    you.get_by_role("button", name="Pay now").click()
    expect(you.get_by_role("button", name="Pay $80.00")).to_be_visible()
    you.get_by_role("button", name="Back").click()
    expect(you.get_by_role("region", name="Payment requested")).to_contain_text("Prescription")
    you.get_by_role("button", name="Pay now").click()
    expect(you.get_by_label("Email for your receipt")).to_have_value("pat@example.com")
    enter_card(patient, "4000 0027 6000 3184")
    you.get_by_role("button", name="Pay $80.00").click()
    challenge = you.frame_locator("iframe[title='3D Secure authentication']")
    challenge.get_by_role("button", name="Complete authentication").click()
    expect(you.get_by_role("status", name="Payment successful")).to_contain_text("$80.00")
    expect(status_in_list(clinician, "Prescription")).to_have_text("Paid")
    dismiss_received(clinician, "Prescription")

    # 3. A lab fee, by keyboard only, straight from the confirmation of the last one.
    request_payment(clinician, "25", "Lab fee")
    you.get_by_role("button", name="Done").focus()
    patient.keyboard.press("Enter")
    tab_to(patient, "Pay now")
    patient.keyboard.press("Enter")
    expect(you.get_by_role("button", name="Pay $25.00")).to_be_enabled()
    expect(you.get_by_label("Email for your receipt")).to_be_focused()
    card = card_form(patient)
    for field, typed in [("number", "4242 4242 4242 4242"), ("expiry", "12 / 34"),
                         ("cvc", "123"), ("postal", "94107")]:
        patient.keyboard.press("Tab")
        expect(card.locator(f"#{field}")).to_be_focused()
        patient.keyboard.type(typed)
    patient.keyboard.press("Tab")
    expect(you.get_by_role("button", name="Pay $25.00")).to_be_focused()
    patient.keyboard.press("Enter")
    expect(you.get_by_role("status", name="Payment successful")).to_contain_text("$25.00")
    dismiss_received(clinician, "Lab fee")

    # The clinician sees each one paid; the patient lists all three.
    for description in ("Consultation fee", "Prescription", "Lab fee"):
        expect(status_in_list(clinician, description)).to_have_text("Paid")
    you.get_by_role("button", name="Done").click()
    expect(you.get_by_role("listitem")).to_have_count(3)
    expect(you.get_by_role("region", name="Payment requested")).to_have_count(0)
