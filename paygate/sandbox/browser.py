"""What the browser loads from the sandbox: the Stripe.js stand-in, card iframe, 3DS challenge."""

from __future__ import annotations

import asyncio
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from paygate.sandbox.dashboard import display_name
from paygate.sandbox.engine import Sandbox
from paygate.sandbox.errors import StripeError
from paygate.sandbox.pages import form_data, framed, render
from paygate.sandbox.resources.payment_intents import authenticate

STATIC = Path(__file__).parent / "stripejs"
COMPLETE_BUTTON = "Complete authentication"
FAIL_BUTTON = "Fail authentication"


async def _static(name: str, media_type: str, edit: tuple[bytes, bytes] | None = None) -> Response:
    # Read per request (small files, in a thread): edits show without a restart.
    body = await asyncio.to_thread((STATIC / name).read_bytes)
    if edit:
        body = body.replace(*edit)
    return Response(body, media_type=media_type, headers={
        "Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"})


async def stripe_js(request: Request) -> Response:
    return await _static("stripe.js", "application/javascript; charset=utf-8")


async def payment_element_js(request: Request) -> Response:
    return await _static("payment-element.js", "application/javascript; charset=utf-8")


async def payment_element(request: Request) -> Response:
    faults = request.app.state.api.faults
    edit = None
    if faults.loaderror > 0:
        # Test mode (POST /_sandbox/faults {"loaderror": n}): this form fails to load, and
        # the stand-in fires the element's `loaderror` as Stripe.js does.
        faults.loaderror -= 1
        edit = (b'<html lang="en">', b'<html lang="en" data-loaderror>')
    resp = await _static("payment-element.html", "text/html; charset=utf-8", edit)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _sb(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


async def three_d_secure(request: Request) -> Response:
    """The issuer's challenge page: Complete or Fail, as Stripe's test-mode 3DS page offers."""
    sb = _sb(request)
    pi_id, token = request.path_params["pi"], request.path_params["token"]
    pi = sb.store.find(pi_id)
    if request.method == "POST":
        form = await form_data(request)
        success = form.get("action") == "complete"
        try:
            pi = authenticate(sb, pi_id, token, success)
            outcome = "succeeded" if success else "failed"
        except StripeError as exc:
            return framed(render(request, "threeds_done.html", 400, outcome="error",
                                 message=exc.message, return_url=None))
        return_url = form.get("return_url") or None
        if return_url:
            sep = "&" if "?" in return_url else "?"
            return_url = (f"{return_url}{sep}payment_intent={pi['id']}&payment_intent_client_"
                          f"secret={pi['client_secret']}&redirect_status={outcome}")
        return framed(render(request, "threeds_done.html", outcome=outcome, message="",
                             return_url=return_url))
    private = sb.store.private.get(pi_id, {})
    if pi is None or private.get("3ds_token") != token:
        return framed(render(request, "threeds_done.html", 404, outcome="error",
                             message="This authentication has already been completed or "
                             "expired.", return_url=None))
    owner = sb.store.find(sb.store.owner[pi_id]) or {}
    next_action = pi.get("next_action") or {}
    return_url = (next_action.get("redirect_to_url") or {}).get("return_url") or ""
    pm = sb.store.objects.get(private.get("3ds_pm", ""), {})
    return framed(render(
        request, "threeds.html", pi=pi, merchant=display_name(owner) if owner else "",
        last4=(pm.get("card") or {}).get("last4", ""), return_url=return_url,
        complete_label=COMPLETE_BUTTON, fail_label=FAIL_BUTTON))


async def favicon(request: Request) -> Response:
    return HTMLResponse("", status_code=204)
