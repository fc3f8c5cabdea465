"""The card form fails to load (Stripe.js's `loaderror`: a blocked network, a wrong
account): the patient reads why in the panel's language, presses Try again, and pays.
The sandbox's stand-in fails on purpose in its loaderror test mode (docs/sandbox.md)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.a11y.conftest import audit
from tests.browser.conftest import Host, shot
from tests.browser.test_in_call_edge_cases import both
from tests.browser.test_in_call_flow import card_form, enter_card, open_call, panel, request_payment
from tests.conftest import Stack
from tests.payments.conftest import Clinic

pytestmark = pytest.mark.browser

NOT_LOADED = "The secure card form could not be loaded. Check your connection and try again."


def fail_card_form_loads(stack: Stack, count: int) -> None:
    response = httpx.post(f"{stack.sandbox_url}/_sandbox/faults", json={"loaderror": count})
    assert response.status_code == 200, response.text


def test_a_card_form_that_fails_to_load_says_so_and_try_again_pays(
        stack: Stack, host: Host, clinic: Clinic, contexts: Any) -> None:
    clinician, patient = both(contexts, stack, host)
    request_payment(clinician, "25", "Prescription renewal")
    fail_card_form_loads(stack, 2)
    you = panel(patient)
    you.get_by_role("button", name="Pay now").click()
    you.get_by_label("Email for your receipt").fill("pat@example.com")

    problem = you.get_by_role("alert").filter(has_text=NOT_LOADED)
    expect(problem).to_be_visible()
    pay = you.get_by_role("button", name="Pay $25.00")
    expect(pay).to_be_disabled()
    shot(patient, "card-form-load-error")
    # The first try again fails too: the same message, the same way out.
    you.get_by_role("button", name="Try again").click()
    expect(problem).to_be_visible()
    you.get_by_role("button", name="Try again").click()

    expect(problem).to_have_count(0)
    enter_card(patient, "4242 4242 4242 4242")
    expect(pay).to_be_enabled()
    pay.click()
    expect(you.get_by_role("status", name="Payment successful")).to_contain_text("$25.00")
    expect(panel(clinician).get_by_role("dialog", name="Payment received")).to_be_visible()


def test_the_load_failure_reads_in_the_patients_language_and_passes_axe(
        stack: Stack, host: Host, clinic: Clinic, contexts: Any) -> None:
    clinician = open_call(contexts, stack, host, "clinician", open_panel=True)
    request_payment(clinician, "25", "Prescription renewal")
    patient = open_call(contexts, stack, host, "patient", open_panel=True, locale="fa")
    fail_card_form_loads(stack, 1)
    you = panel(patient)
    you.get_by_role("button", name="پرداخت کنید").click()

    expect(you.get_by_role("alert").filter(
        has_text="فرم امن کارت بارگذاری نشد. اتصال اینترنت خود را بررسی کنید و دوباره تلاش کنید."
    )).to_be_visible()
    frame = next(f for f in patient.frames if "/widget/frame" in f.url)
    audit(frame, "the checkout whose card form failed to load, in Persian")
    you.get_by_role("button", name="دوباره تلاش کنید").click()
    expect(card_form(patient).get_by_label("Card number")).to_be_visible()
    expect(you.get_by_role("button", name="دوباره تلاش کنید")).to_have_count(0)
