"""The call channel over WebSocket: a snapshot on every connect, then notices as they happen.

The access token travels in Sec-WebSocket-Protocol (["paygate.v1", "bearer.<token>"]), never
in the URL, so it stays out of access logs. Close codes: 4401 the credential is missing or
expired (sign in again; an open socket is closed with it the moment its token expires),
4403 not this person's call, 4429 this session already holds its cap of open sockets (the
ones open stay open). A cross-origin page is refused at the handshake (HTTP 403). Snapshot
requests beyond a small burst get an error frame instead of a snapshot."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from datetime import datetime

from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from paygate.domain.errors import DomainError, Forbidden
from paygate.domain.payment_requests import OPEN, Status
from paygate.domain.principals import Principal, Role
from paygate.services.payments.views import (
    call_channel,
    clinic_channel,
    notice_request,
    snapshot_message,
)
from paygate.services.ports import RECONNECTED
from paygate.web.auth import runtime
from paygate.web.origins import origin_allowed
from paygate.web.socket_limits import OpenSockets, rate_limited_frame, take_snapshot_turn

logger = logging.getLogger("paygate.realtime")

PROTOCOL = "paygate.v1"
BEARER_PREFIX = "bearer."
KEEPALIVE_SECONDS = 25.0
# Expire a little after the deadline, so the request is past it on the database's clock too.
EXPIRY_SLACK = 0.25
UNAUTHENTICATED, FORBIDDEN, TOO_MANY = 4401, 4403, 4429
EXPIRED_REASON = "Your session has expired; sign in again."
PING, PONG = json.dumps({"type": "ping"}), json.dumps({"type": "pong"})
OPEN_VALUES = frozenset(status.value for status in OPEN)
BACKLOG_LIMIT = 256  # notices held for a socket that is not reading


def _header(ws: WebSocket, name: bytes) -> str | None:
    for key, value in ws.scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _bearer(ws: WebSocket) -> str | None:
    for item in ws.scope.get("subprotocols", []):
        if item.startswith(BEARER_PREFIX):
            return str(item[len(BEARER_PREFIX):])
    return None


async def call_socket(ws: WebSocket, sockets: OpenSockets) -> None:
    rt = runtime(ws)
    if not origin_allowed(_header(ws, b"origin"), _header(ws, b"host"),
                          str(ws.scope.get("scheme", "ws")), rt.settings):
        await ws.close(code=FORBIDDEN)  # before accept: the handshake gets HTTP 403
        return
    # Nothing reads the upgrade's headers again, and they are an idle socket's largest
    # object (docs/benchmarks.md, memory per idle call socket).
    ws.scope["headers"] = []
    offered = ws.scope.get("subprotocols", [])
    await ws.accept(subprotocol=PROTOCOL if PROTOCOL in offered else None)
    token = _bearer(ws)
    call_id = ws.path_params["call_id"]
    try:
        if token is None:
            raise DomainError("Send the access token as the bearer.<token> subprotocol.")
        principal, until = rt.sessions.authenticate_until(token)
    except DomainError as exc:
        await ws.close(code=UNAUTHENTICATED, reason=exc.message[:120])
        return
    try:
        principal.require_call(principal.org_id, principal.clinic_id or "", call_id)
    except Forbidden as exc:
        await ws.close(code=FORBIDDEN, reason=exc.message[:120])
        return
    limit = rt.settings.sockets_per_session
    if not sockets.claim(principal.session_id, limit):
        await ws.close(code=TOO_MANY, reason=f"This session already has {limit} sockets "
                                             "open; close one before opening another.")
        return
    rt.metrics.sockets.inc()
    try:
        await CallSocket(ws, principal, call_id, until).run()
    finally:
        sockets.release(principal.session_id)
        rt.metrics.sockets.dec()


class CallSocket:
    """One person's socket on a call. Besides the receive loop there is one timer (the
    keepalive ping, the moment the earliest open request it has shown expires, or the
    moment its access token does, whichever comes first) and, only while notices are on
    their way out, a sender task: an idle socket holds no task, queue or database work of
    its own (fewer objects for every garbage collection to walk, see docs/benchmarks.md).
    The token's expiry and the snapshot rate limit are two floats on this object."""

    def __init__(self, ws: WebSocket, principal: Principal, call_id: str,
                 until: float) -> None:
        self._ws = ws
        self._principal = principal
        self._call_id = call_id
        self._until = until  # epoch seconds: the access token's end, and this socket's
        self._snapshots_due = 0.0  # the snapshot rate limit's state (socket_limits)
        self._rt = runtime(ws)
        assert principal.clinic_id is not None
        self._clinic_id = principal.clinic_id
        self._channel = call_channel(principal.org_id, principal.clinic_id, call_id)
        # A clinician's panel also hears that the clinic's payment options changed.
        self._clinic_channel = clinic_channel(principal.org_id, principal.clinic_id) \
            if principal.role is Role.CLINICIAN else None
        self._expiries: dict[str, float] = {}  # open request id -> expires_at (epoch s)
        self._backlog: list[str] = []  # notices not sent yet, oldest first
        self._ready = False  # the snapshot went out: notices may follow
        self._sender: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tick: asyncio.Task[None] | None = None
        self._next_ping = 0.0
        self._closed = False

    async def run(self) -> None:
        broadcast = self._rt.broadcast
        await broadcast.listen(self._channel, self._deliver)  # before the snapshot's read
        if self._clinic_channel is not None:
            await broadcast.listen(self._clinic_channel, self._deliver)
        try:
            await self._send_snapshot()
            self._ready = True
            self._start_sender()  # what was published while the snapshot was read
            # Spread the pings of sockets that connected together (e.g. after a restart).
            loop = asyncio.get_running_loop()
            self._next_ping = loop.time() + KEEPALIVE_SECONDS * random.uniform(0.8, 1.0)
            self._schedule()
            await self._read()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            tasks = [t for t in (self._sender, self._tick) if t is not None]
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            # Last: a remote backend's unsubscribe may await a server that is gone.
            await broadcast.unlisten(self._channel, self._deliver)
            if self._clinic_channel is not None:
                await broadcast.unlisten(self._clinic_channel, self._deliver)

    async def _send_snapshot(self) -> None:
        views = await self._rt.payments.list_for_call(self._principal, self._call_id)
        self._expiries = {v.id: v.expires_at.timestamp() for v in views
                          if Status(v.status) in OPEN}
        await self._ws.send_text(snapshot_message(views))
        self._schedule()

    def _deliver(self, message: str) -> None:
        """The broadcast's callback: queue the notice and make sure a sender runs."""
        if len(self._backlog) >= BACKLOG_LIMIT:
            # A stalled reader loses its oldest hint; the snapshot it gets next is the truth.
            del self._backlog[0]
        self._backlog.append(message)
        self._start_sender()

    def _start_sender(self) -> None:
        if self._ready and not self._closed and self._backlog and self._sender is None:
            self._sender = asyncio.get_running_loop().create_task(self._send_backlog())

    async def _send_backlog(self) -> None:
        try:
            while self._backlog:
                if time.time() >= self._until:  # the timer may not have run yet
                    await self._end_session()
                    return
                message = self._backlog.pop(0)
                if message == RECONNECTED:  # notices may have been lost meanwhile
                    await self._send_snapshot()
                    continue
                await self._ws.send_text(message)
                self._track(message)
        except (WebSocketDisconnect, RuntimeError):
            return
        except Exception:
            logger.exception("call socket sender failed")
            with contextlib.suppress(Exception):
                await self._ws.close(code=1011)
        finally:
            self._sender = None

    def _track(self, message: str) -> None:
        """Keep the open requests' expiry times current from the notices passing by."""
        request = notice_request(message)
        if request is None:
            return
        before = min(self._expiries.values(), default=None)
        if request.get("status") in OPEN_VALUES and request.get("expires_at"):
            expires = datetime.fromisoformat(str(request["expires_at"])).timestamp()
            self._expiries[str(request["id"])] = expires
        else:
            self._expiries.pop(str(request.get("id")), None)
        if min(self._expiries.values(), default=None) != before:
            self._schedule()

    def _schedule(self) -> None:
        if self._closed or not self._ready:
            return
        loop = asyncio.get_running_loop()
        now = time.time()
        when = min(self._next_ping, loop.time() + max(0.0, self._until - now))
        if self._expiries:
            due = min(self._expiries.values())
            when = min(when, loop.time() + max(0.0, due - now) + EXPIRY_SLACK)
        if self._timer is not None:
            if abs(self._timer.when() - when) < 0.05:
                return
            self._timer.cancel()
        self._timer = loop.call_at(when, self._wake)

    def _wake(self) -> None:
        self._timer = None
        if self._tick is None or self._tick.done():
            self._tick = asyncio.create_task(self._on_timer())

    async def _on_timer(self) -> None:
        try:
            now = time.time()
            if now >= self._until:
                await self._end_session()
                return
            due = [rid for rid, at in self._expiries.items() if at <= now]
            if due:
                # Forget them either way: a notice (or the next snapshot) brings back any
                # still open, and the reconciler expires what this socket could not.
                for rid in due:
                    self._expiries.pop(rid, None)
                with contextlib.suppress(DomainError):
                    await self._rt.payments.expire_due(self._principal.org_id,
                                                       self._clinic_id, self._call_id)
            loop = asyncio.get_running_loop()
            if loop.time() >= self._next_ping:
                self._next_ping = loop.time() + KEEPALIVE_SECONDS
                await self._ws.send_text(PING)
        except (WebSocketDisconnect, RuntimeError, OSError):
            return
        except Exception:
            logger.exception("call socket timer failed")
        self._schedule()

    async def _end_session(self) -> None:
        """The access token has expired: nothing more goes out, and the widget is told to
        sign in again (4401)."""
        if self._closed:
            return
        self._closed = True
        self._backlog.clear()
        await self._ws.close(code=UNAUTHENTICATED, reason=EXPIRED_REASON)

    async def _read(self) -> None:
        while True:
            text = await self._ws.receive_text()
            if time.time() >= self._until:
                await self._end_session()
                continue  # the client's close (or disconnect) ends the loop
            try:
                kind = json.loads(text).get("type")
            except (ValueError, AttributeError):
                continue
            if kind == "ping":
                await self._ws.send_text(PONG)
            elif kind == "snapshot":
                now = time.monotonic()
                allowed, self._snapshots_due = take_snapshot_turn(self._snapshots_due, now)
                if allowed:
                    await self._send_snapshot()
                else:  # over the limit: an error frame, no database work
                    await self._ws.send_text(rate_limited_frame(self._snapshots_due, now))


SOCKET_PATH = "/api/v1/calls/{call_id}/socket"


class CallSocketShortcut:
    """ASGI middleware (the first after Starlette's own error layer) that hands call sockets
    straight to `call_socket`. Through the router each open socket kept about ten more
    suspended coroutines, with their closures, alive for as long as it stayed open:
    objects that every full garbage collection walks (docs/benchmarks.md). call_socket
    answers its own errors (close codes), so the exception layers it skips had nothing to
    do for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._path = compile_path(SOCKET_PATH)[0]
        self._sockets = OpenSockets()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            path, root = scope["path"], scope.get("root_path", "")
            match = self._path.match(path[len(root):] if root and path.startswith(root)
                                     else path)
            if match is not None:
                scope["path_params"] = match.groupdict()
                await call_socket(WebSocket(scope, receive, send), self._sockets)
                return
        await self.app(scope, receive, send)
