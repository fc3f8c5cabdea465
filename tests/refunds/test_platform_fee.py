"""The platform's fee (PAYGATE_APPLICATION_FEE, per organisation by `paygate clinics fee`):
set as application_fee_amount on the clinic's PaymentIntent, taken in the clinic's balance
transaction, shown in reports and the CSV; a refund asks Stripe to return it in proportion;
an organisation set to 0 pays none."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from tests.admin.conftest import admin_client, csrf_of
from tests.admin.test_clinics_cli import cli
from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login
from tests.refunds.conftest import make_paid


@pytest.fixture
def stack_overrides() -> dict[str, Any]:
    return {"application_fee": "1.5%+30"}


def test_the_fee_is_charged_reported_and_refunded_and_an_org_can_be_exempted(
        stack: Stack, login: Login, clinic: Clinic) -> None:
    paid = make_paid(stack, login, amount=10_000)
    on = {"stripe_account": clinic.account}
    intent = stack.stripe.v1.payment_intents.list(options=on).data[0]
    assert intent.application_fee_amount == 180  # 1.5% of 100.00, + 0.30
    charge = stack.stripe.v1.charges.retrieve(str(intent.latest_charge), {
        "expand": ["balance_transaction"]}, on)
    txn = charge.balance_transaction
    assert txn.fee == 320 + 180
    assert [d.type for d in txn.fee_details] == ["stripe_fee", "application_fee"]

    with admin_client(stack) as admin:
        page = " ".join(re.sub(r"<[^>]+>", "", admin.get(
            "/admin/clinics/clinic_1/reports").text).split())
        assert "gross $100.00 · platform fee $1.80" in page
        assert "$98.20" in page  # net
        rows = list(csv.DictReader(io.StringIO(admin.get(
            "/admin/clinics/clinic_1/reports.csv").text.lstrip("\ufeff"))))
        assert (rows[0]["platform_fee"], rows[0]["net"]) == ("1.80", "98.20")
        # The admin's refund says what happens to the fee before it is confirmed.
        form_page = admin.get(f"/admin/payments/{paid.id}/refund")
        review = admin.post(f"/admin/payments/{paid.id}/refund", data={
            "csrf": csrf_of(form_page.text), "amount": "50.00",
            "reason": "requested_by_patient", "note": ""})
        said = " ".join(re.sub(r"<[^>]+>", "", review.text).split())
        assert "The platform's fee on this payment ($1.80) goes back to the clinic with " \
               "the refund, in proportion to the amount refunded" in said
        assert "all of it" not in said

    # A refund asks Stripe to give the fee back in proportion (the sandbox checks the
    # parameter against the SDK's RefundCreateParams).
    assert paid.refund(amount=5_000).status_code == 201

    # The operator exempts the organisation: its next payment carries no fee.
    done = cli(stack, "fee", "org_1", "0")
    assert done.returncode == 0 and "org_1: no fee" in done.stdout, done.stderr
    make_paid(stack, login, amount=2_000, description="Second")
    latest = stack.stripe.v1.payment_intents.list(options=on).data[0]
    assert latest.amount == 2_000 and not latest.application_fee_amount
