"""Stripe webhooks: verify, store in the inbox before acknowledging, then apply.

Handlers are registered per event type by the services that own the facts (payments,
Connect links). They must be idempotent: an event can arrive twice, late or out of order."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import select, update

from paygate.domain.errors import DomainError
from paygate.logs import log_event, log_outcome
from paygate.metrics import Metrics
from paygate.services.ports import PaymentGateway, configured
from paygate.store.database import Database, utcnow
from paygate.store.fast_path import FastPath, FastPathUnit, RowChanged
from paygate.store.models import WebhookEvent

logger = logging.getLogger("paygate.webhooks")

Handler = Callable[[dict[str, Any]], Awaitable[str]]
RETRY_WINDOW = timedelta(days=3)  # Stripe stops retrying a webhook after three days
UNIT_ATTEMPTS = 5  # then the event waits for the reconciler, as after any failure


@dataclass(frozen=True)
class Handled:
    """What a unit's handler did. `announce` runs once the unit's writes landed
    (publish the notice); `finish` is work that must happen outside it (a Stripe read):
    the event counts as processed only when `finish` returned its outcome."""

    outcome: str
    announce: Callable[[], Awaitable[object]] | None = None
    finish: Callable[[], Awaitable[str]] | None = None
    payment_request: str | None = None  # what it concerns, for the log line


TxHandler = Callable[[FastPathUnit, dict[str, Any]], Awaitable[Handled]]


class _Duplicate(Exception):
    """Raised inside the unit to leave it (SQLite: roll back): processed before."""


class _Owned(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def stripe_account_id(self) -> str: ...


RowT = TypeVar("RowT", bound=_Owned)


def matching(event: Mapping[str, Any], row: RowT | None) -> RowT | str:
    """The payment request an event names, if the event's account is the request's;
    else why the event is ignored (shared by the payment and refund handlers)."""
    if row is None:
        return "ignored_unknown_intent"
    if event.get("account") != row.stripe_account_id:
        log_event(logger, "webhook account does not match the request", logging.WARNING,
                  event_id=event.get("id"), payment_request=row.id)
        return "ignored_account_mismatch"
    return row


class WebhookService:
    def __init__(self, db: Database, events: FastPath, gateway: PaymentGateway | None,
                 metrics: Metrics | None = None) -> None:
        self._metrics = metrics
        self._db = db
        self._events = events
        self._gateway = gateway
        self._handlers: dict[str, Handler] = {}
        self._tx_handlers: dict[str, TxHandler] = {}
        self._checks_account: set[str] = set()

    def register(self, event_type: str, handler: Handler, *,
                 checks_account: bool = False) -> None:
        """`checks_account`: the handler itself ignores an event whose account is not the
        one of the row it concerns (answering "ignored_..."), so the up-front look-up of
        the account's link can be skipped; it is made only when the handler ignores."""
        self._handlers[event_type] = handler
        if checks_account:
            self._checks_account.add(event_type)

    def register_in_unit(self, event_type: str, handler: TxHandler) -> None:
        """A handler that applies the event in the unit that records it as processed
        (FastPath.unit): on PostgreSQL one read and one write per webhook on the hot
        path (payments). It must ignore, with an "ignored_..." outcome, an event whose
        account is not the one of the row it concerns, and may be run again if the row
        changed under it."""
        self._tx_handlers[event_type] = handler

    async def receive(self, payload: bytes, signature: str | None) -> str:
        """Verify and store; then process. Raises if processing failed (caller answers 5xx)."""
        started = time.perf_counter()
        kind, outcome = "unverified", "error"
        try:
            event = configured(self._gateway).verify_webhook(payload, signature)
            kind = str(event.get("type", ""))
            if kind in self._tx_handlers:
                outcome = await self._in_unit(event, payload, started)
            elif await self._store(event, payload) == "done":
                outcome = "duplicate"
            else:
                outcome = await self.process(event, payload)
            return outcome
        except DomainError as exc:
            outcome = exc.code
            raise
        finally:
            if self._metrics is not None:
                self._metrics.webhooks.labels(kind, outcome).inc()

    async def _store(self, event: dict[str, Any], payload: bytes) -> str:
        # One statement on the common path: insert unless the id is already stored. A
        # concurrent duplicate conflicts and returns nothing instead of raising.
        async with self._events.unit() as tx:
            return await tx.store_event(event, payload, utcnow())

    async def _in_unit(self, event: dict[str, Any], payload: bytes,
                       started: float | None = None) -> str:
        """Apply and mark processed as one unit; a duplicate of a processed event changes
        nothing. If applying fails, the event is kept for the reconciler."""
        handler = self._tx_handlers[str(event.get("type"))]
        try:
            applied = await self._apply_recorded(event, payload, handler)
        except Exception as exc:
            await self._store(event, payload)
            await self._failed(event, exc)
            raise
        if applied is None:
            return "duplicate"  # processed before, by a unit whose commit was durable
        handled = applied
        if handled.announce is not None:  # after the durable commit
            await handled.announce()
            if started is not None and self._metrics is not None:
                self._metrics.webhook_notice.observe(time.perf_counter() - started)
        if handled.finish is not None:
            return await self._run(event, handled.finish)
        self._processed(event, handled.outcome, handled.payment_request)
        return handled.outcome

    async def _apply_recorded(self, event: dict[str, Any], payload: bytes,
                              handler: TxHandler) -> Handled | None:
        """What the handler did; None for a duplicate. A unit whose request changed between
        its read and its write wrote nothing, and is redone from a fresh read."""
        for attempt in range(UNIT_ATTEMPTS):
            try:
                async with self._events.unit() as tx:
                    # Applied first, recorded last: a duplicate of a processed event finds
                    # its request already moved, and its record writes nothing.
                    handled = await self._apply_in(tx, event, handler)
                    done = handled.outcome if handled.finish is None else None
                    if not await tx.record_event(event, payload, utcnow(), done):
                        raise _Duplicate
                return handled
            except _Duplicate:
                return None
            except RowChanged:
                if attempt + 1 == UNIT_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    async def _apply_in(self, tx: FastPathUnit, event: dict[str, Any],
                        handler: TxHandler) -> Handled:
        assert self._gateway is not None
        if bool(event.get("livemode")) != self._gateway.livemode:
            return Handled("ignored_wrong_livemode")
        handled = await handler(tx, event)
        account = event.get("account")
        if account and handled.outcome.startswith("ignored_") \
                and not await tx.account_known(account):
            return Handled(self._unknown_account(event))
        return handled

    async def process(self, event: dict[str, Any], payload: bytes) -> str:
        """Apply a stored event and mark it processed (the reconciler's retries too)."""
        if str(event.get("type")) in self._tx_handlers:
            return await self._in_unit(event, payload)
        return await self._run(event, lambda: self._apply(event))

    async def _run(self, event: dict[str, Any], work: Callable[[], Awaitable[str]]) -> str:
        try:
            outcome = await work()
        except Exception as exc:
            await self._failed(event, exc)
            raise
        async with self._events.unit() as tx:
            await tx.mark_processed(event["id"], outcome, utcnow())
        self._processed(event, outcome)
        return outcome

    async def _failed(self, event: dict[str, Any], exc: Exception) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(update(WebhookEvent).where(WebhookEvent.id == event["id"]).values(
                attempts=WebhookEvent.attempts + 1, last_error=repr(exc)[:2000]))
        log_event(logger, "webhook processing failed", logging.ERROR,
                  event_id=event["id"], type=event.get("type"), error=repr(exc))

    @staticmethod
    def _processed(event: dict[str, Any], outcome: str,
                   payment_request: str | None = None) -> None:
        fields: dict[str, Any] = {"payment_request": payment_request} if payment_request else {}
        log_outcome(logger, "webhook processed", event_id=event["id"],
                    type=event.get("type"), account=event.get("account"), outcome=outcome,
                    **fields)

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
        async with self._events.unit() as tx:
            return await tx.account_known(account)

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
                await self.process(json.loads(row.payload), row.payload.encode())
                done += 1
            except Exception:  # noqa: S112 - process() logged it; the next pass retries
                continue
        return done
