"""Which history entries are host events, and what each says. Ids, amounts and status;
never a patient's email, and the description only where the clinic shares it (the same
opt-in that sends it to Stripe)."""

from __future__ import annotations

import json
from datetime import datetime

from paygate.domain.payment_requests import Status
from paygate.store.models import Clinic, Dispute, PaymentRequest, PaymentRequestEvent

TYPES = {Status.REQUESTED: "payment_request.created", Status.PAID: "payment_request.paid",
         Status.FAILED: "payment_request.failed", Status.CANCELLED: "payment_request.cancelled",
         Status.EXPIRED: "payment_request.expired",
         Status.PARTIALLY_REFUNDED: "payment_request.refunded",
         Status.REFUNDED: "payment_request.refunded"}


def event_type(entry: PaymentRequestEvent) -> str | None:
    """The host event a history entry is, if any (processing, notes: none)."""
    try:
        status = Status(entry.to_status)
    except ValueError:
        return None
    kind = TYPES.get(status)
    if kind is None:
        return None
    if status is Status.REQUESTED and entry.from_status is not None:
        return None  # back to requested (a failed attempt retried): not a new request
    refund = status in (Status.PARTIALLY_REFUNDED, Status.REFUNDED)
    if entry.from_status == entry.to_status and entry.detail.startswith("dispute"):
        return "payment_request.disputed"  # services.disputes notes each dispute status
    if entry.from_status == entry.to_status and not (refund and entry.detail):
        return None  # a note on the history, not a change
    return kind


def body(kind: str, entry: PaymentRequestEvent, request: PaymentRequest,
         clinic: Clinic | None, at: datetime, dispute: Dispute | None = None) -> bytes:
    data: dict[str, object] = {
        "payment_request": request.id, "reference": request.reference,
        "call": request.call_id, "clinic": request.clinic_id, "org": request.org_id,
        "status": entry.to_status, "amount": request.amount, "currency": request.currency,
    }
    if kind == "payment_request.paid":
        data["card"] = {"brand": request.card_brand, "last4": request.card_last4}
    if kind == "payment_request.refunded":
        data["amount_refunded"] = request.amount_refunded
        data["refund"] = "full" if entry.to_status == Status.REFUNDED else "partial"
    if kind == "payment_request.disputed" and dispute is not None:
        data["dispute"] = {
            "status": dispute.status, "reason": dispute.reason, "amount": dispute.amount,
            "evidence_due_by": dispute.evidence_due_by.strftime("%Y-%m-%dT%H:%M:%SZ")
            if dispute.evidence_due_by else None}
    if kind == "payment_request.failed" and request.failure_message:
        data["failure_message"] = request.failure_message
    if clinic is not None and clinic.share_description:
        data["description"] = request.description
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
    return json.dumps({"type": kind, "timestamp": stamp, "data": data},
                      separators=(",", ":")).encode()
