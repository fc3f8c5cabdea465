"""Refunds as staff see them: each refund, and what is left to refund on a payment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from paygate.domain.money import Money
from paygate.domain.payment_requests import Status, charged
from paygate.domain.refunds import REFUNDABLE, Reason, RefundStatus, refunded_total
from paygate.store.database import as_utc
from paygate.store.models import PaymentRequest, Refund


class RefundView(BaseModel):
    """One refund as staff see it, and (without `actor_kind`) the API's `RefundOut`."""

    model_config = ConfigDict(frozen=True)

    id: str
    stripe_refund_id: str | None
    amount: int
    currency: str
    amount_display: str
    reason: str
    reason_label: str
    note: str
    status: RefundStatus = Field(
        description="pending (waiting for Stripe), succeeded or failed")
    source: str = Field(description="paygate, or stripe for one made at Stripe")
    actor_kind: str = Field(exclude=True)  # user, stripe, system: for the admin pages
    made_by: str
    error: str | None
    created_at: datetime
    succeeded_at: datetime | None

    @property
    def actor_name(self) -> str:
        return self.made_by

    @classmethod
    def of(cls, refund: Refund) -> RefundView:
        return cls(
            id=refund.id, stripe_refund_id=refund.stripe_refund_id, amount=refund.amount,
            currency=refund.currency,
            amount_display=Money(refund.amount, refund.currency).format(),
            reason=refund.reason, reason_label=Reason(refund.reason).label, note=refund.note,
            status=RefundStatus(refund.status), source=refund.source,
            actor_kind=refund.actor_kind, made_by=refund.actor_name, error=refund.stripe_error,
            created_at=as_utc(refund.created_at),
            succeeded_at=as_utc(refund.succeeded_at) if refund.succeeded_at else None)


@dataclass(frozen=True)
class RefundOverview:
    request_id: str
    status: str
    amount: int
    amount_refunded: int
    remaining: int
    currency: str
    refundable: bool
    refunds: list[RefundView]

    @classmethod
    def of(cls, row: PaymentRequest, refunds: Sequence[Refund]) -> RefundOverview:
        paid = charged(row.amount, row.amount_paid)
        refunded = refunded_total(paid, row.amount_refunded, refunds)
        remaining = max(paid - refunded, 0)
        return cls(
            request_id=row.id, status=row.status, amount=paid,
            amount_refunded=refunded, remaining=remaining, currency=row.currency,
            refundable=Status(row.status) in REFUNDABLE and remaining > 0,
            refunds=[RefundView.of(r) for r in refunds])

    def money(self, amount: int) -> str:
        return Money(amount, self.currency).format()
