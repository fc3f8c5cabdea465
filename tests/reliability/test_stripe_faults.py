"""Stripe failing while a clinician requests a payment: a clear "try again", nothing half
made, and the retry makes exactly one PaymentIntent at Stripe (the sandbox's fault API)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, request_payment, wait_until
from tests.reliability.conftest import intents_on, sandbox_faults

UNAVAILABLE = {"code": "payment_provider_unavailable",
               "message": "Stripe is not answering, try again."}
BODY = {"amount": 4500, "currency": "usd", "description": "Follow-up consultation"}


def ask(clinician: Any) -> Any:
    return clinician.post("/api/v1/calls/call_1/payment-requests", json=BODY)


def listed(clinician: Any) -> list[dict[str, Any]]:
    return clinician.get("/api/v1/calls/call_1/payment-requests").json()[  # type: ignore[no-any-return]
        "requests"]


def test_stripe_answering_500_shows_try_again_and_the_retry_creates_one_intent(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    # Every attempt of the SDK's bounded retries fails before Stripe does anything.
    sandbox_faults(stack, api=[{"method": "POST", "path": "/v1/payment_intents",
                                "status": 500, "count": 3}])
    refused = ask(clinician)
    assert refused.status_code == 503
    assert refused.json() == {"error": UNAVAILABLE}
    assert listed(clinician) == []
    assert intents_on(stack, clinic.account) == []

    created = ask(clinician)
    assert created.status_code == 201, created.text
    assert [r["id"] for r in listed(clinician)] == [created.json()["id"]]
    [intent] = intents_on(stack, clinic.account)
    assert intent.metadata["paygate_payment_request"] == created.json()["id"]


@pytest.mark.parametrize("stack_overrides", [{"stripe_timeout": 1}])
def test_a_timeout_after_stripe_made_the_intent_and_the_retry_reuses_it(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    # Stripe stalls past paygate's timeout, then makes the intent anyway: paygate cannot
    # know, and its own retries meet "a request with this key is still running".
    sandbox_faults(stack, api=[{"method": "POST", "path": "/v1/payment_intents",
                                "delay": 5, "count": 1}])
    refused = ask(clinician)
    assert refused.status_code == 503
    assert refused.json() == {"error": UNAVAILABLE}
    assert listed(clinician) == []
    [made] = wait_until(lambda: intents_on(stack, clinic.account), timeout=10)

    # The clinician clicks Request Payment again with the same form.
    created = ask(clinician)
    assert created.status_code == 201, created.text
    assert [intent.id for intent in intents_on(stack, clinic.account)] == [made.id]
    patient = login("patient")
    checkout = patient.get(f"/api/v1/payment-requests/{created.json()['id']}").json()
    assert checkout["client_secret"].startswith(made.id + "_secret_")


def test_a_lost_response_is_retried_with_the_same_key(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    # Stripe makes the intent, then the answer is lost (502): the SDK's retry carries the
    # same idempotency key and gets the first intent back.
    sandbox_faults(stack, api=[{"method": "POST", "path": "/v1/payment_intents",
                                "status": 502, "after": True, "count": 1}])
    created = request_payment(clinician, 4500, description="Follow-up consultation")
    [intent] = intents_on(stack, clinic.account)
    assert intent.metadata["paygate_payment_request"] == created["id"]


def test_asking_again_after_a_success_makes_a_second_request(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    first, second = ask(clinician), ask(clinician)
    assert first.status_code == 201 and second.status_code == 201
    assert first.json()["id"] != second.json()["id"]  # two identical requests are allowed
    assert len(intents_on(stack, clinic.account)) == 2
    assert len(listed(clinician)) == 2


def test_stripe_refusing_our_key_or_the_account_is_a_clear_error(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    sandbox_faults(stack, api=[{"method": "POST", "path": "/v1/payment_intents",
                                "status": 429, "count": 3}])
    limited = ask(clinician)
    assert (limited.status_code, limited.json()) == (503, {"error": UNAVAILABLE})
    assert intents_on(stack, clinic.account) == []


def test_a_cancel_stripe_refuses_for_another_reason_says_so_and_the_request_stays_open(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    created = ask(clinician).json()
    [intent] = intents_on(stack, clinic.account)
    # Stripe refuses the cancel, not because the intent already finished (that is read
    # from Stripe and shown), but because of the request itself.
    sandbox_faults(stack, api=[{
        "method": "POST", "path": f"/v1/payment_intents/{intent.id}/cancel", "status": 400,
        "error": {"type": "invalid_request_error", "code": "parameter_unknown",
                  "param": "cancellation_reason",
                  "message": "Received unknown parameter: cancellation_reason"}}])
    refused = clinician.post(f"/api/v1/payment-requests/{created['id']}/cancel")
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["message"] == (
        "Received unknown parameter: cancellation_reason")
    assert [r["status"] for r in listed(clinician)] == ["requested"]

    again = clinician.post(f"/api/v1/payment-requests/{created['id']}/cancel")
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "cancelled"
    assert [r["status"] for r in listed(clinician)] == ["cancelled"]
