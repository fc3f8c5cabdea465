"""The relay: payment requests' history -> signed POSTs to PAYGATE_EVENTS_URL.

Every status change already writes a history entry in the transaction that makes it (both
write paths, paygate.store.fast_path and the ledger), so the entry is the outbox: the relay
reads entries it has not planned yet, keeps one delivery row per entry (the entry's id), and
POSTs each until the host answers 2xx. The same webhook-id and body go out on every
attempt; backoff grows to hours and gives up after more than a day. The relay is its own
task with its own HTTP client: a slow host never slows a Stripe webhook or a socket notice.
Per-event ordering is not promised (a retried event can arrive after a later one)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.aio import wait_set
from paygate.domain.errors import Forbidden, NotFound
from paygate.domain.principals import Principal, Role
from paygate.logs import log_event
from paygate.services.host_events.payloads import body, event_type
from paygate.services.host_events.signing import EventSigner
from paygate.store.database import Database, as_utc, utcnow
from paygate.store.models import (
    Clinic,
    Dispute,
    HostEventDelivery,
    PaymentRequest,
    PaymentRequestEvent,
)

logger = logging.getLogger("paygate.host_events")
# Seconds before attempt n+1: about 29 hours in all, then the delivery is given up.
BACKOFF = (5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800, 28800)
LATE_COMMITS = 1000   # history ids below the newest planned one that may still commit
CARD_WAIT = timedelta(seconds=10)  # a paid event waits this long for the card's details
BATCH = 100
PARALLEL = 8


@dataclass(frozen=True)
class FailedDelivery:
    id: int
    webhook_id: str
    type: str
    payment_request_id: str | None
    given_up: bool
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime


class HostEventRelay:
    def __init__(self, db: Database, url: str, secrets: tuple[str, ...],
                 poll_interval: float = 1.0, timeout: float = 10.0) -> None:
        self._db = db
        self._url = url
        self._signer = EventSigner(secrets)
        self._poll = poll_interval
        self._timeout = timeout
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            while True:
                try:
                    await self.plan()
                    await self.send_due(client)
                except Exception as exc:  # the next pass retries; never kill the task
                    log_event(logger, "host event pass failed", logging.ERROR,
                              error=repr(exc))
                await wait_set(self._wake, self._poll)
                self._wake.clear()

    async def plan(self) -> int:
        """A delivery row for each history entry not planned yet (or skipped: not an
        event). The first pass starts from now: earlier history is not replayed."""
        async with self._db.transaction() as tx:
            newest = await tx.scalar(select(func.max(HostEventDelivery.id)))
            if newest is None:
                start = await tx.scalar(select(func.max(PaymentRequestEvent.id))) or 0
                tx.add(_row(start, "baseline", None, "skipped"))
                return 0
            planned = select(HostEventDelivery.id).where(
                HostEventDelivery.id > newest - LATE_COMMITS)
            entries = (await tx.scalars(
                select(PaymentRequestEvent)
                .where(PaymentRequestEvent.id > newest - LATE_COMMITS,
                       PaymentRequestEvent.id.not_in(planned))
                .order_by(PaymentRequestEvent.id).limit(BATCH))).all()
            for entry in entries:
                kind = event_type(entry)
                tx.add(_row(entry.id, kind or "", entry.payment_request_id,
                            "pending" if kind else "skipped"))
            return len(entries)

    async def send_due(self, client: httpx.AsyncClient) -> int:
        now = utcnow()
        async with self._db.sessions() as tx:
            due = (await tx.scalars(select(HostEventDelivery.id).where(
                HostEventDelivery.status == "pending",
                HostEventDelivery.next_attempt_at <= now)
                .order_by(HostEventDelivery.id).limit(BATCH))).all()
        limit = asyncio.Semaphore(PARALLEL)

        async def one(delivery_id: int) -> None:
            async with limit:
                await self._attempt(client, delivery_id)

        await asyncio.gather(*(one(i) for i in due))
        return len(due)

    async def _attempt(self, client: httpx.AsyncClient, delivery_id: int) -> None:
        async with self._db.transaction() as tx:
            row = await tx.get(HostEventDelivery, delivery_id)
            if row is None or row.status != "pending":
                return
            if not row.body:
                built = await self._build(tx, row)
                if built is None:
                    return
                row.body = built.decode()
            payload = row.body.encode()
            # Leased: another worker's pass skips it until this attempt is recorded.
            row.next_attempt_at = utcnow() + timedelta(seconds=self._timeout + 30)
        error = await self._post(client, row.webhook_id, payload)
        async with self._db.transaction() as tx:
            row = await tx.get(HostEventDelivery, delivery_id)
            if row is None:
                return
            row.attempts += 1
            if error is None:
                row.status, row.delivered_at, row.last_error = "delivered", utcnow(), None
                return
            row.last_error = error[:1000]
            if row.attempts > len(BACKOFF):
                row.status = "dead"
                log_event(logger, "host event given up", logging.WARNING,
                          webhook_id=row.webhook_id, type=row.type, error=error)
            else:
                row.next_attempt_at = utcnow() + timedelta(seconds=BACKOFF[row.attempts - 1])

    async def _build(self, tx: AsyncSession, row: HostEventDelivery) -> bytes | None:
        entry = await tx.get(PaymentRequestEvent, row.id)
        request = await tx.get(PaymentRequest, row.payment_request_id or "")
        if entry is None or request is None:
            row.status = "skipped"
            return None
        if row.type == "payment_request.paid" and request.card_last4 is None \
                and utcnow() - as_utc(row.created_at) < CARD_WAIT:
            return None  # the charge's card details usually follow within moments
        clinic = await tx.get(Clinic, request.clinic_id)
        dispute = await tx.get(Dispute, entry.actor_id) \
            if row.type == "payment_request.disputed" else None
        return body(row.type, entry, request, clinic, as_utc(entry.created_at), dispute)

    async def _post(self, client: httpx.AsyncClient, webhook_id: str,
                    payload: bytes) -> str | None:
        """None when the host took it (2xx), else what went wrong."""
        headers = self._signer.headers(webhook_id, int(utcnow().timestamp()), payload)
        try:
            response = await client.post(self._url, content=payload, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

    # -- operators ------------------------------------------------------------------------
    async def failed(self, who: Principal) -> list[FailedDelivery]:
        who.require_role(Role.OPERATOR)
        async with self._db.sessions() as tx:
            rows = (await tx.scalars(select(HostEventDelivery).where(
                (HostEventDelivery.status == "dead")
                | ((HostEventDelivery.status == "pending") & (HostEventDelivery.attempts > 0)))
                .order_by(HostEventDelivery.id.desc()).limit(200))).all()
        return [FailedDelivery(
            id=r.id, webhook_id=r.webhook_id, type=r.type,
            payment_request_id=r.payment_request_id, given_up=r.status == "dead",
            attempts=r.attempts, last_error=r.last_error, created_at=as_utc(r.created_at),
            next_attempt_at=as_utc(r.next_attempt_at)) for r in rows]

    async def redeliver(self, who: Principal, delivery_id: int) -> None:
        """Send again now, same webhook-id and body, attempts counted afresh."""
        if who.role is not Role.OPERATOR:
            raise Forbidden("Only operators redeliver host events.")
        async with self._db.transaction() as tx:
            done = await tx.execute(update(HostEventDelivery).where(
                HostEventDelivery.id == delivery_id,
                HostEventDelivery.status.in_(("dead", "pending")),
                HostEventDelivery.type != "").values(
                status="pending", attempts=0, next_attempt_at=utcnow()))
        if not done.rowcount:  # type: ignore[attr-defined]
            raise NotFound("No such undelivered event.")
        log_event(logger, "host event redelivered by an operator", delivery_id=delivery_id,
                  user=who.user_id)
        self.wake()


def _row(entry_id: int, kind: str, request_id: str | None, status: str) -> HostEventDelivery:
    now = utcnow()
    return HostEventDelivery(id=entry_id, webhook_id=f"msg_{secrets.token_hex(12)}", type=kind,
                             payment_request_id=request_id, body="", status=status,
                             attempts=0, next_attempt_at=now, created_at=now)
