"""Stripe webhooks: verify, store in the inbox before acknowledging, then apply.

Handlers are registered per event type by the services that own the facts (payments,
Connect links). They must be idempotent: an event can arrive twice, late or out of order."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from paygate.domain.errors import PaymentProviderError
from paygate.logs import log_event
from paygate.services.ports import PaymentGateway
from paygate.store.database import Database, utcnow
from paygate.store.models import StripeAccountLink, WebhookEvent

logger = logging.getLogger("paygate.webhooks")

Handler = Callable[[dict[str, Any]], Awaitable[str]]
RETRY_WINDOW = timedelta(days=3)  # Stripe stops retrying a webhook after three days


class WebhookService:
    def __init__(self, db: Database, gateway: PaymentGateway | None) -> None:
        self._db = db
        self._gateway = gateway
        self._handlers: dict[str, Handler] = {}
        self._checks_account: set[str] = set()

    def register(self, event_type: str, handler: Handler, *,
                 checks_account: bool = False) -> None:
        """`checks_account`: the handler itself ignores an event whose account is not the
        one of the row it concerns (answering "ignored_..."), so the up-front look-up of
        the account's link can be skipped; it is made only when the handler ignores."""
        self._handlers[event_type] = handler
        if checks_account:
            self._checks_account.add(event_type)

    async def receive(self, payload: bytes, signature: str | None) -> str:
        """Verify and store; then process. Raises if processing failed (caller answers 5xx)."""
        if self._gateway is None:
            raise PaymentProviderError("Stripe is not configured on this paygate.")
        event = self._gateway.verify_webhook(payload, signature)
        stored = await self._store(event, payload)
        if stored == "done":
            return "duplicate"
        return await self.process(event)

    async def _store(self, event: dict[str, Any], payload: bytes) -> str:
        # One statement on the common path: insert unless the id is already stored. A
        # concurrent duplicate conflicts and returns nothing instead of raising.
        insert = pg_insert if self._db.engine.dialect.name == "postgresql" else sqlite_insert
        async with self._db.transaction() as tx:
            inserted = await tx.scalar(insert(WebhookEvent).values(
                id=event["id"], type=str(event.get("type", "")),
                account=event.get("account"), livemode=bool(event.get("livemode")),
                payload=payload.decode("utf-8"), received_at=utcnow(), attempts=0,
            ).on_conflict_do_nothing(index_elements=["id"]).returning(WebhookEvent.id))
            if inserted is not None:
                return "new"
            processed_at = await tx.scalar(select(WebhookEvent.processed_at).where(
                WebhookEvent.id == event["id"]))
        return "done" if processed_at is not None else "pending"

    async def process(self, event: dict[str, Any]) -> str:
        event_id = event["id"]
        try:
            outcome = await self._apply(event)
        except Exception as exc:
            async with self._db.transaction() as tx:
                await tx.execute(update(WebhookEvent).where(WebhookEvent.id == event_id).values(
                    attempts=WebhookEvent.attempts + 1, last_error=repr(exc)[:2000]))
            log_event(logger, "webhook processing failed", logging.ERROR,
                      event_id=event_id, type=event.get("type"), error=repr(exc))
            raise
        async with self._db.transaction() as tx:
            await tx.execute(update(WebhookEvent).where(WebhookEvent.id == event_id).values(
                attempts=WebhookEvent.attempts + 1, processed_at=utcnow(), outcome=outcome,
                last_error=None))
        log_event(logger, "webhook processed", event_id=event_id, type=event.get("type"),
                  account=event.get("account"), outcome=outcome)
        return outcome

    async def _apply(self, event: dict[str, Any]) -> str:
        assert self._gateway is not None
        if bool(event.get("livemode")) != self._gateway.livemode:
            return "ignored_wrong_livemode"
        event_type = str(event.get("type"))
        handler = self._handlers.get(event_type)
        if handler is None:
            return "ignored_type"
        account = event.get("account")
        if event_type in self._checks_account:
            outcome = await handler(event)
            if account and outcome.startswith("ignored_") \
                    and not await self._known_account(account):
                return self._unknown_account(event)
            return outcome
        if account and not await self._known_account(account):
            return self._unknown_account(event)
        return await handler(event)

    @staticmethod
    def _unknown_account(event: dict[str, Any]) -> str:
        log_event(logger, "webhook for an unknown account", logging.WARNING,
                  event_id=event["id"], account=event.get("account"))
        return "ignored_unknown_account"

    async def _known_account(self, account: str) -> bool:
        async with self._db.sessions() as tx:
            found = await tx.scalar(select(StripeAccountLink.id).where(
                StripeAccountLink.account_id == account).limit(1))
        return found is not None

    async def retry_pending(self, limit: int = 100, min_age: float = 0.0) -> int:
        """Re-apply stored events whose processing failed or was cut short (the process
        died), received at least `min_age` seconds ago and less than Stripe's own retry
        window ago. The reconciler calls this."""
        now = utcnow()
        async with self._db.sessions() as tx:
            rows = (await tx.scalars(select(WebhookEvent).where(
                WebhookEvent.processed_at.is_(None),
                WebhookEvent.received_at <= now - timedelta(seconds=min_age),
                WebhookEvent.received_at > now - RETRY_WINDOW)
                .order_by(WebhookEvent.received_at).limit(limit))).all()
        done = 0
        for row in rows:
            try:
                await self.process(json.loads(row.payload))
                done += 1
            except Exception:  # noqa: S112 - process() logged it; the next pass retries
                continue
        return done
