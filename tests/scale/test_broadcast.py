"""Broadcast backends: what one instance publishes reaches every subscriber of the channel,
on another instance too (Redis); a lost Redis connection is re-made and the subscriber is
told, so it can send its socket a fresh snapshot."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest

from paygate.adapters.broadcast import make_broadcast
from paygate.services.ports import RECONNECTED, Broadcast


class Feed:
    """A subscriber that keeps what it is sent, in order, as a call socket would."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[str] = asyncio.Queue()

    def __call__(self, message: str) -> None:
        self.received.put_nowait(message)


async def take(feed: Feed, n: int, within: float = 5.0) -> list[str]:
    async with asyncio.timeout(within):
        return [await feed.received.get() for _ in range(n)]


async def subscribed(bus: Broadcast, channel: str) -> Feed:
    """Subscribe, and give the subscription time to reach the server before publishing."""
    feed = Feed()
    await bus.listen(channel, feed)
    await asyncio.sleep(0.2)
    return feed


@pytest.fixture(params=["memory", "redis", "postgres"])
async def two_instances(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Any, Any]]:
    """Two broadcast clients as two paygate instances would hold them."""
    if request.param == "memory":
        bus = make_broadcast("memory://")
        await bus.connect()
        yield bus, bus  # one process: both "instances" share the bus
        await bus.disconnect()
        return
    url = request.getfixturevalue(f"{request.param}_url")
    namespace = secrets.token_hex(4)  # one deployment's channels: other tests' are apart
    a, b = make_broadcast(url, namespace), make_broadcast(url, namespace)
    await a.connect()
    await b.connect()
    yield a, b
    await a.disconnect()
    await b.disconnect()


async def test_publish_reaches_subscribers_of_that_channel_only(
        two_instances: tuple[Broadcast, Broadcast]) -> None:
    a, b = two_instances
    mine = await subscribed(b, "call:o:c:k1")
    await a.publish("call:o:c:k2", "not for you")
    await a.publish("call:o:c:k1", "paid")
    await a.publish("call:o:c:k1", "second")
    assert await take(mine, 2) == ["paid", "second"]


async def test_every_subscriber_gets_every_message(
        two_instances: tuple[Broadcast, Broadcast]) -> None:
    a, b = two_instances
    subs = [await subscribed(bus, "call:o:c:k") for bus in (a, b, b)]
    for n in range(5):
        await a.publish("call:o:c:k", f"m{n}")
    for sub in subs:
        assert await take(sub, 5) == [f"m{n}" for n in range(5)]


async def test_lost_redis_connection_is_remade_and_reported(redis_url: str) -> None:
    import redis.asyncio as aioredis

    namespace = secrets.token_hex(4)
    publisher, subscriber = (make_broadcast(redis_url, namespace),
                             make_broadcast(redis_url, namespace))
    await publisher.connect()
    await subscriber.connect()
    admin = aioredis.from_url(redis_url, decode_responses=True)
    try:
        feed = await subscribed(subscriber, "call:o:c:reconnect")
        await publisher.publish("call:o:c:reconnect", "before")
        assert await take(feed, 1) == ["before"]
        # Only this subscriber's pub/sub connection (other tests may share the server).
        ours = [c for c in await admin.client_list(_type="pubsub")
                if c.get("name") == subscriber.client_name]  # type: ignore[attr-defined]
        assert len(ours) == 1
        killed = await admin.client_kill_filter(_id=ours[0]["id"])
        assert killed == 1
        assert await take(feed, 1, within=10) == [RECONNECTED]
        await asyncio.sleep(0.1)
        await publisher.publish("call:o:c:reconnect", "after")
        assert await take(feed, 1) == ["after"]
    finally:
        await admin.aclose()
        await publisher.disconnect()
        await subscriber.disconnect()


async def test_one_redis_connection_carries_every_channel_of_an_instance(
        redis_url: str) -> None:
    import redis.asyncio as aioredis

    admin = aioredis.from_url(redis_url, decode_responses=True)
    bus = make_broadcast(redis_url)
    await bus.connect()

    async def our_pubsub_connections() -> int:
        clients = await admin.client_list(_type="pubsub")
        return len([c for c in clients if c.get("name") == bus.client_name])  # type: ignore[attr-defined]

    try:
        assert await our_pubsub_connections() == 1
        feeds = [Feed() for _ in range(200)]
        for n, feed in enumerate(feeds):
            await bus.listen(f"call:o:c:many{n}", feed)
        await asyncio.sleep(0.5)
        assert await our_pubsub_connections() == 1
        counts = dict(await admin.pubsub_numsub("call:o:c:many0", "call:o:c:many199"))
        assert counts == {"call:o:c:many0": 1, "call:o:c:many199": 1}
        await bus.publish("call:o:c:many7", "hello")
        assert await take(feeds[7], 1) == ["hello"]
        for n, feed in enumerate(feeds):  # the sockets go away: their subscriptions end
            await bus.unlisten(f"call:o:c:many{n}", feed)
        await asyncio.sleep(0.3)
        counts = dict(await admin.pubsub_numsub("call:o:c:many0"))
        assert counts == {"call:o:c:many0": 0}
    finally:
        await bus.disconnect()
        await admin.aclose()


async def test_lost_postgres_listener_is_remade_and_reported(postgres_url: str) -> None:
    import asyncpg

    from paygate.adapters.broadcast.postgres import dsn

    publisher, subscriber = make_broadcast(postgres_url), make_broadcast(postgres_url)
    await publisher.connect()
    await subscriber.connect()
    try:
        feed = await subscribed(subscriber, "call:o:c:pg")
        await publisher.publish("call:o:c:pg", "before")
        assert await take(feed, 1) == ["before"]
        admin = await asyncpg.connect(dsn(postgres_url))
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'paygate-listen' AND datname = current_database()")
        finally:
            await admin.close()
        assert killed == 2  # both instances' listeners
        assert await take(feed, 1, within=10) == [RECONNECTED]
        await asyncio.sleep(0.1)
        await publisher.publish("call:o:c:pg", "after")
        assert await take(feed, 1) == ["after"]
    finally:
        await publisher.disconnect()
        await subscriber.disconnect()


async def test_a_postgres_notice_over_the_notify_limit_is_refused_clearly(
        postgres_url: str) -> None:
    bus = make_broadcast(postgres_url)
    await bus.connect()
    try:
        with pytest.raises(ValueError, match="NOTIFY limit"):
            await bus.publish("call:o:c:big", "x" * 9000)
    finally:
        await bus.disconnect()


async def test_two_deployments_on_one_redis_never_hear_each_other(redis_url: str) -> None:
    staging, production = make_broadcast(redis_url, "staging1"), make_broadcast(
        redis_url, "production1")
    await staging.connect()
    await production.connect()
    try:
        theirs = await subscribed(production, "call:org_1:clinic_1:call_1")
        mine = await subscribed(staging, "call:org_1:clinic_1:call_1")
        await staging.publish("call:org_1:clinic_1:call_1", "paid on staging")
        assert await take(mine, 1) == ["paid on staging"]
        await asyncio.sleep(0.5)
        assert theirs.received.empty()
    finally:
        await staging.disconnect()
        await production.disconnect()
