"""PaymentMethods: made by the card iframe (publishable key) or from Stripe's `pm_card_*` ids."""

from __future__ import annotations

import time

from paygate.sandbox.card_table import BY_PM_ID, card_named
from paygate.sandbox.cards import CardFacts, inspect_card
from paygate.sandbox.engine import Ctx, Sandbox, apply_metadata
from paygate.sandbox.errors import invalid_request, resource_missing
from paygate.sandbox.resources import Endpoint, route
from paygate.sandbox.state import JSON, new_id, now

RAW_CARD_MESSAGE = (
    "Sending credit card numbers directly to the Stripe API is generally unsafe. We suggest "
    "you use test tokens that map to the test card you are using, see "
    "https://stripe.com/docs/testing. To enable testing raw card data APIs, see "
    "https://support.stripe.com/questions/enabling-access-to-raw-card-data-apis."
)


def _billing(details: JSON | None) -> JSON:
    details = details or {}
    address = details.get("address") or {}
    return {
        "address": {k: address.get(k) or None
                    for k in ("city", "country", "line1", "line2", "postal_code", "state")},
        "email": details.get("email") or None,
        "name": details.get("name") or None,
        "phone": details.get("phone") or None,
        "tax_id": None,
    }


def _checks(facts: CardFacts, billing: JSON | None, cvc_given: bool, test_id: bool) -> JSON:
    """cvc_check and the address checks: the test card's documented result for what was
    given (a test PaymentMethod id stands for a card entered with all of them)."""
    card = card_named(facts.behaviour)
    address = (billing or {}).get("address") or {}

    def check(given: bool, result: str | None) -> str | None:
        return (result or "pass") if given or (test_id and result) else None

    return {"address_line1_check": check(bool(address.get("line1")), card.line1_check),
            "address_postal_code_check": check(bool(address.get("postal_code")),
                                               card.postal_check),
            "cvc_check": check(cvc_given, card.cvc_check) or "unchecked"}


def build(facts: CardFacts, billing: JSON | None, metadata: JSON | None, *,
          cvc_given: bool = False, test_id: bool = False) -> tuple[JSON, JSON]:
    pm = {
        "id": new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": _billing(billing),
        "card": {
            "brand": facts.brand,
            "checks": _checks(facts, billing, cvc_given, test_id),
            "country": facts.country,
            "display_brand": facts.networks[0] if len(facts.networks) > 1 else facts.brand,
            "exp_month": facts.exp_month,
            "exp_year": facts.exp_year,
            "fingerprint": facts.fingerprint,
            "funding": facts.funding,
            "generated_from": None,
            "last4": facts.last4,
            "networks": {"available": list(facts.networks), "preferred": None},
            "three_d_secure_usage": {
                "supported": card_named(facts.behaviour).three_d_secure != "unsupported"},
            "wallet": None,
            "regulated_status": "unregulated",
        },
        "created": now(),
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": apply_metadata({}, metadata or {}),
        "type": "card",
    }
    return pm, {"behaviour": facts.behaviour}


def from_test_id(sb: Sandbox, ctx: Ctx, pm_id: str) -> JSON:
    """`pm_card_visa` and friends: each use makes a fresh PaymentMethod, as Stripe does."""
    facts = inspect_card(BY_PM_ID[pm_id].number, 12, now_year() + 3, None,
                         sb.store.fingerprint_salt)
    pm, private = build(facts, None, None, test_id=True)
    return sb.store.add(pm, ctx.account, private)


def now_year() -> int:
    return time.gmtime().tm_year


def resolve(sb: Sandbox, ctx: Ctx, pm_id: str, param: str = "payment_method") -> JSON:
    if pm_id in BY_PM_ID:
        return from_test_id(sb, ctx, pm_id)
    pm = sb.store.get(pm_id, ctx.account, "payment_method")
    if pm is None:
        raise resource_missing("PaymentMethod", pm_id, param)
    return pm


def from_data(sb: Sandbox, ctx: Ctx, data: JSON, param: str) -> JSON:
    """A PaymentMethod from `type=card&card[...]`, as both create and confirm accept."""
    if data.get("type") != "card":
        raise invalid_request(
            "The payment method type provided: "
            f"{data.get('type') or 'none'} is invalid. This sandbox supports card only.",
            param=f"{param}[type]" if param else "type")
    card = data.get("card") or {}
    if not card.get("number"):
        raise invalid_request("Missing required param: card[number].",
                              param="card[number]", code="parameter_missing")
    if not ctx.publishable:
        raise invalid_request(RAW_CARD_MESSAGE)
    for key in ("exp_month", "exp_year"):
        if not isinstance(card.get(key), int):
            raise invalid_request(f"Missing required param: card[{key}].",
                                  param=f"card[{key}]", code="parameter_missing")
    facts = inspect_card(card["number"], card["exp_month"], card["exp_year"], card.get("cvc"),
                         sb.store.fingerprint_salt)
    pm, private = build(facts, data.get("billing_details"), data.get("metadata"),
                        cvc_given=bool(card.get("cvc")))
    return sb.store.add(pm, ctx.account, private)


def create(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    if params.get("payment_method"):
        raise invalid_request("Cloning PaymentMethods is not supported by this sandbox.",
                              param="payment_method")
    pm = from_data(sb, ctx, params, "")
    return sb.respond(ctx, pm, params)


def retrieve(sb: Sandbox, ctx: Ctx, params: JSON, pm_id: str) -> JSON:
    return sb.respond(ctx, sb.get(ctx, "payment_method", pm_id), params)


def endpoints() -> list[Endpoint]:
    """This resource's endpoints, for the sandbox's API to match requests against."""
    return [
        route("POST", "/v1/payment_methods", "PaymentMethodCreateParams", create, publishable=True),
        route("GET", "/v1/payment_methods/{pm_id}", "PaymentMethodRetrieveParams", retrieve),
    ]
