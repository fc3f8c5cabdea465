"""The facts one receipt prints, read from the ledger as it is now (refunds included)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.payment_requests import charged
from paygate.domain.receipts import LineItem, Title, gst_total, lines_of, title_of
from paygate.domain.tax_ids import TaxId
from paygate.services.payments.ledger import clinic_label
from paygate.services.receipts.details import items_of
from paygate.services.receipts.profiles import tax_id_of
from paygate.store.database import as_utc
from paygate.store.models import (
    Clinic,
    ClinicReceiptProfile,
    PaymentReceiptDetail,
    PaymentRequest,
    Refund,
)


@dataclass(frozen=True)
class RefundLine:
    amount: int
    at: datetime


@dataclass(frozen=True)
class ReceiptDocument:
    request_id: str
    reference: str
    legal_name: str
    tax_id: TaxId | None
    gst_registered: bool
    address: str
    phone: str
    footer: str
    provider_name: str
    provider_number: str | None
    service_date: date
    lines: tuple[LineItem, ...]
    currency: str
    amount: int
    paid_at: datetime
    card_brand: str | None
    card_last4: str | None
    refunds: tuple[RefundLine, ...]
    time_zone: str | None

    @property
    def title(self) -> Title:
        return title_of(self.gst_registered, self.lines)

    @property
    def gst(self) -> int:
        return gst_total(self.lines)

    @property
    def refunded(self) -> int:
        return sum(refund.amount for refund in self.refunds)


async def document_of(tx: AsyncSession, row: PaymentRequest) -> ReceiptDocument:
    """The receipt of a paid request (the caller checked it is paid)."""
    assert row.paid_at is not None
    clinic = await tx.get(Clinic, row.clinic_id)
    profile = await tx.get(ClinicReceiptProfile, row.clinic_id)
    detail = await tx.get(PaymentReceiptDetail, row.id)
    refunds = (await tx.scalars(select(Refund).where(
        Refund.payment_request_id == row.id, Refund.status == "succeeded")
        .order_by(Refund.succeeded_at, Refund.created_at))).all()
    paid_at = as_utc(row.paid_at)
    return ReceiptDocument(
        request_id=row.id, reference=row.reference,
        legal_name=(profile.legal_name if profile else "") or clinic_label(clinic),
        tax_id=tax_id_of(profile), gst_registered=bool(profile and profile.gst_registered),
        address=profile.address if profile else "", phone=profile.phone if profile else "",
        footer=profile.footer if profile else "",
        provider_name=detail.provider_name if detail else row.requested_by_name,
        provider_number=detail.provider_number if detail else None,
        service_date=detail.service_date if detail else paid_at.date(),
        # A hold charged in part: one line of what was charged (its items were the hold's).
        lines=lines_of(items_of(detail) if charged(row.amount, row.amount_paid) == row.amount
                       else (), row.description, charged(row.amount, row.amount_paid)),
        currency=row.currency, amount=charged(row.amount, row.amount_paid), paid_at=paid_at,
        card_brand=row.card_brand, card_last4=row.card_last4,
        refunds=tuple(RefundLine(r.amount, as_utc(r.succeeded_at or r.updated_at))
                      for r in refunds),
        time_zone=clinic.time_zone if clinic else None)
