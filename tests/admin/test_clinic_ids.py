"""Clinic ids are the host platform's: an org admin naming another organisation's clinic
in an enablement request gains nothing. The clinic's own admin (vouched for by a signed
launch token) signs in, requests, links Stripe and takes payments as if nothing happened,
and the org that named it first sees none of it."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.admin.conftest import admin_client, csrf_of
from tests.conftest import Stack
from tests.payments.conftest import pay, wait_until

C_PAGE = "/admin/clinics/clinic_c/client-payments"
ATTACKER = "billing@org-a.example"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def file_request(client: httpx.Client, **fields: str) -> httpx.Response:
    csrf = csrf_of(client.get("/admin/requests/new").text)
    return client.post("/admin/requests", data={"csrf": csrf, "reason": "Video visits",
                                                **fields})


def operator_acts(stack: Stack, number: str, action: str) -> httpx.Response:
    with admin_client(stack, "operator", org="", clinic=None, user="op-1") as omar:
        csrf = csrf_of(omar.get(f"/admin/requests/{number}").text)
        return omar.post(f"/admin/requests/{number}/{action}",
                         data={"csrf": csrf, "resolution": "Checked with the platform."})


def link_over_oauth(stack: Stack, client: httpx.Client, account: str) -> None:
    """Go to Stripe, pick the account on the sandbox's consent page, come back."""
    csrf = csrf_of(client.get(C_PAGE).text)
    to_stripe = client.post(f"{C_PAGE}/connect", data={"csrf": csrf})
    assert to_stripe.status_code == 303, to_stripe.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(to_stripe.headers["location"]).query)
             .items()}
    consent = httpx.post(f"{stack.sandbox_url}/oauth/authorize", data={
        "client_id": query["client_id"], "state": query["state"],
        "scope": query.get("scope", "read_write"), "redirect_uri": query["redirect_uri"],
        "account": account, "action": "authorize"})
    assert consent.status_code in (302, 303), consent.text
    back = client.get(consent.headers["location"])
    assert back.status_code == 303 and "notice=linked" in back.headers["location"]


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_an_org_naming_another_orgs_clinic_first_takes_nothing(stack: Stack) -> None:
    with admin_client(stack, "org_admin", org="org_a", clinic=None, user="mallory",
                      email=ATTACKER) as mallory:
        filed = file_request(mallory, new_clinic_id="clinic_c", new_clinic_name="Ours now",
                             contact=ATTACKER)
        assert filed.status_code == 303, filed.text
        edit = mallory.get(f"{C_PAGE}/edit")
        assert edit.status_code == 200
        assert mallory.post(f"{C_PAGE}/settings", data={
            "csrf": csrf_of(edit.text), "display_name": "Ours now", "reply_to": ATTACKER,
            "default_currency": "usd"}).status_code == 303

    account = stack.connected_account("Clinic C Health")
    with admin_client(stack, "clinic_admin", org="org_c", clinic="clinic_c", user="carol",
                      email="carol@clinic-c.example") as carol:
        page = text_of(carol.get(C_PAGE).text)
        assert "add-on is not enabled for this clinic" in page
        assert "Ours now" not in page and ATTACKER not in carol.get(f"{C_PAGE}/edit").text
        assert file_request(carol, clinic="clinic_c",
                            contact="carol@clinic-c.example").status_code == 303
        # org A's request, approved by mistake, cannot enable a clinic that is not org A's.
        wrong = operator_acts(stack, "PG-000001", "approve")
        assert wrong.status_code == 409 and "reject the case instead" in wrong.text
        assert operator_acts(stack, "PG-000002", "approve").status_code == 303
        link_over_oauth(stack, carol, account)
        assert "Clinic C Health" in carol.get(C_PAGE).text

    with stack.login("clinician", org="org_c", clinic="clinic_c", call="call_c") as clinician, \
            stack.login("patient", org="org_c", clinic="clinic_c", call="call_c") as patient:
        created = clinician.post("/api/v1/calls/call_c/payment-requests", json={
            "amount": 3000, "currency": "usd", "description": "Consultation"})
        assert created.status_code == 201, created.text
        rid = created.json()["id"]
        assert patient.post(f"/api/v1/payment-requests/{rid}/receipt",
                            json={"email": "pat@clinic-c.example"}).status_code == 200
        pay(stack, patient.get(f"/api/v1/payment-requests/{rid}").json())
        wait_until(lambda: clinician.get(f"/api/v1/payment-requests/{rid}").json()["status"]
                   == "paid")
        [receipt] = stack.mail.mailbox.wait_for(lambda m: m.to == "pat@clinic-c.example")
        assert receipt.message["Reply-To"] is None  # not the address org A had set
        assert "Ours now" not in receipt.subject and "Ours now" not in receipt.text()

    with admin_client(stack, "org_admin", org="org_a", clinic=None, user="mallory") as again:
        assert again.get(C_PAGE).status_code == 403
        assert again.get("/admin/clinics/clinic_c/reports").status_code == 403
        assert again.get(f"/admin/payments/{rid}").status_code in (403, 404)
        for path in ("/admin/", "/admin/requests", "/admin/reports", "/admin/outbox"):
            seen = again.get(path)
            assert "Clinic C Health" not in seen.text and created.json()["reference"] \
                not in seen.text and "pat@clinic-c.example" not in seen.text, path


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_an_approval_of_the_wrong_orgs_case_lasts_until_the_real_clinic_signs_in(
        stack: Stack) -> None:
    mallorys_account = stack.connected_account("Mallory Pay")
    with admin_client(stack, "org_admin", org="org_a", clinic=None, user="mallory",
                      email=ATTACKER) as mallory:
        assert file_request(mallory, new_clinic_id="clinic_c", new_clinic_name="Ours now",
                            contact=ATTACKER).status_code == 303
        # The operator approves before anyone of clinic C has used paygate.
        assert operator_acts(stack, "PG-000001", "approve").status_code == 303
        link_over_oauth(stack, mallory, mallorys_account)
        assert "Mallory Pay" in mallory.get(C_PAGE).text

    with admin_client(stack, "clinic_admin", org="org_c", clinic="clinic_c", user="carol",
                      email="carol@clinic-c.example") as carol:
        page = text_of(carol.get(C_PAGE).text)
        assert "add-on is not enabled for this clinic" in page
        assert "Mallory Pay" not in page and "Ours now" not in page
    with stack.login("clinician", org="org_c", clinic="clinic_c", call="call_c") as clinician:
        refused = clinician.post("/api/v1/calls/call_c/payment-requests", json={
            "amount": 3000, "currency": "usd", "description": "Consultation"})
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "addon_not_enabled"
    with admin_client(stack, "org_admin", org="org_a", clinic=None, user="mallory") as again:
        assert again.get(C_PAGE).status_code == 403
        assert again.get("/admin/clinics/clinic_c/reports").status_code == 403

    # Where the host platform itself says a clinic is org A's (a launch token naming both),
    # it stays org A's: another org's token naming it later is refused, whatever its kind.
    with stack.login("clinician", org="org_a", clinic="clinic_d", call="call_d"):
        pass
    with admin_client(stack, "org_admin", org="org_a", clinic=None, user="mallory") as ours:
        assert file_request(ours, new_clinic_id="clinic_d",
                            contact=ATTACKER).status_code == 303
    with admin_client(stack, "clinic_admin", org="org_a", clinic="clinic_d", user="dan"):
        pass
    with httpx.Client(base_url=stack.url, timeout=15) as other:
        taken = other.get("/admin/login", params={"launch": stack.token(
            "clinic_admin", org="org_z", clinic="clinic_d", user="zed")})
        assert taken.status_code == 401, taken.text
        assert "belongs to another organisation" in taken.text
