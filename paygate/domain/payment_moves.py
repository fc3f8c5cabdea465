"""What Stripe's word does to a payment request, decided without touching storage.

`plan_intent_move` and `plan_card` read a row (the ORM object, or the plain `RequestRow`
the webhook hot path loads) and return the columns to change and the history entry to
write, so the ORM ledger and the webhook event store write exactly the same move."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from paygate.domain.payment_requests import SETTLED, Status, check_transition, is_forward


class RowLike(Protocol):
    """The columns of a payment request a move reads."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def failure_message(self) -> str | None: ...
    @property
    def card_brand(self) -> str | None: ...
    @property
    def card_last4(self) -> str | None: ...
    @property
    def capture_method(self) -> str: ...


class IntentLike(Protocol):
    """What a move reads of a PaymentIntent (services.ports.IntentInfo has it)."""

    @property
    def status(self) -> str: ...
    @property
    def failure_message(self) -> str | None: ...
    @property
    def card_brand(self) -> str | None: ...
    @property
    def card_last4(self) -> str | None: ...
    @property
    def amount_received(self) -> int: ...
    @property
    def application_fee_amount(self) -> int: ...
    @property
    def cancellation_reason(self) -> str | None: ...


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite's are naive


@dataclass(frozen=True)
class Actor:
    kind: str  # user, stripe, system
    id: str = ""
    name: str = ""


@dataclass(frozen=True)
class Move:
    """Columns to set on the request, and the history entry (None: no status change)."""

    target: Status | None
    changes: dict[str, Any]
    history: dict[str, Any] | None


# Stripe's own reasons for cancelling, e.g. a hold left uncaptured past its 7 days
STRIPE_EXPIRY = frozenset({"automatic", "expired"})


def intent_target(intent: IntentLike) -> Status | None:
    """The status a PaymentIntent's current state means for its payment request."""
    if intent.status == "succeeded":
        return Status.PAID
    if intent.status == "requires_capture":
        return Status.AUTHORIZED
    if intent.status in ("processing", "requires_action"):
        return Status.PROCESSING
    if intent.status == "canceled":
        return Status.CANCELLED
    if intent.status == "requires_payment_method" and intent.failure_message:
        return Status.FAILED
    return None


def status_move(row: RowLike, target: Status, actor: Actor, detail: str, now: datetime,
                changes: dict[str, Any] | None = None) -> Move:
    """A checked status change with its history entry (raises InvalidTransition)."""
    current = Status(row.status)
    check_transition(current, target)
    return Move(target, {**(changes or {}), "status": target.value,
                         "version": row.version + 1, "updated_at": now}, {
        "payment_request_id": row.id, "from_status": current.value,
        "to_status": target.value, "actor_kind": actor.kind, "actor_id": actor.id[:64],
        "actor_name": actor.name[:200], "detail": detail, "created_at": now})


def plan_intent_move(row: RowLike, intent: IntentLike, actor: Actor, detail: str,
                     now: datetime) -> Move | None:
    """Move the request to what the intent's state means, if that is a forward move."""
    target = intent_target(intent)
    if target is None:
        return None
    current = Status(row.status)
    if target is Status.CANCELLED and (_utc(row.expires_at) <= now or
                                       intent.cancellation_reason in STRIPE_EXPIRY):
        target = Status.EXPIRED  # cancelled because its time was up (ours, or Stripe's)
    new_failure = (current is Status.FAILED and target is Status.FAILED
                   and intent.failure_message != row.failure_message)
    if not is_forward(current, target) and not new_failure:
        return None
    changes: dict[str, Any] = {}
    if target is Status.FAILED:
        changes["failure_message"] = (intent.failure_message or "")[:500]
        detail = f"{detail}: {changes['failure_message']}"
    elif target is not Status.PROCESSING:
        changes["failure_message"] = None
    if target is Status.PAID:
        if intent.card_last4:  # an event's object may not carry the card
            changes["card_brand"] = intent.card_brand
            changes["card_last4"] = intent.card_last4
        changes["paid_at"] = now
        if intent.amount_received:  # a hold captures up to its amount
            changes["amount_paid"] = intent.amount_received
        if intent.application_fee_amount and row.capture_method == "manual":
            # a hold's fee, as set at capture on what was charged
            changes["application_fee_amount"] = intent.application_fee_amount
    return status_move(row, target, actor, detail, now, changes)


def plan_card(row: RowLike, brand: str | None, last4: str, now: datetime) -> Move | None:
    """Record the card (brand and last 4) once known; a settled request gets a new version
    for its watchers, an open one shows it when it settles."""
    if (row.card_brand, row.card_last4) == (brand, last4):
        return None
    changes: dict[str, Any] = {"card_brand": brand, "card_last4": last4}
    if Status(row.status) in SETTLED:
        changes.update(version=row.version + 1, updated_at=now)
    return Move(None, changes, None)
