"""Stripe's account webhooks keep Configure > Client Payments true."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.admin.conftest import admin_client, csrf_of, seed
from tests.conftest import STRIPE_CLIENT_ID, STRIPE_SECRET, Stack

PAGE = "/admin/clinics/clinic_1/client-payments"


def shown(html: str, name: str) -> str:
    found = re.search(rf'data-field="{name}">(.*?)</dd>', html, re.S)
    assert found, f"no {name} on the page"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def eventually(client: httpx.Client, check: Callable[[str], bool], timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while True:
        html = client.get(PAGE).text
        if check(html) or time.monotonic() > deadline:
            return html
        time.sleep(0.1)


def test_account_updated_changes_what_the_page_shows(stack: Stack) -> None:
    account = stack.connected_account("Harbour Health", country="US", onboarded=False)
    seed(stack, account_id=account)
    with admin_client(stack) as client:
        page = client.get(PAGE).text
        refreshed = client.post(f"{PAGE}/refresh", data={"csrf": csrf_of(page)},
                                follow_redirects=True)
        assert "Account details refreshed from Stripe." in refreshed.text
        assert shown(refreshed.text, "name") == "Harbour Health"
        assert shown(refreshed.text, "charges") == "No"  # not onboarded yet at Stripe
        assert "finish the account's onboarding" in refreshed.text

        httpx.post(f"{stack.sandbox_url}/_sandbox/accounts/{account}",
                   json={"charges_enabled": True}).raise_for_status()
        html = eventually(client, lambda h: shown(h, "charges") == "Yes")
        assert shown(html, "charges") == "Yes" and shown(html, "payouts") == "Yes"

        httpx.post(f"{stack.sandbox_url}/_sandbox/accounts/{account}",
                   json={"charges_enabled": False}).raise_for_status()
        html = eventually(client, lambda h: shown(h, "charges") == "No")
        assert shown(html, "charges") == "No" and shown(html, "payouts") == "No"


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_access_revoked_at_stripe_shows_clearly_and_offers_go_to_stripe(stack: Stack) -> None:
    account = stack.connected_account("Harbour Health")
    seed(stack, account_id=account)
    with stack.login("clinician") as clinician, admin_client(stack) as client:
        created = clinician.post("/api/v1/calls/call_1/payment-requests",
                                 json={"amount": 1200, "currency": "usd",
                                       "description": "Check-up"})
        assert created.status_code == 201, created.text
        # The clinic disconnects paygate from its Stripe dashboard.
        httpx.post(f"{stack.sandbox_url}/oauth/deauthorize",
                   headers={"Authorization": f"Bearer {STRIPE_SECRET}"},
                   data={"client_id": STRIPE_CLIENT_ID, "stripe_user_id": account}
                   ).raise_for_status()
        html = eventually(client, lambda h: "Stripe access was revoked" in h)
        assert "Stripe access was revoked from the Stripe dashboard on" in html
        assert "Go to Stripe" in html
        assert "Revoked in Stripe" in html
        # The link goes first, then its open requests are cancelled (at Stripe, then here).
        deadline = time.monotonic() + 10
        while (status := clinician.get(f"/api/v1/payment-requests/{created.json()['id']}")
               .json())["status"] != "cancelled" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert status["status"] == "cancelled"


def signed_event(stack: Stack, event: dict[str, Any]) -> httpx.Response:
    """What Stripe's Connect endpoint posts: the event signed with the endpoint secret."""
    payload = json.dumps(event)
    stamp = int(time.time())
    mac = hmac.new(stack.settings.stripe_webhook_secrets[0].encode(),
                   f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return httpx.post(f"{stack.url}/webhooks/stripe", content=payload, timeout=15,
                      headers={"Stripe-Signature": f"t={stamp},v1={mac}",
                               "Content-Type": "application/json"})


def account_updated(account: str, about: str, **fields: Any) -> dict[str, Any]:
    return {"id": "evt_" + secrets.token_hex(8), "object": "event", "type": "account.updated",
            "account": account, "livemode": False, "created": int(time.time()),
            "api_version": "2024-06-20", "data": {"object": {
                "id": about, "object": "account", "country": "US", "default_currency": "usd",
                **fields}}}


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_an_account_event_about_another_account_changes_nothing(stack: Stack) -> None:
    mine = stack.connected_account("Sunrise Clinic")
    theirs = stack.connected_account("Harbour Health")
    seed(stack, account_id=mine)
    seed(stack, clinic_id="clinic_9", org_id="org_9", name="Harbour", account_id=theirs)
    with admin_client(stack) as client:
        before = client.get(PAGE).text
        assert (shown(before, "name"), shown(before, "charges")) == ("Sunrise Clinic", "Yes")
        # Signed, from Harbour's account, but its object claims to be Sunrise's account.
        forged = signed_event(stack, account_updated(
            theirs, mine, charges_enabled=False, payouts_enabled=False,
            email="attacker@harbour.example", business_profile={"name": "Not Sunrise"}))
        assert forged.status_code == 200, forged.text  # acknowledged: no Stripe retries
        assert forged.json()["outcome"] == "ignored_foreign_account"
        after = client.get(PAGE).text
        assert (shown(after, "name"), shown(after, "charges")) == ("Sunrise Clinic", "Yes")
        assert "attacker@harbour.example" not in after
        # Sunrise's own event still counts (paygate reads the account it names from
        # Stripe, so the change is made there too).
        stack.stripe.v1.accounts.update(mine, {"business_profile": {
            "name": "Sunrise Clinic Group"}})
        genuine = signed_event(stack, account_updated(
            mine, mine, charges_enabled=True, payouts_enabled=True,
            business_profile={"name": "Sunrise Clinic Group"}))
        assert genuine.status_code == 200, genuine.text
        assert shown(client.get(PAGE).text, "name") == "Sunrise Clinic Group"
