"""Admin pages as an admin reads them: the main action is the one that is left to do, one
way to each page, and a field with an error is marked where it is."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tests.admin.conftest import admin_client, seed
from tests.admin.test_reports import REPORT
from tests.conftest import Stack

REQUEST_LINK = re.compile(r'<a class="button( secondary)?" href="/admin/requests/new">([^<]+)</a>')


def main_request_button(html: str) -> tuple[str, str] | None:
    """The page head's "request the add-on" link: (its style, its text), if shown."""
    found = REQUEST_LINK.search(html)
    return (("secondary" if found.group(1) else "primary"), found.group(2)) if found else None


def test_request_the_add_on_is_the_main_button_only_while_something_is_left_to_enable(
        stack: Stack) -> None:
    seed(stack, "clinic_1", enabled=False)
    seed(stack, "clinic_2", name="Harbour Clinic", enabled=True)
    with admin_client(stack, "clinic_admin") as sunrise:
        assert main_request_button(sunrise.get("/admin/").text) == (
            "primary", "Request the Payment Gateway add-on")
    with admin_client(stack, "clinic_admin", clinic="clinic_2") as harbour:
        home = harbour.get("/admin/").text
        assert main_request_button(home) is None  # enabled: nothing left to request
        assert "Enabled · not linked" in home
    with admin_client(stack, "org_admin", clinic=None) as org:
        assert main_request_button(org.get("/admin/").text) == (
            "primary", "Request the Payment Gateway add-on")

    seed(stack, "clinic_1", enabled=True, account_id="acct_sunrise")  # approved later
    with admin_client(stack, "clinic_admin") as sunrise:
        assert main_request_button(sunrise.get("/admin/").text) is None
    with admin_client(stack, "org_admin", clinic=None) as org:
        # Both enabled: still possible for a new clinic, but no longer the main action.
        assert main_request_button(org.get("/admin/").text) == (
            "secondary", "Request the add-on for another clinic")


def test_one_way_to_the_edit_page(stack: Stack) -> None:
    seed(stack, "clinic_1", account_id="acct_sunrise")
    seed(stack, "clinic_2", name="Harbour Clinic")  # enabled, not linked
    with admin_client(stack, "org_admin", clinic=None) as org:
        for clinic in ("clinic_1", "clinic_2"):
            page = org.get(f"/admin/clinics/{clinic}/client-payments").text
            edits = re.findall(rf'<a [^>]*href="/admin/clinics/{clinic}/client-payments/edit"'
                               r'[^>]*>([^<]*)</a>', page)
            assert edits == ["Edit"], (clinic, edits)


def test_a_bad_report_filter_marks_its_field(stack: Stack) -> None:
    seed(stack, "clinic_1")
    with admin_client(stack, "clinic_admin") as admin:
        page = admin.get(REPORT, params={"from": "31/05/2024", "to": "2024-06-30"})
        again = admin.get(REPORT, params={"from": "2024-06-30", "to": "2024-06-01"})
    assert page.status_code == 400
    start = re.search(r'<input id="from"[^>]*>', page.text)
    assert start is not None
    assert 'aria-invalid="true"' in start.group(0)
    assert 'aria-describedby="from-error"' in start.group(0)
    message = re.search(r'<p class="field-error" id="from-error">([^<]+)</p>', page.text)
    assert message is not None and message.group(1).startswith(
        "Enter the start date as YYYY-MM-DD")
    end = re.search(r'<input id="to"[^>]*>', page.text)
    assert end is not None and "aria-invalid" not in end.group(0)
    # Another mistake, on the same field: marked again, with the new message.
    assert again.status_code == 400
    assert "The start date is after the end date" in re.search(
        r'id="from-error">([^<]+)<', again.text).group(1)  # type: ignore[union-attr]


def test_the_favicon_is_served(stack: Stack) -> None:
    with admin_client(stack, "clinic_admin") as admin:
        icon = admin.get("/favicon.ico")
        page = admin.get("/admin/").text
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(icon.text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")
    assert '<link rel="icon" href="/favicon.ico" type="image/svg+xml">' in page
