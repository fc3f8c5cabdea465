"""The clinician's "payment received" comes from Stripe's event without waiting on Stripe's
API, and a socket dropped mid-payment loses nothing: the reconnect's snapshot says paid."""

from __future__ import annotations

import socket
import time

from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, pay, request_payment
from tests.payments.test_realtime import access_token, open_socket, receive
from tests.reliability.conftest import paid_transitions, sandbox_faults


def test_payment_received_is_pushed_from_the_event_while_stripes_api_stalls(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    created = request_payment(clinician, 5600, description="Consultation")
    checkout = login("patient").get(f"/api/v1/payment-requests/{created['id']}").json()
    with open_socket(stack, access_token(stack, "clinician")) as doctor:
        assert receive(doctor, "snapshot")["requests"][0]["status"] == "requested"
        # Any read of a PaymentIntent by paygate would now take 5 s.
        sandbox_faults(stack, api=[{"method": "GET", "path": "/v1/payment_intents/*",
                                    "delay": 5, "count": 50}])
        started = time.monotonic()
        pay(stack, checkout)
        while True:
            notice = receive(doctor, "request.updated")["request"]
            if notice["status"] == "paid":
                break
        took = time.monotonic() - started
    sandbox_faults(stack)
    assert took < 2.0, f"the paid notice took {took:.1f}s"
    assert (notice["card_brand"], notice["card_last4"]) == ("visa", "4242")


def test_a_socket_dropped_mid_payment_reconnects_to_a_snapshot_showing_paid(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    created = request_payment(clinician, 3100, description="Follow-up")
    checkout = login("patient").get(f"/api/v1/payment-requests/{created['id']}").json()
    token = access_token(stack, "clinician")
    patient_token = access_token(stack, "patient")
    with open_socket(stack, patient_token) as patient, open_socket(stack, token) as doctor:
        assert receive(patient, "snapshot")["requests"][0]["status"] == "requested"
        assert receive(doctor, "snapshot")["requests"][0]["status"] == "requested"
        # The network goes away under the clinician: no close frame, the TCP stream just ends.
        doctor.socket.shutdown(socket.SHUT_RDWR)

        pay(stack, checkout)
        while receive(patient, "request.updated")["request"]["status"] != "paid":
            pass
        with open_socket(stack, token) as again:  # the widget reconnects with its token
            [shown] = receive(again, "snapshot")["requests"]
            assert shown["status"] == "paid" and shown["card_last4"] == "4242"
            assert shown["paid_at"] is not None
    assert paid_transitions(stack.settings.database_url, created["id"]) == 1
