"""Charges (made by confirming PaymentIntents) and their balance transactions."""

from __future__ import annotations

from paygate.sandbox.card_table import Decline
from paygate.sandbox.currencies import exponent
from paygate.sandbox.engine import Ctx, Sandbox
from paygate.sandbox.resources import Endpoint, route
from paygate.sandbox.state import JSON, new_id, now

DAY = 86_400


def stripe_fee(amount: int, currency: str) -> int:
    """Stripe's standard card pricing, 2.9% + 30 cents, scaled to the currency's exponent."""
    fixed = {0: 30 if currency == "jpy" else 0, 2: 30, 3: 300}.get(exponent(currency), 30)
    return round(amount * 29 / 1000) + fixed


def balance_transaction(
    sb: Sandbox, owner: str, *, amount: int, currency: str, source: str, kind: str,
    description: str | None, fee: int = 0,
) -> JSON:
    created = now()
    txn: JSON = {
        "id": new_id("txn"),
        "object": "balance_transaction",
        "amount": amount,
        "available_on": created + 2 * DAY,
        "balance_type": "payments",
        "created": created,
        "currency": currency,
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": [{"amount": fee, "application": None, "currency": currency,
                         "description": "Stripe processing fees", "type": "stripe_fee"}]
        if fee else [],
        "net": amount - fee,
        "reporting_category": kind,
        "source": source,
        "status": "pending",
        "type": kind,
    }
    return sb.store.add(txn, owner)


RISK_SCORES = {"normal": 32, "elevated": 67, "highest": 94}


def _outcome(decline: Decline | None, risk_level: str) -> JSON:
    out: JSON = {"advice_code": None, "network_advice_code": None,
                 "network_decline_code": None, "network_status": "approved_by_network",
                 "reason": None, "risk_level": risk_level,
                 "risk_score": RISK_SCORES.get(risk_level, 32),
                 "seller_message": "Payment complete.", "type": "authorized"}
    if risk_level == "elevated":
        out["reason"] = "elevated_risk_level"
    if decline is not None:
        blocked = decline.outcome_type == "blocked"
        out.update(network_status=decline.network_status,
                   reason="highest_risk_level" if blocked else decline.decline_code,
                   seller_message=decline.seller_message, type=decline.outcome_type)
    return out


def new_charge(
    sb: Sandbox, ctx: Ctx, pi: JSON, pm: JSON, owner: str, *, decline: Decline | None,
    captured: bool, three_d_secure: bool, risk_level: str = "normal",
) -> JSON:
    ch_id = new_id("ch")
    card = pm["card"]
    ok = decline is None
    charge: JSON = {
        "id": ch_id,
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": pi["amount"] if ok and captured else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": pi.get("application_fee_amount"),
        "balance_transaction": None,
        "billing_details": pm["billing_details"],
        "calculated_statement_descriptor": "SANDBOX",
        "captured": ok and captured,
        "created": now(),
        "currency": pi["currency"],
        "customer": pi.get("customer"),
        "description": pi.get("description"),
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": decline.code if decline else None,
        "failure_message": decline.message if decline else None,
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(pi.get("metadata") or {}),
        "on_behalf_of": None,
        "outcome": _outcome(decline, risk_level),
        "paid": ok,
        "payment_intent": pi["id"],
        "payment_method": pm["id"],
        "payment_method_details": {"card": {
            "amount_authorized": pi["amount"] if ok else None,
            "authorization_code": None,
            "brand": card["brand"],
            "checks": dict(card["checks"]),
            "country": card["country"],
            "exp_month": card["exp_month"],
            "exp_year": card["exp_year"],
            "extended_authorization": {"status": "disabled"},
            "fingerprint": card["fingerprint"],
            "funding": card["funding"],
            "incremental_authorization": {"status": "unavailable"},
            "installments": None,
            "last4": card["last4"],
            "mandate": None,
            "multicapture": {"status": "unavailable"},
            "network": card["brand"],
            "network_token": {"used": False},
            "network_transaction_id": None,
            "overcapture": {"maximum_amount_capturable": pi["amount"], "status": "unavailable"},
            "regulated_status": "unregulated",
            "three_d_secure": {
                "authentication_flow": "challenge", "electronic_commerce_indicator": "05",
                "exemption_indicator": None, "result": "authenticated",
                "result_reason": None, "transaction_id": new_id("3ds"), "version": "2.2.0",
            } if three_d_secure else None,
            "transaction_link_id": None,
            "wallet": None,
        }, "type": "card"},
        "receipt_email": pi.get("receipt_email"),
        "receipt_number": None,
        "receipt_url": f"{ctx.base_url}/dashboard/receipts/{ch_id}" if ok else None,
        "refunded": False,
        "refunds": {"object": "list", "data": [], "has_more": False,
                    "url": f"/v1/charges/{ch_id}/refunds"},
        "review": None,
        "shipping": pi.get("shipping"),
        "source": None,
        "source_transfer": None,
        "statement_descriptor": pi.get("statement_descriptor"),
        "statement_descriptor_suffix": pi.get("statement_descriptor_suffix"),
        "status": "succeeded" if ok else "failed",
        "transfer_data": None,
        "transfer_group": None,
    }
    if decline and decline.code == "incorrect_cvc":
        charge["payment_method_details"]["card"]["checks"]["cvc_check"] = "fail"
    sb.store.add(charge, owner)
    if ok and captured:
        settle(sb, charge, owner, pi["amount"])
    return charge


def settle(sb: Sandbox, charge: JSON, owner: str, amount: int) -> None:
    """The charge's balance transaction on the account: Stripe's fee, and on a direct
    charge with `application_fee_amount` the platform's fee too (its own fee_details line,
    type `application_fee`, as Stripe shows it)."""
    platform_fee = int(charge.get("application_fee_amount") or 0)
    txn = balance_transaction(
        sb, owner, amount=amount, currency=charge["currency"], source=charge["id"],
        kind="charge", description=charge["description"],
        fee=stripe_fee(amount, charge["currency"]) + platform_fee)
    if platform_fee:
        txn["fee_details"][0]["amount"] -= platform_fee
        txn["fee_details"].append({
            "amount": platform_fee, "application": sb.config.client_id,
            "currency": charge["currency"], "description": "Application fee",
            "type": "application_fee"})
        from paygate.sandbox.resources import application_fees  # it builds on this module

        application_fees.collect(sb, charge, owner, platform_fee)
    charge["balance_transaction"] = txn["id"]


def retrieve(sb: Sandbox, ctx: Ctx, params: JSON, ch_id: str) -> JSON:
    return sb.respond(ctx, sb.get(ctx, "charge", ch_id), params)


def list_(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    rows = sb.store.scan("charge", ctx.account)
    if params.get("payment_intent"):
        rows = [r for r in rows if r["payment_intent"] == params["payment_intent"]]
    return sb.expand(sb.page(rows, params, "/v1/charges"), params.get("expand") or [],
                     ctx.account)


def paid_out(sb: Sandbox, acct: str) -> dict[str, str]:
    """Balance transaction id -> the automatic payout (po_) that holds it (payouts.py)."""
    held: dict[str, str] = sb.store.private.setdefault("payouts:" + acct, {})
    return held


def in_payout(sb: Sandbox, acct: str, payout_id: str) -> set[str]:
    """The balance transactions an automatic payout holds (its own included)."""
    return {txn for txn, po in paid_out(sb, acct).items() if po == payout_id}


def retrieve_txn(sb: Sandbox, ctx: Ctx, params: JSON, txn_id: str) -> JSON:
    return sb.respond(ctx, sb.get(ctx, "balance_transaction", txn_id), params)


def list_txn(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    rows = sb.store.scan("balance_transaction", ctx.account)
    if params.get("payout"):
        held = in_payout(sb, ctx.account, params["payout"])
        if not held and sb.store.get(params["payout"], ctx.account, "payout") is None:
            sb.get(ctx, "payout", params["payout"], "payout")  # Stripe's resource_missing
        rows = [r for r in rows if r["id"] in held]
    if params.get("source"):
        rows = [r for r in rows if r["source"] == params["source"]]
    if params.get("type"):
        rows = [r for r in rows if r["type"] == params["type"]]
    return sb.expand(sb.page(rows, params, "/v1/balance_transactions"),
                     params.get("expand") or [], ctx.account)


def endpoints() -> list[Endpoint]:
    """This resource's endpoints, for the sandbox's API to match requests against."""
    return [
        route("GET", "/v1/charges/{ch_id}", "ChargeRetrieveParams", retrieve),
        route("GET", "/v1/charges", "ChargeListParams", list_),
        route("GET", "/v1/balance_transactions/{txn_id}", "BalanceTransactionRetrieveParams",
              retrieve_txn),
        route("GET", "/v1/balance_transactions", "BalanceTransactionListParams", list_txn),
    ]
