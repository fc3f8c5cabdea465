"""Issue 15, items 4 and 5: control characters and deeply nested JSON get a 400 naming the
field, the same on SQLite and PostgreSQL, and nothing is stored."""

from __future__ import annotations

import httpx
import pytest

from tests.admin.conftest import admin_client, csrf_of
from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, request_payment

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
REQUESTS = "/api/v1/calls/call_1/payment-requests"


def refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["field"] == field
    assert "control character" in error["message"]


@BOTH
def test_control_characters_in_bodies_are_refused_and_nothing_is_stored(
        stack: Stack, clinic: Clinic, login: Login) -> None:
    clinician = login("clinician")
    for bad in ("Consult\x00ation", "Consult\x7fation", "Consult\x85ation",
                "Consult\x1bation", "Consult\rat\x0bion"):
        response = clinician.post(REQUESTS, json={"amount": 2500, "currency": "usd",
                                                  "description": bad})
        refused(response, "description")
    lone_surrogate = b'{"amount": 2500, "currency": "usd", "description": "a\\ud800b"}'
    response = clinician.post(REQUESTS, content=lone_surrogate,
                              headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["field"] == "description"
    assert clinician.get(REQUESTS).json()["requests"] == []

    # A multi-line description (the widget's textarea) keeps its line breaks and tabs.
    created = request_payment(clinician, description="Follow-up\n\tconsultation")
    assert created["description"] == "Follow-up\n\tconsultation"

    patient = login("patient")
    receipt = f"/api/v1/payment-requests/{created['id']}/receipt"
    refused(patient.post(receipt, json={"email": "pat@example.com\x00"}), "email")
    refused(patient.post(receipt, json={"email": "pat@example.com", "locale": "fr\x00"}),
            "locale")
    # Tab and line breaks only where a field is multi-line: not in an address.
    refused(patient.post(receipt, json={"email": "pat@example.com\n"}), "email")
    assert patient.get(f"/api/v1/payment-requests/{created['id']}").json()[
        "receipt_email"] is None
    link = f"/api/v1/payment-requests/{created['id']}/pay-link"
    refused(clinician.post(link, json={"email": "pat@example.com\x00"}), "email")
    assert patient.post(receipt, json={"email": "pat@example.com"}).status_code == 200


@BOTH
def test_control_characters_in_path_ids_and_launch_tokens_are_refused(
        stack: Stack, clinic: Clinic, login: Login) -> None:
    clinician = login("clinician")
    for path in ("/api/v1/payment-requests/pr_%00x", "/api/v1/payment-requests/pr_%00x/cancel",
                 "/api/v1/calls/call%001/payment-requests"):
        method = "POST" if path.endswith("cancel") else "GET"
        refused(clinician.request(method, path),
                "call_id" if "calls" in path else "request_id")
    refused(httpx.get(f"{stack.url}/pay/tok%00en", headers={"Accept": "application/json"}),
            "token")

    token = stack.token("clinician", name="Dr \x00Who")
    refused(httpx.post(f"{stack.url}/api/v1/sessions", json={"launch_token": token}),
            "launch_token.name")
    refused(httpx.post(f"{stack.url}/api/v1/sessions",
                       json={"launch_token": stack.token("patient", email="p@x.example\x00")}),
            "launch_token.email")
    # The same person signs in once the platform sends a clean name.
    ok = httpx.post(f"{stack.url}/api/v1/sessions",
                    json={"launch_token": stack.token("clinician", name="Dr Who")})
    assert ok.status_code == 201 and ok.json()["user"]["name"] == "Dr Who"


@BOTH
def test_admin_forms_refuse_control_characters(stack: Stack, clinic: Clinic) -> None:
    page = "/admin/clinics/clinic_1/client-payments"
    with admin_client(stack) as client:
        token = csrf_of(client.get(page).text)
        saved = client.post(f"{page}/settings", data={
            "csrf": token, "display_name": "Sunrise\x00Clinic", "default_currency": "usd",
            "reply_to": ""})
        assert saved.status_code == 400
        assert "display_name contains a control character" in saved.text
        assert "Sunrise\x00Clinic" not in client.get(page).text
        saved = client.post(f"{page}/settings", data={
            "csrf": token, "display_name": "Sunrise Care", "default_currency": "usd",
            "reply_to": ""})
        assert saved.status_code == 303
        assert "Sunrise Care" in client.get(page).text


NESTED = b"[" * 2000


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_deeply_nested_json_is_a_400_with_or_without_a_session(
        stack: Stack, clinic: Clinic, login: Login) -> None:
    for path in ("/api/v1/sessions", "/api/v1/pay-links/session"):
        response = httpx.post(f"{stack.url}{path}", content=NESTED,
                              headers={"Content-Type": "application/json"})
        assert response.status_code == 400, response.text
        assert response.json()["error"]["message"] == "The request body is nested too deeply."
    clinician = login("clinician")
    created = request_payment(clinician)
    patient = login("patient")
    for client, path in ((clinician, REQUESTS),
                         (patient, f"/api/v1/payment-requests/{created['id']}/receipt"),
                         (clinician, f"/api/v1/payment-requests/{created['id']}/refunds")):
        response = client.post(path, content=NESTED,
                               headers={"Content-Type": "application/json"})
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "invalid_request"
    # Nested just under the parser's limit inside a field: the model refuses the type.
    deep = b'{"launch_token": ' + b"[" * 900 + b"]" * 900 + b"}"
    response = httpx.post(f"{stack.url}/api/v1/sessions", content=deep)
    assert response.status_code == 400 and response.json()["error"]["field"] == "launch_token"
    assert len(clinician.get(REQUESTS).json()["requests"]) == 1
