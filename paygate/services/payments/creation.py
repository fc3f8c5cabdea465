"""Creating a payment request: the PaymentIntent at Stripe first, then the row.

The request id, and so the PaymentIntent's idempotency key, is derived from what the
clinician asked for in this call and how many identical requests it already holds. When
Stripe does not answer (500, timeout, a lost response), the clinician sees "Stripe is not
answering, try again" and nothing is recorded; clicking Request Payment again sends the same
key, so Stripe hands back the intent it may already have made instead of a second one. A
double click lands on the same row. A deliberate second identical request gets a new id."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.fees import FeeRule, parse_fee
from paygate.domain.money import Money
from paygate.domain.payment_requests import Status
from paygate.domain.principals import Principal
from paygate.logs import log_event
from paygate.services.payments.ledger import clinic_label
from paygate.services.ports import IntentInfo, PaymentGateway
from paygate.settings import Settings
from paygate.store.database import Database, utcnow
from paygate.store.models import (
    Clinic,
    Organisation,
    PaymentRequest,
    PaymentRequestEvent,
    StripeAccountLink,
)

logger = logging.getLogger("paygate.payments")
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference() -> str:
    return "PAY-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def create_key(request_id: str) -> str:
    return f"pr:{request_id}:create"


class Creation:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._settings = settings

    async def request_id(self, principal: Principal, call_id: str, money: Money,
                         description: str, capture: str = "automatic") -> str:
        """Stable across the clinician's retries of one request (see the module doc)."""
        async with self._db.sessions() as tx:
            ordinal = await tx.scalar(select(func.count()).select_from(PaymentRequest).where(
                PaymentRequest.org_id == principal.org_id,
                PaymentRequest.clinic_id == principal.clinic_id,
                PaymentRequest.call_id == call_id,
                PaymentRequest.requested_by == principal.user_id,
                PaymentRequest.amount == money.amount,
                PaymentRequest.currency == money.currency,
                PaymentRequest.description == description))
        material = json.dumps([principal.org_id, principal.clinic_id, call_id,
                               principal.user_id, money.amount, money.currency, description,
                               ordinal, *(["manual"] if capture == "manual" else [])])
        digest = hmac.new(self._settings.secret_key.encode(), material.encode(),
                          hashlib.sha256).hexdigest()
        return "pr_" + digest[:24]

    async def create_intent(self, gateway: PaymentGateway, clinic: Clinic,
                            link: StripeAccountLink, request_id: str, money: Money,
                            description: str, capture: str = "automatic") -> IntentInfo:
        shared = description if clinic.share_description else \
            f"Payment to {clinic_label(clinic)}"
        rule = await self.fee_rule(clinic.org_id)
        return await gateway.create_payment_intent(
            link.account_id, amount=money.amount, currency=money.currency,
            description=shared,
            metadata={"paygate_payment_request": request_id, "paygate_clinic": clinic.id},
            idempotency_key=create_key(request_id), capture_method=capture,
            application_fee_amount=rule.fee(money.amount) if rule else None,
            redirects=clinic.redirect_methods)

    async def fee_rule(self, org_id: str) -> FeeRule | None:
        """The organisation's own fee rule (set by an operator), else the platform's."""
        async with self._db.sessions() as tx:
            own = await tx.scalar(select(Organisation.application_fee).where(
                Organisation.id == org_id))
        return parse_fee(own if own is not None else self._settings.application_fee)

    async def insert(self, principal: Principal, call_id: str, request_id: str, money: Money,
                     description: str, link: StripeAccountLink,
                     intent: IntentInfo, capture: str = "automatic") -> PaymentRequest:
        """The row for a created intent; the existing row when this request is a repeat."""
        assert principal.clinic_id is not None
        now = utcnow()
        async with self._db.transaction() as tx:
            existing = await tx.get(PaymentRequest, request_id)
            if existing is not None:
                return existing
            for attempt in range(5):
                row = PaymentRequest(
                    id=request_id, org_id=principal.org_id, clinic_id=principal.clinic_id,
                    call_id=call_id, reference=new_reference(), amount=money.amount,
                    currency=money.currency, description=description,
                    status=Status.REQUESTED.value, requested_by=principal.user_id,
                    requested_by_name=principal.name, stripe_account_id=link.account_id,
                    payment_intent_id=intent.id, client_secret=intent.client_secret,
                    amount_refunded=0, capture_method=capture,
                    application_fee_amount=intent.application_fee_amount,
                    version=1, created_at=now, updated_at=now,
                    expires_at=now + timedelta(seconds=self._settings.payment_request_ttl),
                )
                try:
                    async with tx.begin_nested():
                        tx.add(row)
                        await tx.flush()
                    break
                except IntegrityError:
                    other = await self._same_request(tx, request_id)
                    if other is not None:  # a concurrent repeat (double click) won
                        return other
                    if attempt == 4:  # not a reference clash after all
                        raise
            tx.add(PaymentRequestEvent(
                payment_request_id=request_id, from_status=None,
                to_status=Status.REQUESTED.value, actor_kind="user",
                actor_id=principal.user_id, actor_name=principal.name,
                detail=(f"hold of up to {money.format()} requested" if capture == "manual"
                        else f"requested {money.format()}"), created_at=now))
        log_event(logger, "payment requested", payment_request=request_id,
                  clinic=principal.clinic_id, amount=money.amount, currency=money.currency)
        return row

    @staticmethod
    async def _same_request(tx: AsyncSession, request_id: str) -> PaymentRequest | None:
        return await tx.scalar(select(PaymentRequest).where(PaymentRequest.id == request_id)
                               .execution_options(populate_existing=True))
