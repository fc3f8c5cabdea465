"""Email outbox: emails are queued in the transaction that causes them and sent by a worker
that retries transient failures with backoff. One row per dedupe key, so one email per fact.

A kind may register a renderer: the worker then renders the email again from the facts at
send time (a receipt learns the card's last 4 digits after the payment was recorded)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.aio import wait_set
from paygate.logs import log_event
from paygate.services.ports import (
    Attachment,
    MailTransport,
    OutgoingEmail,
    PermanentMailError,
    TransientMailError,
)
from paygate.store.database import Database, utcnow
from paygate.store.models import OutboxEmail

logger = logging.getLogger("paygate.outbox")
LEASE = timedelta(seconds=60)
RECORD_ATTEMPTS = 6


@dataclass(frozen=True)
class Draft:
    kind: str
    dedupe_key: str
    to: str
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None
    clinic_id: str | None = None


Renderer = Callable[[OutboxEmail], Awaitable[Draft | None]]
# Files made at send time (a receipt's PDF), never stored in the outbox row.
Attacher = Callable[[OutboxEmail], Awaitable[tuple[Attachment, ...]]]


class Outbox:
    def __init__(self, db: Database, transport: MailTransport | None, sender: str,
                 domain: str = "paygate.local", max_attempts: int = 8,
                 base_delay: float = 2.0, poll_interval: float = 2.0) -> None:
        self._db = db
        self._transport = transport
        self._sender = sender
        self._domain = domain
        self.max_attempts = max_attempts
        self._base_delay = base_delay
        self._poll = poll_interval
        self._wake = asyncio.Event()
        self._renderers: dict[str, Renderer] = {}
        self._attachers: dict[str, Attacher] = {}

    def register_renderer(self, kind: str, renderer: Renderer) -> None:
        self._renderers[kind] = renderer

    def register_attachments(self, kind: str, attacher: Attacher) -> None:
        self._attachers[kind] = attacher

    async def _attachments(self, row: OutboxEmail) -> tuple[Attachment, ...]:
        """A kind's attachments; none when they cannot be made (the email still goes: the
        receipt stays downloadable, and a lost email is worse than a missing file)."""
        attacher = self._attachers.get(row.kind)
        if attacher is None:
            return ()
        try:
            return await attacher(row)
        except Exception:
            logger.exception("could not attach files to a %s email; sending it without",
                             row.kind)
            return ()

    def message_id(self, dedupe_key: str) -> str:
        digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]
        return f"<{digest}@{self._domain}>"

    async def enqueue(self, tx: AsyncSession, draft: Draft) -> bool:
        """Queue in the caller's transaction; False if this email was already queued."""
        insert = pg_insert if self._db.engine.dialect.name == "postgresql" else sqlite_insert
        queued = await tx.scalar(insert(OutboxEmail).values(**self.email_values(draft))
                                 .on_conflict_do_nothing().returning(OutboxEmail.id))
        return queued is not None

    def email_values(self, draft: Draft) -> dict[str, object]:
        """The outbox_emails row that queues `draft`, due now."""
        now = utcnow()
        return {"dedupe_key": draft.dedupe_key, "message_id": self.message_id(draft.dedupe_key),
                "kind": draft.kind, "clinic_id": draft.clinic_id, "to_addr": draft.to,
                "reply_to": draft.reply_to, "subject": draft.subject, "text_body": draft.text,
                "html_body": draft.html, "status": "pending", "attempts": 0,
                "next_attempt_at": now, "created_at": now}

    def wake(self) -> None:
        self._wake.set()

    async def resend(self, email_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(update(OutboxEmail).where(OutboxEmail.id == email_id).values(
                status="pending", attempts=0, next_attempt_at=utcnow(), last_error=None))
        self.wake()

    async def run(self) -> None:
        """The worker loop: send what is due, then sleep until woken or the poll interval."""
        while True:
            try:
                while await self.send_due() > 0:
                    pass
            except Exception:
                logger.exception("outbox pass failed")
            await wait_set(self._wake, self._poll)
            self._wake.clear()

    async def send_due(self, batch: int = 20) -> int:
        """Claim due emails (SKIP LOCKED on PostgreSQL), send them, record the outcome."""
        if self._transport is None:
            return 0
        now = utcnow()
        async with self._db.transaction() as tx:
            query = (select(OutboxEmail).where(OutboxEmail.status == "pending",
                                               OutboxEmail.next_attempt_at <= now)
                     .order_by(OutboxEmail.id).limit(batch))
            if not self._db.url.startswith("sqlite"):
                query = query.with_for_update(skip_locked=True)
            rows = list((await tx.scalars(query)).all())
            # Lease the claimed rows so another instance leaves them alone while we send.
            for row in rows:
                row.next_attempt_at = now + LEASE
        for row in rows:
            try:
                await self._send_one(row)
            except Exception:  # the database went away: the lease brings the row back
                logger.exception("could not record email %s; its lease will expire", row.id)
        return len(rows)

    async def _render(self, row: OutboxEmail) -> dict[str, object]:
        """The row's content as its renderer sees it now ({} keeps what was queued)."""
        renderer = self._renderers.get(row.kind)
        if renderer is None:
            return {}
        try:
            draft = await renderer(row)
        except Exception:  # the queued content is still a good email
            logger.exception("could not render a %s email again; sending it as queued",
                             row.kind)
            return {}
        if draft is None:
            return {}
        row.subject, row.text_body, row.html_body = draft.subject, draft.text, draft.html
        row.reply_to = draft.reply_to
        return {"subject": draft.subject, "text_body": draft.text, "html_body": draft.html,
                "reply_to": draft.reply_to}

    async def _send_one(self, row: OutboxEmail) -> None:
        """Send one row and record what happened; whatever fails is this row's attempt."""
        assert self._transport is not None
        values: dict[str, object] = await self._render(row)
        email = OutgoingEmail(to=row.to_addr, subject=row.subject, text=row.text_body,
                              html=row.html_body, message_id=row.message_id,
                              sender=self._sender, reply_to=row.reply_to,
                              attachments=await self._attachments(row))
        attempts = row.attempts + 1
        try:
            await self._transport.send(email)
            values |= {"status": "sent", "sent_at": utcnow(), "attempts": attempts,
                       "last_error": None}
            log_event(logger, "email sent", kind=row.kind, email_id=row.id)
        except PermanentMailError as exc:
            values |= {"status": "dead", "attempts": attempts, "last_error": str(exc)[:500]}
            log_event(logger, "email refused", logging.WARNING, kind=row.kind,
                      email_id=row.id, error=str(exc))
        except TransientMailError as exc:
            values |= self._deferred(row, attempts, str(exc))
        except Exception as exc:  # a transport's own bug: counted, retried, then given up
            values |= self._deferred(row, attempts, f"{type(exc).__name__}: {exc}")
        await self._record(row.id, values)

    def _deferred(self, row: OutboxEmail, attempts: int, error: str) -> dict[str, object]:
        dead = attempts >= self.max_attempts
        delay = self._base_delay * (2 ** (attempts - 1))
        log_event(logger, "email given up" if dead else "email deferred", logging.WARNING,
                  kind=row.kind, email_id=row.id, attempts=attempts, error=error)
        return {"status": "dead" if dead else "pending", "attempts": attempts,
                "last_error": error[:500],
                "next_attempt_at": utcnow() + timedelta(seconds=delay)}

    async def _record(self, email_id: int, values: dict[str, object]) -> None:
        """Write a send's outcome, retrying a lost database connection a few times: once
        the server took the email, forgetting that would send it again after the lease."""
        for attempt in range(RECORD_ATTEMPTS):
            try:
                async with self._db.transaction() as tx:
                    await tx.execute(update(OutboxEmail).where(OutboxEmail.id == email_id)
                                     .values(**values))
                return
            except DBAPIError:
                if attempt == RECORD_ATTEMPTS - 1:
                    raise
                logger.warning("could not record an email's outcome yet; retrying")
                await asyncio.sleep(0.2 * 2 ** attempt)
