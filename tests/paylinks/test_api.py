"""Pay by link over real HTTP: the clinician emails an open request, the link opens its page
and a patient session while the request can be paid, and is refused once it cannot."""

from __future__ import annotations

import io
import logging
import re
from datetime import datetime, timedelta

import httpx
import pytest
from pypdf import PdfReader

from tests.admin.conftest import admin_client
from tests.conftest import Stack
from tests.paylinks.conftest import link_in, link_mail, send_link
from tests.payments.conftest import (
    Clinic,
    Login,
    pay,
    request_payment,
    status_of,
    wait_until,
)


def test_a_link_opens_the_request_and_pays_it_like_the_call_panel(
        stack: Stack, clinic: Clinic, login: Login, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="paygate")
    clinician = login("clinician", name="Dr Ada Grey")
    created = request_payment(clinician, 4550, "usd", "Follow-up consultation")
    sent = send_link(clinician, created["id"], email="pat@elsewhere.example")
    assert sent.status_code == 202, sent.text
    assert sent.json()["sent_to"] == "pat@elsewhere.example"
    # The link has the clinic's validity (72 hours unless changed), and its request stays
    # payable as long: the call's panels see the later deadline.
    until = datetime.fromisoformat(sent.json()["expires_at"])
    asked = datetime.fromisoformat(created["created_at"])
    assert timedelta(hours=72) <= until - asked < timedelta(hours=72, minutes=1)
    now = clinician.get(f"/api/v1/payment-requests/{created['id']}").json()
    assert datetime.fromisoformat(now["expires_at"]) == until
    assert datetime.fromisoformat(now["pay_link_until"]) == until

    mail = link_mail(stack, "pat@elsewhere.example")
    assert mail.subject == f"Payment request from Sunrise Clinic ({created['reference']})"
    for body in (mail.text(), mail.html()):
        assert "Sunrise Clinic asks you to pay $45.50." in body
        assert "Follow-up consultation" in body and created["reference"] in body
    url = link_in(mail)

    page = httpx.get(url)
    assert page.status_code == 200
    assert "$45.50" in page.text and "Follow-up consultation" in page.text
    assert "data-paygate-pay" in page.text and "/widget/static/paypage.js" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"

    token = url.rsplit("/", 1)[1]
    # The link's token is a credential: the access log does not keep it.
    def access_lines() -> list[dict[str, object]]:
        fields = [getattr(r, "fields", {}) for r in caplog.records
                  if r.name == "paygate.access"]
        return [f for f in fields if str(f.get("path", "")).startswith("/pay")]

    wait_until(access_lines)
    assert access_lines()[0]["path"] == "/pay/[link]"
    assert token not in repr([getattr(r, "fields", r.getMessage()) for r in caplog.records])
    opened = httpx.post(f"{stack.url}/api/v1/pay-links/session", json={"token": token})
    assert opened.status_code == 201, opened.text
    session = opened.json()
    assert (session["role"], session["call_id"], session["payment_request_id"]) == \
        ("patient", "call_1", created["id"])
    with httpx.Client(base_url=stack.url, headers={
            "Authorization": f"Bearer {session['access_token']}"}) as patient:
        checkout = patient.get(f"/api/v1/payment-requests/{created['id']}").json()
        assert checkout["client_secret"] and checkout["stripe_account"] == clinic.account
        patient.post(f"/api/v1/payment-requests/{created['id']}/receipt",
                     json={"email": "pat@elsewhere.example"})
        assert pay(stack, checkout).status == "succeeded"
    wait_until(lambda: status_of(clinician, created["id"]) == "paid")
    stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("Your receipt"))

    # Paid: the page says so, and the link gives no more sessions.
    again = httpx.get(url)
    assert again.status_code == 200
    assert "This payment has already been made" in again.text
    assert "data-paygate-pay" not in again.text
    refused = httpx.post(f"{stack.url}/api/v1/pay-links/session", json={"token": token})
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == "This payment has already been made."
    # ...but the page offers the receipt, in the page's language.
    assert "Download receipt (PDF)" in again.text
    receipt = httpx.get(f"{url}/receipt.pdf", params={"locale": "fr"})
    assert receipt.status_code == 200, receipt.text
    assert receipt.headers["content-type"] == "application/pdf"
    assert receipt.headers["content-disposition"].startswith("attachment;")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt.content)).pages)
    assert created["reference"] in text and "Reçu" in text
    # A link withdrawn (sent to the wrong address) gives no receipt.
    assert clinician.post(f"/api/v1/payment-requests/{created['id']}/pay-link/revoke"
                          ).status_code == 200
    assert "Download receipt (PDF)" not in httpx.get(url).text
    assert httpx.get(f"{url}/receipt.pdf").status_code == 404


def test_a_cancelled_request_or_a_bad_link_is_refused_clearly(
        stack: Stack, clinic: Clinic, login: Login) -> None:
    clinician = login("clinician")
    created = request_payment(clinician, 3000)
    assert send_link(clinician, created["id"], email="pat@example.com").status_code == 202
    url = link_in(link_mail(stack, "pat@example.com"))
    clinician.post(f"/api/v1/payment-requests/{created['id']}/cancel")

    page = httpx.get(url)
    assert page.status_code == 410
    assert "This payment request was cancelled" in page.text
    assert "You have not been charged." in page.text
    again = send_link(clinician, created["id"], email="pat@example.com")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == \
        "Only an open request can be sent as a payment link; this one is cancelled."

    # A changed character, or another kind of paygate token, is not a pay link.
    token = url.rsplit("/", 1)[1]
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
                stack.token("patient"), "nonsense"):
        response = httpx.get(f"{stack.url}/pay/{bad}")
        assert response.status_code == 404
        assert "This payment link is not valid" in response.text
        assert httpx.post(f"{stack.url}/api/v1/pay-links/session",
                          json={"token": bad}).status_code == 401


def test_who_may_send_a_link_and_to_whom(stack: Stack, clinic: Clinic,
                                         login: Login) -> None:
    clinician = login("clinician")
    created = request_payment(clinician, 3000)
    assert send_link(login("patient"), created["id"], email="a@b.example").status_code == 403
    assert send_link(login("clinician", call="call_9"), created["id"],
                     email="a@b.example").status_code == 403
    bad = send_link(clinician, created["id"], email="not-an-address")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "email"
    unknown = send_link(clinician, created["id"])
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"] == "Enter the patient's email address."
    assert stack.mail.mailbox.messages == []

    # The patient joined the call with an address and a language: the link uses both.
    login("patient", email="pat@example.fr", locale="fr")
    sent = send_link(clinician, created["id"])
    assert sent.status_code == 202 and sent.json()["sent_to"] == "pat@example.fr"
    [mail] = stack.mail.mailbox.wait_for(lambda m: "pat@example.fr" in m.to)
    assert mail.subject == f"Demande de paiement de Sunrise Clinic ({created['reference']})"
    assert "Sunrise Clinic vous demande de payer 30,00\xa0$US." in mail.text()
    # The payment's history keeps who sent it where, without changing its status.
    with admin_client(stack, "clinic_admin") as admin:
        page = admin.get(f"/admin/payments/{created['id']}").text
    history = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[page.index('id="history"'):]))
    assert "no change Clinician payment link emailed to pat@example.fr" in history
