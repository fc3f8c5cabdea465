"""The sandbox answers as the pinned SDK's API version, with Stripe's key subsets, messages
and idempotency rules."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import stripe

from tests.sandbox.conftest import PUBLISHABLE, World, make_client, raw

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"
NO_REDIRECTS = {"enabled": True, "allow_redirects": "never"}
# Declared by the SDK's PaymentIntent but sent by Stripe only for features paygate does
# not use (payment records, hooks, presentment currency, payment details).
FEATURE_ONLY = {"hooks", "payment_details", "payment_record", "presentment_details"}


def test_it_speaks_the_pinned_sdks_api_version_and_says_so(world: World, account: str) -> None:
    version = stripe.api_version  # the SDK uv.lock pins
    assert f"`{version}`" in DOCS.read_text(), "docs/sandbox.md must name the emulated version"
    pi = world.client.v1.payment_intents.create(
        {"amount": 1200, "currency": "usd", "automatic_payment_methods": NO_REDIRECTS},
        {"stripe_account": account})
    assert pi.last_response.headers["Stripe-Version"] == version
    event = world.client.v1.events.list({"limit": 1}, {"stripe_account": account}).data[0]
    assert event.api_version == version


def test_a_payment_intent_carries_every_property_of_its_version(world: World,
                                                                 account: str) -> None:
    opts = {"stripe_account": account}
    declared = {n for n in stripe.PaymentIntent.__annotations__
                if not n.startswith("_") and n.islower()}
    made = raw(world.client.v1.payment_intents.create(
        {"amount": 1200, "currency": "usd", "automatic_payment_methods": NO_REDIRECTS}, opts))
    assert declared - FEATURE_ONLY - set(made) == set()
    assert made["allowed_payment_method_types"] is None
    typed = raw(world.client.v1.payment_intents.create(
        {"amount": 1200, "currency": "usd", "allowed_payment_method_types": ["card"]}, opts))
    assert typed["allowed_payment_method_types"] == ["card"] == typed["payment_method_types"]
    assert typed["automatic_payment_methods"] is None
    # the pinned SDK knows only the new name; the old one is an unknown parameter
    with pytest.raises(stripe.InvalidRequestError) as info:
        world.client.v1.payment_intents.create(
            {"amount": 1200, "currency": "usd", "payment_method_types": ["card"]},  # type: ignore[typeddict-unknown-key]
            opts)
    assert info.value.param == "payment_method_types"


def test_a_publishable_key_gets_only_stripes_subset(world: World, account: str) -> None:
    opts = {"stripe_account": account}
    pi = world.client.v1.payment_intents.create(
        {"amount": 3100, "currency": "usd", "automatic_payment_methods": NO_REDIRECTS,
         "metadata": {"request": "pr_1"}, "description": "Consultation"}, opts)
    browser = make_client(world.url, PUBLISHABLE)
    seen = raw(browser.v1.payment_intents.retrieve(pi.id, {"client_secret": pi.client_secret},
                                                   opts))
    assert (seen["id"], seen["amount"], seen["status"]) == (pi.id, 3100,
                                                            "requires_payment_method")
    assert seen["client_secret"] == pi.client_secret and seen["description"] == "Consultation"
    for hidden in ("metadata", "customer", "amount_received", "latest_charge",
                   "application_fee_amount", "transfer_data", "on_behalf_of"):
        assert hidden not in seen, hidden
    with pytest.raises(stripe.CardError) as info:
        browser.v1.payment_intents.confirm(
            pi.id, {"payment_method": "pm_card_visa_chargeDeclined",
                    "client_secret": pi.client_secret}, opts)  # type: ignore[typeddict-unknown-key]
    assert "metadata" not in info.value.json_body["error"]["payment_intent"]  # type: ignore[index]
    # the secret key still sees everything
    full = raw(world.client.v1.payment_intents.retrieve(pi.id, options=opts))  # type: ignore[arg-type]
    assert full["metadata"] == {"request": "pr_1"} and "latest_charge" in full


def test_stripes_messages_and_params(world: World, account: str) -> None:
    opts = {"stripe_account": account}
    with pytest.raises(stripe.InvalidRequestError) as missing:
        world.client.v1.payment_intents.retrieve("pi_doesnotexist", options=opts)  # type: ignore[arg-type]
    assert (missing.value.code, missing.value.param) == ("resource_missing", "intent")
    assert missing.value.user_message == "No such payment_intent: 'pi_doesnotexist'"
    redirecting = world.client.v1.payment_intents.create(
        {"amount": 1200, "currency": "usd", "automatic_payment_methods": {"enabled": True}},
        opts)
    with pytest.raises(stripe.InvalidRequestError) as no_return:
        world.client.v1.payment_intents.confirm(redirecting.id, {"payment_method": "pm_card_visa"},
                                                opts)
    assert "set `automatic_payment_methods[enabled]` to `true` and " \
        "`automatic_payment_methods[allow_redirects]` to `never`" in str(
            no_return.value.user_message)
    ok = world.client.v1.payment_intents.confirm(
        redirecting.id, {"payment_method": "pm_card_visa", "return_url": "https://x.example/r"},
        opts)
    assert ok.status == "succeeded"


def test_an_idempotency_key_replays_a_500_too(world: World, account: str) -> None:
    faults = world.url + "/_sandbox/faults"
    httpx.post(faults, json={"api": [{"method": "POST", "path": "/v1/payment_intents",
                                      "status": 500, "during": True}]}).raise_for_status()
    opts = {"stripe_account": account, "idempotency_key": "fidelity-500"}
    params = {"amount": 1400, "currency": "usd", "automatic_payment_methods": NO_REDIRECTS}
    try:
        for attempt in range(2):
            with pytest.raises(stripe.APIError) as info:
                world.client.v1.payment_intents.create(params, opts)  # type: ignore[arg-type]
            assert info.value.http_status == 500
            replayed = info.value.headers.get("Idempotent-Replayed")  # type: ignore[union-attr]
            assert replayed == ("true" if attempt else None)
        fresh = world.client.v1.payment_intents.create(
            params, {**opts, "idempotency_key": "fidelity-500-b"})  # type: ignore[arg-type]
        assert fresh.status == "requires_payment_method"
    finally:
        httpx.delete(faults)
