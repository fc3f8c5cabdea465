"""Card holds in reports: per currency, what is held now, what was charged of what was held
(a hold may be charged for less), and what was released (by the clinician, or by paygate
past the clinic's limit) after the patient's card was authorised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from paygate.domain.payment_requests import SETTLED, Status
from paygate.store.models import PaymentRequest, PaymentRequestEvent


@dataclass(frozen=True)
class HoldTotals:
    currency: str
    held: int = 0             # authorised now, waiting to be charged or released
    held_amount: int = 0
    charged: int = 0
    charged_amount: int = 0   # what was captured
    charged_of: int = 0       # what those holds were for
    released: int = 0
    released_amount: int = 0


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _sum(condition: ColumnElement[bool], value: Any) -> ColumnElement[int]:
    return func.sum(case((condition, value), else_=0))


async def hold_totals(tx: AsyncSession, where: Sequence[ColumnElement[bool]]
                      ) -> list[HoldTotals]:
    """Totals per currency over the holds among the requests `where` selects."""
    status = PaymentRequest.status
    held = status == Status.AUTHORIZED.value
    charged = status.in_([s.value for s in SETTLED])
    was_authorised = exists().where(
        PaymentRequestEvent.payment_request_id == PaymentRequest.id,
        PaymentRequestEvent.to_status == Status.AUTHORIZED.value)
    released = status.in_([Status.CANCELLED.value, Status.EXPIRED.value]) & was_authorised
    paid = func.coalesce(PaymentRequest.amount_paid, PaymentRequest.amount)
    found = (await tx.execute(
        select(PaymentRequest.currency, _count(held), _sum(held, PaymentRequest.amount),
               _count(charged), _sum(charged, paid), _sum(charged, PaymentRequest.amount),
               _count(released), _sum(released, PaymentRequest.amount))
        .where(*where, PaymentRequest.capture_method == "manual")
        .group_by(PaymentRequest.currency).order_by(PaymentRequest.currency))).all()
    return [HoldTotals(str(currency), *(int(v or 0) for v in values))
            for currency, *values in found]
