"""Figures for operators' metrics that the database holds: how many payment requests moved
into each status (from their history), and what waits in the outboxes."""

from __future__ import annotations

from sqlalchemy import func, select

from paygate.store.database import Database
from paygate.store.models import HostEventDelivery, OutboxEmail, PaymentRequestEvent


async def status_moves(db: Database) -> dict[str, int]:
    """Moves into each status (a note in the history, same status both sides, is none)."""
    async with db.sessions() as tx:
        rows = (await tx.execute(
            select(PaymentRequestEvent.to_status, func.count())
            .where((PaymentRequestEvent.from_status.is_(None))
                   | (PaymentRequestEvent.from_status != PaymentRequestEvent.to_status))
            .group_by(PaymentRequestEvent.to_status))).all()
    return {status: count for status, count in rows}


async def outbox_pending(db: Database) -> dict[str, int]:
    """Emails by kind, and host events (kind `host_event`), still to go out."""
    async with db.sessions() as tx:
        emails = (await tx.execute(
            select(OutboxEmail.kind, func.count()).where(OutboxEmail.status == "pending")
            .group_by(OutboxEmail.kind))).all()
        events = await tx.scalar(select(func.count()).select_from(HostEventDelivery).where(
            HostEventDelivery.status == "pending"))
    found = {kind: count for kind, count in emails}
    if events:
        found["host_event"] = events
    return found
