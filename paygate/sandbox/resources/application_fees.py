"""The platform's application fees on direct charges, as Stripe keeps them.

A captured charge with `application_fee_amount` makes an `application_fee` (fee_) on the
platform: its balance gains the fee, the connected account's charge transaction shows it
as a fee line. A refund with `refund_application_fee=true` gives the fee back in
proportion to the part of the charge refunded (a `fee_refund`, fr_): the platform's
balance loses it and the connected account's gains it."""

from __future__ import annotations

from paygate.sandbox.engine import Ctx, Sandbox
from paygate.sandbox.resources import Endpoint, charges, route
from paygate.sandbox.state import JSON, new_id, now


def collect(sb: Sandbox, charge: JSON, owner: str, amount: int) -> JSON:
    """The platform's fee on a charge just captured (settle has its fee line)."""
    platform = sb.store.platform_id
    fee_id = new_id("fee")
    txn = charges.balance_transaction(
        sb, platform, amount=amount, currency=charge["currency"], source=fee_id,
        kind="application_fee", description=None)
    fee: JSON = {
        "id": fee_id,
        "object": "application_fee",
        "account": owner,
        "amount": amount,
        "amount_refunded": 0,
        "application": sb.config.client_id,
        "balance_transaction": txn["id"],
        "charge": charge["id"],
        "created": now(),
        "currency": charge["currency"],
        "fee_source": {"charge": charge["id"], "type": "charge"},
        "livemode": False,
        "originating_transaction": None,
        "refunded": False,
        "refunds": {"object": "list", "data": [], "has_more": False,
                    "url": f"/v1/application_fees/{fee_id}/refunds"},
    }
    sb.store.add(fee, platform)
    charge["application_fee"] = fee_id
    sb.emit("application_fee.created", fee, platform, None)
    return fee


def refund_in_proportion(sb: Sandbox, charge: JSON, owner: str) -> JSON | None:
    """After a refund of the charge (listed in its refunds already): give back the
    share of the fee the refunds so far stand for. Counted on the running total, so the
    shares add up to the whole fee when the whole charge is refunded."""
    fee = sb.store.objects.get(charge.get("application_fee") or "")
    if fee is None or fee["refunded"]:
        return None
    captured = charge["amount_captured"] or 1
    # the refunds made, not amount_refunded: a partial capture counts the released rest
    refunded = sum(r["amount"] for r in charge["refunds"]["data"])
    due = fee["amount"] * min(refunded, captured) // captured
    amount = due - fee["amount_refunded"]
    if amount <= 0:
        return None
    platform = sb.store.platform_id
    fr_id = new_id("fr")
    txn = charges.balance_transaction(
        sb, platform, amount=-amount, currency=fee["currency"], source=fr_id,
        kind="application_fee_refund", description=None)
    charges.balance_transaction(
        sb, owner, amount=amount, currency=fee["currency"], source=fr_id,
        kind="application_fee_refund", description="Application fee refund")
    refund: JSON = {"id": fr_id, "object": "fee_refund", "amount": amount,
                    "balance_transaction": txn["id"], "created": now(),
                    "currency": fee["currency"], "fee": fee["id"], "metadata": {}}
    fee["amount_refunded"] += amount
    fee["refunded"] = fee["amount_refunded"] >= fee["amount"]
    fee["refunds"]["data"].insert(0, refund)
    sb.dirty = True
    sb.emit("application_fee.refunded", fee, platform, None)
    return refund


def _fee(sb: Sandbox, ctx: Ctx, fee_id: str) -> JSON:
    return sb.get(ctx, "application_fee", fee_id, "id")


def retrieve(sb: Sandbox, ctx: Ctx, params: JSON, fee_id: str) -> JSON:
    return sb.respond(ctx, _fee(sb, ctx, fee_id), params)


def list_(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    rows = sb.store.scan("application_fee", ctx.account)
    if params.get("charge"):
        rows = [r for r in rows if r["charge"] == params["charge"]]
    return sb.expand(sb.page(rows, params, "/v1/application_fees"),
                     params.get("expand") or [], ctx.account)


def list_refunds(sb: Sandbox, ctx: Ctx, params: JSON, fee_id: str) -> JSON:
    fee = _fee(sb, ctx, fee_id)
    return sb.page(list(fee["refunds"]["data"]), params,
                   f"/v1/application_fees/{fee_id}/refunds")


def endpoints() -> list[Endpoint]:
    """This resource's endpoints, for the sandbox's API to match requests against."""
    return [
        route("GET", "/v1/application_fees/{fee_id}/refunds",
              "ApplicationFeeListRefundsParams", list_refunds),
        route("GET", "/v1/application_fees/{fee_id}", "ApplicationFeeRetrieveParams",
              retrieve),
        route("GET", "/v1/application_fees", "ApplicationFeeListParams", list_),
    ]
