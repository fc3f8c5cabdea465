"""Redis pub/sub broadcast: notices published on one instance reach every instance.

One pub/sub connection per instance carries every channel its sockets listen to (Redis
SUBSCRIBE on a channel's first local subscriber, UNSUBSCRIBE after its last); messages are
fanned out locally. A lost connection is re-made with backoff, every channel re-subscribed,
and every local subscriber receives RECONNECTED so it can resend a snapshot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from paygate.adapters.broadcast.local import LocalFanout
from paygate.services.ports import RECONNECTED

logger = logging.getLogger("paygate.broadcast")
LOST = (RedisConnectionError, RedisTimeoutError, OSError)


class RedisBroadcast:
    def __init__(self, url: str, queue_size: int = 256) -> None:
        self._url = url
        self._local = LocalFanout(queue_size)
        self._client: aioredis.Redis | None = None
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        # Keeps the pub/sub connection subscribed to something, so reads never fail empty.
        instance = secrets.token_hex(8)
        self._control = f"paygate:instance:{instance}"
        # Names this instance's connections in Redis's CLIENT LIST, for operators.
        self.client_name = f"paygate-broadcast-{instance}"

    async def connect(self) -> None:
        self._client = aioredis.from_url(self._url, decode_responses=True,
                                         client_name=self.client_name,
                                         health_check_interval=15)
        await self._client.ping()
        self._reader = asyncio.create_task(self._read_forever(), name="redis-broadcast")
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def disconnect(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        await self._close_pubsub()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self._local.clear()

    async def publish(self, channel: str, message: str) -> None:
        assert self._client is not None, "connect() first"
        await self._client.publish(channel, message)

    async def subscribe(self, channel: str) -> AsyncIterator[str]:
        queue, first = self._local.add(channel)
        try:
            if first and self._pubsub is not None:
                with contextlib.suppress(*LOST):  # the reader re-subscribes after reconnecting
                    await self._pubsub.subscribe(channel)
            while True:
                yield await queue.get()
        finally:
            if self._local.remove(channel, queue) and self._pubsub is not None:
                with contextlib.suppress(*LOST):
                    await self._pubsub.unsubscribe(channel)

    async def _read_forever(self) -> None:
        delay, connected_before = 0.1, False
        while True:
            try:
                await self._open_pubsub()
                if connected_before:
                    logger.warning("broadcast reconnected; subscribers get fresh snapshots")
                    self._local.deliver_all(RECONNECTED)
                connected_before, delay = True, 0.1
                self._ready.set()
                await self._pump()
            except LOST:
                logger.warning("broadcast connection lost; reconnecting in %.1fs", delay)
                await self._close_pubsub()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _open_pubsub(self) -> None:
        assert self._client is not None
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._control, *self._local.channels())
        self._pubsub = pubsub

    async def _pump(self) -> None:
        assert self._pubsub is not None
        while True:
            message = await self._pubsub.get_message(timeout=30.0)
            if message is not None and message.get("type") == "message":
                self._local.deliver(str(message["channel"]), str(message["data"]))

    async def _close_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(*LOST):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
