"""Account health: Stripe asks for details by a deadline, then pauses charges. The admins
see it on Client Payments and are emailed once; the API refuses new requests meanwhile
(409 account_not_ready); all of it as account.updated repeats and reorders."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.admin.conftest import admin_client
from tests.admin.test_account_webhooks import eventually
from tests.conftest import Stack
from tests.mailbox import Received
from tests.payments.conftest import seed

PAGE = "/admin/clinics/clinic_1/client-payments"
SUBJECT = "Card payments are paused for Sunrise Clinic"


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def put_account(stack: Stack, account: str, state: str) -> None:
    httpx.post(f"{stack.sandbox_url}/_sandbox/accounts/{account}",
               json={"state": state}).raise_for_status()


def paused_mail(stack: Stack) -> list[Received]:
    return [m for m in stack.mail.mailbox.messages if m.subject == SUBJECT]


def ask(stack: Stack) -> httpx.Response:
    with stack.login("clinician") as clinician:
        return clinician.post("/api/v1/calls/call_1/payment-requests",
                              json={"amount": 1500, "currency": "usd",
                                    "description": "Follow-up"})


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_a_pause_is_emailed_once_and_refuses_requests_until_stripe_enables_charges(
        stack: Stack) -> None:
    account = seed(stack, clinic_name="Sunrise Clinic")
    httpx.post(f"{stack.sandbox_url}/_sandbox/faults",
               json={"webhooks": ["duplicate", "shuffle"]}).raise_for_status()
    with admin_client(stack, email="dana@sunrise.example") as dana, \
            admin_client(stack, role="org_admin", clinic=None, email="Olu@Org.example"):
        put_account(stack, account, "verification_due")
        html = eventually(dana, lambda h: "an identity document" in h)
        assert "Stripe still needs details: an identity document, by " in words(html)
        assert 'data-field="deadline">by <time' in html
        assert "If they are not given by then, Stripe pauses card payments." in html
        assert f'href="{stack.sandbox_url}/dashboard/accounts/{account}"' in html
        assert ask(stack).status_code == 201  # charges still on

        put_account(stack, account, "paused")
        html = eventually(dana, lambda h: "Card payments are paused" in h)
        assert ("Card payments are paused: Stripe does not accept charges on this account now "
                "(Stripe needs details that are now past due)") in words(html)
        refused = ask(stack)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "account_not_ready"
        assert refused.json()["error"]["message"].startswith(
            "Card payments are paused for this clinic")
        with stack.login("clinician") as clinician:
            options = clinician.get("/api/v1/calls/call_1/payment-options").json()
        assert options["ready"] is False and options["not_ready_code"] == "account_not_ready"

        # Both admins, once each, whatever Stripe repeats; with what Stripe needs.
        mails = stack.mail.mailbox.wait_for(lambda m: m.subject == SUBJECT, count=2)
        assert sorted(m.to for m in mails) == ["dana@sunrise.example", "olu@org.example"]
        assert "Stripe needs: an identity document." in mails[0].text()
        assert f"{stack.url}{PAGE}" in mails[0].text()
        dana.post(f"{PAGE}/refresh", data={"csrf": _csrf(dana)})  # a read on demand
        time.sleep(1.0)
        assert len(paused_mail(stack)) == 2

        put_account(stack, account, "enabled")
        eventually(dana, lambda h: "Card payments are paused" not in h)
        assert ask(stack).status_code == 201
        # Paused again later: that is news again.
        put_account(stack, account, "paused")
        stack.mail.mailbox.wait_for(lambda m: m.subject == SUBJECT, count=4)
        time.sleep(0.5)
        assert len(paused_mail(stack)) == 4


def _csrf(client: httpx.Client) -> str:
    from tests.admin.conftest import csrf_of
    return csrf_of(client.get(PAGE).text)
