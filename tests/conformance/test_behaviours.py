"""What paygate relies on Stripe for, written once against the official SDK.

Each test runs against the sandbox and, when configured, Stripe's test mode (conftest.py).
Only documented behaviour is asserted: statuses, error codes, params, object shapes.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from typing import Any

import pytest
import stripe

from tests.conformance.conftest import Target

NO_REDIRECTS = {"enabled": True, "allow_redirects": "never"}


def _create(t: Target, **extra: Any) -> stripe.PaymentIntent:
    params = {"amount": 2300, "currency": "usd", "automatic_payment_methods": NO_REDIRECTS,
              "metadata": {"conformance": "1"}, **extra}
    return t.client.v1.payment_intents.create(params, t.opts)  # type: ignore[arg-type]


def _confirm(t: Target, pi: str, pm: str, **extra: Any) -> stripe.PaymentIntent:
    return t.client.v1.payment_intents.confirm(pi, {"payment_method": pm, **extra},  # type: ignore[arg-type]
                                               t.opts)


def test_create_then_pay_then_refund_twice(target: Target) -> None:
    pi = _create(target)
    assert pi.status == "requires_payment_method" and pi.client_secret
    assert pi.client_secret.startswith(pi.id + "_secret_")
    paid = _confirm(target, pi.id, "pm_card_visa")
    assert (paid.status, paid.amount_received) == ("succeeded", 2300)
    part = target.client.v1.refunds.create({"payment_intent": pi.id, "amount": 300},
                                           target.opts)  # type: ignore[arg-type]
    assert (part.status, part.amount) == ("succeeded", 300)
    rest = target.client.v1.refunds.create({"payment_intent": pi.id}, target.opts)  # type: ignore[arg-type]
    assert rest.amount == 2000
    with pytest.raises(stripe.InvalidRequestError) as again:
        target.client.v1.refunds.create({"payment_intent": pi.id}, target.opts)  # type: ignore[arg-type]
    assert again.value.code == "charge_already_refunded"


@pytest.mark.parametrize("pm,code,decline_code", [
    ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline"),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
    ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
    ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", "incorrect_cvc"),
    ("pm_card_radarBlock", "card_declined", "fraudulent"),
])
def test_each_decline_class_leaves_the_intent_payable(target: Target, pm: str, code: str,
                                                      decline_code: str) -> None:
    pi = _create(target)
    with pytest.raises(stripe.CardError) as info:
        _confirm(target, pi.id, pm)
    assert info.value.http_status == 402
    assert (info.value.code, info.value.error.decline_code) == (code, decline_code)  # type: ignore[union-attr]
    assert info.value.json_body["error"]["payment_intent"]["id"] == pi.id  # type: ignore[index]
    after = target.client.v1.payment_intents.retrieve(pi.id, options=target.opts)  # type: ignore[arg-type]
    assert after.status == "requires_payment_method"
    assert after.last_payment_error.code == code  # type: ignore[union-attr]
    assert _confirm(target, pi.id, "pm_card_visa").status == "succeeded"


def test_three_d_secure_asks_for_action(target: Target) -> None:
    pi = _confirm(target, _create(target).id, "pm_card_threeDSecure2Required")
    assert pi.status == "requires_action"
    assert pi.next_action is not None and pi.next_action.type == "use_stripe_sdk"
    with pytest.raises(stripe.CardError) as info:
        _confirm(target, _create(target).id, "pm_card_threeDSecure2Required",
                 error_on_requires_action=True)
    assert info.value.code == "authentication_required"


def test_cancel_and_manual_capture(target: Target) -> None:
    canceled = target.client.v1.payment_intents.cancel(
        _create(target).id, {"cancellation_reason": "abandoned"}, target.opts)  # type: ignore[arg-type]
    assert (canceled.status, canceled.cancellation_reason) == ("canceled", "abandoned")
    with pytest.raises(stripe.InvalidRequestError) as info:
        _confirm(target, canceled.id, "pm_card_visa")
    assert info.value.code == "payment_intent_unexpected_state"
    held = _confirm(target, _create(target, capture_method="manual").id, "pm_card_visa")
    assert (held.status, held.amount_capturable) == ("requires_capture", 2300)
    captured = target.client.v1.payment_intents.capture(held.id, {"amount_to_capture": 2000},
                                                        target.opts)  # type: ignore[arg-type]
    assert (captured.status, captured.amount_received) == ("succeeded", 2000)
    with pytest.raises(stripe.InvalidRequestError) as info:  # capturing twice
        target.client.v1.payment_intents.capture(held.id, {}, target.opts)
    assert info.value.code == "payment_intent_unexpected_state"
    over = _confirm(target, _create(target, capture_method="manual").id, "pm_card_visa")
    with pytest.raises(stripe.InvalidRequestError) as info:  # more than authorised
        target.client.v1.payment_intents.capture(over.id, {"amount_to_capture": 2301},
                                                 target.opts)  # type: ignore[arg-type]
    assert info.value.param == "amount_to_capture"
    released = target.client.v1.payment_intents.cancel(over.id, {}, target.opts)
    assert (released.status, released.amount_capturable) == ("canceled", 0)
    # automatic_async (Stripe's default) captures at once, as automatic does
    at_once = _confirm(target, _create(target, capture_method="automatic_async").id,
                       "pm_card_visa")
    assert (at_once.status, at_once.capture_method, at_once.amount_received) == \
        ("succeeded", "automatic_async", 2300)


def test_the_platforms_fee_follows_the_capture_and_the_refund(target: Target) -> None:
    held = _confirm(target, _create(target, capture_method="manual",
                                    application_fee_amount=200).id, "pm_card_visa")
    with pytest.raises(stripe.InvalidRequestError) as info:
        target.client.v1.payment_intents.capture(held.id, {
            "amount_to_capture": 150, "application_fee_amount": 151}, target.opts)  # type: ignore[arg-type]
    assert info.value.param == "application_fee_amount"
    captured = target.client.v1.payment_intents.capture(held.id, {
        "amount_to_capture": 2000, "application_fee_amount": 100}, target.opts)  # type: ignore[arg-type]
    assert captured.application_fee_amount == 100
    charge = str(captured.latest_charge)
    [fee] = target.client.v1.application_fees.list({"charge": charge}).data
    assert (fee.amount, fee.amount_refunded, fee.account) == (100, 0, target.account)
    target.client.v1.refunds.create({"charge": charge, "amount": 1000,
                                     "refund_application_fee": True}, target.opts)
    fee = target.client.v1.application_fees.retrieve(fee.id)
    assert (fee.amount_refunded, fee.refunded) == (50, False)
    rest = target.client.v1.refunds.create({"charge": charge, "refund_application_fee": True},
                                           target.opts)
    assert rest.amount == 1000  # of the 2,000 captured; the 300 released is not refundable
    whole = target.client.v1.charges.retrieve(charge, {}, target.opts)
    assert (whole.amount_captured, whole.amount_refunded, whole.refunded) == \
        (2000, 2300, True)
    fee = target.client.v1.application_fees.retrieve(fee.id)
    assert (fee.amount_refunded, fee.refunded) == (100, True)


def test_idempotency_replays_and_refuses_other_params(target: Target) -> None:
    key = f"conformance-{uuid.uuid4()}"
    opts = {**target.opts, "idempotency_key": key}
    params = {"amount": 2300, "currency": "usd", "automatic_payment_methods": NO_REDIRECTS}
    first = target.client.v1.payment_intents.create(params, opts)  # type: ignore[arg-type]
    again = target.client.v1.payment_intents.create(params, opts)  # type: ignore[arg-type]
    assert again.id == first.id
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    with pytest.raises(stripe.IdempotencyError):
        target.client.v1.payment_intents.create({**params, "amount": 2400}, opts)  # type: ignore[arg-type]


def test_objects_stay_in_their_account(target: Target) -> None:
    pi = _create(target)
    with pytest.raises(stripe.InvalidRequestError) as info:
        target.client.v1.payment_intents.retrieve(pi.id)
    assert (info.value.http_status, info.value.code) == (404, "resource_missing")
    assert info.value.param == "intent"


def test_a_publishable_key_reads_only_stripes_subset(target: Target) -> None:
    if target.publishable is None:
        pytest.skip("set PAYGATE_CONFORMANCE_PUBLISHABLE_KEY to check the publishable subset")
    pi = _create(target)
    seen = target.publishable.v1.payment_intents.retrieve(
        pi.id, {"client_secret": pi.client_secret}, target.opts)  # type: ignore[typeddict-item]
    data: dict[str, Any] = seen.last_response.data
    assert (data["id"], data["status"], data["amount"]) == (pi.id, pi.status, 2300)
    assert "metadata" not in data and "customer" not in data
    with pytest.raises(stripe.InvalidRequestError):
        target.publishable.v1.payment_intents.retrieve(
            pi.id, {"client_secret": pi.id + "_secret_wrong"}, target.opts)  # type: ignore[typeddict-item]


def test_webhook_signatures_verify_with_the_sdk(target: Target) -> None:
    endpoint = target.client.v1.webhook_endpoints.create(
        {"url": "https://paygate.example/webhooks/stripe", "enabled_events": ["*"],
         "connect": True})
    try:
        assert endpoint.secret and endpoint.secret.startswith("whsec_")
        payload = '{"id": "evt_1", "object": "event", "type": "payment_intent.succeeded"}'
        stamp = int(time.time())
        mac = hmac.new(endpoint.secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256)
        header = f"t={stamp},v1={mac.hexdigest()}"  # Stripe's documented signature scheme
        assert stripe.Webhook.construct_event(payload, header, endpoint.secret).id == "evt_1"
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(payload, header, "whsec_" + "x" * 32)
    finally:
        target.client.v1.webhook_endpoints.delete(endpoint.id)


def test_the_oauth_exchange_refuses_a_bad_code(target: Target) -> None:
    if target.client_id is None:
        pytest.skip("set PAYGATE_CONFORMANCE_CLIENT_ID to check the Connect OAuth exchange")
    with pytest.raises(stripe.oauth_error.InvalidGrantError) as info:
        target.client.oauth.token({"grant_type": "authorization_code",
                                   "code": "ac_" + "0" * 24})
    assert info.value.code == "invalid_grant"
