"""The WebSocket implementation `paygate serve` runs by default: uvicorn's websockets-sansio,
less the handshake it keeps.

uvicorn keeps the upgrade request and the 101 response (websockets' Request and Response,
with their Headers) on every connection for as long as it stays open, though nothing reads
them after the handshake; websockets' parser keeps the request too, as a local of the
generator that parsed it. On an idle call socket they were about a sixth of its memory
(docs/benchmarks.md, memory per idle call socket), and a browser's upgrade, with its cookies
and user agent, carries more than the bench's."""

from __future__ import annotations

import logging
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import OPEN, Protocol

# `paygate serve --ws paygate`, the import string uvicorn is given for it
NAME = "paygate"
IMPORT = "paygate.web.ws_protocol:LeanWebSocketProtocol"
# uvicorn's per-socket lines ('"WebSocket /api/v1/calls/.../socket" [accepted]', 403) and
# its errors; held to PAYGATE_LIBRARY_LOG_LEVEL like other libraries (paygate/logs.py), where
# uvicorn.error itself keeps its start-up lines at INFO.
SOCKET_LOGGER = "uvicorn.websockets"


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A line per socket was 9 % of a connect's CPU (docs/benchmarks.md), formatted
        # and written for every one of thousands of reconnecting sockets.
        self.logger = logging.getLogger(SOCKET_LOGGER)

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # Once the 101 is out, uvicorn reads neither again.
            self.request = None  # type: ignore[assignment]
            self.response = None  # type: ignore[assignment]
            self._restart_frame_parser()

    def _restart_frame_parser(self) -> None:
        """Swap websockets' handshake parser, now parsing frames, for a frame parser of
        its own. Only while nothing is buffered: a client sends nothing before it reads
        the 101 (RFC 6455, 4.1), so the old parser then waits where a new one starts,
        holding no state but the request."""
        conn = self.conn
        if conn.state is OPEN and not conn.reader.buffer and not conn.reader.eof:
            conn.parser = Protocol.parse(conn)
            next(conn.parser)
