"""Enablement requests in a real Chromium: request, operator console, emails via aiosmtpd,
approval enables the clinic, rejection, closed cases, follow-ups and ratings."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.admin.conftest import Browser, admin_client, csrf_of, seed
from tests.conftest import Stack

pytestmark = pytest.mark.browser
PAGE = "/admin/clinics/clinic_1/client-payments"


def mail_to(stack: Stack, to: str, subject_part: str) -> Any:
    found = stack.mail.mailbox.wait_for(
        lambda m: to in m.to and subject_part in m.subject, timeout=15)
    return found[0]


def open_case_as_operator(admin_browser: Browser, stack: Stack, number: str) -> Any:
    page = admin_browser.page("operator", org="", clinic=None, user="op-1", name="Omar Operator")
    page.get_by_role("link", name="Operator console").click()
    open_cases = page.locator("section", has=page.get_by_role("heading", name="Open cases"))
    open_cases.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=f"Case {number}")).to_be_visible()
    return page


def test_request_assign_reply_approve_then_rate(stack: Stack, admin_browser: Browser) -> None:
    seed(stack, enabled=False)
    dana = admin_browser.page("clinic_admin", name="Dana Admin", email="dana@sunrise.example")
    dana.goto(stack.url + PAGE)
    expect(dana.get_by_text("is not enabled for this clinic")).to_be_visible()
    dana.get_by_role("link", name="Request the Payment Gateway add-on").click()
    expect(dana.get_by_label("Sunrise Clinic")).to_be_checked()
    dana.get_by_label("Why do you need it?").fill("We want to take payments during video visits.")
    expect(dana.get_by_label("Contact (email or phone)")).to_have_value("dana@sunrise.example")
    dana.get_by_role("button", name="Send request").click()

    expect(dana.get_by_role("heading", name="Case PG-000001")).to_be_visible()
    expect(dana.get_by_role("status")).to_contain_text("Your request is filed")
    expect(dana.locator('[data-field="case-status"]')).to_have_text("New")
    first = mail_to(stack, "dana@sunrise.example", "We received your request PG-000001")
    assert first.subject.startswith("[PG-000001]")
    assert f"{stack.url}/admin/requests/PG-000001" in first.text()
    dana.goto(stack.url + PAGE)
    expect(dana.get_by_role("status")).to_contain_text("Requested — case PG-000001")
    dana.get_by_role("link", name="My requests").click()
    expect(dana.get_by_role("link", name="PG-000001")).to_be_visible()

    omar = open_case_as_operator(admin_browser, stack, "PG-000001")
    omar.get_by_role("button", name="Assign to me").click()
    expect(omar.locator('[data-field="case-status"]')).to_have_text("In progress")
    mail_to(stack, "dana@sunrise.example", "PG-000001 is in progress")
    omar.get_by_label("Your reply").fill("Which currency will you charge in?")
    omar.get_by_role("button", name="Send reply").click()
    expect(omar.get_by_role("status")).to_contain_text("Your reply was added")
    reply = mail_to(stack, "dana@sunrise.example", "New reply on PG-000001")
    assert "Which currency will you charge in?" in reply.text()
    assert "Omar Operator" in reply.text()

    dana.goto(f"{stack.url}/admin/requests/PG-000001")
    expect(dana.get_by_text("Which currency will you charge in?")).to_be_visible()
    dana.get_by_label("Your reply").fill("US dollars.")
    dana.get_by_role("button", name="Send reply").click()
    expect(dana.get_by_text("US dollars.")).to_be_visible()

    omar.reload()
    expect(omar.get_by_text("US dollars.")).to_be_visible()
    omar.get_by_label("Note to the requester (optional)").fill("Welcome aboard!")
    omar.get_by_role("button", name="Approve and enable").click()
    expect(omar.locator('[data-field="case-status"]')).to_have_text("Resolved")
    approved = mail_to(stack, "dana@sunrise.example", "PG-000001 approved")
    assert "Welcome aboard!" in approved.text()
    # One email per status change or operator reply: opened, in progress, reply, approved.
    assert len([m for m in stack.mail.mailbox.messages if "PG-000001" in m.subject]) == 4

    dana.goto(stack.url + PAGE)
    expect(dana.get_by_text("No Stripe account is linked yet")).to_be_visible()
    expect(dana.get_by_role("button", name="Go to Stripe")).to_be_visible()

    dana.goto(f"{stack.url}/admin/requests/PG-000001")
    expect(dana.get_by_role("heading", name="This case is closed")).to_be_visible()
    expect(dana.get_by_label("Your reply")).to_have_count(0)
    csrf = dana.locator('input[name="csrf"]').first.get_attribute("value")
    late = dana.request.post(f"{stack.url}/admin/requests/PG-000001/comments",
                             form={"csrf": csrf, "body": "One more thing"})
    assert late.status == 409
    assert "cannot be replied to" in late.text()
    dana.get_by_label("5", exact=True).check()
    dana.get_by_label("Comment (optional)").fill("Quick and friendly.")
    dana.get_by_role("button", name="Send rating").click()
    expect(dana.get_by_role("status").first).to_contain_text("Thank you for rating")
    expect(dana.get_by_text("You rated this case 5 out of 5")).to_be_visible()


def test_org_admin_request_for_a_new_clinic_rejected_then_followed_up(
        stack: Stack, admin_browser: Browser) -> None:
    seed(stack, enabled=False)
    olivia = admin_browser.page("org_admin", clinic=None, name="Olivia Org",
                                email="olivia@org.example")
    olivia.get_by_role("link", name="Request the Payment Gateway add-on").click()
    olivia.get_by_label("Sunrise Clinic").check()
    olivia.get_by_label("Clinic id (from your video platform)").fill("clinic_7")
    olivia.get_by_label("Clinic name").fill("Harbour Clinic")
    olivia.get_by_label("Why do you need it?").fill("   ")
    olivia.get_by_role("button", name="Send request").click()
    # Nothing lost when the form is incomplete.
    expect(olivia.get_by_role("alert")).to_contain_text("Please write a few words")
    expect(olivia.get_by_label("Clinic name")).to_have_value("Harbour Clinic")
    olivia.get_by_label("Why do you need it?").fill("Both clinics start video visits.")
    olivia.get_by_role("button", name="Send request").click()
    expect(olivia.get_by_role("heading", name="Case PG-000001")).to_be_visible()
    expect(olivia.get_by_text("Payment Gateway add-on for Sunrise Clinic, Harbour Clinic")
           ).to_be_visible()

    omar = open_case_as_operator(admin_browser, stack, "PG-000001")
    omar.get_by_role("button", name="Reject").click()
    expect(omar.get_by_role("alert")).to_contain_text("Give the requester a reason")
    omar.get_by_label("Reason for rejecting").fill("Harbour Clinic has no signed contract.")
    omar.get_by_role("button", name="Reject").click()
    expect(omar.locator('[data-field="case-status"]')).to_have_text("Rejected")
    rejected = mail_to(stack, "olivia@org.example", "PG-000001 was rejected")
    assert "Harbour Clinic has no signed contract." in rejected.text()

    olivia.goto(stack.url + PAGE)
    expect(olivia.get_by_role("alert")).to_contain_text("was rejected: Harbour Clinic has no")
    olivia.goto(f"{stack.url}/admin/requests/PG-000001")
    olivia.get_by_role("link", name="Follow up").click()
    expect(olivia.get_by_text("Follow-up of PG-000001")).to_be_visible()
    olivia.get_by_label("Harbour Clinic").uncheck()
    olivia.get_by_label("Why do you need it?").fill("Sunrise Clinic alone, then.")
    olivia.get_by_role("button", name="Send request").click()
    expect(olivia.get_by_role("heading", name="Case PG-000002")).to_be_visible()
    expect(olivia.get_by_text("Follows up PG-000001.")).to_be_visible()
    olivia.get_by_role("link", name="PG-000001").click()
    expect(olivia.get_by_role("link", name="PG-000002")).to_be_visible()

    omar.goto(f"{stack.url}/admin/requests/PG-000002")
    omar.get_by_role("button", name="Approve and enable").click()
    expect(omar.locator('[data-field="case-status"]')).to_have_text("Resolved")
    olivia.goto(f"{stack.url}/admin/")
    clinics = olivia.locator("section", has=olivia.get_by_role("heading",
                                                                 name="Client Payments"))
    expect(clinics.locator("tr", has_text="Sunrise Clinic")).to_contain_text(
        "Enabled · not linked")
    expect(clinics.locator("tr", has_text="Harbour Clinic")).to_contain_text("Not enabled")


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_cases_are_private_to_their_clinic_and_org(stack: Stack) -> None:
    seed(stack, enabled=False)
    seed(stack, clinic_id="clinic_2", enabled=False, name="Harbour Clinic")
    with admin_client(stack, "clinic_admin", email="dana@sunrise.example") as dana:
        page = dana.get("/admin/requests/new")
        filed = dana.post("/admin/requests", data={
            "csrf": csrf_of(page.text), "clinic": "clinic_1", "reason": "Please",
            "contact": "dana@sunrise.example"})
        assert filed.status_code == 303
        asking_for_other = dana.post("/admin/requests", data={
            "csrf": csrf_of(page.text), "clinic": "clinic_2", "reason": "Please",
            "contact": "dana@sunrise.example"})
        assert asking_for_other.status_code == 403
    with admin_client(stack, "clinic_admin", clinic="clinic_2", user="eve") as eve:
        refused = eve.get("/admin/requests/PG-000001")
        assert refused.status_code == 403
        assert "belongs to another clinic" in refused.text
        assert "PG-000001" not in eve.get("/admin/requests").text
        assert eve.get("/admin/operator").status_code == 403
    with admin_client(stack, "org_admin", org="org_2", clinic=None) as stranger:
        assert stranger.get("/admin/requests/PG-000001").status_code == 403
    with admin_client(stack, "org_admin", clinic=None) as org_admin:
        assert org_admin.get("/admin/requests/PG-000001").status_code == 200
