"""axe-core audits in Chromium: the in-call panels in every state, the demo room and every
admin page have no serious or critical accessibility violations (contrast AA included)."""

from __future__ import annotations

from typing import Any

import pytest
import stripe
from playwright.sync_api import Page, expect

from tests.a11y.conftest import audit
from tests.admin.conftest import Browser, admin_browser, seed
from tests.browser.test_demo import demo
from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, pay, request_payment, status_of, wait_until

pytestmark = pytest.mark.browser
__all__ = ["admin_browser", "demo"]  # fixtures used here


def open_panel(browser: Any, stack: Stack, role: str, **claims: Any) -> Page:
    context = browser.new_context(viewport={"width": 420, "height": 820})
    page: Page = context.new_page()
    page.goto(f"{stack.url}/widget/frame?launch={stack.token(role, **claims)}")
    return page


def test_the_panels_in_every_state(stack: Stack, clinic: Clinic, login: Login,
                                   browser: Any) -> None:
    doctor = open_panel(browser, stack, "clinician")
    patient = open_panel(browser, stack, "patient", email="pat@example.com")
    expect(doctor.get_by_text("Live")).to_be_visible()
    expect(patient.get_by_role("heading", name="No payment requested")).to_be_visible()
    audit(doctor, "the clinician's panel, no requests")
    audit(patient, "the patient's panel, nothing to pay")

    doctor.get_by_role("button", name="Request Payment").click()
    doctor.locator("form button[type=submit]").click()
    expect(doctor.get_by_text("Enter a description of what the payment is for.")).to_be_visible()
    audit(doctor, "the request form showing its errors")
    doctor.get_by_role("button", name="Cancel").click()

    clinician, payer = login("clinician"), login("patient")
    cancelled = request_payment(clinician, 1000, description="Cancelled visit")
    assert clinician.post(f"/api/v1/payment-requests/{cancelled['id']}/cancel").status_code == 200
    declined = request_payment(clinician, 2000, description="Declined visit")
    with pytest.raises(stripe.CardError):
        pay(stack, payer.get(f"/api/v1/payment-requests/{declined['id']}").json(),
            "pm_card_visa_chargeDeclined")
    request_payment(clinician, 3000, description="Follow-up consultation")
    statuses = doctor.get_by_test_id("status")
    expect(statuses).to_have_text(["Waiting for patient", "Payment failed", "Cancelled"])
    audit(doctor, "the clinician's list of requests with their statuses")
    expect(patient.get_by_role("region", name="Payment requested")).to_have_count(2)
    audit(patient, "the patient's Pay now prompts")

    prompt = patient.get_by_role("region").filter(has_text="Follow-up consultation")
    prompt.get_by_role("button", name="Pay now").click()
    pay_button = patient.locator("form button[type=submit]")
    expect(pay_button).to_be_enabled()
    audit(patient, "the checkout")
    card = patient.frame_locator("iframe[title='Secure payment input frame']")
    card.get_by_label("Card number").fill("4242 4242 4242 4242")
    card.get_by_label("Expiration date").fill("12 / 34")
    card.get_by_label("Security code").fill("123")
    card.get_by_label("ZIP / Postal code").fill("94107")
    pay_button.click()
    expect(patient.get_by_role("status", name="Payment successful")).to_contain_text(
        "pat@example.com")
    audit(patient, "the confirmation")
    expect(doctor.get_by_role("dialog", name="Payment received")).to_be_visible()
    audit(doctor, "the Payment received pop-up")

    persian = open_panel(browser, stack, "patient", locale="fa")
    expect(persian.get_by_role("heading", name="پرداخت‌شده در این تماس")).to_be_visible()
    audit(persian, "the patient's panel in Persian (right to left)")


def test_the_demo_room(demo: tuple[str, str], browser: Any) -> None:
    room_url, _ = demo
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(room_url + "?locale=fa")
    patient = page.frame_locator("iframe[name='paygate-patient']")
    expect(patient.get_by_role("heading", name="درخواست پرداختی وجود ندارد")).to_be_visible()
    expect(page.get_by_role("link", name="فارسی")).to_have_attribute("aria-current", "true")
    audit(page, "the demo room")
    frame = page.frame(name="paygate-patient")
    assert frame is not None
    expect(frame.locator("html")).to_have_attribute("dir", "rtl")
    audit(frame, "the patient's panel inside the demo room")
    context.close()


ADMIN_PAGES = "/admin/clinics/clinic_1/client-payments"


def test_every_admin_page(stack: Stack, admin_browser: Browser) -> None:
    seed(stack, enabled=False)
    dana = admin_browser.page("clinic_admin", name="Dana Whitfield",
                              email="dana@sunrise.example")
    dana.goto(stack.url + "/admin/")
    audit(dana, "the admin home")
    dana.goto(stack.url + ADMIN_PAGES)
    expect(dana.get_by_text("is not enabled for this clinic")).to_be_visible()
    audit(dana, "Client Payments, add-on not enabled")
    dana.get_by_role("link", name="Request the Payment Gateway add-on").click()
    audit(dana, "the enablement request form")
    dana.get_by_label("Why do you need it?").fill("Video follow-ups.")
    dana.get_by_role("button", name="Send request").click()
    expect(dana.get_by_role("heading", name="Case PG-000001")).to_be_visible()
    audit(dana, "an enablement case")
    dana.goto(stack.url + "/admin/requests")
    audit(dana, "My requests")
    dana.get_by_role("link", name="New case").click()
    audit(dana, "the one-page case form")
    dana.get_by_label("What do you need help with?").select_option("other")
    dana.get_by_label("Category").select_option("general")
    dana.get_by_label("Subject").fill("Receipts")
    dana.get_by_label("Describe what happened").fill("Where do patients find them?")
    dana.get_by_role("button", name="Preview").click()
    expect(dana.get_by_role("heading", name="Check your case")).to_be_visible()
    audit(dana, "a case's preview")
    dana.get_by_role("button", name="Submit case").click()
    audit(dana, "a filed case")
    dana.goto(stack.url + "/admin/cases/new?mode=assistant")
    audit(dana, "the assistant's first step")

    omar = admin_browser.page("operator", org="", clinic=None, user="op-1", name="Omar Haddad")
    omar.goto(stack.url + "/admin/operator")
    audit(omar, "the operator console")
    omar.goto(stack.url + "/admin/requests/PG-000001")
    audit(omar, "a case as the operator")
    omar.goto(stack.url + "/admin/requests/PG-000002")
    omar.get_by_label("Resolution").fill("They are in the receipt email.")
    omar.get_by_role("button", name="Propose as resolved").click()
    audit(omar, "a case proposed resolved, as the operator")
    dana.goto(stack.url + "/admin/requests/PG-000002")
    expect(dana.get_by_role("heading", name="Is it resolved?")).to_be_visible()
    audit(dana, "a proposed resolution, as the requester")
    omar.goto(stack.url + "/admin/emails")
    audit(omar, "undelivered emails")

    seed(stack, account_id=stack.connected_account())
    dana.goto(stack.url + ADMIN_PAGES)
    expect(dana.get_by_role("link", name="Edit", exact=True)).to_be_visible()
    audit(dana, "Client Payments, linked")
    dana.goto(stack.url + ADMIN_PAGES + "/edit")
    audit(dana, "the clinic's payment settings")
    dana.goto(stack.url + ADMIN_PAGES + "/remove")
    audit(dana, "removing the Stripe account")
    with stack.login("clinician") as clinician, stack.login("patient") as patient:
        paid = request_payment(clinician, 4550)
        pay(stack, patient.get(f"/api/v1/payment-requests/{paid['id']}").json())
        wait_until(lambda: status_of(clinician, paid["id"]) == "paid")
    dana.goto(stack.url + "/admin/clinics/clinic_1/reports")
    expect(dana.get_by_text(paid["reference"])).to_be_visible()
    audit(dana, "the clinic's report with a payment")

    olga = admin_browser.page("org_admin", clinic=None, name="Olga Admin")
    olga.goto(stack.url + "/admin/")
    audit(olga, "the organisation admin's home")
    olga.goto(stack.url + "/admin/reports")
    audit(olga, "the organisation's report")
