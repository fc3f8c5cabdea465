"""In a real Chromium: the patient pays in the call and downloads the receipt PDF from the
confirmation screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import conftest as browser_fixtures
from tests.browser.conftest import Host, shot
from tests.browser.test_in_call_flow import enter_card, open_call, panel, start_paying
from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, pay, status_of, wait_until
from tests.receipts.conftest import pdf_text, save_profile, says

pytestmark = pytest.mark.browser

host_port = browser_fixtures.host_port
stack_overrides = browser_fixtures.stack_overrides
host = browser_fixtures.host
contexts = browser_fixtures.contexts


def test_the_patient_downloads_the_receipt_from_the_confirmation(
        stack: Stack, host: Host, clinic: Clinic, login: Login, contexts: Any,
        tmp_path: Path) -> None:
    save_profile(stack)
    clinician = login("clinician", name="Dr Jane Citizen", user="dr-jane",
                      provider_number="2423451T")
    created = clinician.post("/api/v1/calls/call_1/payment-requests", json={
        "amount": 9100, "currency": "usd", "description": "Consultation",
        "items": [{"code": "23", "description": "Standard consultation", "amount": 8000},
                  {"description": "Dressing pack", "amount": 1100, "gst": "taxable"}]})
    assert created.status_code == 201, created.text
    patient = open_call(contexts, stack, host, "patient", open_panel=True, name="Pat Doe")
    you = panel(patient)
    start_paying(patient)
    enter_card(patient, "4242 4242 4242 4242")
    you.get_by_role("button", name="Pay $91.00").click()
    done = you.get_by_role("status", name="Payment successful")
    expect(done).to_contain_text("Visa ending in 4242")
    shot(patient, "patient-receipt-download")

    with patient.expect_download() as downloading:
        you.get_by_role("button", name="Download receipt (PDF)").click()
    download = downloading.value
    assert download.suggested_filename.startswith("receipt-PAY-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = pdf_text(saved.read_bytes())
    for fact in ("Tax invoice", "ABN 51 824 753 556", "Dr Jane Citizen", "2423451T",
                 "Standard consultation", "GST included in the total $1.00",
                 "Amount paid $91.00", "Visa ending in 4242"):
        assert says(text, fact), (fact, text)


def test_the_clinician_adds_item_numbers_in_the_panel_and_they_reach_the_receipt(
        stack: Stack, host: Host, clinic: Clinic, login: Login, contexts: Any) -> None:
    save_profile(stack)
    doctor = open_call(contexts, stack, host, "clinician", open_panel=True,
                       name="Dr Jane Citizen", user="dr-jane", provider_number="2423451T")
    widget = panel(doctor)
    widget.get_by_role("button", name="Request Payment").click()
    widget.get_by_label("Amount", exact=True).fill("100.00")
    widget.get_by_label("Payment description").fill("Consultation")
    widget.get_by_role("button", name="Add receipt details").click()
    expect(widget.get_by_label("Date of service")).to_have_value(
        doctor.evaluate("() => new Date().toLocaleDateString('sv')"))
    first = widget.get_by_role("listitem", name="Line 1")
    first.get_by_label("Item number (optional)").fill("23")
    first.get_by_label("Line description").fill("Standard consultation")
    first.get_by_label("Line amount").fill("80.00")
    widget.get_by_role("button", name="Add a line").click()
    second = widget.get_by_role("listitem", name="Line 2")
    expect(second.get_by_label("Item number (optional)")).to_be_focused()
    second.get_by_label("Line description").fill("Dressing pack")
    second.get_by_label("Line amount").fill("10.00")
    second.get_by_label("GST").select_option("taxable")
    widget.get_by_role("button", name="Request Payment").click()
    expect(widget.get_by_role("alert").filter(has_text="The lines add up")).to_have_text(
        "The lines add up to $90.00, not the amount of $100.00.")
    second.get_by_label("Line amount").fill("20.00")
    shot(doctor, "clinician-receipt-lines")
    widget.get_by_role("button", name="Request Payment").click()
    expect(widget.get_by_role("status").filter(has_text="requested")).to_contain_text(
        "Payment of $100.00 requested.")

    clinician = login("clinician", name="Dr Jane Citizen", user="dr-jane")
    [made] = clinician.get("/api/v1/calls/call_1/payment-requests").json()["requests"]
    patient = login("patient", name="Pat Doe")
    checkout = patient.get(f"/api/v1/payment-requests/{made['id']}").json()
    assert pay(stack, checkout).status == "succeeded"
    wait_until(lambda: status_of(clinician, made["id"]) == "paid")
    receipt = clinician.get(f"/api/v1/payment-requests/{made['id']}/receipt.pdf")
    assert receipt.status_code == 200
    text = pdf_text(receipt.content)
    for fact in ("Tax invoice", "23", "Standard consultation", "Dressing pack",
                 "Amount paid $100.00"):
        assert says(text, fact), (fact, text)
    # The lines stayed in paygate: Stripe's PaymentIntent knows none of them.
    intent = stack.stripe.v1.payment_intents.retrieve(
        checkout["client_secret"].split("_secret_")[0],
        options={"stripe_account": checkout["stripe_account"]})
    assert "Standard consultation" not in str(intent) and "Dressing" not in str(intent)
