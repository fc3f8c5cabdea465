"""A link has its own validity (issue 16): the clinic's setting, 72 hours unless changed.
Its request stays payable that long, past its own 30 minutes (here: 1 second, with the
reconciler sweeping every second), and expires as before when the link's time is up."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import httpx
import pytest

from tests.admin.conftest import admin_client, csrf_of
from tests.conftest import Stack
from tests.paylinks.conftest import link_in, link_mail, send_link
from tests.payments.conftest import (
    Clinic,
    Login,
    pay,
    request_payment,
    seed,
    status_of,
    wait_until,
)

FAST = {"payment_request_ttl": 1, "reconcile_interval": 1}


def session_for(stack: Stack, url: str) -> httpx.Response:
    return httpx.post(f"{stack.url}/api/v1/pay-links/session",
                      json={"token": url.rsplit("/", 1)[1]})


@pytest.mark.parametrize("stack_overrides", [FAST])
def test_a_link_used_after_the_requests_own_time_still_pays(
        stack: Stack, clinic: Clinic, login: Login) -> None:
    clinician = login("clinician")
    kept = request_payment(clinician, 3000, description="Consultation")
    lapsed = request_payment(clinician, 1000, description="Without a link")
    sent = send_link(clinician, kept["id"], email="pat@example.com")
    assert sent.status_code == 202
    url = link_in(link_mail(stack, "pat@example.com"))
    time.sleep(2.5)  # past the request's own time, with reconciler passes in between

    # The request without a link expired as before; the one with a link did not.
    wait_until(lambda: status_of(clinician, lapsed["id"]) == "expired")
    listed = {r["id"]: r for r in
              clinician.get("/api/v1/calls/call_1/payment-requests").json()["requests"]}
    assert listed[kept["id"]]["status"] == "requested"
    assert listed[kept["id"]]["expires_at"] == sent.json()["expires_at"]
    assert httpx.get(url).status_code == 200

    opened = session_for(stack, url)
    assert opened.status_code == 201, opened.text
    with httpx.Client(base_url=stack.url, headers={
            "Authorization": f"Bearer {opened.json()['access_token']}"}) as patient:
        checkout = patient.get(f"/api/v1/payment-requests/{kept['id']}").json()
        assert checkout["status"] == "requested" and checkout["client_secret"]
        patient.post(f"/api/v1/payment-requests/{kept['id']}/receipt",
                     json={"email": "pat@example.com"})
        assert pay(stack, checkout).status == "succeeded"
    wait_until(lambda: status_of(clinician, kept["id"]) == "paid")
    # Revoking a link once its request's own time is over ends the request, as expiry.
    other = request_payment(clinician, 1200, description="Another")
    assert send_link(clinician, other["id"], email="pat@example.com").status_code == 202
    time.sleep(1.5)
    assert status_of(clinician, other["id"]) == "requested"
    revoked = clinician.post(f"/api/v1/payment-requests/{other['id']}/pay-link/revoke")
    assert revoked.json()["status"] == "expired"


@pytest.mark.parametrize("stack_overrides", [FAST])
def test_a_link_past_its_validity_is_refused_and_its_request_expires(
        stack: Stack, login: Login) -> None:
    seed(stack, pay_link_ttl=4)  # the clinic's setting, in seconds here
    clinician = login("clinician")
    created = request_payment(clinician, 3000)
    sent = send_link(clinician, created["id"], email="pat@example.com")
    until = datetime.fromisoformat(sent.json()["expires_at"])
    assert timedelta(seconds=3) < until - datetime.fromisoformat(created["created_at"]) \
        < timedelta(seconds=5)
    url = link_in(link_mail(stack, "pat@example.com"))
    opened = session_for(stack, url)
    assert opened.status_code == 201
    time.sleep(2)
    assert status_of(clinician, created["id"]) == "requested"  # past its own second

    wait_until(lambda: status_of(clinician, created["id"]) == "expired", timeout=8)
    page = httpx.get(url)
    assert page.status_code == 410 and "This payment link has expired" in page.text
    refused = session_for(stack, url)
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == \
        "This payment link has expired. You have not been charged."
    late = httpx.get(f"{stack.url}/api/v1/payment-requests/{created['id']}", headers={
        "Authorization": f"Bearer {opened.json()['access_token']}"})
    assert late.status_code == 401
    assert late.json()["error"]["code"] in ("pay_link_ended", "token_expired")


def test_the_clinic_sets_how_long_links_stay_valid(stack: Stack, clinic: Clinic,
                                                   login: Login) -> None:
    page = "/admin/clinics/clinic_1/client-payments"
    with admin_client(stack, "clinic_admin") as admin:
        form = admin.get(f"{page}/edit").text
        assert re.search(r'id="pay_link_hours"[^>]*value="72"', form)
        for bad in ("0", "721", "two", "1.5"):
            response = admin.post(f"{page}/settings", data={
                "csrf": csrf_of(form), "default_currency": "usd", "pay_link_hours": bad})
            assert response.status_code == 400
            assert "Payment links stay valid for 1 to 720 hours" in response.text
            assert re.search(r'id="pay_link_hours"[^>]*aria-invalid="true"', response.text)
        saved = admin.post(f"{page}/settings", data={
            "csrf": csrf_of(form), "default_currency": "usd", "pay_link_hours": "24"})
        assert saved.status_code == 303
        overview = admin.get(page).text
        assert re.search(r'data-field="pay_link_hours">24 hours<', overview)
    clinician = login("clinician")
    created = request_payment(clinician, 3000)
    sent = send_link(clinician, created["id"], email="pat@example.com").json()
    lasts = datetime.fromisoformat(sent["expires_at"]) - \
        datetime.fromisoformat(created["created_at"])
    assert timedelta(hours=24) <= lasts < timedelta(hours=24, minutes=1)
    assert clinician.get("/api/v1/calls/call_1/payment-options").json()["pay_link_hours"] == 24
