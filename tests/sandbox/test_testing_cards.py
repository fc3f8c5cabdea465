"""The card table of Stripe's Testing page (docs.stripe.com/testing), through the official SDK.

The expectations are written out here from the page, not read from the sandbox's own table,
so a card the sandbox gets wrong fails here.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from tests.sandbox.conftest import PUBLISHABLE, World, make_client

NO_REDIRECTS = {"enabled": True, "allow_redirects": "never"}

# Cards by brand (PaymentMethods tab): id -> brand, funding
BRANDS = [
    ("pm_card_visa", "visa", "credit"), ("pm_card_visa_debit", "visa", "debit"),
    ("pm_card_mastercard", "mastercard", "credit"),
    ("pm_card_mastercard_debit", "mastercard", "debit"),
    ("pm_card_mastercard_prepaid", "mastercard", "prepaid"),
    ("pm_card_amex", "amex", "credit"), ("pm_card_discover", "discover", "credit"),
    ("pm_card_diners", "diners", "credit"), ("pm_card_jcb", "jcb", "credit"),
    ("pm_card_unionpay", "unionpay", "credit"),
]
# Cards by brand (card numbers tab), entered in a card form: number -> brand, funding
NUMBERS = [
    ("4242424242424242", "visa", "credit"), ("4000056655665556", "visa", "debit"),
    ("5555555555554444", "mastercard", "credit"), ("2223003122003222", "mastercard", "credit"),
    ("5200828282828210", "mastercard", "debit"), ("5105105105105100", "mastercard", "prepaid"),
    ("378282246310005", "amex", "credit"), ("371449635398431", "amex", "credit"),
    ("6011111111111117", "discover", "credit"), ("6011000990139424", "discover", "credit"),
    ("6011981111111113", "discover", "debit"), ("3056930009020004", "diners", "credit"),
    ("36227206271667", "diners", "credit"), ("6555900000604105", "discover", "credit"),
    ("3566002020360505", "jcb", "credit"), ("6200000000000005", "unionpay", "credit"),
    ("6200000000000047", "unionpay", "debit"), ("6205500000000000004", "unionpay", "credit"),
]
# Declined payments: id -> code, decline_code
DECLINES = [
    ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline"),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
    ("pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card"),
    ("pm_card_visa_chargeDeclinedStolenCard", "card_declined", "stolen_card"),
    ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
    ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", "incorrect_cvc"),
    ("pm_card_chargeDeclinedProcessingError", "processing_error", "processing_error"),
    ("pm_card_visa_chargeDeclinedVelocityLimitExceeded", "card_declined",
     "card_velocity_exceeded"),
    ("pm_card_chargeCustomerFail", "card_declined", "generic_decline"),
]


def _intent(client: stripe.StripeClient, account: str, **extra: Any) -> stripe.PaymentIntent:
    params = {"amount": 2500, "currency": "usd", "automatic_payment_methods": NO_REDIRECTS,
              **extra}
    return client.v1.payment_intents.create(params, {"stripe_account": account})  # type: ignore[arg-type]


def _confirm(client: stripe.StripeClient, account: str, pi: str, pm: str,
             **extra: Any) -> stripe.PaymentIntent:
    return client.v1.payment_intents.confirm(pi, {"payment_method": pm, **extra},  # type: ignore[arg-type]
                                             {"stripe_account": account})


def _charge(client: stripe.StripeClient, account: str, pi_id: str) -> stripe.Charge:
    pi = client.v1.payment_intents.retrieve(pi_id, options={"stripe_account": account})
    return client.v1.charges.retrieve(str(pi.latest_charge),
                                      options={"stripe_account": account})


def _authenticate(pi: stripe.PaymentIntent, action: str) -> None:
    """Press a button on the 3-D Secure page the intent's next_action points at."""
    url = pi.next_action.use_stripe_sdk["stripe_js"]  # type: ignore[union-attr,index]
    httpx.post(url, data={"action": action}).raise_for_status()


@pytest.mark.parametrize("pm,brand,funding", BRANDS)
def test_each_brand_pays(client: stripe.StripeClient, account: str, pm: str, brand: str,
                         funding: str) -> None:
    pi = _confirm(client, account, _intent(client, account).id, pm)
    assert pi.status == "succeeded"
    card = _charge(client, account, pi.id).payment_method_details.card  # type: ignore[union-attr]
    assert (card.brand, card.funding) == (brand, funding)  # type: ignore[union-attr]


def test_each_card_number_is_read_as_its_brand(sandbox: str, account: str) -> None:
    browser = make_client(sandbox, PUBLISHABLE)
    for number, brand, funding in NUMBERS:
        pm = browser.v1.payment_methods.create(
            {"type": "card", "card": {"number": number, "exp_month": 4, "exp_year": 2041,
                                      "cvc": "1234" if brand == "amex" else "123"}},
            {"stripe_account": account})
        assert (pm.card.brand, pm.card.funding, pm.card.last4) == (  # type: ignore[union-attr]
            brand, funding, number[-4:]), number


def test_co_branded_cards_list_both_networks(sandbox: str, account: str) -> None:
    browser = make_client(sandbox, PUBLISHABLE)
    for number, networks, country in [("4000002500001001", {"cartes_bancaires", "visa"}, "FR"),
                                      ("5555552500001001", {"cartes_bancaires", "mastercard"},
                                       "FR"),
                                      ("4000050360000001", {"eftpos_au", "visa"}, "AU"),
                                      ("5555050360000080", {"eftpos_au", "mastercard"}, "AU")]:
        pm = browser.v1.payment_methods.create(
            {"type": "card", "card": {"number": number, "exp_month": 4, "exp_year": 2041}},
            {"stripe_account": account})
        assert set(pm.card.networks.available) == networks  # type: ignore[union-attr]
        assert pm.card.country == country  # type: ignore[union-attr]


@pytest.mark.parametrize("pm,code,decline_code", DECLINES)
def test_each_decline_then_a_good_card(client: stripe.StripeClient, account: str, pm: str,
                                       code: str, decline_code: str) -> None:
    pi = _intent(client, account)
    with pytest.raises(stripe.CardError) as info:
        _confirm(client, account, pi.id, pm)
    assert (info.value.http_status, info.value.code, info.value.error.decline_code) == (  # type: ignore[union-attr]
        402, code, decline_code)
    charge = _charge(client, account, pi.id)
    assert charge.status == "failed" and charge.outcome.type == "issuer_declined"  # type: ignore[union-attr]
    assert _confirm(client, account, pi.id, "pm_card_visa").status == "succeeded"


@pytest.mark.parametrize("pm", ["pm_card_radarBlock", "pm_card_riskLevelHighest"])
def test_radar_blocks_the_riskiest_cards(client: stripe.StripeClient, account: str,
                                         pm: str) -> None:
    pi = _intent(client, account)
    with pytest.raises(stripe.CardError) as info:
        _confirm(client, account, pi.id, pm)
    assert (info.value.code, info.value.error.decline_code) == ("card_declined", "fraudulent")  # type: ignore[union-attr]
    outcome = _charge(client, account, pi.id).outcome
    assert (outcome.type, outcome.risk_level, outcome.network_status) == (  # type: ignore[union-attr]
        "blocked", "highest", "not_sent_to_network")


def test_elevated_risk_pays_and_says_so(client: stripe.StripeClient, account: str) -> None:
    pi = _confirm(client, account, _intent(client, account).id, "pm_card_riskLevelElevated")
    assert pi.status == "succeeded"
    assert _charge(client, account, pi.id).outcome.risk_level == "elevated"  # type: ignore[union-attr]


def test_failing_cvc_check_declines_only_with_a_cvc(sandbox: str, client: stripe.StripeClient,
                                                     account: str) -> None:
    pi = _intent(client, account)
    with pytest.raises(stripe.CardError) as info:
        _confirm(client, account, pi.id, "pm_card_cvcCheckFail")
    assert info.value.code == "incorrect_cvc"
    browser = make_client(sandbox, PUBLISHABLE)
    opts = {"stripe_account": account}
    card = {"number": "4000000000000101", "exp_month": 4, "exp_year": 2041}
    with_cvc = browser.v1.payment_methods.create({"type": "card", "card": {**card,
                                                                           "cvc": "123"}}, opts)
    assert with_cvc.card.checks.cvc_check == "fail"  # type: ignore[union-attr]
    without = browser.v1.payment_methods.create({"type": "card", "card": card}, opts)
    assert without.card.checks.cvc_check == "unchecked"  # type: ignore[union-attr]
    assert _confirm(client, account, pi.id, without.id).status == "succeeded"


def test_address_checks_fail_but_the_payment_succeeds(client: stripe.StripeClient,
                                                      account: str) -> None:
    for pm, line1, postal in [("pm_card_avsZipFail", None, "fail"),
                              ("pm_card_avsLine1Fail", "fail", None),
                              ("pm_card_avsFail", "fail", "fail"),
                              ("pm_card_avsUnchecked", "unavailable", "unavailable")]:
        pi = _confirm(client, account, _intent(client, account).id, pm)
        assert pi.status == "succeeded"
        checks = _charge(client, account, pi.id).payment_method_details.card.checks  # type: ignore[union-attr]
        assert (checks.address_line1_check, checks.address_postal_code_check) == (  # type: ignore[union-attr]
            line1, postal), pm


@pytest.mark.parametrize("pm", ["pm_card_threeDSecure2Required", "pm_card_threeDSecureRequired",
                                "pm_card_authenticationRequired",
                                "pm_card_authenticationRequiredOnSetup",
                                "pm_card_authenticationRequiredSetupForOffSession"])
def test_three_d_secure_required_fail_then_pass(client: stripe.StripeClient, account: str,
                                                pm: str) -> None:
    pi = _confirm(client, account, _intent(client, account).id, pm)
    assert pi.status == "requires_action" and pi.next_action.type == "use_stripe_sdk"  # type: ignore[union-attr]
    _authenticate(pi, "fail")
    failed = client.v1.payment_intents.retrieve(pi.id, options={"stripe_account": account})
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == "payment_intent_authentication_failure"  # type: ignore[union-attr]
    again = _confirm(client, account, pi.id, pm)
    _authenticate(again, "complete")
    done = client.v1.payment_intents.retrieve(pi.id, options={"stripe_account": account})
    assert done.status == "succeeded"


@pytest.mark.parametrize("pm,decline_code", [
    ("pm_card_threeDSecureRequiredChargeDeclined", "generic_decline"),
    ("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", "insufficient_funds")])
def test_declined_after_authenticating(client: stripe.StripeClient, account: str, pm: str,
                                       decline_code: str) -> None:
    pi = _confirm(client, account, _intent(client, account).id, pm)
    assert pi.status == "requires_action"
    _authenticate(pi, "complete")
    after = client.v1.payment_intents.retrieve(pi.id, options={"stripe_account": account})
    assert after.status == "requires_payment_method"
    assert after.last_payment_error.decline_code == decline_code  # type: ignore[union-attr]


def test_three_d_secure_lookup_failure_is_a_processing_error(client: stripe.StripeClient,
                                                             account: str) -> None:
    with pytest.raises(stripe.CardError) as info:
        _confirm(client, account, _intent(client, account).id,
                 "pm_card_threeDSecureRequiredProcessingError")
    assert info.value.code == "processing_error"


def test_optional_three_d_secure_only_when_asked(client: stripe.StripeClient,
                                                 account: str) -> None:
    plain = _confirm(client, account, _intent(client, account).id, "pm_card_threeDSecureOptional")
    assert plain.status == "succeeded"
    ask = {"payment_method_options": {"card": {"request_three_d_secure": "any"}}}
    asked = _confirm(client, account, _intent(client, account, **ask).id,
                     "pm_card_threeDSecureOptional")
    assert asked.status == "requires_action"
    # American Express test cards do not support 3-D Secure: asking changes nothing
    amex = _confirm(client, account, _intent(client, account, **ask).id, "pm_card_amex")
    assert amex.status == "succeeded"


def test_off_session_needs_a_card_set_up_for_it(client: stripe.StripeClient,
                                                account: str) -> None:
    pi = _intent(client, account)
    with pytest.raises(stripe.CardError) as info:
        _confirm(client, account, pi.id, "pm_card_authenticationRequired", off_session=True)
    assert info.value.code == "authentication_required"
    ok = _confirm(client, account, _intent(client, account).id,
                  "pm_card_authenticationRequiredSetupForOffSession", off_session=True)
    assert ok.status == "succeeded"


@pytest.mark.parametrize("card,code,param", [
    ({"number": "4242424242424241", "exp_month": 4, "exp_year": 2041}, "incorrect_number",
     "number"),
    ({"number": "4242424242424242", "exp_month": 13, "exp_year": 2041},
     "invalid_expiry_month", "exp_month"),
    ({"number": "4242424242424242", "exp_month": 4, "exp_year": 95}, "invalid_expiry_year",
     "exp_year"),
    ({"number": "4242424242424242", "exp_month": 4, "exp_year": 2041, "cvc": "99"},
     "invalid_cvc", "cvc"),
])
def test_invalid_data(world: World, account: str, card: dict[str, Any], code: str,
                      param: str) -> None:
    browser = make_client(world.url, PUBLISHABLE)
    with pytest.raises(stripe.CardError) as info:
        browser.v1.payment_methods.create({"type": "card", "card": card},  # type: ignore[typeddict-item]
                                          {"stripe_account": account})
    assert (info.value.code, info.value.param) == (code, param)
    # a two-digit year in the future is read as this century's
    pm = browser.v1.payment_methods.create(
        {"type": "card", "card": {"number": "4242424242424242", "exp_month": 4,
                                  "exp_year": 41}}, {"stripe_account": account})
    assert pm.card.exp_year == 2041  # type: ignore[union-attr]
