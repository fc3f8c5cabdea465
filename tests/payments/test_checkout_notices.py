"""The patient's panel says when it opens (or leaves) a checkout; both people's sockets on
the call hear it, and nobody else may say it."""

from __future__ import annotations

import httpx

from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, request_payment
from tests.payments.test_realtime import access_token, open_socket, receive


def notice(client: httpx.Client, request_id: str, body: object) -> httpx.Response:
    return client.post(f"/api/v1/payment-requests/{request_id}/checkout-notice", json=body)


def test_the_call_hears_when_the_patient_opens_and_leaves_the_checkout(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician, patient = login("clinician"), login("patient")
    first = request_payment(clinician, 3000, description="Consultation fee")
    second = request_payment(clinician, 1200, description="Prescription")
    with open_socket(stack, access_token(stack, "clinician")) as doctor, \
            open_socket(stack, access_token(stack, "patient")) as own:
        for ws in (doctor, own):
            receive(ws, "snapshot")
        opened = notice(patient, second["id"], {"open": True})
        assert opened.status_code == 202, opened.text
        assert opened.json() == {"request_id": second["id"], "open": True,
                                 "seconds": 40, "repeat": 15}
        for ws in (doctor, own):
            # Only the request's id: no amount, no name, nothing for Stripe or the logs.
            assert receive(ws, "patient.checkout") == {
                "type": "patient.checkout", "request_id": second["id"], "open": True,
                "seconds": 40}

        # Twice in a row (the panel repeats it while the checkout stays open), then Back.
        assert notice(patient, second["id"], {"open": True}).status_code == 202
        assert receive(doctor, "patient.checkout")["open"] is True
        assert notice(patient, second["id"], {"open": False}).status_code == 202
        assert receive(doctor, "patient.checkout") == {
            "type": "patient.checkout", "request_id": second["id"], "open": False,
            "seconds": 40}

        # A cancelled request cannot be "being paid"; leaving its checkout is still fine.
        clinician.post(f"/api/v1/payment-requests/{first['id']}/cancel")
        refused = notice(patient, first["id"], {"open": True})
        assert refused.status_code == 409
        assert refused.json()["error"]["code"]
        assert notice(patient, first["id"], {"open": False}).status_code == 202
        got = receive(doctor, "patient.checkout")
        assert (got["request_id"], got["open"]) == (first["id"], False)


def test_only_the_calls_patient_may_say_it_for_a_request_of_that_call(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    created = request_payment(clinician)
    assert notice(clinician, created["id"], {"open": True}).status_code == 403
    stranger = login("patient", call="call_2")
    refused = notice(stranger, created["id"], {"open": True})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "This call is not yours."
    patient = login("patient")
    missing = notice(patient, "pr_nope", {"open": True})
    assert missing.status_code == 404
    for bad in ({}, {"open": "maybe"}, {"open": True, "amount": 5}):
        answer = notice(patient, created["id"], bad)
        assert answer.status_code == 400, bad
        assert answer.json()["error"]["message"]
