"""A small read-only "Stripe dashboard": accounts, then each account's payments, refunds, events."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from paygate.sandbox.engine import Sandbox
from paygate.sandbox.pages import render

ROWS = 200


def _sb(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def display_name(acct: dict[str, object]) -> str:
    """What Stripe shows a customer: the dashboard display name, else the business name."""
    settings = acct.get("settings") or {}
    profile = acct.get("business_profile") or {}
    dash = settings.get("dashboard", {}) if isinstance(settings, dict) else {}
    name = (dash.get("display_name") if isinstance(dash, dict) else None) or (
        profile.get("name") if isinstance(profile, dict) else None)
    return str(name or acct.get("email") or acct["id"])


def charges_state(acct: dict[str, object]) -> str:
    """The account's charges as they are: the sandbox takes test payments on an account
    whose onboarding is not finished (Stripe would not), so say both."""
    if acct.get("charges_enabled"):
        return "charges enabled"
    return "charges not enabled: onboarding incomplete (the sandbox accepts test payments)"


def metadata_text(obj: dict[str, object]) -> str:
    """An object's metadata as key=value pairs (paygate's payment request id and clinic)."""
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, dict):
        return ""
    return ", ".join(f"{k}={v}" for k, v in sorted(metadata.items()))


async def index(request: Request) -> Response:
    sb = _sb(request)
    store = sb.store
    platform = store.find(store.platform_id)
    rows = []
    for acct in ([platform] if platform else []) + store.accounts():
        link = store.connected.get(acct["id"])
        rows.append({
            "id": acct["id"], "name": display_name(acct),
            "platform": acct["id"] == store.platform_id,
            "link": "platform" if acct["id"] == store.platform_id else
            "not connected" if link is None else
            "deauthorized" if link.get("revoked") else f"connected ({link['via']})",
            "payments": len(store.scan("payment_intent", acct["id"])),
            "charges_enabled": acct["charges_enabled"],
            "charges": charges_state(acct),
        })
    return render(request, "dashboard_index.html", accounts=rows,
                  deliveries=list(reversed(store.deliveries[-30:])))


async def account(request: Request) -> Response:
    sb = _sb(request)
    acct_id = request.path_params["acct"]
    acct = sb.store.find(acct_id)
    if acct is None or acct.get("object") != "account":
        return render(request, "oauth_error.html", 404, message=f"No such account: {acct_id}")
    events = sb.store.scan("event", acct_id)[:ROWS]
    attempts: dict[str, list[dict[str, object]]] = {}
    for d in sb.store.deliveries:
        attempts.setdefault(str(d["event"]), []).append(d)
    return render(
        request, "dashboard_account.html", account=acct, name=display_name(acct),
        charges=charges_state(acct), metadata=metadata_text,
        payments=sb.store.scan("payment_intent", acct_id)[:ROWS],
        refunds=sb.store.scan("refund", acct_id)[:ROWS], events=events, attempts=attempts,
        disputes=sb.store.scan("dispute", acct_id)[:ROWS],
    )


async def receipt(request: Request) -> Response:
    sb = _sb(request)
    charge = sb.store.find(request.path_params["charge"])
    if charge is None or charge.get("object") != "charge":
        return render(request, "oauth_error.html", 404, message="No such receipt.")
    acct = sb.store.find(sb.store.owner[charge["id"]]) or {"id": ""}
    return render(request, "receipt.html", charge=charge, merchant=display_name(acct))
