"""A paid request is disputed (Stripe's dispute test cards, through the official SDK): the
payment shows it (API and admin page, with its history), the clinic's admins and reply-to
are emailed with the deadline, Configure > Disputes lists it, evidence decides it; and
charge.dispute.* repeated and out of order neither lose nor double anything."""

from __future__ import annotations

import csv
import io
import re
import time
from typing import Any

import httpx
import pytest
import stripe

from tests.admin.conftest import admin_client
from tests.conftest import Stack
from tests.payments.conftest import pay, request_payment, seed, wait_until

DISPUTES = "/admin/clinics/clinic_1/disputes"


def save_reply_to(stack: Stack, client: httpx.Client, address: str) -> None:
    page = "/admin/clinics/clinic_1/client-payments"
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get(f"{page}/edit").text)
    assert csrf
    saved = client.post(f"{page}/settings", data={
        "csrf": csrf.group(1), "display_name": "Sunrise Clinic", "reply_to": address,
        "default_currency": "usd", "pay_link_hours": "72", "time_zone": "UTC"})
    assert saved.status_code == 303, saved.text


def paid_and_disputed(stack: Stack, payment_method: str, amount: int = 4200,
                      description: str = "Consultation") -> tuple[dict[str, Any], Any]:
    with stack.login("clinician", name="Dr Ada") as clinician, stack.login("patient") as patient:
        made = request_payment(clinician, amount, description=description)
        pay(stack, patient.get(f"/api/v1/payment-requests/{made['id']}").json(),
            payment_method)
        dispute = wait_until(lambda: clinician.get(
            f"/api/v1/payment-requests/{made['id']}").json()["dispute"])
    return made, dispute


def dispute_for(stack: Stack, account: str, amount: int) -> str:
    """The id of the account's one dispute of `amount` (each test pays distinct amounts)."""
    found: list[stripe.Dispute] = stack.stripe.v1.disputes.list(
        options={"stripe_account": account}).data
    (only,) = [d for d in found if d.amount == amount]
    return str(only.id)


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_a_fraudulent_dispute_is_recorded_once_emailed_listed_and_won(stack: Stack) -> None:
    account = seed(stack, clinic_name="Sunrise Clinic")
    httpx.post(f"{stack.sandbox_url}/_sandbox/faults",
               json={"webhooks": ["duplicate", "shuffle"]}).raise_for_status()
    with admin_client(stack, email="dana@sunrise.example") as admin:
        save_reply_to(stack, admin, "front-desk@sunrise.example")
        made, dispute = paid_and_disputed(stack, "pm_card_createDispute")
        assert dispute["status"] == "needs_response" and dispute["reason"] == "fraudulent"
        assert dispute["amount"] == 4200 and dispute["evidence_due_by"]

        mails = stack.mail.mailbox.wait_for(
            lambda m: m.subject.startswith(f"Dispute on {made['reference']}"), count=2)
        assert sorted(m.to for m in mails) == ["dana@sunrise.example",
                                               "front-desk@sunrise.example"]
        text = mails[0].text()
        assert "Disputed amount: $42.00. Reason: fraudulent." in text
        assert "Evidence is due by " in text and "/admin/clinics/clinic_1/disputes" in text

        page = admin.get(DISPUTES).text
        assert "1 open dispute" in page and made["reference"] in page
        assert "Respond in Stripe" in page and f"/dashboard/accounts/{account}/disputes/dp_" in page
        detail = admin.get(f"/admin/payments/{made['id']}").text
        assert 'data-field="dispute_status"' in detail and "Needs a response" in detail
        assert "dispute opened: fraudulent, $42.00, needs a response, evidence due by" in detail

        # The clinic answers in Stripe with the evidence that wins.
        dp = dispute_for(stack, account, 4200)
        stack.stripe.v1.disputes.update(
            dp, {"evidence": {"uncategorized_text": "winning_evidence"}},
            {"stripe_account": account})
        with stack.login("clinician") as clinician:
            won = wait_until(lambda: (clinician.get(f"/api/v1/payment-requests/{made['id']}")
                                      .json()["dispute"]["status"] == "won"))
            assert won
        stack.mail.mailbox.wait_for(lambda m: m.subject.endswith(": won"), count=2)
        time.sleep(1.0)  # every duplicate delivered
        detail = admin.get(f"/admin/payments/{made['id']}").text
        assert detail.count("dispute opened:") == 1
        # (Each event reads the dispute from Stripe: by then it was already won.)
        assert detail.count("dispute closed: won") == 1
        assert len([m for m in stack.mail.mailbox.messages
                    if m.subject.startswith(f"Dispute on {made['reference']}")]) == 4
        page = admin.get(DISPUTES).text
        assert "No open disputes" in page and "View in Stripe" in page
        # The patient's view carries no dispute.
        with stack.login("patient") as patient:
            assert patient.get(f"/api/v1/payment-requests/{made['id']}").json()[
                "dispute"] is None


def test_an_inquiry_and_a_lost_dispute_and_an_undisputed_payment(stack: Stack) -> None:
    account = seed(stack)
    with admin_client(stack, email="dana@sunrise.example") as admin:
        inquiry, dispute = paid_and_disputed(stack, "pm_card_createDisputeInquiry",
                                             description="Inquiry")
        assert dispute["status"] == "warning_needs_response"
        lost, _ = paid_and_disputed(stack, "pm_card_createDisputeProductNotReceived",
                                    amount=3000, description="Lost one")
        stack.stripe.v1.disputes.update(
            dispute_for(stack, account, 3000),
            {"evidence": {"uncategorized_text": "losing_evidence"}},
            {"stripe_account": account})
        with stack.login("clinician") as clinician:
            wait_until(lambda: clinician.get(f"/api/v1/payment-requests/{lost['id']}")
                       .json()["dispute"]["status"] == "lost")
            plain = request_payment(clinician, 1000, description="No dispute")
            assert clinician.get(f"/api/v1/payment-requests/{plain['id']}").json()[
                "dispute"] is None
        page = admin.get(DISPUTES).text
        # The open inquiry first, then the closed one.
        assert page.index(inquiry["reference"]) < page.index(lost["reference"])
        assert "Inquiry: needs a response" in page and ">Lost<" in page

        # Reports count what was disputed and lost; the CSV says it per payment.
        report = " ".join(re.sub(r"<[^>]+>", "", admin.get(
            "/admin/clinics/clinic_1/reports").text).split())
        assert "Disputes in USD: 2 ($72.00 disputed, $30.00 lost)" in report
        lines = list(csv.DictReader(io.StringIO(admin.get(
            "/admin/clinics/clinic_1/reports.csv").text.lstrip("\ufeff"))))
        by_ref = {line["reference"]: line for line in lines}
        assert (by_ref[lost["reference"]]["dispute_status"],
                by_ref[lost["reference"]]["dispute_lost"]) == ("lost", "30.00")
        assert by_ref[inquiry["reference"]]["dispute_status"] == "warning_needs_response"
        assert by_ref[inquiry["reference"]]["disputed_minor"] == "4200"
        assert by_ref[inquiry["reference"]]["dispute_lost_minor"] == "0"
        assert by_ref[plain["reference"]]["dispute_status"] == ""


def test_when_stripe_does_not_answer_late_events_never_reopen_a_closed_dispute(
        stack: Stack) -> None:
    account = seed(stack)
    # Every read of a dispute fails: paygate keeps what the events themselves say, which
    # come twice and in shuffled order.
    httpx.post(f"{stack.sandbox_url}/_sandbox/faults", json={
        "webhooks": ["duplicate", "shuffle"],
        "api": [{"method": "GET", "path": "/v1/disputes/*", "status": 404, "count": 10_000,
                 "error": {"type": "invalid_request_error", "code": "resource_missing",
                           "message": "No such dispute"}}],
    }).raise_for_status()
    with admin_client(stack, email="dana@sunrise.example") as admin:
        made, _ = paid_and_disputed(stack, "pm_card_createDispute", amount=5100)
        stack.stripe.v1.disputes.update(
            dispute_for(stack, account, 5100),
            {"evidence": {"uncategorized_text": "losing_evidence"}},
            {"stripe_account": account})
        with stack.login("clinician") as clinician:
            wait_until(lambda: clinician.get(f"/api/v1/payment-requests/{made['id']}")
                       .json()["dispute"]["status"] == "lost")
            time.sleep(1.5)  # the rest of the shuffled duplicates
            assert clinician.get(f"/api/v1/payment-requests/{made['id']}").json()[
                "dispute"]["status"] == "lost"
        detail = admin.get(f"/admin/payments/{made['id']}").text
        assert detail.count("dispute opened:") == 1
        assert detail.count("dispute closed: lost") == 1
