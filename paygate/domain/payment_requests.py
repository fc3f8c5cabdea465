"""The payment request's life: one table of allowed transitions."""

from __future__ import annotations

from enum import StrEnum

from paygate.domain.errors import InvalidTransition


class Status(StrEnum):
    REQUESTED = "requested"    # the clinician asked; the patient has not paid yet
    PROCESSING = "processing"  # Stripe is working on it (e.g. 3-D Secure, async methods)
    AUTHORIZED = "authorized"  # a hold: the card is authorised, the clinic charges later
    PAID = "paid"
    FAILED = "failed"          # the last attempt failed; the patient may try again
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.REQUESTED: frozenset({Status.PROCESSING, Status.AUTHORIZED, Status.PAID,
                                 Status.FAILED, Status.CANCELLED, Status.EXPIRED}),
    Status.PROCESSING: frozenset({Status.AUTHORIZED, Status.PAID, Status.FAILED,
                                  Status.CANCELLED, Status.EXPIRED}),
    Status.FAILED: frozenset({Status.PROCESSING, Status.AUTHORIZED, Status.PAID,
                              Status.FAILED, Status.CANCELLED, Status.EXPIRED}),
    # Captured (paid), released by the clinician (cancelled) or left past its time (expired).
    Status.AUTHORIZED: frozenset({Status.PAID, Status.CANCELLED, Status.EXPIRED}),
    Status.PAID: frozenset({Status.PARTIALLY_REFUNDED, Status.REFUNDED}),
    Status.PARTIALLY_REFUNDED: frozenset({Status.PARTIALLY_REFUNDED, Status.REFUNDED}),
    Status.CANCELLED: frozenset(),
    Status.EXPIRED: frozenset(),
    Status.REFUNDED: frozenset(),
}

OPEN = frozenset({Status.REQUESTED, Status.PROCESSING, Status.FAILED})
HELD = frozenset({Status.AUTHORIZED})  # not payable again; captured or released by the clinic
PAYABLE = OPEN
SETTLED = frozenset({Status.PAID, Status.PARTIALLY_REFUNDED, Status.REFUNDED})


def charged(amount: int, amount_paid: int | None) -> int:
    """What the patient was charged: the amount captured of a hold, else the amount."""
    return amount if amount_paid is None else amount_paid


def can_transition(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def check_transition(current: Status, target: Status) -> None:
    if not can_transition(current, target):
        raise InvalidTransition(
            f"A payment request that is {current.value} cannot become {target.value}."
        )


def is_forward(current: Status, target: Status) -> bool:
    """Whether a status learnt from Stripe may be applied (late news never moves back)."""
    return current != target and can_transition(current, target)
