"""Payouts of a connected account's balance, and which balance transactions each holds.

Stripe pays an account's available balance out automatically (daily by default). The
sandbox does it when told, with `POST /_sandbox/accounts/{acct}/payouts` (`{"fail":
true}` for a payout the bank returns): every balance transaction not yet paid out, per
currency, goes into one automatic payout, `payout.created`, then `payout.paid` (or
`payout.failed`, with Stripe's `failure_code` and its funds back on the balance).
`GET /v1/balance_transactions?payout=po_...` lists what an automatic payout contains."""

from __future__ import annotations

from paygate.sandbox.engine import Ctx, Sandbox
from paygate.sandbox.resources import Endpoint, route
from paygate.sandbox.resources.charges import DAY, balance_transaction, paid_out
from paygate.sandbox.state import JSON, new_id, now

FAILURE = ("account_closed", "The bank account has been closed.")


def _new_payout(amount: int, currency: str, txn_id: str) -> JSON:
    created = now()
    return {
        "id": new_id("po"), "object": "payout", "amount": amount,
        "application_fee": None, "application_fee_amount": None,
        "arrival_date": created + DAY, "automatic": True, "balance_transaction": txn_id,
        "created": created, "currency": currency, "description": "STRIPE PAYOUT",
        "destination": "ba_sandbox_bank", "failure_balance_transaction": None,
        "failure_code": None, "failure_message": None, "livemode": False, "metadata": {},
        "method": "standard", "original_payout": None, "reconciliation_status": "completed",
        "reversed_by": None, "source_type": "card", "statement_descriptor": None,
        "status": "in_transit", "type": "bank_account",
        "trace_id": {"status": "unsupported", "value": None}, "payout_method": None,
    }


def pay_out(sb: Sandbox, acct: str, *, fail: bool = False) -> list[JSON]:
    """The automatic payouts of everything on the account's balance not paid out yet."""
    paid = paid_out(sb, acct)
    pending: dict[str, list[JSON]] = {}
    for txn in reversed(sb.store.scan("balance_transaction", acct)):
        if txn["id"] not in paid and txn["type"] not in ("payout", "payout_failure"):
            pending.setdefault(txn["currency"], []).append(txn)
    made = []
    for currency, txns in sorted(pending.items()):
        total = sum(t["net"] for t in txns)
        if total <= 0:
            continue
        out = balance_transaction(sb, acct, amount=-total, currency=currency, source="",
                                  kind="payout", description="STRIPE PAYOUT")
        payout = _new_payout(total, currency, out["id"])
        out["source"] = payout["id"]
        sb.store.add(payout, acct)
        for txn in [*txns, out]:
            paid[txn["id"]] = payout["id"]
            txn["status"] = "available"
        sb.emit("payout.created", payout, acct, None)
        if fail:
            back = balance_transaction(sb, acct, amount=total, currency=currency,
                                       source=payout["id"], kind="payout_failure",
                                       description="Payout failure")
            payout.update(status="failed", failure_code=FAILURE[0], failure_message=FAILURE[1],
                          failure_balance_transaction=back["id"])
            sb.emit("payout.failed", payout, acct, None)
        else:
            payout["status"] = "paid"
            sb.emit("payout.paid", payout, acct, None)
        made.append(payout)
    sb.dirty = True
    return made


def retrieve(sb: Sandbox, ctx: Ctx, params: JSON, po_id: str) -> JSON:
    return sb.respond(ctx, sb.get(ctx, "payout", po_id), params)


def list_(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    rows = sb.store.scan("payout", ctx.account)
    if params.get("status"):
        rows = [r for r in rows if r["status"] == params["status"]]
    return sb.expand(sb.page(rows, params, "/v1/payouts"), params.get("expand") or [],
                     ctx.account)


def endpoints() -> list[Endpoint]:
    """This resource's endpoints, for the sandbox's API to match requests against."""
    return [
        route("GET", "/v1/payouts/{po_id}", "PayoutRetrieveParams", retrieve),
        route("GET", "/v1/payouts", "PayoutListParams", list_),
    ]
