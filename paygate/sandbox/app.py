"""The sandbox as one Starlette app: /v1 API, Connect OAuth, Stripe.js stand-in, dashboard."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from paygate.sandbox import (
    browser,
    dashboard,
    dashboard_disputes,
    oauth,
    onboarding,
    params,
    testing,
)
from paygate.sandbox.api import Api
from paygate.sandbox.config import SandboxConfig
from paygate.sandbox.engine import Sandbox
from paygate.sandbox.pages import environment
from paygate.sandbox.resources import Endpoints
from paygate.sandbox.resources.accounts import new_account
from paygate.sandbox.state import Store, load, save
from paygate.sandbox.webhooks import Dispatcher

log = logging.getLogger("paygate.sandbox")
SAVE_INTERVAL = 0.5


def _platform(store: Store) -> None:
    if store.find(store.platform_id) is None:
        acct = new_account(name="Sandbox platform", email="platform@example.com")
        acct["id"] = store.platform_id
        acct["external_accounts"]["url"] = f"/v1/accounts/{store.platform_id}/external_accounts"
        store.add(acct, store.platform_id)


def _warm(app: Starlette, endpoints: Endpoints) -> None:
    """Build parameter schemas (reading the SDK's types is slowish) and compile templates
    before the first request, so no request waits on disk or on that work."""
    for endpoint in endpoints:
        params.schema(endpoint.params)
    env = app.state.jinja
    for name in env.list_templates():
        env.get_template(name)


async def _persist(sb: Sandbox, path: str) -> None:
    while True:
        await asyncio.sleep(SAVE_INTERVAL)
        if sb.dirty:
            sb.dirty = False
            text = json.dumps(sb.store.to_json())
            await asyncio.to_thread(save, text, path)


def create_sandbox_app(config: SandboxConfig) -> Starlette:
    """A fresh sandbox; its state and background delivery live and die with the app."""
    endpoints = Endpoints.build()
    sb = Sandbox(config=config, store=Store(),
                 api_version=config.api_version or stripe.api_version,
                 base_url=(config.public_url or "http://127.0.0.1").rstrip("/"))
    _platform(sb.store)
    api = Api(sb, endpoints)
    dispatcher = Dispatcher(sb)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if config.state_file:
            sb.store = await asyncio.to_thread(load, config.state_file)
            _platform(sb.store)
        await asyncio.to_thread(_warm, app, endpoints)
        await dispatcher.start()
        saver = (asyncio.get_running_loop().create_task(_persist(sb, config.state_file))
                 if config.state_file else None)
        try:
            yield
        finally:
            await dispatcher.stop()
            if saver is not None:
                saver.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await saver
                await asyncio.to_thread(save, json.dumps(sb.store.to_json()),
                                        config.state_file)  # type: ignore[arg-type]

    async def api_endpoint(request: Request) -> Response:
        try:
            return await api(request)
        except Exception:
            log.exception("sandbox API bug on %s %s", request.method, request.url.path)
            return JSONResponse({"error": {"type": "api_error",
                                           "message": "An unknown error occurred"}}, 500)

    async def home(request: Request) -> Response:
        return RedirectResponse("/dashboard", status_code=302)

    routes = [
        Route("/v1/{rest:path}", api_endpoint, methods=["GET", "POST", "DELETE", "OPTIONS"]),
        Route("/oauth/authorize", oauth.authorize_page, methods=["GET"]),
        Route("/oauth/authorize", oauth.authorize_submit, methods=["POST"]),
        Route("/oauth/token", oauth.token, methods=["POST"]),
        Route("/oauth/deauthorize", oauth.deauthorize, methods=["POST"]),
        Route("/connect/onboarding/{acct}/{token}", onboarding.onboarding, methods=["GET", "POST"]),
        Route("/v3/", browser.stripe_js),
        Route("/v3", browser.stripe_js),
        Route("/v3/elements/payment", browser.payment_element),
        Route("/v3/elements/payment-element.js", browser.payment_element_js),
        Route("/3ds/{pi}/{token}", browser.three_d_secure, methods=["GET", "POST"]),
        Route("/", home),
        Route("/dashboard", dashboard.index),
        Route("/dashboard/accounts/{acct}", dashboard.account),
        Route("/dashboard/accounts/{acct}/disputes/{dp}", dashboard_disputes.dispute_page,
              methods=["GET", "POST"]),
        Route("/dashboard/receipts/{charge}", dashboard.receipt),
        Route("/favicon.ico", browser.favicon),
        # TEST-ONLY controls (see testing.py)
        Route("/_sandbox/faults", testing.faults, methods=["GET", "POST", "DELETE"]),
        Route("/_sandbox/webhooks/redeliver", testing.redeliver, methods=["POST"]),
        Route("/_sandbox/clock", testing.clock, methods=["POST"]),
        Route("/_sandbox/accounts/{acct}", testing.account_flags, methods=["POST"]),
        Route("/_sandbox/accounts/{acct}/payouts", testing.account_payouts, methods=["POST"]),
        Route("/_sandbox/account_links/{token}/expire", testing.expire_account_link,
              methods=["POST"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sandbox = sb
    app.state.api = api
    app.state.dispatcher = dispatcher
    app.state.jinja = environment()
    return app
