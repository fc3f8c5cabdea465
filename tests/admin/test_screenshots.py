"""A tour of every admin page in Chromium, saving docs/screenshots/admin-*.png for the README."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.admin.conftest import Browser, seed
from tests.admin.test_linking import consent
from tests.conftest import Stack, screenshots_dir

pytestmark = pytest.mark.browser
SCREENSHOTS = screenshots_dir()
PAGE = "/admin/clinics/clinic_1/client-payments"


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"admin-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


def test_every_admin_page(stack: Stack, admin_browser: Browser) -> None:
    seed(stack, enabled=False)
    seed(stack, clinic_id="clinic_2", name="Harbour Clinic", enabled=False)
    dana = admin_browser.page("clinic_admin", name="Dana Whitfield",
                              email="dana@sunrise.example")
    dana.goto(stack.url + PAGE)
    expect(dana.get_by_text("is not enabled for this clinic")).to_be_visible()
    shot(dana, "01-not-enabled")

    dana.get_by_role("link", name="Request the Payment Gateway add-on").click()
    dana.get_by_label("Why do you need it?").fill(
        "Our clinicians run video follow-ups and want to take the visit fee in the call.")
    shot(dana, "02-request-form")
    dana.get_by_role("button", name="Send request").click()
    expect(dana.get_by_role("heading", name="Case PG-000001")).to_be_visible()
    dana.goto(stack.url + PAGE)
    expect(dana.get_by_text("Requested — case PG-000001")).to_be_visible()
    shot(dana, "03-requested")

    omar = admin_browser.page("operator", org="", clinic=None, user="op-1",
                              name="Omar Haddad")
    omar.goto(f"{stack.url}/admin/operator")
    expect(omar.get_by_role("link", name="PG-000001")).to_be_visible()
    shot(omar, "04-operator-console")
    omar.get_by_role("link", name="PG-000001").click()
    omar.get_by_role("button", name="Assign to me").click()
    omar.get_by_label("Your reply").fill("Thanks Dana, checking your contract now.")
    omar.get_by_role("button", name="Send reply").click()
    expect(omar.get_by_text("checking your contract now")).to_be_visible()
    shot(omar, "05-case-thread-operator")
    omar.get_by_label("Note to the requester (optional)").fill(
        "All set. Link your Stripe account under Configure > Client Payments.")
    omar.get_by_role("button", name="Approve and enable").click()
    expect(omar.locator('[data-field="case-status"]')).to_have_text("Resolved")

    dana.goto(f"{stack.url}/admin/requests/PG-000001")
    expect(dana.get_by_role("heading", name="This case is closed")).to_be_visible()
    shot(dana, "06-case-closed")

    dana.goto(stack.url + PAGE)
    expect(dana.get_by_role("button", name="Go to Stripe")).to_be_visible()
    shot(dana, "07-enabled-not-linked")
    dana.get_by_role("button", name="Go to Stripe").click()
    dana.wait_for_url(f"{stack.sandbox_url}/oauth/authorize**")
    dana.locator('input[name="account"][value="new"]').check()
    dana.locator('input[name="business_name"]').fill("Sunrise Family Practice")
    dana.locator('input[name="email"]').fill("billing@sunrise.example")
    shot(dana, "08-stripe-consent")
    consent(dana, name="Sunrise Family Practice", country="US")
    expect(dana.get_by_role("status")).to_contain_text("Your Stripe account is linked")
    shot(dana, "09-linked")

    dana.get_by_role("link", name="Edit", exact=True).click()
    dana.get_by_label("Name shown to patients and on receipts").fill("Sunrise Family Practice")
    dana.get_by_label("Reply-to address for receipts").fill("billing@sunrise.example")
    shot(dana, "10-edit")
    dana.get_by_role("button", name="Save settings").click()
    expect(dana.get_by_role("status")).to_have_text("Settings saved.")

    dana.get_by_role("link", name="Remove").click()
    expect(dana.get_by_role("heading", name="Remove the Stripe account?")).to_be_visible()
    shot(dana, "11-remove-confirm")

    olivia = admin_browser.page("org_admin", clinic=None, name="Olivia Grant",
                                email="olivia@org.example")
    expect(olivia.get_by_role("heading", name="Clinics")).to_be_visible()
    expect(olivia.get_by_text("Linked to Stripe")).to_be_visible()
    shot(olivia, "12-org-admin-home")
