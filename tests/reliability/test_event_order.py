"""Stripe's events for one payment in any order, any number of times: one outcome.

The events are the real ones the sandbox emitted for a payment that was declined once,
then paid after 3-D Secure. Hypothesis replays permutations of them, with duplicates and
with the outbox sending at any moment, each time to a fresh copy of paygate's database, and
every replay must end paid once, with the successful card and exactly one receipt."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from paygate.domain.payment_requests import Status, can_transition
from paygate.runtime import Runtime
from paygate.settings import Settings
from paygate.store.models import OutboxEmail, PaymentRequest, PaymentRequestEvent
from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, browser_stripe, in_thread, request_payment
from tests.reliability.conftest import (
    BOTH,
    account_events,
    deliver,
    paid_transitions,
    receipts_to,
    sign,
)

SECRET = "whsec_replayed_by_the_test"
PATIENT = "order@example.com"
SEND = "send receipts now"


@dataclass
class Recorded:
    request_id: str
    events: list[dict[str, Any]]
    snapshot: Path  # paygate's database before any event reached it


def pay_declined_then_3ds(stack: Stack, checkout: dict[str, Any]) -> str:
    """The patient's card is declined, then a second card passes 3-D Secure."""
    intent_id = checkout["client_secret"].split("_secret_")[0]
    browser = browser_stripe(stack)
    options = {"stripe_account": checkout["stripe_account"]}
    with pytest.raises(stripe.CardError):
        browser.v1.payment_intents.confirm(intent_id, {  # type: ignore[typeddict-unknown-key]
            "payment_method": "pm_card_visa_chargeDeclined",
            "client_secret": checkout["client_secret"]}, options)  # type: ignore[arg-type]
    challenged = browser.v1.payment_intents.confirm(intent_id, {  # type: ignore[typeddict-unknown-key]
        "payment_method": "pm_card_threeDSecure2Required",
        "client_secret": checkout["client_secret"]}, options)  # type: ignore[arg-type]
    assert challenged.status == "requires_action"
    url = challenged.next_action.use_stripe_sdk["stripe_js"]  # type: ignore[union-attr]
    assert httpx.post(url, data={"action": "complete"}).status_code == 200
    return intent_id


@pytest.fixture
def stack_overrides() -> dict[str, Any]:
    """paygate refuses the sandbox's deliveries: the test delivers the events itself."""
    return {"stripe_webhook_secrets": (SECRET,), "reconcile_interval": 3600}


@pytest.fixture
def recorded(login: Login, stack: Stack, clinic: Clinic, tmp_path: Path) -> Recorded:
    clinician, patient = login("clinician"), login("patient")
    created = request_payment(clinician, 7300, description="Consultation")
    assert patient.post(f"/api/v1/payment-requests/{created['id']}/receipt",
                        json={"email": PATIENT}).status_code == 200
    checkout = patient.get(f"/api/v1/payment-requests/{created['id']}").json()
    intent_id = pay_declined_then_3ds(stack, checkout)
    events = account_events(stack, clinic.account, intent_id)
    assert [e["type"] for e in events] == [
        "payment_intent.created", "charge.failed", "payment_intent.payment_failed",
        "payment_intent.requires_action", "charge.succeeded", "payment_intent.succeeded"]
    snapshot = tmp_path / "before-events.db"
    if stack.settings.is_sqlite:
        source = sqlite3.connect(stack.settings.database_url.split(":///", 1)[1])
        target = sqlite3.connect(snapshot)
        source.backup(target)
        source.close()
        target.close()
    return Recorded(created["id"], events, snapshot)


def check_outcome(rows: list[PaymentRequestEvent], row: PaymentRequest) -> None:
    assert (row.status, row.card_brand, row.card_last4) == ("paid", "visa", "3220")
    assert row.failure_message is None
    assert [r.to_status for r in rows].count("paid") == 1
    for earlier in rows[1:]:
        assert earlier.from_status is not None
        assert can_transition(Status(earlier.from_status), Status(earlier.to_status))


@given(data=st.data())
@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
def test_any_order_with_duplicates_ends_paid_once_with_one_receipt(
        data: st.DataObject, stack: Stack, recorded: Recorded, tmp_path: Path) -> None:
    order = data.draw(st.permutations(recorded.events), label="order")
    repeats = data.draw(st.lists(st.sampled_from(recorded.events), max_size=4),
                        label="duplicates")
    sequence: list[Any] = list(order)
    for event in repeats:
        sequence.insert(data.draw(st.integers(0, len(sequence)), label="at"), event)
    sequence.insert(data.draw(st.integers(0, len(sequence)), label="send at"), SEND)

    database = tmp_path / "replay.db"
    for leftover in tmp_path.glob("replay.db*"):
        leftover.unlink()
    source, target = sqlite3.connect(recorded.snapshot), sqlite3.connect(database)
    source.backup(target)
    source.close()
    target.close()
    replay_settings = stack.settings.with_overrides(
        database_url=f"sqlite+aiosqlite:///{database}")
    before = receipts_to(stack, PATIENT)
    in_thread(lambda: replay(replay_settings, recorded.request_id, sequence))
    stack.mail.mailbox.wait_for(lambda m: PATIENT in m.to, count=before + 1)
    [mail] = stack.mail.mailbox.messages[before:]
    assert "Visa ending in 3220" in mail.text()
    assert receipts_to(stack, PATIENT) == before + 1


async def replay(settings_: Settings, request_id: str, sequence: list[Any]) -> None:
    runtime = Runtime.build(settings_)
    try:
        for item in sequence:
            if item == SEND:
                await runtime.outbox.send_due()
                continue
            payload = json.dumps(item).encode()
            await runtime.webhooks.receive(payload, sign(payload, SECRET))
        await runtime.outbox.send_due()
        async with runtime.db.sessions() as tx:
            row = await tx.get(PaymentRequest, request_id)
            history = list((await tx.scalars(select(PaymentRequestEvent).where(
                PaymentRequestEvent.payment_request_id == request_id)
                .order_by(PaymentRequestEvent.id))).all())
            receipts = list((await tx.scalars(select(OutboxEmail))).all())
        assert row is not None
        check_outcome(history, row)
        assert [(r.kind, r.status) for r in receipts] == [("receipt", "sent")]
    finally:
        await runtime.close()


@BOTH
def test_every_event_delivered_three_times_at_once_settles_once(
        stack: Stack, recorded: Recorded) -> None:
    deliveries = [event for event in recorded.events for _ in range(3)]
    answers: list[int] = []

    def post(event: dict[str, Any]) -> None:
        answers.append(deliver(stack.url, event, SECRET).status_code)

    threads = [threading.Thread(target=post, args=(event,)) for event in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * len(deliveries)
    assert paid_transitions(stack.settings.database_url, recorded.request_id) == 1
    [mail] = stack.mail.mailbox.wait_for(lambda m: PATIENT in m.to)
    assert "Visa ending in 3220" in mail.text()
    time.sleep(1.0)
    assert receipts_to(stack, PATIENT) == 1
