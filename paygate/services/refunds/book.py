"""The refunds of one payment request, inside the transaction that holds its row lock.

Every way paygate learns of a refund (its own call to Stripe, `refund.created` /
`refund.updated`, `charge.refunded`) ends here, so a refund is counted once, moves the
request forward only (paid -> partially_refunded -> refunded), writes one state-history row
with who made it and why, and queues one refund receipt keyed by Stripe's refund id."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.money import Money
from paygate.domain.payment_moves import Actor
from paygate.domain.payment_requests import SETTLED, Status, charged
from paygate.domain.refunds import Reason, RefundStatus, reason_from_stripe
from paygate.services.mail.outbox import Outbox
from paygate.services.payments.ledger import RequestLedger, clinic_label, stripe_actor
from paygate.services.ports import as_mapping
from paygate.services.refunds.receipts import RefundFacts, RefundReceiptWriter
from paygate.store.database import as_utc, utcnow
from paygate.store.models import Clinic, PaymentRequest, Refund

ACCEPTED_AT_STRIPE = frozenset({"succeeded", "pending", "requires_action"})


def new_refund_id() -> str:
    return "rf_" + secrets.token_urlsafe(18)


def refund_actor(refund: Refund) -> Actor:
    return Actor(refund.actor_kind, refund.actor_id, refund.actor_name)


def describe(refund: Refund) -> str:
    """The history row's detail: what and why (the note is staff-only text in paygate)."""
    text = f"refunded {Money(refund.amount, refund.currency).format()}"
    text += f" ({Reason(refund.reason).label.lower()})"
    if refund.note:
        text += f": {refund.note}"
    if refund.stripe_refund_id:
        text += f" [{refund.stripe_refund_id}]"
    return text


@dataclass
class Changed:
    """What a call changed, for the caller to publish after the commit."""

    status: bool = False
    receipts: int = 0

    def add(self, other: Changed) -> None:
        self.status |= other.status
        self.receipts += other.receipts


class RefundBook:
    def __init__(self, ledger: RequestLedger, outbox: Outbox) -> None:
        self._ledger = ledger
        self._outbox = outbox
        self._receipts = RefundReceiptWriter()

    async def refunds(self, tx: AsyncSession, request_id: str) -> list[Refund]:
        return list((await tx.scalars(select(Refund).where(
            Refund.payment_request_id == request_id).order_by(Refund.created_at,
                                                               Refund.id))).all())

    async def succeeded_total(self, tx: AsyncSession, request_id: str) -> int:
        total = await tx.scalar(select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.payment_request_id == request_id, Refund.status == RefundStatus.SUCCEEDED))
        return int(total or 0)

    async def confirm(self, tx: AsyncSession, row: PaymentRequest, refund: Refund,
                      stripe_refund_id: str | None) -> Changed:
        """Stripe accepted this refund: count it, move the request, queue its receipt."""
        if refund.status == RefundStatus.SUCCEEDED:
            return Changed()
        now = utcnow()
        refund.status, refund.stripe_error = RefundStatus.SUCCEEDED, None
        refund.stripe_refund_id = refund.stripe_refund_id or stripe_refund_id
        refund.succeeded_at = refund.updated_at = now
        await tx.flush()
        changed = await self.apply_total(tx, row, await self.succeeded_total(tx, row.id),
                                         refund_actor(refund), describe(refund))
        changed.receipts += await self._queue_receipt(tx, row, refund)
        return changed

    async def apply_total(self, tx: AsyncSession, row: PaymentRequest, total: int,
                          actor: Actor, detail: str) -> Changed:
        """Raise the refunded amount to `total` if that is news, and the status with it."""
        total = min(total, charged(row.amount, row.amount_paid))
        if total <= row.amount_refunded or Status(row.status) not in SETTLED:
            return Changed()
        row.amount_refunded = total
        target = Status.REFUNDED if total >= charged(row.amount, row.amount_paid) \
            else Status.PARTIALLY_REFUNDED
        await self._ledger.transition(tx, row, target, actor, detail)
        return Changed(status=True)

    async def from_stripe(self, tx: AsyncSession, row: PaymentRequest,
                          obj: Mapping[str, Any], event_id: str) -> Changed:
        """A Stripe refund object (from an event): match it to ours or record it as made at
        Stripe (e.g. in the dashboard), then apply what its status says."""
        stripe_id = str(obj.get("id") or "")
        if not stripe_id.startswith("re_"):
            return Changed()
        refund = await tx.scalar(select(Refund).where(Refund.stripe_refund_id == stripe_id))
        if refund is None:
            ours = str(as_mapping(obj.get("metadata")).get("paygate_refund_id") or "")
            found = await tx.get(Refund, ours) if ours else None
            if found is not None and found.payment_request_id == row.id:
                refund = found
        status = str(obj.get("status") or "")
        accepted = status in ACCEPTED_AT_STRIPE
        if refund is None:
            if not accepted:
                return Changed()
            refund = self._made_at_stripe(row, obj, stripe_id, event_id)
            tx.add(refund)
        if accepted:
            return await self.confirm(tx, row, refund, stripe_id)
        # Stripe refused or cancelled it: the amount is free again
        if refund.status == RefundStatus.PENDING:
            refund.status, refund.updated_at = RefundStatus.FAILED, utcnow()
            refund.stripe_refund_id = refund.stripe_refund_id or stripe_id
            refund.stripe_error = f"Stripe says the refund {status or 'failed'}."
        return Changed()

    @staticmethod
    def _made_at_stripe(row: PaymentRequest, obj: Mapping[str, Any], stripe_id: str,
                        event_id: str) -> Refund:
        now = utcnow()
        actor = stripe_actor(event_id)
        return Refund(
            id=new_refund_id(), payment_request_id=row.id, stripe_refund_id=stripe_id,
            amount=int(obj.get("amount") or 0), currency=row.currency,
            reason=reason_from_stripe(obj.get("reason")).value,
            note="Refunded at Stripe (e.g. in the Stripe Dashboard).", status=RefundStatus.PENDING,
            source="stripe", actor_kind=actor.kind, actor_id=actor.id, actor_name=actor.name,
            created_at=now, updated_at=now)

    async def _queue_receipt(self, tx: AsyncSession, row: PaymentRequest,
                             refund: Refund) -> int:
        if not row.receipt_email:
            return 0
        clinic = await tx.get(Clinic, row.clinic_id)
        refunded_at = as_utc(refund.succeeded_at or utcnow())
        draft = self._receipts.draft(RefundFacts(
            refund_key=refund.stripe_refund_id or refund.id, to=row.receipt_email,
            clinic_name=clinic_label(clinic), clinic_id=row.clinic_id,
            reply_to=clinic.reply_to if clinic else None,
            refunded=Money(refund.amount, row.currency),
            paid=Money(charged(row.amount, row.amount_paid), row.currency),
            remaining=Money(max(charged(row.amount, row.amount_paid) - row.amount_refunded, 0),
                            row.currency),
            reason=Reason(refund.reason), description=row.description,
            reference=row.reference, refunded_at=refunded_at, card_brand=row.card_brand,
            card_last4=row.card_last4, locale=row.receipt_locale,
            time_zone=clinic.time_zone if clinic else None))
        return 1 if await self._outbox.enqueue(tx, draft) else 0


