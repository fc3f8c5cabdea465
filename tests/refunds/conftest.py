"""A paid request to refund: a clinic on a sandbox account, a clinician and a patient who
paid with a test card and got their receipt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import Stack
from tests.payments import conftest as payments
from tests.payments.conftest import (
    Clinic,
    Login,
    pay,
    request_payment,
    status_of,
    wait_until,
)

clinic = payments.clinic  # the same fixtures as the payments tests
login = payments.login

PATIENT_EMAIL = "pat@example.com"


@dataclass
class Paid:
    request: dict[str, Any]
    clinician: httpx.Client
    patient: httpx.Client

    @property
    def id(self) -> str:
        return str(self.request["id"])

    def refund(self, client: httpx.Client | None = None, *,
               headers: dict[str, str] | None = None, **body: Any) -> httpx.Response:
        body.setdefault("reason", "requested_by_patient")
        return (client or self.clinician).post(
            f"/api/v1/payment-requests/{self.id}/refunds", json=body, headers=headers)

    def refunds(self, client: httpx.Client | None = None) -> dict[str, Any]:
        response = (client or self.clinician).get(
            f"/api/v1/payment-requests/{self.id}/refunds")
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


def make_paid(stack: Stack, login: Login, amount: int = 12000, currency: str = "usd",
              description: str = "Physiotherapy session", locale: str | None = None) -> Paid:
    clinician = login("clinician", name="Dr Ada Grey", user="dr-ada")
    patient = login("patient", name="Pat Doe")
    created = request_payment(clinician, amount, currency, description)
    body: dict[str, Any] = {"email": PATIENT_EMAIL}
    if locale:
        body["locale"] = locale
    response = patient.post(f"/api/v1/payment-requests/{created['id']}/receipt", json=body)
    assert response.status_code == 200, response.text
    checkout = patient.get(f"/api/v1/payment-requests/{created['id']}").json()
    assert pay(stack, checkout).status == "succeeded"
    wait_until(lambda: status_of(clinician, created["id"]) == "paid")
    stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("Your receipt"))
    return Paid(request=created, clinician=clinician, patient=patient)


@pytest.fixture
def paid(stack: Stack, login: Login, clinic: Clinic) -> Paid:
    return make_paid(stack, login)


def refund_mails(stack: Stack) -> list[Any]:
    return [m for m in stack.mail.mailbox.messages if m.subject.startswith("Refund from")]


def sandbox_faults(stack: Stack, **body: Any) -> None:
    if body:
        response = httpx.post(f"{stack.sandbox_url}/_sandbox/faults", json=body)
    else:
        response = httpx.delete(f"{stack.sandbox_url}/_sandbox/faults")
    assert response.status_code == 200, response.text


def intent_id(stack: Stack, clinic: Clinic, paid: Paid) -> str:
    intents = stack.stripe.v1.payment_intents.list({"limit": 100},
                                                   {"stripe_account": clinic.account})
    [found] = [i.id for i in intents.data
               if i.to_dict()["metadata"].get("paygate_payment_request") == paid.id]
    return str(found)


def stripe_refunds(stack: Stack, clinic: Clinic, paid: Paid) -> list[Any]:
    """The refunds the clinic's Stripe account holds for this payment, oldest first."""
    intent = intent_id(stack, clinic, paid)
    found = stack.stripe.v1.refunds.list({"limit": 100}, {"stripe_account": clinic.account})
    return sorted((r for r in found.data if r.payment_intent == intent),
                  key=lambda r: r.created)
