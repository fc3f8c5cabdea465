"""Stripe pauses card payments on the clinic's account: the admin's banner says what Stripe
needs and where to give it; the clinician's panel says payments are paused, in the panel's
language, instead of offering Request Payment; once Stripe enables charges it is back, in
the open panel at once (the call socket says the clinic's options changed)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.a11y.conftest import audit
from tests.admin.conftest import Browser
from tests.browser.conftest import Host, shot
from tests.browser.test_in_call_flow import open_call, panel
from tests.conftest import Stack
from tests.payments.conftest import Clinic

pytestmark = pytest.mark.browser
PAGE = "/admin/clinics/clinic_1/client-payments"


def put_account(stack: Stack, account: str, state: str) -> None:
    httpx.post(f"{stack.sandbox_url}/_sandbox/accounts/{account}",
               json={"state": state}).raise_for_status()


def test_a_paused_account_shows_in_the_banner_and_in_the_clinicians_panel(
        stack: Stack, host: Host, clinic: Clinic, browser: Any, contexts: Any) -> None:
    admins = Browser(stack, browser)
    try:
        admin = admins.page("clinic_admin", email="dana@sunrise.example")
        put_account(stack, clinic.account, "paused")
        admin.goto(stack.url + PAGE)
        admin.get_by_role("button", name="Refresh from Stripe").click()  # a read on demand
        banner = admin.locator('[data-field="requirements"]')
        expect(banner).to_contain_text("Card payments are paused")
        expect(banner).to_contain_text("Stripe still needs details: an identity document")
        dashboard = banner.get_by_role("link", name="Open the Stripe dashboard")
        expect(dashboard).to_have_attribute(
            "href", f"{stack.sandbox_url}/dashboard/accounts/{clinic.account}")
        shot(admin, "account-paused-banner")
        audit(admin, "Client Payments with the account paused")

        doctor = open_call(contexts, stack, host, "clinician", open_panel=True)
        paused = panel(doctor).get_by_test_id("paused")
        expect(paused).to_contain_text("Card payments are paused for this clinic")
        expect(paused).to_contain_text("Configure > Client Payments")
        expect(panel(doctor).get_by_role("button", name="Request Payment")).to_have_count(0)
        shot(doctor, "clinician-account-paused")
        audit(doctor.frame(name="paygate-Clinician"), "the paused panel")
        for locale, words in (("fr", "Les paiements par carte sont suspendus"),
                              ("fa", "پرداخت با کارت برای این کلینیک متوقف شده است"),
                              ("bn", "কার্ডে পেমেন্ট স্থগিত")):
            other = open_call(contexts, stack, host, "clinician", open_panel=True,
                              locale=locale)
            expect(panel(other).get_by_test_id("paused")).to_contain_text(words)

        # Stripe enables charges again (its account.updated webhook): the open panel gets
        # Request Payment back at once, without a reload; the banner goes.
        put_account(stack, clinic.account, "enabled")
        expect(panel(doctor).get_by_role("button", name="Request Payment")).to_be_visible()
        expect(panel(doctor).get_by_test_id("paused")).to_have_count(0)
        admin.reload()
        expect(admin.locator('[data-field="requirements"]')).to_have_count(0)

        # Paused again mid-call, with the form open: the panel says so at once.
        panel(doctor).get_by_role("button", name="Request Payment").click()
        panel(doctor).get_by_label("Amount").fill("45")
        put_account(stack, clinic.account, "paused")
        expect(panel(doctor).get_by_test_id("paused")).to_contain_text(
            "Card payments are paused for this clinic")
        expect(panel(doctor).get_by_role("button", name="Request Payment")).to_have_count(0)
        put_account(stack, clinic.account, "enabled")
        expect(panel(doctor).get_by_test_id("paused")).to_have_count(0)
    finally:
        admins.close()
