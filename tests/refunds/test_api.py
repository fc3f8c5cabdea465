"""POST /api/v1/payment-requests/{id}/refunds over real HTTP: full and partial refunds at the
sandbox Stripe, the refund receipt once per refund, and every refusal leaving the ledger as
it was."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, status_of, wait_until
from tests.refunds.conftest import (
    PATIENT_EMAIL,
    Paid,
    make_paid,
    refund_mails,
    stripe_refunds,
)


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_a_partial_then_a_full_refund_with_a_receipt_for_each(
        stack: Stack, clinic: Clinic, paid: Paid) -> None:
    first = paid.refund(amount=2000, reason="requested_by_patient",
                        note="Patient asked: session cut short (knee pain)")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["payment_request"]["status"] == "partially_refunded"
    assert body["refund"]["amount"] == 2000 and body["refund"]["status"] == "succeeded"
    assert body["refund"]["made_by"] == "Dr Ada Grey"
    assert (body["refunds"]["amount_refunded"], body["refunds"]["remaining"]) == (2000, 10000)

    [at_stripe] = stripe_refunds(stack, clinic, paid)
    assert (at_stripe.amount, at_stripe.reason) == (2000, "requested_by_customer")
    # The note (clinical words) stays in paygate.
    assert "knee" not in str(at_stripe.to_dict())
    assert at_stripe.to_dict()["metadata"]["paygate_refund_id"] == body["refund"]["id"]

    [mail] = stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("Refund from"))
    assert mail.subject == f"Refund from Sunrise Clinic ({paid.request['reference']})"
    assert PATIENT_EMAIL in mail.to
    for text in (mail.text(), mail.html()):
        assert "$20.00" in text and "$120.00" in text and "$100.00" in text
        assert "At your request" in text and paid.request["reference"] in text
        assert "knee" not in text

    rest = paid.refund(reason="duplicate")  # no amount: everything that is left
    assert rest.status_code == 201, rest.text
    assert rest.json()["refund"]["amount"] == 10000
    assert rest.json()["payment_request"]["status"] == "refunded"
    assert status_of(paid.patient, paid.id) == "refunded"
    assert sorted(r.amount for r in stripe_refunds(stack, clinic, paid)) == [2000, 10000]
    mails = stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("Refund from"),
                                        count=2)
    assert "refunded in full" in mails[1].text() and "Duplicate payment" in mails[1].html()

    # Stripe's charge.refunded and refund.created for both arrive too: nothing changes.
    time.sleep(1.0)
    assert len(refund_mails(stack)) == 2
    listing = paid.refunds()
    assert (listing["amount_refunded"], listing["remaining"], listing["refundable"]) == \
        (12000, 0, False)
    assert [r["status"] for r in listing["refunds"]] == ["succeeded", "succeeded"]
    again = paid.refund(amount=100)
    assert again.status_code == 409
    assert again.json()["error"]["message"] == \
        "This payment has already been refunded in full."


BAD_INPUT: list[tuple[dict[str, Any], str, str]] = [
    ({"amount": 12001}, "invalid_amount", "amount"),
    ({"amount": 0}, "invalid_amount", "amount"),
    ({"amount": -500}, "invalid_amount", "amount"),
    ({"amount": 20.5}, "invalid_request", "amount"),
    ({"amount": "2000"}, "invalid_request", "amount"),
    ({"amount": True}, "invalid_request", "amount"),
    ({"reason": "because"}, "invalid_request", "reason"),
    ({"reason": ""}, "invalid_request", "reason"),
    ({"reason": "other"}, "invalid_request", "note"),
    ({"amount": 100, "surprise": 1}, "invalid_request", "surprise"),
]


def test_bad_input_is_refused_clearly_and_nothing_is_refunded(
        stack: Stack, clinic: Clinic, paid: Paid) -> None:
    for body, code, field in BAD_INPUT:
        response = paid.refund(**body)
        assert response.status_code == 400, (body, response.text)
        error = response.json()["error"]
        assert (error["code"], error.get("field")) == (code, field), body
        assert error["message"]
    over = paid.refund(amount=12001).json()["error"]["message"]
    assert over == "You can refund at most USD 120.00: that is what is left of this payment."
    no_json = paid.clinician.post(f"/api/v1/payment-requests/{paid.id}/refunds",
                                  content=b"reason=duplicate")
    assert no_json.status_code == 400
    listing = paid.refunds()
    assert (listing["status"], listing["amount_refunded"], listing["refunds"]) == \
        ("paid", 0, [])
    assert stripe_refunds(stack, clinic, paid) == []
    assert refund_mails(stack) == []

    # The endpoint documents its body in the OpenAPI document.
    spec = paid.clinician.get("/openapi.json").json()
    operation = spec["paths"]["/api/v1/payment-requests/{request_id}/refunds"]["post"]
    assert "requestBody" in operation and "400" in operation["responses"]


def test_who_may_refund(stack: Stack, clinic: Clinic, paid: Paid, login: Login) -> None:
    def attempt(role: str, **claims: Any) -> int:
        return paid.refund(login(role, **claims), amount=100).status_code

    assert attempt("patient") == 403
    assert attempt("clinician", call="another_call") == 403
    assert attempt("clinician", clinic="clinic_2") == 403
    assert attempt("clinic_admin", clinic="clinic_2") == 403
    assert attempt("org_admin", org="org_2", clinic=None) == 403
    assert paid.refund(login("patient"), amount=100).json()["error"]["message"] == \
        "Patients cannot refund payments."
    assert paid.refunds()["amount_refunded"] == 0
    assert attempt("clinic_admin") == 201
    assert attempt("org_admin", clinic=None) == 201
    assert attempt("operator", org="platform", clinic=None) == 201
    listing = paid.refunds(login("clinic_admin"))
    assert [r["amount"] for r in listing["refunds"]] == [100, 100, 100]
    assert listing["status"] == "partially_refunded"


def test_an_open_request_cannot_be_refunded(stack: Stack, clinic: Clinic,
                                            login: Login) -> None:
    from tests.payments.conftest import request_payment

    clinician = login("clinician")
    created = request_payment(clinician, 5000)
    response = clinician.post(f"/api/v1/payment-requests/{created['id']}/refunds",
                              json={"reason": "duplicate"})
    assert response.status_code == 409
    assert response.json()["error"]["message"] == \
        "Only paid payments can be refunded; this one is requested."
    missing = clinician.post("/api/v1/payment-requests/pr_nope/refunds",
                             json={"reason": "duplicate"})
    assert missing.status_code == 404


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_two_refunds_of_what_is_left_at_once_make_one(
        stack: Stack, clinic: Clinic, paid: Paid, login: Login) -> None:
    admin = login("clinic_admin")
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda client: paid.refund(client, reason="duplicate"),
                                [paid.clinician, admin]))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409], [a.text for a in answers]
    assert [r.amount for r in stripe_refunds(stack, clinic, paid)] == [12000]
    assert status_of(paid.clinician, paid.id) == "refunded"
    wait_until(lambda: len(refund_mails(stack)) == 1)
    time.sleep(0.5)
    assert len(refund_mails(stack)) == 1


def test_an_idempotency_key_makes_a_retry_return_the_same_refund(
        stack: Stack, clinic: Clinic, paid: Paid) -> None:
    key = {"Idempotency-Key": "refund-form-7"}
    first = paid.refund(amount=1500, headers=key)
    second = paid.refund(amount=1500, headers=key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["refund"]["id"] == second.json()["refund"]["id"]
    assert [r.amount for r in stripe_refunds(stack, clinic, paid)] == [1500]
    assert paid.refunds()["amount_refunded"] == 1500


def test_a_refund_in_another_currency_uses_its_exponent(
        stack: Stack, clinic: Clinic, login: Login) -> None:
    paid = make_paid(stack, login, amount=5000, currency="jpy", description="Consultation")
    response = paid.refund(amount=1200)
    assert response.status_code == 201, response.text
    assert response.json()["refund"]["amount_display"] == "JPY 1,200"
    [mail] = stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("Refund from"))
    assert "¥1,200" in mail.text() and "¥3,800" in mail.text()
