"""Disputes: charge.dispute.created / .updated / .closed / .funds_withdrawn /
.funds_reinstated, recorded on the paid request they concern.

Each event is one dispute's news under its own event id, and Stripe repeats and reorders
them, so the dispute's state is read from Stripe on each one (the payload is used only
when Stripe does not answer, and then never an older event over a newer). A closed
dispute is never reopened by a late event. The payment's row is locked while a dispute
is recorded, so the first of two events at once inserts it and the second updates it:
one row, one history line per status, one email per address and fact."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate import i18n
from paygate.domain.disputes import OPEN, is_closed, may_change, reason_words, status_words
from paygate.domain.errors import AccountNotLinked, NotFound, PaymentProviderError
from paygate.domain.principals import Principal
from paygate.logs import log_event
from paygate.services.disputes.mail import CLOSED, OPENED, DisputeMail
from paygate.services.disputes.views import DisputeRow, DisputeView
from paygate.services.mail.outbox import Outbox
from paygate.services.ports import DisputeInfo, PaymentGateway, dispute_of
from paygate.services.webhooks.inbox import WebhookService
from paygate.store.database import Database, utcnow
from paygate.store.models import Clinic, Dispute, PaymentRequest, PaymentRequestEvent

logger = logging.getLogger("paygate.disputes")
EVENTS = ("charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
          "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated")


def _when(seconds: int | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


class DisputeService:
    def __init__(self, db: Database, gateway: PaymentGateway | None, outbox: Outbox,
                 public_url: str | None) -> None:
        self._db = db
        self._gateway = gateway
        self._mail = DisputeMail(outbox, public_url)

    def register_webhooks(self, webhooks: WebhookService) -> None:
        for event_type in EVENTS:
            webhooks.register(event_type, self._on_dispute)

    # -- queries ------------------------------------------------------------------------
    async def latest_for(self, request_ids: list[str]) -> dict[str, DisputeView]:
        """Each request's latest dispute (a charge may be disputed more than once)."""
        if not request_ids:
            return {}
        async with self._db.sessions() as tx:
            rows = (await tx.scalars(select(Dispute).where(
                Dispute.payment_request_id.in_(request_ids)).order_by(
                Dispute.created_at, Dispute.id))).all()
        return {row.payment_request_id: DisputeView.of(row) for row in rows}

    async def for_payment(self, request_id: str) -> list[DisputeView]:
        async with self._db.sessions() as tx:
            rows = (await tx.scalars(select(Dispute).where(
                Dispute.payment_request_id == request_id).order_by(Dispute.created_at))).all()
        return [DisputeView.of(row) for row in rows]

    async def list_for(self, who: Principal, clinic_id: str) -> list[DisputeRow]:
        """The clinic's disputes: open ones first (soonest deadline first), then closed
        ones, newest first."""
        async with self._db.sessions() as tx:
            clinic = await tx.get(Clinic, clinic_id)
            if clinic is None:
                raise NotFound(f"paygate does not know a clinic {clinic_id!r}.")
            who.require_clinic_admin(clinic.org_id, clinic.id)
            still_open = case((Dispute.status.in_(sorted(OPEN)), 0), else_=1)
            rows = (await tx.execute(
                select(Dispute, PaymentRequest).join(
                    PaymentRequest, PaymentRequest.id == Dispute.payment_request_id)
                .where(Dispute.clinic_id == clinic_id)
                .order_by(still_open, Dispute.evidence_due_by, Dispute.created_at.desc())
                .limit(500))).all()
        open_rows = [DisputeRow.of(d, p) for d, p in rows if d.status in OPEN]
        closed = sorted((DisputeRow.of(d, p) for d, p in rows if d.status not in OPEN),
                        key=lambda r: r.dispute.created_at, reverse=True)
        return open_rows + closed

    # -- Stripe's events ----------------------------------------------------------------
    async def _on_dispute(self, event: dict[str, Any]) -> str:
        obj = event.get("data", {}).get("object", {})
        account = event.get("account")
        if not isinstance(obj, dict) or not str(obj.get("id", "")).startswith("dp_") \
                or not account:
            return "ignored_malformed"
        try:
            assert self._gateway is not None
            info, fresh = await self._gateway.retrieve_dispute(account, obj["id"]), True
        except (PaymentProviderError, AccountNotLinked, NotFound):
            info, fresh = dispute_of(obj), False
        if not info.payment_intent:
            return "ignored_dispute_without_payment"
        outcome, mail = await self._record(info, account, int(event.get("created") or 0),
                                           fresh)
        if mail:
            self._mail.wake()
        if outcome.startswith("ignored_"):
            log_event(logger, "dispute not recorded", logging.INFO, event_id=event.get("id"),
                      dispute=info.id, outcome=outcome)
        return outcome

    async def _record(self, info: DisputeInfo, account: str, created: int,
                      fresh: bool) -> tuple[str, bool]:
        async with self._db.transaction() as tx:
            payment = await tx.scalar(select(PaymentRequest).where(
                PaymentRequest.payment_intent_id == info.payment_intent,
                PaymentRequest.stripe_account_id == account).with_for_update())
            if payment is None:
                return "ignored_unknown_payment", False
            clinic = await tx.get(Clinic, payment.clinic_id)
            assert clinic is not None
            row = await tx.get(Dispute, info.id)
            now = utcnow()
            if row is None:
                row = Dispute(id=info.id, payment_request_id=payment.id,
                              clinic_id=payment.clinic_id, account_id=account,
                              charge_id=info.charge, created_at=now, observed_at=0)
                _copy(row, info, now)
                row.observed_at = created
                tx.add(row)
                await tx.flush()
                self._note(tx, payment, row, "dispute opened: " + _summary(row))
                mail = await self._mail.queue(tx, OPENED, row, payment, clinic)
                if is_closed(row.status):
                    mail = await self._close(tx, row, payment, clinic, now) or mail
                return "dispute_opened", mail
            if (not fresh and row.observed_at > created) or not may_change(row.status,
                                                                             info.status):
                return "dispute_unchanged", False
            before = row.status
            _copy(row, info, now)
            row.observed_at = max(row.observed_at, created)
            if row.status == before:
                return "dispute_unchanged", False
            if not is_closed(row.status):
                self._note(tx, payment, row, f"dispute {status_words(row.status).lower()}")
                return "dispute_updated", False
            return "dispute_closed", await self._close(tx, row, payment, clinic, now)

    async def _close(self, tx: AsyncSession, row: Dispute, payment: PaymentRequest,
                     clinic: Clinic, now: datetime) -> bool:
        row.closed_at = row.closed_at or now
        self._note(tx, payment, row, f"dispute closed: {status_words(row.status).lower()}")
        return await self._mail.queue(tx, CLOSED, row, payment, clinic)

    @staticmethod
    def _note(tx: AsyncSession, payment: PaymentRequest, row: Dispute, detail: str) -> None:
        """A line in the payment's history (its status does not change)."""
        tx.add(PaymentRequestEvent(
            payment_request_id=payment.id, from_status=payment.status,
            to_status=payment.status, actor_kind="stripe", actor_id=row.id,
            actor_name="Stripe", detail=detail[:2000], created_at=utcnow()))


def _copy(row: Dispute, info: DisputeInfo, now: datetime) -> None:
    row.status, row.reason, row.amount = info.status, info.reason, info.amount
    row.currency, row.livemode = info.currency, info.livemode
    row.evidence_due_by = _when(info.evidence_due_by)
    row.charge_id = info.charge or row.charge_id
    row.updated_at = now


def _summary(row: Dispute) -> str:
    due = f", evidence due by {row.evidence_due_by:%Y-%m-%d %H:%M} UTC" \
        if row.evidence_due_by else ""
    amount = i18n.format_money(row.amount, row.currency, "en")
    return f"{reason_words(row.reason)}, {amount}, {status_words(row.status).lower()}{due}"
