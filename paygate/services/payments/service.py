"""Payment requests: the PaymentService facade the web and Runtime use. (issues 5, 6)

Rules kept here and in the modules it delegates to:
- creation: the PaymentIntent is created at Stripe *before* the row exists, with an
  idempotency key fixed by the request id, so a Stripe failure leaves no row and a retry no
  second intent.
- ledger: every status change goes through the transition table and writes a
  PaymentRequestEvent in the same transaction; notices are published after the commit.
- webhooks: only Stripe's word moves a request to paid (a webhook event, or a
  server-side read of the PaymentIntent), and only forward, so late, duplicated or
  out-of-order events are harmless.
- closing: cancel and expiry cancel the intent at Stripe first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.account_requirements import PAUSED
from paygate.domain.emails import parse_address
from paygate.domain.errors import (
    AccountNotLinked,
    AccountNotReady,
    AddonNotEnabled,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
)
from paygate.domain.money import Money
from paygate.domain.payment_requests import OPEN, PAYABLE, SETTLED, Status, check_transition
from paygate.domain.principals import Principal, Role
from paygate.services.mail.outbox import Draft, Outbox
from paygate.services.pay_links.scope import authorize_request
from paygate.services.payments.closing import Closing
from paygate.services.payments.creation import Creation
from paygate.services.payments.holds import Holds
from paygate.services.payments.ledger import (
    RequestLedger,
    actor_of,
    clinic_label,
    stripe_actor,
)
from paygate.services.payments.returns import Returns
from paygate.services.payments.views import (
    OPTIONS_CHANGED,
    CallOptions,
    RequestView,
    clinic_channel,
)
from paygate.services.payments.webhooks import Outcome, Settlement
from paygate.services.ports import Broadcast, IntentInfo, PaymentGateway, configured
from paygate.services.webhooks.inbox import WebhookService
from paygate.settings import Settings
from paygate.store.database import Database, as_utc, utcnow
from paygate.store.fast_path import FastPath
from paygate.store.models import Clinic, OutboxEmail, PaymentRequest, StripeAccountLink

__all__ = ["CallOptions", "Checkout", "Outcome", "PaymentService", "RequestDetail"]

DESCRIPTION_MAX = 500
LIST_LIMIT = 50


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


class PaymentService:
    def __init__(self, db: Database, events: FastPath, gateway: PaymentGateway | None,
                 broadcast: Broadcast, outbox: Outbox, settings: Settings,
                 ledger: RequestLedger) -> None:
        self._db = db
        self._events = events
        self._gateway = gateway
        self._broadcast = broadcast
        self._outbox = outbox
        self._settings = settings
        self._ledger = ledger
        self._settlement = Settlement(db, gateway, ledger, outbox)
        self._closing = Closing(db, gateway, self._ledger, self._settlement)
        self.returns = Returns(db, gateway, ledger, self._settlement)  # /pay/return
        self._creation = Creation(db, settings)
        self._holds = Holds(db, gateway, ledger, self._closing, self._creation.fee_rule)

    def register_webhooks(self, webhooks: WebhookService) -> None:
        """Register handlers for payment_intent.* and charge.succeeded events."""
        self._settlement.register(webhooks)

    async def render_receipt(self, email: OutboxEmail) -> Draft | None:
        """The outbox's renderer for receipts (registered in Runtime.build): the receipt
        from the request as it is when the email is sent."""
        return await self._settlement.render_receipt(email)

    # -- queries ------------------------------------------------------------------------
    async def options(self, principal: Principal, call_id: str) -> CallOptions:
        principal.require_checkout_settings(call_id)
        async with self._db.sessions() as tx:
            clinic, link = await self._clinic_and_link(tx, principal)
        reason = code = None
        try:
            self._check_ready(clinic, link)
        except DomainError as exc:
            reason, code = exc.message, exc.code
        return CallOptions(  # not ready: the first thing missing, in words and as a code
            clinic_name=clinic_label(clinic) or (link.name if link else "") or "",
            default_currency=clinic.default_currency if clinic else "usd",
            max_amount=clinic.max_amount if clinic else None,
            ready=reason is None, not_ready_reason=reason, not_ready_code=code,
            pay_link_hours=clinic.pay_link_ttl // 3600 if clinic else 72,
            default_capture=clinic.default_capture if clinic else "automatic",
        )

    async def list_for_call(self, principal: Principal, call_id: str) -> list[RequestView]:
        self._require_call(principal, call_id)
        assert principal.clinic_id is not None
        rows = await self._events.read_call(principal.org_id, principal.clinic_id, call_id,
                                            LIST_LIMIT)
        # Expire what is past its time first. The rows read tell whether anything is (a
        # full page may hide older open requests, so that case always asks).
        now = utcnow()
        if len(rows) >= LIST_LIMIT or any(
                Status(r.status) in OPEN and r.expires_at <= now for r in rows):
            await self.expire_due(principal.org_id, principal.clinic_id, call_id)
            rows = await self._events.read_call(principal.org_id, principal.clinic_id,
                                                call_id, LIST_LIMIT)
        return [RequestView.of(row, row.clinic_name) for row in rows]

    async def get(self, principal: Principal, request_id: str) -> RequestDetail:
        row = await self._load_for(principal, request_id)
        if Status(row.status) in OPEN and as_utc(row.expires_at) <= utcnow():
            await self.expire_due(row.org_id, row.clinic_id, row.call_id)
            row = await self._load_for(principal, request_id)
        return await self._detail(principal, row)

    # -- commands -----------------------------------------------------------------------
    async def create(self, principal: Principal, call_id: str, *, amount: Any,
                     currency: str | None, description: str,
                     capture: str | None = None) -> RequestView:
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
        capture = capture or clinic.default_capture
        if capture not in ("automatic", "manual"):
            raise InvalidInput("capture is automatic or manual.", field="capture")
        request_id = await self._creation.request_id(principal, call_id, money, text, capture)
        intent = await self._creation.create_intent(gateway, clinic, link, request_id, money,
                                                    text, capture)
        # If the insert fails the intent is kept: nobody holds its client secret, and the
        # clinician's retry gets the same intent back through its idempotency key.
        row = await self._creation.insert(principal, call_id, request_id, money, text, link,
                                          intent, capture)
        view = RequestView.of(row, clinic_label(clinic))
        await self._ledger.publish(row, view)
        return view

    async def cancel(self, principal: Principal, request_id: str) -> RequestView:
        row = await self._load_for(principal, request_id)
        principal.require_role(Role.CLINICIAN)
        if Status(row.status) not in OPEN:
            check_transition(Status(row.status), Status.CANCELLED)
        view = await self._closing.close(row, actor_of(principal), "cancelled by the clinician",
                                         strict=True)
        assert view is not None
        if view.status == Status.PAID:
            raise Conflict("This payment request has already been paid.")
        return view

    async def capture(self, principal: Principal, request_id: str,
                      amount: int | None) -> RequestView:
        """Charge an authorised hold: the clinician of the call, or the clinic's admins."""
        row = await self._load_for(principal, request_id)
        principal.require_role(Role.CLINICIAN, Role.CLINIC_ADMIN)
        return await self._holds.capture(row, amount)

    async def set_receipt_email(self, principal: Principal, request_id: str,
                                email: str, locale: str | None = None) -> RequestDetail:
        """The patient's receipt address, and the locale (en, fr, fa, bn) to write it in."""
        row = await self._load_for(principal, request_id)
        principal.require_role(Role.PATIENT)
        address = parse_address(email, field="email",
                                message="Enter a valid email address for your receipt.")
        status = Status(row.status)
        if status not in PAYABLE and not (status is Status.PAID and not row.receipt_email):
            raise Conflict(f"This payment request is {status.value}.")
        async with self._db.transaction() as tx:
            fresh = await self._ledger.lock(tx, row.id)
            fresh.receipt_email = address
            fresh.receipt_locale = locale
            fresh.updated_at = utcnow()
            if Status(fresh.status) is Status.PAID:
                await self._ledger.queue_receipt(tx, fresh)
        self._outbox.wake()
        return await self._detail(principal, fresh)

    async def refresh(self, principal: Principal, request_id: str) -> RequestDetail:
        """Re-read the PaymentIntent from Stripe (the patient's browser asks after paying;
        what it says is never taken as proof). A paid request missing its card gets it."""
        row = await self._load_for(principal, request_id)
        status = Status(row.status)
        if row.payment_intent_id and (status in OPEN or
                                      (status in SETTLED and not row.card_last4)):
            self._require_gateway()
            await self._settlement.read_and_apply(row)
            row = await self._load_for(principal, request_id)
        return await self._detail(principal, row)

    async def apply_intent(self, request_id: str, intent: IntentInfo,
                           detail: str = "read from Stripe") -> RequestView | None:
        """Apply what Stripe says about a request's intent (e.g. from a reconciliation)."""
        return await self._ledger.apply_intent(request_id, intent, stripe_actor(intent.id),
                                               detail)

    async def options_changed(self, clinic_id: str) -> None:
        """Tell the clinic's open clinician panels to read their payment options again."""
        async with self._db.sessions() as tx:
            clinic = await tx.get(Clinic, clinic_id)
        if clinic is not None:
            await self._broadcast.publish(clinic_channel(clinic.org_id, clinic.id),
                                          OPTIONS_CHANGED)

    async def cancel_open_for_clinic(self, clinic_id: str, actor: Principal | None,
                                     reason: str) -> int:
        """Cancel every open request of a clinic (its account was unlinked or the add-on
        disabled). Stripe is asked to cancel each intent, best effort."""
        return await self._closing.cancel_open_for_clinic(clinic_id, actor_of(actor), reason)

    async def expire_due(self, org_id: str, clinic_id: str, call_id: str) -> int:
        return await self._closing.expire_due(org_id, clinic_id, call_id)

    # -- background passes (the reconciler) ----------------------------------------------
    async def expire_overdue(self, limit: int = 200) -> list[Outcome]:
        """Expire every open request past its time; its intent is cancelled at Stripe."""
        return await self._closing.expire_overdue(limit)

    async def release_overdue_holds(self, limit: int = 200) -> list[Outcome]:
        return await self._holds.release_overdue(limit)

    async def settle_stale(self, stale_before: datetime, limit: int = 500) -> list[Outcome]:
        """Read from Stripe the open requests without news since `stale_before` (webhooks
        that never came) and apply what Stripe says."""
        return await self._settlement.settle_stale(stale_before, limit)

    # -- internals ----------------------------------------------------------------------
    def _require_gateway(self) -> PaymentGateway:
        return configured(self._gateway)

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
        if not link.charges_enabled:
            raise AccountNotReady(PAUSED)
        return clinic, link

    async def _load_for(self, principal: Principal, request_id: str) -> PaymentRequest:
        async with self._db.sessions() as tx:
            row = await tx.get(PaymentRequest, request_id)
        if row is None:
            raise NotFound("No such payment request.")
        await authorize_request(self._db, principal, row)  # a pay link: only its own
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
