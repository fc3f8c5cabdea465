"""Refunds of paid requests: the call's clinician (for that call's payments) or a clinic
admin refunds all or part of a payment, with a reason. (issue 8)

1. Under the request's row lock: check who may refund, what is left, that no other refund
   is on its way, and record the refund as pending (its amount is held meanwhile).
2. Ask Stripe, with the refund's id as the idempotency key: a retry of the same attempt
   (after Stripe did not answer) can never refund twice.
3. Under the lock again: Stripe's answer is applied through RefundBook (or was already, by
   the webhook that may arrive first), which moves the status and queues the receipt.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.errors import (
    AccountNotLinked,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    PaymentProviderError,
    PaymentProviderUnavailable,
)
from paygate.domain.payment_requests import Status, charged
from paygate.domain.principals import Principal, Role
from paygate.domain.refunds import Reason, Refundable, RefundStatus, clean_note, refunded_total
from paygate.logs import log_event
from paygate.services.mail.outbox import Outbox
from paygate.services.payments.ledger import RequestLedger, actor_of, clinic_label
from paygate.services.payments.views import RequestView
from paygate.services.ports import PaymentGateway, RefundInfo, configured
from paygate.services.refunds.book import (
    ACCEPTED_AT_STRIPE,
    Changed,
    RefundBook,
    new_refund_id,
)
from paygate.services.refunds.payment_detail import PaymentDetail, load_detail
from paygate.services.refunds.views import RefundOverview, RefundView
from paygate.services.refunds.webhooks import RefundWebhooks
from paygate.services.webhooks.inbox import WebhookService
from paygate.store.database import Database, as_utc, utcnow
from paygate.store.models import Clinic, PaymentRequest, Refund

logger = logging.getLogger("paygate.refunds")

# A pending refund younger than this may still be waiting for Stripe's answer; an older
# one (or one whose call failed) is resumed with its own idempotency key.
IN_FLIGHT = timedelta(minutes=2)
UNANSWERED = ("Stripe did not answer, so the refund may or may not have been made. Try "
              "again in a moment: the retry cannot refund twice.")


@dataclass(frozen=True)
class RefundPreview:
    """A refund as it would be made: what the confirmation step shows."""

    amount: int
    reason: Reason
    note: str
    overview: RefundOverview

    @property
    def remaining_after(self) -> int:
        return self.overview.remaining - self.amount


@dataclass(frozen=True)
class RefundResult:
    refund: RefundView
    request: RequestView
    overview: RefundOverview


def authorize(principal: Principal, row: PaymentRequest) -> None:
    """The call's clinician, or an admin of the request's clinic; never a patient."""
    if principal.role is Role.PATIENT:
        raise Forbidden("Patients cannot refund payments.")
    if principal.role is Role.CLINICIAN:
        principal.require_call(row.org_id, row.clinic_id, row.call_id)
        return
    principal.require_clinic_admin(row.org_id, row.clinic_id)


def attempt_key(principal: Principal, key: str | None) -> str | None:
    """A client's Idempotency-Key, scoped to the person who sent it."""
    if not key:
        return None
    return hashlib.sha256(f"{principal.user_id}\0{key}".encode()).hexdigest()


class RefundService:
    def __init__(self, db: Database, gateway: PaymentGateway | None, ledger: RequestLedger,
                 outbox: Outbox) -> None:
        self._db = db
        self._gateway = gateway
        self._ledger = ledger
        self._outbox = outbox
        self.book = RefundBook(ledger, outbox)

    def register_webhooks(self, webhooks: WebhookService) -> None:
        RefundWebhooks(self._db, self._ledger, self.book, self.after_commit).register(webhooks)

    # -- queries ------------------------------------------------------------------------
    async def overview(self, principal: Principal, request_id: str) -> RefundOverview:
        row = await self._load(request_id)
        authorize(principal, row)
        async with self._db.sessions() as tx:
            return await self._overview(tx, row)

    async def detail(self, principal: Principal, request_id: str) -> PaymentDetail:
        return await load_detail(self._db, self.book, principal, request_id)

    async def preview(self, principal: Principal, request_id: str, *, amount: object,
                      reason: object, note: object = "") -> RefundPreview:
        """Check a refund without making it (the confirmation step)."""
        parsed = Reason.parse(reason)
        text = clean_note(note, parsed)
        overview = await self.overview(principal, request_id)
        left = Refundable(Status(overview.status), overview.amount, overview.currency,
                          overview.amount_refunded)
        return RefundPreview(amount=left.amount_to_refund(amount), reason=parsed, note=text,
                             overview=overview)

    async def _overview(self, tx: AsyncSession, row: PaymentRequest) -> RefundOverview:
        refunds = await self.book.refunds(tx, row.id)
        return RefundOverview.of(row, refunds)

    # -- the command --------------------------------------------------------------------
    async def refund(self, principal: Principal, request_id: str, *, amount: object,
                     reason: object, note: object = "", key: str | None = None
                     ) -> RefundResult:
        parsed = Reason.parse(reason)
        text = clean_note(note, parsed)
        row = await self._load(request_id)
        authorize(principal, row)
        gateway = self._require_gateway()
        if not row.payment_intent_id:
            raise Conflict("This payment has no Stripe payment to refund.")
        refund = await self._reserve(principal, row.id, amount, parsed, text,
                                     attempt_key(principal, key))
        if refund.status == RefundStatus.PENDING:
            info = await self._ask_stripe(gateway, row, refund)
            await self._accept(row.id, refund.id, info)
            if row.application_fee_amount > 0 and info.charge:
                await self._note_fee_refunded(gateway, row.id, info.charge)
        elif refund.status == RefundStatus.FAILED:
            raise PaymentProviderError(refund.stripe_error or "Stripe refused the refund.")
        return await self._result(refund.id)

    async def _reserve(self, principal: Principal, request_id: str, amount: object,
                       reason: Reason, note: str, key: str | None) -> Refund:
        async with self._db.transaction() as tx:
            row = await self._ledger.lock(tx, request_id)
            if key is not None:
                repeat = await tx.scalar(select(Refund).where(Refund.attempt_key == key))
                if repeat is not None:
                    if repeat.payment_request_id != row.id:
                        raise Conflict("This Idempotency-Key was used for another payment.")
                    return repeat
            refunds = await self.book.refunds(tx, row.id)
            paid = charged(row.amount, row.amount_paid)
            refunded = refunded_total(paid, row.amount_refunded, refunds)
            left = Refundable(Status(row.status), paid, row.currency, refunded)
            pending = [r for r in refunds if r.status == RefundStatus.PENDING]
            now = utcnow()
            if any(r.stripe_error is None and now - as_utc(r.created_at) < IN_FLIGHT
                   for r in pending):
                raise Conflict("Another refund of this payment is being made right now. "
                               "Wait a moment, then look at the payment again.")
            wanted = left.amount_to_refund(amount)
            if pending:  # a refund Stripe never answered: only that one may go on
                stuck = pending[0]
                if wanted != stuck.amount:
                    raise Conflict(f"A refund of {RefundView.of(stuck).amount_display} was "
                                   "not confirmed by Stripe. Retry that amount first.")
                return stuck
            actor = actor_of(principal)
            refund = Refund(
                id=new_refund_id(), payment_request_id=row.id, attempt_key=key,
                amount=wanted, currency=row.currency, reason=reason.value, note=note,
                status=RefundStatus.PENDING, source="paygate", actor_kind=actor.kind,
                actor_id=actor.id[:64], actor_name=actor.name[:200], created_at=now,
                updated_at=now)
            tx.add(refund)
        log_event(logger, "refund requested", payment_request=request_id, refund=refund.id,
                  amount=refund.amount, currency=refund.currency, reason=reason.value,
                  actor=principal.role.value)
        return refund

    async def _ask_stripe(self, gateway: PaymentGateway, row: PaymentRequest,
                          refund: Refund) -> RefundInfo:
        assert row.payment_intent_id is not None
        try:
            return await gateway.create_refund(
                row.stripe_account_id, row.payment_intent_id, amount=refund.amount,
                # the platform's fee goes back in proportion (Stripe's refund_application_fee)
                refund_application_fee=row.application_fee_amount > 0,
                reason=Reason(refund.reason).stripe_reason,
                metadata={"paygate_refund_id": refund.id,
                          "paygate_payment_request": row.id,
                          "paygate_reference": row.reference},
                idempotency_key=f"paygate-refund-{refund.id}")
        except PaymentProviderUnavailable:
            await self._note_error(row.id, refund.id, UNANSWERED, failed=False)
            raise PaymentProviderUnavailable(UNANSWERED) from None
        except AccountNotLinked:
            await self._note_error(row.id, refund.id, "The clinic's Stripe account no longer "
                                   "allows paygate to act for it.", failed=True)
            raise
        except DomainError as exc:
            message = f"Stripe refused the refund: {exc.message}"
            await self._note_error(row.id, refund.id, message, failed=True)
            raise PaymentProviderError(message) from None

    async def _note_error(self, request_id: str, refund_id: str, message: str, *,
                          failed: bool) -> None:
        async with self._db.transaction() as tx:
            # Every writer of a request's refunds holds the request's row lock first.
            await self._ledger.lock(tx, request_id)
            refund = await tx.get(Refund, refund_id)
            if refund is None or refund.status != RefundStatus.PENDING:
                return  # a webhook already told us what happened
            refund.stripe_error = message[:500]
            refund.updated_at = utcnow()
            if failed:
                refund.status = RefundStatus.FAILED
        log_event(logger, "refund not made", logging.WARNING, refund=refund_id,
                  error=message, outcome="failed" if failed else "unknown")

    async def _accept(self, request_id: str, refund_id: str, info: RefundInfo) -> None:
        async with self._db.transaction() as tx:
            row = await self._ledger.lock(tx, request_id)
            refund = await tx.get(Refund, refund_id)  # read under the lock: a webhook may
            assert refund is not None                # have confirmed it meanwhile
            if info.status in ACCEPTED_AT_STRIPE:
                changed = await self.book.confirm(tx, row, refund, info.id)
            else:
                changed = Changed()
                if refund.status == RefundStatus.PENDING:
                    refund.status, refund.updated_at = RefundStatus.FAILED, utcnow()
                    refund.stripe_refund_id = info.id
                    refund.stripe_error = f"Stripe says the refund {info.status}."
        await self.after_commit(row, changed)
        if info.status not in ACCEPTED_AT_STRIPE:
            raise PaymentProviderError(f"Stripe could not make the refund ({info.status}).")
        log_event(logger, "refund made", refund=refund_id, stripe_refund=info.id,
                  payment_request=row.id, status=row.status)

    async def _note_fee_refunded(self, gateway: PaymentGateway, request_id: str,
                                 charge_id: str) -> None:
        """What of the platform's fee went back with the refund, as Stripe counted it (in
        proportion; its rounding, not ours). Unread, the next refund reads it again."""
        try:
            refunded = await gateway.application_fee_refunded(charge_id)
        except DomainError as exc:
            log_event(logger, "platform fee refund not read", logging.WARNING,
                      payment_request=request_id, error=exc.message)
            return
        if refunded is None:
            return
        async with self._db.transaction() as tx:
            row = await self._ledger.lock(tx, request_id)
            row.application_fee_refunded = max(row.application_fee_refunded,
                                               min(refunded, row.application_fee_amount))

    async def after_commit(self, row: PaymentRequest, changed: Changed) -> None:
        if changed.receipts:
            self._outbox.wake()
        if changed.status:
            async with self._db.sessions() as tx:
                clinic = await tx.get(Clinic, row.clinic_id)
            await self._ledger.publish(row, RequestView.of(row, clinic_label(clinic)))

    async def _result(self, refund_id: str) -> RefundResult:
        async with self._db.sessions() as tx:
            refund = await tx.get(Refund, refund_id)
            assert refund is not None
            row = await tx.get(PaymentRequest, refund.payment_request_id)
            assert row is not None
            clinic = await tx.get(Clinic, row.clinic_id)
            overview = await self._overview(tx, row)
        return RefundResult(refund=RefundView.of(refund),
                            request=RequestView.of(row, clinic_label(clinic)),
                            overview=overview)

    # -- internals ----------------------------------------------------------------------
    def _require_gateway(self) -> PaymentGateway:
        return configured(self._gateway)

    async def _load(self, request_id: str) -> PaymentRequest:
        async with self._db.sessions() as tx:
            row = await tx.get(PaymentRequest, request_id)
        if row is None:
            raise NotFound("No such payment request.")
        return row
