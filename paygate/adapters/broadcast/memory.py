"""In-process broadcast: one process, every subscriber gets every message of its channel."""

from __future__ import annotations

import asyncio

from paygate.adapters.broadcast.local import FanoutBroadcast


class MemoryBroadcast(FanoutBroadcast):
    async def connect(self) -> None:
        return None

    async def disconnect(self) -> None:
        self._local.clear()

    async def publish(self, channel: str, message: str) -> None:
        self._local.deliver(channel, message)
        # Let the subscribers' senders run now: the notice leaves for the sockets before the
        # publisher goes on (a webhook's publisher then builds its HTTP response and log
        # line, ~0.1-0.2 ms the clinician's notice would otherwise wait behind).
        await asyncio.sleep(0)
