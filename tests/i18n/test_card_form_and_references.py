"""References never break at their hyphen, in a narrow Persian dialog or an email, in a
real Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, pay, request_payment, status_of, wait_until

pytestmark = pytest.mark.browser


def panel(browser: Any, stack: Stack, role: str, *, locale: str, browser_locale: str,
          width: int = 420, **claims: Any) -> Page:
    context = browser.new_context(locale=browser_locale,
                                  viewport={"width": width, "height": 820})
    page: Page = context.new_page()
    page.goto(f"{stack.url}/widget/frame?launch={stack.token(role, locale=locale, **claims)}")
    return page


def one_line_everywhere(page: Page, selector: str, widths: range) -> list[int]:
    """The viewport widths at which some element matching `selector` spans two lines."""
    broken = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": 820})
        lines = page.locator(selector).evaluate_all(
            "(els) => els.map((el) => new Set([...el.getClientRects()]"
            ".map((r) => Math.round(r.top))).size)")
        assert lines, selector
        if max(lines) > 1:
            broken.append(width)
    return broken


def test_a_reference_never_breaks_at_its_hyphen_in_persian(
        stack: Stack, clinic: Clinic, login: Login, browser: Any) -> None:
    clinician = login("clinician", name="Dr Ada Grey", user="dr-ada")
    created = request_payment(clinician, 4550, "usd", "Follow-up consultation")
    reference = created["reference"]
    patient = login("patient")
    assert patient.post(f"/api/v1/payment-requests/{created['id']}/receipt",
                        json={"email": "pat@example.com", "locale": "fa"}).status_code == 200
    assert pay(stack, patient.get(f"/api/v1/payment-requests/{created['id']}").json()
               ).status == "succeeded"
    wait_until(lambda: status_of(clinician, created["id"]) == "paid")
    doctor = panel(browser, stack, "clinician", locale="fa", browser_locale="fa-IR",
                   width=360, name="Dr Ada Grey", user="dr-ada")
    item = doctor.get_by_role("listitem").filter(has_text="Follow-up consultation")
    item.get_by_role("button", name=f"بازپرداخت پرداخت {reference}").click()
    dialog = doctor.get_by_role("dialog")
    expect(dialog.locator("bdi", has_text=reference)).to_be_visible()
    # A phone's width down to a narrow sidebar's: the reference stays on one line.
    assert one_line_everywhere(doctor, f"[role=dialog] bdi:text-is('{reference}')",
                               range(200, 424, 4)) == []
    doctor.context.close()

    # The Persian receipt, read on a narrow screen: in its row and in its footer sentence.
    [mail] = stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("رسید"))
    reader: Page = browser.new_page(viewport={"width": 360, "height": 820})
    reader.set_content(mail.html())
    expect(reader.locator("bdi", has_text=reference)).to_have_count(2)
    assert one_line_everywhere(reader, f"bdi:text-is('{reference}')",
                               range(200, 424, 4)) == []
    reader.close()
