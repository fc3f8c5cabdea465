"""Stripe's dispute test cards and evidence values (docs.stripe.com/testing#disputes),
through the official SDK: the charge succeeds, then a dispute opens; evidence decides it."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.conftest import Receiver, wait_for
from tests.sandbox.test_cards_refunds import _pay


def _dispute(client: stripe.StripeClient, account: str, pi: stripe.PaymentIntent
             ) -> stripe.Dispute:
    found = client.v1.disputes.list({"payment_intent": pi.id},
                                    {"stripe_account": account}).data
    assert len(found) == 1
    return found[0]


def _types(receiver: Receiver, dispute_id: str) -> list[str]:
    return [e["type"] for e in receiver.accepted(object_id=dispute_id)]


@pytest.mark.parametrize("pm,reason", [("pm_card_createDispute", "fraudulent"),
                                       ("pm_card_createDisputeProductNotReceived",
                                        "product_not_received")])
def test_a_chargeback_opens_after_success_and_winning_evidence_wins_it(
        client: stripe.StripeClient, account: str, receiver: Receiver, pm: str,
        reason: str) -> None:
    pi = _pay(client, account, pm, amount=4200)
    assert pi.status == "succeeded"
    dispute = _dispute(client, account, pi)
    assert (dispute.status, dispute.reason, dispute.amount) == ("needs_response", reason, 4200)
    assert dispute.charge == pi.latest_charge
    assert dispute.payment_method_details.card.case_type == "chargeback"
    assert dispute.evidence_details.due_by > dispute.created
    withdrawn = dispute.balance_transactions[0]
    assert (withdrawn.amount, withdrawn.fee, withdrawn.net) == (-4200, 1500, -5700)
    charge = client.v1.charges.retrieve(str(pi.latest_charge), options={"stripe_account": account})
    assert charge.disputed is True

    answered = client.v1.disputes.update(
        dispute.id, {"evidence": {"uncategorized_text": "winning_evidence"}},
        {"stripe_account": account})
    assert answered.status == "under_review"
    assert answered.evidence_details.submission_count == 1
    won = client.v1.disputes.retrieve(dispute.id, options={"stripe_account": account})
    assert won.status == "won" and won.balance_transactions[1].net == 5700
    wait_for(lambda: "charge.dispute.closed" in _types(receiver, dispute.id), what="closed")
    assert _types(receiver, dispute.id) == [
        "charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.updated",
        "charge.dispute.funds_reinstated", "charge.dispute.closed"]
    with pytest.raises(stripe.InvalidRequestError, match="already closed"):
        client.v1.disputes.update(dispute.id, {"evidence": {"uncategorized_text": "more"}},
                                  {"stripe_account": account})


def test_losing_evidence_loses_and_an_inquiry_moves_no_money(
        client: stripe.StripeClient, account: str) -> None:
    lost = _dispute(client, account, _pay(client, account, "pm_card_createDispute"))
    staged = client.v1.disputes.update(
        lost.id, {"evidence": {"uncategorized_text": "losing_evidence"}, "submit": False},
        {"stripe_account": account})
    assert staged.status == "needs_response" and staged.evidence_details.has_evidence
    client.v1.disputes.update(lost.id, {"submit": True}, {"stripe_account": account})
    assert client.v1.disputes.retrieve(
        lost.id, options={"stripe_account": account}).status == "lost"

    inquiry = _dispute(client, account, _pay(client, account, "pm_card_createDisputeInquiry"))
    assert inquiry.status == "warning_needs_response" and inquiry.reason == "fraudulent"
    assert inquiry.payment_method_details.card.case_type == "inquiry"
    assert inquiry.balance_transactions == [] and inquiry.is_charge_refundable
    closed = client.v1.disputes.close(inquiry.id, options={"stripe_account": account})
    assert closed.status == "warning_closed"
    # Another account does not see them.
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.disputes.retrieve(lost.id)
