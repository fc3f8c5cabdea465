"""Stripe's word on a payment request: webhook events, reads of the PaymentIntent, and the
card details and receipt that follow a payment.

The webhook hot path decides from the event where the event can decide: a
`payment_intent.succeeded` or `.canceled` whose object says so is final at Stripe, and a
progress event (`processing`, `requires_action`, `payment_failed`) is the first news of a
request nothing has moved yet. Those are applied straight from the event, so the clinician's
"payment received" waits for no Stripe round trip. Otherwise (the object disagrees with the
event type or the request, or a progress event reaches a request that already moved and may
be stale) the PaymentIntent is re-read from Stripe on the event's account. Either way only
forward moves are applied, so duplicates and any arrival order end in the same state.

The card's brand and last 4 come from `charge.succeeded` (which carries them) or a re-read;
the receipt is queued with the paid status and rendered again when the outbox sends it."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from paygate.domain.errors import DomainError
from paygate.domain.payment_requests import HELD, OPEN, SETTLED, Status
from paygate.logs import log_event
from paygate.services.mail.outbox import Draft, Outbox
from paygate.services.payments.ledger import RequestLedger, stripe_actor
from paygate.services.payments.views import RequestView
from paygate.services.ports import IntentInfo, PaymentGateway, as_mapping, configured
from paygate.services.webhooks.inbox import Handled, WebhookService, matching
from paygate.store.database import Database, as_utc
from paygate.store.fast_path import FastPathUnit, RequestRow
from paygate.store.models import OutboxEmail, PaymentRequest

logger = logging.getLogger("paygate.payments")

# Event type -> the intent status its object must show for the event to decide alone.
FINAL_EVENTS = {"payment_intent.succeeded": "succeeded",
                "payment_intent.canceled": "canceled"}
PROGRESS_EVENTS = {"payment_intent.processing": "processing",
                   "payment_intent.requires_action": "requires_action",
                   "payment_intent.payment_failed": "requires_payment_method",
                   "payment_intent.amount_capturable_updated": "requires_capture"}
INTENT_EVENTS = (*FINAL_EVENTS, *PROGRESS_EVENTS)
RECEIPT_KEY = "receipt:"  # receipts.ReceiptWriter's dedupe key: one receipt per request


@dataclass(frozen=True)
class Outcome:
    """What a background pass did to one request."""

    request_id: str
    reference: str
    status: str


def card_of(obj: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Brand and last 4 from a PaymentIntent or Charge object, where it carries them
    (a charge always does; an intent only with payment_method or latest_charge expanded)."""
    for card in (as_mapping(as_mapping(obj.get("payment_method_details")).get("card")),
                 as_mapping(as_mapping(obj.get("payment_method")).get("card")),
                 as_mapping(as_mapping(as_mapping(obj.get("latest_charge")).get("payment_method_details")
                             ).get("card"))):
        if card.get("last4"):
            return (str(card["brand"]) if card.get("brand") else None), str(card["last4"])
    return None, None


def intent_from_object(obj: Mapping[str, Any]) -> IntentInfo:
    """The IntentInfo an event's PaymentIntent object describes."""
    brand, last4 = card_of(obj)
    error = as_mapping(obj.get("last_payment_error"))
    metadata = as_mapping(obj.get("metadata"))
    return IntentInfo(
        id=str(obj.get("id")), status=str(obj.get("status")),
        amount=int(obj.get("amount") or 0), currency=str(obj.get("currency") or ""),
        amount_received=int(obj.get("amount_received") or 0), card_brand=brand,
        card_last4=last4, failure_message=error.get("message") or None,
        metadata={str(k): str(v) for k, v in metadata.items()},
        created=int(obj.get("created") or 0),
        application_fee_amount=int(obj.get("application_fee_amount") or 0),
        cancellation_reason=obj.get("cancellation_reason") or None,
    )


def decided_by_event(event_type: str, obj: Mapping[str, Any],
                     row: RequestRow) -> IntentInfo | None:
    """The intent as the event shows it, if the event alone can decide; None to re-read."""
    expected = FINAL_EVENTS.get(event_type) or PROGRESS_EVENTS.get(event_type)
    if expected is None or obj.get("status") != expected:
        return None
    if obj.get("amount") != row.amount or str(obj.get("currency", "")).lower() != row.currency:
        return None
    if event_type in PROGRESS_EVENTS and Status(row.status) is not Status.REQUESTED:
        return None  # an earlier attempt's news may arrive after a later attempt's
    return intent_from_object(obj)


class Settlement:
    def __init__(self, db: Database, gateway: PaymentGateway | None,
                 ledger: RequestLedger, outbox: Outbox) -> None:
        self._db = db
        self._gateway = gateway
        self._ledger = ledger

    def register(self, webhooks: WebhookService) -> None:
        # Both handlers match the event's account to the request's before anything else,
        # and apply in the transaction that stores the event.
        for event_type in INTENT_EVENTS:
            webhooks.register_in_unit(event_type, self.on_intent_event)
        webhooks.register_in_unit("charge.succeeded", self.on_charge_succeeded)

    def gateway(self) -> PaymentGateway:
        return configured(self._gateway)

    # -- webhooks -----------------------------------------------------------------------
    async def on_intent_event(self, tx: FastPathUnit, event: dict[str, Any]) -> Handled:
        obj = as_mapping(as_mapping(event.get("data")).get("object"))
        intent_id = obj.get("id")
        if not isinstance(intent_id, str) or not intent_id:
            return Handled("ignored_no_intent")
        event_type, actor = str(event.get("type")), stripe_actor(str(event["id"]))
        found = matching(event, await tx.request_by_intent(intent_id))
        if isinstance(found, str):
            return Handled(found)
        row = found
        intent = decided_by_event(event_type, obj, row)
        if intent is None:  # read Stripe outside the transaction, then apply what it says
            async def reread() -> str:
                read = await self.gateway().retrieve_payment_intent(row.stripe_account_id,
                                                                    str(intent_id))
                view = await self._ledger.apply_intent(row.id, read, actor, event_type)
                return view.status if view is not None and view.status != row.status \
                    else "unchanged"
            return Handled("pending", finish=reread)
        applied = await self._ledger.apply_in_event(tx, row, intent, actor, event_type)
        if applied is None or applied.row.status == row.status:
            return Handled("unchanged", payment_request=row.id)
        # The webhook's own log line names the request and its new status.
        return Handled(applied.row.status, payment_request=row.id,
                       announce=lambda: self._ledger.after_apply(applied, log=False))

    async def on_charge_succeeded(self, tx: FastPathUnit, event: dict[str, Any]) -> Handled:
        """A successful charge names its card: keep brand and last 4 for the request."""
        obj = as_mapping(as_mapping(event.get("data")).get("object"))
        intent_id = obj.get("payment_intent")
        if not isinstance(intent_id, str) or not intent_id:
            return Handled("ignored_no_intent")
        brand, last4 = card_of(obj)
        found = matching(event, await tx.request_by_intent(intent_id))
        if isinstance(found, str):
            return Handled(found)
        if last4 is None or obj.get("status") != "succeeded":
            return Handled("unchanged")
        filled = await self._ledger.fill_card_in_event(tx, found, brand, last4)
        if filled is None:
            return Handled("unchanged", payment_request=found.id)
        return Handled("card_recorded", payment_request=found.id,
                       announce=lambda: self._ledger.after_fill(filled))

    # -- reads of the PaymentIntent -------------------------------------------------------
    async def read_and_apply(self, row: PaymentRequest, detail: str = "read from Stripe"
                             ) -> RequestView | None:
        """Re-read the request's intent and apply it; a settled request without its card
        details gets them. Raises DomainError if Stripe cannot be read."""
        if not row.payment_intent_id:
            return None
        intent = await self.gateway().retrieve_payment_intent(row.stripe_account_id,
                                                              row.payment_intent_id)
        return await self.apply_read(row, intent, detail)

    async def apply_read(self, row: PaymentRequest, intent: IntentInfo,
                         detail: str) -> RequestView | None:
        view = None
        # A hold (authorized) is as open to Stripe's word as a request: captured or
        # cancelled elsewhere (the dashboard, another tab), it must not stay "held".
        if Status(row.status) in OPEN | HELD:
            view = await self._ledger.apply_intent(row.id, intent, stripe_actor(intent.id),
                                                   detail)
        if (intent.status == "succeeded" and intent.card_last4
                and intent.card_last4 != row.card_last4):
            await self._ledger.fill_card(row.id, intent.card_brand, intent.card_last4)
        return view

    async def complete_card(self, row: PaymentRequest) -> None:
        """A paid request whose card is not known yet: ask Stripe, best effort."""
        if row.card_last4 or Status(row.status) not in SETTLED or self._gateway is None:
            return
        try:
            await self.read_and_apply(row)
        except DomainError as exc:
            log_event(logger, "could not read the card of a payment", logging.WARNING,
                      payment_request=row.id, error=exc.message)

    async def settle_stale(self, stale_before: datetime, limit: int = 500) -> list[Outcome]:
        """Open requests without news since `stale_before`: read their intents from Stripe
        (one list per account, a read per intent that succeeded for its card) and apply."""
        if self._gateway is None:
            return []
        async with self._db.sessions() as tx:
            rows = list((await tx.scalars(select(PaymentRequest).where(
                PaymentRequest.status.in_([s.value for s in OPEN | HELD]),
                PaymentRequest.payment_intent_id.is_not(None),
                PaymentRequest.updated_at <= stale_before)
                .order_by(PaymentRequest.updated_at).limit(limit))).all())
        by_account: dict[str, list[PaymentRequest]] = defaultdict(list)
        for row in rows:
            by_account[row.stripe_account_id].append(row)
        outcomes: list[Outcome] = []
        for account, group in by_account.items():
            since = min(as_utc(r.created_at) for r in group) - timedelta(minutes=10)
            try:
                listed = {i.id: i for i in await self._gateway.list_payment_intents(
                    account, int(since.timestamp()))}
            except DomainError as exc:
                log_event(logger, "could not list an account's payments", logging.WARNING,
                          account=account, error=exc.message)
                continue
            for row in group:
                outcome = await self._settle_one(row, listed.get(row.payment_intent_id or ""))
                if outcome is not None:
                    outcomes.append(outcome)
        return outcomes

    async def _settle_one(self, row: PaymentRequest, intent: IntentInfo | None
                          ) -> Outcome | None:
        assert self._gateway is not None and row.payment_intent_id is not None
        try:
            if intent is None or intent.status == "succeeded":  # the read has the card
                intent = await self._gateway.retrieve_payment_intent(row.stripe_account_id,
                                                                     row.payment_intent_id)
            view = await self.apply_read(row, intent, "reconciled with Stripe")
        except DomainError as exc:
            log_event(logger, "could not reconcile a payment request", logging.WARNING,
                      payment_request=row.id, error=exc.message)
            return None
        if view is None or view.status == row.status:
            return None
        return Outcome(row.id, row.reference, view.status)

    # -- the receipt at send time ---------------------------------------------------------
    async def render_receipt(self, email: OutboxEmail) -> Draft | None:
        """The outbox's renderer for receipts: from the request as it is now."""
        if not email.dedupe_key.startswith(RECEIPT_KEY):
            return None
        request_id = email.dedupe_key[len(RECEIPT_KEY):]
        async with self._db.sessions() as tx:
            row = await tx.get(PaymentRequest, request_id)
        if row is None:
            return None
        if not row.card_last4:
            await self.complete_card(row)
        async with self._db.sessions() as tx:
            fresh = await tx.get(PaymentRequest, request_id)
            assert fresh is not None
            return await self._ledger.receipt_draft(tx, fresh)
