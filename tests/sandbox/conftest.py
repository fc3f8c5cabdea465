"""Fixtures for the Stripe sandbox's own tests: a served sandbox, SDK clients, a webhook receiver.

Everything is driven the way paygate drives real Stripe: the official `stripe` SDK with only
its base addresses changed, and a real browser for the pages and the Stripe.js stand-in.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from paygate.sandbox.app import create_sandbox_app
from paygate.sandbox.config import SandboxConfig
from tests.servers import serve_asgi

SECRET = "sk_test_sandbox_suite"
CLIENT_ID = "ca_sandbox_suite"
PUBLISHABLE = "pk_test_sandbox_suite"


_OPEN: list[stripe.HTTPXClient] = []


def make_client(url: str, key: str = SECRET, retries: int = 0) -> stripe.StripeClient:
    """A sync SDK client; its connections are closed when the session ends."""
    http = stripe.HTTPXClient(allow_sync_methods=True)
    _OPEN.append(http)
    return stripe.StripeClient(
        key, client_id=CLIENT_ID, base_addresses={"api": url, "connect": url},
        http_client=http, max_network_retries=retries)


@pytest.fixture(scope="session", autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    for http in _OPEN:
        http.close()


def raw(obj: Any) -> dict[str, Any]:
    """The JSON the sandbox sent for an SDK object."""
    data: dict[str, Any] = obj.last_response.data
    return data


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Receiver:
    """A webhook endpoint that verifies each delivery with stripe.Webhook.construct_event."""

    secret: str
    url: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    # statuses to answer, consumed per delivery; 200 once empty
    plan: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            payload = (await request.body()).decode()
            try:
                event = stripe.Webhook.construct_event(
                    payload, request.headers.get("stripe-signature", ""), self.secret)
            except (stripe.SignatureVerificationError, ValueError) as exc:
                self.rejected.append(str(exc))
                return Response(status_code=400)
            body = json.loads(payload)
            with self.lock:
                status = self.plan.pop(0) if self.plan else 200
                self.events.append({"id": event.id, "type": event.type,
                                    "account": body.get("account"), "status": status,
                                    "object_id": body["data"]["object"].get("id"),
                                    "json": body})
            return Response(status_code=status)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])

    def accepted(self, **match: Any) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events if e["status"] < 300
                    and all(e.get(k) == v for k, v in match.items())]

    def all(self, **match: Any) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events if all(e.get(k) == v for k, v in match.items())]


@dataclass
class World:
    url: str
    client: stripe.StripeClient
    receiver: Receiver

    def account(self, name: str = "Sunrise Clinic") -> str:
        acct = self.client.v1.accounts.create({
            "type": "standard", "country": "US", "email": "billing@sunrise.example",
            "business_profile": {"name": name}})
        return str(acct.id)


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    rec = Receiver(secret="whsec_suite_" + "s" * 24)
    with serve_asgi(rec.app()) as url:
        rec.url = url + "/hook"
        yield rec


@pytest.fixture(scope="session")
def sandbox(receiver: Receiver) -> Iterator[str]:
    """One sandbox for the session; tests stay apart by using their own accounts."""
    config = SandboxConfig(secret_key=SECRET, client_id=CLIENT_ID,
                           webhook_endpoints=((receiver.url, receiver.secret),),
                           retry_schedule=(0.2, 0.4, 0.8))
    with serve_asgi(create_sandbox_app(config)) as url:
        yield url


@pytest.fixture(scope="session")
def client(sandbox: str) -> stripe.StripeClient:
    return make_client(sandbox)


@pytest.fixture
def world(sandbox: str, client: stripe.StripeClient, receiver: Receiver) -> World:
    return World(sandbox, client, receiver)


@pytest.fixture
def account(world: World) -> str:
    return world.account()


@pytest.fixture
def fresh_world() -> Iterator[Callable[..., World]]:
    """A private sandbox + receiver, for tests that change delivery or need exact ordering."""
    stack = ExitStack()

    def make(**config: Any) -> World:
        rec = Receiver(secret="whsec_private_" + "p" * 20)
        rec.url = stack.enter_context(serve_asgi(rec.app())) + "/hook"
        cfg = SandboxConfig(secret_key=SECRET, client_id=CLIENT_ID,
                            webhook_endpoints=((rec.url, rec.secret),),
                            **{"retry_schedule": (0.2, 0.4, 0.8), **config})
        url = stack.enter_context(serve_asgi(create_sandbox_app(cfg)))
        return World(url, make_client(url), rec)

    with stack:
        yield make


# -- browser ---------------------------------------------------------------------------

HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Host page</title>
<script src="{sandbox}/v3/"></script></head>
<body>
<form id="pay"><div id="payment-element"></div>
<button id="submit" type="submit">Pay</button></form>
<pre id="result"></pre>
<script>
  const params = new URLSearchParams(location.search);
  const stripe = Stripe(params.get("pk"), {{stripeAccount: params.get("account"), locale: "en"}});
  const elements = stripe.elements({{clientSecret: params.get("secret"),
                                     appearance: {{theme: "stripe"}}}});
  const element = elements.create("payment");
  window.events = [];
  element.on("ready", () => window.events.push({{type: "ready"}}));
  element.on("change", (e) => window.events.push({{type: "change", complete: e.complete,
                                                  empty: e.empty, hasError: "error" in e}}));
  element.mount("#payment-element");
  document.getElementById("pay").addEventListener("submit", async (event) => {{
    event.preventDefault();
    const result = await stripe.confirmPayment({{elements, redirect: "if_required",
      confirmParams: {{return_url: location.href, receipt_email: "pat@example.com"}}}});
    window.result = result;
    document.getElementById("result").textContent = result.error
      ? "error:" + (result.error.decline_code || result.error.code) + ":" + result.error.message
      : "ok:" + result.paymentIntent.status;
  }});
</script></body></html>"""


@pytest.fixture(scope="session")
def host_page(sandbox: str) -> Iterator[str]:
    """A merchant page on another origin (another port) using the Stripe.js stand-in."""
    async def page(request: Request) -> Response:
        return HTMLResponse(HOST_PAGE.format(sandbox=sandbox))

    async def landing(request: Request) -> Response:
        return JSONResponse(dict(request.query_params))

    app = Starlette(routes=[Route("/pay", page), Route("/oauth/callback", landing)])
    with serve_asgi(app) as url:
        yield url
