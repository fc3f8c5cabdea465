"""In a real Chromium: the patient pays in the call and downloads the receipt PDF from the
confirmation screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import conftest as browser_fixtures
from tests.browser.conftest import Host
from tests.browser.test_in_call_flow import enter_card, open_call, panel, start_paying
from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login
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
