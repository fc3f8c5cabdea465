"""Stripe's errors in Stripe's words, and what a publishable key (Stripe.js) sees of a
PaymentIntent: written once, run against the sandbox and Stripe's test mode (conftest.py).

The publishable subset is held to Stripe's own material: every property of the
`PaymentIntent` type of the official @stripe/stripe-js package (what Stripe.js reads back)
is there, and the properties the API reference does not mark "retrievable with publishable
key" (metadata, customer, amounts received, the charge...) are not.
"""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from tests.conformance.conftest import Target

# @stripe/stripe-js 10.2, dist/api/payment-intents.d.ts: `interface PaymentIntent`.
STRIPE_JS_PAYMENT_INTENT = frozenset({
    "id", "object", "amount", "canceled_at", "cancellation_reason", "capture_method",
    "client_secret", "confirmation_method", "created", "currency", "description",
    "last_payment_error", "livemode", "next_action", "payment_method",
    "payment_method_types", "receipt_email", "setup_future_usage", "shipping", "status"})
# Properties of the PaymentIntent object the API reference does not mark "retrievable with
# publishable key".
SECRET_ONLY = frozenset({
    "metadata", "customer", "latest_charge", "amount_received", "amount_capturable",
    "application", "application_fee_amount", "on_behalf_of", "transfer_data",
    "transfer_group", "payment_method_options", "statement_descriptor", "review"})
REDIRECTS_ALLOWED = {"enabled": True}  # allow_redirects defaults to "always"
NO_REDIRECTS = {"enabled": True, "allow_redirects": "never"}
MISSING = "pi_3ConformanceNoSuchIntent0"


def _create(t: Target, apm: dict[str, Any]) -> stripe.PaymentIntent:
    return t.client.v1.payment_intents.create(
        {"amount": 2300, "currency": "usd", "automatic_payment_methods": apm,  # type: ignore[typeddict-item]
         "metadata": {"conformance": "1"}}, t.opts)  # type: ignore[arg-type]


def _publishable(t: Target) -> stripe.StripeClient:
    if t.publishable is None:
        pytest.skip("set PAYGATE_CONFORMANCE_PUBLISHABLE_KEY to check the publishable subset")
    return t.publishable


def _shown(data: dict[str, Any]) -> None:
    assert STRIPE_JS_PAYMENT_INTENT <= set(data), STRIPE_JS_PAYMENT_INTENT - set(data)
    assert not SECRET_ONLY & set(data), SECRET_ONLY & set(data)


def test_a_confirm_without_return_url_is_refused_in_stripes_words(target: Target) -> None:
    pi = _create(target, REDIRECTS_ALLOWED)
    with pytest.raises(stripe.InvalidRequestError) as info:
        target.client.v1.payment_intents.confirm(pi.id, {"payment_method": "pm_card_visa"},
                                                 target.opts)  # type: ignore[arg-type]
    assert info.value.http_status == 400
    assert str(info.value.user_message).startswith(
        "A `return_url` must be specified because this Payment Intent is configured to "
        "automatically accept the payment methods enabled in the Dashboard")
    paid = target.client.v1.payment_intents.confirm(
        pi.id, {"payment_method": "pm_card_visa", "return_url": "https://paygate.example/r"},
        target.opts)  # type: ignore[arg-type]
    assert paid.status == "succeeded"


@pytest.mark.parametrize("call", ["retrieve", "update", "confirm", "cancel", "capture"])
def test_a_missing_payment_intent_is_resource_missing_on_param_intent(
        target: Target, call: str) -> None:
    intents = target.client.v1.payment_intents
    with pytest.raises(stripe.InvalidRequestError) as info:
        if call == "retrieve":
            intents.retrieve(MISSING, options=target.opts)  # type: ignore[arg-type]
        elif call == "update":
            intents.update(MISSING, {"description": "x"}, target.opts)  # type: ignore[arg-type]
        else:
            getattr(intents, call)(MISSING, options=target.opts)
    assert (info.value.http_status, info.value.code, info.value.param) == (
        404, "resource_missing", "intent")
    assert info.value.user_message == f"No such payment_intent: '{MISSING}'"


def test_a_publishable_key_reads_and_confirms_with_only_the_subset(target: Target) -> None:
    public = _publishable(target)
    pi = _create(target, NO_REDIRECTS)
    read = public.v1.payment_intents.retrieve(pi.id, {"client_secret": pi.client_secret},  # type: ignore[typeddict-item]
                                              target.opts)  # type: ignore[arg-type]
    _shown(read.last_response.data)
    paid = public.v1.payment_intents.confirm(
        pi.id, {"client_secret": pi.client_secret, "payment_method": "pm_card_visa"},  # type: ignore[typeddict-unknown-key]
        target.opts)  # type: ignore[arg-type]
    assert paid.status == "succeeded"
    _shown(paid.last_response.data)
    # The secret key still sees everything.
    full = target.client.v1.payment_intents.retrieve(pi.id, options=target.opts)  # type: ignore[arg-type]
    assert (full.amount_received, full.metadata["conformance"]) == (2300, "1")


def test_a_decline_seen_with_a_publishable_key_carries_only_the_subset(target: Target) -> None:
    public = _publishable(target)
    pi = _create(target, NO_REDIRECTS)
    with pytest.raises(stripe.CardError) as info:
        public.v1.payment_intents.confirm(
            pi.id, {"client_secret": pi.client_secret,  # type: ignore[typeddict-unknown-key]
                    "payment_method": "pm_card_visa_chargeDeclined"}, target.opts)  # type: ignore[arg-type]
    assert info.value.code == "card_declined"
    seen = info.value.json_body["error"]["payment_intent"]  # type: ignore[index]
    assert (seen["id"], seen["status"]) == (pi.id, "requires_payment_method")
    _shown(seen)


def test_allowed_payment_method_types_leaves_out_what_does_not_fit(target: Target) -> None:
    # Stripe's changelog (2026-07-29.dahlia): unlike payment_method_types, the allowed list
    # silently drops incompatible methods (iDEAL takes only euros) and payment_method_types
    # shows what is left; it excludes automatic_payment_methods.
    pi = target.client.v1.payment_intents.create(
        {"amount": 2300, "currency": "usd", "allowed_payment_method_types": ["card", "ideal"]},
        target.opts)  # type: ignore[arg-type]
    assert pi.payment_method_types == ["card"]
    assert pi.automatic_payment_methods is None
    with pytest.raises(stripe.InvalidRequestError):
        target.client.v1.payment_intents.create(
            {"amount": 2300, "currency": "usd", "allowed_payment_method_types": ["card"],
             "automatic_payment_methods": NO_REDIRECTS}, target.opts)  # type: ignore[arg-type]
