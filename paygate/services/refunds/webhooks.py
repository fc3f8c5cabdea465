"""Stripe's word on refunds: `charge.refunded` (the charge's refunded total, and its refunds
where the event carries them), `refund.created` / `refund.updated` / `refund.failed`.

A refund paygate made is matched by the `paygate_refund_id` in its metadata, so its history
row keeps the person who made it; one made elsewhere (the Stripe Dashboard) is recorded as
Stripe's. Duplicates and any order give the same result: totals only grow, statuses only
move forward, and the receipt is keyed by Stripe's refund id."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.errors import Conflict
from paygate.domain.money import Money
from paygate.domain.payment_requests import SETTLED, Status
from paygate.domain.refunds import RefundStatus
from paygate.logs import log_event
from paygate.services.payments.ledger import RequestLedger, stripe_actor
from paygate.services.ports import as_mapping
from paygate.services.refunds.book import Changed, RefundBook
from paygate.services.webhooks.inbox import WebhookService, matching
from paygate.store.database import Database
from paygate.store.models import PaymentRequest, Refund

logger = logging.getLogger("paygate.refunds")

REFUND_EVENTS = ("refund.created", "refund.updated", "refund.failed",
                 "charge.refund.updated")
AfterCommit = Callable[[PaymentRequest, Changed], Awaitable[None]]




class RefundWebhooks:
    def __init__(self, db: Database, ledger: RequestLedger, book: RefundBook,
                 after_commit: AfterCommit) -> None:
        self._db = db
        self._ledger = ledger
        self._book = book
        self._after_commit = after_commit

    def register(self, webhooks: WebhookService) -> None:
        # Both handlers match the event's account to the request's before anything else.
        webhooks.register("charge.refunded", self.on_charge_refunded, checks_account=True)
        for event_type in REFUND_EVENTS:
            webhooks.register(event_type, self.on_refund, checks_account=True)

    async def on_refund(self, event: dict[str, Any]) -> str:
        obj = as_mapping(as_mapping(event.get("data")).get("object"))
        found = await self._row_for(event, obj.get("payment_intent"))
        if isinstance(found, str):
            return found
        async with self._db.transaction() as tx:
            row = await self._ledger.lock(tx, found.id)
            self._check_settled(row)
            changed = await self._book.from_stripe(tx, row, obj, str(event["id"]))
        await self._after_commit(row, changed)
        return self._outcome(row, changed)

    async def on_charge_refunded(self, event: dict[str, Any]) -> str:
        charge = as_mapping(as_mapping(event.get("data")).get("object"))
        if charge.get("captured") is False:
            # A hold released before it was charged: Stripe marks the uncaptured charge
            # refunded, but no money moved. The intent's own canceled event closes it.
            return "hold_released"
        found = await self._row_for(event, charge.get("payment_intent"))
        if isinstance(found, str):
            return found
        event_id = str(event["id"])
        async with self._db.transaction() as tx:
            row = await self._ledger.lock(tx, found.id)
            self._check_settled(row)
            changed = Changed()
            for refund in as_mapping(charge.get("refunds")).get("data") or []:
                changed.add(await self._book.from_stripe(tx, row, as_mapping(refund), event_id))
            # A hold captured in part: Stripe counts the released rest as refunded too.
            released = int(charge.get("amount") or 0) - int(charge.get("amount_captured") or 0) \
                if charge.get("captured") and row.capture_method == "manual" else 0
            total = int(charge.get("amount_refunded") or 0) - max(released, 0)
            if total > row.amount_refunded:
                if await self._has_pending(tx, row.id):
                    # Ours, most likely, and its own answer or event will name it (and who
                    # made it); counting it now would lose that.
                    log_event(logger, "refund total deferred to a pending refund",
                              payment_request=row.id, event_id=event_id)
                else:
                    changed.add(await self._book.apply_total(
                        tx, row, total, stripe_actor(event_id),
                        f"refunded at Stripe: {Money(total, row.currency).format()} in all"))
        await self._after_commit(row, changed)
        return self._outcome(row, changed)

    @staticmethod
    def _outcome(row: PaymentRequest, changed: Changed) -> str:
        if changed.status:
            return row.status
        return "refund_recorded" if changed.receipts else "unchanged"

    @staticmethod
    def _check_settled(row: PaymentRequest) -> None:
        if Status(row.status) not in SETTLED:
            # The payment's own event has not been applied yet: fail, so the inbox and
            # Stripe's retries bring this refund back once it has.
            raise Conflict("A refund arrived before its payment was recorded as paid.")

    @staticmethod
    async def _has_pending(tx: AsyncSession, request_id: str) -> bool:
        found = await tx.scalar(select(Refund.id).where(
            Refund.payment_request_id == request_id,
            Refund.status == RefundStatus.PENDING).limit(1))
        return found is not None

    async def _row_for(self, event: Mapping[str, Any], intent_id: Any
                       ) -> PaymentRequest | str:
        if not isinstance(intent_id, str) or not intent_id:
            return "ignored_no_intent"
        async with self._db.sessions() as tx:
            row = await tx.scalar(select(PaymentRequest).where(
                PaymentRequest.payment_intent_id == intent_id))
        return matching(event, row)
