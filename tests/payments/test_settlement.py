"""Paying: only Stripe's word settles a request; the receipt goes out once; cancel and expiry."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest
import stripe

from paygate.runtime import Runtime
from tests.conftest import Stack
from tests.payments.conftest import (
    Clinic,
    Login,
    pay,
    request_payment,
    seed,
    status_of,
    wait_until,
)


def checkout_for(patient: httpx.Client, request_id: str, email: str | None = None
                 ) -> dict[str, Any]:
    if email:
        response = patient.post(f"/api/v1/payment-requests/{request_id}/receipt",
                                json={"email": email})
        assert response.status_code == 200, response.text
    return patient.get(f"/api/v1/payment-requests/{request_id}").json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize("sandbox_config_overrides",
                         [{"faults": frozenset({"duplicate", "shuffle"})}])
def test_a_paid_request_is_settled_by_stripes_webhook_and_the_receipt_sent_once(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    patient = login("patient")
    created = request_payment(clinician, 12000, "usd", "Physiotherapy session")
    checkout = checkout_for(patient, created["id"], "pat@example.com")

    intent = pay(stack, checkout, "pm_card_visa")
    assert intent.status == "succeeded"

    wait_until(lambda: status_of(clinician, created["id"]) == "paid")
    # The card comes with charge.succeeded, which shuffled delivery may bring a moment later.
    wait_until(lambda: patient.get(
        f"/api/v1/payment-requests/{created['id']}").json()["card_last4"] == "4242")
    paid = patient.get(f"/api/v1/payment-requests/{created['id']}").json()
    assert (paid["card_brand"], paid["card_last4"]) == ("visa", "4242")
    assert paid["paid_at"] is not None
    assert paid["client_secret"] is None  # nothing left to pay

    [mail] = stack.mail.mailbox.wait_for(lambda m: "pat@example.com" in m.to)
    assert mail.subject == f"Your receipt from Sunrise Clinic ({created['reference']})"
    for body in (mail.text(), mail.html()):
        assert "$120.00" in body
        assert "Physiotherapy session" in body
        assert created["reference"] in body
        assert "Visa ending in 4242" in body
        assert "Sunrise Clinic" in body
    # Duplicated, shuffled webhooks and a late refresh never send a second receipt.
    patient.post(f"/api/v1/payment-requests/{created['id']}/refresh")
    time.sleep(1.0)
    assert len([m for m in stack.mail.mailbox.messages if "pat@example.com" in m.to]) == 1
    assert status_of(clinician, created["id"]) == "paid"


def test_a_declined_card_shows_stripes_message_and_the_patient_can_try_another(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    patient = login("patient")
    created = request_payment(clinician, 3000)
    checkout = checkout_for(patient, created["id"], "pat@example.com")

    with pytest.raises(stripe.CardError) as declined:
        pay(stack, checkout, "pm_card_visa_chargeDeclined")
    assert declined.value.user_message == "Your card was declined."

    failed = wait_until(lambda: (r := clinician.get(
        f"/api/v1/payment-requests/{created['id']}").json())["status"] == "failed" and r)
    assert failed["failure_message"] == "Your card was declined."
    # Still payable: the same checkout works with another card.
    again = patient.get(f"/api/v1/payment-requests/{created['id']}").json()
    assert again["client_secret"] == checkout["client_secret"]

    pay(stack, again, "pm_card_mastercard")
    wait_until(lambda: status_of(clinician, created["id"]) == "paid")
    paid = clinician.get(f"/api/v1/payment-requests/{created['id']}").json()
    assert paid["failure_message"] is None
    assert (paid["card_brand"], paid["card_last4"]) == ("mastercard", "4444")
    [mail] = stack.mail.mailbox.wait_for(lambda m: "pat@example.com" in m.to)
    assert "Mastercard ending in 4444" in mail.text()


def test_the_clinician_cancels_an_open_request_and_it_can_no_longer_be_paid(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    patient = login("patient")
    created = request_payment(clinician)
    checkout = checkout_for(patient, created["id"])

    response = clinician.post(f"/api/v1/payment-requests/{created['id']}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"

    intent_id = checkout["client_secret"].split("_secret_")[0]
    intent = stack.stripe.v1.payment_intents.retrieve(
        intent_id, options={"stripe_account": clinic.account})
    assert intent.status == "canceled"
    assert patient.get(f"/api/v1/payment-requests/{created['id']}").json()[
        "client_secret"] is None
    with pytest.raises(stripe.InvalidRequestError):
        pay(stack, checkout)
    again = clinician.post(f"/api/v1/payment-requests/{created['id']}/cancel")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_transition")
    assert status_of(patient, created["id"]) == "cancelled"


def test_a_paid_request_cannot_be_cancelled(login: Login, stack: Stack,
                                            clinic: Clinic) -> None:
    clinician = login("clinician")
    created = request_payment(clinician)
    pay(stack, checkout_for(login("patient"), created["id"]))
    # Cancel races the webhook: Stripe refuses to cancel a succeeded intent, paygate
    # reads it, and the request ends paid either way.
    response = clinician.post(f"/api/v1/payment-requests/{created['id']}/cancel")
    assert response.status_code == 409
    assert "paid" in response.json()["error"]["message"]
    wait_until(lambda: status_of(clinician, created["id"]) == "paid")


@pytest.mark.parametrize("stack_overrides",
                         [{"stripe_webhook_secrets": ("whsec_not_the_sandboxes",)}])
def test_without_webhooks_a_refresh_reads_the_payment_from_stripe(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    patient = login("patient")
    created = request_payment(clinician, 5000)
    checkout = checkout_for(patient, created["id"], "pat@example.com")
    pay(stack, checkout)
    time.sleep(0.5)
    assert status_of(clinician, created["id"]) == "requested"  # webhooks are refused here

    refreshed = patient.post(f"/api/v1/payment-requests/{created['id']}/refresh")
    assert refreshed.status_code == 200
    assert refreshed.json()["status"] == "paid"
    stack.mail.mailbox.wait_for(lambda m: "pat@example.com" in m.to)


@pytest.mark.parametrize(("other_account", "outcome"), [
    ("linked to another clinic", "ignored_account_mismatch"),
    ("never linked", "ignored_unknown_account")])
def test_a_webhook_naming_another_account_does_not_move_the_request(
        login: Login, stack: Stack, clinic: Clinic, other_account: str, outcome: str) -> None:
    clinician = login("clinician")
    created = request_payment(clinician)
    checkout = checkout_for(login("patient"), created["id"])
    if other_account == "never linked":
        other = "acct_never_linked"
    else:
        other = seed(stack, org_id="org_2", clinic_id="clinic_9")
        seed(stack, account_id=clinic.account)  # org_1/clinic_1 stays linked to its account
    intent_id = checkout["client_secret"].split("_secret_")[0]
    event = {"id": "evt_forged_1", "object": "event", "type": "payment_intent.succeeded",
             "account": other, "livemode": False, "created": int(time.time()),
             "data": {"object": {"id": intent_id, "object": "payment_intent",
                                 "status": "succeeded"}}}
    payload = json.dumps(event)
    stamp = int(time.time())
    secret = stack.settings.stripe_webhook_secrets[0]
    signature = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(),
                         hashlib.sha256).hexdigest()
    response = httpx.post(f"{stack.url}/webhooks/stripe", content=payload,
                          headers={"Stripe-Signature": f"t={stamp},v1={signature}",
                                   "Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json()["outcome"] == outcome
    assert status_of(clinician, created["id"]) == "requested"


@pytest.mark.parametrize("stack_overrides", [{"payment_request_ttl": 1}])
def test_an_unpaid_request_expires_and_its_intent_is_cancelled(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    created = request_payment(clinician)
    checkout = checkout_for(login("patient"), created["id"])
    time.sleep(1.2)
    listed = clinician.get("/api/v1/calls/call_1/payment-requests").json()["requests"]
    assert [r["status"] for r in listed] == ["expired"]
    intent = stack.stripe.v1.payment_intents.retrieve(
        checkout["client_secret"].split("_secret_")[0],
        options={"stripe_account": clinic.account})
    assert intent.status == "canceled"


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_cancel_open_for_clinic_cancels_open_requests_and_leaves_paid_ones(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    patient = login("patient")
    open_one = request_payment(clinician, 2000, description="Open")
    paid_one = request_payment(clinician, 3000, description="Paid")
    other_call = request_payment(login("clinician", call="call_2"), 4000, call="call_2")
    pay(stack, checkout_for(patient, paid_one["id"]))
    wait_until(lambda: status_of(clinician, paid_one["id"]) == "paid")

    async def cancel_all() -> int:
        runtime = Runtime.build(stack.settings)
        try:
            return await runtime.payments.cancel_open_for_clinic(
                "clinic_1", None, "the clinic's Stripe account was unlinked")
        finally:
            await runtime.close()

    assert asyncio.run(cancel_all()) == 2
    assert status_of(clinician, open_one["id"]) == "cancelled"
    assert status_of(clinician, paid_one["id"]) == "paid"
    assert status_of(login("clinician", call="call_2"), other_call["id"]) == "cancelled"
    open_intent = checkout_for(patient, open_one["id"])
    assert open_intent["client_secret"] is None
