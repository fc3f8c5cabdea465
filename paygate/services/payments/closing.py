"""Closing open payment requests: cancelled by the clinician, cancelled with the clinic's
Stripe account, or expired after their time.

The PaymentIntent is cancelled at Stripe first (idempotency key fixed per request), then the
request. If Stripe says the intent already finished, what Stripe says is applied instead: a
paid request stays paid. A cancel or expiry that Stripe could not confirm leaves the request
open for the reconciler's next pass, so a patient paying meanwhile is never lost behind a
"cancelled" or "expired" label. Only when paygate can no longer act for the account at all
(it was deauthorized, so nobody can pay through paygate either) is the request closed
without Stripe's word."""

from __future__ import annotations

import logging

from sqlalchemy import Select, select

from paygate.domain.errors import AccountNotLinked, DomainError, IntentStateRefused
from paygate.domain.payment_moves import Actor
from paygate.domain.payment_requests import HELD, OPEN, Status, check_transition
from paygate.logs import log_event
from paygate.services.pay_links.scope import revoke_links
from paygate.services.payments.ledger import SYSTEM, RequestLedger, clinic_label
from paygate.services.payments.views import RequestView
from paygate.services.payments.webhooks import Outcome, Settlement
from paygate.services.ports import PaymentGateway
from paygate.store.database import Database, utcnow
from paygate.store.models import Clinic, PaymentRequest

logger = logging.getLogger("paygate.payments")


def cancel_key(request_id: str) -> str:
    return f"pr:{request_id}:cancel"


class Closing:
    def __init__(self, db: Database, gateway: PaymentGateway | None, ledger: RequestLedger,
                 settlement: Settlement) -> None:
        self._db = db
        self._gateway = gateway
        self._ledger = ledger
        self._settlement = settlement

    async def close(self, row: PaymentRequest, actor: Actor, reason: str, *, strict: bool,
                    target: Status = Status.CANCELLED) -> RequestView | None:
        """Cancel the intent at Stripe, then the request; None if it could not be closed."""
        if row.payment_intent_id and self._gateway is not None:
            try:
                await self._gateway.cancel_payment_intent(
                    row.stripe_account_id, row.payment_intent_id,
                    idempotency_key=cancel_key(row.id))
            except AccountNotLinked as exc:
                # paygate can no longer act for that account, nor can anyone pay through it.
                if strict:
                    raise
                log_event(logger, "could not cancel a PaymentIntent", logging.WARNING,
                          payment_request=row.id, error=exc.message)
            except IntentStateRefused:  # Stripe refuses: the intent already finished
                return await self.apply_stripes_state(row, strict)
            except DomainError as exc:
                if strict:
                    raise
                # Stripe did not confirm: the intent may still be paid, so the request
                # stays open and the reconciler's next expiry pass tries again.
                log_event(logger, "could not cancel a PaymentIntent", logging.WARNING,
                          payment_request=row.id, error=exc.message)
                return None
        async with self._db.transaction() as tx:
            fresh = await self._ledger.lock(tx, row.id)
            moved = Status(fresh.status) in OPEN | HELD
            if moved:
                await self._ledger.transition(tx, fresh, target, actor, reason)
            if fresh.status in (Status.CANCELLED, Status.EXPIRED):  # also by Stripe's webhook
                await revoke_links(tx, fresh, utcnow())  # its payment links end with it
            clinic = await tx.get(Clinic, fresh.clinic_id)
        view = RequestView.of(fresh, clinic_label(clinic))
        if moved:
            log_event(logger, "payment request closed", payment_request=row.id,
                      status=view.status, actor=actor.kind)
            await self._ledger.publish(fresh, view)
            return view
        # Stripe's canceled webhook can land between our cancel call and the transaction:
        # already cancelled (or expired) is the outcome asked for, not a conflict.
        if view.status == target:
            return view
        if strict:
            check_transition(Status(fresh.status), target)
        return None

    async def apply_stripes_state(self, row: PaymentRequest, strict: bool
                                  ) -> RequestView | None:
        """Read the intent from Stripe and apply what it says (after Stripe refused an
        action because of the intent's state)."""
        try:
            view = await self._settlement.read_and_apply(row)
        except DomainError:
            if strict:
                raise
            return None
        return view or await self._ledger.view(row.id)

    async def expire_due(self, org_id: str, clinic_id: str, call_id: str) -> int:
        """Expire one call's requests past their time (when the call's list is read)."""
        query = select(PaymentRequest).where(
            PaymentRequest.org_id == org_id, PaymentRequest.clinic_id == clinic_id,
            PaymentRequest.call_id == call_id)
        return len(await self._expire(query))

    async def expire_overdue(self, limit: int = 200) -> list[Outcome]:
        """Expire every open request past its time (the reconciler's sweep)."""
        query = select(PaymentRequest).order_by(PaymentRequest.expires_at).limit(limit)
        return await self._expire(query)

    async def _expire(self, query: Select[PaymentRequest]) -> list[Outcome]:
        rows = await self._scalars(query.where(
            PaymentRequest.status.in_([s.value for s in OPEN]),
            PaymentRequest.expires_at <= utcnow()))
        expired = []
        for row in rows:
            view = await self.close(row, SYSTEM, "expired", strict=False,
                                    target=Status.EXPIRED)
            if view is not None and view.status == Status.EXPIRED:
                expired.append(Outcome(row.id, row.reference, view.status))
        return expired

    async def cancel_open_for_clinic(self, clinic_id: str, actor: Actor, reason: str) -> int:
        rows = await self._scalars(select(PaymentRequest).where(
            PaymentRequest.clinic_id == clinic_id,
            PaymentRequest.status.in_([s.value for s in OPEN])))
        count = 0
        for row in rows:
            view = await self.close(row, actor, reason, strict=False)
            if view is not None and view.status == Status.CANCELLED:
                count += 1
        return count

    async def _scalars(self, query: Select[PaymentRequest]) -> list[PaymentRequest]:
        async with self._db.sessions() as tx:
            return list((await tx.scalars(query)).all())
