"""Redis pub/sub broadcast: notices published on one instance reach every instance."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger("paygate.broadcast")

RECONNECTED = "__reconnected__"


class RedisBroadcast:
    """One connection per subscription; a lost connection is re-made with backoff and the
    subscriber is told (RECONNECTED) so it can send a fresh snapshot."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._client: aioredis.Redis | None = None

    async def connect(self) -> None:
        self._client = aioredis.from_url(self._url, decode_responses=True)
        await self._client.ping()

    async def disconnect(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def publish(self, channel: str, message: str) -> None:
        assert self._client is not None, "connect() first"
        await self._client.publish(channel, message)

    async def subscribe(self, channel: str) -> AsyncIterator[str]:
        assert self._client is not None, "connect() first"
        delay = 0.1
        first = True
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(channel)
                if not first:
                    yield RECONNECTED
                first = False
                delay = 0.1
                while True:
                    message = await pubsub.get_message(timeout=30.0)
                    if message is not None and message["type"] == "message":
                        yield str(message["data"])
            except (RedisConnectionError, OSError):
                logger.warning("broadcast connection lost; reconnecting", exc_info=False)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                try:
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                except (RedisConnectionError, OSError):
                    pass
