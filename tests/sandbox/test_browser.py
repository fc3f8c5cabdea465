"""The browser side in a real Chromium: Stripe.js stand-in, 3-D Secure, OAuth, dashboard."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
import stripe
from playwright.sync_api import expect

from tests.sandbox.conftest import CLIENT_ID, PUBLISHABLE, World

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def _open_checkout(page: Any, host_page: str, world: World, account: str,
                   amount: int = 2500) -> stripe.PaymentIntent:
    pi = world.client.v1.payment_intents.create(
        {"amount": amount, "currency": "usd", "automatic_payment_methods": {"enabled": True},
         "description": "Video consult"}, {"stripe_account": account})
    query = urlencode({"pk": PUBLISHABLE, "account": account, "secret": pi.client_secret})
    page.goto(f"{host_page}/pay?{query}")
    page.wait_for_function("window.events.some(e => e.type === 'ready')")
    return pi


def _fill(page: Any, number: str, expiry: str = "12 / 34", cvc: str = "123",
          postal: str = "94107") -> Any:
    frame = page.frame_locator("#payment-element iframe")
    frame.get_by_label("Card number").fill(number)
    frame.get_by_label("Expiration date").fill(expiry)
    frame.get_by_label("Security code").fill(cvc)
    frame.get_by_label("ZIP / Postal code").fill(postal)
    return frame


def _result(page: Any) -> str:
    page.wait_for_function("document.getElementById('result').textContent !== ''")
    return str(page.locator("#result").text_content())


def test_card_iframe_is_cross_origin_and_shows_test_mode(page: Any, host_page: str,
                                                         world: World, account: str) -> None:
    _open_checkout(page, host_page, world, account)
    iframe = page.locator("#payment-element iframe")
    src = iframe.get_attribute("src")
    assert urlparse(src).netloc == urlparse(world.url).netloc != urlparse(host_page).netloc
    frame = page.frame_locator("#payment-element iframe")
    expect(frame.get_by_text("TEST MODE")).to_be_visible()
    # the host page cannot reach into the card fields
    assert page.evaluate("""() => { try {
        return document.querySelector('#payment-element iframe').contentDocument === null;
      } catch (e) { return true; } }""")


def test_successful_payment_and_change_events(page: Any, host_page: str, world: World,
                                              account: str) -> None:
    pi = _open_checkout(page, host_page, world, account)
    _fill(page, "4242 4242 4242 4242")
    page.wait_for_function("window.events.some(e => e.type === 'change' && e.complete)")
    page.click("#submit")
    assert _result(page) == "ok:succeeded"
    done = world.client.v1.payment_intents.retrieve(
        pi.id, {"expand": ["payment_method"]}, {"stripe_account": account})
    assert done.status == "succeeded" and done.receipt_email == "pat@example.com"
    assert done.payment_method.card.last4 == "4242"
    retrieved = page.evaluate("""async (secret) => {
        const r = await Stripe(new URLSearchParams(location.search).get('pk'),
          {stripeAccount: new URLSearchParams(location.search).get('account')})
          .retrievePaymentIntent(secret);
        return r.paymentIntent.status; }""", pi.client_secret)
    assert retrieved == "succeeded"


def test_incomplete_fields_are_a_validation_error_without_a_request(
        page: Any, host_page: str, world: World, account: str) -> None:
    pi = _open_checkout(page, host_page, world, account)
    frame = page.frame_locator("#payment-element iframe")
    frame.get_by_label("Card number").fill("4242 4242")
    page.click("#submit")
    assert _result(page) == "error:incomplete_number:Your card number is incomplete."
    assert page.evaluate("window.result.error.type") == "validation_error"
    after = world.client.v1.payment_intents.retrieve(pi.id, options={"stripe_account": account})
    assert after.status == "requires_payment_method" and after.last_payment_error is None
    frame.get_by_label("Card number").fill("4242 4242 4242 4241")
    frame.get_by_label("Expiration date").click()
    # The form says so itself; as Stripe.js's, the change event carries no `error`
    # (submit() returns it).
    expect(frame.get_by_role("alert")).to_have_text("Your card number is invalid.")
    assert page.evaluate("window.events.filter(e => e.type === 'change').length") > 0
    assert not page.evaluate("window.events.some(e => e.hasError)")
    page.evaluate("document.getElementById('result').textContent = ''")
    page.click("#submit")
    assert _result(page) == "error:invalid_number:Your card number is invalid."


def test_submit_and_update_answer_as_stripe_js_types_say(page: Any, host_page: str,
                                                         world: World, account: str) -> None:
    _open_checkout(page, host_page, world, account)
    _fill(page, "4242 4242 4242 4242")
    # @stripe/stripe-js: submit() -> {selectedPaymentMethod} | {error}; update() -> Promise.
    assert page.evaluate("elements.submit()") == {"selectedPaymentMethod": "card"}
    assert page.evaluate("elements.update({appearance: {theme: 'night'}}) instanceof Promise")


def test_the_loaderror_test_mode_fails_the_next_forms(page: Any, host_page: str, world: World,
                                                      account: str) -> None:
    armed = httpx.post(f"{world.url}/_sandbox/faults", json={"loaderror": 1})
    assert armed.json()["loaderror"] == 1
    pi = world.client.v1.payment_intents.create(
        {"amount": 900, "currency": "usd", "automatic_payment_methods": {"enabled": True}},
        {"stripe_account": account})
    page.add_init_script("""window.addEventListener("DOMContentLoaded", () => {
      element.on("loaderror", (e) => window.events.push({type: "loaderror", error: e.error}));
    });""")
    query = urlencode({"pk": PUBLISHABLE, "account": account, "secret": pi.client_secret})
    page.goto(f"{host_page}/pay?{query}")
    page.wait_for_function("window.events.some(e => e.type === 'loaderror')")
    failed = page.evaluate("window.events.find(e => e.type === 'loaderror')")
    assert failed["error"]["type"] == "api_connection_error" and failed["error"]["message"]
    assert not page.evaluate("window.events.some(e => e.type === 'ready')")
    # The next form loads: the mode was for one.
    page.reload()
    page.wait_for_function("window.events.some(e => e.type === 'ready')")
    assert httpx.get(f"{world.url}/_sandbox/faults").json()["loaderror"] == 0


@pytest.mark.parametrize("number,expected", [
    ("4000 0000 0000 0002", "error:generic_decline:Your card was declined."),
    ("4000 0000 0000 9995", "error:insufficient_funds:Your card has insufficient funds."),
    ("4000 0000 0000 0069", "error:expired_card:Your card has expired."),
    ("4000 0000 0000 0127", "error:incorrect_cvc:Your card's security code is incorrect."),
])
def test_declines_resolve_with_stripes_messages(page: Any, host_page: str, world: World,
                                                account: str, number: str,
                                                expected: str) -> None:
    pi = _open_checkout(page, host_page, world, account)
    _fill(page, number)
    page.click("#submit")
    assert _result(page) == expected
    error = page.evaluate("window.result.error")
    assert error["type"] == "card_error" and error["payment_intent"]["id"] == pi.id
    assert error["payment_intent"]["status"] == "requires_payment_method"


@pytest.mark.parametrize("number", ["4000 0025 0000 3155", "4000 0027 6000 3184"])
def test_three_d_secure_complete(page: Any, host_page: str, world: World, account: str,
                                 number: str) -> None:
    pi = _open_checkout(page, host_page, world, account)
    _fill(page, number)
    page.click("#submit")
    challenge = page.frame_locator("iframe[title='3D Secure authentication']")
    challenge.get_by_role("button", name="Complete authentication").click()
    assert _result(page) == "ok:succeeded"
    assert page.locator("[data-stripe-sandbox='3ds-modal']").count() == 0
    charge = world.client.v1.charges.retrieve(
        str(world.client.v1.payment_intents.retrieve(
            pi.id, options={"stripe_account": account}).latest_charge),
        options={"stripe_account": account})
    assert charge.payment_method_details.card.three_d_secure.result == "authenticated"


def test_three_d_secure_fail(page: Any, host_page: str, world: World, account: str) -> None:
    pi = _open_checkout(page, host_page, world, account)
    _fill(page, "4000 0027 6000 3184")
    page.click("#submit")
    challenge = page.frame_locator("iframe[title='3D Secure authentication']")
    expect(challenge.get_by_text("TEST MODE").first).to_be_visible()
    challenge.get_by_role("button", name="Fail authentication").click()
    assert _result(page) == ("error:payment_intent_authentication_failure:We are unable to "
                             "authenticate your payment method. Please choose a different "
                             "payment method and try again.")
    after = world.client.v1.payment_intents.retrieve(pi.id, options={"stripe_account": account})
    assert after.status == "requires_payment_method"
    assert after.last_payment_error.code == "payment_intent_authentication_failure"


def _authorize_url(world: World, host_page: str, state: str) -> str:
    return world.client.oauth.authorize_url({
        "client_id": CLIENT_ID, "scope": "read_write", "state": state,
        "redirect_uri": f"{host_page}/oauth/callback"})


def test_oauth_authorize_token_and_deauthorize(page: Any, host_page: str,
                                               world: World) -> None:
    page.goto(_authorize_url(world, host_page, "st-123"))
    expect(page.get_by_text("TEST MODE").first).to_be_visible()
    page.get_by_label("Create a new test account").check()
    page.get_by_label("Business name", exact=True).fill("Harbor <Clinic>")
    page.get_by_label("Email", exact=True).fill("owner@harbor.example")
    page.get_by_label("Country", exact=True).select_option("GB")
    page.get_by_role("button", name="Authorize access to this account").click()
    page.wait_for_url(f"{host_page}/oauth/callback*")
    query = parse_qs(urlparse(page.url).query)
    assert query["state"] == ["st-123"] and query["code"][0].startswith("ac_")
    code = query["code"][0]

    token = world.client.oauth.token({"grant_type": "authorization_code", "code": code})
    acct_id = token.stripe_user_id
    assert token.token_type == "bearer" and token.scope == "read_write"
    assert token.stripe_publishable_key.startswith("pk_test_")
    acct = world.client.v1.accounts.retrieve(acct_id)
    assert (acct.business_profile.name, acct.country, acct.default_currency) == (
        "Harbor <Clinic>", "GB", "gbp")
    assert acct.charges_enabled and acct.payouts_enabled
    with pytest.raises(stripe.oauth_error.InvalidGrantError):
        world.client.oauth.token({"grant_type": "authorization_code", "code": code})

    # the consent page now lists the account by name; picking it connects it again
    page.goto(_authorize_url(world, host_page, "st-456"))
    page.get_by_label("Harbor <Clinic>").check()
    page.get_by_role("button", name="Authorize access to this account").click()
    page.wait_for_url(f"{host_page}/oauth/callback*")
    assert parse_qs(urlparse(page.url).query)["state"] == ["st-456"]

    world.client.oauth.deauthorize({"stripe_user_id": acct_id})
    with pytest.raises(stripe.PermissionError):
        world.client.v1.payment_intents.list({}, {"stripe_account": acct_id})
    kinds = {e["type"] for e in world.receiver.accepted(account=acct_id)}
    assert {"account.application.authorized"} <= kinds


def test_oauth_deny(page: Any, host_page: str, world: World) -> None:
    page.goto(_authorize_url(world, host_page, "st-deny"))
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url(f"{host_page}/oauth/callback*")
    assert parse_qs(urlparse(page.url).query) == {
        "error": ["access_denied"], "error_description": ["The user denied your request"],
        "state": ["st-deny"]}


def test_dashboard_lists_payments_refunds_and_events(page: Any, world: World) -> None:
    account = world.account("Dashboard <b>Clinic</b>")
    opts = {"stripe_account": account}
    pi = world.client.v1.payment_intents.create(
        {"amount": 123456, "currency": "usd", "description": "<script>alert(1)</script>",
         "confirm": True, "payment_method": "pm_card_visa",
         "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}}, opts)
    world.client.v1.refunds.create({"payment_intent": pi.id, "amount": 456}, opts)
    world.client.v1.payment_intents.create({"amount": 500, "currency": "jpy"}, opts)
    page.goto(f"{world.url}/")
    page.get_by_role("link", name="Dashboard <b>Clinic</b>").click()
    body = page.locator("main")
    expect(body.get_by_text("1,234.56 USD")).to_be_visible()
    expect(body.get_by_text("500 JPY")).to_be_visible()
    expect(body.get_by_text("4.56 USD", exact=True)).to_be_visible()
    expect(body.get_by_text("<script>alert(1)</script>")).to_be_visible()  # escaped, shown as text
    expect(body.get_by_text("payment_intent.succeeded")).to_be_visible()
    expect(body.get_by_text("refund.created")).to_be_visible()


def test_dashboard_shows_charges_as_they_are_and_paygates_metadata(
        page: Any, world: World) -> None:
    account = world.account("Harbour Clinic")
    opts = {"stripe_account": account}
    world.client.v1.payment_intents.create(
        {"amount": 4200, "currency": "usd", "confirm": True, "payment_method": "pm_card_visa",
         "metadata": {"paygate_payment_request": "pr_abc123", "paygate_clinic": "harbour"},
         "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}}, opts)
    page.goto(f"{world.url}/dashboard/accounts/{account}")
    # Not onboarded, yet the payment succeeded here: the page says both.
    expect(page.locator('[data-field="charges"]')).to_have_text(
        "charges not enabled: onboarding incomplete (the sandbox accepts test payments)")
    row = page.locator("tr", has=page.get_by_text("42.00 USD"))
    expect(row).to_contain_text("succeeded")
    expect(row).to_contain_text("paygate_clinic=harbour, paygate_payment_request=pr_abc123")

    httpx.post(f"{world.url}/_sandbox/accounts/{account}",
               json={"charges_enabled": True}).raise_for_status()
    page.reload()
    expect(page.locator('[data-field="charges"]')).to_have_text("charges enabled")
    page.goto(f"{world.url}/dashboard")
    expect(page.locator("tr", has=page.get_by_role("link", name="Harbour Clinic"))
           ).to_contain_text("charges enabled")


def test_three_d_secure_page_names_the_business(page: Any, host_page: str,
                                                world: World) -> None:
    account = world.account("Sunrise Family Practice")
    _open_checkout(page, host_page, world, account)
    _fill(page, "4000 0027 6000 3184")
    page.click("#submit")
    challenge = page.frame_locator("iframe[title='3D Secure authentication']")
    expect(challenge.get_by_text("Purchase at")).to_contain_text(
        "Purchase at Sunrise Family Practice: 25.00 USD")
    challenge.get_by_role("button", name="Complete authentication").click()
    assert _result(page) == "ok:succeeded"
