"""The HTTP API as a Stripe user sees it through the official SDK."""

from __future__ import annotations

import time

import pytest
import stripe

from tests.sandbox.conftest import PUBLISHABLE, SECRET, World, make_client, raw


def test_wrong_or_missing_key_is_401_in_stripes_shape(sandbox: str) -> None:
    for key in ("sk_test_someone_else", "sk_live_123456789", "nonsense"):
        with pytest.raises(stripe.AuthenticationError) as info:
            make_client(sandbox, key).v1.accounts.retrieve_current()
        assert info.value.http_status == 401
        err = info.value.json_body["error"]
        assert err["type"] == "invalid_request_error"
        assert err["message"].startswith("Invalid API Key provided: ")
        assert key not in err["message"] or len(key) <= 4
        assert info.value.request_id.startswith("req_")


def test_publishable_key_can_only_do_what_stripejs_does(sandbox: str) -> None:
    with pytest.raises(stripe.AuthenticationError) as info:
        make_client(sandbox, PUBLISHABLE).v1.payment_intents.create(
            {"amount": 1000, "currency": "usd"})
    assert "publishable API key" in info.value.user_message


def test_unknown_and_malformed_parameters_are_refused(client: stripe.StripeClient,
                                                     account: str) -> None:
    opts = {"stripe_account": account}
    cases = [
        ({"amount": 1000, "currency": "usd", "colour": "red"},
         "Received unknown parameter: colour", "colour"),
        ({"amount": 1000, "currency": "usd", "automatic_payment_methods": {"enabled": True,
                                                                           "bogus": "1"}},
         "Received unknown parameter: automatic_payment_methods[bogus]",
         "automatic_payment_methods[bogus]"),
        ({"amount": "ten", "currency": "usd"}, "Invalid integer: ten", "amount"),
        ({"amount": 1000}, "Missing required param: currency.", "currency"),
        ({"amount": 1000, "currency": "usd", "capture_method": "later"},
         "Invalid capture_method: must be one of automatic, automatic_async, or manual",
         "capture_method"),
    ]
    for params, message, param in cases:
        with pytest.raises(stripe.InvalidRequestError) as info:
            client.v1.payment_intents.create(params, opts)  # type: ignore[arg-type]
        assert info.value.user_message == message
        assert info.value.param == param
        assert info.value.http_status == 400


def test_description_receipt_email_and_metadata_are_kept(client: stripe.StripeClient,
                                                        account: str) -> None:
    pi = client.v1.payment_intents.create(
        {"amount": 2500, "currency": "usd", "description": "Follow-up visit",
         "receipt_email": "pat@example.com", "metadata": {"call": "c1", "gone": "x"},
         "automatic_payment_methods": {"enabled": True}},
        {"stripe_account": account})
    assert (pi.description, pi.receipt_email) == ("Follow-up visit", "pat@example.com")
    assert pi.client_secret.startswith(pi.id + "_secret_")
    assert pi.status == "requires_payment_method" and pi.livemode is False
    pi = client.v1.payment_intents.update(pi.id, {"metadata": {"gone": "", "new": "1"}},
                                          {"stripe_account": account})
    assert pi.metadata.to_dict() == {"call": "c1", "new": "1"}


def test_amounts_below_stripes_minimum_are_amount_too_small(client: stripe.StripeClient,
                                                          account: str) -> None:
    for amount, currency, text in ((49, "usd", "Amount must be at least $0.50 usd"),
                                   (29, "gbp", "Amount must be at least £0.30 gbp")):
        with pytest.raises(stripe.InvalidRequestError) as info:
            client.v1.payment_intents.create({"amount": amount, "currency": currency},
                                             {"stripe_account": account})
        assert info.value.code == "amount_too_small"
        assert info.value.user_message == text
    ok = client.v1.payment_intents.create({"amount": 50, "currency": "jpy"},
                                          {"stripe_account": account})
    assert ok.amount == 50


def test_objects_are_scoped_to_their_account(world: World) -> None:
    a, b = world.account("Clinic A"), world.account("Clinic B")
    pi = world.client.v1.payment_intents.create({"amount": 1000, "currency": "usd"},
                                                {"stripe_account": a})
    for options in ({"stripe_account": b}, {}):
        with pytest.raises(stripe.InvalidRequestError) as info:
            world.client.v1.payment_intents.retrieve(pi.id, options=options)  # type: ignore[arg-type]
        assert info.value.http_status == 404
        assert info.value.code == "resource_missing"
        assert info.value.user_message == f"No such payment_intent: '{pi.id}'"
    listed = world.client.v1.payment_intents.list({}, {"stripe_account": b})
    assert pi.id not in [p.id for p in listed.data]


def test_unconnected_account_is_a_permission_error(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.PermissionError) as info:
        client.v1.payment_intents.list({}, {"stripe_account": "acct_1NotMineAtAll00"})
    assert info.value.http_status == 403
    assert "does not have access to account 'acct_1NotMineAtAll00'" in info.value.user_message


def test_idempotent_replay_and_mismatch(client: stripe.StripeClient, account: str) -> None:
    opts = {"stripe_account": account, "idempotency_key": "idem-" + str(time.time())}
    first = client.v1.payment_intents.create({"amount": 1200, "currency": "usd"}, opts)
    again = client.v1.payment_intents.create({"amount": 1200, "currency": "usd"}, opts)
    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    with pytest.raises(stripe.IdempotencyError) as info:
        client.v1.payment_intents.create({"amount": 1300, "currency": "usd"}, opts)
    assert "Keys for idempotent requests can only be used with the same parameters" in (
        info.value.user_message or "")
    assert len(client.v1.payment_intents.list({"limit": 100},
                                              {"stripe_account": account}).data) == 1


def test_list_paginates_newest_first_with_created_filter(client: stripe.StripeClient,
                                                        account: str) -> None:
    opts = {"stripe_account": account}
    ids = [client.v1.payment_intents.create({"amount": 1000 + i, "currency": "usd"}, opts).id
           for i in range(5)]
    page = client.v1.payment_intents.list({"limit": 2}, opts)
    body = raw(page)
    assert body["object"] == "list" and body["url"] == "/v1/payment_intents"
    assert [p.id for p in page.data] == ids[::-1][:2] and page.has_more
    rest = client.v1.payment_intents.list({"limit": 10, "starting_after": page.data[-1].id},
                                          opts)
    assert [p.id for p in rest.data] == ids[::-1][2:] and not rest.has_more
    assert client.v1.payment_intents.list({"created": {"gte": int(time.time()) + 100}},
                                          opts).data == []
    every = [p.id for p in client.v1.payment_intents.list({"limit": 1}, opts).auto_paging_iter()]
    assert every == ids[::-1]


def test_cancel_and_its_unexpected_state_error(client: stripe.StripeClient,
                                               account: str) -> None:
    opts = {"stripe_account": account}
    pi = client.v1.payment_intents.create({"amount": 1000, "currency": "usd"}, opts)
    pi = client.v1.payment_intents.cancel(pi.id, {"cancellation_reason": "abandoned"}, opts)
    assert (pi.status, pi.cancellation_reason) == ("canceled", "abandoned")
    assert isinstance(pi.canceled_at, int)
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.payment_intents.cancel(pi.id, options=opts)  # type: ignore[arg-type]
    assert info.value.code == "payment_intent_unexpected_state"
    assert info.value.json_body["error"]["payment_intent"]["status"] == "canceled"


def test_manual_capture(client: stripe.StripeClient, account: str) -> None:
    opts = {"stripe_account": account}
    pi = client.v1.payment_intents.create(
        {"amount": 5000, "currency": "usd", "capture_method": "manual", "confirm": True,
         "payment_method": "pm_card_visa", "return_url": "https://clinic.example/done"}, opts)
    assert (pi.status, pi.amount_capturable) == ("requires_capture", 5000)
    pi = client.v1.payment_intents.capture(pi.id, {"amount_to_capture": 4000}, opts)
    assert (pi.status, pi.amount_received) == ("succeeded", 4000)
    charge = client.v1.charges.retrieve(str(pi.latest_charge), options=opts)  # type: ignore[arg-type]
    assert charge.captured and charge.amount_captured == 4000


def test_server_side_confirm_needs_return_url_like_stripe(client: stripe.StripeClient,
                                                         account: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.payment_intents.create(
            {"amount": 1000, "currency": "usd", "confirm": True,
             "payment_method": "pm_card_visa"}, {"stripe_account": account})
    assert "allow_redirects" in (info.value.user_message or "")
    pi = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "confirm": True, "payment_method": "pm_card_visa",
         "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}},
        {"stripe_account": account})
    assert pi.status == "succeeded"


def test_expand_latest_charge_and_payment_method(client: stripe.StripeClient,
                                                 account: str) -> None:
    opts = {"stripe_account": account}
    pi = client.v1.payment_intents.create(
        {"amount": 1999, "currency": "eur", "confirm": True, "payment_method": "pm_card_visa",
         "allowed_payment_method_types": ["card"]}, opts)
    full = client.v1.payment_intents.retrieve(
        pi.id, {"expand": ["latest_charge.balance_transaction", "payment_method"]}, opts)
    assert full.payment_method.card.brand == "visa" and full.payment_method.card.last4 == "4242"
    charge = full.latest_charge
    assert charge.payment_method_details.card.last4 == "4242"
    assert charge.balance_transaction.fee > 0
    assert charge.balance_transaction.net == 1999 - charge.balance_transaction.fee


def test_accounts_retrieve_update_delete(client: stripe.StripeClient, account: str) -> None:
    acct = client.v1.accounts.retrieve(account)
    assert (acct.country, acct.default_currency, acct.business_profile.name) == (
        "US", "usd", "Sunrise Clinic")
    assert acct.charges_enabled is False  # onboarding not done, as for a new Stripe account
    acct = client.v1.accounts.update(account, {"business_profile": {"name": "Sunrise"},
                                               "email": "new@sunrise.example"})
    assert (acct.business_profile.name, acct.email) == ("Sunrise", "new@sunrise.example")
    me = client.v1.accounts.retrieve_current(options={"stripe_account": account})
    assert me.id == account
    link = client.v1.account_links.create({"account": account, "type": "account_onboarding",
                                           "refresh_url": "https://x.example/r",
                                           "return_url": "https://x.example/d"})
    assert link.object == "account_link" and link.url.startswith("http")
    gone = client.v1.accounts.delete(account)
    assert gone.deleted is True
    with pytest.raises(stripe.PermissionError):
        client.v1.accounts.retrieve(account)


async def test_async_client_as_paygate_uses_it(sandbox: str, account: str) -> None:
    http = stripe.HTTPXClient()
    client = stripe.StripeClient(SECRET, base_addresses={"api": sandbox, "connect": sandbox},
                                 http_client=http)
    pi = await client.v1.payment_intents.create_async(
        {"amount": 3000, "currency": "usd", "automatic_payment_methods": {"enabled": True},
         "metadata": {"request": "r1"}},
        {"stripe_account": account, "idempotency_key": f"async-{time.time()}"})
    got = await client.v1.payment_intents.retrieve_async(
        pi.id, {"expand": ["latest_charge", "payment_method"]}, {"stripe_account": account})
    assert got.latest_charge is None and got.payment_method is None
    listed = await client.v1.payment_intents.list_async(
        {"limit": 100, "created": {"gte": int(time.time()) - 60}}, {"stripe_account": account})
    assert [p.id for p in listed.data] == [pi.id]
    await http.close_async()
