"""Events, signed webhook delivery, retries, and the test-only fault controls."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
import stripe

from tests.sandbox.conftest import Receiver, World, make_client, wait_for

NO_REDIRECTS = {"enabled": True, "allow_redirects": "never"}


def _paid(world: World, account: str, amount: int = 2000) -> stripe.PaymentIntent:
    return world.client.v1.payment_intents.create(
        {"amount": amount, "currency": "usd", "confirm": True, "payment_method": "pm_card_visa",
         "automatic_payment_methods": NO_REDIRECTS}, {"stripe_account": account})


def test_events_carry_the_account_and_arrive_signed(world: World, account: str) -> None:
    pi = _paid(world, account)
    world.client.v1.refunds.create({"payment_intent": pi.id, "amount": 500},
                                   {"stripe_account": account})
    wanted = {"payment_intent.created", "charge.succeeded", "payment_intent.succeeded",
              "charge.refunded", "refund.created"}
    got = wait_for(lambda: wanted <= {e["type"] for e in world.receiver.accepted(
        account=account)} and world.receiver.accepted(account=account), what="events")
    assert not world.receiver.rejected
    assert all(e["account"] == account for e in got)
    succeeded = next(e for e in got if e["type"] == "payment_intent.succeeded")
    assert succeeded["object_id"] == pi.id
    event = world.client.v1.events.retrieve(succeeded["id"], options={"stripe_account": account})
    assert event.type == "payment_intent.succeeded" and event.data.object.status == "succeeded"
    listed = world.client.v1.events.list({"type": "refund.created"},
                                         {"stripe_account": account})
    assert [e.data.object.amount for e in listed.data] == [500]
    with pytest.raises(stripe.InvalidRequestError):
        world.client.v1.events.retrieve(succeeded["id"])  # the platform's own events only


def test_failed_delivery_is_retried_with_backoff(fresh_world: Callable[..., World]) -> None:
    world = fresh_world(retry_schedule=(0.2, 0.3))
    world.receiver.plan = [500, 500]
    account = world.account()
    pi = world.client.v1.payment_intents.create({"amount": 1000, "currency": "usd"},
                                                {"stripe_account": account})
    attempts = wait_for(lambda: len(world.receiver.all(object_id=pi.id)) >= 3 and
                        world.receiver.all(object_id=pi.id), what="three attempts")
    assert [a["status"] for a in attempts] == [500, 500, 200]
    assert len({a["id"] for a in attempts}) == 1


def test_gives_up_after_the_schedule(fresh_world: Callable[..., World]) -> None:
    world = fresh_world(retry_schedule=(0.1,))
    world.receiver.plan = [503, 503]
    account = world.account()
    world.client.v1.payment_intents.create({"amount": 1000, "currency": "usd"},
                                           {"stripe_account": account})
    wait_for(lambda: len(world.receiver.all()) >= 2, what="two attempts")
    time.sleep(0.4)
    assert len(world.receiver.all()) == 2 and not world.receiver.accepted()


def test_redeliver_sends_pending_events_now(fresh_world: Callable[..., World]) -> None:
    world = fresh_world(retry_schedule=(60.0,))
    world.receiver.plan = [500]
    account = world.account()
    world.client.v1.payment_intents.create({"amount": 1000, "currency": "usd"},
                                           {"stripe_account": account})
    wait_for(lambda: world.receiver.all(), what="first attempt")
    assert not world.receiver.accepted()
    sent = httpx.post(f"{world.url}/_sandbox/webhooks/redeliver").json()
    assert sent == {"redelivered": 1}
    wait_for(lambda: world.receiver.accepted(), what="redelivery")


def test_duplicate_and_shuffle_faults(fresh_world: Callable[..., World]) -> None:
    world = fresh_world(faults=frozenset({"duplicate"}))
    account = world.account()
    pi = world.client.v1.payment_intents.create({"amount": 1000, "currency": "usd"},
                                                {"stripe_account": account})
    copies = wait_for(lambda: len(world.receiver.accepted(object_id=pi.id)) >= 2 and
                      world.receiver.accepted(object_id=pi.id), what="duplicate")
    assert copies[0]["id"] == copies[1]["id"]

    shuffled = fresh_world()
    httpx.post(f"{shuffled.url}/_sandbox/faults", json={"webhooks": ["shuffle"]}).raise_for_status()
    acct = shuffled.account()
    created = [shuffled.client.v1.payment_intents.create(
        {"amount": 1000 + i, "currency": "usd"}, {"stripe_account": acct}).id for i in range(12)]
    order = wait_for(lambda: len(shuffled.receiver.accepted()) >= 12 and
                     [e["object_id"] for e in shuffled.receiver.accepted()], what="12 events")
    assert sorted(order) == sorted(created)
    assert order != created  # 1 in 12! to fail by chance


def test_runtime_webhook_endpoint_gets_connect_events(fresh_world: Callable[..., World]) -> None:
    world = fresh_world()
    own = Receiver(secret="")
    from tests.servers import serve_asgi

    with serve_asgi(own.app()) as url:
        endpoint = world.client.v1.webhook_endpoints.create(
            {"url": url + "/hook", "enabled_events": ["payment_intent.created"],
             "connect": True})
        assert endpoint.id.startswith("we_") and endpoint.secret.startswith("whsec_")
        own.secret = endpoint.secret
        account = world.account()
        world.client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})
        pi = world.client.v1.payment_intents.create({"amount": 1000, "currency": "usd"},
                                                    {"stripe_account": account})
        got = wait_for(lambda: own.accepted(), what="connect event")
        time.sleep(0.3)
        assert [(e["type"], e["object_id"], e["account"]) for e in own.accepted()] == [
            ("payment_intent.created", pi.id, account)]
        world.client.v1.webhook_endpoints.delete(endpoint.id)
        assert got


def test_api_fault_fails_once_then_sdk_retry_succeeds(world: World, account: str) -> None:
    fault = {"api": [{"method": "POST", "path": "/v1/payment_intents", "status": 500,
                      "count": 1}]}
    httpx.post(f"{world.url}/_sandbox/faults", json=fault).raise_for_status()
    with pytest.raises(stripe.APIError) as info:
        world.client.v1.payment_intents.create({"amount": 1000, "currency": "usd"},
                                               {"stripe_account": account})
    assert info.value.http_status == 500
    httpx.post(f"{world.url}/_sandbox/faults", json=fault).raise_for_status()
    retrying = make_client(world.url, retries=2)
    pi = retrying.v1.payment_intents.create({"amount": 1000, "currency": "usd"},
                                            {"stripe_account": account})
    assert pi.status == "requires_payment_method"
    httpx.delete(f"{world.url}/_sandbox/faults").raise_for_status()


def test_lost_response_is_replayed_by_idempotency(world: World, account: str) -> None:
    httpx.post(f"{world.url}/_sandbox/faults", json={"api": [
        {"path": "/v1/payment_intents", "method": "POST", "status": 502, "after": True}]}
    ).raise_for_status()
    retrying = make_client(world.url, retries=1)
    pi = retrying.v1.payment_intents.create({"amount": 1000, "currency": "usd"},
                                            {"stripe_account": account, "idempotency_key":
                                             f"lost-{time.time()}"})
    assert pi.last_response.headers["Idempotent-Replayed"] == "true"
    listed = world.client.v1.payment_intents.list({}, {"stripe_account": account})
    assert [p.id for p in listed.data] == [pi.id]


def test_api_delay_fault_trips_client_timeouts(world: World, account: str) -> None:
    httpx.post(f"{world.url}/_sandbox/faults", json={"api": [
        {"path": "/v1/accounts/*", "delay": 1.5}]}).raise_for_status()
    http = stripe.HTTPXClient(timeout=0.5, allow_sync_methods=True)
    slow = stripe.StripeClient("sk_test_sandbox_suite", base_addresses={"api": world.url},
                               http_client=http, max_network_retries=0)
    with pytest.raises(stripe.APIConnectionError):
        slow.v1.accounts.retrieve(account)
    http.close()
    assert world.client.v1.accounts.retrieve(account).id == account  # fault used up
