"""Both ways a payment request is written leave the same rows: the ORM ledger (commands,
refunds, the reconciler) and the fast path (payment webhooks). Every status a request can
be in meets every state of a PaymentIntent Stripe may report, before and after the
request's time is up, through each path; then the card details the same way. What a
clinician, a patient or an auditor reads afterwards (status, version, failure, card,
history, the receipt queued) must not depend on which path wrote it."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from paygate.adapters.broadcast import make_broadcast
from paygate.domain.payment_moves import Actor
from paygate.domain.payment_requests import Status
from paygate.services.mail.outbox import Outbox
from paygate.services.payments.ledger import RequestLedger
from paygate.services.payments.receipts import ReceiptWriter
from paygate.services.ports import IntentInfo
from paygate.store.database import Database, upgrade_async, utcnow
from paygate.store.fast_path import FastPath
from paygate.store.models import (
    Clinic,
    Organisation,
    OutboxEmail,
    PaymentRequest,
    PaymentRequestEvent,
)
from tests.conftest import make_settings

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)

INTENTS = {
    "processing": IntentInfo(id="", status="processing", amount=4200, currency="usd"),
    "requires_action": IntentInfo(id="", status="requires_action", amount=4200,
                                  currency="usd"),
    "succeeded": IntentInfo(id="", status="succeeded", amount=4200, currency="usd",
                            amount_received=4200, card_brand="visa", card_last4="4242"),
    "succeeded_without_card": IntentInfo(id="", status="succeeded", amount=4200,
                                         currency="usd", amount_received=4200),
    "canceled": IntentInfo(id="", status="canceled", amount=4200, currency="usd"),
    "declined": IntentInfo(id="", status="requires_payment_method", amount=4200,
                           currency="usd", failure_message="Your card was declined."),
    "declined_again": IntentInfo(id="", status="requires_payment_method", amount=4200,
                                 currency="usd", failure_message="Insufficient funds."),
    "waiting": IntentInfo(id="", status="requires_payment_method", amount=4200,
                          currency="usd"),
}
CASES = list(itertools.product(Status, INTENTS, (False, True)))
STRIPE = Actor("stripe", "evt_write_paths", "Stripe")


def _request(index: int, path: str, status: Status, late: bool) -> PaymentRequest:
    now = utcnow()
    return PaymentRequest(
        id=f"pr_{path}_{index}", org_id="org_1", clinic_id="clinic_1", call_id="call_1",
        reference=f"PG-{path.upper()}{index:04d}", amount=4200, currency="usd",
        description="Dietitian follow-up", status=status.value, requested_by="doc",
        requested_by_name="Dr Ada Grey", stripe_account_id="acct_1",
        payment_intent_id=f"pi_{path}_{index}", receipt_email="pat@example.org",
        receipt_locale="en", failure_message="Your card was declined."
        if status is Status.FAILED else None,
        card_brand="visa" if status in (Status.PAID, Status.REFUNDED) else None,
        card_last4="4242" if status in (Status.PAID, Status.REFUNDED) else None,
        amount_refunded=4200 if status is Status.REFUNDED else 0, version=3,
        created_at=now - timedelta(minutes=20), updated_at=now - timedelta(minutes=5),
        expires_at=now - timedelta(minutes=1) if late else now + timedelta(minutes=30),
        paid_at=now - timedelta(minutes=5) if status in (
            Status.PAID, Status.PARTIALLY_REFUNDED, Status.REFUNDED) else None)


async def _seed(db: Database) -> None:
    now = utcnow()
    async with db.transaction() as tx:
        tx.add(Organisation(id="org_1", name="Sunrise Health", created_at=now))
        await tx.flush()
        tx.add(Clinic(id="clinic_1", org_id="org_1", name="Sunrise Clinic",
                      addon_enabled=True, reply_to="desk@sunrise.example", created_at=now))
        await tx.flush()
        for index, (status, _, late) in enumerate(CASES):
            for path in ("orm", "fast"):
                tx.add(_request(index, path, status, late))


async def _what_readers_see(db: Database, request_id: str) -> dict[str, Any]:
    async with db.sessions() as tx:
        row = await tx.get(PaymentRequest, request_id)
        assert row is not None
        history = (await tx.scalars(select(PaymentRequestEvent).where(
            PaymentRequestEvent.payment_request_id == request_id))).all()
        emails = (await tx.scalars(select(OutboxEmail).where(
            OutboxEmail.dedupe_key == f"receipt:{request_id}"))).all()
        return {
            "status": row.status, "version": row.version,
            "failure_message": row.failure_message, "card": (row.card_brand, row.card_last4),
            "paid": row.paid_at is not None, "amount_refunded": row.amount_refunded,
            "history": [(h.from_status, h.to_status, h.actor_kind, h.actor_id, h.actor_name,
                         h.detail) for h in history],
            "receipts": [(e.to_addr, e.reply_to, e.subject.replace(row.reference, "<ref>"))
                         for e in emails],
        }


async def _through_orm(ledger: RequestLedger, db: Database, request_id: str,
                       intent: IntentInfo | None, card: tuple[str, str] | None) -> None:
    async with db.transaction() as tx:
        row = await ledger.lock(tx, request_id)
        if intent is not None:
            await ledger.apply_locked(tx, row, intent, STRIPE, "payment_intent.event")
        if card is not None:
            await ledger.fill_card_locked(tx, row, *card)


async def _through_fast_path(ledger: RequestLedger, fast: FastPath, intent_id: str,
                             intent: IntentInfo | None, card: tuple[str, str] | None,
                             event_id: str) -> None:
    async with fast.unit() as tx:
        row = await tx.request_by_intent(intent_id)
        assert row is not None
        if intent is not None:
            await ledger.apply_in_event(tx, row, intent, STRIPE, "payment_intent.event")
        if card is not None:
            await ledger.fill_card_in_event(tx, row, *card)
        await tx.record_event({"id": event_id, "type": "payment_intent.event"}, b"{}",
                              utcnow(), "applied")


@BOTH
async def test_every_transition_leaves_the_same_rows_through_either_write_path(
        tmp_path: Path, database_url: str) -> None:
    await upgrade_async(database_url)
    settings = make_settings(tmp_path, database_url)
    db = Database(database_url)
    fast = FastPath(db)
    ledger = RequestLedger(db, make_broadcast("memory://"), Outbox(db, None, settings.mail_from),
                           settings, ReceiptWriter())
    try:
        await _seed(db)
        reached: set[str] = set()
        for index, (status, name, late) in enumerate(CASES):
            intent = INTENTS[name]
            await _through_orm(ledger, db, f"pr_orm_{index}",
                               replace(intent, id=f"pi_orm_{index}"), None)
            await _through_fast_path(ledger, fast, f"pi_fast_{index}",
                                     replace(intent, id=f"pi_fast_{index}"), None,
                                     f"evt_move_{index}")
            orm = await _what_readers_see(db, f"pr_orm_{index}")
            fast_seen = await _what_readers_see(db, f"pr_fast_{index}")
            assert fast_seen == orm, (status, name, late)
            reached.add(orm["status"])

            # Then the card, as a later charge event or a read of the intent brings it.
            await _through_orm(ledger, db, f"pr_orm_{index}", None, ("mastercard", "4444"))
            await _through_fast_path(ledger, fast, f"pi_fast_{index}", None,
                                     ("mastercard", "4444"), f"evt_card_{index}")
            assert await _what_readers_see(db, f"pr_fast_{index}") == \
                await _what_readers_see(db, f"pr_orm_{index}"), (status, name, late, "card")
        # The walk moved requests to every status Stripe's word can bring.
        assert reached >= {"processing", "paid", "failed", "cancelled", "expired"}
    finally:
        await fast.close()
        await db.close()
