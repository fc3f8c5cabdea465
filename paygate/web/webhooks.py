"""POST /webhooks/stripe: Stripe's word on payments and accounts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from paygate.web.auth import runtime


async def stripe_webhook(request: Request) -> Response:
    # At most PAYGATE_MAX_WEBHOOK_BYTES (512 KB), read within the body timeout: BodyLimits.
    body = await request.body()
    outcome = await runtime(request).webhooks.receive(
        body, request.headers.get("stripe-signature"))
    return JSONResponse({"received": True, "outcome": outcome})


def routes() -> list[Route]:
    return [Route("/webhooks/stripe", stripe_webhook, methods=["POST"])]
