"""Webhooks that never came, requests that outlive their time, stored events that failed:
the reconciler (in the background, and as `paygate reconcile`) settles them from Stripe."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from paygate.runtime import Runtime
from paygate.services.webhooks.reconciler import PassReport
from paygate.settings import Settings
from paygate.store.database import Database
from paygate.store.models import PaymentRequest, PaymentRequestEvent, WebhookEvent
from tests.conftest import Stack
from tests.payments.conftest import (
    Clinic,
    Login,
    in_thread,
    pay,
    request_payment,
    status_of,
    wait_until,
)
from tests.reliability.conftest import (
    account_events,
    deliver,
    paid_transitions,
    query,
    receipts_to,
    sandbox_faults,
    stack_env,
)

NO_WEBHOOKS = {"stripe_webhook_secrets": ("whsec_not_the_sandboxes",)}


def checkout(patient: Any, request_id: str, email: str | None = None) -> dict[str, Any]:
    if email:
        assert patient.post(f"/api/v1/payment-requests/{request_id}/receipt",
                            json={"email": email}).status_code == 200
    return patient.get(f"/api/v1/payment-requests/{request_id}").json()  # type: ignore[no-any-return]


def one_pass(settings: Settings, stale_after: float = 0.0) -> PassReport:
    """A reconciliation pass by another paygate instance on the same database."""
    async def run() -> PassReport:
        runtime = Runtime.build(settings)
        await runtime.broadcast.connect()
        try:
            return await runtime.reconciler.run_once(stale_after=stale_after)
        finally:
            await runtime.close()

    return in_thread(run)


def ledger_status(stack: Stack, request_id: str) -> str:
    """The stored status, read without going through the API (which expires lazily)."""
    async def read(db: Database) -> str:
        async with db.sessions() as tx:
            row = await tx.get(PaymentRequest, request_id)
            assert row is not None
            return row.status
    return query(stack.settings.database_url, read)


@pytest.mark.parametrize("stack_overrides", [{**NO_WEBHOOKS, "reconcile_interval": 1}])
def test_a_payment_whose_webhooks_never_came_is_settled_in_the_background(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    created = request_payment(clinician, 6400, description="Physiotherapy session")
    pay(stack, checkout(login("patient"), created["id"], "pat@example.com"))

    wait_until(lambda: status_of(clinician, created["id"]) == "paid", timeout=15)
    paid = clinician.get(f"/api/v1/payment-requests/{created['id']}").json()
    assert (paid["card_brand"], paid["card_last4"]) == ("visa", "4242")
    [mail] = stack.mail.mailbox.wait_for(lambda m: "pat@example.com" in m.to)
    assert "Visa ending in 4242" in mail.text()

    async def history(db: Database) -> list[PaymentRequestEvent]:
        async with db.sessions() as tx:
            return list((await tx.scalars(select(PaymentRequestEvent).where(
                PaymentRequestEvent.payment_request_id == created["id"]))).all())
    events = query(stack.settings.database_url, history)
    assert [(e.to_status, e.actor_kind, e.detail) for e in events][-1] == (
        "paid", "stripe", "reconciled with Stripe")
    time.sleep(1.5)  # more passes change nothing
    assert paid_transitions(stack.settings.database_url, created["id"]) == 1
    assert receipts_to(stack, "pat@example.com") == 1


@pytest.mark.parametrize("stack_overrides", [{**NO_WEBHOOKS, "reconcile_interval": 3600,
                                              "payment_request_ttl": 2}])
def test_paygate_reconcile_after_downtime_settles_the_paid_and_expires_the_rest(
        login: Login, stack: Stack, clinic: Clinic, tmp_path: Path) -> None:
    clinician = login("clinician")
    patient = login("patient")
    paid = request_payment(clinician, 2500, description="Paid while paygate was away")
    unpaid = request_payment(clinician, 3500, description="Never paid")
    pay(stack, checkout(patient, paid["id"], "pat@example.com"))
    unpaid_checkout = checkout(patient, unpaid["id"])
    time.sleep(2.2)  # both are past their time now; the paid one must not be lost

    env = stack_env(stack, tmp_path)
    result = subprocess.run([sys.executable, "-m", "paygate.cli", "reconcile"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "settled 1 payment request(s) from Stripe",
        f"  {paid['reference']}  paid",
        "expired 1 payment request(s)",
        f"  {unpaid['reference']}  expired",
        "re-applied 0 stored webhook event(s)",
    ]
    assert ledger_status(stack, paid["id"]) == "paid"
    assert ledger_status(stack, unpaid["id"]) == "expired"
    intent = stack.stripe.v1.payment_intents.retrieve(
        unpaid_checkout["client_secret"].split("_secret_")[0],
        options={"stripe_account": clinic.account})
    assert intent.status == "canceled"
    stack.mail.mailbox.wait_for(lambda m: "pat@example.com" in m.to)

    again = one_pass(stack.settings)
    assert (again.settled, again.expired) == ([], [])
    assert paid_transitions(stack.settings.database_url, paid["id"]) == 1
    assert receipts_to(stack, "pat@example.com") == 1


@pytest.mark.parametrize("stack_overrides", [{"reconcile_interval": 3600,
                                              "payment_request_ttl": 2}])
def test_an_expiry_stripe_could_not_confirm_waits_and_a_late_payment_counts(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    created = request_payment(clinician, 1800)
    late = checkout(login("patient"), created["id"], "late@example.com")
    time.sleep(2.2)
    sandbox_faults(stack, api=[{"method": "POST", "path": "/v1/payment_intents/*",
                                "status": 500, "count": 30}])
    report = one_pass(stack.settings)
    assert report.expired == []
    assert ledger_status(stack, created["id"]) == "requested"

    sandbox_faults(stack)
    pay(stack, late)  # the patient was still on the checkout: Stripe takes the payment
    wait_until(lambda: ledger_status(stack, created["id"]) == "paid")
    assert one_pass(stack.settings).expired == []
    assert status_of(clinician, created["id"]) == "paid"
    stack.mail.mailbox.wait_for(lambda m: "late@example.com" in m.to)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("stack_overrides", [{**NO_WEBHOOKS, "reconcile_interval": 3600}])
def test_two_reconcilers_on_postgres_settle_each_request_once(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    patient = login("patient")
    created = [request_payment(clinician, 1000 + n, description=f"Visit {n}")
               for n in range(6)]
    for item in created:
        pay(stack, checkout(patient, item["id"], f"p{item['amount']}@example.com"))

    async def both() -> list[PassReport]:
        first, second = Runtime.build(stack.settings), Runtime.build(stack.settings)
        await first.broadcast.connect()
        await second.broadcast.connect()
        try:
            return list(await asyncio.gather(first.reconciler.run_once(),
                                             second.reconciler.run_once()))
        finally:
            await first.close()
            await second.close()

    reports = in_thread(both)
    settled = [o.request_id for report in reports for o in report.settled]
    assert sorted(settled) == sorted(item["id"] for item in created)
    for item in created:
        assert paid_transitions(stack.settings.database_url, item["id"]) == 1
    stack.mail.mailbox.wait_for(lambda m: "@example.com" in m.to, count=6)
    time.sleep(0.5)
    assert len(stack.mail.mailbox.messages) == 6


@pytest.mark.parametrize("stack_overrides", [{**NO_WEBHOOKS, "reconcile_interval": 3600}])
def test_a_stored_event_whose_processing_failed_is_applied_by_the_next_pass(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    created = request_payment(clinician)
    intent = pay(stack, checkout(login("patient"), created["id"]))
    [succeeded] = [e for e in account_events(stack, clinic.account, intent.id)
                   if e["type"] == "payment_intent.succeeded"]
    # A snapshot older than its event (it happens): paygate must read the intent, and
    # Stripe's API is failing right then.
    succeeded["data"]["object"]["status"] = "processing"
    sandbox_faults(stack, api=[{"method": "GET", "path": "/v1/payment_intents/*",
                                "status": 500, "count": 30}])
    response = deliver(stack.url, succeeded, "whsec_not_the_sandboxes")
    assert response.status_code == 503
    assert status_of(clinician, created["id"]) == "requested"

    async def stored(db: Database) -> WebhookEvent | None:
        async with db.sessions() as tx:
            return await tx.get(WebhookEvent, succeeded["id"])
    row = query(stack.settings.database_url, stored)
    assert row is not None and row.processed_at is None and row.attempts == 1

    sandbox_faults(stack)
    report = one_pass(stack.settings)  # the inbox goes first: nothing is left to read
    assert report.webhooks_retried == 1 and report.settled == []
    assert status_of(clinician, created["id"]) == "paid"
    row = query(stack.settings.database_url, stored)
    assert row is not None and row.processed_at is not None and row.outcome == "paid"


def test_a_cancel_stripe_could_not_confirm_keeps_the_request_payable(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    created = request_payment(clinician, 2200)
    still_open = checkout(login("patient"), created["id"], "kept@example.com")
    sandbox_faults(stack, api=[{"method": "POST", "path": "/v1/payment_intents/*",
                                "status": 500, "count": 30}])

    async def cancel_all() -> int:
        runtime = Runtime.build(stack.settings)
        try:
            return await runtime.payments.cancel_open_for_clinic(
                "clinic_1", None, "the clinic's Stripe account was unlinked")
        finally:
            await runtime.close()

    assert in_thread(cancel_all) == 0
    assert ledger_status(stack, created["id"]) == "requested"
    refused = clinician.post(f"/api/v1/payment-requests/{created['id']}/cancel")
    assert (refused.status_code, refused.json()["error"]["code"]) == (
        503, "payment_provider_unavailable")
    sandbox_faults(stack)
    pay(stack, still_open)
    wait_until(lambda: status_of(clinician, created["id"]) == "paid")
    stack.mail.mailbox.wait_for(lambda m: "kept@example.com" in m.to)
