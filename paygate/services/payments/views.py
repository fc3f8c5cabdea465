"""What the call channel carries: a payment request as both people in the call may see it.

Notices are hints (the snapshot a socket gets on every connect is the truth), so each one
carries the whole request and its `version`; a client keeps the highest version it saw.
Nothing here is secret: no client secret, no receipt address, no card data beyond brand
and last 4."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from paygate.domain.money import Money
from paygate.store.database import as_utc
from paygate.store.fast_path import RequestRow
from paygate.store.models import PaymentRequest


def call_channel(org_id: str, clinic_id: str, call_id: str) -> str:
    return f"call:{org_id}:{clinic_id}:{call_id}"


def clinic_channel(org_id: str, clinic_id: str) -> str:
    """What every clinician socket of the clinic hears: its payment options changed."""
    return f"clinic:{org_id}:{clinic_id}"


# The clinic's payment options changed (Stripe paused or resumed charges, the account was
# linked or removed): clinicians' panels read payment-options again.
OPTIONS_CHANGED = json.dumps({"type": "options.changed"})


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


class RequestView(BaseModel):
    """The one definition of a payment request as both people in the call see it: `public()`
    (the call channel's dict) and the API's `PaymentRequestOut` are derived from its fields."""

    model_config = ConfigDict(frozen=True)

    id: str
    reference: str
    status: str
    amount: int
    currency: str
    amount_display: str
    description: str
    clinic_name: str
    requested_by_name: str
    card_brand: str | None = None
    card_last4: str | None = None
    failure_message: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    paid_at: datetime | None = None
    amount_refunded: int = Field(default=0, description="Minor units refunded so far.")
    capture: str = Field(default="automatic", description=(
        "automatic: charged when the patient pays; manual: a hold of up to `amount`, "
        "charged when the clinician captures it."))
    amount_paid: int | None = Field(default=None, description=(
        "Minor units charged, once paid (less than `amount` when a hold was captured in part)."))
    pay_link_until: datetime | None = Field(default=None, description=(
        "While set, an emailed payment link can still pay this request (until then)."))

    @classmethod
    def of(cls, row: PaymentRequest | RequestRow, clinic_name: str) -> RequestView:
        return cls(
            id=row.id, reference=row.reference, status=row.status, amount=row.amount,
            currency=row.currency, amount_display=Money(row.amount, row.currency).format(),
            description=row.description, clinic_name=clinic_name,
            requested_by_name=row.requested_by_name, card_brand=row.card_brand,
            card_last4=row.card_last4, failure_message=row.failure_message,
            version=row.version, created_at=as_utc(row.created_at),
            updated_at=as_utc(row.updated_at), expires_at=as_utc(row.expires_at),
            paid_at=as_utc(row.paid_at) if row.paid_at else None,
            amount_refunded=row.amount_refunded or 0,
            capture=row.capture_method or "automatic", amount_paid=row.amount_paid,
            pay_link_until=as_utc(row.pay_link_until) if row.pay_link_until else None,
        )

    def public(self) -> dict[str, Any]:
        return {name: _iso(value) if isinstance(value, datetime) else value
                for name, value in self.__dict__.items()}


def snapshot_message(views: list[RequestView]) -> str:
    return json.dumps({"type": "snapshot", "requests": [v.public() for v in views]})


def update_message(view: RequestView) -> str:
    return json.dumps({"type": "request.updated", "request": view.public()})


def notice_request(message: str) -> dict[str, Any] | None:
    """The request a `request.updated` notice carries (None for any other message)."""
    if '"request.updated"' not in message:
        return None
    try:
        data = json.loads(message)
    except ValueError:
        return None
    request = data.get("request") if isinstance(data, dict) else None
    return request if data.get("type") == "request.updated" and isinstance(request, dict) \
        else None


@dataclass(frozen=True)
class CallOptions:
    """What the clinician's panel needs about the call's clinic; when not ready, the first
    thing missing in words and as a domain error code."""

    clinic_name: str
    default_currency: str
    max_amount: int | None
    ready: bool
    not_ready_reason: str | None
    not_ready_code: str | None
    pay_link_hours: int
    default_capture: str  # automatic (charge now) or manual (hold), the clinic's setting
