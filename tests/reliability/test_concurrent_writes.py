"""A payment webhook racing another writer of the same request (another instance). On
PostgreSQL paygate reads the request without locking it and writes the move only if the
row is still the version it read; this test changes the row in between and checks that
nothing is lost: the clinician's live view orders notices by the request's version."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from paygate.store.database import Database
from paygate.store.models import PaymentRequestEvent
from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, pay, request_payment, wait_until
from tests.reliability.conftest import PgSession, query, waiting_for_a_lock

OUR_SECRET = "whsec_this_test_signs_its_own_events"


def history(database_url: str, request_id: str) -> list[tuple[str | None, str]]:
    async def read(db: Database) -> list[tuple[str | None, str]]:
        async with db.sessions() as tx:
            rows = await tx.scalars(select(PaymentRequestEvent).where(
                PaymentRequestEvent.payment_request_id == request_id)
                .order_by(PaymentRequestEvent.id))
            return [(row.from_status, row.to_status) for row in rows]
    return query(database_url, read)


def signed_post(stack: Stack, event: dict[str, Any]) -> httpx.Response:
    payload = json.dumps(event)
    stamp = int(time.time())
    mac = hmac.new(OUR_SECRET.encode(), f"{stamp}.{payload}".encode(),
                   hashlib.sha256).hexdigest()
    return httpx.post(f"{stack.url}/webhooks/stripe", content=payload, timeout=30,
                      headers={"Stripe-Signature": f"t={stamp},v1={mac}",
                               "Content-Type": "application/json"})


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("stack_overrides", [{"stripe_webhook_secrets": (OUR_SECRET,)}])
def test_a_payment_confirmed_while_another_instance_moves_the_request_lands_after_it(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    patient = login("patient")
    created = request_payment(clinician, 4200, "usd", "Dietitian follow-up")
    checkout = patient.get(f"/api/v1/payment-requests/{created['id']}").json()
    assert checkout["version"] == 1
    pay(stack, checkout, "pm_card_visa")  # the sandbox's own deliveries are refused here
    intent = stack.stripe.v1.payment_intents.retrieve(
        checkout["client_secret"].split("_secret_")[0],
        options={"stripe_account": clinic.account})
    succeeded = {"id": "evt_succeeded_racing", "object": "event", "livemode": False,
                 "type": "payment_intent.succeeded", "account": clinic.account,
                 "created": int(time.time()), "data": {"object": intent.to_dict()}}

    # Another instance applies Stripe's payment_intent.processing for the same request
    # while this one handles payment_intent.succeeded: its transaction holds the row from
    # before this one read it until this one's write waits for it.
    other = PgSession(stack.settings.database_url)
    answers: list[httpx.Response] = []
    delivery = threading.Thread(target=lambda: answers.append(signed_post(stack, succeeded)))
    try:
        other.execute("BEGIN")
        other.execute("UPDATE payment_requests SET status = 'processing', "
                      "version = version + 1, updated_at = now() WHERE id = $1",
                      created["id"])
        other.execute("INSERT INTO payment_request_events (payment_request_id, from_status, "
                      "to_status, actor_kind, actor_id, actor_name, detail, created_at) "
                      "VALUES ($1, 'requested', 'processing', 'stripe', 'evt_other', "
                      "'Stripe', 'payment_intent.processing', now())", created["id"])
        delivery.start()
        wait_until(lambda: waiting_for_a_lock(stack.settings.database_url) > 0)
        other.execute("COMMIT")
    finally:
        other.close()
        delivery.join(timeout=30)

    [answer] = answers
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "paid"
    paid = clinician.get(f"/api/v1/payment-requests/{created['id']}").json()
    assert paid["status"] == "paid"
    # Written over the other instance's move, the paid view would carry version 2 again
    # and a clinician's widget, holding "processing" at version 2, would ignore it.
    assert paid["version"] == 3
    assert history(stack.settings.database_url, created["id"]) == [
        (None, "requested"), ("requested", "processing"), ("processing", "paid")]
