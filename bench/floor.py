"""The floor: a bare Starlette app that does the least a webhook -> socket push can do.

It verifies the Stripe signature (stripe.WebhookSignature), reads the call from the event,
and pushes a notice to that call's sockets. No database, no inbox, no auth on sockets: what
paygate's full path costs on top of this is what the benchmark reports as the ratio.

    BENCH_WEBHOOK_SECRET=whsec_... uvicorn --factory bench.floor:create_app --port 8001
"""

from __future__ import annotations

import gc
import json
import os
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


def create_app() -> Starlette:
    secret = os.environ["BENCH_WEBHOOK_SECRET"]
    sockets: dict[str, set[WebSocket]] = defaultdict(set)

    async def webhook(request: Request) -> Response:
        payload = (await request.body()).decode()
        try:
            stripe.WebhookSignature.verify_header(
                payload, request.headers.get("stripe-signature", ""), secret, tolerance=300)
        except stripe.SignatureVerificationError:
            return JSONResponse({"error": "bad signature"}, status_code=400)
        obj = json.loads(payload)["data"]["object"]
        metadata = obj["metadata"]
        notice = json.dumps({"type": "request.updated", "request": {
            "id": metadata["paygate_payment_request"], "status": "paid",
            "amount": obj["amount"], "currency": obj["currency"]}})
        for ws in tuple(sockets.get(metadata["bench_call"], ())):
            try:
                await ws.send_text(notice)
            except (WebSocketDisconnect, RuntimeError):
                sockets[metadata["bench_call"]].discard(ws)
        return JSONResponse({"received": True})

    async def call_socket(ws: WebSocket) -> None:
        await ws.accept(subprotocol="paygate.v1")
        call = ws.path_params["call_id"]
        sockets[call].add(ws)
        await ws.send_text(json.dumps({"type": "snapshot", "requests": []}))
        try:
            while True:
                await ws.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            sockets[call].discard(ws)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        gc.collect()  # as `paygate serve` does once started (paygate.app.freeze_startup_heap)
        gc.freeze()
        yield

    return Starlette(routes=[
        Route("/webhooks/stripe", webhook, methods=["POST"]),
        Route("/healthz", healthz),
        WebSocketRoute("/api/v1/calls/{call_id}/socket", call_socket),
    ], lifespan=lifespan)
