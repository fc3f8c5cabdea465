"""In-process fan-out, and the base every broadcast backend builds on: a subscriber is a
function the fan-out calls with each message of its channel; remote backends add one
connection that feeds the fan-out."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from paygate.services.ports import RECONNECTED, Deliver

logger = logging.getLogger("paygate.broadcast")


class LocalFanout:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[Deliver]] = {}

    def add(self, channel: str, deliver: Deliver) -> bool:
        """Add a subscriber to `channel`; True when it is the channel's first."""
        subscribers = self._subscribers.get(channel)
        if subscribers is None:
            self._subscribers[channel] = {deliver}
            return True
        subscribers.add(deliver)
        return False

    def remove(self, channel: str, deliver: Deliver) -> bool:
        """Forget a subscriber; True when the channel has no subscriber left."""
        subscribers = self._subscribers.get(channel)
        if subscribers is None:
            return False
        subscribers.discard(deliver)
        if subscribers:
            return False
        del self._subscribers[channel]
        return True

    def deliver(self, channel: str, message: str) -> None:
        for deliver in tuple(self._subscribers.get(channel, ())):
            try:
                deliver(message)
            except Exception:  # one broken subscriber does not cost the others their notice
                logger.exception("a broadcast subscriber failed")

    def deliver_all(self, message: str) -> None:
        for channel in tuple(self._subscribers):
            self.deliver(channel, message)

    def channels(self) -> list[str]:
        return list(self._subscribers)

    def clear(self) -> None:
        self._subscribers.clear()


class FanoutBroadcast:
    """Subscriptions served from a LocalFanout. Remote backends implement `_open` (make the
    connection), `_serve` (feed the fan-out until the connection is lost) and `_close`, and
    list the exceptions meaning "connection lost" in LOST; `run_reader` keeps them connected
    with backoff and tells every subscriber RECONNECTED after a loss, since notices may
    have been missed meanwhile."""

    LOST: tuple[type[BaseException], ...] = (OSError,)

    def __init__(self) -> None:
        self._local = LocalFanout()
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def listen(self, channel: str, deliver: Deliver) -> None:
        """Call `deliver` (in the event loop, without awaiting) with every message published
        on `channel` from now on, until `unlisten`. It must not block: a socket queues the
        message and sends it from a task of its own."""
        if self._local.add(channel, deliver):
            await self._first_subscriber(channel)

    async def unlisten(self, channel: str, deliver: Deliver) -> None:
        if self._local.remove(channel, deliver):
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
