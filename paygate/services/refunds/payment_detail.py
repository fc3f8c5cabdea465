"""One payment as an admin sees it: its facts, its refunds and its history (who moved it,
to what, when and why), oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from paygate.domain.errors import NotFound
from paygate.domain.principals import Principal
from paygate.services.payments.ledger import clinic_label
from paygate.services.payments.views import RequestView
from paygate.services.refunds.book import RefundBook
from paygate.services.refunds.views import RefundOverview
from paygate.store.database import Database, as_utc
from paygate.store.models import Clinic, PaymentRequest, PaymentRequestEvent


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    from_status: str | None
    to_status: str
    actor_kind: str  # user, stripe, system
    actor_id: str
    actor_name: str
    detail: str

    @property
    def is_note(self) -> bool:
        """A recorded action that did not change the status (e.g. a payment link sent)."""
        return self.from_status == self.to_status and not self.detail.startswith("refunded")


@dataclass(frozen=True)
class PaymentDetail:
    view: RequestView
    org_id: str
    clinic_id: str
    call_id: str
    requested_by: str
    receipt_email: str | None
    overview: RefundOverview
    history: list[HistoryEntry]
    application_fee: int = 0  # the platform's fee on this payment (minor units)


async def load_detail(db: Database, book: RefundBook, principal: Principal,
                      request_id: str) -> PaymentDetail:
    async with db.sessions() as tx:
        row = await tx.get(PaymentRequest, request_id)
        if row is None:
            raise NotFound("No such payment request.")
        principal.require_clinic_admin(row.org_id, row.clinic_id)
        clinic = await tx.get(Clinic, row.clinic_id)
        refunds = await book.refunds(tx, row.id)
        events = (await tx.scalars(select(PaymentRequestEvent).where(
            PaymentRequestEvent.payment_request_id == row.id).order_by(
            PaymentRequestEvent.created_at, PaymentRequestEvent.id))).all()
    return PaymentDetail(
        view=RequestView.of(row, clinic_label(clinic)), org_id=row.org_id,
        clinic_id=row.clinic_id, call_id=row.call_id, requested_by=row.requested_by,
        receipt_email=row.receipt_email, overview=RefundOverview.of(row, refunds),
        history=[HistoryEntry(at=as_utc(e.created_at), from_status=e.from_status,
                              to_status=e.to_status, actor_kind=e.actor_kind,
                              actor_id=e.actor_id, actor_name=e.actor_name, detail=e.detail)
                 for e in events],
        application_fee=row.application_fee_amount)
