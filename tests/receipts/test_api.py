"""Receipts end to end: the clinic admin's Receipts section, Request Payment with line
items and a date of service (never sent to Stripe), the patient's PDF and the emailed
copy, who may fetch it, and a refund on it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.admin.conftest import admin_client, csrf_of
from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, request_payment
from tests.receipts.conftest import paid_request, pdf_text, save_profile, says

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
ITEMS = [{"code": "23", "description": "Standard consultation", "amount": 8000,
          "gst": "free"},
         {"description": "Dressing pack", "amount": 1100, "gst": "taxable"}]
BODY = {"amount": 9100, "currency": "aud", "description": "Consultation", "items": ITEMS,
        "service_date": "2026-12-01"}


def intents(stack: Stack, clinic: Clinic) -> list[dict[str, Any]]:
    found = stack.stripe.v1.payment_intents.list({"limit": 100},
                                                 {"stripe_account": clinic.account})
    return [i.to_dict() for i in found.data]


def receipt(client: httpx.Client, request_id: str) -> httpx.Response:
    return client.get(f"/api/v1/payment-requests/{request_id}/receipt.pdf")


@BOTH
def test_a_tax_invoice_from_request_to_download_and_email(stack: Stack, clinic: Clinic,
                                                          login: Login) -> None:
    assert save_profile(stack).status_code == 303
    request_id, _, patient = paid_request(stack, login, BODY)

    response = receipt(patient, request_id)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    text = pdf_text(response.content)
    reference = patient.get(f"/api/v1/payment-requests/{request_id}").json()["reference"]
    for fact in ("Tax invoice", "Sunrise Clinic Pty Ltd", "ABN 51 824 753 556",
                 "Dr Jane Citizen", "2423451T", "December 1, 2026", "23",
                 "Standard consultation", "GST-free", "Dressing pack", "Taxable",
                 "GST included in the total A$1.00", "Amount paid A$91.00",
                 "Visa ending in 4242", reference, "Thank you for choosing Sunrise."):
        assert says(text, fact), (fact, text)

    # The emailed receipt carries the same PDF.
    [mail] = stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("Your receipt"))
    [attached] = list(mail.message.iter_attachments())
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_filename() == f"receipt-{reference}.pdf"
    assert pdf_text(attached.get_content()) == text

    # Items and provider numbers stay in paygate: Stripe holds none of them.
    [intent] = intents(stack, clinic)
    sent = repr({k: intent[k] for k in ("description", "metadata")})
    for private in ("Dressing", "Standard consultation", "2423451T", "23", "2026-12-01"):
        assert private not in sent, (private, sent)


@BOTH
def test_items_that_do_not_add_up_are_a_422_and_nothing_reaches_stripe(
        stack: Stack, clinic: Clinic, login: Login) -> None:
    clinician = login("clinician")
    for body, status, field in (
            ({**BODY, "amount": 9000}, 422, "items"),
            ({**BODY, "items": [{**ITEMS[0], "gst": "maybe"}]}, 400, "items.0.gst"),
            ({**BODY, "items": [{**ITEMS[0], "amount": 0}]}, 400, "items.0.amount"),
            ({**BODY, "service_date": "2099-01-01"}, 400, "service_date"),
            ({**BODY, "service_date": "1 Dec"}, 400, "service_date")):
        response = clinician.post("/api/v1/calls/call_1/payment-requests", json=body)
        assert response.status_code == status, response.text
        assert response.json()["error"]["field"] == field
    assert intents(stack, clinic) == []


def test_who_may_fetch_a_receipt(stack: Stack, clinic: Clinic, login: Login) -> None:
    request_id, clinician, patient = paid_request(stack, login, BODY, provider_number=None)
    assert receipt(clinician, request_id).status_code == 200
    assert receipt(login("patient", call="call_2"), request_id).status_code == 403
    assert receipt(login("patient", clinic="clinic_2"), request_id).status_code == 403
    unpaid = request_payment(clinician, 2500, "aud")
    assert receipt(patient, unpaid["id"]).status_code == 404
    assert receipt(patient, "pr_nope").status_code == 404
    with admin_client(stack) as admin:
        page = admin.get(f"/admin/payments/{request_id}")
        assert "Download receipt (PDF)" in page.text
        response = admin.get(f"/admin/payments/{request_id}/receipt.pdf")
        assert response.status_code == 200
        assert says(pdf_text(response.content), "Dr Jane Citizen")
        # The admin's re-send: the same receipt, with its PDF, to the patient's address.
        resent = admin.post(f"/admin/payments/{request_id}/resend-receipt",
                            data={"csrf": csrf_of(page.text)})
        assert resent.status_code == 303
        assert "emailed again" in admin.get(resent.headers["location"]).text
        mails = stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("Your receipt"),
                                            count=2)
        assert {m.to for m in mails} == {"pat@example.com"}
        assert all(len(list(m.message.iter_attachments())) == 1 for m in mails)
    with admin_client(stack, org="org_2", clinic="clinic_9") as other:
        assert other.get(f"/admin/payments/{request_id}/receipt.pdf").status_code == 403


def test_the_openapi_document_describes_items_and_the_pdf(stack: Stack) -> None:
    spec = httpx.get(f"{stack.url}/openapi.json").json()
    create = spec["components"]["schemas"]["PaymentRequestCreate"]["properties"]
    assert {"items", "service_date"} <= set(create)
    pdf = spec["paths"]["/api/v1/payment-requests/{request_id}/receipt.pdf"]["get"]
    assert "application/pdf" in pdf["responses"]["200"]["content"]
    created = spec["paths"]["/api/v1/calls/{call_id}/payment-requests"]["post"]
    assert "422" in created["responses"]


def test_the_admin_form_checks_the_abn_and_a_provider_number_set_there_wins(
        stack: Stack, clinic: Clinic, login: Login) -> None:
    refused = save_profile(stack, tax_id="51 824 753 557")
    assert refused.status_code == 400
    assert "not a valid ABN" in refused.text and 'aria-invalid="true"' in refused.text
    assert save_profile(stack, gst_registered=None).status_code == 303
    login("clinician", name="Dr Jane Citizen", user="dr-jane", provider_number="111111AA")
    with admin_client(stack) as admin:
        page = admin.get("/admin/clinics/clinic_1/client-payments/edit")
        assert "Sunrise Clinic Pty Ltd" in page.text and "111111AA" in page.text
        saved = admin.post("/admin/clinics/clinic_1/client-payments/provider-numbers",
                           data={"user_id": "dr-jane", "provider_number": "2423451T",
                                 "csrf": csrf_of(page.text)})
        assert saved.status_code == 303
    request_id, _, patient = paid_request(stack, login, {**BODY, "items": None,
                                                         "amount": 5000},
                                          provider_number="111111AA")
    text = pdf_text(receipt(patient, request_id).content)
    assert says(text, "Receipt") and not says(text, "Tax invoice")
    assert says(text, "2423451T") and not says(text, "111111AA")
    assert says(text, "Consultation GST-free A$50.00")


def test_a_refund_appears_on_the_receipt_its_email_attaches(
        stack: Stack, clinic: Clinic, login: Login) -> None:
    save_profile(stack)
    request_id, clinician, _ = paid_request(stack, login, BODY, locale="fr")
    refunded = clinician.post(f"/api/v1/payment-requests/{request_id}/refunds",
                              json={"amount": 1100, "reason": "requested_by_patient"})
    assert refunded.status_code in (200, 201), refunded.text
    [mail] = stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("Rembours"))
    [attached] = list(mail.message.iter_attachments())
    text = pdf_text(attached.get_content())
    assert says(text, "Facture fiscale") and says(text, "Remboursements")
    assert says(text, "Total remboursé 11,00 $AU")
    assert says(text, "Montant net payé 80,00 $AU")
