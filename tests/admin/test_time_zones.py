"""A clinic's time zone: it starts from its Stripe account's country, an admin changes it
on the Edit form, and the patient's receipt gives the payment's time in it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from paygate import i18n
from tests.admin.conftest import admin_client, csrf_of
from tests.conftest import Stack
from tests.payments.conftest import pay, request_payment, seed, status_of, wait_until

EDIT = "/admin/clinics/clinic_1/client-payments/edit"
SETTINGS = "/admin/clinics/clinic_1/client-payments/settings"


def selected_zone(html: str) -> str:
    found = re.search(r'<option value="([^"]+)" selected>[^<]*</option>\s*(?:<option[^>]*>'
                      r'[^<]*</option>\s*)*</select>\s*(?:<p class="field-error"[^>]*>[^<]*'
                      r'</p>\s*)?<p class="hint" id="time_zone-hint"', html)
    assert found, "no time zone selected on the form"
    return found.group(1)


def save(admin: httpx.Client, **fields: str) -> httpx.Response:
    form = {"display_name": "Sunrise Clinic", "default_currency": "usd", "reply_to": "",
            "time_zone": "", **fields}
    return admin.post(SETTINGS, data={"csrf": csrf_of(admin.get(EDIT).text), **form})


def test_receipt_times_follow_the_clinics_time_zone(stack: Stack) -> None:
    seed(stack)  # linked to a US account
    with admin_client(stack, "clinic_admin") as admin:
        form = admin.get(EDIT).text
        assert selected_zone(form) == "America/New_York"  # from the account's country
        assert len(re.findall(r'<option value="[A-Z][A-Za-z_]+/', form)) > 300

        wrong = save(admin, time_zone="Mars/Olympus_Mons")
        assert wrong.status_code == 400
        field = re.search(r'<select id="time_zone"[^>]*>', wrong.text)
        assert field and 'aria-invalid="true"' in field.group(0)
        assert 'aria-describedby="time_zone-error time_zone-hint"' in field.group(0)
        assert "There is no time zone &#39;Mars/Olympus_Mons&#39;" in wrong.text

        saved = save(admin, time_zone="Asia/Kolkata")
        assert saved.status_code == 303
        page = admin.get("/admin/clinics/clinic_1/client-payments").text
        assert '<dd data-field="time_zone">Asia/Kolkata</dd>' in page
        assert selected_zone(admin.get(EDIT).text) == "Asia/Kolkata"
        # Saved again without touching the zone: it stays.
        assert save(admin, reply_to="billing@sunrise.example").status_code == 303
        assert selected_zone(admin.get(EDIT).text) == "Asia/Kolkata"

    with stack.login("clinician") as clinician, stack.login("patient") as patient:
        paid_at = pay_in_a_call(stack, clinician, patient)
    [mail] = stack.mail.mailbox.wait_for(lambda m: "pat@example.com" in m.to)

    expected = i18n.format_datetime(paid_at, "en", "Asia/Kolkata")
    local = paid_at.astimezone(ZoneInfo("Asia/Kolkata"))
    assert local.strftime("%-I:%M") in expected and expected.endswith("+0530")
    for body in (mail.text(), mail.html()):
        assert expected in body.replace("&#8239;", "\u202f"), body
        assert "UTC" not in body


def pay_in_a_call(stack: Stack, clinician: httpx.Client, patient: httpx.Client) -> datetime:
    created = request_payment(clinician, 4500, "usd", "Follow-up consultation")
    patient.post(f"/api/v1/payment-requests/{created['id']}/receipt",
                 json={"email": "pat@example.com"}).raise_for_status()
    pay(stack, patient.get(f"/api/v1/payment-requests/{created['id']}").json())
    wait_until(lambda: status_of(clinician, created["id"]) == "paid")
    return datetime.fromisoformat(
        patient.get(f"/api/v1/payment-requests/{created['id']}").json()["paid_at"])


def test_without_a_linked_account_the_zone_is_utc(stack: Stack) -> None:
    from tests.admin.conftest import seed as seed_unlinked
    seed_unlinked(stack, "clinic_1")
    with admin_client(stack, "clinic_admin") as admin:
        assert selected_zone(admin.get(EDIT).text) == "UTC"
        page: Any = admin.get("/admin/clinics/clinic_1/client-payments").text
        assert '<dd data-field="time_zone">UTC</dd>' in page
