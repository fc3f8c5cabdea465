"""The short interfaces services need from the outside world (adapters implement them)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from paygate.domain.errors import PaymentProviderError


class TransientMailError(Exception):
    """Worth trying again later (4xx reply, connection refused, timeout)."""


class PermanentMailError(Exception):
    """The server refused for good (5xx reply), or the email cannot be written at all."""


def configured(gateway: PaymentGateway | None) -> PaymentGateway:
    """The gateway, or the one error every use case gives when paygate has no Stripe key."""
    if gateway is None:
        raise PaymentProviderError("Stripe is not configured on this paygate "
                                   "(PAYGATE_STRIPE_SECRET_KEY).")
    return gateway


def as_mapping(value: Any) -> Mapping[str, Any]:
    """A part of a Stripe payload that should be an object ({} when it is not)."""
    return value if isinstance(value, Mapping) else {}


def requirements_of(acct: Any) -> dict[str, Any]:
    """Stripe's requirements on an account (SDK object or plain JSON), as AccountInfo's."""
    def get(obj: Any, key: str) -> Any:
        try:
            return obj[key]
        except (KeyError, TypeError):
            return None

    req = get(acct, "requirements") or {}
    deadline = get(req, "current_deadline")
    return {"details_submitted": bool(get(acct, "details_submitted")),
            "currently_due": tuple(get(req, "currently_due") or ()),
            "past_due": tuple(get(req, "past_due") or ()),
            "disabled_reason": get(req, "disabled_reason"),
            "current_deadline": int(deadline) if deadline else None}


@dataclass(frozen=True)
class AccountInfo:
    id: str
    name: str | None
    email: str | None
    country: str | None
    default_currency: str | None
    charges_enabled: bool
    payouts_enabled: bool
    livemode: bool
    details_submitted: bool = True
    currently_due: tuple[str, ...] = ()
    past_due: tuple[str, ...] = ()
    disabled_reason: str | None = None
    current_deadline: int | None = None  # unix seconds


@dataclass(frozen=True)
class DisputeInfo:
    """A dispute of a charge, as Stripe has it."""

    id: str
    status: str
    reason: str
    amount: int
    currency: str
    charge: str | None
    payment_intent: str | None
    evidence_due_by: int | None  # unix seconds
    livemode: bool
    created: int


def dispute_of(obj: Any) -> DisputeInfo:
    """A Dispute (SDK object or an event's plain JSON) as DisputeInfo."""
    def get(node: Any, key: str) -> Any:
        try:
            return node[key]
        except (KeyError, TypeError):
            return None

    def ref(value: Any) -> str | None:  # an id, or an expanded object's id
        return value if isinstance(value, str) or value is None else get(value, "id")

    due = get(get(obj, "evidence_details"), "due_by")
    return DisputeInfo(
        id=str(obj["id"]), status=str(get(obj, "status") or ""),
        reason=str(get(obj, "reason") or "general"), amount=int(get(obj, "amount") or 0),
        currency=str(get(obj, "currency") or ""), charge=ref(get(obj, "charge")),
        payment_intent=ref(get(obj, "payment_intent")),
        evidence_due_by=int(due) if due else None, livemode=bool(get(obj, "livemode")),
        created=int(get(obj, "created") or 0))


@dataclass(frozen=True)
class PayoutInfo:
    id: str
    amount: int
    currency: str
    status: str        # paid, pending, in_transit, canceled, failed
    arrival_date: int  # unix seconds
    created: int
    automatic: bool
    livemode: bool
    failure_code: str | None = None
    failure_message: str | None = None


@dataclass(frozen=True)
class BalanceLine:
    """A balance transaction, with the PaymentIntent its source belongs to (if any)."""

    id: str
    type: str          # charge, refund, adjustment (disputes), payout, stripe_fee, ...
    reporting_category: str
    amount: int
    fee: int
    net: int
    currency: str
    source: str | None
    payment_intent: str | None
    description: str | None
    created: int


@dataclass(frozen=True)
class IntentInfo:
    id: str
    status: str
    amount: int
    currency: str
    client_secret: str | None = None
    amount_received: int = 0
    amount_refunded: int = 0
    card_brand: str | None = None
    card_last4: str | None = None
    failure_message: str | None = None
    latest_charge: str | None = None
    metadata: Mapping[str, str] | None = None
    created: int = 0
    application_fee_amount: int = 0
    cancellation_reason: str | None = None


@dataclass(frozen=True)
class RefundInfo:
    id: str
    status: str
    amount: int
    currency: str
    reason: str | None
    charge: str | None = None


class PaymentGateway(Protocol):
    """What paygate asks of Stripe."""

    publishable_key: str | None
    livemode: bool

    async def exchange_oauth_code(self, code: str) -> str: ...
    async def deauthorize(self, account_id: str) -> None: ...
    async def retrieve_account(self, account_id: str) -> AccountInfo: ...
    async def create_account(self, *, country: str, email: str | None,
                             idempotency_key: str) -> AccountInfo: ...
    async def create_account_link(self, account_id: str, *, link_type: str, return_url: str,
                                  refresh_url: str) -> str: ...
    async def create_payment_intent(
        self, account_id: str, *, amount: int, currency: str, description: str | None,
        metadata: Mapping[str, str], idempotency_key: str, capture_method: str = "automatic",
        application_fee_amount: int | None = None, redirects: bool = False,
    ) -> IntentInfo: ...
    async def capture_payment_intent(self, account_id: str, intent_id: str, *,
                                     amount: int, idempotency_key: str,
                                     application_fee_amount: int | None = None
                                     ) -> IntentInfo: ...
    async def retrieve_payment_intent(self, account_id: str, intent_id: str) -> IntentInfo: ...
    async def cancel_payment_intent(self, account_id: str, intent_id: str,
                                    idempotency_key: str) -> IntentInfo: ...
    async def list_payment_intents(self, account_id: str,
                                   created_gte: int) -> list[IntentInfo]: ...
    async def create_refund(self, account_id: str, intent_id: str, *, amount: int | None,
                            reason: str | None, metadata: Mapping[str, str],
                            idempotency_key: str,
                            refund_application_fee: bool = False) -> RefundInfo: ...
    async def application_fee_refunded(self, charge_id: str) -> int | None:
        """How much of the platform's fee on a charge was refunded; None: no fee."""
        ...
    async def retrieve_dispute(self, account_id: str, dispute_id: str) -> DisputeInfo: ...
    async def list_payouts(self, account_id: str, limit: int) -> list[PayoutInfo]: ...
    async def retrieve_payout(self, account_id: str, payout_id: str) -> PayoutInfo: ...
    async def payout_lines(self, account_id: str, payout_id: str) -> list[BalanceLine]: ...
    def verify_webhook(self, payload: bytes, signature: str | None) -> dict[str, Any]: ...
    def authorize_url(self, state: str, redirect_uri: str) -> str: ...
    async def aclose(self) -> None: ...


# What a subscription yields when notices may have been lost (its backend had to reconnect):
# the subscriber should send its socket a fresh snapshot.
RECONNECTED = "__reconnected__"


Deliver = Callable[[str], None]


class Broadcast(Protocol):
    """Fan-out of small notices to every instance's subscribers of a channel."""

    async def connect(self) -> None: ...
    async def disconnect(self) -> None: ...
    async def publish(self, channel: str, message: str) -> None: ...
    async def listen(self, channel: str, deliver: Deliver) -> None: ...
    async def unlisten(self, channel: str, deliver: Deliver) -> None: ...


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str | None
    message_id: str
    sender: str
    reply_to: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # "application/pdf"
    content: bytes


class MailTransport(Protocol):
    async def send(self, email: OutgoingEmail) -> None: ...


class MailInbox(Protocol):
    """Where replies to case emails arrive (the desk's InboundMail)."""

    def accepts(self, recipient: str) -> bool: ...

    async def receive(self, raw: bytes, recipients: Sequence[str] = ()) -> str: ...
