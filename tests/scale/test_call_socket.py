"""The call socket's own timer: a request whose time runs out while both people watch shows
as expired at its deadline, with nobody acting and without the socket polling the
database in between."""

from __future__ import annotations

import time

import pytest

from tests.conftest import Stack
from tests.payments.conftest import seed
from tests.payments.test_realtime import access_token, next_status, open_socket, receive


@pytest.mark.parametrize("stack_overrides", [{"payment_request_ttl": 3}])
def test_an_open_request_turns_expired_on_both_sockets_at_its_deadline(stack: Stack) -> None:
    seed(stack)
    with stack.login("clinician") as clinician, \
            open_socket(stack, access_token(stack, "clinician")) as doctor, \
            open_socket(stack, access_token(stack, "patient")) as patient:
        for ws in (doctor, patient):
            assert receive(ws)["type"] == "snapshot"
        response = clinician.post("/api/v1/calls/call_1/payment-requests", json={
            "amount": 2500, "currency": "usd", "description": "Follow-up consultation"})
        assert response.status_code == 201, response.text
        created = response.json()
        started = time.monotonic()
        for ws in (doctor, patient):
            shown = next_status(ws, created["id"], "expired")
            assert shown["version"] > created["version"]
        # Due at 3 s; a timer per socket, not the 25 s keepalive, noticed it.
        assert time.monotonic() - started < 8
        listed = clinician.get("/api/v1/calls/call_1/payment-requests").json()
        assert [r["status"] for r in listed["requests"]] == ["expired"]


@pytest.mark.parametrize("stack_overrides", [{"payment_request_ttl": 3}])
def test_a_paid_request_is_not_expired_by_the_sockets_timer(stack: Stack) -> None:
    from tests.payments.conftest import pay

    seed(stack)
    with stack.login("clinician") as clinician, stack.login("patient") as patient, \
            open_socket(stack, access_token(stack, "clinician")) as doctor:
        assert receive(doctor)["type"] == "snapshot"
        created = clinician.post("/api/v1/calls/call_1/payment-requests", json={
            "amount": 2500, "currency": "usd", "description": "Follow-up consultation"}).json()
        checkout = patient.get(f"/api/v1/payment-requests/{created['id']}").json()
        assert pay(stack, checkout).status == "succeeded"
        next_status(doctor, created["id"], "paid")
        time.sleep(3.5)  # past the deadline the socket had scheduled
        status = clinician.get(f"/api/v1/payment-requests/{created['id']}").json()["status"]
        assert status == "paid"
        with pytest.raises(TimeoutError):
            doctor.recv(timeout=0.5)  # no further notice: nothing changed


