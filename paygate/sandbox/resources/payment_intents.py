"""PaymentIntents and their status machine.

requires_payment_method -> requires_confirmation -> (requires_action) -> succeeded, or
requires_capture with capture_method=manual; declines go back to requires_payment_method
with last_payment_error; any unfinished intent can be canceled.
"""

from __future__ import annotations

import hmac

from paygate.sandbox.card_table import (
    AUTHENTICATION_REQUIRED,
    INCORRECT_CVC,
    PROCESSING,
    Card,
    Decline,
    card_named,
)
from paygate.sandbox.cards import AUTH_FAILED_MESSAGE
from paygate.sandbox.currencies import (
    CURRENCIES,
    MAXIMUM_AMOUNT,
    THREE_DECIMAL,
    exponent,
    minimum_charge,
)
from paygate.sandbox.engine import Ctx, Sandbox, apply_metadata
from paygate.sandbox.errors import DOC_BASE, StripeError, invalid_request, unexpected_state
from paygate.sandbox.resources import (
    Endpoint,
    charges,
    disputes,
    hold_expiry,
    payment_methods,
    route,
)
from paygate.sandbox.resources.method_types import asked_types, method_types
from paygate.sandbox.state import JSON, new_id, now, rand

SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "$", "aud": "$",
           "nzd": "$", "sgd": "$", "hkd": "$", "mxn": "$", "inr": "₹", "krw": "₩"}
CANCELABLE = ("requires_payment_method", "requires_capture", "requires_confirmation",
              "requires_action", "processing")
CONFIRMABLE = ("requires_confirmation", "requires_payment_method", "requires_action")
# Stripe's words for a confirm without return_url that redirect-based methods could need.
REDIRECT_MESSAGE = (
    "A `return_url` must be specified because this Payment Intent is configured to "
    "automatically accept the payment methods enabled in the Dashboard, some of which may "
    "require a full page redirect to succeed. If you do not want to accept "
    "redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and "
    "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and "
    "Payment Intents."
)
# What a publishable key gets of a PaymentIntent (the properties Stripe's API reference marks
# "retrievable with publishable key"): no metadata, customer, amounts received, charges...
PUBLISHABLE_FIELDS = frozenset({
    "id", "object", "amount", "automatic_payment_methods", "canceled_at",
    "cancellation_reason", "capture_method", "client_secret", "confirmation_method", "created",
    "currency", "description", "last_payment_error", "livemode", "next_action",
    "payment_method", "payment_method_types", "processing", "receipt_email",
    "setup_future_usage", "shipping", "status"})
# Fields Stripe lets you change after an intent has finished.
ALWAYS_UPDATABLE = frozenset({"metadata", "description", "receipt_email", "shipping", "expand"})


def _major(amount: int, currency: str) -> str:
    exp = exponent(currency)
    return f"{SYMBOLS.get(currency, '')}{amount / 10**exp:,.{exp}f}"


def check_amount(amount: int, currency: str, param: str = "amount") -> None:
    low = minimum_charge(currency)
    if amount < low:
        raise invalid_request(f"Amount must be at least {_major(low, currency)} {currency}",
                              param=param, code="amount_too_small")
    if amount > MAXIMUM_AMOUNT:
        raise invalid_request(
            f"Amount must be no more than {_major(MAXIMUM_AMOUNT, currency)}",
            param=param, code="amount_too_large")
    if currency in THREE_DECIMAL and amount % 10:
        raise invalid_request(
            f"Invalid amount: {currency} amounts must be a multiple of 10 (three-decimal "
            "currencies are charged in hundredths).", param=param, code="invalid_amount")


def check_currency(currency: str) -> str:
    cur = currency.lower()
    if cur not in CURRENCIES:
        raise invalid_request(
            f"Invalid currency: {cur}. Stripe currently supports these currencies: "
            + ", ".join(sorted(CURRENCIES)), param="currency")
    return cur


def with_intent(err: StripeError, sb: Sandbox, pi: JSON) -> StripeError:
    err.extra["payment_intent"] = sb.store.snapshot(pi)
    return err


def _owner(sb: Sandbox, pi: JSON) -> str:
    return sb.store.owner[pi["id"]]


def _apply_common(pi: JSON, params: JSON) -> None:
    for key in ("description", "receipt_email", "statement_descriptor",
                "statement_descriptor_suffix", "setup_future_usage", "transfer_group",
                "application_fee_amount"):
        if key in params:
            pi[key] = params[key] if params[key] != "" else None
    if "shipping" in params:
        pi["shipping"] = params["shipping"] or None
    if "metadata" in params:
        pi["metadata"] = apply_metadata(pi["metadata"], params["metadata"])
    if params.get("capture_method"):
        pi["capture_method"] = params["capture_method"]
    asked = ((params.get("payment_method_options") or {}).get("card") or {}).get(
        "request_three_d_secure")
    if asked:
        pi["payment_method_options"]["card"]["request_three_d_secure"] = asked


def create(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    currency = check_currency(params["currency"])
    check_amount(params["amount"], currency)
    if params.get("customer"):
        raise invalid_request(f"No such customer: '{params['customer']}'", param="customer",
                              code="resource_missing", status=404)
    types, apm = method_types(params)
    pi_id = new_id("pi")
    pi: JSON = {
        "id": pi_id,
        "object": "payment_intent",
        "allowed_payment_method_types": asked_types(params, apm, types),
        "amount": params["amount"],
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": apm,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic_async",
        "client_secret": f"{pi_id}_secret_{rand(25)}",
        "confirmation_method": params.get("confirmation_method") or "automatic",
        "created": now(),
        "currency": currency,
        "customer": None,
        "customer_account": None,
        "description": None,
        "excluded_payment_method_types": params.get("excluded_payment_method_types") or None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": {},
        "next_action": None,
        "on_behalf_of": params.get("on_behalf_of"),
        "payment_method": None,
        "payment_method_configuration_details": {"id": "pmc_sandbox_default", "parent": None}
        if apm else None,
        "payment_method_options": {"card": {
            "installments": None, "mandate_options": None, "network": None,
            "request_three_d_secure": "automatic"}},
        "payment_method_types": types,
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }
    _apply_common(pi, params)
    if params.get("payment_method"):
        pm = payment_methods.resolve(sb, ctx, params["payment_method"])
        pi["payment_method"] = pm["id"]
        pi["status"] = "requires_confirmation"
    sb.store.add(pi, ctx.account)
    sb.emit("payment_intent.created", pi, ctx.account, ctx)
    if params.get("confirm"):
        confirm_intent(sb, ctx, pi, {k: v for k, v in params.items()
                                     if k in ("return_url", "error_on_requires_action",
                                              "use_stripe_sdk")})
    return sb.respond(ctx, pi, params)


def confirm_intent(sb: Sandbox, ctx: Ctx, pi: JSON, params: JSON) -> None:
    if pi["status"] not in CONFIRMABLE:
        if pi["status"] == "succeeded":
            msg = ("You cannot confirm this PaymentIntent because it has already succeeded "
                   "after being previously confirmed.")
        else:
            msg = (f"You cannot confirm this PaymentIntent because it has a status of "
                   f"{pi['status']}. Only a PaymentIntent with one of the following statuses "
                   "may be confirmed: " + ", ".join(CONFIRMABLE) + ".")
        raise with_intent(unexpected_state(msg), sb, pi)
    if params.get("payment_method"):
        pm = payment_methods.resolve(sb, ctx, params["payment_method"])
    elif params.get("payment_method_data"):
        pm = payment_methods.from_data(sb, ctx, params["payment_method_data"],
                                       "payment_method_data")
    elif pi["payment_method"]:
        pm = sb.get(ctx, "payment_method", pi["payment_method"])
    else:
        raise with_intent(unexpected_state(
            "You cannot confirm this PaymentIntent because it's missing a payment method. You "
            "can either update the PaymentIntent with a payment method and then confirm it "
            "again, or confirm it again directly with a payment method."), sb, pi)
    apm = pi["automatic_payment_methods"]
    if (not ctx.publishable and apm and apm.get("allow_redirects") != "never"
            and not params.get("return_url")):
        raise with_intent(invalid_request(REDIRECT_MESSAGE), sb, pi)
    _apply_common(pi, params)
    pi["payment_method"] = pm["id"]
    pi["last_payment_error"] = None
    card = _card_of(sb, pm)
    owner = _owner(sb, pi)
    if card.lookup_fails:
        _fail(sb, ctx, pi, pm, owner, PROCESSING, risk_level=card.risk_level)
    if params.get("off_session"):
        if card.three_d_secure == "required" and not card.off_session_ok:
            _fail(sb, ctx, pi, pm, owner, AUTHENTICATION_REQUIRED, risk_level=card.risk_level)
        _attempt(sb, ctx, pi, pm, owner, card, three_d_secure=False)
        return
    asked = (pi["payment_method_options"].get("card") or {}).get("request_three_d_secure")
    challenge = card.three_d_secure == "required" or (
        asked in ("any", "challenge") and card.three_d_secure in ("optional", "supported"))
    if challenge:
        if params.get("error_on_requires_action"):
            _fail(sb, ctx, pi, pm, owner, AUTHENTICATION_REQUIRED, risk_level=card.risk_level)
        token = rand(24)
        sb.store.private[pi["id"]] = {"3ds_token": token, "3ds_pm": pm["id"]}
        url = f"{ctx.base_url}/3ds/{pi['id']}/{token}"
        if params.get("return_url") and not params.get("use_stripe_sdk"):
            pi["next_action"] = {"type": "redirect_to_url", "redirect_to_url": {
                "return_url": params["return_url"], "url": url}}
        else:
            pi["next_action"] = {"type": "use_stripe_sdk", "use_stripe_sdk": {
                "type": "three_d_secure_redirect", "stripe_js": url,
                "source": new_id("src")}}
        pi["status"] = "requires_action"
        sb.emit("payment_intent.requires_action", pi, owner, ctx)
        return
    _attempt(sb, ctx, pi, pm, owner, card, three_d_secure=False)


def _card_of(sb: Sandbox, pm: JSON) -> Card:
    return card_named(sb.store.private.get(pm["id"], {}).get("behaviour", ""))


def _attempt(sb: Sandbox, ctx: Ctx | None, pi: JSON, pm: JSON, owner: str,
             card: Card, *, three_d_secure: bool) -> None:
    pi["next_action"] = None
    # declined_after_auth cards only get here once authenticated
    decline = card.declined_after_auth or card.decline
    if decline is None and card.cvc_check == "fail" and pm["card"]["checks"]["cvc_check"] == "fail":
        decline = INCORRECT_CVC
    if decline is not None:
        _fail(sb, ctx, pi, pm, owner, decline, risk_level=card.risk_level)
    manual = pi["capture_method"] == "manual"
    charge = charges.new_charge(sb, _ctx_for(sb, ctx), pi, pm, owner, decline=None,
                                captured=not manual, three_d_secure=three_d_secure,
                                risk_level=card.risk_level)
    pi["latest_charge"] = charge["id"]
    sb.emit("charge.succeeded", charge, owner, ctx)
    if manual:
        pi["status"] = "requires_capture"
        pi["amount_capturable"] = pi["amount"]
        sb.emit("payment_intent.amount_capturable_updated", pi, owner, ctx)
    else:
        pi["status"] = "succeeded"
        pi["amount_received"] = pi["amount"]
        sb.emit("payment_intent.succeeded", pi, owner, ctx)
        disputes.open_if_test_card(sb, charge, card, owner)


def _ctx_for(sb: Sandbox, ctx: Ctx | None) -> Ctx:
    if ctx is not None:
        return ctx
    return Ctx(account=sb.store.platform_id, api_key="", publishable=False, request_id="",
               idempotency_key=None, base_url=sb.base_url)


def _fail(sb: Sandbox, ctx: Ctx | None, pi: JSON, pm: JSON, owner: str, decline: Decline,
          *, risk_level: str = "normal") -> None:
    """A declined attempt: failed charge, intent back to requires_payment_method, 402."""
    risk = decline.risk_level if decline.outcome_type == "blocked" else risk_level
    charge = charges.new_charge(sb, _ctx_for(sb, ctx), pi, pm, owner, decline=decline,
                                captured=False, three_d_secure=False, risk_level=risk)
    sb.emit("charge.failed", charge, owner, ctx)
    error: JSON = {"charge": charge["id"], "code": decline.code,
                   "decline_code": decline.decline_code,
                   "doc_url": DOC_BASE + decline.code.replace("_", "-"),
                   "message": decline.message, "payment_method": sb.store.snapshot(pm),
                   "type": "card_error"}
    if decline.param:
        error["param"] = decline.param
    pi.update(status="requires_payment_method", payment_method=None, next_action=None,
              latest_charge=charge["id"], last_payment_error=error)
    sb.emit("payment_intent.payment_failed", pi, owner, ctx)
    raise StripeError(402, "card_error", decline.message, code=decline.code,
                      param=decline.param, decline_code=decline.decline_code,
                      extra={"charge": charge["id"], "payment_intent": sb.store.snapshot(pi),
                             "payment_method": sb.store.snapshot(pm)})


def authenticate(sb: Sandbox, pi_id: str, token: str, success: bool) -> JSON:
    """The 3-D Secure challenge's answer (Complete or Fail), from the sandbox's own page."""
    pi = sb.store.find(pi_id)
    private = sb.store.private.get(pi_id, {})
    if (pi is None or pi["status"] != "requires_action"
            or not hmac.compare_digest(private.get("3ds_token", ""), token)):
        raise invalid_request("This authentication has already been completed or expired.")
    owner = _owner(sb, pi)
    pm = sb.store.objects[private["3ds_pm"]]
    sb.store.private.pop(pi_id, None)
    sb.dirty = True
    if success:
        try:
            _attempt(sb, None, pi, pm, owner, _card_of(sb, pm), three_d_secure=True)
        except StripeError:
            pass  # the decline is on the intent's last_payment_error; Stripe.js reads it there
        return pi
    pi.update(status="requires_payment_method", payment_method=None, next_action=None,
              last_payment_error={
                  "code": "payment_intent_authentication_failure",
                  "doc_url": DOC_BASE + "payment-intent-authentication-failure",
                  "message": AUTH_FAILED_MESSAGE,
                  "payment_method": sb.store.snapshot(pm),
                  "type": "invalid_request_error"})
    sb.emit("payment_intent.payment_failed", pi, owner, None)
    return pi


def _by_secret(sb: Sandbox, ctx: Ctx, pi_id: str, params: JSON) -> JSON:
    pi = sb.get(ctx, "payment_intent", pi_id, "intent")
    secret = params.get("client_secret")
    if ctx.publishable and secret is None:
        raise invalid_request(
            "This API call cannot be made with a publishable API key without the "
            "client_secret.", param="client_secret")
    if secret is not None and not hmac.compare_digest(secret, pi["client_secret"]):
        raise invalid_request(
            "The client_secret provided does not match the client_secret associated with the "
            "PaymentIntent.", param="client_secret")
    return pi


def publishable_view(pi: JSON) -> JSON:
    return {k: v for k, v in pi.items() if k in PUBLISHABLE_FIELDS}


def _for_key(ctx: Ctx, pi: JSON) -> JSON:
    return publishable_view(pi) if ctx.publishable else pi


def retrieve(sb: Sandbox, ctx: Ctx, params: JSON, pi_id: str) -> JSON:
    return _for_key(ctx, sb.respond(ctx, _by_secret(sb, ctx, pi_id, params), params))


def confirm(sb: Sandbox, ctx: Ctx, params: JSON, pi_id: str) -> JSON:
    pi = _by_secret(sb, ctx, pi_id, params)
    try:
        confirm_intent(sb, ctx, pi, params)
    except StripeError as exc:
        if ctx.publishable and isinstance(exc.extra.get("payment_intent"), dict):
            exc.extra["payment_intent"] = publishable_view(exc.extra["payment_intent"])
        raise
    return _for_key(ctx, sb.respond(ctx, pi, params))


def update(sb: Sandbox, ctx: Ctx, params: JSON, pi_id: str) -> JSON:
    pi = sb.get(ctx, "payment_intent", pi_id, "intent")
    if set(params) - ALWAYS_UPDATABLE and pi["status"] not in CONFIRMABLE:
        raise with_intent(unexpected_state(
            f"You cannot update this PaymentIntent because it has a status of {pi['status']}. "
            "Updates are only allowed when the PaymentIntent has a status of "
            + ", ".join(CONFIRMABLE) + "."), sb, pi)
    currency = check_currency(str(params.get("currency", pi["currency"])))
    amount: int = params["amount"] if "amount" in params else pi["amount"]
    if "amount" in params or "currency" in params:
        check_amount(amount, currency)
    pi["amount"], pi["currency"] = amount, currency
    if "payment_method_types" in params or "allowed_payment_method_types" in params:
        pi["payment_method_types"], pi["automatic_payment_methods"] = method_types(params)
        pi["allowed_payment_method_types"] = asked_types(params, pi["automatic_payment_methods"],
                                                    pi["payment_method_types"])
    _apply_common(pi, params)
    if params.get("payment_method"):
        pm = payment_methods.resolve(sb, ctx, params["payment_method"])
        pi["payment_method"] = pm["id"]
        pi["status"] = "requires_confirmation"
    return sb.respond(ctx, pi, params)


def cancel(sb: Sandbox, ctx: Ctx, params: JSON, pi_id: str) -> JSON:
    pi = sb.get(ctx, "payment_intent", pi_id, "intent")
    if pi["status"] not in CANCELABLE:
        raise with_intent(unexpected_state(
            f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}. "
            "Only a PaymentIntent with one of the following statuses may be canceled: "
            + ", ".join(CANCELABLE) + "."), sb, pi)
    owner = _owner(sb, pi)
    if pi["status"] == "requires_capture" and pi["latest_charge"]:
        charge = sb.store.objects[pi["latest_charge"]]
        charge.update(refunded=True, amount_refunded=charge["amount"])
        sb.emit("charge.refunded", charge, owner, ctx)
    pi.update(status="canceled", canceled_at=now(), next_action=None, amount_capturable=0,
              cancellation_reason=params.get("cancellation_reason"))
    sb.store.private.pop(pi_id, None)
    sb.emit("payment_intent.canceled", pi, owner, ctx)
    return sb.respond(ctx, pi, params)


def capture(sb: Sandbox, ctx: Ctx, params: JSON, pi_id: str) -> JSON:
    pi = sb.get(ctx, "payment_intent", pi_id, "intent")
    hold_expiry.expire_if_due(sb, pi)  # past its 7 days: released, so not capturable
    if pi["status"] != "requires_capture":
        raise with_intent(unexpected_state(
            "This PaymentIntent could not be captured because it has a status of "
            f"{pi['status']}. Only a PaymentIntent with one of the following statuses may be "
            "captured: requires_capture."), sb, pi)
    amount: int = params.get("amount_to_capture") or pi["amount_capturable"]
    if amount > pi["amount_capturable"]:
        raise with_intent(invalid_request(
            "The amount_to_capture must be less than or equal to the amount_capturable.",
            param="amount_to_capture", code="amount_too_large"), sb, pi)
    fee = params.get("application_fee_amount", pi.get("application_fee_amount"))
    if fee is not None and fee > amount:
        raise with_intent(invalid_request(
            "The application fee amount cannot be greater than the amount to capture.",
            param="application_fee_amount"), sb, pi)
    _apply_common(pi, params)
    owner = _owner(sb, pi)
    charge = sb.store.objects[pi["latest_charge"]]
    charge["application_fee_amount"] = pi.get("application_fee_amount")
    charge.update(captured=True, amount_captured=amount,
                  amount_refunded=charge["amount"] - amount,
                  refunded=False)
    charges.settle(sb, charge, owner, amount)
    sb.emit("charge.captured", charge, owner, ctx)
    pi.update(status="succeeded", amount_received=amount, amount_capturable=0)
    sb.emit("payment_intent.succeeded", pi, owner, ctx)
    disputes.open_if_test_card(sb, charge, _card_of(sb, sb.store.objects[pi["payment_method"]]),
                               owner)
    return sb.respond(ctx, pi, params)


def list_(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    rows = sb.store.scan("payment_intent", ctx.account)
    return sb.expand(sb.page(rows, params, "/v1/payment_intents"), params.get("expand") or [],
                     ctx.account)


def endpoints() -> list[Endpoint]:
    """This resource's endpoints, for the sandbox's API to match requests against."""
    return [
        route("POST", "/v1/payment_intents", "PaymentIntentCreateParams", create),
        route("GET", "/v1/payment_intents/{pi_id}", "PaymentIntentRetrieveParams",
              retrieve, publishable=True),
        route("POST", "/v1/payment_intents/{pi_id}/confirm", "PaymentIntentConfirmParams",
              confirm, publishable=True, extra={"client_secret": None}),
        route("POST", "/v1/payment_intents/{pi_id}", "PaymentIntentUpdateParams", update),
        route("POST", "/v1/payment_intents/{pi_id}/cancel", "PaymentIntentCancelParams", cancel),
        route("POST", "/v1/payment_intents/{pi_id}/capture", "PaymentIntentCaptureParams", capture),
        route("GET", "/v1/payment_intents", "PaymentIntentListParams", list_),
    ]
