"""Holds: a payment request with capture_method=manual. The patient authorises up to the
amount; the clinician captures the final amount at the end of the call (at most the hold,
at least the currency's minimum) or releases it; paygate releases holds left uncaptured
past the clinic's limit (24 h by default, under Stripe's own 7 days).

A capture asks Stripe first, with an idempotency key per request and amount, and only
Stripe's answer (or its `payment_intent.succeeded`) marks the request paid: a capture
Stripe could not confirm leaves it authorized, with the reason, for a retry."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select, update

from paygate.domain.errors import Conflict, DomainError, IntentStateRefused, InvalidInput
from paygate.domain.fees import FeeRule
from paygate.domain.money import Money
from paygate.domain.payment_requests import HELD, Status
from paygate.logs import log_event
from paygate.services.payments.closing import Closing
from paygate.services.payments.ledger import SYSTEM, RequestLedger, stripe_actor
from paygate.services.payments.views import RequestView
from paygate.services.payments.webhooks import Outcome
from paygate.services.ports import PaymentGateway, configured
from paygate.store.database import Database, as_utc, utcnow
from paygate.store.models import Clinic, PaymentRequest

logger = logging.getLogger("paygate.payments")
MAX_HOLD_HOURS = 6 * 24


def capture_key(request_id: str, amount: int) -> str:
    return f"pr:{request_id}:capture:{amount}"


class Holds:
    def __init__(self, db: Database, gateway: PaymentGateway | None, ledger: RequestLedger,
                 closing: Closing, fee_rule: Callable[[str], Awaitable[FeeRule | None]]
                 ) -> None:
        self._db = db
        self._fee_rule = fee_rule
        self._gateway = gateway
        self._ledger = ledger
        self._closing = closing

    async def capture(self, row: PaymentRequest, amount: int | None) -> RequestView:
        """Charge `amount` (default: all) of an authorized hold."""
        if Status(row.status) is Status.PAID and row.capture_method == "manual" and \
                amount in (None, row.amount_paid):
            return await self._ledger.view(row.id)  # a retry of the capture that landed
        if Status(row.status) is Status.PAID:
            raise Conflict("This hold has already been charged.")
        if Status(row.status) not in HELD:
            raise Conflict(f"Only an authorised hold can be charged; this payment request is "
                           f"{row.status}.")
        final = row.amount if amount is None else amount
        if not isinstance(final, int) or isinstance(final, bool):
            raise InvalidInput("The amount is a whole number of minor units.", field="amount")
        held = Money(row.amount, row.currency)
        if final > row.amount:
            raise InvalidInput(f"You can charge at most the {held.format()} held.",
                               field="amount")
        Money(final, row.currency).check_chargeable(None)  # the currency's minimum
        assert row.payment_intent_id is not None
        gateway = configured(self._gateway)
        try:
            intent = await gateway.capture_payment_intent(
                row.stripe_account_id, row.payment_intent_id, amount=final,
                idempotency_key=capture_key(row.id, final),
                application_fee_amount=await self._fee_on(row, final))
        except IntentStateRefused:
            # Released (or charged) a moment before, e.g. Release hold clicked at once in
            # another tab: paygate takes Stripe's word and says what happened.
            now = await self._closing.apply_stripes_state(row, strict=False)
            status = Status(now.status) if now is not None else Status(row.status)
            if status is Status.PAID:
                raise Conflict("This hold has already been charged.") from None
            raise Conflict("This hold was released before it could be charged; it is "
                           f"{status.value} now.") from None
        except DomainError as exc:
            log_event(logger, "capture not confirmed by Stripe", logging.WARNING,
                      payment_request=row.id, error=exc.message)
            raise
        view = await self._ledger.apply_intent(
            row.id, intent, stripe_actor(intent.id),
            f"charged {Money(final, row.currency).format()} of the hold")
        log_event(logger, "hold captured", payment_request=row.id, amount=final)
        return view or await self._ledger.view(row.id)

    async def _fee_on(self, row: PaymentRequest, final: int) -> int | None:
        """The platform's fee on the amount charged: the fee rule applied to it, never more
        than the fee the hold was made with; in proportion if the rule is gone since."""
        if not row.application_fee_amount:
            return None
        rule = await self._fee_rule(row.org_id)
        if rule is None:
            return row.application_fee_amount * final // row.amount
        return min(rule.fee(final), row.application_fee_amount)

    async def release_overdue(self, limit: int = 200) -> list[Outcome]:
        """Release every hold left uncaptured past its clinic's limit (the reconciler)."""
        now = utcnow()
        async with self._db.sessions() as tx:
            found = (await tx.execute(select(PaymentRequest, Clinic.hold_hours).join(
                Clinic, Clinic.id == PaymentRequest.clinic_id).where(
                PaymentRequest.status.in_([s.value for s in HELD]))
                .order_by(PaymentRequest.updated_at).limit(limit))).all()
        released = []
        for row, hours in found:
            limit_hours = min(hours or 24, MAX_HOLD_HOURS)
            if as_utc(row.updated_at) + timedelta(hours=limit_hours) > now:
                continue
            # Its time is up: said first in the row, so that Stripe's canceled event, if it
            # lands before our own write, also reads it as expired (not "cancelled").
            async with self._db.transaction() as tx:
                await tx.execute(update(PaymentRequest).where(
                    PaymentRequest.id == row.id,
                    PaymentRequest.status.in_([s.value for s in HELD])).values(
                    expires_at=now))
            row.expires_at = now
            view = await self._closing.close(
                row, SYSTEM, f"hold released: not charged within {limit_hours} h",
                strict=False, target=Status.EXPIRED)
            if view is not None and view.status == Status.EXPIRED:
                released.append(Outcome(row.id, row.reference, view.status))
        return released
