"""Disputes, as Stripe's Testing page makes them (docs.stripe.com/testing#disputes).

A charge made with a dispute test card succeeds, then a dispute opens on it at once:
4000 0000 0000 0259 (`pm_card_createDispute`) a fraudulent chargeback, 4000 0000 0000 2685
(`pm_card_createDisputeProductNotReceived`) a product-not-received chargeback, 4000 0000
0000 1976 (`pm_card_createDisputeInquiry`) an inquiry. A chargeback withdraws the amount
and Stripe's dispute fee (`charge.dispute.funds_withdrawn`); an inquiry moves no money.
Evidence submitted with `uncategorized_text` `winning_evidence` closes a chargeback won
(funds and fee reinstated), `losing_evidence` lost; an inquiry closes `warning_closed`."""

from __future__ import annotations

import copy

from paygate.sandbox.card_table import Card
from paygate.sandbox.engine import Ctx, Sandbox, apply_metadata
from paygate.sandbox.errors import invalid_request
from paygate.sandbox.resources import Endpoint, route
from paygate.sandbox.resources.charges import DAY, balance_transaction
from paygate.sandbox.state import JSON, new_id, now

EVIDENCE_FIELDS = (
    "access_activity_log", "billing_address", "cancellation_policy",
    "cancellation_policy_disclosure", "cancellation_rebuttal", "customer_communication",
    "customer_email_address", "customer_name", "customer_purchase_ip", "customer_signature",
    "duplicate_charge_documentation", "duplicate_charge_explanation", "duplicate_charge_id",
    "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
    "refund_refusal_explanation", "service_date", "service_documentation",
    "shipping_address", "shipping_carrier", "shipping_date", "shipping_documentation",
    "shipping_tracking_number", "uncategorized_file", "uncategorized_text")
# Visa's reason codes for the test cards' disputes
NETWORK_CODES = {"fraudulent": "10.4", "product_not_received": "13.1", "inquiry": "10"}
DISPUTE_FEE = 1500  # Stripe's dispute fee (USD 15.00), in the charge's minor units
EVIDENCE_DAYS = 7
CLOSED = ("won", "lost", "warning_closed")


def open_if_test_card(sb: Sandbox, charge: JSON, card: Card, owner: str) -> None:
    """After a dispute test card's charge succeeded: the dispute its bank opens."""
    if card.dispute is None:
        return
    inquiry = card.dispute == "inquiry"
    created = now()
    dispute: JSON = {
        "id": new_id("dp"), "object": "dispute", "amount": charge["amount"],
        "balance_transactions": [], "charge": charge["id"], "created": created,
        "currency": charge["currency"], "enhanced_eligibility_types": [],
        "evidence": {**dict.fromkeys(EVIDENCE_FIELDS), "enhanced_evidence": {}},
        "evidence_details": {"due_by": created + EVIDENCE_DAYS * DAY, "has_evidence": False,
                             "past_due": False, "submission_count": 0,
                             "enhanced_eligibility": {}},
        "is_charge_refundable": inquiry, "livemode": False, "metadata": {},
        "payment_intent": charge["payment_intent"],
        "payment_method_details": {"card": {
            "brand": charge["payment_method_details"]["card"]["brand"],
            "case_type": "inquiry" if inquiry else "chargeback",
            "network_reason_code": NETWORK_CODES[card.dispute]}, "type": "card"},
        "reason": "fraudulent" if inquiry else card.dispute,
        "status": "warning_needs_response" if inquiry else "needs_response",
    }
    sb.store.add(dispute, owner)
    charge["disputed"] = True
    sb.emit("charge.dispute.created", dispute, owner, None)
    if not inquiry:
        _move_funds(sb, dispute, owner, -1)
        sb.emit("charge.dispute.funds_withdrawn", dispute, owner, None)


def _move_funds(sb: Sandbox, dispute: JSON, owner: str, sign: int) -> None:
    """Withdraw (-1) or reinstate (+1) the disputed amount and the dispute fee."""
    kind = "adjustment"
    txn = balance_transaction(
        sb, owner, amount=sign * dispute["amount"], currency=dispute["currency"],
        source=dispute["id"], kind=kind,
        description=("Chargeback withdrawal" if sign < 0 else "Chargeback reversal")
        + f" for {dispute['charge']}", fee=-sign * DISPUTE_FEE)
    txn["reporting_category"] = "dispute" if sign < 0 else "dispute_reversal"
    if txn["fee_details"]:
        txn["fee_details"][0]["description"] = "Dispute fee"
    dispute["balance_transactions"].append(copy.deepcopy(txn))


def _close(sb: Sandbox, dispute: JSON, owner: str, won: bool) -> None:
    if dispute["status"].startswith("warning_"):
        dispute["status"] = "warning_closed"
    else:
        dispute["status"] = "won" if won else "lost"
        if won:
            _move_funds(sb, dispute, owner, +1)
            sb.emit("charge.dispute.funds_reinstated", dispute, owner, None)
    dispute["is_charge_refundable"] = False
    sb.emit("charge.dispute.closed", dispute, owner, None)


def _open_dispute(sb: Sandbox, ctx: Ctx, dp_id: str) -> JSON:
    dispute = sb.get(ctx, "dispute", dp_id)
    if dispute["status"] in CLOSED:
        raise invalid_request(f"This dispute is already closed ({dispute['status']}).")
    return dispute


def retrieve(sb: Sandbox, ctx: Ctx, params: JSON, dp_id: str) -> JSON:
    return sb.respond(ctx, sb.get(ctx, "dispute", dp_id), params)


def list_(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    rows = sb.store.scan("dispute", ctx.account)
    for key in ("charge", "payment_intent"):
        if params.get(key):
            rows = [r for r in rows if r[key] == params[key]]
    return sb.expand(sb.page(rows, params, "/v1/disputes"), params.get("expand") or [],
                     ctx.account)


def update(sb: Sandbox, ctx: Ctx, params: JSON, dp_id: str) -> JSON:
    """Stage evidence, or submit it (`submit` defaults to true, as on Stripe)."""
    dispute = _open_dispute(sb, ctx, dp_id)
    owner = ctx.account
    details = dispute["evidence_details"]
    if details["submission_count"] and params.get("evidence"):
        raise invalid_request("This dispute's evidence has already been submitted; it "
                              "cannot be changed.", param="evidence")
    for key, value in (params.get("evidence") or {}).items():
        if key in EVIDENCE_FIELDS:
            dispute["evidence"][key] = value or None
    if "metadata" in params:
        dispute["metadata"] = apply_metadata(dispute["metadata"], params["metadata"])
    details["has_evidence"] = any(dispute["evidence"][k] for k in EVIDENCE_FIELDS)
    if params.get("submit", True) and details["has_evidence"]:
        details["submission_count"] += 1
        dispute["status"] = ("warning_under_review" if dispute["status"].startswith("warning_")
                             else "under_review")
    sb.emit("charge.dispute.updated", dispute, owner, ctx)
    answer = sb.respond(ctx, dispute, params)  # under review: the bank decides later
    verdict = dispute["evidence"]["uncategorized_text"]
    if details["submission_count"] and verdict in ("winning_evidence", "losing_evidence"):
        _close(sb, dispute, owner, won=verdict == "winning_evidence")
    return answer


def close(sb: Sandbox, ctx: Ctx, params: JSON, dp_id: str) -> JSON:
    """Accept the dispute: it is lost (an inquiry just closes)."""
    dispute = _open_dispute(sb, ctx, dp_id)
    _close(sb, dispute, ctx.account, won=False)
    return sb.respond(ctx, dispute, params)


def endpoints() -> list[Endpoint]:
    """This resource's endpoints, for the sandbox's API to match requests against."""
    return [
        route("GET", "/v1/disputes/{dp_id}", "DisputeRetrieveParams", retrieve),
        route("GET", "/v1/disputes", "DisputeListParams", list_),
        route("POST", "/v1/disputes/{dp_id}", "DisputeUpdateParams", update),
        route("POST", "/v1/disputes/{dp_id}/close", "DisputeCloseParams", close),
    ]
