"""The call channel over WebSocket: a snapshot on every connect, then notices as they happen.

The access token travels in Sec-WebSocket-Protocol (["paygate.v1", "bearer.<token>"]), never
in the URL, so it stays out of access logs. Close codes: 4401 the credential is missing or
expired (sign in again), 4403 not this person's call. A cross-origin page is refused at the
handshake (HTTP 403)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from urllib.parse import urlsplit

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from paygate.domain.errors import DomainError, Forbidden
from paygate.domain.principals import Principal
from paygate.services.notices import call_channel, snapshot_message
from paygate.settings import Settings
from paygate.web.auth import runtime

logger = logging.getLogger("paygate.realtime")

PROTOCOL = "paygate.v1"
BEARER_PREFIX = "bearer."
KEEPALIVE_SECONDS = 25.0
UNAUTHENTICATED, FORBIDDEN = 4401, 4403
# What a broadcast subscription yields after it had to re-subscribe (see the Redis adapter):
# notices may have been lost, so the socket sends a fresh snapshot.
RECONNECTED = "__reconnected__"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def origin_allowed(origin: str | None, host: str | None, settings: Settings) -> bool:
    """Browsers always send Origin on a WebSocket; other clients cannot be tricked by a page."""
    if origin is None:
        return True
    allowed = {o.lower() for o in settings.allowed_origins}
    if "*" in allowed:
        return True
    if settings.public_url:
        allowed.add(_origin(settings.public_url))
    value = origin.rstrip("/").lower()
    if host and urlsplit(value).netloc == host.lower():
        return True  # same origin as this request
    return value in allowed


def _bearer(ws: WebSocket) -> str | None:
    for item in ws.scope.get("subprotocols", []):
        if item.startswith(BEARER_PREFIX):
            return str(item[len(BEARER_PREFIX):])
    return None


async def call_socket(ws: WebSocket) -> None:
    rt = runtime(ws)
    if not origin_allowed(ws.headers.get("origin"), ws.headers.get("host"), rt.settings):
        await ws.close(code=FORBIDDEN)  # before accept: the handshake gets HTTP 403
        return
    offered = ws.scope.get("subprotocols", [])
    await ws.accept(subprotocol=PROTOCOL if PROTOCOL in offered else None)
    token = _bearer(ws)
    call_id = ws.path_params["call_id"]
    try:
        if token is None:
            raise DomainError("Send the access token as the bearer.<token> subprotocol.")
        principal = rt.sessions.authenticate(token)
    except DomainError as exc:
        await ws.close(code=UNAUTHENTICATED, reason=exc.message[:120])
        return
    try:
        principal.require_call(principal.org_id, principal.clinic_id or "", call_id)
    except Forbidden as exc:
        await ws.close(code=FORBIDDEN, reason=exc.message[:120])
        return
    await CallSocket(ws, principal, call_id).run()


class CallSocket:
    def __init__(self, ws: WebSocket, principal: Principal, call_id: str) -> None:
        self._ws = ws
        self._principal = principal
        self._call_id = call_id
        self._rt = runtime(ws)
        self._snapshot_sent = asyncio.Event()
        assert principal.clinic_id is not None
        self._channel = call_channel(principal.org_id, principal.clinic_id, call_id)

    async def run(self) -> None:
        pump = asyncio.create_task(self._pump())
        keepalive = asyncio.create_task(self._keepalive())
        try:
            await asyncio.sleep(0)  # let the pump subscribe before the snapshot is read
            await self._send_snapshot()
            self._snapshot_sent.set()
            await self._read()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            for task in (pump, keepalive):
                task.cancel()
            for task in (pump, keepalive):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _send_snapshot(self) -> None:
        views = await self._rt.payments.list_for_call(self._principal, self._call_id)
        await self._ws.send_text(snapshot_message(views))

    async def _pump(self) -> None:
        try:
            async for message in self._rt.broadcast.subscribe(self._channel):
                await self._snapshot_sent.wait()
                if message == RECONNECTED:  # notices may have been lost meanwhile
                    await self._send_snapshot()
                else:
                    await self._ws.send_text(message)
        except (WebSocketDisconnect, RuntimeError):
            return
        except Exception:
            logger.exception("call socket pump failed")
            with contextlib.suppress(Exception):
                await self._ws.close(code=1011)

    async def _keepalive(self) -> None:
        """An application ping (browsers can't see protocol pings), and a chance to expire
        requests whose time is up even when nobody acts."""
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS)
            with contextlib.suppress(DomainError):
                assert self._principal.clinic_id is not None
                await self._rt.payments.expire_due(self._principal.org_id,
                                                   self._principal.clinic_id, self._call_id)
            await self._ws.send_text(json.dumps({"type": "ping"}))

    async def _read(self) -> None:
        while True:
            text = await self._ws.receive_text()
            try:
                kind = json.loads(text).get("type")
            except (ValueError, AttributeError):
                continue
            if kind == "ping":
                await self._ws.send_text(json.dumps({"type": "pong"}))
            elif kind == "snapshot":
                await self._send_snapshot()


def routes() -> list[BaseRoute]:
    return [WebSocketRoute("/api/v1/calls/{call_id}/socket", call_socket)]
