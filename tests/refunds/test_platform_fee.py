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
from tests.payments.conftest import Clinic, Login, status_of, wait_until
from tests.payments.test_holds import authorise, capture, hold
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

    # A refund asks Stripe to give the fee back in proportion: half of it here. The
    # platform's fee object says so, the clinic's balance gets it back, and the report
    # and CSV count only the fee the platform kept.
    assert paid.refund(amount=5_000).status_code == 201
    [fee] = stack.stripe.v1.application_fees.list({"charge": charge.id}).data
    assert (fee.account, fee.amount, fee.amount_refunded, fee.refunded) == \
        (clinic.account, 180, 90, False)
    back = stack.stripe.v1.balance_transactions.list(
        {"type": "application_fee_refund"}, on).data
    assert [t.amount for t in back] == [90]

    def report() -> tuple[str, dict[str, str]]:
        with admin_client(stack) as admin:
            page = " ".join(re.sub(r"<[^>]+>", "", admin.get(
                "/admin/clinics/clinic_1/reports").text).split())
            rows = list(csv.DictReader(io.StringIO(admin.get(
                "/admin/clinics/clinic_1/reports.csv").text.lstrip("\ufeff"))))
        return page, rows[0]

    page, row = report()
    assert "gross $100.00 · refunded $50.00 · platform fee $0.90" in page, page
    assert (row["platform_fee"], row["net"]) == ("0.90", "49.10")
    assert paid.refund(amount=5_000).status_code == 201  # the rest: the whole fee is back
    assert stack.stripe.v1.application_fees.retrieve(fee.id).amount_refunded == 180
    page, row = report()
    assert "platform fee" not in page.split("Totals count")[0]
    assert (row["platform_fee"], row["net"]) == ("0.00", "0.00")

    # The operator exempts the organisation: its next payment carries no fee.
    done = cli(stack, "fee", "org_1", "0")
    assert done.returncode == 0 and "org_1: no fee" in done.stdout, done.stderr
    make_paid(stack, login, amount=2_000, description="Second")
    latest = stack.stripe.v1.payment_intents.list(options=on).data[0]
    assert latest.amount == 2_000 and not latest.application_fee_amount


def test_a_hold_charged_in_part_pays_the_fee_on_what_was_charged(
        stack: Stack, login: Login, clinic: Clinic) -> None:
    clinician = login("clinician", name="Dr Ada Grey", user="dr-ada")
    patient = login("patient", name="Pat Doe")
    held = hold(clinician, amount=8_000)
    intent_id = authorise(stack, patient, held["id"])
    on = {"stripe_account": clinic.account}
    assert stack.stripe.v1.payment_intents.retrieve(
        intent_id, options=on).application_fee_amount == 150  # 1.5% of 80.00, + 0.30
    wait_until(lambda: status_of(clinician, held["id"]) == "authorized")
    assert capture(clinician, held["id"], amount=6_550).status_code == 200
    intent = stack.stripe.v1.payment_intents.retrieve(intent_id, options=on)
    assert (intent.amount_received, intent.application_fee_amount) == (6_550, 128)
    [fee] = stack.stripe.v1.application_fees.list(
        {"charge": str(intent.latest_charge)}).data
    assert fee.amount == 128  # 1.5% of 65.50 rounded half up, + 0.30
    with admin_client(stack) as admin:
        rows = list(csv.DictReader(io.StringIO(admin.get(
            "/admin/clinics/clinic_1/reports.csv").text.lstrip("\ufeff"))))
    assert (rows[0]["paid"], rows[0]["platform_fee"], rows[0]["net"]) == \
        ("65.50", "1.28", "64.22")
