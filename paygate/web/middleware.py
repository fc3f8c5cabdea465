"""Middleware: security headers every response gets, and the request's log line."""

from __future__ import annotations

import logging
import secrets
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paygate.logs import log_event, open_request_line

access_logger = logging.getLogger("paygate.access")

# Added to every response that does not set its own (ASGI header names are lower case).
DEFAULT_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
)
# Sent when PAYGATE_PUBLIC_URL is https: browsers then refuse plain http for a year.
HSTS = (b"strict-transport-security", b"max-age=31536000")


def loggable_path(path: str) -> str:
    """The path as logged: a payment link's token (/pay/{token}) is a credential."""
    return "/pay/[link]" if path.startswith("/pay/") else path


class ResponseMiddleware:
    """Every HTTP response gets the security headers and an X-Request-Id, and every request
    one structured log line: method, path (never the query string, which may carry a
    launch token), status, duration, the request id, and what the request did (fields a
    service added with log_outcome, such as a webhook's event id and outcome). One
    middleware, one line: both sit on the webhook hot path."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.defaults = (*DEFAULT_HEADERS, HSTS) if hsts else DEFAULT_HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = secrets.token_hex(8)
        status = 500
        outcome = open_request_line(request_id)

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.defaults if h[0] not in present)
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            seconds = time.perf_counter() - started
            outcome.update(method=scope["method"], path=loggable_path(scope["path"]),
                           status=status, request_id=request_id, ms=round(seconds * 1000, 1))
            log_event(access_logger, "request", **outcome)
            route = scope.get("route")
            runtime = getattr(scope["app"].state, "runtime", None) if "app" in scope else None
            if runtime is not None:
                runtime.metrics.http.labels(scope["method"], getattr(route, "path", "unmatched"),
                                            str(status)).observe(seconds)
