"""Disputes in reports: per currency, how much of the reported payments was disputed and
how much was lost; per payment (the CSV), its disputed and lost amounts and latest status.
A lost dispute is money the clinic no longer has, though the payment's own status stays
paid (Stripe keeps the charge succeeded)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from paygate.domain.disputes import LOST
from paygate.store.models import Dispute, PaymentRequest


@dataclass(frozen=True)
class DisputeTotals:
    currency: str
    count: int      # disputes of the reported payments
    disputed: int   # minor units
    lost: int       # minor units of the lost ones


@dataclass(frozen=True)
class DisputeCells:
    """One payment's disputes, for its CSV row."""

    status: str = ""
    disputed: int = 0
    lost: int = 0


_LOST = func.sum(case((Dispute.status == LOST, Dispute.amount), else_=0))


async def dispute_totals(tx: AsyncSession, where: Sequence[ColumnElement[bool]]
                         ) -> list[DisputeTotals]:
    """Totals per currency over the payments `where` selects."""
    found = (await tx.execute(
        select(Dispute.currency, func.count(), func.sum(Dispute.amount), _LOST)
        .join(PaymentRequest, PaymentRequest.id == Dispute.payment_request_id)
        .where(*where).group_by(Dispute.currency).order_by(Dispute.currency))).all()
    return [DisputeTotals(str(cur), int(n), int(amount or 0), int(lost or 0))
            for cur, n, amount, lost in found]


async def dispute_cells(tx: AsyncSession, request_ids: Sequence[str]
                        ) -> dict[str, DisputeCells]:
    if not request_ids:
        return {}
    rows = (await tx.execute(
        select(Dispute.payment_request_id, Dispute.status, Dispute.amount)
        .where(Dispute.payment_request_id.in_(request_ids))
        .order_by(Dispute.created_at, Dispute.id))).all()
    cells: dict[str, DisputeCells] = {}
    for request_id, status, amount in rows:
        had = cells.get(request_id, DisputeCells())
        cells[request_id] = DisputeCells(
            status=str(status), disputed=had.disputed + int(amount),
            lost=had.lost + (int(amount) if status == LOST else 0))
    return cells
