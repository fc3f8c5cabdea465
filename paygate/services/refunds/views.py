"""Refunds as staff see them: each refund, and what is left to refund on a payment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from paygate.domain.money import Money
from paygate.domain.payment_requests import Status
from paygate.domain.refunds import REFUNDABLE, Reason
from paygate.store.database import as_utc
from paygate.store.models import PaymentRequest, Refund


@dataclass(frozen=True)
class RefundView:
    id: str
    stripe_refund_id: str | None
    amount: int
    currency: str
    amount_display: str
    reason: str
    reason_label: str
    note: str
    status: str  # pending, succeeded, failed
    source: str  # paygate, stripe
    actor_kind: str
    actor_name: str
    error: str | None
    created_at: datetime
    succeeded_at: datetime | None

    @classmethod
    def of(cls, refund: Refund) -> RefundView:
        return cls(
            id=refund.id, stripe_refund_id=refund.stripe_refund_id, amount=refund.amount,
            currency=refund.currency,
            amount_display=Money(refund.amount, refund.currency).format(),
            reason=refund.reason, reason_label=Reason(refund.reason).label, note=refund.note,
            status=refund.status, source=refund.source, actor_kind=refund.actor_kind,
            actor_name=refund.actor_name, error=refund.stripe_error,
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
        refunded = min(row.amount, max(row.amount_refunded, sum(
            r.amount for r in refunds if r.status == "succeeded")))
        remaining = max(row.amount - refunded, 0)
        return cls(
            request_id=row.id, status=row.status, amount=row.amount,
            amount_refunded=refunded, remaining=remaining, currency=row.currency,
            refundable=Status(row.status) in REFUNDABLE and remaining > 0,
            refunds=[RefundView.of(r) for r in refunds])

    def money(self, amount: int) -> str:
        return Money(amount, self.currency).format()
