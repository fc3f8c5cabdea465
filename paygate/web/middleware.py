"""Middleware: security headers every response gets, and the request log."""

from __future__ import annotations

import logging
import secrets
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paygate.logs import log_event

access_logger = logging.getLogger("paygate.access")

DEFAULTS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in DEFAULTS.items():
                    if name not in headers:
                        headers[name] = value
                if "content-security-policy" not in headers:
                    headers["content-security-policy"] = "frame-ancestors 'none'"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def loggable_path(path: str) -> str:
    """The path as logged: a payment link's token (/pay/{token}) is a credential."""
    return "/pay/[link]" if path.startswith("/pay/") else path


class RequestLogMiddleware:
    """One structured line per request: method, path (never the query string, which may
    carry a launch token), status, duration and a request id echoed as X-Request-Id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = secrets.token_hex(8)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)["x-request-id"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log_event(access_logger, "request", method=scope["method"],
                      path=loggable_path(scope["path"]),
                      status=status, ms=round((time.perf_counter() - started) * 1000, 1),
                      request_id=request_id)
