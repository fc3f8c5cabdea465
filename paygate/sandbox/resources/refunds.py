"""Refunds, full or partial, of a PaymentIntent's successful charge."""

from __future__ import annotations

from paygate.sandbox.engine import Ctx, Sandbox, apply_metadata
from paygate.sandbox.errors import invalid_request
from paygate.sandbox.resources import Endpoint, application_fees, charges, route
from paygate.sandbox.resources.payment_intents import _major
from paygate.sandbox.state import JSON, new_id, now, rand


def _charge_for(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    if params.get("charge"):
        return sb.get(ctx, "charge", params["charge"], "charge")
    if not params.get("payment_intent"):
        raise invalid_request("One of the following params should be provided for this "
                              "request: payment_intent or charge.")
    pi = sb.get(ctx, "payment_intent", params["payment_intent"], "payment_intent")
    charge = sb.store.get(pi["latest_charge"] or "", ctx.account, "charge")
    if pi["status"] != "succeeded" or charge is None or not charge["paid"]:
        raise invalid_request(
            f"This PaymentIntent ({pi['id']}) does not have a successful charge to refund.",
            param="payment_intent")
    return charge


def create(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    charge = _charge_for(sb, ctx, params)
    cur = charge["currency"]
    # A partial capture counts the released rest in amount_refunded, as Stripe does, so
    # what is left to refund is the amount less amount_refunded.
    remaining = charge["amount"] - charge["amount_refunded"]
    if charge["refunded"] or remaining <= 0:
        raise invalid_request(f"Charge {charge['id']} has already been refunded.",
                              code="charge_already_refunded")
    amount = params.get("amount", remaining)
    if amount <= 0:
        raise invalid_request("Invalid positive integer", param="amount")
    if amount > remaining:
        raise invalid_request(
            f"Refund amount ({_major(amount, cur)}) is greater than unrefunded amount on "
            f"charge ({_major(remaining, cur)})", param="amount", code="amount_too_large")
    re_id = new_id("re")
    txn = charges.balance_transaction(sb, ctx.account, amount=-amount, currency=cur,
                                      source=re_id, kind="refund", description="REFUND FOR "
                                      "CHARGE (" + (charge["description"] or "") + ")")
    refund: JSON = {
        "id": re_id,
        "object": "refund",
        "amount": amount,
        "balance_transaction": txn["id"],
        "charge": charge["id"],
        "created": now(),
        "currency": cur,
        "customer": None,
        "customer_account": None,
        "destination_details": {"card": {"reference": rand(12).upper(),
                                         "reference_status": "pending",
                                         "reference_type": "acquirer_reference_number",
                                         "type": "refund"}, "type": "card"},
        "metadata": apply_metadata({}, params.get("metadata") or {}),
        "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"],
        "reason": params.get("reason"),
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }
    sb.store.add(refund, ctx.account)
    before = sb.store.snapshot(charge)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
    charge["refunds"]["data"].insert(0, sb.store.snapshot(refund))
    sb.emit("charge.refunded", charge, ctx.account, ctx,
            {"amount_refunded": before["amount_refunded"], "refunded": before["refunded"]})
    sb.emit("refund.created", refund, ctx.account, ctx)
    if params.get("refund_application_fee"):
        application_fees.refund_in_proportion(sb, charge, ctx.account)
    return sb.respond(ctx, refund, params)


def retrieve(sb: Sandbox, ctx: Ctx, params: JSON, re_id: str) -> JSON:
    return sb.respond(ctx, sb.get(ctx, "refund", re_id), params)


def update(sb: Sandbox, ctx: Ctx, params: JSON, re_id: str) -> JSON:
    refund = sb.get(ctx, "refund", re_id)
    if "metadata" in params:
        refund["metadata"] = apply_metadata(refund["metadata"], params["metadata"])
    return sb.respond(ctx, refund, params)


def list_(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    rows = sb.store.scan("refund", ctx.account)
    for key in ("charge", "payment_intent"):
        if params.get(key):
            rows = [r for r in rows if r[key] == params[key]]
    return sb.expand(sb.page(rows, params, "/v1/refunds"), params.get("expand") or [],
                     ctx.account)


def endpoints() -> list[Endpoint]:
    """This resource's endpoints, for the sandbox's API to match requests against."""
    return [
        route("POST", "/v1/refunds", "RefundCreateParams", create),
        route("GET", "/v1/refunds/{re_id}", "RefundRetrieveParams", retrieve),
        route("POST", "/v1/refunds/{re_id}", "RefundUpdateParams", update),
        route("GET", "/v1/refunds", "RefundListParams", list_),
    ]
