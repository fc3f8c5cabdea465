"""Payment methods that leave the page (issue 18): off by default, so a patient is never
taken out of the call; a clinic admin may allow them, and the patient then comes back
from the bank's page to paygate's return page, which reads the result from Stripe.

Driven in Chromium with the sandbox's redirect flow (an authentication on the issuer's
page, confirmed with return_url and without Stripe.js's modal, as a bank redirect is):
the bank says yes, the bank says no, and a forged return that paygate does not believe."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.a11y.conftest import audit
from tests.admin.conftest import admin_client, csrf_of
from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, browser_stripe, login, status_of, wait_until

pytestmark = pytest.mark.browser
PAGE = "/admin/clinics/clinic_1/client-payments"
__all__ = ["login"]  # a fixture used here


def allow_redirects(stack: Stack, allowed: bool) -> None:
    with admin_client(stack, "clinic_admin") as admin:
        form = {"csrf": csrf_of(admin.get(f"{PAGE}/edit").text), "display_name": "Sunrise",
                "reply_to": "", "default_currency": "eur", "pay_link_hours": "72",
                "time_zone": "UTC", "hold_hours": "24"}
        if allowed:
            form["redirect_methods"] = "on"
        assert admin.post(f"{PAGE}/settings", data=form).status_code == 303
        edit = admin.get(f"{PAGE}/edit").text
        assert ('id="redirect_methods" name="redirect_methods" type="checkbox" checked'
                in edit) is allowed


def leave_for_the_bank(stack: Stack, patient: httpx.Client, request_id: str,
                       return_url: str) -> str:
    """What Stripe.js does for a method that redirects: confirm with return_url, then send
    the browser to next_action.redirect_to_url."""
    checkout = patient.get(f"/api/v1/payment-requests/{request_id}").json()
    intent = browser_stripe(stack).v1.payment_intents.confirm(
        checkout["client_secret"].split("_secret_")[0],
        {"payment_method": "pm_card_threeDSecure2Required",  # type: ignore[typeddict-unknown-key]
         "client_secret": checkout["client_secret"], "return_url": return_url},
        {"stripe_account": checkout["stripe_account"]})
    assert intent.status == "requires_action"
    assert intent.next_action.type == "redirect_to_url"
    return str(intent.next_action.redirect_to_url.url)


def test_a_patient_leaves_for_the_bank_and_comes_back_to_the_result(
        stack: Stack, clinic: Clinic, login: Login, contexts: Any) -> None:
    clinician = login("clinician", name="Dr Ada Grey", user="dr-ada")
    patient = login("patient", name="Pat Doe", locale="fr")
    body = {"amount": 4500, "currency": "eur", "description": "Consultation"}
    on = {"stripe_account": clinic.account}

    # Off by default: the intent allows no redirects, so nobody leaves the call.
    before = clinician.post("/api/v1/calls/call_1/payment-requests", json=body).json()
    intent = stack.stripe.v1.payment_intents.list(options=on).data[0]
    assert intent.automatic_payment_methods.allow_redirects == "never"
    assert clinician.post(f"/api/v1/payment-requests/{before['id']}/cancel").status_code == 200

    allow_redirects(stack, True)
    made = clinician.post("/api/v1/calls/call_1/payment-requests", json=body).json()
    intent = stack.stripe.v1.payment_intents.list(options=on).data[0]
    assert intent.automatic_payment_methods.allow_redirects == "always"

    back = f"{stack.url}/pay/return?locale=fr"
    assert patient.post(f"/api/v1/payment-requests/{made['id']}/receipt",
                        json={"email": "pat@example.com"}).status_code == 200
    page = contexts().new_page()
    page.goto(leave_for_the_bank(stack, patient, made["id"], back))
    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url(f"{stack.url}/pay/return?*")
    done = page.get_by_role("status", name="Paiement réussi")
    expect(done).to_contain_text("45,00")
    expect(done).to_contain_text(made["reference"])
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert "payment_intent_client_secret" in page.url
    wait_until(lambda: status_of(clinician, made["id"]) == "paid")
    returned_to = page.url
    page.reload()  # the same return again: the same answer, nothing applied twice
    expect(page.get_by_role("status", name="Paiement réussi")).to_be_visible()
    audit(page, "the return page")
    [receipt] = stack.mail.mailbox.wait_for(lambda m: "pat@example.com" in m.to)
    assert "45,00" in receipt.text()  # in the patient's language, as the page

    # A forged return: the right intent with a made-up secret, or no intent at all.
    intent_id = returned_to.split("payment_intent=")[1].split("&")[0]
    for query in (f"payment_intent={intent_id}&payment_intent_client_secret="
                  f"{intent_id}_secret_forged&redirect_status=succeeded",
                  "redirect_status=succeeded"):
        forged = httpx.get(f"{stack.url}/pay/return?{query}")
        assert forged.status_code == 404 and "could not be found" in forged.text
        assert forged.headers["referrer-policy"] == "no-referrer"
        assert "script-src" not in forged.headers["content-security-policy"]

    # The bank says no: the patient is told, nothing was charged, and may try again.
    again = clinician.post("/api/v1/calls/call_1/payment-requests",
                           json={**body, "description": "Follow-up"}).json()
    page.goto(leave_for_the_bank(stack, patient, again["id"],
                                 f"{stack.url}/pay/return?locale=en"))
    page.get_by_role("button", name="Fail authentication").click()
    page.wait_for_url(f"{stack.url}/pay/return?*")
    refused = page.get_by_role("alert")
    expect(refused).to_contain_text("The payment did not go through")
    expect(refused).to_contain_text("choose Pay now to try again")
    wait_until(lambda: status_of(clinician, again["id"]) == "failed")
    checkout = patient.get(f"/api/v1/payment-requests/{again['id']}").json()
    assert checkout["client_secret"]  # still payable with another attempt
