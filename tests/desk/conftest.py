"""Service desk helpers: seeded clinics, a payment to refer to, signed-in operators (who
become the desk's members) and their admin form posts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from tests.admin.conftest import admin_browser, admin_client, csrf_of
from tests.conftest import Stack
from tests.payments.conftest import Login, login
from tests.payments.conftest import seed as seed_linked

__all__ = ["admin_browser", "login"]


def a_payment(stack: Stack, login: Login, clinic: str = "clinic_1",
              org: str = "org_1") -> dict[str, Any]:
    """A payment request of the clinic (linked to a sandbox account first)."""
    seed_linked(stack, clinic_id=clinic, org_id=org)
    clinician = login("clinician", org=org, clinic=clinic, name="Dr Ada Grey")
    made = clinician.post("/api/v1/calls/call_1/payment-requests", json={
        "amount": 2500, "currency": "usd", "description": "Consultation"})
    assert made.status_code == 201, made.text
    return dict(made.json())


@contextmanager
def operator(stack: Stack, user: str = "op-1", name: str = "Omar Operator",
             email: str = "omar@desk.example") -> Iterator[httpx.Client]:
    """An operator signed in to the admin pages (and so a member of the desk)."""
    with admin_client(stack, "operator", org="", clinic=None, user=user, name=name,
                      email=email) as client:
        yield client


def post_form(client: httpx.Client, path: str, **fields: Any) -> httpx.Response:
    """A form of a case page, posted with that page's CSRF token."""
    number_page = path.rsplit("/", 1)[0]
    page = client.get(number_page if "/admin/requests/" in path else "/admin/operator")
    return client.post(path, data={"csrf": csrf_of(page.text), **fields})


def case_of(client: httpx.Client, number: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/cases/{number}")
    assert response.status_code == 200, response.text
    return dict(response.json())
