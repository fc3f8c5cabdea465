"""Redis pub/sub broadcast: notices published on one instance reach every instance.

One pub/sub connection per instance carries every channel its sockets listen to (Redis
SUBSCRIBE on a channel's first local subscriber, UNSUBSCRIBE after its last); messages are
fanned out locally. A lost connection is re-made with backoff, every channel re-subscribed,
and every local subscriber receives RECONNECTED so it can resend a snapshot."""

from __future__ import annotations

import asyncio
import contextlib
import secrets

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from paygate.adapters.broadcast.local import FanoutBroadcast

LOST = (RedisConnectionError, RedisTimeoutError, OSError)
PUBLISH_BATCH = 256


class RedisBroadcast(FanoutBroadcast):
    LOST = LOST

    def __init__(self, url: str, namespace: str = "") -> None:
        super().__init__()
        self._url = url
        # Channels live in the deployment's namespace (from its database), so two
        # deployments sharing one Redis never hear each other's calls.
        self._prefix = f"paygate:{namespace}:" if namespace else ""
        self._client: aioredis.Redis | None = None
        self._pubsub: PubSub | None = None
        self._outgoing: asyncio.Queue[tuple[str, str, asyncio.Future[None]]] = asyncio.Queue()
        self._publisher: asyncio.Task[None] | None = None
        instance = secrets.token_hex(8)
        # Keeps the pub/sub connection subscribed to something, so reads never fail empty.
        self._control = f"paygate:instance:{instance}"
        # Names this instance's connections in Redis's CLIENT LIST, for operators.
        self.client_name = f"paygate-broadcast-{instance}"

    async def connect(self) -> None:
        self._client = aioredis.from_url(self._url, decode_responses=True,
                                         client_name=self.client_name,
                                         health_check_interval=15)
        await self._client.ping()
        self._publisher = asyncio.create_task(self._publish_forever(), name="redis-publish")
        await self.start_reader("redis-broadcast")

    async def disconnect(self) -> None:
        await self.stop_reader()
        if self._publisher is not None:
            self._publisher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._publisher
            self._publisher = None
        while not self._outgoing.empty():  # nobody will send these now
            *_, done = self._outgoing.get_nowait()
            if not done.done():
                done.set_exception(RedisConnectionError("the broadcast was disconnected"))
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def publish(self, channel: str, message: str) -> None:
        assert self._client is not None, "connect() first"
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outgoing.put_nowait((channel, message, done))
        await done

    async def _publish_forever(self) -> None:
        """One task sends every PUBLISH: what queued up while the last batch was on the
        wire goes as one pipeline on one connection. Under load this costs one round trip
        and one pass through redis-py per batch instead of per notice, and the client's
        pool does not grow a connection per concurrent webhook."""
        assert self._client is not None
        while True:
            batch = [await self._outgoing.get()]
            while not self._outgoing.empty() and len(batch) < PUBLISH_BATCH:
                batch.append(self._outgoing.get_nowait())
            try:
                async with self._client.pipeline(transaction=False) as pipe:
                    for channel, message, _ in batch:
                        pipe.publish(self._prefix + channel, message)
                    await pipe.execute()
            except Exception as exc:  # every publisher in the batch hears of it
                for *_, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for *_, done in batch:
                if not done.done():
                    done.set_result(None)

    async def _first_subscriber(self, channel: str) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(*LOST):  # the reader re-subscribes after reconnecting
                await self._pubsub.subscribe(self._prefix + channel)

    async def _last_subscriber_left(self, channel: str) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(*LOST):
                await self._pubsub.unsubscribe(self._prefix + channel)

    async def _open(self) -> None:
        assert self._client is not None
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._control,
                               *(self._prefix + c for c in self._local.channels()))
        self._pubsub = pubsub

    async def _serve(self) -> None:
        assert self._pubsub is not None
        while True:
            message = await self._pubsub.get_message(timeout=30.0)
            if message is not None and message.get("type") == "message":
                channel = str(message["channel"])
                if channel.startswith(self._prefix):
                    self._local.deliver(channel[len(self._prefix):], str(message["data"]))

    async def _close(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(*LOST):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
