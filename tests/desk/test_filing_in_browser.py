"""Filing a case in a real Chromium, both ways: the one-page form and the step-by-step
assistant (an org admin with two clinics picks the clinic first), each ending in a
preview, then a page linking to the case and to the list. An attachment without the
no-PHI confirmation is refused and nothing is uploaded; with it, the file is in the
preview, on the case and downloadable by who may see the case."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.admin.conftest import Browser, seed
from tests.conftest import Stack
from tests.desk.conftest import a_payment
from tests.desk.test_reply_by_email import PNG
from tests.payments.conftest import Login

pytestmark = pytest.mark.browser


def test_the_one_page_form_with_a_screenshot(stack: Stack, admin_browser: Browser,
                                             login: Login, tmp_path: Path) -> None:
    paid = a_payment(stack, login)
    screenshot = tmp_path / "declined.png"
    screenshot.write_bytes(PNG)
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("Patient: Pat Doe, DOB 1980-01-01")
    dana = admin_browser.page("clinic_admin", name="Dana Admin", email="dana@sunrise.example")
    dana.goto(stack.url + "/admin/requests")
    dana.get_by_role("link", name="New case").click()
    expect(dana.get_by_role("heading", name="New case")).to_be_visible()
    dana.get_by_label("What do you need help with?").select_option(
        label="A payment: a question or a complaint")
    dana.get_by_label("Category").select_option(label="A patient's complaint about a payment")
    dana.get_by_label("Subject").fill("Charged twice?")
    dana.get_by_label("Describe what happened").fill("The patient sees two charges.")
    dana.get_by_label("Payment reference or invoice number (if any)").fill("PAY-NOPE22")
    dana.get_by_label("Priority").select_option(label="High")
    dana.get_by_label("Screenshots or documents").set_input_files(str(screenshot))
    dana.get_by_role("button", name="Preview").click()

    # Refused, each with its reason, and the form keeps what was typed.
    expect(dana.get_by_role("alert")).to_contain_text("is not a payment of Sunrise Clinic")
    expect(dana.get_by_label("Subject")).to_have_value("Charged twice?")
    dana.get_by_label("Payment reference (required)").fill(paid["reference"])
    dana.get_by_label("Screenshots or documents").set_input_files(str(screenshot))
    dana.get_by_role("button", name="Preview").click()
    expect(dana.get_by_role("alert")).to_contain_text(
        "Confirm that the files contain no protected health information")
    expect(dana.get_by_role("alert")).to_contain_text("nothing was uploaded")
    dana.get_by_label("Screenshots or documents").set_input_files(str(not_an_image))
    dana.get_by_label("I confirm these files contain no protected health information").check()
    dana.get_by_role("button", name="Preview").click()
    expect(dana.get_by_role("alert")).to_contain_text("notes.png is not a PNG, JPEG")
    dana.get_by_label("Screenshots or documents").set_input_files(str(screenshot))
    dana.get_by_role("button", name="Preview").click()

    expect(dana.get_by_role("heading", name="Check your case")).to_be_visible()
    summary = dana.get_by_label("Your case")
    for shown in ("Sunrise Clinic", "A patient's complaint about a payment", "Charged twice?",
                  paid["reference"], "High", "Payments support", "declined.png"):
        expect(summary).to_contain_text(shown)
    dana.get_by_role("button", name="Edit").click()
    expect(dana.get_by_text("Attached: declined.png")).to_be_visible()
    dana.get_by_label("Subject").fill("Charged twice for one visit")
    dana.get_by_role("button", name="Preview").click()
    expect(dana.get_by_label("Your case")).to_contain_text("Charged twice for one visit")
    dana.get_by_role("button", name="Submit case").click()

    expect(dana.get_by_role("status")).to_contain_text("Your case PG-000001 is filed")
    dana.get_by_role("link", name="Open case PG-000001").click()
    expect(dana.get_by_role("heading", name="Case PG-000001")).to_be_visible()
    expect(dana.locator('[data-field="case-status"]')).to_have_text("New")
    expect(dana.locator('[data-field="priority"]')).to_have_text("High")
    with dana.expect_download() as download:
        dana.get_by_role("link", name="declined.png").click()
    assert Path(download.value.path()).read_bytes() == PNG
    dana.get_by_role("navigation", name="Configure").get_by_role("link", name="My requests").click()
    expect(dana.get_by_role("link", name="PG-000001")).to_be_visible()
    expect(dana.get_by_text("Charged twice for one visit")).to_be_visible()
    stack.mail.mailbox.wait_for(lambda m: "dana@sunrise.example" in m.to
                                and "We received your request PG-000001" in m.subject,
                                timeout=15)

    # Another clinic's admin cannot fetch the file, even knowing its address.
    other = admin_browser.page("clinic_admin", clinic="clinic_2", name="Harbour Admin")
    refused = other.request.get(f"{stack.url}/admin/requests/PG-000001/attachments/1")
    assert refused.status == 403


def test_the_assistant_step_by_step_for_an_org_with_two_clinics(
        stack: Stack, admin_browser: Browser) -> None:
    seed(stack)
    seed(stack, clinic_id="clinic_2", name="Harbour Clinic")
    olivia = admin_browser.page("org_admin", clinic=None, name="Olivia Org",
                                email="olivia@org.example")
    olivia.goto(stack.url + "/admin/requests")
    olivia.get_by_role("link", name="Step-by-step assistant").click()
    expect(olivia.get_by_text("Step 1 of 6: Clinic")).to_be_visible()
    olivia.get_by_role("button", name="Next").click()  # nothing chosen yet
    expect(olivia.get_by_text("Step 1 of 6")).to_be_visible()
    olivia.get_by_label("Harbour Clinic").check()
    olivia.get_by_role("button", name="Next").click()
    expect(olivia.get_by_text("Step 2 of 6: Kind of case")).to_be_visible()
    olivia.get_by_label("Billing: invoices and fees").check()
    olivia.get_by_role("button", name="Next").click()
    olivia.get_by_label("A question about an invoice").check()
    olivia.get_by_role("button", name="Next").click()
    expect(olivia.get_by_text("Step 4 of 6: Details")).to_be_visible()
    olivia.get_by_label("Subject").fill("November invoice")
    olivia.get_by_label("Describe what happened").fill("It counts a refunded payment.")
    olivia.get_by_role("button", name="Next").click()
    expect(olivia.get_by_role("alert")).to_contain_text("This category needs the invoice number")
    olivia.get_by_label("Invoice number (required)").fill("INV-2026-11")
    olivia.get_by_role("button", name="Next").click()
    expect(olivia.get_by_text("Step 5 of 6: Who and how urgent")).to_be_visible()
    olivia.get_by_role("button", name="Back").click()
    expect(olivia.get_by_label("Invoice number (required)")).to_have_value("INV-2026-11")
    olivia.get_by_role("button", name="Next").click()
    olivia.get_by_label("Priority").select_option(label="Planned")
    olivia.get_by_role("button", name="Next").click()
    expect(olivia.get_by_text("Step 6 of 6: Attachments")).to_be_visible()
    olivia.get_by_role("button", name="Preview").click()

    summary = olivia.get_by_label("Your case")
    for shown in ("Harbour Clinic", "A question about an invoice", "November invoice",
                  "INV-2026-11", "Planned", "Billing", "None"):
        expect(summary).to_contain_text(shown)
    olivia.get_by_role("button", name="Submit case").click()
    expect(olivia.get_by_role("status")).to_contain_text("Your case PG-000001 is filed")
    olivia.get_by_role("link", name="All my cases").click()
    expect(olivia.get_by_role("link", name="PG-000001")).to_be_visible()
    expect(olivia.get_by_text("Harbour Clinic")).to_be_visible()
