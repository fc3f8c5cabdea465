"""A pay link reaches the wrong person (issue 15): whoever holds it can read and pay its
one request, nothing else of the call, and only until the request is closed or the link
revoked. Meanwhile the real patient in the call pays as before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.admin.conftest import admin_client, csrf_of
from tests.conftest import Stack
from tests.paylinks.conftest import link_in, link_mail, send_link
from tests.payments.conftest import Clinic, Login, pay, request_payment, status_of, wait_until
from tests.payments.test_realtime import open_socket, receive

ONLY_ITS_OWN = "A payment link opens only its own payment request."
BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


def open_link(stack: Stack, url: str) -> httpx.Response:
    return httpx.post(f"{stack.url}/api/v1/pay-links/session",
                      json={"token": url.rsplit("/", 1)[1]})


@pytest.fixture
def holder(stack: Stack) -> Iterator[Any]:
    """API clients for whoever holds a link: the session it gives."""
    clients: list[httpx.Client] = []

    def make(url: str) -> tuple[httpx.Client, dict[str, Any]]:
        opened = open_link(stack, url)
        assert opened.status_code == 201, opened.text
        client = httpx.Client(base_url=stack.url, timeout=15, headers={
            "Authorization": f"Bearer {opened.json()['access_token']}"})
        clients.append(client)
        return client, opened.json()

    yield make
    for client in clients:
        client.close()


def refused(response: httpx.Response, status: int, message: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] and error["message"]
    if message is not None:
        assert error["message"] == message
    assert "client_secret" not in response.text and "@" not in response.text


def socket_refused(stack: Stack, token: str) -> int:
    with pytest.raises(ConnectionClosed) as closed, open_socket(stack, token) as ws:
        receive(ws, timeout=5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


@BOTH
def test_a_forwarded_link_reads_and_pays_only_its_own_request(
        stack: Stack, clinic: Clinic, login: Login, holder: Any) -> None:
    clinician = login("clinician")
    r1 = request_payment(clinician, 4000, description="Consultation, 20 minutes")
    patient = login("patient", email="real@patient.example")
    set_r1 = patient.post(f"/api/v1/payment-requests/{r1['id']}/receipt",
                          json={"email": "real@patient.example"})
    assert set_r1.status_code == 200, set_r1.text
    r2 = request_payment(clinician, 1500, description="Prescription renewal")
    assert send_link(clinician, r2["id"], email="wrong@stranger.example").status_code == 202
    url = link_in(link_mail(stack, "wrong@stranger.example"))

    stranger, session = holder(url)
    assert session["payment_request_id"] == r2["id"]
    assert session["user"]["email"] == "wrong@stranger.example"  # the address it went to
    own = stranger.get(f"/api/v1/payment-requests/{r2['id']}")
    assert own.status_code == 200 and own.json()["client_secret"]
    assert stranger.get("/api/v1/calls/call_1/payment-options").status_code == 200

    # Everything else of the call is refused, each time it is tried.
    for _ in range(2):
        refused(stranger.get("/api/v1/calls/call_1/payment-requests"), 403, ONLY_ITS_OWN)
        refused(stranger.get(f"/api/v1/payment-requests/{r1['id']}"), 403, ONLY_ITS_OWN)
        refused(stranger.post(f"/api/v1/payment-requests/{r1['id']}/refresh"), 403)
        refused(stranger.post(f"/api/v1/payment-requests/{r1['id']}/receipt",
                              json={"email": "thief@stranger.example"}), 403, ONLY_ITS_OWN)
        refused(stranger.post(f"/api/v1/payment-requests/{r1['id']}/cancel"), 403)
        refused(stranger.post("/api/v1/calls/call_1/payment-requests",
                              json={"amount": 100, "description": "x"}), 403)
        refused(send_link(stranger, r1["id"], email="thief@stranger.example"), 403)
        refused(stranger.post(f"/api/v1/payment-requests/{r2['id']}/pay-link/revoke"), 403)
        refused(stranger.get(f"/api/v1/payment-requests/{r1['id']}/refunds"), 403)
        assert socket_refused(stack, session["access_token"]) == 4403

    # The real patient in the call pays R1 as before, their receipt address untouched.
    checkout = patient.get(f"/api/v1/payment-requests/{r1['id']}").json()
    assert checkout["receipt_email"] == "real@patient.example"
    assert pay(stack, checkout).status == "succeeded"
    wait_until(lambda: status_of(clinician, r1["id"]) == "paid")
    [receipt] = stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("Your receipt"))
    assert receipt.to == "real@patient.example"

    # The clinician cancels R2: the link's session ends with it, and the link too.
    assert clinician.post(f"/api/v1/payment-requests/{r2['id']}/cancel").status_code == 200
    cancelled = "This payment request was cancelled. You have not been charged."
    for response in (stranger.get(f"/api/v1/payment-requests/{r2['id']}"),
                     stranger.post(f"/api/v1/payment-requests/{r2['id']}/refresh"),
                     stranger.post(f"/api/v1/payment-requests/{r2['id']}/receipt",
                                   json={"email": "wrong@stranger.example"})):
        refused(response, 401, cancelled)
        assert response.json()["error"]["code"] == "pay_link_ended"
    refused(stranger.get("/api/v1/calls/call_1/payment-requests"), 403, ONLY_ITS_OWN)
    refused(open_link(stack, url), 409, cancelled)
    assert socket_refused(stack, session["access_token"]) == 4403


@BOTH
def test_a_revoked_link_stops_at_once_and_a_new_one_pays(
        stack: Stack, clinic: Clinic, login: Login, holder: Any) -> None:
    clinician = login("clinician")
    created = request_payment(clinician, 2500, description="Follow-up consultation")
    path = f"/api/v1/payment-requests/{created['id']}"
    assert send_link(clinician, created["id"], email="wrong@stranger.example").status_code == 202
    wrong = link_in(link_mail(stack, "wrong@stranger.example"))
    stranger, _ = holder(wrong)
    assert stranger.get(path).status_code == 200
    assert clinician.get(path).json()["pay_link_until"] is not None

    # Only the call's clinician or a clinic admin may revoke.
    refused(login("patient").post(f"{path}/pay-link/revoke"), 403)
    refused(login("clinician", call="call_9").post(f"{path}/pay-link/revoke"), 403)
    assert stranger.get(path).status_code == 200

    revoked = clinician.post(f"{path}/pay-link/revoke")
    assert revoked.status_code == 200, revoked.text
    # Still within its own time: the request stays open for the call, without a link.
    assert (revoked.json()["status"], revoked.json()["pay_link_until"]) == ("requested", None)
    withdrawn = "The clinic has withdrawn this payment link. You have not been charged."
    refused(stranger.get(path), 401, withdrawn)
    refused(stranger.post(f"{path}/receipt", json={"email": "wrong@stranger.example"}), 401)
    refused(open_link(stack, wrong), 409, withdrawn)
    page = httpx.get(wrong)
    assert page.status_code == 410 and "This payment link was withdrawn" in page.text
    assert "data-paygate-pay" not in page.text
    again = clinician.post(f"{path}/pay-link/revoke")  # twice is harmless
    assert again.status_code == 200 and again.json()["status"] == "requested"

    # A new link to the right address works; a clinic admin can revoke it too.
    assert send_link(clinician, created["id"], email="pat@example.com").status_code == 202
    right = link_in(link_mail(stack, "pat@example.com"))
    patient, _ = holder(right)
    assert patient.get(path).json()["client_secret"]
    assert login("clinic_admin").post(f"{path}/pay-link/revoke").status_code == 200
    refused(patient.get(path), 401, withdrawn)
    refused(stranger.get(path), 401, withdrawn)  # the first link stays dead

    stack.mail.mailbox.messages.clear()
    assert send_link(clinician, created["id"], email="pat@example.com").status_code == 202
    patient, _ = holder(link_in(link_mail(stack, "pat@example.com")))
    checkout = patient.get(path).json()
    patient.post(f"{path}/receipt", json={"email": "pat@example.com"})
    assert pay(stack, checkout).status == "succeeded"
    wait_until(lambda: status_of(clinician, created["id"]) == "paid")
    # Paid: the session still shows its own confirmation, and offers no checkout again.
    done = patient.get(path).json()
    assert (done["status"], done["client_secret"]) == ("paid", None)
    assert done["receipt_email"] == "pat@example.com"
    refused(stranger.get(path), 401, withdrawn)


def test_a_clinic_admin_revokes_a_link_from_the_payment_page(
        stack: Stack, clinic: Clinic, login: Login, holder: Any) -> None:
    clinician = login("clinician")
    created = request_payment(clinician, 2500)
    page = f"/admin/payments/{created['id']}"
    with admin_client(stack, "clinic_admin") as admin:
        assert "Revoke payment link" not in admin.get(page).text  # no link yet
        assert send_link(clinician, created["id"], email="wrong@stranger.example") \
            .status_code == 202
        stranger, _ = holder(link_in(link_mail(stack, "wrong@stranger.example")))
        html = admin.get(page).text
        assert "Revoke payment link" in html
        done = admin.post(f"{page}/revoke-link", data={"csrf": csrf_of(html)})
        assert done.status_code == 303
        after = admin.get(done.headers["location"]).text
        assert "Payment link revoked" in after and "Revoke payment link" not in after
        refused(stranger.get(f"/api/v1/payment-requests/{created['id']}"), 401)
        assert admin.post(f"{page}/revoke-link", data={}).status_code == 403  # no CSRF
    assert status_of(clinician, created["id"]) == "requested"
