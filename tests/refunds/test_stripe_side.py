"""Stripe failing, Stripe answering late, and refunds made at Stripe itself: the ledger stays
true, nothing is refunded twice, and the patient gets one email per refund."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import Stack
from tests.payments.conftest import Clinic, status_of, wait_until
from tests.refunds.conftest import (
    Paid,
    intent_id,
    refund_mails,
    sandbox_faults,
    stripe_refunds,
)


def test_stripe_failing_refunds_nothing_and_the_retry_refunds_once(
        stack: Stack, clinic: Clinic, paid: Paid) -> None:
    # Every attempt the SDK makes (it retries twice) gets a 500.
    sandbox_faults(stack, api=[{"method": "POST", "path": "/v1/refunds", "status": 500,
                                "count": 3}])
    failed = paid.refund(amount=3000)
    assert failed.status_code == 503, failed.text
    error = failed.json()["error"]
    assert error["code"] == "payment_provider_unavailable"
    assert error["message"].startswith("Stripe did not answer")
    listing = paid.refunds()
    assert (listing["status"], listing["amount_refunded"], listing["remaining"]) == \
        ("paid", 0, 12000)
    [held] = listing["refunds"]
    assert held["status"] == "pending" and held["error"].startswith("Stripe did not answer")
    assert stripe_refunds(stack, clinic, paid) == []

    # Another amount must wait for the unanswered one: it may have been made.
    other = paid.refund(amount=500)
    assert other.status_code == 409
    assert other.json()["error"]["message"] == \
        "A refund of USD 30.00 was not confirmed by Stripe. Retry that amount first."

    retry = paid.refund(amount=3000)
    assert retry.status_code == 201, retry.text
    assert retry.json()["refund"]["id"] == held["id"]  # the same attempt, the same key
    [made] = stripe_refunds(stack, clinic, paid)
    assert made.amount == 3000
    assert status_of(paid.clinician, paid.id) == "partially_refunded"
    wait_until(lambda: len(refund_mails(stack)) == 1)


def test_a_lost_answer_is_replayed_by_stripe_not_refunded_again(
        stack: Stack, clinic: Clinic, paid: Paid) -> None:
    # Stripe makes the refund, then the answer is lost; the SDK's retry carries the same
    # idempotency key, so Stripe replays the first answer.
    sandbox_faults(stack, api=[{"method": "POST", "path": "/v1/refunds", "status": 502,
                                "after": True}])
    response = paid.refund()
    assert response.status_code == 201, response.text
    assert [r.amount for r in stripe_refunds(stack, clinic, paid)] == [12000]
    assert status_of(paid.clinician, paid.id) == "refunded"


def test_stripe_refusing_leaves_the_ledger_untouched(stack: Stack, clinic: Clinic,
                                                     paid: Paid) -> None:
    sandbox_faults(stack, api=[{"method": "POST", "path": "/v1/refunds", "status": 400,
                                "error": {"type": "invalid_request_error",
                                          "message": "Refunds are paused on this account."}}])
    response = paid.refund(amount=1000)
    assert response.status_code == 502, response.text
    assert response.json()["error"]["message"] == \
        "Stripe refused the refund: Refunds are paused on this account."
    listing = paid.refunds()
    assert (listing["status"], listing["amount_refunded"]) == ("paid", 0)
    assert [r["status"] for r in listing["refunds"]] == ["failed"]
    assert refund_mails(stack) == []
    # A failed attempt holds nothing: the next one goes through.
    assert paid.refund(amount=1000).status_code == 201


@pytest.mark.parametrize("stack_overrides", [{"stripe_timeout": 1}])
def test_when_stripe_answers_too_late_its_webhook_settles_the_refund(
        stack: Stack, clinic: Clinic, paid: Paid) -> None:
    # Stripe takes 4 s: paygate gives up after its 1 s timeout and its retries, while the
    # refund is made at Stripe; the webhook then names it by its paygate_refund_id.
    sandbox_faults(stack, api=[{"method": "POST", "path": "/v1/refunds", "delay": 4}])
    response = paid.refund(amount=4000, reason="service_not_provided")
    assert response.status_code == 503, response.text
    wait_until(lambda: status_of(paid.clinician, paid.id) == "partially_refunded",
               timeout=15)
    [refund] = paid.refunds()["refunds"]
    assert (refund["status"], refund["made_by"], refund["amount"]) == \
        ("succeeded", "Dr Ada Grey", 4000)
    assert [r.amount for r in stripe_refunds(stack, clinic, paid)] == [4000]
    [mail] = stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("Refund from"))
    assert "Service not provided" in mail.text()
    time.sleep(0.5)
    assert len(refund_mails(stack)) == 1


@pytest.mark.parametrize("sandbox_config_overrides",
                         [{"faults": frozenset({"duplicate", "shuffle"})}])
def test_a_refund_made_in_the_stripe_dashboard_keeps_paygate_true(
        stack: Stack, clinic: Clinic, paid: Paid) -> None:
    intent = intent_id(stack, clinic, paid)
    stack.stripe.v1.refunds.create({"payment_intent": intent, "amount": 3000,
                                    "reason": "duplicate"},
                                   {"stripe_account": clinic.account})
    wait_until(lambda: status_of(paid.clinician, paid.id) == "partially_refunded")
    listing = paid.refunds()
    assert (listing["amount_refunded"], listing["remaining"]) == (3000, 9000)
    [refund] = listing["refunds"]
    assert (refund["source"], refund["made_by"], refund["reason"], refund["status"]) == \
        ("stripe", "Stripe", "duplicate", "succeeded")
    [mail] = stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("Refund from"))
    assert "$30.00" in mail.text() and "$90.00" in mail.text()

    # Then the rest from paygate: Stripe's duplicated, shuffled events change nothing more.
    rest = paid.refund(reason="requested_by_patient")
    assert rest.status_code == 201, rest.text
    assert rest.json()["refund"]["amount"] == 9000
    wait_until(lambda: len(refund_mails(stack)) == 2)
    time.sleep(1.5)
    assert len(refund_mails(stack)) == 2
    final: dict[str, Any] = paid.refunds()
    assert (final["status"], final["amount_refunded"]) == ("refunded", 12000)
    assert sorted(r.amount for r in stripe_refunds(stack, clinic, paid)) == [3000, 9000]
