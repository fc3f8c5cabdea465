"""A clinic admin, in a real Chromium: Configure > Disputes lists the open dispute with its
deadline, the payment's page shows it, Respond in Stripe opens the dispute in the
(sandbox's) Stripe Dashboard, where the evidence that wins is submitted; paygate then
shows it won. Each page passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.a11y.conftest import audit
from tests.admin.conftest import Browser, admin_browser
from tests.conftest import Stack
from tests.disputes.test_disputes import paid_and_disputed
from tests.payments.conftest import seed

pytestmark = pytest.mark.browser
__all__ = ["admin_browser"]  # a fixture used here


def test_an_admin_finds_the_dispute_responds_in_stripe_and_sees_it_won(
        stack: Stack, admin_browser: Browser) -> None:
    seed(stack, clinic_name="Sunrise Clinic")
    page = admin_browser.page("clinic_admin", email="dana@sunrise.example")
    made, _ = paid_and_disputed(stack, "pm_card_createDispute", amount=6400,
                                description="Consultation")
    page.goto(stack.url + "/admin/")
    page.get_by_role("navigation", name="Configure").get_by_role("link", name="Disputes").click()
    expect(page.get_by_role("heading", name="1 open dispute")).to_be_visible()
    row = page.locator("#disputes tbody tr").first
    expect(row).to_contain_text(made["reference"])
    expect(row).to_contain_text("$64.00")
    expect(row).to_contain_text("fraudulent")
    expect(row.locator('[data-field="status"]')).to_have_text("Needs a response")
    expect(row.locator("time")).to_be_visible()  # the evidence deadline
    audit(page, "Configure > Disputes")

    row.get_by_role("link", name=made["reference"], exact=True).click()
    dispute = page.locator("#dispute")
    expect(dispute.locator('[data-field="dispute_status"]')).to_have_text("Needs a response")
    expect(page.locator("#history")).to_contain_text("dispute opened: fraudulent, $64.00")
    audit(page, "a disputed payment")
    page.go_back()

    with page.context.expect_page() as opened:
        page.get_by_role("link", name=f"Respond in Stripe to the dispute of {made['reference']}"
                         ).click()
    stripe_tab = opened.value
    stripe_tab.get_by_label("Additional information").fill("winning_evidence")
    stripe_tab.get_by_role("button", name="Submit evidence").click()
    expect(stripe_tab.locator('[data-field="status"]')).to_have_text("won")
    stripe_tab.close()

    for _ in range(50):  # the closing webhook is on its way
        page.reload()
        if page.get_by_role("heading", name="No open disputes").count():
            break
        page.wait_for_timeout(100)
    expect(page.get_by_role("heading", name="No open disputes")).to_be_visible()
    expect(page.locator('#disputes [data-field="status"]')).to_have_text("Won")
