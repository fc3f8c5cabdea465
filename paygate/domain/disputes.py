"""Disputes in Stripe's words (docs.stripe.com/api/disputes/object) and in a clinic
admin's: which statuses are still open, which closed, and what a reason means."""

from __future__ import annotations

# Open: the clinic may (needs_response) or did (under_review) answer. `warning_*` are
# inquiries: the bank asks questions; no money moved yet.
NEEDS_RESPONSE = frozenset({"needs_response", "warning_needs_response"})
OPEN = NEEDS_RESPONSE | {"under_review", "warning_under_review"}
CLOSED = frozenset({"won", "lost", "warning_closed", "prevented"})
LOST = "lost"

STATUS_WORDS = {
    "needs_response": "Needs a response", "warning_needs_response": "Inquiry: needs a response",
    "under_review": "Under review", "warning_under_review": "Inquiry: under review",
    "won": "Won", "lost": "Lost", "warning_closed": "Inquiry closed",
    "prevented": "Prevented",
}
REASON_WORDS = {
    "bank_cannot_process": "bank cannot process", "credit_not_processed": "credit not processed",
    "customer_initiated": "customer initiated", "debit_not_authorized": "debit not authorized",
    "duplicate": "duplicate", "fraudulent": "fraudulent", "general": "general",
    "incorrect_account_details": "incorrect account details",
    "insufficient_funds": "insufficient funds", "noncompliant": "noncompliant",
    "product_not_received": "product not received",
    "product_unacceptable": "product unacceptable",
    "subscription_canceled": "subscription canceled", "unrecognized": "unrecognized",
}


def is_closed(status: str) -> bool:
    return status in CLOSED


def may_change(stored: str, incoming: str) -> bool:
    """Whether Stripe's `incoming` status may replace the `stored` one when events come out
    of order: a closed dispute is only replaced by another closed status (never reopened by
    a late `created` or `updated`)."""
    return not is_closed(stored) or is_closed(incoming)


def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status.replace("_", " "))


def reason_words(reason: str) -> str:
    return REASON_WORDS.get(reason, reason.replace("_", " "))
