"""Stripe's test cards, refunds and balance transactions."""

from __future__ import annotations

import re

import pytest
import stripe

from tests.sandbox.conftest import PUBLISHABLE, World, make_client

NO_REDIRECTS = {"enabled": True, "allow_redirects": "never"}

DECLINES = [
    ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline", "Your card was declined."),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds",
     "Your card has insufficient funds."),
    ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card",
     "Your card has expired."),
    ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", "incorrect_cvc",
     "Your card's security code is incorrect."),
]


def _pay(client: stripe.StripeClient, account: str, pm: str, amount: int = 2000,
         **extra: object) -> stripe.PaymentIntent:
    params = {"amount": amount, "currency": "usd", "confirm": True, "payment_method": pm,
              "automatic_payment_methods": NO_REDIRECTS, **extra}
    return client.v1.payment_intents.create(params, {"stripe_account": account})  # type: ignore[arg-type]


@pytest.mark.parametrize("pm,brand,last4", [("pm_card_visa", "visa", "4242"),
                                            ("pm_card_mastercard", "mastercard", "4444"),
                                            ("pm_card_amex", "amex", "0005")])
def test_succeeding_cards(client: stripe.StripeClient, account: str, pm: str, brand: str,
                          last4: str) -> None:
    pi = _pay(client, account, pm)
    assert pi.status == "succeeded" and pi.amount_received == 2000
    charge = client.v1.charges.retrieve(str(pi.latest_charge),
                                        options={"stripe_account": account})
    assert charge.paid and charge.status == "succeeded"
    assert (charge.payment_method_details.card.brand,
            charge.payment_method_details.card.last4) == (brand, last4)


@pytest.mark.parametrize("pm,code,decline_code,message", DECLINES)
def test_declining_cards(client: stripe.StripeClient, account: str, pm: str, code: str,
                         decline_code: str, message: str) -> None:
    opts = {"stripe_account": account}
    pi = client.v1.payment_intents.create(
        {"amount": 2000, "currency": "usd", "automatic_payment_methods": NO_REDIRECTS}, opts)
    with pytest.raises(stripe.CardError) as info:
        client.v1.payment_intents.confirm(pi.id, {"payment_method": pm}, opts)
    err = info.value
    assert err.http_status == 402
    assert (err.code, err.error.decline_code, err.user_message) == (code, decline_code, message)
    body = err.json_body["error"]
    assert body["type"] == "card_error" and body["payment_intent"]["id"] == pi.id
    assert body["doc_url"].startswith("https://stripe.com/docs/error-codes/")
    after = client.v1.payment_intents.retrieve(pi.id, options=opts)  # type: ignore[arg-type]
    assert after.status == "requires_payment_method"
    assert after.last_payment_error.decline_code == decline_code
    assert after.last_payment_error.message == message
    failed = client.v1.charges.retrieve(str(after.latest_charge), options=opts)  # type: ignore[arg-type]
    assert failed.status == "failed" and failed.failure_code == code
    # the same intent can be paid with another card afterwards
    ok = client.v1.payment_intents.confirm(pi.id, {"payment_method": "pm_card_visa"}, opts)
    assert ok.status == "succeeded"


@pytest.mark.parametrize("pm", ["pm_card_authenticationRequired",
                                "pm_card_authenticationRequiredOnSetup"])
def test_three_d_secure_cards_require_action(client: stripe.StripeClient, account: str,
                                             pm: str) -> None:
    pi = _pay(client, account, pm)
    assert pi.status == "requires_action"
    assert pi.next_action.type == "use_stripe_sdk"
    with pytest.raises(stripe.CardError) as info:
        _pay(client, account, pm, error_on_requires_action=True)
    assert info.value.code == "authentication_required"


def test_card_numbers_need_a_publishable_key(sandbox: str, client: stripe.StripeClient,
                                             account: str) -> None:
    card = {"number": "4000000000000002", "exp_month": 12, "exp_year": 2040, "cvc": "123"}
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.payment_methods.create({"type": "card", "card": card},
                                         {"stripe_account": account})
    assert "Sending credit card numbers directly" in (info.value.user_message or "")
    browser_like = make_client(sandbox, PUBLISHABLE)
    pm = browser_like.v1.payment_methods.create({"type": "card", "card": card},
                                                {"stripe_account": account})
    assert (pm.card.brand, pm.card.last4, pm.card.exp_year) == ("visa", "0002", 2040)
    assert "number" not in pm.card and "cvc" not in pm.card
    with pytest.raises(stripe.CardError) as bad:
        browser_like.v1.payment_methods.create(
            {"type": "card", "card": {**card, "number": "4242424242424241"}},
            {"stripe_account": account})
    assert bad.value.code == "incorrect_number"
    pi = client.v1.payment_intents.create({"amount": 1500, "currency": "usd"},
                                          {"stripe_account": account})
    with pytest.raises(stripe.CardError) as declined:
        browser_like.v1.payment_intents.confirm(
            pi.id, {"payment_method": pm.id, "client_secret": pi.client_secret},  # type: ignore[typeddict-unknown-key]
            {"stripe_account": account})
    assert declined.value.error.decline_code == "generic_decline"
    with pytest.raises(stripe.InvalidRequestError):
        browser_like.v1.payment_intents.retrieve(pi.id, {"client_secret": "pi_x_secret_y"},
                                                 {"stripe_account": account})


def test_full_and_partial_refunds(client: stripe.StripeClient, account: str) -> None:
    opts = {"stripe_account": account}
    pi = _pay(client, account, "pm_card_visa", amount=5000)
    part = client.v1.refunds.create({"payment_intent": pi.id, "amount": 1500,
                                     "reason": "requested_by_customer"}, opts)
    assert (part.status, part.amount, part.reason) == ("succeeded", 1500,
                                                       "requested_by_customer")
    charge = client.v1.charges.retrieve(str(pi.latest_charge), options=opts)  # type: ignore[arg-type]
    assert (charge.amount_refunded, charge.refunded) == (1500, False)
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.refunds.create({"payment_intent": pi.id, "amount": 4000}, opts)
    assert info.value.user_message == (
        "Refund amount ($40.00) is greater than unrefunded amount on charge ($35.00)")
    rest = client.v1.refunds.create({"payment_intent": pi.id}, opts)
    assert rest.amount == 3500
    charge = client.v1.charges.retrieve(str(pi.latest_charge), options=opts)  # type: ignore[arg-type]
    assert (charge.amount_refunded, charge.refunded) == (5000, True)
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create({"payment_intent": pi.id}, opts)
    assert again.value.code == "charge_already_refunded"
    listed = client.v1.refunds.list({"payment_intent": pi.id}, opts)
    assert [r.id for r in listed.data] == [rest.id, part.id]
    txn = client.v1.balance_transactions.retrieve(str(rest.balance_transaction), options=opts)  # type: ignore[arg-type]
    assert (txn.amount, txn.type) == (-3500, "refund")


def test_refund_needs_a_successful_payment(world: World, account: str) -> None:
    opts = {"stripe_account": account}
    pi = world.client.v1.payment_intents.create({"amount": 1000, "currency": "usd"}, opts)
    with pytest.raises(stripe.InvalidRequestError) as info:
        world.client.v1.refunds.create({"payment_intent": pi.id}, opts)
    assert "does not have a successful charge to refund" in (info.value.user_message or "")


def test_a_card_fingerprint_never_looks_like_a_card_number() -> None:
    """Stripe's fingerprints are 16 letters and digits; paygate stores them in its inbox,
    and its card-number scan must not find one there. With this salt the old scheme (the
    first 16 hex digits of the MAC) gave 5555788468741036, Luhn-valid: a database holding
    it failed every card scan."""
    from paygate.sandbox.cards import inspect_card

    first = inspect_card("4242424242424242", 12, 2034, "123", salt="salt4229").fingerprint
    again = inspect_card("4242424242424242", 12, 2034, "123", salt="salt4229").fingerprint
    other = inspect_card("5555555555554444", 12, 2034, "123", salt="salt4229").fingerprint
    assert first == again != other  # the same card, the same fingerprint, per account
    assert len(first) == 16 and first.isalnum()
    assert not re.search(r"\d{13}", first)  # no run of digits as long as a card number
