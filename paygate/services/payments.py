"""Payment requests: create, cancel, settle from Stripe's word, push notices. (issue 5)

Rules kept here:
- The PaymentIntent is created at Stripe *before* the row exists (idempotency key fixed by
  the request id), so a Stripe failure leaves nothing half-made: no row, a clear error.
- Every status change goes through the transition table and writes a PaymentRequestEvent in
  the same transaction; notices are published after the commit.
- Only Stripe's word moves a request to paid: a webhook or a server-side read of the
  PaymentIntent. Whatever an event says, the handler re-reads the intent and applies its
  current state, and only forward moves, so late or out-of-order events are harmless.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.errors import (
    AccountNotLinked,
    AddonNotEnabled,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PaymentProviderError,
)
from paygate.domain.money import Money
from paygate.domain.payment_requests import OPEN, PAYABLE, Status, check_transition
from paygate.domain.principals import Principal, Role
from paygate.logs import log_event
from paygate.services.notices import RequestView
from paygate.services.outbox import Outbox
from paygate.services.payment_ledger import (
    SYSTEM,
    Actor,
    RequestLedger,
    clinic_label,
    stripe_actor,
)
from paygate.services.ports import Broadcast, IntentInfo, PaymentGateway
from paygate.services.webhooks import WebhookService
from paygate.settings import Settings
from paygate.store.database import Database, as_utc, utcnow
from paygate.store.models import Clinic, PaymentRequest, PaymentRequestEvent, StripeAccountLink

logger = logging.getLogger("paygate.payments")

DESCRIPTION_MAX = 500
LIST_LIMIT = 50
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
INTENT_EVENTS = ("payment_intent.succeeded", "payment_intent.processing",
                 "payment_intent.requires_action", "payment_intent.payment_failed",
                 "payment_intent.canceled")


@dataclass(frozen=True)
class CallOptions:
    clinic_name: str
    default_currency: str
    max_amount: int | None
    ready: bool
    not_ready_reason: str | None


@dataclass(frozen=True)
class Checkout:
    """What Stripe.js needs in the patient's browser, for a payable request only."""

    client_secret: str
    publishable_key: str
    stripe_account: str


@dataclass(frozen=True)
class RequestDetail:
    view: RequestView
    checkout: Checkout | None
    receipt_email: str | None


def new_reference() -> str:
    return "PAY-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


class PaymentService:
    def __init__(self, db: Database, gateway: PaymentGateway | None, broadcast: Broadcast,
                 outbox: Outbox, settings: Settings) -> None:
        self._db = db
        self._gateway = gateway
        self._broadcast = broadcast
        self._outbox = outbox
        self._settings = settings
        self._ledger = RequestLedger(db, broadcast, outbox, settings)

    def register_webhooks(self, webhooks: WebhookService) -> None:
        """Register handlers for payment_intent.* / charge.* events."""
        for event_type in INTENT_EVENTS:
            webhooks.register(event_type, self._on_intent_event)

    # -- queries ------------------------------------------------------------------------
    async def options(self, principal: Principal, call_id: str) -> CallOptions:
        self._require_call(principal, call_id)
        async with self._db.sessions() as tx:
            clinic, link = await self._clinic_and_link(tx, principal)
        reason = None
        try:
            self._check_ready(clinic, link)
        except DomainError as exc:
            reason = exc.message
        return CallOptions(
            clinic_name=clinic_label(clinic) or (link.name if link else "") or "",
            default_currency=clinic.default_currency if clinic else "usd",
            max_amount=clinic.max_amount if clinic else None,
            ready=reason is None, not_ready_reason=reason,
        )

    async def list_for_call(self, principal: Principal, call_id: str) -> list[RequestView]:
        self._require_call(principal, call_id)
        assert principal.clinic_id is not None
        await self.expire_due(principal.org_id, principal.clinic_id, call_id)
        async with self._db.sessions() as tx:
            clinic = await tx.get(Clinic, principal.clinic_id)
            rows = (await tx.scalars(
                select(PaymentRequest).where(
                    PaymentRequest.org_id == principal.org_id,
                    PaymentRequest.clinic_id == principal.clinic_id,
                    PaymentRequest.call_id == call_id)
                .order_by(PaymentRequest.created_at.desc(), PaymentRequest.id)
                .limit(LIST_LIMIT))).all()
        return [RequestView.of(row, clinic_label(clinic)) for row in rows]

    async def get(self, principal: Principal, request_id: str) -> RequestDetail:
        row = await self._load_for(principal, request_id)
        if Status(row.status) in OPEN and as_utc(row.expires_at) <= utcnow():
            await self.expire_due(row.org_id, row.clinic_id, row.call_id)
            row = await self._load_for(principal, request_id)
        return await self._detail(principal, row)

    # -- commands -----------------------------------------------------------------------
    async def create(self, principal: Principal, call_id: str, *, amount: Any,
                     currency: str | None, description: str) -> RequestView:
        self._require_call(principal, call_id)
        principal.require_role(Role.CLINICIAN)
        async with self._db.sessions() as tx:
            clinic, link = await self._clinic_and_link(tx, principal)
        clinic, link = self._check_ready(clinic, link)
        money = Money(amount, currency or clinic.default_currency)
        money.check_chargeable(clinic.max_amount)
        text = (description or "").strip()
        if not text:
            raise InvalidInput("Enter a description of what the payment is for.",
                               field="description")
        if len(text) > DESCRIPTION_MAX:
            raise InvalidInput(f"Keep the description under {DESCRIPTION_MAX} characters.",
                               field="description")
        gateway = self._require_gateway()
        request_id = "pr_" + secrets.token_hex(12)
        intent = await gateway.create_payment_intent(
            link.account_id, amount=money.amount, currency=money.currency,
            description=text if clinic.share_description else
            f"Payment to {clinic_label(clinic)}",
            metadata={"paygate_payment_request": request_id, "paygate_clinic": clinic.id},
            idempotency_key=f"pr:{request_id}:create",
        )
        try:
            row = await self._insert(principal, call_id, request_id, money, text, link, intent)
        except Exception:
            await self._cancel_intent_quietly(link.account_id, intent.id, request_id)
            raise
        log_event(logger, "payment requested", payment_request=row.id, clinic=clinic.id,
                  amount=money.amount, currency=money.currency)
        view = RequestView.of(row, clinic_label(clinic))
        await self._ledger.publish(row, view)
        return view

    async def cancel(self, principal: Principal, request_id: str) -> RequestView:
        row = await self._load_for(principal, request_id)
        principal.require_role(Role.CLINICIAN)
        if Status(row.status) not in OPEN:
            check_transition(Status(row.status), Status.CANCELLED)
        view = await self._cancel_one(row, Actor.of(principal), "cancelled by the clinician",
                                      strict=True)
        assert view is not None
        if view.status == Status.PAID:
            raise Conflict("This payment request has already been paid.")
        return view

    async def set_receipt_email(self, principal: Principal, request_id: str,
                                email: str) -> RequestDetail:
        row = await self._load_for(principal, request_id)
        principal.require_role(Role.PATIENT)
        address = (email or "").strip()
        if len(address) > 320 or not EMAIL.match(address):
            raise InvalidInput("Enter a valid email address for your receipt.", field="email")
        status = Status(row.status)
        if status not in PAYABLE and not (status is Status.PAID and not row.receipt_email):
            raise Conflict(f"This payment request is {status.value}.")
        async with self._db.transaction() as tx:
            fresh = await self._ledger.lock(tx, row.id)
            fresh.receipt_email = address
            fresh.updated_at = utcnow()
            if Status(fresh.status) is Status.PAID:
                await self._ledger.queue_receipt(tx, fresh)
        self._outbox.wake()
        return await self._detail(principal, fresh)

    async def refresh(self, principal: Principal, request_id: str) -> RequestDetail:
        """Re-read the PaymentIntent from Stripe (the patient's browser asks after paying;
        what it says is never taken as proof)."""
        row = await self._load_for(principal, request_id)
        if row.payment_intent_id and Status(row.status) in OPEN:
            intent = await self._require_gateway().retrieve_payment_intent(
                row.stripe_account_id, row.payment_intent_id)
            await self._ledger.apply_intent(row.id, intent, stripe_actor(intent.id),
                                    "read from Stripe")
            row = await self._load_for(principal, request_id)
        return await self._detail(principal, row)

    async def apply_intent(self, request_id: str, intent: IntentInfo,
                           detail: str = "read from Stripe") -> RequestView | None:
        """Apply what Stripe says about a request's intent (e.g. from a reconciliation)."""
        return await self._ledger.apply_intent(request_id, intent, stripe_actor(intent.id),
                                               detail)

    async def cancel_open_for_clinic(self, clinic_id: str, actor: Principal | None,
                                     reason: str) -> int:
        """Cancel every open request of a clinic (its account was unlinked or the add-on
        disabled). Stripe is asked to cancel each intent, best effort."""
        async with self._db.sessions() as tx:
            rows = (await tx.scalars(select(PaymentRequest).where(
                PaymentRequest.clinic_id == clinic_id,
                PaymentRequest.status.in_([s.value for s in OPEN])))).all()
        count = 0
        for row in rows:
            view = await self._cancel_one(row, Actor.of(actor), reason, strict=False)
            if view is not None and view.status == Status.CANCELLED:
                count += 1
        return count

    async def expire_due(self, org_id: str, clinic_id: str, call_id: str) -> int:
        now = utcnow()
        async with self._db.sessions() as tx:
            rows = (await tx.scalars(select(PaymentRequest).where(
                PaymentRequest.org_id == org_id, PaymentRequest.clinic_id == clinic_id,
                PaymentRequest.call_id == call_id,
                PaymentRequest.status.in_([s.value for s in OPEN]),
                PaymentRequest.expires_at <= now))).all()
        count = 0
        for row in rows:
            view = await self._cancel_one(row, SYSTEM, "expired", strict=False,
                                          target=Status.EXPIRED)
            count += int(view is not None and view.status == Status.EXPIRED)
        return count

    # -- Stripe's word ------------------------------------------------------------------
    async def _on_intent_event(self, event: dict[str, Any]) -> str:
        obj = event.get("data", {}).get("object", {})
        intent_id, account = obj.get("id"), event.get("account")
        async with self._db.sessions() as tx:
            row = await tx.scalar(select(PaymentRequest).where(
                PaymentRequest.payment_intent_id == intent_id))
        if row is None:
            return "ignored_unknown_intent"
        if account != row.stripe_account_id:
            log_event(logger, "webhook account does not match the request", logging.WARNING,
                      event_id=event.get("id"), payment_request=row.id)
            return "ignored_account_mismatch"
        intent = await self._require_gateway().retrieve_payment_intent(account, intent_id)
        before = row.status
        view = await self._ledger.apply_intent(row.id, intent, stripe_actor(str(event["id"])),
                                               str(event.get("type")))
        return view.status if view is not None and view.status != before else "unchanged"

    # -- internals ----------------------------------------------------------------------
    def _require_gateway(self) -> PaymentGateway:
        if self._gateway is None:
            raise PaymentProviderError("Stripe is not configured on this paygate.")
        return self._gateway

    @staticmethod
    def _require_call(principal: Principal, call_id: str) -> None:
        """The call id in the URL must be the token's own call."""
        principal.require_call(principal.org_id, principal.clinic_id or "", call_id)

    async def _clinic_and_link(self, tx: AsyncSession, principal: Principal
                               ) -> tuple[Clinic | None, StripeAccountLink | None]:
        clinic = await tx.get(Clinic, principal.clinic_id)
        if clinic is not None and clinic.org_id != principal.org_id:
            clinic = None
        link = await tx.scalar(select(StripeAccountLink).where(
            StripeAccountLink.clinic_id == principal.clinic_id,
            StripeAccountLink.active.is_(True)).order_by(StripeAccountLink.id.desc()).limit(1))
        return clinic, link

    @staticmethod
    def _check_ready(clinic: Clinic | None, link: StripeAccountLink | None
                     ) -> tuple[Clinic, StripeAccountLink]:
        if clinic is None or not clinic.addon_enabled:
            raise AddonNotEnabled("Payments are not enabled for this clinic. A clinic admin "
                                  "can request them in Configure > Client Payments.")
        if link is None:
            raise AccountNotLinked("This clinic has no Stripe account linked yet. A clinic "
                                   "admin can link one in Configure > Client Payments.")
        return clinic, link

    async def _insert(self, principal: Principal, call_id: str, request_id: str, money: Money,
                      description: str, link: StripeAccountLink,
                      intent: IntentInfo) -> PaymentRequest:
        assert principal.clinic_id is not None
        now = utcnow()
        async with self._db.transaction() as tx:
            for attempt in range(5):
                row = PaymentRequest(
                    id=request_id, org_id=principal.org_id, clinic_id=principal.clinic_id,
                    call_id=call_id, reference=new_reference(), amount=money.amount,
                    currency=money.currency, description=description,
                    status=Status.REQUESTED.value, requested_by=principal.user_id,
                    requested_by_name=principal.name, stripe_account_id=link.account_id,
                    payment_intent_id=intent.id, client_secret=intent.client_secret,
                    amount_refunded=0, version=1, created_at=now, updated_at=now,
                    expires_at=now + timedelta(seconds=self._settings.payment_request_ttl),
                )
                try:
                    async with tx.begin_nested():
                        tx.add(row)
                        await tx.flush()
                    break
                except IntegrityError:
                    if attempt == 4:  # not a reference clash after all
                        raise
            tx.add(PaymentRequestEvent(
                payment_request_id=request_id, from_status=None,
                to_status=Status.REQUESTED.value, actor_kind="user",
                actor_id=principal.user_id, actor_name=principal.name,
                detail=f"requested {money.format()}", created_at=now))
        return row

    async def _cancel_intent_quietly(self, account: str, intent_id: str, request_id: str
                                     ) -> None:
        try:
            await self._require_gateway().cancel_payment_intent(
                account, intent_id, idempotency_key=f"pr:{request_id}:cancel")
        except DomainError as exc:
            log_event(logger, "could not cancel a PaymentIntent", logging.WARNING,
                      payment_request=request_id, error=exc.message)

    async def _cancel_one(self, row: PaymentRequest, actor: Actor, reason: str, *,
                          strict: bool, target: Status = Status.CANCELLED
                          ) -> RequestView | None:
        """Cancel the intent at Stripe, then the request. If Stripe says the intent already
        finished, apply what Stripe says instead (a paid request stays paid)."""
        if row.payment_intent_id and self._gateway is not None:
            try:
                await self._gateway.cancel_payment_intent(
                    row.stripe_account_id, row.payment_intent_id,
                    idempotency_key=f"pr:{row.id}:cancel")
            except InvalidInput:
                intent = await self._read_quietly(row, strict)
                if intent is not None and intent.status != "canceled":
                    applied = await self._ledger.apply_intent(
                        row.id, intent, stripe_actor(intent.id), "read from Stripe")
                    return applied or await self._ledger.view(row.id)
            except DomainError as exc:
                if strict:
                    raise
                log_event(logger, "could not cancel a PaymentIntent", logging.WARNING,
                          payment_request=row.id, error=exc.message)
        async with self._db.transaction() as tx:
            fresh = await self._ledger.lock(tx, row.id)
            moved = Status(fresh.status) in OPEN
            if moved:
                await self._ledger.transition(tx, fresh, target, actor, reason)
            clinic = await tx.get(Clinic, fresh.clinic_id)
        view = RequestView.of(fresh, clinic_label(clinic))
        if moved:
            await self._ledger.publish(fresh, view)
            return view
        # Stripe's canceled webhook can land between our cancel call and the transaction:
        # already cancelled (or expired) is the outcome asked for, not a conflict.
        if view.status == target:
            return view
        if strict:
            check_transition(Status(fresh.status), target)
        return None

    async def _read_quietly(self, row: PaymentRequest, strict: bool) -> IntentInfo | None:
        assert self._gateway is not None and row.payment_intent_id is not None
        try:
            return await self._gateway.retrieve_payment_intent(row.stripe_account_id,
                                                               row.payment_intent_id)
        except DomainError:
            if strict:
                raise
            return None

    async def _load_for(self, principal: Principal, request_id: str) -> PaymentRequest:
        async with self._db.sessions() as tx:
            row = await tx.get(PaymentRequest, request_id)
        if row is None:
            raise NotFound("No such payment request.")
        principal.require_call(row.org_id, row.clinic_id, row.call_id)
        return row

    async def _detail(self, principal: Principal, row: PaymentRequest) -> RequestDetail:
        async with self._db.sessions() as tx:
            clinic = await tx.get(Clinic, row.clinic_id)
        checkout = None
        is_patient = principal.role is Role.PATIENT
        if (is_patient and Status(row.status) in PAYABLE and row.client_secret
                and self._gateway is not None and self._gateway.publishable_key):
            checkout = Checkout(client_secret=row.client_secret,
                                publishable_key=self._gateway.publishable_key,
                                stripe_account=row.stripe_account_id)
        return RequestDetail(view=RequestView.of(row, clinic_label(clinic)),
                             checkout=checkout,
                             receipt_email=row.receipt_email if is_patient else None)

