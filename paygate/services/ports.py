"""The short interfaces services need from the outside world (adapters implement them)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


@dataclass(frozen=True)
class RefundInfo:
    id: str
    status: str
    amount: int
    currency: str
    reason: str | None


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
        metadata: Mapping[str, str], idempotency_key: str,
    ) -> IntentInfo: ...
    async def retrieve_payment_intent(self, account_id: str, intent_id: str) -> IntentInfo: ...
    async def cancel_payment_intent(self, account_id: str, intent_id: str,
                                    idempotency_key: str) -> IntentInfo: ...
    async def list_payment_intents(self, account_id: str,
                                   created_gte: int) -> list[IntentInfo]: ...
    async def create_refund(self, account_id: str, intent_id: str, *, amount: int | None,
                            reason: str | None, metadata: Mapping[str, str],
                            idempotency_key: str) -> RefundInfo: ...
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
