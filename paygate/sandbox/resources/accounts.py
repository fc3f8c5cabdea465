"""Connected accounts, account links, and the platform's own account."""

from __future__ import annotations

from typing import Any

from paygate.sandbox.engine import Ctx, Sandbox, apply_metadata, changed
from paygate.sandbox.errors import invalid_request, no_account_access
from paygate.sandbox.resources import Endpoint, route
from paygate.sandbox.state import JSON, new_id, now, rand

COUNTRY_CURRENCY = {
    "US": "usd", "GB": "gbp", "CA": "cad", "AU": "aud", "NZ": "nzd", "CH": "chf",
    "SE": "sek", "NO": "nok", "DK": "dkk", "PL": "pln", "CZ": "czk", "HU": "huf",
    "JP": "jpy", "SG": "sgd", "HK": "hkd", "IN": "inr", "MX": "mxn", "BR": "brl",
    "AE": "aed", "DE": "eur", "FR": "eur", "ES": "eur", "IT": "eur", "NL": "eur",
    "IE": "eur", "BE": "eur", "AT": "eur", "PT": "eur", "FI": "eur", "LU": "eur",
    "GR": "eur", "EE": "eur", "LV": "eur", "LT": "eur", "SK": "eur", "SI": "eur",
}
# Stripe's account links stay valid for a few minutes.
LINK_TTL = 300
ONBOARDING_DUE = [
    "business_profile.product_description", "business_profile.support_phone",
    "business_profile.url", "external_account", "tos_acceptance.date", "tos_acceptance.ip",
]


def requirements_for(due: list[str]) -> JSON:
    return {
        "alternatives": [], "current_deadline": None, "currently_due": list(due),
        "disabled_reason": "requirements.past_due" if due else None, "errors": [],
        "eventually_due": list(due), "past_due": list(due) if due else [],
        "pending_verification": [],
    }


def new_account(
    *, country: str = "US", email: str | None = None, name: str | None = None,
    default_currency: str | None = None, type_: str = "standard", enabled: bool = True,
) -> JSON:
    """A Stripe account object; `enabled` = onboarding already done (charges and payouts)."""
    country = country.upper()
    if country not in COUNTRY_CURRENCY:
        raise invalid_request(
            f"Country '{country}' is unknown. Try using a 2-character alphanumeric country "
            "code instead, such as 'US', 'EG', or 'GB'.", param="country")
    acct_id = new_id("acct", 16)
    due = [] if enabled else ONBOARDING_DUE
    return {
        "id": acct_id,
        "object": "account",
        "business_profile": {
            "annual_revenue": None, "estimated_worker_count": None, "mcc": None,
            "name": name, "product_description": None, "support_address": None,
            "support_email": None, "support_phone": None, "support_url": None, "url": None,
            "minority_owned_business_designation": None,
        },
        "business_type": None,
        "capabilities": {"card_payments": "active" if enabled else "inactive",
                         "transfers": "active" if enabled else "inactive"},
        "charges_enabled": enabled,
        "controller": {"type": "account"} if type_ == "standard"
        else {"type": "application", "is_controller": True},
        "country": country,
        "created": now(),
        "default_currency": default_currency or COUNTRY_CURRENCY[country],
        "details_submitted": enabled,
        "email": email,
        "external_accounts": {"object": "list", "data": [], "has_more": False,
                              "url": f"/v1/accounts/{acct_id}/external_accounts"},
        "future_requirements": requirements_for([]),
        "metadata": {},
        "payouts_enabled": enabled,
        "requirements": requirements_for(due),
        "settings": {
            "bacs_debit_payments": {"display_name": None, "service_user_number": None},
            "branding": {"icon": None, "logo": None, "primary_color": None,
                         "secondary_color": None},
            "card_issuing": {"tos_acceptance": {"date": None, "ip": None}},
            "card_payments": {"decline_on": {"avs_failure": False, "cvc_failure": True},
                              "statement_descriptor_prefix": None,
                              "statement_descriptor_prefix_kana": None,
                              "statement_descriptor_prefix_kanji": None},
            "dashboard": {"display_name": name, "timezone": "Etc/UTC"},
            "invoices": {"default_account_tax_ids": None, "hosted_payment_method_save": None},
            "payments": {"statement_descriptor": (name or "")[:22].upper() or None,
                         "statement_descriptor_kana": None,
                         "statement_descriptor_kanji": None,
                         "statement_descriptor_prefix_kana": None,
                         "statement_descriptor_prefix_kanji": None},
            "payouts": {"debit_negative_balances": True,
                        "schedule": {"delay_days": 2, "interval": "daily"},
                        "statement_descriptor": None},
            "sepa_debit_payments": {},
        },
        "tos_acceptance": {"date": now() if enabled else None, "ip": None, "user_agent": None},
        "type": type_,
    }


def set_enabled(sb: Sandbox, acct: JSON, enabled: bool, ctx: Ctx | None) -> None:
    before = sb.store.snapshot(acct)
    acct["charges_enabled"] = acct["payouts_enabled"] = acct["details_submitted"] = enabled
    state = "active" if enabled else "inactive"
    acct["capabilities"] = {"card_payments": state, "transfers": state}
    acct["requirements"] = requirements_for([] if enabled else ONBOARDING_DUE)
    if enabled and acct["tos_acceptance"]["date"] is None:
        acct["tos_acceptance"]["date"] = now()
    if before != acct:
        sb.emit("account.updated", acct, acct["id"], ctx, changed(before, acct))


def settle_requirements(sb: Sandbox, acct: JSON, before: JSON, done: list[str]) -> None:
    """Strike what was given off the account's requirements; with nothing left due the
    account is onboarded (details submitted, charges and payouts enabled). One
    account.updated for the whole change, none when nothing changed."""
    req = acct["requirements"]
    for key in ("currently_due", "past_due", "eventually_due"):
        req[key] = [r for r in req[key] if r not in done]
    if not req["currently_due"] and not req["past_due"]:
        acct["charges_enabled"] = acct["payouts_enabled"] = acct["details_submitted"] = True
        acct["capabilities"] = {"card_payments": "active", "transfers": "active"}
        req.update(disabled_reason=None, current_deadline=None)
    if before != acct:
        sb.emit("account.updated", acct, acct["id"], None, changed(before, acct))


def _merge(target: JSON, update: Any) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        elif key in target:
            target[key] = None if value == "" else value


def _apply(acct: JSON, params: JSON) -> None:
    for key in ("email", "business_type"):
        if key in params:
            acct[key] = params[key] or None
    if params.get("default_currency"):
        acct["default_currency"] = params["default_currency"].lower()
    if "business_profile" in params and params["business_profile"] != "":
        _merge(acct["business_profile"], params["business_profile"])
    if isinstance(params.get("settings"), dict):
        _merge(acct["settings"], params["settings"])
    if "metadata" in params:
        acct["metadata"] = apply_metadata(acct["metadata"], params["metadata"])


def visible_account(sb: Sandbox, ctx: Ctx, acct_id: str) -> JSON:
    """What this caller may see: itself, or (as the platform) its connected accounts."""
    acct = sb.store.find(acct_id)
    allowed = acct_id == ctx.account or (
        not ctx.connected and sb.store.has_access(acct_id))
    if acct is None or acct.get("object") != "account" or not allowed:
        raise no_account_access(ctx.api_key, acct_id)
    return acct


def _controller(ctrl: JSON) -> tuple[str, JSON]:
    """The account type and the `controller` Stripe answers for `controller` params (its
    defaults: full Dashboard, fees and requirements on the account's side, Stripe)."""
    dashboard = (ctrl.get("stripe_dashboard") or {}).get("type") or "full"
    collection = ctrl.get("requirement_collection") or "stripe"
    if collection == "application" and dashboard != "none":
        raise invalid_request(
            "You cannot set `controller[requirement_collection]` to `application` for "
            "accounts that have access to a Stripe-hosted Dashboard.",
            param="controller[requirement_collection]")
    fees = (ctrl.get("fees") or {}).get("payer") or (
        "account" if dashboard == "full" else "application")
    losses = (ctrl.get("losses") or {}).get("payments") or (
        "stripe" if fees == "account" else "application")
    type_ = {"full": "standard", "express": "express", "none": "custom"}[dashboard]
    return type_, {"fees": {"payer": fees}, "is_controller": True,
                   "losses": {"payments": losses}, "requirement_collection": collection,
                   "stripe_dashboard": {"type": dashboard}, "type": "application"}


def create(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    if ctx.connected:
        raise invalid_request("You cannot create connected accounts on behalf of a connected "
                              "account.")
    ctrl = params.get("controller") or {}
    if ctrl and params.get("type"):
        raise invalid_request("You cannot specify `type` together with `controller`; "
                              "describe the account with `controller` alone.", param="type")
    type_, controller = _controller(ctrl) if ctrl else (params.get("type") or "standard", None)
    acct = new_account(country=params.get("country") or "US", email=params.get("email"),
                       type_=type_, enabled=False)
    if controller is not None:
        acct["controller"] = controller
    _apply(acct, params)
    sb.store.add(acct, acct["id"])
    sb.store.connected[acct["id"]] = {"via": "api", "revoked": False}
    return sb.respond(ctx, acct, params)


def hosted_dashboard(acct: JSON) -> bool:
    """Whether the account signs in to a Stripe-hosted Dashboard (full or Express)."""
    ctrl = acct.get("controller") or {}
    if "stripe_dashboard" in ctrl:
        return bool(ctrl["stripe_dashboard"]["type"] != "none")
    return acct.get("type") != "custom"


def list_(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    rows = [a for a in sb.store.accounts()
            if not ctx.connected and sb.store.has_access(a["id"])]
    return sb.expand(sb.page(rows, params, "/v1/accounts"), params.get("expand") or [],
                     ctx.account)


def retrieve_current(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    acct = sb.store.find(ctx.account)
    assert acct is not None
    return sb.respond(ctx, acct, params)


def retrieve(sb: Sandbox, ctx: Ctx, params: JSON, acct_id: str) -> JSON:
    return sb.respond(ctx, visible_account(sb, ctx, acct_id), params)


def update(sb: Sandbox, ctx: Ctx, params: JSON, acct_id: str) -> JSON:
    acct = visible_account(sb, ctx, acct_id)
    before = sb.store.snapshot(acct)
    _apply(acct, params)
    if before != acct:
        sb.emit("account.updated", acct, acct["id"], ctx, changed(before, acct))
    return sb.respond(ctx, acct, params)


def delete(sb: Sandbox, ctx: Ctx, params: JSON, acct_id: str) -> JSON:
    visible_account(sb, ctx, acct_id)
    if acct_id == sb.store.platform_id or ctx.connected:
        raise invalid_request("You cannot delete your own account through the API.")
    sb.store.remove(acct_id)
    sb.store.connected.pop(acct_id, None)
    return {"id": acct_id, "object": "account", "deleted": True}


def create_link(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    acct = visible_account(sb, ctx, params["account"])
    if ctx.connected:
        raise invalid_request("Account links can only be created by the platform.")
    for key in ("refresh_url", "return_url"):
        if not params.get(key):
            raise invalid_request(f"Missing required param: {key}.", param=key,
                                  code="parameter_missing")
    if params["type"] not in ("account_onboarding", "account_update"):
        raise invalid_request("Invalid type: must be one of account_onboarding or "
                              "account_update", param="type")
    if params["type"] == "account_update" and hosted_dashboard(acct):
        raise invalid_request(
            "You can only create `account_update` type Account Links for accounts where your "
            "platform is responsible for collecting requirements. This account has access to "
            "a Stripe-hosted Dashboard: use `account_onboarding` instead.", param="type")
    token = rand(24)
    created = now()
    sb.store.oauth_codes["link_" + token] = {
        "account": acct["id"], "type": params["type"], "return_url": params["return_url"],
        "refresh_url": params["refresh_url"], "expires_at": created + LINK_TTL, "used": False,
    }
    return {"object": "account_link", "created": created, "expires_at": created + LINK_TTL,
            "url": f"{ctx.base_url}/connect/onboarding/{acct['id']}/{token}"}


def endpoints() -> list[Endpoint]:
    """This resource's endpoints, for the sandbox's API to match requests against."""
    return [
        route("POST", "/v1/accounts", "AccountCreateParams", create),
        route("GET", "/v1/accounts", "AccountListParams", list_),
        route("GET", "/v1/account", "AccountRetrieveCurrentParams", retrieve_current),
        route("GET", "/v1/accounts/{acct_id}", "AccountRetrieveParams", retrieve),
        route("POST", "/v1/accounts/{acct_id}", "AccountUpdateParams", update),
        route("DELETE", "/v1/accounts/{acct_id}", "AccountDeleteParams", delete),
        route("POST", "/v1/account_links", "AccountLinkCreateParams", create_link),
    ]
