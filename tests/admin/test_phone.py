"""The admin pages on a 390x844 touch phone: everything fits the screen's width (the
navigation included) and fields are 16 px, so iOS Safari does not zoom into them."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.admin.conftest import Browser
from tests.admin.test_reports import MAY, REPORT, seed_history
from tests.conftest import Stack, screenshots_dir

pytestmark = pytest.mark.browser
PHONE_WIDTH = 390


def overflow(page: Any) -> list[str]:
    """What sticks out of the screen to the right: the page's width and each element."""
    # Not window.innerWidth: a phone's browser widens its layout viewport to fit content
    # that overflows (and zooms the page out), so the phone's own width is the measure.
    return list(page.evaluate("""(width) => {
      const out = [];
      // Inside a box that scrolls sideways (a wide table in its card) is not overflow.
      const inScroller = (e) => {
        for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
          if (["auto", "scroll"].includes(getComputedStyle(p).overflowX)) return true;
        return false;
      };
      if (document.documentElement.scrollWidth > width)
        out.push(`page: ${document.documentElement.scrollWidth} px in ${width} px`);
      for (const e of document.querySelectorAll("body *")) {
        const r = e.getBoundingClientRect();
        if (r.width && r.right > width + 0.5 && !inScroller(e))
          out.push(`${e.tagName.toLowerCase()}.${e.className}: right ${Math.round(r.right)}`);
      }
      return out.slice(0, 8);
    }""", PHONE_WIDTH))


def visit(page: Any, url: str, heading: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    assert overflow(page) == [], f"{url}: {overflow(page)}"
    nav = page.get_by_role("navigation", name="Configure")
    for link in nav.get_by_role("link").all():
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (
            f"{url}: the {link.text_content()!r} tab is cut off")
    for field in page.locator("main input:visible, main select:visible, "
                              "main textarea:visible").all():
        if field.get_attribute("type") in ("checkbox", "radio", "hidden"):
            continue
        size = float(field.evaluate("e => getComputedStyle(e).fontSize")[:-2])
        assert size >= 16, f"{url}: a {size}px field makes iOS Safari zoom"


def test_admin_pages_fit_a_phone(stack: Stack, admin_browser: Browser) -> None:
    seed_history(stack)
    base = stack.url
    admin = admin_browser.phone_page("clinic_admin", name="Dana Whitfield")
    visit(admin, f"{base}/admin/", "Clinics")
    visit(admin, f"{base}/admin/clinics/clinic_1/client-payments", "Client Payments")
    visit(admin, f"{base}/admin/clinics/clinic_1/client-payments/edit",
          "Edit Client Payments")
    visit(admin, f"{base}{REPORT}?from={MAY['from']}&to={MAY['to']}", "Payment report")
    visit(admin, f"{base}/admin/emails", "Undelivered email")
    visit(admin, f"{base}/admin/requests", "My requests")
    visit(admin, f"{base}/admin/requests/new", "Request the Payment Gateway add-on")
    # Tapping through the navigation works on a phone.
    admin.get_by_role("navigation", name="Configure").get_by_role(
        "link", name="Reports").tap()
    expect(admin.get_by_role("heading", name="Payment report")).to_be_visible()
    admin.goto(f"{base}{REPORT}?from={MAY['from']}&to={MAY['to']}")
    admin.screenshot(path=str(screenshots_dir() / "admin-14-phone-reports.png"))

    operator = admin_browser.phone_page("operator", org="", clinic=None, user="op-1",
                                        name="Omar Haddad")
    visit(operator, f"{base}/admin/", "Clinics")
    visit(operator, f"{base}/admin/operator", "Operator console")
    visit(operator, f"{base}/admin/reports?from={MAY['from']}&to={MAY['to']}",
          "Payment report")
