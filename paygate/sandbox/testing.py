"""TEST-ONLY control endpoints under /_sandbox/: make the sandbox misbehave on purpose.

Real Stripe has nothing like these; paygate's reliability tests use them to see how it copes
with API failures, slow responses and unruly webhook delivery, without patching code.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from paygate.sandbox.account_states import set_state
from paygate.sandbox.api import Api, ApiFault
from paygate.sandbox.config import FAULTS
from paygate.sandbox.engine import Sandbox
from paygate.sandbox.errors import StripeError
from paygate.sandbox.resources import hold_expiry
from paygate.sandbox.resources.accounts import set_enabled
from paygate.sandbox.resources.payouts import pay_out
from paygate.sandbox.webhooks import Dispatcher


def _parts(request: Request) -> tuple[Sandbox, Api, Dispatcher]:
    state = request.app.state
    return state.sandbox, state.api, state.dispatcher


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": {"type": "invalid_request_error", "message": message}}, 400)


def _describe(api: Api, dispatcher: Dispatcher) -> dict[str, Any]:
    return {
        "api": [vars(f) for f in api.faults.api if f.count > 0],
        "loaderror": api.faults.loaderror,
        "webhooks": sorted(dispatcher.faults),
        "webhook_delay": dispatcher.delay,
        "pending_deliveries": dispatcher.pending_count(),
    }


async def faults(request: Request) -> Response:
    """POST adds API faults / sets webhook faults; DELETE clears all; GET shows them."""
    _, api, dispatcher = _parts(request)
    if request.method == "DELETE":
        api.faults.api.clear()
        api.faults.loaderror = 0
        dispatcher.faults.clear()
        return JSONResponse(_describe(api, dispatcher))
    if request.method == "POST":
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError:
            return _bad("Send a JSON object.")
        if not isinstance(body, dict):
            return _bad("Send a JSON object.")
        for spec in body.get("api", []):
            if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
                return _bad("Each API fault needs a path.")
            known = {"path", "method", "status", "delay", "count", "after", "during", "error"}
            if set(spec) - known:
                return _bad(f"Unknown API fault keys: {sorted(set(spec) - known)}")
            api.faults.api.append(ApiFault(**spec))
        if "loaderror" in body:
            count = body["loaderror"]
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                return _bad("loaderror is how many Payment Elements fail to load: 0 or more.")
            api.faults.loaderror = count
        if "webhooks" in body:
            wanted = set(body["webhooks"])
            if wanted - FAULTS:
                return _bad(f"Unknown webhook faults: {sorted(wanted - FAULTS)}")
            dispatcher.faults = wanted
        if "webhook_delay" in body:
            dispatcher.delay = float(body["webhook_delay"])
    return JSONResponse(_describe(api, dispatcher))


async def redeliver(request: Request) -> Response:
    _, _, dispatcher = _parts(request)
    return JSONResponse({"redelivered": dispatcher.redeliver()})


async def account_flags(request: Request) -> Response:
    """Flip a connected account's onboarding state: {"charges_enabled": false}; or put it
    in a health state: {"state": "verification_due" | "paused" | "enabled"}."""
    sb, _, _ = _parts(request)
    acct = sb.store.find(request.path_params["acct"])
    if acct is None or acct.get("object") != "account":
        return JSONResponse({"error": {"type": "invalid_request_error",
                                       "message": "No such account"}}, 404)
    body = json.loads(await request.body() or b"{}")
    if "charges_enabled" in body:
        set_enabled(sb, acct, bool(body["charges_enabled"]), None)
    if "state" in body:
        try:
            set_state(sb, acct, str(body["state"]))
        except StripeError as exc:
            return JSONResponse({"error": exc.body()}, exc.status)
    sb.dirty = True
    return JSONResponse(acct)


async def expire_account_link(request: Request) -> Response:
    """Age an account link past its expiry, as if the admin came back after minutes."""
    sb, _, _ = _parts(request)
    link = sb.store.oauth_codes.get("link_" + request.path_params["token"])
    if link is None:
        return JSONResponse({"error": {"type": "invalid_request_error",
                                       "message": "No such account link"}}, 404)
    link["expires_at"] = 0
    sb.dirty = True
    return JSONResponse({"expired": True})


async def clock(request: Request) -> Response:
    """{"advance": seconds}: move the sandbox's clock on (for hold expiry) and release the
    uncaptured holds then past Stripe's 7 days."""
    sb, _, _ = _parts(request)
    body = json.loads(await request.body() or b"{}")
    seconds = body.get("advance") if isinstance(body, dict) else None
    if not isinstance(seconds, int) or isinstance(seconds, bool) or not 0 <= seconds <= 10**8:
        return _bad("Say how far to move the clock: {\"advance\": seconds}.")
    expired = hold_expiry.advance(sb, seconds)
    return JSONResponse({"now": hold_expiry.sandbox_now(sb),
                         "expired": [pi["id"] for pi in expired]})


async def account_payouts(request: Request) -> Response:
    """Pay out what the account's balance holds now (Stripe's automatic payout, on demand):
    {} pays, {"fail": true} makes payouts the bank returns."""
    sb, _, _ = _parts(request)
    acct = sb.store.find(request.path_params["acct"])
    if acct is None or acct.get("object") != "account":
        return JSONResponse({"error": {"type": "invalid_request_error",
                                       "message": "No such account"}}, 404)
    body = json.loads(await request.body() or b"{}")
    made = pay_out(sb, acct["id"], fail=bool(body.get("fail")))
    return JSONResponse({"object": "list", "data": made})
