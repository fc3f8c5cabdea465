"""The payments API over real HTTP: what a clinician and a patient can do, and what they see."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, request_payment, seed


def test_clinician_requests_a_payment_and_both_people_in_the_call_see_it(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician", name="Dr Ada Grey")
    patient = login("patient", name="Pat Doe")

    created = request_payment(clinician, 2550, "usd", "Follow-up consultation")

    assert created["status"] == "requested"
    assert (created["amount"], created["currency"]) == (2550, "usd")
    assert created["amount_display"] == "USD 25.50"
    assert created["description"] == "Follow-up consultation"
    assert created["clinic_name"] == "Sunrise Clinic"
    assert created["requested_by_name"] == "Dr Ada Grey"
    assert created["reference"].startswith("PAY-") and len(created["reference"]) == 10
    assert created["client_secret"] is None

    for client in (clinician, patient):
        listed = client.get("/api/v1/calls/call_1/payment-requests").json()["requests"]
        assert [r["id"] for r in listed] == [created["id"]]

    as_clinician = clinician.get(f"/api/v1/payment-requests/{created['id']}").json()
    assert as_clinician["client_secret"] is None and as_clinician["publishable_key"] is None
    as_patient = patient.get(f"/api/v1/payment-requests/{created['id']}").json()
    assert as_patient["client_secret"].startswith("pi_")
    assert as_patient["publishable_key"] == stack.settings.stripe_publishable_key
    assert as_patient["stripe_account"] == clinic.account


def test_the_payment_intent_is_on_the_clinics_account_with_opaque_metadata_only(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    created = request_payment(clinician, 4000, "usd", "Knee pain review")
    secret = login("patient").get(
        f"/api/v1/payment-requests/{created['id']}").json()["client_secret"]

    intent = stack.stripe.v1.payment_intents.retrieve(
        secret.split("_secret_")[0], options={"stripe_account": clinic.account})
    assert (intent.amount, intent.currency, intent.status) == (
        4000, "usd", "requires_payment_method")
    assert intent.metadata.to_dict() == {"paygate_payment_request": created["id"],
                                     "paygate_clinic": "clinic_1"}
    # No clinical text at Stripe unless the clinic opted in.
    assert intent.description == "Payment to Sunrise Clinic"


def test_the_description_goes_to_stripe_when_the_clinic_opts_in(
        login: Login, stack: Stack) -> None:
    account = seed(stack, share_description=True)
    created = request_payment(login("clinician"), 4000, "usd", "Annual check-up")
    secret = login("patient").get(
        f"/api/v1/payment-requests/{created['id']}").json()["client_secret"]
    intent = stack.stripe.v1.payment_intents.retrieve(
        secret.split("_secret_")[0], options={"stripe_account": account})
    assert intent.description == "Annual check-up"


def test_amounts_are_minor_units_of_each_currency(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    assert request_payment(clinician, 500, "jpy")["amount_display"] == "JPY 500"
    assert request_payment(clinician, 5250, "kwd")["amount_display"] == "KWD 5.250"
    # The clinic's default currency applies when none is given.
    assert request_payment(clinician, 1000, None)["currency"] == "usd"


@pytest.mark.parametrize(("body", "code", "message"), [
    ({"amount": 49, "currency": "usd"}, "invalid_amount", "The minimum amount is USD 0.50."),
    ({"amount": 49, "currency": "jpy"}, "invalid_amount", "The minimum amount is JPY 50."),
    ({"amount": 150, "currency": "kwd"}, "invalid_amount", "The minimum amount is KWD 0.200."),
    ({"amount": 2505, "currency": "kwd"}, "invalid_amount", "KWD amounts must end in 0"),
    ({"amount": 0, "currency": "usd"}, "invalid_amount", "greater than zero"),
    ({"amount": 25.5, "currency": "usd"}, "invalid_request", "whole number of minor units"),
    ({"amount": 25.0, "currency": "usd"}, "invalid_request", "whole number of minor units"),
    ({"amount": "2500", "currency": "usd"}, "invalid_request", "whole number of minor units"),
    ({"amount": 2500, "currency": "xyz"}, "unsupported_currency", "'xyz' is not supported"),
    ({"amount": 2500, "currency": "usd", "description": "   "}, "invalid_request",
     "Enter a description"),
    ({"amount": 2500, "currency": "usd", "description": "x" * 501}, "invalid_request",
     "under 500 characters"),
    ({"amount": 2500, "currency": "usd", "description": None}, "invalid_request",
     "description"),
])
def test_bad_requests_get_a_clear_error_and_create_nothing(
        login: Login, stack: Stack, clinic: Clinic, body: dict[str, Any], code: str,
        message: str) -> None:
    clinician = login("clinician")
    payload = {"description": "Consultation", **body}
    if payload["description"] is None:
        del payload["description"]
    response = clinician.post("/api/v1/calls/call_1/payment-requests", json=payload)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert message in error["message"]
    assert clinician.get("/api/v1/calls/call_1/payment-requests").json()["requests"] == []
    assert stack.stripe.v1.payment_intents.list(
        options={"stripe_account": clinic.account}).data == []


def test_the_clinic_maximum_is_enforced(
        login: Login, stack: Stack) -> None:
    seed(stack, max_amount=20000)
    clinician = login("clinician")
    response = clinician.post("/api/v1/calls/call_1/payment-requests",
                              json={"amount": 20001, "currency": "usd", "description": "X-ray"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "The maximum amount is USD 200.00."
    assert request_payment(clinician, 20000)["status"] == "requested"


def test_a_clinic_without_the_add_on_or_a_linked_account_cannot_take_payments(
        login: Login, stack: Stack) -> None:
    clinician = login("clinician")
    body = {"amount": 2500, "currency": "usd", "description": "Consultation"}

    response = clinician.post("/api/v1/calls/call_1/payment-requests", json=body)
    assert (response.status_code, response.json()["error"]["code"]) == (
        409, "addon_not_enabled")

    seed(stack, addon_enabled=False)
    response = clinician.post("/api/v1/calls/call_1/payment-requests", json=body)
    assert response.json()["error"]["code"] == "addon_not_enabled"
    options = clinician.get("/api/v1/calls/call_1/payment-options").json()
    assert options["ready"] is False and "not enabled" in options["not_ready_reason"]

    seed(stack, account_id="acct_unused")
    _unlink(stack)
    response = clinician.post("/api/v1/calls/call_1/payment-requests", json=body)
    assert (response.status_code, response.json()["error"]["code"]) == (
        409, "stripe_account_not_linked")
    assert "Configure > Client Payments" in response.json()["error"]["message"]


def _unlink(stack: Stack) -> None:
    import asyncio

    from sqlalchemy import update

    from paygate.store.database import Database
    from paygate.store.models import StripeAccountLink

    async def run() -> None:
        db = Database(stack.settings.database_url)
        async with db.transaction() as tx:
            await tx.execute(update(StripeAccountLink).values(active=False))
        await db.close()

    asyncio.run(run())


def test_payment_options_tell_the_widget_the_clinics_currency_and_limits(
        login: Login, stack: Stack) -> None:
    seed(stack, currency="gbp", max_amount=50000)
    options = login("clinician").get("/api/v1/calls/call_1/payment-options").json()
    assert options["clinic_name"] == "Sunrise Clinic"
    assert options["default_currency"] == "gbp"
    assert options["max_amount"] == 50000
    assert options["ready"] is True
    gbp = next(c for c in options["currencies"] if c["code"] == "gbp")
    assert gbp == {"code": "gbp", "exponent": 2, "minimum": 30}


def test_only_the_calls_clinician_creates_and_cancels_and_only_its_people_see_it(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    created = request_payment(clinician)
    rid = created["id"]
    body = {"amount": 2500, "currency": "usd", "description": "Consultation"}

    patient = login("patient")
    assert patient.post("/api/v1/calls/call_1/payment-requests", json=body).status_code == 403
    assert patient.post(f"/api/v1/payment-requests/{rid}/cancel").status_code == 403

    other_call = login("clinician", call="call_2")
    response = other_call.post("/api/v1/calls/call_1/payment-requests", json=body)
    assert (response.status_code, response.json()["error"]["message"]) == (
        403, "This call is not yours.")
    assert other_call.get("/api/v1/calls/call_1/payment-requests").status_code == 403
    assert other_call.get(f"/api/v1/payment-requests/{rid}").status_code == 403
    assert other_call.post(f"/api/v1/payment-requests/{rid}/cancel").status_code == 403

    other_clinic = login("clinician", clinic="clinic_2")
    assert other_clinic.get(f"/api/v1/payment-requests/{rid}").status_code == 403
    other_patient = login("patient", call="call_2")
    response = other_patient.get(f"/api/v1/payment-requests/{rid}")
    assert response.status_code == 403
    assert "client_secret" not in response.text
    admin = login("clinic_admin")
    assert admin.get("/api/v1/calls/call_1/payment-requests").status_code == 403

    import httpx
    anonymous = httpx.get(f"{stack.url}/api/v1/payment-requests/{rid}")
    assert anonymous.status_code == 401
    assert clinician.get("/api/v1/payment-requests/pr_missing").status_code == 404
    assert status_of_list(clinician) == ["requested"]


def status_of_list(client: Any) -> list[str]:
    return [r["status"] for r in
            client.get("/api/v1/calls/call_1/payment-requests").json()["requests"]]


def test_the_receipt_address_is_the_patients_to_give_and_must_look_like_one(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    rid = request_payment(login("clinician"))["id"]
    patient = login("patient")
    bad = patient.post(f"/api/v1/payment-requests/{rid}/receipt", json={"email": "pat@"})
    assert bad.status_code == 400
    assert bad.json()["error"] == {"code": "invalid_request", "field": "email",
                                   "message": "Enter a valid email address for your receipt."}
    ok = patient.post(f"/api/v1/payment-requests/{rid}/receipt",
                      json={"email": "pat@example.com"})
    assert ok.status_code == 200
    assert ok.json()["receipt_email"] == "pat@example.com"
    clinician = login("clinician")
    assert clinician.post(f"/api/v1/payment-requests/{rid}/receipt",
                          json={"email": "dr@example.com"}).status_code == 403
    assert clinician.get(f"/api/v1/payment-requests/{rid}").json()["receipt_email"] is None


def test_openapi_lists_the_payment_endpoints(
        login: Login, stack: Stack) -> None:
    import httpx

    spec = httpx.get(f"{stack.url}/openapi.json").json()
    paths = spec["paths"]
    assert set(paths["/api/v1/calls/{call_id}/payment-requests"]) == {"get", "post"}
    for path in ("/api/v1/payment-requests/{request_id}",
                 "/api/v1/payment-requests/{request_id}/cancel",
                 "/api/v1/payment-requests/{request_id}/receipt",
                 "/api/v1/payment-requests/{request_id}/refresh",
                 "/api/v1/calls/{call_id}/payment-options"):
        assert path in paths
    create = paths["/api/v1/calls/{call_id}/payment-requests"]["post"]
    schema = spec["components"]["schemas"]["PaymentRequestCreate"]
    assert schema["properties"]["amount"]["type"] == "integer"
    assert "201" in create["responses"]
