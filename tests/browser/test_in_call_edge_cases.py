"""Declines, 3-D Secure, a cancel while the patient pays, and reloads at any step."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Host, shot
from tests.browser.test_in_call_flow import (
    card_form,
    enter_card,
    open_call,
    panel,
    request_payment,
    start_paying,
)
from tests.conftest import Stack
from tests.payments.conftest import Clinic, pay, seed

pytestmark = pytest.mark.browser


def both(contexts: Any, stack: Stack, host: Host) -> tuple[Page, Page]:
    clinician = open_call(contexts, stack, host, "clinician", open_panel=True)
    patient = open_call(contexts, stack, host, "patient", open_panel=True)
    expect(panel(patient).get_by_text("Live")).to_be_visible()
    return clinician, patient


def status_in_list(page: Page, description: str) -> Any:
    return panel(page).get_by_role("listitem").filter(
        has_text=description).get_by_test_id("status")


def test_a_declined_card_shows_stripes_message_and_another_card_pays(
        stack: Stack, host: Host, clinic: Clinic, contexts: Any) -> None:
    clinician, patient = both(contexts, stack, host)
    request_payment(clinician, "30", "Consultation fee")
    start_paying(patient)
    enter_card(patient, "4000 0000 0000 0002")
    you = panel(patient)
    you.get_by_role("button", name="Pay $30.00").click()

    expect(you.get_by_test_id("pay-error")).to_have_text(
        "The payment did not go through: Your card was declined.")
    shot(patient, "declined")
    expect(status_in_list(clinician, "Consultation fee")).to_have_text("Payment failed")
    expect(panel(clinician).get_by_text("Your card was declined.")).to_be_visible()

    card_form(patient).get_by_label("Card number").fill("5555 5555 5555 4444")
    you.get_by_role("button", name="Pay $30.00").click()
    expect(you.get_by_role("status", name="Payment successful")).to_contain_text(
        "Mastercard ending in 4444")
    expect(panel(clinician).get_by_role("dialog", name="Payment received")).to_be_visible()
    stack.mail.mailbox.wait_for(lambda m: "pat@example.com" in m.to)


def test_three_d_secure_completed_pays(stack: Stack, host: Host, clinic: Clinic,
                                       contexts: Any) -> None:
    clinician, patient = both(contexts, stack, host)
    request_payment(clinician, "80", "Specialist review")
    start_paying(patient)
    enter_card(patient, "4000 0027 6000 3184")
    you = panel(patient)
    you.get_by_role("button", name="Pay $80.00").click()

    challenge = you.frame_locator("iframe[title='3D Secure authentication']")
    expect(challenge.get_by_role("heading", name="3D Secure 2 Test Page")).to_be_visible()
    shot(patient, "3ds-challenge")
    challenge.get_by_role("button", name="Complete authentication").click()
    expect(you.get_by_role("status", name="Payment successful")).to_contain_text("$80.00")
    expect(panel(clinician).get_by_role("dialog", name="Payment received")
           ).to_contain_text("Specialist review")


def test_three_d_secure_failed_is_explained_and_nothing_is_paid(
        stack: Stack, host: Host, clinic: Clinic, contexts: Any) -> None:
    clinician, patient = both(contexts, stack, host)
    request_payment(clinician, "80", "Specialist review")
    start_paying(patient)
    enter_card(patient, "4000 0027 6000 3184")
    you = panel(patient)
    you.get_by_role("button", name="Pay $80.00").click()
    you.frame_locator("iframe[title='3D Secure authentication']").get_by_role(
        "button", name="Fail authentication").click()

    expect(you.get_by_test_id("pay-error")).to_contain_text("unable to authenticate")
    expect(you.get_by_role("button", name="Pay $80.00")).to_be_enabled()
    expect(status_in_list(clinician, "Specialist review")).to_have_text("Payment failed")
    assert stack.mail.mailbox.messages == []


def test_a_request_cancelled_while_the_patient_pays_is_shown_as_cancelled(
        stack: Stack, host: Host, clinic: Clinic, contexts: Any) -> None:
    clinician, patient = both(contexts, stack, host)
    request_payment(clinician, "25", "Consultation fee")
    start_paying(patient)
    enter_card(patient, "4242 4242 4242 4242")

    doctor = panel(clinician)
    doctor.get_by_role("button", name="Cancel request").click()
    doctor.get_by_role("dialog", name="Cancel this payment request?").get_by_role(
        "button", name="Cancel request").click()
    expect(status_in_list(clinician, "Consultation fee")).to_have_text("Cancelled")
    you = panel(patient)
    expect(you.get_by_role("heading", name="This payment request was cancelled")
           ).to_be_visible()
    expect(you.get_by_text("You have not been charged.")).to_be_visible()
    shot(patient, "cancelled-while-paying")
    expect(you.get_by_role("button", name="Pay $25.00")).to_have_count(0)


def test_reloading_at_any_step_keeps_each_person_in_the_call_on_the_right_screen(
        stack: Stack, host: Host, clinic: Clinic, contexts: Any) -> None:
    clinician, patient = both(contexts, stack, host)
    frame = patient.frame("paygate-Patient")
    assert frame is not None and "launch=" not in frame.url  # the token left the address

    # The clinician reloads with the form half filled in.
    doctor = panel(clinician)
    doctor.get_by_role("button", name="Request Payment").click()
    doctor.get_by_label("Amount").fill("60")
    clinician.reload()
    expect(doctor.get_by_label("Amount")).to_have_value("60")
    doctor.get_by_label("Payment description").fill("Consultation fee")
    doctor.get_by_role("button", name="Request Payment").click()

    # The patient reloads on the prompt, then in the checkout.
    you = panel(patient)
    expect(you.get_by_role("button", name="Pay now")).to_be_visible()
    patient.reload()
    start_paying(patient)
    patient.reload()
    expect(you.get_by_role("button", name="Pay $60.00")).to_be_visible()
    expect(you.get_by_label("Email for your receipt")).to_have_value("pat@example.com")
    enter_card(patient, "4242 4242 4242 4242")
    you.get_by_role("button", name="Pay $60.00").click()
    expect(you.get_by_role("status", name="Payment successful")).to_be_visible()

    # After paying: the confirmation and the unacknowledged pop-up survive reloads.
    patient.reload()
    expect(you.get_by_role("status", name="Payment successful")).to_contain_text("$60.00")
    expect(doctor.get_by_role("dialog", name="Payment received")).to_be_visible()
    clinician.reload()
    dialog = doctor.get_by_role("dialog", name="Payment received")
    expect(dialog).to_contain_text("$60.00")
    dialog.get_by_role("button", name="Dismiss").click()
    clinician.reload()
    expect(status_in_list(clinician, "Consultation fee")).to_have_text("Paid")
    expect(doctor.get_by_role("dialog")).to_have_count(0)
    for page in (clinician, patient):
        expect(panel(page).get_by_text("Payments are not available")).to_have_count(0)


def test_a_host_page_can_mount_the_widget_as_a_script_and_hear_its_events(
        stack: Stack, host: Host, clinic: Clinic, contexts: Any) -> None:
    page = contexts().new_page()
    page.goto(f"{host.url}/script?launch={stack.token('clinician')}")
    widget = page.locator("#payments")
    expect(widget.get_by_text("Live")).to_be_visible()
    widget.get_by_role("button", name="Request Payment").click()
    widget.get_by_label("Amount").fill("25")
    widget.get_by_label("Payment description").fill("Consultation fee")
    widget.get_by_role("button", name="Request Payment").click()
    expect(widget.get_by_test_id("status")).to_have_text("Waiting for patient")

    with stack.login("patient") as patient:
        request_id = patient.get("/api/v1/calls/call_1/payment-requests").json()[
            "requests"][0]["id"]
        pay(stack, patient.get(f"/api/v1/payment-requests/{request_id}").json())
    expect(widget.get_by_role("dialog", name="Payment received")).to_contain_text(
        "Consultation fee")
    assert page.evaluate("window.domEvents") == ["ready", "request-created",
                                                 "payment-received"]


def test_the_clinicians_form_takes_major_units_and_explains_what_it_refuses(
        stack: Stack, host: Host, contexts: Any) -> None:
    seed(stack, max_amount=20000)
    clinician = open_call(contexts, stack, host, "clinician", open_panel=True)
    doctor = panel(clinician)
    doctor.get_by_role("button", name="Request Payment").click()
    expect(doctor.get_by_text("Minimum $0.50, maximum $200.00.")).to_be_visible()
    doctor.get_by_label("Payment description").fill("Consultation fee")
    submit = doctor.get_by_role("button", name="Request Payment")
    for typed, message in [("", "Enter an amount."),
                           ("0.20", "The minimum amount is $0.50."),
                           ("12.345", "USD amounts take at most 2 decimals."),
                           ("250", "The maximum amount is $200.00."),
                           ("twelve", "Enter the amount as a number, for example 25.00.")]:
        doctor.get_by_label("Amount").fill(typed)
        submit.click()
        expect(doctor.get_by_role("alert").filter(has_text=message)).to_be_visible()

    doctor.get_by_label("Currency").select_option("jpy")
    doctor.get_by_label("Amount").fill("1500")
    submit.click()
    expect(doctor.get_by_role("listitem")).to_have_count(1)
    expect(doctor.get_by_role("listitem")).to_contain_text("¥1,500")
    with stack.login("clinician") as api:
        [created] = api.get("/api/v1/calls/call_1/payment-requests").json()["requests"]
    assert (created["amount"], created["currency"]) == (1500, "jpy")
