"""Addresses and header text are checked where people type them, so the outbox never holds
an email it cannot write: the receipt address, the pay-link address, the clinic's name and
reply-to (Edit form), an enablement request's contact and new clinic name."""

from __future__ import annotations

import html
import re

import pytest

from tests.admin.conftest import admin_client, csrf_of
from tests.admin.conftest import seed as seed_admin_clinic
from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, request_payment
from tests.reliability.conftest import BOTH

PAGE = "/admin/clinics/clinic_1/client-payments"
NOT_ONE_ADDRESS = [
    "a@b..example", "a@b.example\u0000", "pat@example.com\r\nBcc: all@example.com",
    "Pat <pat@example.com>", "pat@example.com, other@example.com", "pat@localhost",
]


def alert_of(page: str) -> str:
    found = re.search(r'role="alert"[^>]*>(.*?)</', page, re.S)
    assert found, "the page shows no alert"
    return html.unescape(found.group(1)).strip()


@BOTH
@pytest.mark.parametrize("address", NOT_ONE_ADDRESS)
def test_an_address_that_cannot_be_mailed_is_refused_naming_the_field(
        login: Login, stack: Stack, clinic: Clinic, address: str) -> None:
    clinician, patient = login("clinician"), login("patient")
    created = request_payment(clinician, 2500, description="Check-up")
    receipt = patient.post(f"/api/v1/payment-requests/{created['id']}/receipt",
                           json={"email": address})
    assert receipt.status_code == 400, receipt.text
    assert receipt.json()["error"]["field"] == "email"
    link = clinician.post(f"/api/v1/payment-requests/{created['id']}/pay-link",
                          json={"email": address})
    assert link.status_code == 400, link.text
    assert link.json()["error"]["field"] == "email"
    shown = patient.get(f"/api/v1/payment-requests/{created['id']}").json()
    assert shown["receipt_email"] is None  # nothing half-saved

    # The patient corrects it; the address is kept as the one plain address it is.
    fixed = patient.post(f"/api/v1/payment-requests/{created['id']}/receipt",
                         json={"email": "  Pat@Example.COM "})
    assert fixed.status_code == 200 and fixed.json()["receipt_email"] == "Pat@example.com"
    sent = clinician.post(f"/api/v1/payment-requests/{created['id']}/pay-link", json={})
    assert sent.status_code == 202 and sent.json()["sent_to"] == "Pat@example.com"
    stack.mail.mailbox.wait_for(lambda m: m.to == "Pat@example.com")


@pytest.mark.parametrize(("name", "reply_to", "field", "message"), [
    ("Sunrise\r\nBcc: all@example.com", "", "display_name",
     "The name shown to patients must be on one line (no line breaks)."),
    ("Sunrise\nClinic", "", "display_name",
     "The name shown to patients must be on one line (no line breaks)."),
    ("Sunrise", "desk@sunrise.example\r\nBcc: all@example.com", "reply_to",
     "The reply-to address must be an email address like billing@clinic.example."),
    ("Sunrise", "desk@sunrise..example", "reply_to",
     "The reply-to address must be an email address like billing@clinic.example."),
])
def test_the_edit_form_refuses_header_breaking_names_and_reply_tos(
        stack: Stack, name: str, reply_to: str, field: str, message: str) -> None:
    seed_admin_clinic(stack)
    with admin_client(stack) as client:
        form = {"csrf": csrf_of(client.get(f"{PAGE}/edit").text), "display_name": name,
                "default_currency": "usd", "reply_to": reply_to}
        refused = client.post(f"{PAGE}/settings", data=form)
        assert refused.status_code == 400
        assert alert_of(refused.text) == message
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', refused.text)
        saved = client.get(f"{PAGE}/edit").text  # the saved settings are as before
        assert "Bcc" not in saved and "sunrise..example" not in saved
        form |= {"display_name": "Sunrise Family Clinic", "reply_to": "desk@sunrise.example"}
        assert client.post(f"{PAGE}/settings", data=form).status_code == 303
        page = client.get(PAGE).text
        assert "Sunrise Family Clinic" in page and "desk@sunrise.example" in page


def test_an_enablement_request_refuses_a_contact_or_clinic_name_on_two_lines(
        stack: Stack) -> None:
    seed_admin_clinic(stack, enabled=False)
    with admin_client(stack, "org_admin", clinic=None, email="olivia@org.example") as olivia:
        csrf = csrf_of(olivia.get("/admin/requests/new").text)
        base = {"csrf": csrf, "clinic": "clinic_1", "reason": "Video visits",
                "contact": "olivia@org.example"}
        two_lines = olivia.post("/admin/requests", data=base | {
            "contact": "olivia@org.example\r\nBcc: all@example.com"})
        assert two_lines.status_code == 400
        assert alert_of(two_lines.text) == "The contact must be on one line (no line breaks)."
        assert 'aria-invalid="true"' in two_lines.text
        new_clinic = olivia.post("/admin/requests", data=base | {
            "new_clinic_id": "clinic_8", "new_clinic_name": "Harbour\r\nBcc: all@example.com"})
        assert new_clinic.status_code == 400
        assert alert_of(new_clinic.text) == \
            "The clinic's name must be on one line (no line breaks)."
        assert re.search(r'id="new_clinic_name"[^>]*aria-invalid="true"', new_clinic.text)
        assert "PG-000001" not in olivia.get("/admin/requests").text  # nothing was filed
        filed = olivia.post("/admin/requests", data=base | {"contact": "+1 555 0100"})
        assert filed.status_code == 303
    stack.mail.mailbox.wait_for(
        lambda m: m.to == "olivia@org.example" and "PG-000001" in m.subject)
