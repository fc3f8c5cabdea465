"""In-process fan-out, and the base every broadcast backend builds on: subscriptions are
bounded local queues; remote backends add one connection that feeds them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator

from paygate.services.ports import RECONNECTED

logger = logging.getLogger("paygate.broadcast")


class LocalFanout:
    def __init__(self, queue_size: int = 256) -> None:
        self._queues: dict[str, set[asyncio.Queue[str]]] = defaultdict(set)
        self._queue_size = queue_size

    def add(self, channel: str) -> tuple[asyncio.Queue[str], bool]:
        """A new queue for `channel`, and whether it is the channel's first subscriber."""
        queue: asyncio.Queue[str] = asyncio.Queue(self._queue_size)
        first = channel not in self._queues
        self._queues[channel].add(queue)
        return queue, first

    def remove(self, channel: str, queue: asyncio.Queue[str]) -> bool:
        """Forget a queue; True when the channel has no subscriber left."""
        queues = self._queues.get(channel)
        if queues is None:
            return False
        queues.discard(queue)
        if queues:
            return False
        del self._queues[channel]
        return True

    def deliver(self, channel: str, message: str) -> None:
        for queue in tuple(self._queues.get(channel, ())):
            if queue.full():
                # A stalled reader loses its oldest hint; the snapshot it gets next is the truth.
                queue.get_nowait()
            queue.put_nowait(message)

    def deliver_all(self, message: str) -> None:
        for channel in tuple(self._queues):
            self.deliver(channel, message)

    def channels(self) -> list[str]:
        return list(self._queues)

    def clear(self) -> None:
        self._queues.clear()


class FanoutBroadcast:
    """Subscriptions served from a LocalFanout. Remote backends implement `_open` (make the
    connection), `_serve` (feed the fan-out until the connection is lost) and `_close`, and
    list the exceptions meaning "connection lost" in LOST; `run_reader` keeps them connected
    with backoff and tells every subscriber RECONNECTED after a loss, since notices may
    have been missed meanwhile."""

    LOST: tuple[type[BaseException], ...] = (OSError,)

    def __init__(self, queue_size: int = 256) -> None:
        self._local = LocalFanout(queue_size)
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def subscribe(self, channel: str) -> AsyncIterator[str]:
        queue, first = self._local.add(channel)
        try:
            if first:
                await self._first_subscriber(channel)
            while True:
                yield await queue.get()
        finally:
            if self._local.remove(channel, queue):
                await self._last_subscriber_left(channel)

    async def _first_subscriber(self, channel: str) -> None:
        """A backend that subscribes per channel does it here."""

    async def _last_subscriber_left(self, channel: str) -> None:
        """...and unsubscribes here."""

    # -- the remote connection -------------------------------------------------------------
    async def _open(self) -> None:
        raise NotImplementedError

    async def _serve(self) -> None:
        raise NotImplementedError

    async def _close(self) -> None:
        raise NotImplementedError

    async def start_reader(self, name: str) -> None:
        self._reader = asyncio.create_task(self._read_forever(), name=name)
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop_reader(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        await self._close()
        self._local.clear()

    async def _read_forever(self) -> None:
        delay, connected_before = 0.1, False
        while True:
            try:
                await self._open()
                if connected_before:
                    logger.warning("broadcast reconnected; subscribers get fresh snapshots")
                    self._local.deliver_all(RECONNECTED)
                connected_before, delay = True, 0.1
                self._ready.set()
                await self._serve()
            except self.LOST:
                pass
            logger.warning("broadcast connection lost; reconnecting in %.1fs", delay)
            await self._close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
