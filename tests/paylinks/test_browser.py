"""Pay by link in a real Chromium: the clinician sends the link from the call panel, the
patient opens it from the email in a fresh browser, pays with a test card and sees the same
confirmation as in the call, and the clinician sees the payment arrive live."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.a11y.conftest import audit
from tests.browser import conftest as browser_fixtures
from tests.browser.conftest import Host
from tests.conftest import Stack, screenshots_dir
from tests.paylinks.conftest import link_in, link_mail, send_link
from tests.payments.conftest import Clinic, Login, request_payment, status_of

pytestmark = pytest.mark.browser
SCREENSHOTS = screenshots_dir()
contexts = browser_fixtures.contexts  # the host call page of the browser tests
host = browser_fixtures.host
host_port = browser_fixtures.host_port
stack_overrides = browser_fixtures.stack_overrides


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"paylink-{name}.png"), animations="disabled")


def test_the_patient_pays_from_an_emailed_link_after_leaving_the_call(
        stack: Stack, host: Host, clinic: Clinic, login: Login, contexts: Any) -> None:
    created = request_payment(login("clinician"), 4550, "usd", "Follow-up consultation")
    clinician = contexts().new_page()
    token = stack.token("clinician", name="Dr Ada Grey")
    clinician.goto(f"{host.url}/call?who=Clinician&launch={token}&open=1")
    doctor = clinician.frame_locator("#paygate")
    item = doctor.get_by_role("listitem").filter(has_text="Follow-up consultation")
    expect(item.get_by_test_id("status")).to_have_text("Waiting for patient")

    # The clinician sends the open request as a payment link.
    item.get_by_role("button", name=f"Send payment link for {created['reference']}").click()
    dialog = doctor.get_by_role("dialog", name="Send payment link")
    expect(dialog).to_contain_text("$45.50")
    address = dialog.get_by_label("Patient's email address")
    expect(address).to_be_focused()
    address.fill("pat@example")
    dialog.get_by_role("button", name="Send link").click()
    expect(dialog.get_by_text("Enter a valid email address.")).to_be_visible()
    address.fill("pat@example.com")
    shot(clinician, "1-clinician-sends")
    frame = clinician.frame(url=re.compile(r"/widget/frame"))
    assert frame is not None
    audit(frame, "the send payment link dialog")
    expect(dialog).to_contain_text("The link works for 72 hours")
    dialog.get_by_role("button", name="Send link").click()
    expect(doctor.get_by_test_id("pay-link-sent")).to_contain_text(
        "Payment link sent to pat@example.com. It works until ")
    expect(doctor.get_by_role("dialog")).to_have_count(0)
    expect(item.get_by_role("button", name=f"Revoke payment link for {created['reference']}")) \
        .to_be_visible()

    # The email arrives; the patient opens its link in a browser of their own.
    url = link_in(link_mail(stack, "pat@example.com"))
    patient = contexts().new_page()
    patient.goto(url)
    expect(patient.get_by_role("heading", name="Sunrise Clinic")).to_be_visible()
    expect(patient.get_by_text("$45.50").first).to_be_visible()
    # The address the link was emailed to is already in the receipt field.
    expect(patient.get_by_label("Email for your receipt")).to_have_value("pat@example.com")
    card = patient.frame_locator("iframe[title='Secure payment input frame']")
    card.get_by_label("Card number").fill("4242 4242 4242 4242")
    card.get_by_label("Expiration date").fill("12 / 34")
    card.get_by_label("Security code").fill("123")
    card.get_by_label("ZIP / Postal code").fill("94107")
    expect(patient.get_by_role("button", name="Back")).to_have_count(0)  # one request only
    shot(patient, "2-pay-page")
    audit(patient, "the pay page's checkout")
    patient.get_by_role("button", name="Pay $45.50").click()

    done = patient.get_by_role("status", name="Payment successful")
    expect(done).to_contain_text("$45.50")
    expect(done).to_contain_text("Sunrise Clinic")
    expect(done).to_contain_text("Visa ending in 4242")
    expect(done).to_contain_text(created["reference"])
    expect(done).to_contain_text("pat@example.com")
    # The in-call "Done" goes back to the call's list; the link's page has none to go to.
    expect(done.get_by_role("button", name="Done")).to_have_count(0)
    shot(patient, "3-confirmation")
    audit(patient, "the pay page's confirmation")

    # The clinician sees it arrive live, as for a payment made in the call.
    received = doctor.get_by_role("dialog", name="Payment received")
    expect(received).to_contain_text("$45.50")
    expect(item.get_by_test_id("status")).to_have_text("Paid")
    shot(clinician, "4-clinician-paid")
    [receipt] = stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("Your receipt"))
    assert "pat@example.com" in receipt.to
    assert status_of(login("clinician"), created["id"]) == "paid"

    # The link now says the payment was made, even in a fresh browser.
    later = contexts().new_page()
    later.goto(url)
    expect(later.get_by_role("heading", name="This payment has already been made")) \
        .to_be_visible()
    assert re.search(r"PAY-[0-9A-Z]{6}", later.content())
    audit(later, "a paid link's page")


def test_the_clinician_revokes_a_link_sent_to_the_wrong_address(
        stack: Stack, host: Host, clinic: Clinic, login: Login, contexts: Any) -> None:
    api = login("clinician")
    created = request_payment(api, 2500, "usd", "Prescription renewal")
    assert send_link(api, created["id"], email="wrong@stranger.example").status_code == 202
    url = link_in(link_mail(stack, "wrong@stranger.example"))
    stranger = contexts().new_page()
    stranger.goto(url)
    expect(stranger.get_by_label("Email for your receipt")) \
        .to_have_value("wrong@stranger.example")
    expect(stranger.get_by_role("button", name="Pay $25.00")).to_be_visible()

    clinician = contexts().new_page()
    token = stack.token("clinician", name="Dr Ada Grey")
    clinician.goto(f"{host.url}/call?who=Clinician&launch={token}&open=1")
    doctor = clinician.frame_locator("#paygate")
    item = doctor.get_by_role("listitem").filter(has_text="Prescription renewal")
    revoke = item.get_by_role("button", name=f"Revoke payment link for {created['reference']}")
    revoke.press("Enter")
    expect(doctor.get_by_test_id("pay-link-revoked")).to_have_text(
        "Payment link revoked: it no longer works.")
    expect(revoke).to_have_count(0)
    expect(item.get_by_test_id("status")).to_have_text("Waiting for patient")

    # The open page learns it within seconds; a reload says the link was withdrawn.
    expect(stranger.get_by_role("alert")).to_contain_text(
        "The clinic has withdrawn this payment link.", timeout=10_000)
    stranger.reload()
    expect(stranger.get_by_role("heading", name="This payment link was withdrawn")) \
        .to_be_visible()
    audit(stranger, "a withdrawn link's page")

    # A new link opened in the same tab gets a session of its own, not the ended one.
    stack.mail.mailbox.messages.clear()
    assert send_link(api, created["id"], email="wrong@stranger.example").status_code == 202
    stranger.goto(link_in(link_mail(stack, "wrong@stranger.example")))
    expect(stranger.get_by_role("button", name="Pay $25.00")).to_be_visible()
