"""PostgreSQL LISTEN/NOTIFY broadcast, for deployments that would rather not run Redis.

Every notice goes out on one PostgreSQL channel as `<channel>\\n<message>`; each instance
LISTENs on one dedicated connection and fans out to its own subscribers of that channel
(NOTIFY channel names are short identifiers, so call channels cannot map one to one). A lost
listening connection is re-made with backoff and every local subscriber receives
RECONNECTED, so its socket sends a fresh snapshot. PostgreSQL caps a payload at 8000 bytes;
notices are far smaller."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from paygate.adapters.broadcast.local import FanoutBroadcast
from paygate.aio import wait_set

PG_CHANNEL = "paygate_notices"
MAX_PAYLOAD = 7999
HEALTH_INTERVAL = 15.0
LOST = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)


def dsn(url: str) -> str:
    """asyncpg wants postgresql://; settings may carry a SQLAlchemy driver suffix."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgres") else url


class PostgresBroadcast(FanoutBroadcast):
    LOST = LOST

    def __init__(self, url: str) -> None:
        super().__init__()
        self._dsn = dsn(url)
        self._pool: asyncpg.Pool | None = None
        self._listener: asyncpg.Connection | None = None
        self._lost = asyncio.Event()

    async def connect(self) -> None:
        self._pool = await asyncpg.create_pool(
            self._dsn, min_size=1, max_size=4,
            server_settings={"application_name": "paygate-publish"})
        await self.start_reader("pg-broadcast")

    async def disconnect(self) -> None:
        await self.stop_reader()
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def publish(self, channel: str, message: str) -> None:
        assert self._pool is not None, "connect() first"
        payload = f"{channel}\n{message}"
        if len(payload.encode()) > MAX_PAYLOAD:
            raise ValueError(f"notice of {len(payload)} bytes is over PostgreSQL's NOTIFY limit")
        await self._pool.execute("SELECT pg_notify($1, $2)", PG_CHANNEL, payload)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        channel, _, message = payload.partition("\n")
        self._local.deliver(channel, message)

    def _on_terminated(self, _conn: Any) -> None:
        self._lost.set()

    async def _open(self) -> None:
        self._lost.clear()
        conn = await asyncpg.connect(self._dsn, timeout=10, server_settings={
            "application_name": "paygate-listen"})
        conn.add_termination_listener(self._on_terminated)
        await conn.add_listener(PG_CHANNEL, self._on_notify)
        self._listener = conn

    async def _serve(self) -> None:
        """Return when the listening connection is gone (closed, or silent to a ping)."""
        assert self._listener is not None
        while True:
            await wait_set(self._lost, HEALTH_INTERVAL)
            if self._lost.is_set() or self._listener.is_closed():
                return
            await self._listener.execute("SELECT 1", timeout=5)

    async def _close(self) -> None:
        conn, self._listener = self._listener, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(*LOST):
                await conn.close(timeout=2)
