"""POST /webhooks/stripe: Stripe's word on payments and accounts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from paygate.web.auth import runtime

MAX_EVENT_BYTES = 512 * 1024


async def stripe_webhook(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_EVENT_BYTES:
        return JSONResponse({"error": {"code": "too_large", "message": "Event too large."}},
                            status_code=413)
    outcome = await runtime(request).webhooks.receive(
        body, request.headers.get("stripe-signature"))
    return JSONResponse({"received": True, "outcome": outcome})


def routes() -> list[Route]:
    return [Route("/webhooks/stripe", stripe_webhook, methods=["POST"])]
