"""Holds in the call, in Chromium (issue 20): the clinician holds up to $80 at the start,
the patient reads what a hold means and authorises it with 3-D Secure, the clinician
charges $65.50 at the end after a review step, and both panels show the final charge. A
second hold in the same call is released and the patient is told."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Host, shot
from tests.browser.test_in_call_edge_cases import both, status_in_list
from tests.browser.test_in_call_flow import enter_card, panel
from tests.conftest import Stack
from tests.payments.conftest import Clinic
from tests.payments.test_holds import set_default_capture

pytestmark = pytest.mark.browser


def hold_payment(page: Page, amount: str, description: str) -> None:
    widget = panel(page)
    widget.get_by_role("button", name="Request Payment").click()
    widget.get_by_label("Amount").fill(amount)
    widget.get_by_label("Payment description").fill(description)
    widget.get_by_label("Hold now, charge at the end of the consultation").check()
    widget.get_by_role("button", name="Hold payment").click()


def test_hold_authorise_with_3d_secure_charge_less_and_release_another(
        stack: Stack, host: Host, clinic: Clinic, contexts: Any) -> None:
    clinician, patient = both(contexts, stack, host)
    me, you = panel(clinician), panel(patient)

    hold_payment(clinician, "80", "Consultation")
    prompt = you.get_by_role("region", name="Card hold requested")
    expect(prompt.get_by_test_id("hold-wording")).to_have_text(
        "You'll be charged up to $80.00 at the end of your consultation; the hold is "
        "released if you are not charged.")
    prompt.get_by_role("button", name="Pay now").click()
    you.get_by_label("Email for your receipt").fill("pat@example.com")
    enter_card(patient, "4000 0027 6000 3184")  # 3-D Secure, then authorised
    you.get_by_role("button", name="Authorise up to $80.00").click()
    challenge = you.frame_locator("iframe[title='3D Secure authentication']")
    challenge.get_by_role("button", name="Complete authentication").click()
    expect(you.get_by_test_id("held")).to_contain_text("Up to $80.00 is held on your card.")
    expect(status_in_list(clinician, "Consultation")).to_have_text(
        "Card held: charge at the end")
    shot(patient, "hold-patient-authorised")

    me.get_by_role("button", name="Charge payment").click()
    dialog = me.get_by_role("dialog", name="Charge the held card")
    expect(dialog.get_by_label("Amount to charge (USD)")).to_have_value("80.00")
    dialog.get_by_label("Amount to charge (USD)").fill("90")
    dialog.get_by_role("button", name="Review charge").click()
    expect(dialog.get_by_role("alert")).to_have_text(
        "Charge more than zero and at most $80.00.")
    dialog.get_by_label("Amount to charge (USD)").fill("65.50")
    dialog.get_by_role("button", name="Review charge").click()
    shot(clinician, "hold-clinician-charges-less")
    dialog.get_by_role("button", name="Charge $65.50").click()
    expect(status_in_list(clinician, "Consultation")).to_have_text("Paid")
    item = me.get_by_role("listitem").filter(has_text="Consultation")
    expect(item).to_contain_text("Charged $65.50 of the $80.00 held.")
    expect(me.get_by_role("dialog", name="Payment received")).to_contain_text("$65.50")
    expect(you.get_by_role("status", name="Payment successful")).to_contain_text("$65.50")
    [receipt] = stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("Your receipt"))
    assert "$65.50" in receipt.text()

    # A second hold in the same call, released: nobody is charged.
    me.get_by_role("dialog", name="Payment received").get_by_role(
        "button", name="Dismiss").click()
    you.get_by_role("button", name="Done").click()
    hold_payment(clinician, "40", "Follow-up")
    you.get_by_role("region", name="Card hold requested").get_by_role(
        "button", name="Pay now").click()
    enter_card(patient, "4242 4242 4242 4242")
    you.get_by_role("button", name="Authorise up to $40.00").click()
    expect(status_in_list(clinician, "Follow-up")).to_have_text("Card held: charge at the end")
    me.get_by_role("button", name="Release hold").click()
    me.get_by_role("dialog", name="Release the hold").get_by_role(
        "button", name="Release hold").click()
    expect(status_in_list(clinician, "Follow-up")).to_have_text("Cancelled")
    expect(you.get_by_test_id("held")).to_have_count(0)


def test_a_clinic_that_holds_by_default_starts_each_form_as_a_hold(
        stack: Stack, host: Host, clinic: Clinic, contexts: Any) -> None:
    assert set_default_capture(stack, "manual").status_code == 303
    clinician, patient = both(contexts, stack, host)
    me, you = panel(clinician), panel(patient)
    me.get_by_role("button", name="Request Payment").click()
    choice = me.get_by_label("Hold now, charge at the end of the consultation")
    expect(choice).to_be_checked()
    me.get_by_label("Amount").fill("30")
    me.get_by_label("Payment description").fill("Script renewal")
    choice.uncheck()  # this one is charged now
    me.get_by_role("button", name="Request Payment").click()
    expect(you.get_by_role("region", name="Payment requested")).to_contain_text("$30.00")

    me.get_by_role("button", name="Request Payment").click()  # the next form: a hold again
    expect(me.get_by_label("Hold now, charge at the end of the consultation")).to_be_checked()
    me.get_by_label("Amount").fill("80")
    me.get_by_label("Payment description").fill("Consultation")
    me.get_by_role("button", name="Hold payment").click()
    expect(you.get_by_role("region", name="Card hold requested")).to_contain_text("$80.00")
