"""SMTP refusing or down around a real payment: the receipt is retried, or shown to the
clinic's admins under Configure > Undelivered email with a Resend button; exactly one
receipt arrives in the end. Case emails likewise, for the admin who filed the case."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from paygate.domain.principals import Principal, Role
from paygate.runtime import Runtime
from paygate.services.desk.filing import RequestInput
from paygate.store.database import Database
from paygate.store.models import OutboxEmail
from tests.admin.conftest import Browser, admin_client, csrf_of
from tests.admin.conftest import admin_browser as admin_browser  # the fixture
from tests.admin.conftest import seed as seed_admin_clinic
from tests.conftest import Stack, screenshots_dir
from tests.payments.conftest import Clinic, Login, in_thread, pay, request_payment, seed
from tests.reliability.conftest import BOTH, query, receipts_to

PATIENT = "pat@example.com"


def paid_with_receipt(login: Login, stack: Stack) -> dict[str, Any]:
    clinician = login("clinician")
    created = request_payment(clinician, 9900, description="Physiotherapy session")
    patient = login("patient")
    assert patient.post(f"/api/v1/payment-requests/{created['id']}/receipt",
                        json={"email": PATIENT}).status_code == 200
    pay(stack, patient.get(f"/api/v1/payment-requests/{created['id']}").json())
    return created


def outbox_row(stack: Stack, key: str, prefix: bool = False) -> OutboxEmail | None:
    """The outbox row keyed `key` (or, with `prefix`, the first whose key starts so)."""
    async def read(db: Database) -> OutboxEmail | None:
        where = (OutboxEmail.dedupe_key.like(key + "%") if prefix
                 else OutboxEmail.dedupe_key == key)
        async with db.sessions() as tx:
            return await tx.scalar(select(OutboxEmail).where(where).limit(1))
    return query(stack.settings.database_url, read)


def wait_for_status(stack: Stack, key: str, status: str, timeout: float = 15,
                    prefix: bool = False) -> OutboxEmail:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = outbox_row(stack, key, prefix)
        if row is not None and row.status == status:
            return row
        time.sleep(0.1)
    raise AssertionError(f"{key} never became {status}: {outbox_row(stack, key)!r}")


def rows_on_page(html: str) -> list[str]:
    return re.findall(r'<tr data-email-id="(\d+)">', html)


@BOTH
def test_a_refused_receipt_waits_for_its_clinic_admin_and_resend_delivers_it_once(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    seed(stack, org_id="org_1", clinic_id="clinic_2", clinic_name="Other Clinic")
    stack.mail.mailbox.refuse_with = "550 5.1.1 Mailbox unavailable"
    created = paid_with_receipt(login, stack)
    dead = wait_for_status(stack, f"receipt:{created['id']}", "dead")
    assert dead.attempts == 1 and "550" in (dead.last_error or "")
    assert "Visa ending in 4242" in dead.text_body  # rendered again when it was sent

    with admin_client(stack, "clinic_admin", clinic="clinic_2") as other:
        page = other.get("/admin/emails")
        assert page.status_code == 200 and rows_on_page(page.text) == []
        refused = other.post(f"/admin/emails/{dead.id}/resend",
                             data={"csrf": csrf_of(page.text)})
        assert refused.status_code == 404
    with admin_client(stack, "operator", clinic=None) as operator:
        assert rows_on_page(operator.get("/admin/emails").text) == [str(dead.id)]
    with admin_client(stack, "org_admin", clinic=None) as org_admin:
        assert rows_on_page(org_admin.get("/admin/emails").text) == [str(dead.id)]

    with admin_client(stack, "clinic_admin") as admin:
        page = admin.get("/admin/emails")
        assert rows_on_page(page.text) == [str(dead.id)]
        assert f"Your receipt from Sunrise Clinic ({created['reference']})" in page.text
        assert PATIENT in page.text and "Not sent" in page.text
        assert "550 5.1.1 Mailbox unavailable" in page.text
        stack.mail.mailbox.refuse_with = None
        resent = admin.post(f"/admin/emails/{dead.id}/resend",
                            data={"csrf": csrf_of(page.text)})
        assert resent.status_code == 303
        after = admin.get(resent.headers["location"])
        assert "The email is queued again" in after.text
        [mail] = stack.mail.mailbox.wait_for(lambda m: PATIENT in m.to)
        assert mail.subject == f"Your receipt from Sunrise Clinic ({created['reference']})"
        assert "Visa ending in 4242" in mail.text()
        wait_for_status(stack, f"receipt:{created['id']}", "sent")
        assert rows_on_page(admin.get("/admin/emails").text) == []
        assert "Every email has been delivered." in admin.get("/admin/emails").text
    time.sleep(0.5)
    assert receipts_to(stack, PATIENT) == 1


def test_resend_needs_the_pages_csrf_token(login: Login, stack: Stack,
                                           clinic: Clinic) -> None:
    stack.mail.mailbox.refuse_with = "550 5.1.1 Mailbox unavailable"
    created = paid_with_receipt(login, stack)
    dead = wait_for_status(stack, f"receipt:{created['id']}", "dead")
    with admin_client(stack, "clinic_admin") as admin:
        forged = admin.post(f"/admin/emails/{dead.id}/resend", data={"csrf": "forged"})
        assert forged.status_code == 403
    assert outbox_row(stack, f"receipt:{created['id']}").status == "dead"  # type: ignore[union-attr]
    with httpx.Client(base_url=stack.url) as stranger:
        assert stranger.get("/admin/emails").status_code == 401


def test_smtp_answering_451_is_retried_until_it_takes_the_receipt(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    stack.mail.mailbox.refuse_with = "451 4.3.0 Try again later"
    created = paid_with_receipt(login, stack)
    key = f"receipt:{created['id']}"
    deadline = time.monotonic() + 10
    while (outbox_row(stack, key) is None or outbox_row(stack, key).attempts < 1  # type: ignore[union-attr]
           ) and time.monotonic() < deadline:
        time.sleep(0.1)
    with admin_client(stack, "clinic_admin") as admin:
        page = admin.get("/admin/emails").text
        assert "Retrying" in page and "451 4.3.0 Try again later" in page
    stack.mail.mailbox.refuse_with = None
    wait_for_status(stack, key, "sent")  # the worker's backoff, no admin needed
    time.sleep(0.5)
    assert receipts_to(stack, PATIENT) == 1


def test_a_refused_case_email_is_shown_to_the_admin_who_filed_the_case(
        stack: Stack) -> None:
    seed_admin_clinic(stack, enabled=False)
    with admin_client(stack, "operator", org="", clinic=None, user="op-1",
                      email="omar@desk.example"):
        pass  # a member of the desk: told of the new case too
    stack.mail.mailbox.refuse_with = "550 5.1.1 Mailbox unavailable"
    filer = Principal(user_id="clinic_admin-user", name="Dana Admin", role=Role.CLINIC_ADMIN,
                      org_id="org_1", clinic_id="clinic_1", email="dana@clinic.example")

    async def file_case() -> str:
        runtime = Runtime.build(stack.settings)
        try:
            case = await runtime.cases.file(filer, RequestInput(
                clinics=[("clinic_1", "Sunrise Clinic")], reason="We take payments in calls",
                contact="dana@clinic.example"))
            return str(case.case.id)
        finally:
            await runtime.close()

    case_id = in_thread(file_case)

    async def case_email_key(db: Database) -> str | None:
        async with db.sessions() as tx:
            return await tx.scalar(select(OutboxEmail.dedupe_key).where(
                OutboxEmail.dedupe_key.like(f"case:{case_id}:%")))
    key = query(stack.settings.database_url, case_email_key)
    assert key is not None
    dead = wait_for_status(stack, key, "dead")
    with admin_client(stack, "clinic_admin") as admin:
        page = admin.get("/admin/emails")
        assert rows_on_page(page.text) == [str(dead.id)]
        assert "Service desk case update" in page.text and "dana@clinic.example" in page.text
    with admin_client(stack, "clinic_admin", user="someone-else") as colleague:
        assert rows_on_page(colleague.get("/admin/emails").text) == []
    # The desk's own email (to the operator) is not the organisation's to see.
    to_desk = wait_for_status(stack, f"desk:{case_id}:", "dead", prefix=True)
    with admin_client(stack, "org_admin", clinic=None) as olivia:
        page = olivia.get("/admin/emails")
        assert rows_on_page(page.text) == [str(dead.id)]
        assert "omar@desk.example" not in page.text
    with admin_client(stack, "operator", org="", clinic=None, user="op-2") as desk:
        assert set(rows_on_page(desk.get("/admin/emails").text)) >= {str(dead.id),
                                                                     str(to_desk.id)}
    with admin_client(stack, "org_admin", org="org_2", clinic=None) as stranger:
        assert rows_on_page(stranger.get("/admin/emails").text) == []


@pytest.mark.browser
def test_the_clinic_admin_resends_a_refused_receipt_in_the_browser(
        login: Login, stack: Stack, clinic: Clinic, admin_browser: Browser) -> None:
    stack.mail.mailbox.refuse_with = "550 5.1.1 Mailbox unavailable"
    created = paid_with_receipt(login, stack)
    wait_for_status(stack, f"receipt:{created['id']}", "dead")
    page = admin_browser.page("clinic_admin")
    page.get_by_role("link", name="Undelivered").click()
    expect(page.get_by_role("heading", name="Undelivered email")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=created["reference"])
    expect(row).to_contain_text(PATIENT)
    expect(row).to_contain_text("Not sent")
    expect(row).to_contain_text("550 5.1.1 Mailbox unavailable")
    page.screenshot(path=str(screenshots_dir() / "reliability-undelivered-email.png"),
                    animations="disabled")
    stack.mail.mailbox.refuse_with = None
    row.get_by_role("button", name=f"Resend payment receipt to {PATIENT}").click()
    expect(page.get_by_role("status")).to_contain_text("The email is queued again")
    stack.mail.mailbox.wait_for(lambda m: PATIENT in m.to)
    page.reload()
    expect(page.get_by_text("Every email has been delivered.")).to_be_visible()
