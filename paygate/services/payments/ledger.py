"""The payment request ledger's low-level moves: lock a row, change its status through the
transition table with a PaymentRequestEvent, queue the receipt, publish the notice.

PaymentService (commands, queries) and the webhook handlers both go through here, so every
status change is written the same way."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.errors import NotFound
from paygate.domain.money import Money
from paygate.domain.payment_moves import (
    Actor,
    Move,
    intent_target,
    plan_card,
    plan_intent_move,
    status_move,
)
from paygate.domain.payment_requests import SETTLED, Status, charged
from paygate.domain.principals import Principal
from paygate.logs import log_event
from paygate.services.mail.outbox import Draft, Outbox
from paygate.services.payments.receipts import ReceiptFacts, ReceiptWriter
from paygate.services.payments.views import RequestView, call_channel, update_message
from paygate.services.ports import Broadcast, IntentInfo
from paygate.settings import Settings
from paygate.store.database import Database, as_utc, utcnow
from paygate.store.fast_path import FastPathUnit, RequestRow
from paygate.store.models import Clinic, PaymentRequest, PaymentRequestEvent

logger = logging.getLogger("paygate.payments")


def actor_of(principal: Principal | None) -> Actor:
    if principal is None:
        return SYSTEM
    return Actor("user", principal.user_id, principal.name)


SYSTEM = Actor("system", "paygate", "paygate")


@dataclass(frozen=True)
class Applied:
    """A status change written in a transaction, to announce once it has committed."""

    row: PaymentRequest | RequestRow
    target: Status
    actor: Actor
    clinic_label: str
    emailed: bool = False  # a receipt was queued with it: wake the outbox


@dataclass(frozen=True)
class Filled:
    """Card details written in a transaction; a settled request's new view to publish."""

    row: PaymentRequest | RequestRow
    view: RequestView | None


def stripe_actor(reference: str) -> Actor:
    """Stripe's word: an event id, or the intent id when paygate read it from the API."""
    return Actor("stripe", reference, "Stripe")


def clinic_label(clinic: Clinic | None) -> str:
    if clinic is None:
        return ""
    return clinic.display_name or clinic.name or clinic.id


class RequestLedger:
    def __init__(self, db: Database, broadcast: Broadcast, outbox: Outbox,
                 settings: Settings, receipts: ReceiptWriter) -> None:
        self._db = db
        self._broadcast = broadcast
        self._outbox = outbox
        self._settings = settings
        self._receipts = receipts
        # Built once: the row locked with its clinic (whose name the notice shows) loaded
        # into the session alongside, so the rest of the move needs no further read.
        query = select(PaymentRequest, Clinic).join(Clinic, Clinic.id == PaymentRequest.clinic_id)
        if not settings.is_sqlite:  # SQLite's BEGIN IMMEDIATE already serializes
            query = query.with_for_update(of=PaymentRequest)
        self._by_id = query.where(PaymentRequest.id == bindparam("key"))

    async def apply_intent(self, request_id: str, intent: IntentInfo, actor: Actor,
                           detail: str) -> RequestView | None:
        """Move the request to what the intent's state means, if that is a forward move."""
        if intent_target(intent) is None:
            return None
        async with self._db.transaction() as tx:
            row = await self.lock(tx, request_id)
            applied = await self.apply_locked(tx, row, intent, actor, detail)
        return await self.after_apply(applied)

    async def apply_locked(self, tx: AsyncSession, row: PaymentRequest, intent: IntentInfo,
                           actor: Actor, detail: str) -> Applied | None:
        """apply_intent's write, on a row the caller locked in `tx`; after the commit, hand
        the result to after_apply."""
        move = plan_intent_move(row, intent, actor, detail, utcnow())
        if move is None or move.target is None:
            return None
        self.write(tx, row, move)
        emailed = move.target is Status.PAID and await self.queue_receipt(tx, row)
        clinic = await tx.get(Clinic, row.clinic_id)
        return Applied(row, move.target, actor, clinic_label(clinic), emailed)

    @staticmethod
    def write(tx: AsyncSession, row: PaymentRequest, move: Move) -> None:
        """A planned move, on the ORM row (flushed with the caller's transaction)."""
        for column, value in move.changes.items():
            setattr(row, column, value)
        if move.history is not None:
            tx.add(PaymentRequestEvent(**move.history))

    async def after_apply(self, applied: Applied | None, *, log: bool = True
                          ) -> RequestView | None:
        """Once apply_locked's transaction committed: wake the outbox, log, publish."""
        if applied is None:
            return None
        row = applied.row
        if applied.emailed:
            self._outbox.wake()
        if log:
            log_event(logger, "payment request updated", payment_request=row.id,
                      status=row.status, actor=applied.actor.kind)
        view = RequestView.of(row, applied.clinic_label)
        await self.publish(row, view)
        return view

    async def transition(self, tx: AsyncSession, row: PaymentRequest, target: Status,
                         actor: Actor, detail: str) -> None:
        self.write(tx, row, status_move(row, target, actor, detail, utcnow()))

    async def queue_receipt(self, tx: AsyncSession, row: PaymentRequest) -> bool:
        """Queue the receipt in the caller's transaction (the one that made it paid, or the
        one that gave the address). The outbox renders it again from the row when sending,
        so card details learnt later still reach it."""
        draft = await self.receipt_draft(tx, row)
        if draft is None:
            return False
        await self._outbox.enqueue(tx, draft)
        return True

    async def receipt_draft(self, tx: AsyncSession, row: PaymentRequest) -> Draft | None:
        clinic = await tx.get(Clinic, row.clinic_id)
        return self.draft_receipt(row, clinic_label(clinic), clinic.reply_to if clinic else None,
                                  clinic.time_zone if clinic else None)

    def draft_receipt(self, row: PaymentRequest | RequestRow, clinic_name: str,
                      reply_to: str | None, time_zone: str | None = None) -> Draft | None:
        if not row.receipt_email or row.paid_at is None:
            return None
        return self._receipts.draft(ReceiptFacts(
            request_id=row.id, to=row.receipt_email, clinic_name=clinic_name,
            clinic_id=row.clinic_id, reply_to=reply_to,
            amount=Money(charged(row.amount, row.amount_paid), row.currency),
            description=row.description,
            reference=row.reference, paid_at=as_utc(row.paid_at),
            card_brand=row.card_brand, card_last4=row.card_last4, locale=row.receipt_locale,
            time_zone=time_zone))

    # -- the webhook fast path (paygate.store.fast_path): twins of the ORM writes above -----
    async def apply_in_event(self, tx: FastPathUnit, row: RequestRow, intent: IntentInfo,
                             actor: Actor, detail: str) -> Applied | None:
        """apply_locked's twin for a row the event's unit read (its write lands only if
        the row is still as read)."""
        move = plan_intent_move(row, intent, actor, detail, utcnow())
        if move is None or move.target is None:
            return None
        await tx.write(row.id, move.changes, move.history)
        after = replace(row, **move.changes)
        draft = None
        if move.target is Status.PAID:
            draft = self.draft_receipt(after, after.clinic_name, after.clinic_reply_to,
                                       after.clinic_time_zone)
            if draft is not None:
                await tx.queue_email(self._outbox.email_values(draft))
        return Applied(after, move.target, actor, after.clinic_name, draft is not None)

    async def fill_card_in_event(self, tx: FastPathUnit, row: RequestRow, brand: str | None,
                                 last4: str) -> Filled | None:
        """fill_card_locked's twin for a row the event's unit read (its write lands only
        if the row is still as read)."""
        move = plan_card(row, brand, last4, utcnow())
        if move is None:
            return None
        await tx.write(row.id, move.changes, None)
        after = replace(row, **move.changes)
        if Status(after.status) not in SETTLED:
            return Filled(after, None)
        return Filled(after, RequestView.of(after, after.clinic_name))

    async def fill_card(self, request_id: str, brand: str | None, last4: str) -> bool:
        """Record the card (brand and last 4, from Stripe) once known. A settled request's
        watchers get a new version; an open one shows it when it settles."""
        async with self._db.transaction() as tx:
            row = await self.lock(tx, request_id)
            filled = await self.fill_card_locked(tx, row, brand, last4)
        return await self.after_fill(filled)

    async def fill_card_locked(self, tx: AsyncSession, row: PaymentRequest,
                               brand: str | None, last4: str) -> Filled | None:
        """fill_card's write, on a row the caller locked in `tx`; None if nothing changed.
        After the commit, hand the result to after_fill."""
        move = plan_card(row, brand, last4, utcnow())
        if move is None:
            return None
        self.write(tx, row, move)
        if Status(row.status) not in SETTLED:
            return Filled(row, None)
        clinic = await tx.get(Clinic, row.clinic_id)
        return Filled(row, RequestView.of(row, clinic_label(clinic)))

    async def after_fill(self, filled: Filled | None) -> bool:
        if filled is None:
            return False
        if filled.view is not None:
            await self.publish(filled.row, filled.view)
        return True

    async def lock(self, tx: AsyncSession, request_id: str) -> PaymentRequest:
        row = await self._locked(tx, self._by_id, request_id)
        if row is None:
            raise NotFound("No such payment request.")
        return row

    @staticmethod
    async def _locked(tx: AsyncSession, query: Select[PaymentRequest, Clinic],
                      key: str) -> PaymentRequest | None:
        found = (await tx.execute(query, {"key": key})).first()
        return None if found is None else found[0]

    async def view(self, request_id: str) -> RequestView:
        async with self._db.sessions() as tx:
            row = await tx.get(PaymentRequest, request_id)
            assert row is not None
            clinic = await tx.get(Clinic, row.clinic_id)
        return RequestView.of(row, clinic_label(clinic))

    async def publish(self, row: PaymentRequest | RequestRow, view: RequestView) -> None:
        try:
            await self._broadcast.publish(call_channel(row.org_id, row.clinic_id, row.call_id),
                                          update_message(view))
        except Exception:  # a lost hint: every socket gets a fresh snapshot on reconnect
            logger.exception("could not publish a payment request notice")
