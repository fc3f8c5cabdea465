"""Configure > Payouts, against the sandbox's payouts (made on its documented trigger): the
clinic admin sees each payout and what it holds (payments by paygate reference, refunds,
Stripe's fees, a dispute), with a CSV; an org admin sees every clinic's; a failed payout
is emailed once; in a real Chromium."""

from __future__ import annotations

import csv
import io
import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.a11y.conftest import audit
from tests.admin.conftest import Browser, admin_browser, admin_client
from tests.conftest import Stack
from tests.disputes.test_disputes import paid_and_disputed
from tests.payments.conftest import pay, request_payment, seed, status_of, wait_until

pytestmark = pytest.mark.browser
__all__ = ["admin_browser"]  # a fixture used here


def pay_out(stack: Stack, account: str, **body: object) -> list[dict[str, object]]:
    made = httpx.post(f"{stack.sandbox_url}/_sandbox/accounts/{account}/payouts", json=body)
    made.raise_for_status()
    data: list[dict[str, object]] = made.json()["data"]
    return data


def test_payouts_and_what_each_holds(stack: Stack, admin_browser: Browser) -> None:
    account = seed(stack, clinic_name="Sunrise Clinic")
    with stack.login("clinician") as clinician, stack.login("patient") as patient:
        made = request_payment(clinician, 10_000, description="Consultation")
        pay(stack, patient.get(f"/api/v1/payment-requests/{made['id']}").json())
        wait_until(lambda: status_of(clinician, made["id"]) == "paid")
    disputed, _ = paid_and_disputed(stack, "pm_card_createDispute", amount=4_000)
    (payout,) = pay_out(stack, account)

    page = admin_browser.page("clinic_admin", email="dana@sunrise.example")
    page.goto(stack.url + "/admin/")
    page.get_by_role("navigation", name="Configure").get_by_role("link", name="Payouts").click()
    row = page.locator(f'tr[data-payout="{payout["id"]}"]')
    expect(row).to_contain_text("$80.34")  # 100.00 - 3.20 + 40.00 - 1.46 - 40.00 - 15.00
    expect(row.locator('[data-field="status"]')).to_have_text("Paid")
    audit(page, "Configure > Payouts")
    row.get_by_role("link", name="What it holds").click()
    lines = page.locator("#lines tbody tr")
    expect(lines).to_have_count(4)
    expect(page.locator('tr[data-type="charge"]').filter(has_text=made["reference"])
           ).to_contain_text("$96.80")
    expect(page.locator('tr[data-type="dispute"]')).to_contain_text(disputed["reference"])
    expect(page.locator('tr[data-type="dispute"]')).to_contain_text("-$55.00")
    audit(page, "a payout's contents")
    with admin_client(stack, email="dana@sunrise.example") as client:
        exported = client.get(f"/admin/clinics/clinic_1/payouts/{payout['id']}.csv")
        assert exported.headers["content-type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
        assert sum(int(r["net_minor"]) for r in rows if r["type"] != "Payout") == 8034
        assert {r["reference"] for r in rows} >= {made["reference"], disputed["reference"]}

    # A second clinic of the organisation, with a payout the bank returns.
    other = stack.connected_account("Harbour Clinic")
    seed(stack, clinic_id="clinic_2", clinic_name="Harbour Clinic", account_id=other)
    with stack.login("clinician", clinic="clinic_2") as clinician, \
            stack.login("patient", clinic="clinic_2") as patient:
        made2 = request_payment(clinician, 2_000, description="Check-up")
        pay(stack, patient.get(f"/api/v1/payment-requests/{made2['id']}").json())
        wait_until(lambda: status_of(clinician, made2["id"]) == "paid")
    # A third whose Stripe account paygate can no longer read: its section says so, and
    # the other clinics' payouts still show.
    seed(stack, clinic_id="clinic_3", clinic_name="Bayside Clinic", account_id="acct_gone")
    with admin_client(stack, role="org_admin", clinic=None, email="olu@org.example") as olu:
        (failed,) = pay_out(stack, other, fail=True)
        mails = stack.mail.mailbox.wait_for(lambda m: m.subject == "A payout of $19.12 failed")
        assert "The bank account has been closed." in mails[0].text()
        wide = olu.get("/admin/payouts").text
        assert "Sunrise Clinic" in wide and "Harbour Clinic" in wide
        assert payout["id"] in wide and failed["id"] in wide
        assert "The bank account has been closed." in wide
        bayside = wide.split("Bayside Clinic", 1)[1].split("Harbour Clinic", 1)[0]
        assert "Stripe could not be read for this clinic" in bayside, bayside
    time.sleep(0.5)
    assert len([m for m in stack.mail.mailbox.messages
                if m.subject == "A payout of $19.12 failed"]) == 1
