"""Refunds in a real Chromium: the clinician from the call panel, a clinic admin from the
admin pages; each with its confirmation step."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.a11y.conftest import audit
from tests.admin import conftest as admin_fixtures
from tests.admin.conftest import Browser
from tests.browser import conftest as browser_fixtures
from tests.browser.conftest import Host
from tests.conftest import Stack, screenshots_dir
from tests.payments.conftest import Clinic, Login, status_of, wait_until
from tests.refunds.conftest import make_paid, refund_mails

pytestmark = pytest.mark.browser
# The host call page and the signed-in admin browser of the browser and admin tests.
admin_browser = admin_fixtures.admin_browser
contexts = browser_fixtures.contexts
host = browser_fixtures.host
host_port = browser_fixtures.host_port
stack_overrides = browser_fixtures.stack_overrides
SCREENSHOTS = screenshots_dir()


def shot(page: Page, name: str, full_page: bool = False) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"refund-{name}.png"), animations="disabled",
                    full_page=full_page)


def test_the_clinician_refunds_part_of_a_payment_from_the_call_panel(
        stack: Stack, host: Host, clinic: Clinic, login: Login, contexts: Any) -> None:
    paid = make_paid(stack, login, amount=4550, description="Follow-up consultation")
    page = contexts().new_page()
    token = stack.token("clinician", name="Dr Ada Grey", user="dr-ada")
    page.goto(f"{host.url}/call?who=Clinician&launch={token}&open=1")
    panel = page.frame_locator("#paygate")
    item = panel.get_by_role("listitem").filter(has_text="Follow-up consultation")
    expect(item.get_by_test_id("status")).to_have_text("Paid")

    item.get_by_role("button", name=f"Refund payment {paid.request['reference']}").click()
    dialog = panel.get_by_role("dialog", name="Refund payment")
    amount = dialog.get_by_label("Amount to refund (USD)")
    expect(amount).to_have_value("45.50")  # everything that is left
    expect(amount).to_be_focused()
    expect(dialog).to_contain_text("Left to refund")

    # Too much: said next to the field, nothing is refunded.
    amount.fill("50")
    dialog.get_by_label("Reason").select_option(label="Service not provided")
    dialog.get_by_role("button", name="Review refund").click()
    expect(dialog.get_by_text("You can refund at most $45.50.")).to_be_visible()
    expect(amount).to_have_attribute("aria-invalid", "true")
    frame = page.frame(url=re.compile(r"/widget/frame"))
    assert frame is not None
    audit(frame, "the refund dialog showing an error")

    amount.fill("15.50")
    dialog.get_by_label("Note (optional)").fill("Session ended early")
    shot(page, "1-clinician-dialog")
    dialog.get_by_role("button", name="Review refund").click()
    confirm = panel.get_by_role("dialog", name="Refund $15.50?")
    expect(confirm).to_contain_text("Still paid afterwards")
    expect(confirm).to_contain_text("$30.00")
    expect(confirm).to_contain_text("Service not provided")
    expect(confirm).to_contain_text("Session ended early")
    assert paid.refunds()["refunds"] == []  # the review refunds nothing
    shot(page, "2-clinician-confirm")
    audit(frame, "the refund confirmation")
    confirm.get_by_role("button", name="Confirm refund of $15.50").click()

    expect(confirm).to_be_hidden()
    expect(item.get_by_test_id("status")).to_have_text("Partly refunded")
    expect(item.get_by_test_id("refunded")).to_have_text("$15.50 refunded")
    expect(panel.get_by_test_id("announcer")).to_have_text("Refunded $15.50.")
    # Focus goes back to the Refund button of that payment.
    expect(item.get_by_role("button", name=re.compile("^Refund payment"))).to_be_focused()
    shot(page, "3-clinician-done")
    assert status_of(paid.clinician, paid.id) == "partially_refunded"
    assert [r["made_by"] for r in paid.refunds()["refunds"]] == ["Dr Ada Grey"]
    wait_until(lambda: len(refund_mails(stack)) == 1)

    # The patient's panel keeps the payment in its list, labelled for the refund.
    patient_page = contexts().new_page()
    patient_token = stack.token("patient", name="Pat Doe")
    patient_page.goto(f"{host.url}/call?who=Patient&launch={patient_token}&open=1")
    patient_item = patient_page.frame_locator("#paygate").get_by_role("listitem").filter(
        has_text="Follow-up consultation")
    expect(patient_item).to_contain_text("Partly refunded")
    patient_page.close()

    # Escape closes the dialog without refunding anything.
    item.get_by_role("button", name=re.compile("^Refund payment")).click()
    expect(panel.get_by_role("dialog", name="Refund payment")).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel.get_by_role("dialog")).to_have_count(0)
    assert len(paid.refunds()["refunds"]) == 1


def test_a_clinic_admin_refunds_from_the_admin_pages(
        stack: Stack, clinic: Clinic, login: Login, admin_browser: Browser) -> None:
    paid = make_paid(stack, login, amount=12000, description="Physiotherapy session")
    page = admin_browser.page("clinic_admin", name="Morgan Admin", user="admin-morgan")
    page.goto(f"{stack.url}/admin/clinics/clinic_1/reports")
    page.get_by_role("link", name=paid.request["reference"]).click()
    expect(page.get_by_role("heading", name=f"Payment {paid.request['reference']}")) \
        .to_be_visible()
    page.get_by_role("link", name="Refund…").click()

    expect(page.get_by_label("Amount to refund (USD)")).to_have_value("120.00")
    page.get_by_label("Reason").select_option(label="Duplicate payment")
    page.get_by_label("Note (stays in paygate)").fill("Charged twice for the same visit")
    shot(page, "admin-form")
    audit(page, "the admin refund form")
    page.get_by_role("button", name="Review refund").click()

    expect(page.get_by_role("heading", name="Refund $120.00?")).to_be_visible()
    expect(page.locator("#refund-summary")).to_contain_text("Visa •••• 4242")
    shot(page, "admin-confirm")
    audit(page, "the admin refund confirmation")
    page.get_by_role("button", name="Confirm refund of $120.00").click()

    expect(page.get_by_role("status")).to_contain_text("Refund made.")
    expect(page.locator("[data-field=status]")).to_have_text("Refunded")
    history = page.locator("#history")
    expect(history).to_contain_text("Morgan Admin")
    expect(history).to_contain_text(
        "refunded USD 120.00 (duplicate payment): Charged twice for the same visit")
    expect(page.get_by_role("link", name="Refund…")).to_have_count(0)
    shot(page, "admin-detail", full_page=True)
    audit(page, "the admin payment detail")
    assert status_of(paid.clinician, paid.id) == "refunded"
    wait_until(lambda: len(refund_mails(stack)) == 1)


FRENCH_MONTHS = ("janvier février mars avril mai juin juillet août septembre octobre "
                 "novembre décembre").split()
PERSIAN, BENGALI = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"), str.maketrans("0123456789",
                                                                       "০১২৩৪৫৬৭৮৯")


def test_the_patient_sees_each_refund_while_watching_and_after_a_reload(
        stack: Stack, host: Host, clinic: Clinic, login: Login, browser: Any) -> None:
    paid = make_paid(stack, login, amount=4550, description="Follow-up consultation")
    context = browser.new_context(viewport={"width": 1100, "height": 760}, timezone_id="UTC")
    page = context.new_page()
    page.goto(f"{host.url}/call?who=Patient&launch={stack.token('patient')}&open=1")
    you = page.frame_locator("#paygate")
    you.get_by_role("button", name="View payment details").click()
    expect(you.get_by_role("status", name="Payment successful")).to_contain_text("$45.50")

    # The clinician refunds part of it while the patient watches: the screen follows.
    assert paid.refund(amount=1550).status_code == 201
    [refund] = paid.refunds()["refunds"]
    day = datetime.fromisoformat(refund["succeeded_at"]).astimezone(UTC)
    english = f"{day:%B} {day.day}, {day.year}"
    partly = you.get_by_role("status", name="Payment partly refunded")
    expect(partly.get_by_test_id("refund-line")).to_have_text(
        f"Refunded $15.50 on {english}. $30.00 is still paid.")
    expect(you.get_by_test_id("announcer")).to_have_text(
        f"Refunded $15.50 on {english}. $30.00 is still paid.")
    expect(you.get_by_text("Payment successful")).to_have_count(0)
    expect(partly).to_contain_text("Visa ending in 4242")

    # Then the rest: fully refunded, and still so after a reload.
    assert paid.refund(amount=3000).status_code == 201
    full = you.get_by_role("status", name="Payment refunded")
    expect(full.get_by_test_id("refund-line")).to_have_text(
        f"Refunded $45.50 on {english}.")
    shot(page, "patient-sees-refund")
    frame = page.frame(url=re.compile(r"/widget/frame"))
    assert frame is not None
    audit(frame, "the patient's refunded confirmation")
    page.reload()
    expect(full.get_by_test_id("refund-line")).to_have_text(
        f"Refunded $45.50 on {english}.")
    full.get_by_role("button", name="Done").click()
    item = you.get_by_role("listitem").filter(has_text="Follow-up consultation")
    expect(item).to_contain_text("Refunded")
    expect(item.get_by_test_id("refunded")).to_have_text("$45.50 refunded")
    context.close()

    # The same confirmation in the patient's own language.
    for locale, title, words in [
            ("fr", "Paiement remboursé", ["45,50", f"remboursé le {day.day} "
                                          f"{FRENCH_MONTHS[day.month - 1]} {day.year}."]),
            ("fa", "پرداخت بازپرداخت شد", ["بازپرداخت شد.", str(day.year).translate(PERSIAN)]),
            ("bn", "পেমেন্ট ফেরত দেওয়া হয়েছে", ["তারিখে", "ফেরত দেওয়া হয়েছে।",
                                                 str(day.year).translate(BENGALI)])]:
        context = browser.new_context(timezone_id="UTC")
        page = context.new_page()
        page.goto(f"{host.url}/call?who=Patient&launch="
                  f"{stack.token('patient', locale=locale)}&open=1")
        you = page.frame_locator("#paygate")
        you.locator("[data-focus-key^='view:']").click()
        line = you.get_by_role("status", name=title).get_by_test_id("refund-line")
        for text in words:
            expect(line).to_contain_text(text)
        expect(you.get_by_role("status", name=title)).not_to_contain_text("Refunded")
        context.close()
