"""The payment request ledger's low-level moves: lock a row, change its status through the
transition table with a PaymentRequestEvent, queue the receipt, publish the notice.

PaymentService (commands, queries) and the webhook handlers both go through here, so every
status change is written the same way."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.errors import NotFound
from paygate.domain.money import Money
from paygate.domain.payment_requests import SETTLED, Status, check_transition, is_forward
from paygate.domain.principals import Principal
from paygate.logs import log_event
from paygate.services.notices import RequestView, call_channel, update_message
from paygate.services.outbox import Draft, Outbox
from paygate.services.ports import Broadcast, IntentInfo
from paygate.services.receipts import ReceiptFacts, ReceiptWriter
from paygate.settings import Settings
from paygate.store.database import Database, as_utc, utcnow
from paygate.store.models import Clinic, PaymentRequest, PaymentRequestEvent

logger = logging.getLogger("paygate.payments")


@dataclass(frozen=True)
class Actor:
    kind: str  # user, stripe, system
    id: str = ""
    name: str = ""

    @classmethod
    def of(cls, principal: Principal | None) -> Actor:
        if principal is None:
            return SYSTEM
        return cls("user", principal.user_id, principal.name)


SYSTEM = Actor("system", "paygate", "paygate")


@dataclass(frozen=True)
class Applied:
    """A status change written in a transaction, to announce once it has committed."""

    row: PaymentRequest
    target: Status
    actor: Actor
    clinic_label: str


@dataclass(frozen=True)
class Filled:
    """Card details written in a transaction; a settled request's new view to publish."""

    row: PaymentRequest
    view: RequestView | None


def stripe_actor(reference: str) -> Actor:
    """Stripe's word: an event id, or the intent id when paygate read it from the API."""
    return Actor("stripe", reference, "Stripe")


def intent_target(intent: IntentInfo) -> Status | None:
    """The status a PaymentIntent's current state means for its payment request."""
    if intent.status == "succeeded":
        return Status.PAID
    if intent.status in ("processing", "requires_action", "requires_capture"):
        return Status.PROCESSING
    if intent.status == "canceled":
        return Status.CANCELLED
    if intent.status == "requires_payment_method" and intent.failure_message:
        return Status.FAILED
    return None


def clinic_label(clinic: Clinic | None) -> str:
    if clinic is None:
        return ""
    return clinic.display_name or clinic.name or clinic.id


class RequestLedger:
    def __init__(self, db: Database, broadcast: Broadcast, outbox: Outbox,
                 settings: Settings) -> None:
        self._db = db
        self._broadcast = broadcast
        self._outbox = outbox
        self._settings = settings
        self._receipts = ReceiptWriter()

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
        target = intent_target(intent)
        if target is None:
            return None
        current = Status(row.status)
        if target is Status.CANCELLED and as_utc(row.expires_at) <= utcnow():
            target = Status.EXPIRED  # cancelled because its time was up
        new_failure = (current is Status.FAILED and target is Status.FAILED
                       and intent.failure_message != row.failure_message)
        if not is_forward(current, target) and not new_failure:
            return None
        if target is Status.FAILED:
            row.failure_message = (intent.failure_message or "")[:500]
            detail = f"{detail}: {row.failure_message}"
        elif target is not Status.PROCESSING:
            row.failure_message = None
        if target is Status.PAID:
            if intent.card_last4:  # an event's object may not carry the card
                row.card_brand, row.card_last4 = intent.card_brand, intent.card_last4
            row.paid_at = utcnow()
        await self.transition(tx, row, target, actor, detail)
        if target is Status.PAID:
            await self.queue_receipt(tx, row)
        clinic = await tx.get(Clinic, row.clinic_id)
        return Applied(row, target, actor, clinic_label(clinic))

    async def after_apply(self, applied: Applied | None) -> RequestView | None:
        """Once apply_locked's transaction committed: wake the outbox, log, publish."""
        if applied is None:
            return None
        row = applied.row
        if applied.target is Status.PAID:
            self._outbox.wake()
        log_event(logger, "payment request updated", payment_request=row.id,
                  status=row.status, actor=applied.actor.kind)
        view = RequestView.of(row, applied.clinic_label)
        await self.publish(row, view)
        return view

    async def transition(self, tx: AsyncSession, row: PaymentRequest, target: Status,
                          actor: Actor, detail: str) -> None:
        current = Status(row.status)
        check_transition(current, target)
        now = utcnow()
        tx.add(PaymentRequestEvent(
            payment_request_id=row.id, from_status=current.value, to_status=target.value,
            actor_kind=actor.kind, actor_id=actor.id[:64], actor_name=actor.name[:200],
            detail=detail, created_at=now))
        row.status = target.value
        row.version += 1
        row.updated_at = now

    async def queue_receipt(self, tx: AsyncSession, row: PaymentRequest) -> None:
        """Queue the receipt in the caller's transaction (the one that made it paid, or the
        one that gave the address). The outbox renders it again from the row when sending,
        so card details learnt later still reach it."""
        draft = await self.receipt_draft(tx, row)
        if draft is not None:
            await self._outbox.enqueue(tx, draft)

    async def receipt_draft(self, tx: AsyncSession, row: PaymentRequest) -> Draft | None:
        if not row.receipt_email or row.paid_at is None:
            return None
        clinic = await tx.get(Clinic, row.clinic_id)
        return self._receipts.draft(ReceiptFacts(
            request_id=row.id, to=row.receipt_email, clinic_name=clinic_label(clinic),
            clinic_id=row.clinic_id, reply_to=clinic.reply_to if clinic else None,
            amount=Money(row.amount, row.currency), description=row.description,
            reference=row.reference, paid_at=as_utc(row.paid_at),
            card_brand=row.card_brand, card_last4=row.card_last4, locale=row.receipt_locale))

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
        if (row.card_brand, row.card_last4) == (brand, last4):
            return None
        row.card_brand, row.card_last4 = brand, last4
        if Status(row.status) not in SETTLED:
            return Filled(row, None)
        row.version += 1
        row.updated_at = utcnow()
        clinic = await tx.get(Clinic, row.clinic_id)
        return Filled(row, RequestView.of(row, clinic_label(clinic)))

    async def after_fill(self, filled: Filled | None) -> bool:
        if filled is None:
            return False
        if filled.view is not None:
            await self.publish(filled.row, filled.view)
        return True

    async def lock(self, tx: AsyncSession, request_id: str) -> PaymentRequest:
        row = await self._locked(tx, PaymentRequest.id == request_id)
        if row is None:
            raise NotFound("No such payment request.")
        return row

    async def lock_by_intent(self, tx: AsyncSession, intent_id: str) -> PaymentRequest | None:
        """The request a PaymentIntent belongs to, locked in `tx`; None if no request has it."""
        return await self._locked(tx, PaymentRequest.payment_intent_id == intent_id)

    async def _locked(self, tx: AsyncSession, where: ColumnElement[bool]
                      ) -> PaymentRequest | None:
        query = select(PaymentRequest).where(where)
        if not self._settings.is_sqlite:  # SQLite's BEGIN IMMEDIATE already serializes
            query = query.with_for_update()
        return await tx.scalar(query)

    async def view(self, request_id: str) -> RequestView:
        async with self._db.sessions() as tx:
            row = await tx.get(PaymentRequest, request_id)
            assert row is not None
            clinic = await tx.get(Clinic, row.clinic_id)
        return RequestView.of(row, clinic_label(clinic))

    async def publish(self, row: PaymentRequest, view: RequestView) -> None:
        try:
            await self._broadcast.publish(call_channel(row.org_id, row.clinic_id, row.call_id),
                                          update_message(view))
        except Exception:  # a lost hint: every socket gets a fresh snapshot on reconnect
            logger.exception("could not publish a payment request notice")
