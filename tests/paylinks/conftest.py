"""Pay-link helpers: the link from the email, and the fixtures of the payments tests."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.conftest import Stack
from tests.payments import conftest as payments

clinic = payments.clinic  # the same fixtures as the payments tests
login = payments.login

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/pay/[A-Za-z0-9_.\-]+)")


def send_link(client: httpx.Client, request_id: str, **body: Any) -> httpx.Response:
    return client.post(f"/api/v1/payment-requests/{request_id}/pay-link", json=body)


def link_mail(stack: Stack, to: str) -> Any:
    [mail] = stack.mail.mailbox.wait_for(
        lambda m: to in m.to and "Payment request from" in m.subject)
    return mail


def link_in(mail: Any) -> str:
    found = LINK.search(mail.text())
    assert found, mail.text()
    assert found.group(1) in mail.html()
    return found.group(1)
