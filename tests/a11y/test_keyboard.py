"""A whole in-call payment with the keyboard only: the clinician requests, the patient pays
(Stripe's card fields included), every focused control shows a visible ring, and the status
changes are spoken through the panels' live regions."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.a11y.conftest import focus_ring, focus_ring_on
from tests.admin.conftest import admin_browser, seed
from tests.conftest import Stack
from tests.payments.conftest import Clinic, request_payment

pytestmark = pytest.mark.browser
__all__ = ["admin_browser"]  # a fixture used here


def open_panel(browser: Any, stack: Stack, role: str, **claims: Any) -> Page:
    context = browser.new_context(viewport={"width": 420, "height": 820})
    page: Page = context.new_page()
    page.goto(f"{stack.url}/widget/frame?launch={stack.token(role, **claims)}")
    return page


def tab_to(page: Page, text: str, limit: int = 25) -> dict[str, Any]:
    """Press Tab until the focused control says `text`; it must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = focus_ring(page)
        if focused["text"] == text:
            assert focused["visible"], f"no visible focus on {text!r}: {focused}"
            return focused
    raise AssertionError(f"Tab never reached {text!r}")


def focused_id(page: Any) -> str:
    return str(page.evaluate("document.activeElement.id"))


def test_a_payment_with_the_keyboard_only(stack: Stack, clinic: Clinic, browser: Any) -> None:
    doctor = open_panel(browser, stack, "clinician", name="Dr Ada Grey")
    patient = open_panel(browser, stack, "patient", name="Pat Doe", email="pat@example.com")
    doctor_says, patient_says = doctor.get_by_test_id("announcer"), patient.get_by_test_id(
        "announcer")
    expect(patient.get_by_role("heading", name="No payment requested")).to_be_visible()
    expect(doctor.get_by_text("Live")).to_be_visible()

    # The clinician: Tab to Request Payment, Enter, type, Tab, type, Tab to the submit, Enter.
    tab_to(doctor, "Request Payment")
    doctor.keyboard.press("Enter")
    assert focused_id(doctor) == "pg-amount"
    doctor.keyboard.type("30")
    doctor.keyboard.press("Tab")
    assert focused_id(doctor) == "pg-description"
    doctor.keyboard.type("Follow-up consultation")
    doctor.keyboard.press("Tab")  # receipt details stay closed: one button to pass
    assert focus_ring(doctor)["text"] == "Add receipt details (item numbers, date of service)"
    doctor.keyboard.press("Tab")
    assert focused_id(doctor) == "pg-hold"  # "Hold now, charge at the end": left unticked
    doctor.keyboard.press("Tab")
    assert focus_ring(doctor)["text"] == "Cancel"
    doctor.keyboard.press("Tab")
    submit = focus_ring(doctor)
    assert submit["text"] == "Request Payment" and submit["visible"], submit
    doctor.keyboard.press("Enter")
    expect(doctor_says).to_have_text("Payment of $30.00 requested.")
    expect(doctor.get_by_test_id("status")).to_have_text("Waiting for patient")
    # Focus is back on the button that opens the form, not lost at the top of the page.
    assert focus_ring(doctor)["text"] == "Request Payment"

    # The patient hears of it, Tabs to Pay now and presses Enter: focus lands in the form.
    expect(patient_says).to_have_text("Payment requested: $30.00, Follow-up consultation.")
    tab_to(patient, "Pay now")
    patient.keyboard.press("Enter")
    expect(patient.locator("form button[type=submit]")).to_be_enabled()  # Stripe is ready
    assert focused_id(patient) == "pg-email"
    assert focus_ring(patient)["visible"]
    patient.keyboard.press("ControlOrMeta+A")
    patient.keyboard.type("pat.keys@example.com")

    # Into Stripe's card iframe with Tab, field by field, and out again to Pay.
    card = patient.frame_locator("iframe[title='Secure payment input frame']")
    for field, typed in [("number", "4242 4242 4242 4242"), ("expiry", "12 / 34"),
                         ("cvc", "123"), ("postal", "94107")]:
        patient.keyboard.press("Tab")
        expect(card.locator(f"#{field}")).to_be_focused()
        patient.keyboard.type(typed)
    patient.keyboard.press("Tab")
    pay = focus_ring(patient)
    assert pay["text"] == "Pay $30.00" and pay["visible"], pay
    patient.keyboard.press("Enter")

    # Confirmation: announced, and focus on its heading.
    expect(patient_says).to_have_text("Payment successful: $30.00 paid to Sunrise Clinic.")
    expect(patient.get_by_role("heading", name="Payment successful")).to_be_focused()

    # The clinician's pop-up takes focus (nothing was being typed) and is spoken; it is not
    # modal, so Tab moves on through the panel and back; Escape closes it.
    dialog = doctor.get_by_role("dialog", name="Payment received")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Dismiss")).to_be_focused()
    expect(doctor_says).to_have_text("Payment received: $30.00, Follow-up consultation.")
    doctor.keyboard.press("Shift+Tab")
    assert focus_ring_on(doctor, "Refund\u2026")["visible"]
    doctor.keyboard.press("Tab")
    assert focus_ring_on(doctor, "Dismiss")["visible"]
    doctor.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert focus_ring(doctor)["text"] == "Request Payment"
    [mail] = stack.mail.mailbox.wait_for(lambda m: "pat.keys@example.com" in m.to)
    assert "$30.00" in mail.text()

    # A second request, cancelled from the keyboard after its confirmation (Keep request
    # first, the safe choice): the patient is told.
    with stack.login("clinician") as api:
        request_payment(api, 4000, description="Lab review")
    expect(patient_says).to_have_text("Payment requested: $40.00, Lab review.")
    tab_to(doctor, "Cancel request")
    doctor.keyboard.press("Enter")
    assert focus_ring(doctor)["text"] == "Keep request" and focus_ring(doctor)["visible"]
    doctor.keyboard.press("Tab")
    assert focus_ring(doctor)["text"] == "Cancel request" and focus_ring(doctor)["visible"]
    doctor.keyboard.press("Enter")
    expect(patient_says).to_have_text("This payment request was cancelled")
    expect(doctor_says).to_have_text("$40.00 Lab review: Cancelled.")
    # The button is gone with the redraw: focus waits on the list's heading, not the page.
    assert focus_ring(doctor)["text"].lower() == "requests in this call"


def test_admin_pages_by_keyboard(stack: Stack, admin_browser: Any) -> None:
    seed(stack, account_id=stack.connected_account())
    dana = admin_browser.page("clinic_admin", name="Dana Whitfield")
    dana.goto(stack.url + "/admin/clinics/clinic_1/client-payments")
    seen: list[str] = []
    for _ in range(40):  # every control on the page, in order, shows where focus is
        dana.keyboard.press("Tab")
        focused = focus_ring(dana)
        if focused["tag"] == "BODY" or focused["text"] in seen[:1]:
            break
        assert focused["visible"], focused
        seen.append(focused["text"])
    assert seen[0] == "Skip to content" and "Edit" in seen and "Sign out" in seen, seen
    dana.goto(stack.url + "/admin/clinics/clinic_1/client-payments")
    tab_to(dana, "Edit")
    dana.keyboard.press("Enter")
    dana.wait_for_url("**/client-payments/edit")
    expect(dana.get_by_label("Name shown to patients and on receipts")).to_be_visible()
