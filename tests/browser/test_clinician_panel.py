"""The clinician's panel while things happen: a payment arrives mid-typing, the patient opens
and leaves the checkout, a cancel is asked about first, an empty amount is named."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Host, shot
from tests.browser.test_in_call_edge_cases import both, status_in_list
from tests.browser.test_in_call_flow import enter_card, open_call, panel, request_payment
from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, login, pay, status_of
from tests.payments.conftest import request_payment as api_request

pytestmark = pytest.mark.browser
__all__ = ["login"]  # a fixture used here


def test_the_clinician_keeps_working_while_a_payment_received_pop_up_is_shown(
        stack: Stack, host: Host, clinic: Clinic, login: Login, contexts: Any) -> None:
    first = api_request(login("clinician"), 3000, description="Consultation fee")
    clinician = open_call(contexts, stack, host, "clinician", open_panel=True)
    doctor = panel(clinician)
    expect(status_in_list(clinician, "Consultation fee")).to_have_text("Waiting for patient")

    # Halfway through typing the next request's amount, the first one is paid.
    doctor.get_by_role("button", name="Request Payment").click()
    amount = doctor.get_by_label("Amount")
    amount.press_sequentially("4")
    patient = login("patient")
    pay(stack, patient.get(f"/api/v1/payment-requests/{first['id']}").json())
    received = doctor.get_by_role("dialog", name="Payment received")
    expect(received).to_contain_text("$30.00")
    expect(received).not_to_have_attribute("aria-modal", "true")
    expect(doctor.get_by_test_id("announcer")).to_have_text(
        "Payment received: $30.00, Consultation fee.")
    paid_item = doctor.get_by_role("listitem").filter(has_text="Consultation fee")
    expect(paid_item.get_by_test_id("received")).to_have_text("New")
    expect(paid_item.get_by_test_id("status")).to_have_text("Paid")
    # Typing goes on where it was: the pop-up did not take the focus or block the form.
    expect(amount).to_be_focused()
    clinician.keyboard.type("5")
    expect(amount).to_have_value("45")
    doctor.get_by_label("Payment description").fill("Prescription")
    shot(clinician, "clinician-works-under-pop-up")
    doctor.get_by_role("button", name="Request Payment").click()
    expect(status_in_list(clinician, "Prescription")).to_have_text("Waiting for patient")
    expect(received).to_be_visible()

    # It stays until dismissed; then the list's chip goes too.
    received.get_by_role("button", name="Dismiss").click()
    expect(received).to_have_count(0)
    expect(paid_item.get_by_test_id("received")).to_have_count(0)
    expect(paid_item.get_by_test_id("status")).to_have_text("Paid")


def test_patient_is_paying_shows_while_the_patient_has_the_checkout_open(
        stack: Stack, host: Host, clinic: Clinic, contexts: Any) -> None:
    clinician, patient = both(contexts, stack, host)
    you = panel(patient)
    request_payment(clinician, "25", "Consultation fee")
    status = status_in_list(clinician, "Consultation fee")
    expect(status).to_have_text("Waiting for patient")

    you.get_by_role("button", name="Pay now").click()
    expect(status).to_have_text("Patient is paying\u2026")
    expect(panel(clinician).get_by_test_id("announcer")).to_have_text(
        "The patient is paying $25.00, Consultation fee.")
    shot(clinician, "clinician-patient-is-paying")
    you.get_by_role("button", name="Back").click()
    expect(status).to_have_text("Waiting for patient")

    # Back in, and paid: the clinician's list follows every step.
    you.get_by_role("button", name="Pay now").click()
    expect(status).to_have_text("Patient is paying\u2026")
    you.get_by_label("Email for your receipt").fill("pat@example.com")
    enter_card(patient, "4242 4242 4242 4242")
    you.get_by_role("button", name="Pay $25.00").click()
    expect(you.get_by_role("status", name="Payment successful")).to_be_visible()
    expect(status).to_have_text("Paid")


def test_cancel_asks_first_and_keep_keeps_the_request(
        stack: Stack, host: Host, clinic: Clinic, login: Login, contexts: Any) -> None:
    clinician = login("clinician")
    lab = api_request(clinician, 4000, description="Lab review")
    visit = api_request(clinician, 2500, description="Consultation fee")
    page = open_call(contexts, stack, host, "clinician", open_panel=True)
    doctor = panel(page)
    item = doctor.get_by_role("listitem").filter(has_text="Consultation fee")
    cancel = item.get_by_role("button", name=f"Cancel request {visit['reference']}")

    cancel.click()
    ask = doctor.get_by_role("dialog", name="Cancel this payment request?")
    expect(ask).to_contain_text("$25.00")
    expect(ask).to_contain_text(visit["reference"])
    expect(ask.get_by_role("button", name="Keep request")).to_be_focused()
    shot(page, "clinician-cancel-asks")
    ask.get_by_role("button", name="Keep request").click()
    expect(ask).to_have_count(0)
    expect(cancel).to_be_focused()
    cancel.press("Enter")
    page.keyboard.press("Escape")
    expect(ask).to_have_count(0)
    assert status_of(clinician, visit["id"]) == "requested"
    expect(item.get_by_test_id("status")).to_have_text("Waiting for patient")

    # Paid while the clinician is still deciding: nothing is left to cancel.
    lab_item = doctor.get_by_role("listitem").filter(has_text="Lab review")
    lab_item.get_by_role("button", name=f"Cancel request {lab['reference']}").click()
    expect(ask).to_contain_text("Lab review")
    pay(stack, login("patient").get(f"/api/v1/payment-requests/{lab['id']}").json())
    expect(ask).to_have_count(0)
    expect(lab_item.get_by_test_id("status")).to_have_text("Paid")
    assert status_of(clinician, lab["id"]) == "paid"
    doctor.get_by_role("dialog", name="Payment received").get_by_role(
        "button", name="Dismiss").click()

    cancel.click()
    ask.get_by_role("button", name="Cancel request").click()
    expect(item.get_by_test_id("status")).to_have_text("Cancelled")
    expect(ask).to_have_count(0)
    assert status_of(clinician, visit["id"]) == "cancelled"
    expect(doctor.get_by_role("heading", name="Requests in this call")).to_be_focused()
