"""Stripe's objects (SDK objects or plain JSON) as the ports' plain dataclasses."""

from __future__ import annotations

from typing import Any

from paygate.services.ports import (
    AccountInfo,
    BalanceLine,
    IntentInfo,
    PayoutInfo,
    requirements_of,
)


def _get(obj: Any, key: str) -> Any:
    try:
        return obj[key]
    except (KeyError, TypeError):
        return None


def _plain(metadata: Any) -> dict[str, str]:
    """A StripeObject is not a Mapping in stripe>=12: convert through to_dict()."""
    if not metadata:
        return {}
    items = metadata.to_dict() if hasattr(metadata, "to_dict") else dict(metadata)
    return {str(k): str(v) for k, v in items.items()}


def account_info(acct: Any) -> AccountInfo:
    profile = _get(acct, "business_profile")
    settings = _get(acct, "settings")
    dashboard = _get(settings, "dashboard") if settings else None
    name = (_get(dashboard, "display_name") if dashboard else None) or (
        _get(profile, "name") if profile else None)
    return AccountInfo(
        id=str(acct["id"]), name=name, email=_get(acct, "email"),
        country=_get(acct, "country"), default_currency=_get(acct, "default_currency"),
        charges_enabled=bool(_get(acct, "charges_enabled")),
        payouts_enabled=bool(_get(acct, "payouts_enabled")),
        livemode=bool(_get(acct, "livemode")),
        **requirements_of(acct),
    )



def payout_info(payout: Any) -> PayoutInfo:
    return PayoutInfo(
        id=str(payout["id"]), amount=int(payout["amount"]), currency=str(payout["currency"]),
        status=str(payout["status"]), arrival_date=int(_get(payout, "arrival_date") or 0),
        created=int(_get(payout, "created") or 0), automatic=bool(_get(payout, "automatic")),
        livemode=bool(_get(payout, "livemode")), failure_code=_get(payout, "failure_code"),
        failure_message=_get(payout, "failure_message"))


def balance_line(txn: Any) -> BalanceLine:
    source = _get(txn, "source")
    source_id = source if isinstance(source, str) or source is None else _get(source, "id")
    intent = None if isinstance(source, str) or source is None else _get(
        source, "payment_intent")
    if intent is not None and not isinstance(intent, str):
        intent = _get(intent, "id")
    return BalanceLine(
        id=str(txn["id"]), type=str(txn["type"]),
        reporting_category=str(_get(txn, "reporting_category") or txn["type"]),
        amount=int(txn["amount"]), fee=int(_get(txn, "fee") or 0), net=int(txn["net"]),
        currency=str(txn["currency"]), source=source_id, payment_intent=intent,
        description=_get(txn, "description"), created=int(_get(txn, "created") or 0))


def intent_info(intent: Any) -> IntentInfo:
    brand = last4 = None
    method = _get(intent, "payment_method")
    card = _get(method, "card") if method is not None and not isinstance(method, str) else None
    charge = _get(intent, "latest_charge")
    if card is None and charge is not None and not isinstance(charge, str):
        details = _get(charge, "payment_method_details")
        card = _get(details, "card") if details else None
    if card is not None:
        brand, last4 = _get(card, "brand"), _get(card, "last4")
    error = _get(intent, "last_payment_error")
    amount_refunded = 0
    if charge is not None and not isinstance(charge, str):
        amount_refunded = int(_get(charge, "amount_refunded") or 0)
    metadata = _get(intent, "metadata")
    return IntentInfo(
        id=str(intent["id"]), status=str(intent["status"]), amount=int(intent["amount"]),
        currency=str(intent["currency"]), client_secret=_get(intent, "client_secret"),
        amount_received=int(_get(intent, "amount_received") or 0),
        amount_refunded=amount_refunded, card_brand=brand, card_last4=last4,
        failure_message=_get(error, "message") if error else None,
        latest_charge=charge if isinstance(charge, str) else _get(charge, "id"),
        metadata=_plain(metadata), created=int(_get(intent, "created") or 0),
        application_fee_amount=int(_get(intent, "application_fee_amount") or 0),
        cancellation_reason=_get(intent, "cancellation_reason"),
    )
