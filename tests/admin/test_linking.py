"""Configure > Client Payments in a real Chromium: link via the sandbox consent page, deny,
forged and replayed state, edit settings, link another account, remove."""

from __future__ import annotations

import re
from typing import Any

import pytest
import stripe
from playwright.sync_api import expect

from tests.admin.conftest import Browser, seed
from tests.conftest import Stack

pytestmark = pytest.mark.browser
PAGE = "/admin/clinics/clinic_1/client-payments"


def consent(page: Any, *, name: str | None = None, email: str = "billing@sunrise.example",
            country: str = "GB", account: str | None = None, deny: bool = False) -> None:
    """On the sandbox's Stripe consent page: pick or create an account, then answer."""
    expect(page.get_by_role("heading", name="Connect your Stripe account")).to_be_visible()
    if deny:
        page.get_by_role("button", name="Deny").click()
        return
    if account is not None:
        page.locator(f'input[name="account"][value="{account}"]').check()
    else:
        page.locator('input[name="account"][value="new"]').check()
        page.locator('input[name="business_name"]').fill(name or "Sunrise Family Practice")
        page.locator('input[name="email"]').fill(email)
        page.locator('select[name="country"]').select_option(country)
    page.get_by_role("button", name="Authorize access to this account").click()


def go_to_stripe(page: Any, stack: Stack, label: str = "Go to Stripe") -> None:
    page.get_by_role("button", name=label).click()
    page.wait_for_url(f"{stack.sandbox_url}/oauth/authorize**")


def detail(page: Any, name: str) -> Any:
    return page.locator(f'dd[data-field="{name}"]')


def link_new_account(page: Any, stack: Stack, **kwargs: Any) -> None:
    page.goto(stack.url + PAGE)
    go_to_stripe(page, stack)
    consent(page, **kwargs)
    page.wait_for_url(f"{stack.url}{PAGE}?notice=linked")


def test_go_to_stripe_links_the_account_and_shows_its_details(
        stack: Stack, admin_browser: Browser) -> None:
    seed(stack)
    page = admin_browser.page("clinic_admin", name="Dana Admin", email="dana@sunrise.example")
    expect(page).to_have_url(f"{stack.url}/admin/")
    assert "launch=" not in page.url
    page.get_by_role("link", name="Client Payments for Sunrise Clinic").click()
    expect(page.get_by_text("No Stripe account is linked yet")).to_be_visible()

    go_to_stripe(page, stack)
    consent(page, name="Sunrise Family Practice", email="billing@sunrise.example",
            country="GB")

    expect(page.get_by_role("status")).to_contain_text("Your Stripe account is linked")
    expect(detail(page, "name")).to_have_text("Sunrise Family Practice")
    expect(detail(page, "email")).to_have_text("billing@sunrise.example")
    expect(detail(page, "country")).to_have_text("GB")
    expect(detail(page, "currency")).to_have_text("GBP")
    expect(detail(page, "charges")).to_have_text("Yes")
    expect(detail(page, "payouts")).to_have_text("Yes")
    expect(detail(page, "linked")).to_contain_text("by Dana Admin")
    account_id = detail(page, "account").inner_text().strip()
    # The platform (paygate's Stripe key) really can act for the linked account now.
    assert stack.stripe.v1.accounts.retrieve(account_id).email == "billing@sunrise.example"
    page.goto(f"{stack.url}/admin/")
    expect(page.get_by_text("Linked to Stripe")).to_be_visible()


def test_deny_on_the_consent_page_links_nothing(stack: Stack, admin_browser: Browser) -> None:
    seed(stack)
    page = admin_browser.page("clinic_admin")
    page.goto(stack.url + PAGE)
    go_to_stripe(page, stack)
    consent(page, deny=True)
    expect(page.get_by_role("status")).to_contain_text("Stripe access was not granted")
    expect(page.get_by_text("No Stripe account is linked yet")).to_be_visible()
    expect(page.get_by_role("button", name="Go to Stripe")).to_be_visible()


def test_forged_and_replayed_state_link_nothing(stack: Stack, admin_browser: Browser) -> None:
    seed(stack)
    page = admin_browser.page("clinic_admin")
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url) if "/admin/stripe/callback" in r.url
            else None)
    page.goto(stack.url + PAGE)
    go_to_stripe(page, stack)
    consent(page, name="First Account")
    expect(detail(page, "name")).to_have_text("First Account")

    # Replaying Stripe's answer (same state, same code) is refused and changes nothing.
    page.goto(callbacks[-1])
    expect(page.get_by_role("heading", name="Nothing was linked")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("already used")

    # A state we never signed is refused.
    page.goto(f"{stack.url}/admin/stripe/callback?code=ac_forged&state=forged.state.value")
    expect(page.get_by_role("alert")).to_contain_text("could not be verified")

    # A genuine state taken from another admin's session does not work in this one.
    other = admin_browser.page("clinic_admin", user="mallory")
    other.goto(stack.url + PAGE + "/edit")
    go_to_stripe(other, stack, label="Link a different account")
    stolen = other.url.split("state=")[1].split("&")[0]
    page.goto(f"{stack.url}/admin/stripe/callback?code=ac_x&state={stolen}")
    expect(page.get_by_role("alert")).to_contain_text("could not be verified")

    page.goto(stack.url + PAGE)
    expect(detail(page, "name")).to_have_text("First Account")
    expect(page.locator("table.table tbody tr")).to_have_count(1)


def test_edit_settings_and_link_a_different_account(
        stack: Stack, admin_browser: Browser) -> None:
    seed(stack)
    page = admin_browser.page("clinic_admin", name="Dana Admin")
    link_new_account(page, stack, name="First Account", country="US")
    first = detail(page, "account").inner_text().strip()
    # Linking set the clinic's time zone for emails from the account's country.
    expect(detail(page, "time_zone")).to_have_text("America/New_York")

    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Name shown to patients and on receipts").fill("Sunrise <Family> Practice")
    page.get_by_label("Default currency").select_option("eur")
    page.get_by_label("Reply-to address for receipts").fill("not an email")
    page.get_by_label("Send the payment description to Stripe").check()
    page.get_by_role("button", name="Save settings").click()
    # A bad address: clear message, nothing else lost.
    expect(page.get_by_role("alert")).to_contain_text("must be an email address")
    # The field itself is marked, its message beside it (read out with the field).
    reply_to = page.get_by_label("Reply-to address for receipts")
    expect(reply_to).to_have_attribute("aria-invalid", "true")
    expect(reply_to).to_have_accessible_description(re.compile(
        r"^The reply-to address must be an email address.*Patients who reply"))
    expect(page.locator("#reply_to-error")).to_be_visible()
    expect(page.get_by_label("Name shown to patients and on receipts")).not_to_have_attribute(
        "aria-invalid", "true")
    expect(page.get_by_label("Name shown to patients and on receipts")).to_have_value(
        "Sunrise <Family> Practice")
    expect(page.get_by_label("Send the payment description to Stripe")).to_be_checked()
    page.get_by_label("Reply-to address for receipts").fill("billing@sunrise.example")
    page.get_by_role("button", name="Save settings").click()

    expect(page.get_by_role("status")).to_have_text("Settings saved.")
    expect(detail(page, "display_name")).to_have_text("Sunrise <Family> Practice")
    expect(detail(page, "default_currency")).to_have_text("EUR")
    expect(detail(page, "reply_to")).to_have_text("billing@sunrise.example")
    expect(detail(page, "share_description")).to_have_text("Shared")

    page.get_by_role("link", name="Edit", exact=True).click()
    go_to_stripe(page, stack, label="Link a different account")
    consent(page, name="Second Account", country="DE")
    expect(page.get_by_role("status")).to_contain_text("Your Stripe account is linked")
    expect(detail(page, "name")).to_have_text("Second Account")
    expect(detail(page, "currency")).to_have_text("EUR")
    expect(detail(page, "time_zone")).to_have_text("America/New_York")  # kept, not reset
    history = page.locator("section", has=page.get_by_role("heading", name="Link history"))
    expect(history.locator("tbody tr")).to_have_count(2)
    expect(history.locator("tbody tr").nth(1)).to_contain_text(first)
    expect(history.locator("tbody tr").nth(1)).to_contain_text("Replaced")


def test_remove_deauthorizes_and_cancels_open_requests(
        stack: Stack, admin_browser: Browser) -> None:
    seed(stack)
    page = admin_browser.page("clinic_admin")
    link_new_account(page, stack, name="Sunrise Payments", country="US")
    account_id = detail(page, "account").inner_text().strip()
    with stack.login("clinician") as clinician:
        created = clinician.post("/api/v1/calls/call_1/payment-requests",
                                 json={"amount": 4500, "currency": "usd",
                                       "description": "Consultation"})
        assert created.status_code == 201, created.text
        request_id = created.json()["id"]

        page.get_by_role("link", name="Remove").click()
        expect(page.get_by_role("heading", name="Remove the Stripe account?")).to_be_visible()
        expect(page.get_by_text("Open payment requests of this clinic are cancelled")
               ).to_be_visible()
        page.get_by_role("button", name="Remove Stripe account").click()

        expect(page.get_by_role("status")).to_contain_text("The Stripe account was removed")
        expect(page.get_by_text("No Stripe account is linked yet")).to_be_visible()
        history = page.locator("section", has=page.get_by_role("heading", name="Link history"))
        expect(history).to_contain_text("Removed")
        expect(history).to_contain_text(account_id)
        # Stripe no longer lets paygate act for the account.
        with pytest.raises(stripe.PermissionError):
            stack.stripe.v1.accounts.retrieve(account_id)
        # The open request was cancelled, and a new one is refused until a new link.
        assert clinician.get(f"/api/v1/payment-requests/{request_id}").json()["status"] == \
            "cancelled"
        again = clinician.post("/api/v1/calls/call_1/payment-requests",
                               json={"amount": 4500, "currency": "usd", "description": "x"})
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "stripe_account_not_linked"
