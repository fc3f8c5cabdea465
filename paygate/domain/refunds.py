"""Refund rules: the reasons a refund may give, and how much may still be refunded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from paygate.domain.errors import Conflict, InvalidAmount, InvalidInput
from paygate.domain.money import Money
from paygate.domain.payment_requests import Status

NOTE_MAX = 500
REFUNDABLE = frozenset({Status.PAID, Status.PARTIALLY_REFUNDED})


class RefundStatus(StrEnum):
    PENDING = "pending"  # asked of Stripe, not answered yet (or answered "pending")
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class RefundLike(Protocol):
    @property
    def amount(self) -> int: ...
    @property
    def status(self) -> str: ...


def refunded_total(amount: int, recorded: int, refunds: Iterable[RefundLike]) -> int:
    """What has been refunded of a payment of `amount`: the total recorded on the request
    (Stripe's word, which may count refunds paygate has no row for) or the sum of its
    succeeded refunds, whichever is larger, and never more than was paid."""
    succeeded = sum(r.amount for r in refunds if r.status == RefundStatus.SUCCEEDED)
    return min(amount, max(recorded, succeeded))


class Reason(StrEnum):
    """Why a refund is made. Only the mapped Stripe reason leaves paygate; the category and
    any note stay here (a note may hold clinical details)."""

    REQUESTED_BY_PATIENT = "requested_by_patient"
    DUPLICATE = "duplicate"
    FRAUDULENT = "fraudulent"
    SERVICE_NOT_PROVIDED = "service_not_provided"
    AMOUNT_ERROR = "amount_error"
    OTHER = "other"

    @classmethod
    def parse(cls, value: Any) -> Reason:
        try:
            return cls(str(value or "").strip())
        except ValueError:
            allowed = ", ".join(r.value for r in cls)
            raise InvalidInput(f"Choose a reason for the refund: one of {allowed}.",
                               field="reason") from None

    @property
    def stripe_reason(self) -> str | None:
        return STRIPE_REASONS[self]

    @property
    def label(self) -> str:
        return LABELS[self]


STRIPE_REASONS: dict[Reason, str | None] = {
    Reason.REQUESTED_BY_PATIENT: "requested_by_customer",
    Reason.DUPLICATE: "duplicate",
    Reason.FRAUDULENT: "fraudulent",
    Reason.SERVICE_NOT_PROVIDED: "requested_by_customer",
    Reason.AMOUNT_ERROR: None,
    Reason.OTHER: None,
}

# What staff see (admin pages, the clinician's panel uses its own catalog strings).
LABELS: dict[Reason, str] = {
    Reason.REQUESTED_BY_PATIENT: "Requested by the patient",
    Reason.DUPLICATE: "Duplicate payment",
    Reason.FRAUDULENT: "Fraudulent payment",
    Reason.SERVICE_NOT_PROVIDED: "Service not provided",
    Reason.AMOUNT_ERROR: "Wrong amount charged",
    Reason.OTHER: "Other (see the note)",
}


def reason_from_stripe(value: str | None) -> Reason:
    """A refund made at Stripe (e.g. in its dashboard) gets the closest category."""
    return {"requested_by_customer": Reason.REQUESTED_BY_PATIENT,
            "duplicate": Reason.DUPLICATE,
            "fraudulent": Reason.FRAUDULENT}.get(value or "", Reason.OTHER)


def clean_note(note: Any, reason: Reason) -> str:
    text = str(note or "").strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput(f"Keep the note under {NOTE_MAX} characters.", field="note")
    if reason is Reason.OTHER and not text:
        raise InvalidInput("Say in the note why this payment is refunded.", field="note")
    return text


@dataclass(frozen=True)
class Refundable:
    """What is left to refund on a payment request."""

    status: Status
    amount: int
    currency: str
    refunded: int

    @property
    def remaining(self) -> int:
        return max(self.amount - self.refunded, 0)

    def check_status(self) -> None:
        if self.status is Status.REFUNDED or (self.status in REFUNDABLE
                                              and self.remaining == 0):
            raise Conflict("This payment has already been refunded in full.")
        if self.status not in REFUNDABLE:
            raise Conflict(f"Only paid payments can be refunded; this one is "
                           f"{self.status.value.replace('_', ' ')}.")

    def amount_to_refund(self, requested: Any) -> int:
        """The amount asked for (integer minor units), or everything that is left."""
        self.check_status()
        if requested is None:
            return self.remaining
        if isinstance(requested, bool) or not isinstance(requested, int):
            raise InvalidAmount("The refund amount must be a whole number of minor units "
                                "(2500 for 25.00).", field="amount")
        if requested <= 0:
            raise InvalidAmount("The refund amount must be greater than zero.",
                                field="amount")
        if requested > self.remaining:
            left = Money(self.remaining, self.currency).format()
            raise InvalidAmount(f"You can refund at most {left}: that is what is left of "
                                f"this payment.", field="amount")
        return requested
