"""Each payment request's receipt details: the date of service, the provider and their
number when it was requested, and the line items. Kept in paygate only: never sent to
Stripe (they can be clinical)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.receipts import LineItem, check_items, check_service_date
from paygate.domain.time_zones import zone_info
from paygate.store.database import utcnow
from paygate.store.models import Clinic, PaymentReceiptDetail


@dataclass(frozen=True)
class DetailInput:
    """What the clinician's Request Payment may add for the receipt."""

    items: tuple[LineItem, ...] = ()
    service_date: date | None = None


def clinic_today(clinic: Clinic | None, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(zone_info(clinic.time_zone if clinic else None)).date()


def checked(detail: DetailInput, amount: int, clinic: Clinic | None) -> DetailInput:
    """The details checked against the amount and the clinic's today (default: today)."""
    today = clinic_today(clinic)
    when = check_service_date(detail.service_date, today) if detail.service_date else today
    return DetailInput(check_items(detail.items, amount), when)


async def record(tx: AsyncSession, request_id: str, detail: DetailInput, provider_name: str,
                 provider_number: str | None) -> None:
    """Once per request: a repeat of the same request (a double click) keeps the first."""
    if await tx.get(PaymentReceiptDetail, request_id) is not None:
        return
    assert detail.service_date is not None
    tx.add(PaymentReceiptDetail(
        payment_request_id=request_id, service_date=detail.service_date,
        provider_name=provider_name, provider_number=provider_number,
        items=json.dumps([item.as_dict() for item in detail.items]), created_at=utcnow()))


def items_of(row: PaymentReceiptDetail | None) -> tuple[LineItem, ...]:
    if row is None:
        return ()
    return tuple(LineItem.of(item) for item in json.loads(row.items))
