"""A dispute as paygate shows it: on the payment (API and admin page) and in the list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from paygate import i18n
from paygate.domain.disputes import OPEN, reason_words, status_words
from paygate.store.database import as_utc
from paygate.store.models import Dispute, PaymentRequest


@dataclass(frozen=True)
class DisputeView:
    id: str
    payment_request_id: str
    account_id: str
    livemode: bool
    status: str
    reason: str
    amount: int
    currency: str
    evidence_due_by: datetime | None
    created_at: datetime
    closed_at: datetime | None

    @classmethod
    def of(cls, row: Dispute) -> DisputeView:
        return cls(id=row.id, payment_request_id=row.payment_request_id,
                   account_id=row.account_id, livemode=row.livemode, status=row.status,
                   reason=row.reason, amount=row.amount, currency=row.currency,
                   evidence_due_by=as_utc(row.evidence_due_by) if row.evidence_due_by
                   else None, created_at=as_utc(row.created_at),
                   closed_at=as_utc(row.closed_at) if row.closed_at else None)

    @property
    def open(self) -> bool:
        return self.status in OPEN

    @property
    def status_words(self) -> str:
        return status_words(self.status)

    @property
    def reason_words(self) -> str:
        return reason_words(self.reason)

    @property
    def amount_display(self) -> str:
        return i18n.format_money(self.amount, self.currency, "en")

    def api(self) -> dict[str, Any]:
        """The API's `dispute` of a payment request."""
        due = self.evidence_due_by.isoformat() if self.evidence_due_by else None
        return {"status": self.status, "reason": self.reason, "amount": self.amount,
                "evidence_due_by": due}


@dataclass(frozen=True)
class DisputeRow:
    """One line of Configure > Disputes: the dispute and its payment."""

    dispute: DisputeView
    reference: str
    description: str
    payment_amount: str
    requested_by_name: str
    clinic_id: str

    @classmethod
    def of(cls, dispute: Dispute, payment: PaymentRequest) -> DisputeRow:
        return cls(dispute=DisputeView.of(dispute), reference=payment.reference,
                   description=payment.description,
                   payment_amount=i18n.format_money(payment.amount, payment.currency, "en"),
                   requested_by_name=payment.requested_by_name, clinic_id=payment.clinic_id)
