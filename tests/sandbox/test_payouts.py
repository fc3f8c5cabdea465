"""Payouts on a documented trigger, and the balance transactions each one holds, through
the official SDK."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.sandbox.conftest import Receiver, World, wait_for
from tests.sandbox.test_cards_refunds import _pay


def _payouts(world: World, account: str, **body: object) -> list[dict[str, object]]:
    made = httpx.post(f"{world.url}/_sandbox/accounts/{account}/payouts", json=body)
    made.raise_for_status()
    data: list[dict[str, object]] = made.json()["data"]
    return data


def test_a_payout_holds_the_charges_refunds_fees_and_disputes_since_the_last_one(
        world: World, client: stripe.StripeClient, account: str, receiver: Receiver) -> None:
    on = {"stripe_account": account}
    paid = _pay(client, account, "pm_card_visa", amount=10_000)
    client.v1.refunds.create({"payment_intent": paid.id, "amount": 2_500}, on)
    _pay(client, account, "pm_card_createDispute", amount=4_000)
    (first,) = _payouts(world, account)
    # 10000 - fee 320, refund -2500, 4000 - fee 146, dispute -4000 - 1500
    assert first["amount"] == 9680 - 2500 + 3854 - 5500 and first["status"] == "paid"
    payout = client.v1.payouts.retrieve(str(first["id"]), options=on)
    assert payout.automatic and payout.arrival_date > payout.created
    held = client.v1.balance_transactions.list({"payout": payout.id, "limit": 100}, on).data
    assert sorted(t.type for t in held) == ["adjustment", "charge", "charge", "payout", "refund"]
    assert sum(t.net for t in held if t.type != "payout") == payout.amount
    wait_for(lambda: len(receiver.accepted(object_id=payout.id)) == 2, what="payout events")
    assert [e["type"] for e in receiver.accepted(object_id=payout.id)] == [
        "payout.created", "payout.paid"]

    # Nothing new: no payout. Then a new charge, and a payout the bank returns.
    assert _payouts(world, account) == []
    _pay(client, account, "pm_card_visa", amount=2_000)
    (second,) = _payouts(world, account, fail=True)
    assert (second["status"], second["failure_code"]) == ("failed", "account_closed")
    assert client.v1.payouts.list({"status": "failed"}, on).data[0].id == second["id"]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.balance_transactions.list({"payout": "po_missing"}, on)
