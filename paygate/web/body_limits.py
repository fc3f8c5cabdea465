"""Request bodies are capped in size and in time before any route reads them.

A Content-Length over the cap is refused before a byte of the body is read; a body sent
without one (chunked) is counted as it streams and cut off at the cap; and the whole body
must arrive within the body timeout, so a client trickling a byte at a time cannot hold a
request open. uvicorn has no body timeout of its own (its keep-alive timeout covers only
idle connections), hence this middleware."""

from __future__ import annotations

import asyncio
import json
import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paygate.web.errors import error_body

TOO_LARGE = "The request body is too large."
TOO_SLOW = "The request body took too long to arrive."


class BodyLimits:
    """`max_bytes` for every body but those under a prefix in `max_bytes_under` or whose
    whole path matches a pattern in `max_bytes_matching` (the forms that carry files)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout: float,
                 max_bytes_under: dict[str, int] | None = None,
                 max_bytes_matching: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.max_bytes_under = max_bytes_under or {}
        self.max_bytes_matching = [(re.compile(pattern), cap) for pattern, cap in
                                   (max_bytes_matching or {}).items()]

    def cap_for(self, path: str) -> int:
        for prefix, cap in self.max_bytes_under.items():
            if path.startswith(prefix):
                return cap
        for pattern, cap in self.max_bytes_matching:
            if pattern.fullmatch(path):
                return cap
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.cap_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            await _refuse(send, 413, "too_large", TOO_LARGE)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        received = 0
        body_done = False
        refused = False

        async def capped_receive() -> Message:
            nonlocal received, body_done, refused
            if body_done:  # later receives wait for the disconnect: no deadline
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                refused = True
                raise HTTPException(408, TOO_SLOW) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    refused = True
                    raise HTTPException(413, TOO_LARGE)
                body_done = not message.get("more_body", False)
            return message

        async def closing_send(message: Message) -> None:
            # After a refused body the rest of it may still be on the wire: do not read
            # it, end the connection.
            if message["type"] == "http.response.start" and refused:
                message["headers"] = [*message.get("headers", ()), (b"connection", b"close")]
            await send(message)

        await self.app(scope, capped_receive, closing_send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps(error_body(code, message)).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
