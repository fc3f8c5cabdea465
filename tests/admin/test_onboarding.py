"""Create a Stripe account from Client Payments and onboard it on Stripe's hosted pages
(the sandbox's), in a real Chromium: half now, the rest later, links that expire or were
used, a double click, and the account.updated that arrives when the admin never returns."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.admin.conftest import Browser, admin_client, csrf_of, seed
from tests.admin.test_account_webhooks import eventually, shown
from tests.conftest import Stack

PAGE = "/admin/clinics/clinic_1/client-payments"
WEBSITE, PHONE = "Business website", "Support phone number"
PRODUCT, BANK = "What the business sells", "Bank account number (test: 000123456789)"
TOS = "I agree to the Stripe Connected Account Agreement"


def detail(page: Any, name: str) -> Any:
    return page.locator(f'dd[data-field="{name}"]')


@pytest.mark.browser
def test_create_a_stripe_account_then_finish_onboarding_later(
        stack: Stack, admin_browser: Browser) -> None:
    seed(stack)
    page = admin_browser.page("clinic_admin", name="Dana Admin", email="dana@sunrise.example")
    page.goto(stack.url + PAGE)
    expect(page.get_by_role("button", name="Go to Stripe")).to_be_visible()
    page.get_by_label("Country the business is registered in").select_option("GB")
    page.get_by_role("button", name="Create a Stripe account").click()

    # Stripe's hosted onboarding: give the website only, and leave for now.
    page.wait_for_url(f"{stack.sandbox_url}/connect/onboarding/**")
    first_link = page.url
    page.get_by_label(WEBSITE).fill("https://sunrise.example")
    page.get_by_role("button", name="Save and finish later").click()
    page.wait_for_url(f"{stack.url}{PAGE}?notice=details_needed")
    expect(page.locator(".flash")).to_contain_text("Stripe still needs some details")
    needs = page.locator('[data-field="requirements"]')
    expect(needs).to_contain_text("Stripe still needs details: what the business sells, "
                                  "a support phone number, a bank account for payouts")
    expect(needs).not_to_contain_text("website")
    expect(detail(page, "charges")).to_have_text("No")
    expect(detail(page, "country")).to_have_text("GB")
    expect(detail(page, "currency")).to_have_text("GBP")
    expect(detail(page, "linked")).to_contain_text("by Dana Admin")
    expect(page.get_by_role("button", name="Create a Stripe account")).to_have_count(0)
    account_id = detail(page, "account").inner_text().strip()
    acct = stack.stripe.v1.accounts.retrieve(account_id)
    assert acct.email == "dana@sunrise.example" and acct.type == "standard"
    assert acct.controller.stripe_dashboard.type == "full"
    assert acct.controller.fees.payer == "account"
    assert acct.controller.losses.payments == "stripe"
    assert acct.controller.requirement_collection == "stripe"

    # The used link, opened again (a bookmark, the back button): Stripe sends the browser
    # to refresh_url, paygate makes a fresh link, and the form opens again.
    page.goto(first_link)
    page.wait_for_url(re.compile(re.escape(stack.sandbox_url) + r"/connect/onboarding/.+"))
    assert page.url != first_link
    expect(page.get_by_label(PHONE)).to_be_visible()
    page.goto(stack.url + PAGE)
    page.get_by_role("button", name="Continue with Stripe").click()
    page.wait_for_url(f"{stack.sandbox_url}/connect/onboarding/**")
    page.get_by_label(PHONE).fill("+44 20 7946 0000")
    page.get_by_label(PRODUCT).fill("Video consultations")
    page.get_by_label(BANK).fill("000123456789")
    page.get_by_label(TOS).check()
    page.get_by_role("button", name="Agree and submit").click()

    page.wait_for_url(f"{stack.url}{PAGE}?notice=onboarded")
    expect(page.locator(".flash")).to_contain_text("set up and linked")
    expect(detail(page, "charges")).to_have_text("Yes")
    expect(detail(page, "payouts")).to_have_text("Yes")
    expect(page.locator('[data-field="requirements"]')).to_have_count(0)
    with stack.login("clinician") as clinician:
        created = clinician.post("/api/v1/calls/call_1/payment-requests",
                                 json={"amount": 1200, "currency": "gbp",
                                       "description": "Consultation"})
        assert created.status_code == 201, created.text
    # One account, one link in the history.
    expect(page.locator("#hist-h + table tbody tr")).to_have_count(1)


def _onboard_without_returning(link_url: str) -> None:
    """The admin fills in Stripe's form and closes the tab before the redirect back."""
    with httpx.Client(timeout=15) as browser:
        form = browser.get(link_url)
        token = re.search(r'name="form" value="([^"]+)"', form.text)
        assert token, form.text
        done = browser.post(link_url, data={
            "form": token.group(1), "url": "https://harbour.example",
            "product_description": "Video consultations", "support_phone": "+1 555 0100",
            "account_number": "000123456789", "tos": "on", "action": "submit"})
        assert done.status_code == 302, done.text


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_double_click_makes_one_account_and_the_webhook_alone_finishes_it(
        stack: Stack) -> None:
    seed(stack)
    # Stripe delivers every event twice and in shuffled order.
    httpx.post(f"{stack.sandbox_url}/_sandbox/faults",
               json={"webhooks": ["duplicate", "shuffle"]}).raise_for_status()
    with admin_client(stack) as client:
        csrf = csrf_of(client.get(PAGE).text)

        def create(_: int) -> httpx.Response:
            return client.post(f"{PAGE}/create-account", data={"csrf": csrf, "country": "US"})

        with ThreadPoolExecutor(2) as pool:  # the double click: both at once
            first, again = pool.map(create, range(2))
        assert first.status_code == again.status_code == 303, (first.text, again.text)
        assert first.headers["location"] != again.headers["location"]  # fresh links...
        html = client.get(PAGE).text
        account_id = shown(html, "account")
        assert f"/connect/onboarding/{account_id}/" in first.headers["location"]
        assert f"/connect/onboarding/{account_id}/" in again.headers["location"]  # ...one account
        assert html.count('class="badge ok">Active') == 1

        _onboard_without_returning(again.headers["location"])
        html = eventually(client, lambda h: shown(h, "charges") == "Yes")
        assert shown(html, "payouts") == "Yes"
        assert 'data-field="requirements"' not in html
        # Later duplicates and stale reorderings leave it so.
        time.sleep(1.0)
        assert shown(client.get(PAGE).text, "charges") == "Yes"

        # Create again, once linked: it goes on with the same account, never a second.
        later = create(3)
        assert f"/connect/onboarding/{account_id}/" in later.headers["location"]
    seed(stack, clinic_id="clinic_2", name="Harbour Clinic")
    # Bad input: an unknown country is refused with a readable message, nothing made.
    with admin_client(stack, clinic="clinic_2") as client:
        page2 = "/admin/clinics/clinic_2/client-payments"
        csrf = csrf_of(client.get(page2).text)
        bad = client.post(f"{page2}/create-account", data={"csrf": csrf, "country": "ZZ"})
        assert bad.status_code == 400
        assert "Choose the country" in bad.text
        assert "No Stripe account is linked yet" in client.get(page2).text
