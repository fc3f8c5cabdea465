"""The Stripe sandbox for a benchmark run, plus one bench-only seeding route.

`POST /_bench/seed` creates and confirms many PaymentIntents on a connected account by
calling the sandbox's own API handlers in-process (the same code `/v1/payment_intents` and
`/v1/payment_intents/{id}/confirm` run), because seeding tens of thousands of intents over
HTTP would take minutes. It answers with each intent's `payment_intent.succeeded` event,
exactly as the sandbox would deliver it, for the load generator to sign and send.

    python -m bench.sandbox_server --port 12111
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from paygate.sandbox import params as P
from paygate.sandbox.app import create_sandbox_app
from paygate.sandbox.config import SandboxConfig
from paygate.sandbox.engine import Ctx, Sandbox
from paygate.sandbox.resources import Endpoints
from paygate.sandbox.state import rand

JSON = dict[str, Any]


def _call(endpoints: Endpoints, sb: Sandbox, ctx: Ctx, method: str, path: str,
          pairs: list[tuple[str, str]]) -> JSON:
    found = endpoints.match(method, path)
    assert isinstance(found, tuple), path
    endpoint, args = found
    params = P.validate(endpoint.params, P.parse_form(pairs),
                        **{k: P.Scalar("str") for k in endpoint.extra})
    return endpoint.handler(sb, ctx, params, **args)


def _form(prefix: str, mapping: dict[str, str]) -> list[tuple[str, str]]:
    return [(f"{prefix}[{k}]", v) for k, v in mapping.items()]


def seed_intents(endpoints: Endpoints, sb: Sandbox, account: str,
                 specs: list[JSON]) -> list[JSON]:
    """Create and confirm one intent per spec; return their succeeded events in order."""
    # The bench sandbox has no webhook endpoints: collect the events instead of handing
    # them to the dispatcher (which scans the store for endpoints on every event).
    events: list[str] = []
    hook = sb.on_event
    sb.on_event = events.append
    out: list[JSON] = []
    try:
        for spec in specs:
            ctx = Ctx(account, "sk_test_bench", False, "req_" + rand(14), None, sb.base_url,
                      connected=True)
            events.clear()
            pi = _call(endpoints, sb, ctx, "POST", "/v1/payment_intents", [
                ("amount", str(spec["amount"])), ("currency", spec["currency"]),
                ("automatic_payment_methods[enabled]", "true"),
                *_form("metadata", spec["metadata"])])
            _call(endpoints, sb, ctx, "POST", f"/v1/payment_intents/{pi['id']}/confirm", [
                ("payment_method", "pm_card_visa"),
                ("return_url", "https://paygate.bench/return")])
            succeeded = [sb.store.find(e) for e in events]
            found = [e for e in succeeded if e and e["type"] == "payment_intent.succeeded"]
            assert found, f"{pi['id']} did not succeed"
            out.append(found[-1])
    finally:
        sb.on_event = hook
    sb.dirty = True
    return out


def create_app(config: SandboxConfig) -> Any:
    app = create_sandbox_app(config)

    async def seed(request: Request) -> Response:
        body = json.loads(await request.body())
        sb: Sandbox = request.app.state.sandbox
        events = seed_intents(request.app.state.api.endpoints, sb, body["account"],
                              body["intents"])
        return JSONResponse({"events": events})

    app.router.routes.insert(0, Route("/_bench/seed", seed, methods=["POST"]))
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret-key", default="sk_test_paygate_bench")
    args = parser.parse_args()
    app = create_app(SandboxConfig(secret_key=args.secret_key))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning",
                access_log=False)


if __name__ == "__main__":
    main()
